"""The end-to-end story the demo tells, as a function tests can run and check.

Alice and Bob meet for 40 minutes at close range yesterday afternoon; Carol spends the same
afternoon near strangers. Alice tests positive, consents, and shares her keys; the health
authority signs them into an export file; Bob and Carol download it, verify it, and check.
Bob finds the exposure, Carol does not. Every artefact (stores, scan feeds, the publish body,
the signed export, the signing key pair) is written to ``workdir`` so that each step can be
repeated with the ``civitrace`` command.
"""

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path

from civitrace.client.consent import Consent, prepare_upload
from civitrace.client.device import Device
from civitrace.client.document import DAY_SECONDS, ExposureResult
from civitrace.client.scans import read_scan_feed
from civitrace.client.simulate import Meeting, observe, observe_device, to_jsonl
from civitrace.client.store import Passphrase, ScryptParams
from civitrace.en import _primitives
from civitrace.en.constants import INTERVAL_SECONDS, TEK_ROLLING_PERIOD
from civitrace.en.export import (
    ExportBatch,
    ExportSigner,
    SignatureInfo,
    VerificationKey,
    build_export,
)
from civitrace.en.intervals import en_interval_number, utc_day
from civitrace.en.keys import ReportType, TemporaryExposureKey, generate_tek
from civitrace.en.publish_json import parse_key_list

HEALTH_AUTHORITY_ID = "demo-health-authority"
REGION = "DEMO"
SIGNING_KEY_ID = "demo"
SIGNING_KEY_VERSION = "v1"
MEETING_MINUTES = 40
MEETING_RSSI = -45  # with the default -10 dBm TX power: 35 dB, the "near" bucket


@dataclass(frozen=True, slots=True)
class PersonOutcome:
    """One person's device after the story: what it saw and what its check found."""

    name: str
    store: Path
    passphrase_env: str
    passphrase: str
    scan_feed: Path | None
    sightings: int
    result: ExposureResult | None

    @property
    def exposed(self) -> bool:
        return self.result is not None and self.result.exposed

    @property
    def exposure_seconds(self) -> int:
        return 0 if self.result is None else sum(w.duration_seconds for w in self.result.windows)


@dataclass(frozen=True, slots=True)
class ScenarioOutcome:
    """Everything the story produced, with the paths of its files."""

    workdir: Path
    meeting: Meeting
    device_created_at: float
    people: tuple[PersonOutcome, ...]
    signing_key: Path
    public_key: Path
    publish_body: Path
    export_file: Path
    shared_keys: int

    def person(self, name: str) -> PersonOutcome:
        return next(p for p in self.people if p.name == name)


class _Clock:
    """A clock the story moves forward: devices are set up yesterday morning, checked now."""

    def __init__(self, value: float) -> None:
        self.value = value

    def __call__(self) -> float:
        return self.value


def _health_authority_keys(
    body: dict[str, object], onset_day: int
) -> tuple[TemporaryExposureKey, ...]:
    """What the key server does with a publish body: report type and days since onset."""
    return tuple(
        dataclasses.replace(
            key,
            report_type=ReportType.CONFIRMED_TEST,
            days_since_onset_of_symptoms=key.rolling_start_number // TEK_ROLLING_PERIOD - onset_day,
        )
        for key in parse_key_list(body)
    )


def run_scenario(
    workdir: Path, now: float, *, scrypt: ScryptParams | None = None, seed: int = 7
) -> ScenarioOutcome:
    """Play the story in ``workdir`` (which must exist), as of ``now``."""
    today = utc_day(now)
    yesterday_start = (today - 1) * DAY_SECONDS
    meeting = Meeting(yesterday_start + 14 * 3600, MEETING_MINUTES * 60, rssi=MEETING_RSSI)
    clock = _Clock(yesterday_start + 8 * 3600)
    created_at = clock.value

    names = ("Alice", "Bob", "Carol")
    passphrases = {name: f"{name.lower()}-demo-passphrase" for name in names}
    devices = {
        name: Device.create(
            workdir / f"{name.lower()}.store",
            Passphrase(passphrases[name]),
            clock=clock,
            scrypt=scrypt,
        )
        for name in names
    }
    try:
        clock.value = now
        for device in devices.values():
            device.ensure_todays_key()

        # Bob hears Alice and Alice hears Bob; Carol hears two strangers elsewhere.
        strangers = [generate_tek(en_interval_number(meeting.start)) for _ in range(2)]
        feeds = {
            "Alice": observe_device(devices["Bob"], [meeting], seed=seed),
            "Bob": observe_device(devices["Alice"], [meeting], seed=seed + 1),
            "Carol": [
                record
                for i, stranger in enumerate(strangers)
                for record in observe(
                    [stranger],
                    [Meeting(meeting.start - 3 * 3600, 3600, rssi=-60 - 5 * i)],
                    seed=seed + 2 + i,
                )
            ],
        }
        feed_paths = {}
        sightings = {}
        for name, records in feeds.items():
            path = workdir / f"{name.lower()}-scans.jsonl"
            path.write_text(to_jsonl(records), encoding="utf-8")
            feed_paths[name] = path
            sightings[name] = devices[name].ingest_scans(read_scan_feed(path)).added

        # Alice tests positive (symptoms began on the day of the meeting) and says yes.
        onset_day = utc_day(meeting.start)
        request = prepare_upload(
            devices["Alice"],
            Consent(share_diagnosis_keys=True, days=14),
            health_authority_id=HEALTH_AUTHORITY_ID,
            symptom_onset_interval=onset_day * TEK_ROLLING_PERIOD,
        )
        publish_body = workdir / "alice-publish.json"
        publish_body.write_text(json.dumps(request.body, indent=2), encoding="utf-8")

        # The health authority signs her keys into an export file with an index.
        signing = _primitives.generate_signing_key()
        signing_key, public_key = workdir / "ha-signing.pem", workdir / "ha-public.pem"
        signing_key.write_bytes(_primitives.private_key_pem(signing))
        signing_key.chmod(0o600)
        public_key.write_bytes(_primitives.public_key_pem(signing.public_key()))
        keys = _health_authority_keys(request.body, onset_day)
        start = min(k.rolling_start_number for k in keys) * INTERVAL_SECONDS
        end = max(k.end_interval for k in keys) * INTERVAL_SECONDS
        signer = ExportSigner(signing, SignatureInfo(SIGNING_KEY_ID, SIGNING_KEY_VERSION))
        exports = workdir / "exports"
        exports.mkdir(exist_ok=True)
        export_file = exports / f"{start}-{end}-00001.zip"
        export_file.write_bytes(build_export(ExportBatch(REGION, start, end, keys), [signer]))
        (exports / "index.txt").write_text(export_file.name + "\n", encoding="utf-8")

        # Bob and Carol download, verify and check.
        trusted = [VerificationKey(signing.public_key(), SIGNING_KEY_ID, SIGNING_KEY_VERSION)]
        results: dict[str, ExposureResult | None] = {"Alice": None}
        for name in ("Bob", "Carol"):
            devices[name].download(exports, trusted)
            results[name] = devices[name].check_exposures()
    finally:
        for device in devices.values():
            device.close()

    people = tuple(
        PersonOutcome(
            name=name,
            store=workdir / f"{name.lower()}.store",
            passphrase_env=f"{name.upper()}_PASSPHRASE",
            passphrase=passphrases[name],
            scan_feed=feed_paths[name],
            sightings=sightings[name],
            result=results[name],
        )
        for name in names
    )
    return ScenarioOutcome(
        workdir=workdir,
        meeting=meeting,
        device_created_at=created_at,
        people=people,
        signing_key=signing_key,
        public_key=public_key,
        publish_body=publish_body,
        export_file=export_file,
        shared_keys=len(keys),
    )
