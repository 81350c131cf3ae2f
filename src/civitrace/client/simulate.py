"""Simulated encounters: the scan feed one device would record while near another.

Tests, the demo and the policy lab need realistic scan feeds without radios. Given the
advertiser's TEKs (or its :class:`~civitrace.client.device.Device`) and a list of
:class:`Meeting` objects, :func:`observe` returns the JSON-lines records (see
:mod:`civitrace.client.scans`) that the *other* device's scanner would have written: RPIs and
AEMs of the right intervals, derived with :mod:`civitrace.en.rpi`.

The observer scans every ``scan_interval`` seconds (300 s, the GAEN default), slightly
stretched so that a whole number of scans fits the meeting: a 40-minute meeting gives 8 scans,
each at the middle of its 5-minute slot plus a deterministic jitter from ``random.Random(seed)``.
Each scan hears ``beacons_per_scan`` advertisements one second apart. The matching engine turns
these into scan instances worth 300 s each, except the first, which gets the reference's 2-minute
default unless a scan log says when the previous scan was: pass ``log_scans=True`` to add
``{"kind": "scan"}`` lines for the scan before each meeting and every scan in it.
"""

import json
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from civitrace.client.device import Device
from civitrace.client.document import MAX_ATTENUATION_DB
from civitrace.client.errors import ClientError
from civitrace.client.store import DEFAULT_TX_POWER
from civitrace.en.intervals import en_interval_number
from civitrace.en.keys import TemporaryExposureKey
from civitrace.en.rpi import Metadata, derive_aemk, derive_rpis, encrypt_metadata

DEFAULT_SCAN_INTERVAL = 300.0  # seconds between scans, GAEN's default
DEFAULT_JITTER = 10.0  # at most this many seconds off the regular schedule
BEACON_SPACING = 1.0  # seconds between the advertisements one scan hears


@dataclass(frozen=True, slots=True)
class Meeting:
    """Two devices near each other from ``start`` (unix seconds) for ``duration`` seconds.

    The signal is given as the RSSI the observer measures (dBm) or as the attenuation it
    computes (dB); exactly one of the two.
    """

    start: float
    duration: float
    rssi: int | None = None
    attenuation: int | None = None

    def __post_init__(self) -> None:
        if self.start < 0 or self.duration <= 0:
            raise ValueError("a meeting needs start >= 0 and a positive duration")
        if (self.rssi is None) == (self.attenuation is None):
            raise ValueError("give exactly one of rssi and attenuation")
        if self.rssi is not None and not -128 <= self.rssi <= 127:
            raise ValueError("rssi must be -128..127 dBm")
        if self.attenuation is not None and not 0 <= self.attenuation <= MAX_ATTENUATION_DB:
            raise ValueError(f"attenuation must be 0..{MAX_ATTENUATION_DB} dB")

    @property
    def end(self) -> float:
        return self.start + self.duration


def scan_count(meeting: Meeting, scan_interval: float = DEFAULT_SCAN_INTERVAL) -> int:
    """How many scans of the observer fall inside the meeting (at least one)."""
    return max(1, round(meeting.duration / scan_interval))


class _Advertiser:
    """The RPI and AEM an advertiser sends at a given time, from its TEKs."""

    def __init__(self, keys: Sequence[TemporaryExposureKey], tx_power: int) -> None:
        self._keys = list(keys)
        self._metadata = Metadata(tx_power=tx_power).encode()
        self._aemks: dict[bytes, bytes] = {}

    def payload(self, when: float) -> bytes:
        interval = en_interval_number(when)
        for key in self._keys:
            if key.rolling_start_number <= interval < key.end_interval:
                (rpi,) = derive_rpis(key.key_data, interval)
                aemk = self._aemks.setdefault(key.key_data, derive_aemk(key.key_data))
                return rpi + encrypt_metadata(aemk, rpi, self._metadata)
        raise ClientError(f"the advertiser has no key for interval {interval}")


def _level(meeting: Meeting, rng: random.Random, noise_db: int) -> dict[str, int]:
    delta = rng.randint(-noise_db, noise_db) if noise_db else 0
    if meeting.rssi is not None:
        return {"rssi": max(-128, min(127, meeting.rssi + delta))}
    attenuation = meeting.attenuation if meeting.attenuation is not None else 0
    return {"attenuation": max(0, min(MAX_ATTENUATION_DB, attenuation + delta))}


def observe(
    advertiser_keys: Sequence[TemporaryExposureKey],
    meetings: Iterable[Meeting],
    *,
    tx_power: int = DEFAULT_TX_POWER,
    scan_interval: float = DEFAULT_SCAN_INTERVAL,
    jitter: float = DEFAULT_JITTER,
    beacons_per_scan: int = 3,
    level_noise_db: int = 0,
    log_scans: bool = False,
    seed: int = 0,
) -> list[dict[str, Any]]:
    """Scan-feed records of the advertiser's beacons during ``meetings``, sorted by time."""
    if scan_interval <= 0 or not 0 <= jitter < scan_interval / 4 or beacons_per_scan < 1:
        raise ValueError("need scan_interval > 0, 0 <= jitter < scan_interval / 4, beacons >= 1")
    if beacons_per_scan * BEACON_SPACING > scan_interval / 4:
        raise ValueError("too many beacons per scan for the scan interval")
    rng = random.Random(seed)
    advertiser = _Advertiser(advertiser_keys, tx_power)
    records: list[dict[str, Any]] = []
    for meeting in meetings:
        count = scan_count(meeting, scan_interval)
        spacing = meeting.duration / count
        first = -1 if log_scans else 0
        for slot in range(first, count):
            scan_at = meeting.start + (slot + 0.5) * spacing + rng.uniform(-jitter, jitter)
            if log_scans:
                records.append({"time": round(scan_at, 3), "kind": "scan"})
            if slot < 0:
                continue  # the scan before the meeting heard nothing of this advertiser
            for beacon in range(beacons_per_scan):
                heard_at = round(scan_at + beacon * BEACON_SPACING, 3)
                records.append(
                    {
                        "time": heard_at,
                        "payload": advertiser.payload(heard_at).hex(),
                        **_level(meeting, rng, level_noise_db),
                    }
                )
    records.sort(key=lambda record: float(record["time"]))
    return records


def observe_device(
    device: Device, meetings: Iterable[Meeting], **options: Any
) -> list[dict[str, Any]]:
    """:func:`observe` with the device's own TEKs and configured TX power."""
    options.setdefault("tx_power", device.tx_power)
    return observe(device.own_keys, meetings, **options)


def to_jsonl(records: Iterable[dict[str, Any]]) -> str:
    """Records as JSON lines, ready for :func:`civitrace.client.scans.parse_scan_text`."""
    return "".join(json.dumps(record, separators=(",", ":")) + "\n" for record in records)
