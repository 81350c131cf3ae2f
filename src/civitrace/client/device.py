"""The reference device: the store and the protocol composed behind one facade.

A :class:`Device` is what a phone's exposure-notification service does, minus the radio:
it keeps a TEK per UTC day and derives what to broadcast, ingests what the scanner heard,
downloads and verifies the health authority's exports, matches them locally and scores the
result, and lets its owner see or delete everything it holds. Every method that changes the
device saves the store before returning, so a crash never loses an acknowledged change.
"""

import random
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from civitrace.client.document import (
    DAY_SECONDS,
    ExposureResult,
    OwnKey,
    StoreDocument,
    effective_keys,
)
from civitrace.client.downloads import (
    DownloadLimits,
    DownloadReport,
    ExportSource,
    download_exports,
    open_source,
)
from civitrace.client.scans import ScanFeed
from civitrace.client.store import DEFAULT_TX_POWER, Clock, ScryptParams, Secret, Store
from civitrace.en.ble import BlePayload
from civitrace.en.constants import KEY_RETENTION_DAYS
from civitrace.en.export import VerificationKey
from civitrace.en.intervals import en_interval_number, utc_day
from civitrace.en.keys import TemporaryExposureKey, generate_tek
from civitrace.en.matching import (
    DEFAULT_MATCHING_CONFIG,
    MatchingConfig,
    Sighting,
    find_exposures,
)
from civitrace.en.risk import (
    ClassificationThreshold,
    DailySummariesConfig,
    classify,
    daily_summaries,
)
from civitrace.en.rpi import Metadata, derive_aemk, derive_rpis, encrypt_metadata

DEFAULT_THRESHOLDS: tuple[ClassificationThreshold, ...] = (
    ClassificationThreshold(1, "close contact", per_day_sum_erv_threshold=900.0),
)
"""One class: a day whose score sum reaches 900, i.e. 15 weighted minutes under the default
:class:`DailySummariesConfig` (weights 1.0 at "near" attenuation). Fifteen minutes at close
range is the usual public-health definition of a close contact; a health authority sets its
own thresholds."""

DEFAULT_SUMMARIES_CONFIG = DailySummariesConfig()

EXPORT_FORMAT = "civitrace-device-data"


@dataclass(frozen=True, slots=True)
class IngestReport:
    """What a scan feed added: new sightings and scan times, duplicates, expired sightings."""

    added: int
    duplicates: int
    expired: int
    scans_added: int


class Device:
    """An open reference device; close it (or use ``with``) to release its store."""

    def __init__(self, store: Store) -> None:
        self._store = store

    # --- lifecycle ------------------------------------------------------------------------------

    @classmethod
    def create(
        cls,
        path: Path,
        secret: Secret,
        *,
        tx_power: int = DEFAULT_TX_POWER,
        clock: Clock = time.time,
        scrypt: ScryptParams | None = None,
    ) -> "Device":
        """A new device with its first TEK (for the UTC day of ``clock()``)."""
        device = cls(Store.create(path, secret, tx_power=tx_power, clock=clock, scrypt=scrypt))
        try:
            device.ensure_todays_key()
        except BaseException:
            device.close()
            raise
        return device

    @classmethod
    def open(cls, path: Path, secret: Secret, *, clock: Clock = time.time) -> "Device":
        return cls(Store.open(path, secret, clock=clock))

    def close(self) -> None:
        self._store.close()

    def __enter__(self) -> "Device":
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    # --- what it holds --------------------------------------------------------------------------

    @property
    def store(self) -> Store:
        return self._store

    @property
    def document(self) -> StoreDocument:
        return self._store.document

    @property
    def tx_power(self) -> int:
        return self.document.settings.tx_power

    @property
    def own_keys(self) -> list[TemporaryExposureKey]:
        """This device's TEKs, oldest first."""
        return sorted(
            (k.key for k in self.document.own_keys), key=lambda key: key.rolling_start_number
        )

    def now(self) -> float:
        return self._store.now()

    # --- broadcasting ---------------------------------------------------------------------------

    def key_for(self, when: float) -> TemporaryExposureKey | None:
        """The own TEK valid at ``when``, if the device has one."""
        interval = en_interval_number(when)
        for own in self.document.own_keys:
            if own.key.rolling_start_number <= interval < own.key.end_interval:
                return own.key
        return None

    def ensure_todays_key(self, now: float | None = None) -> TemporaryExposureKey:
        """The TEK of the UTC day of ``now``, generated (and saved) if there is none yet."""
        now = self.now() if now is None else now
        existing = self.key_for(now)
        if existing is not None:
            return existing
        key = generate_tek(en_interval_number(now))
        self.document.own_keys.append(OwnKey(key, now))
        self._store.save()
        return key

    def broadcast(self, now: float | None = None) -> BlePayload:
        """RPI and AEM of the current interval, with the configured TX power in the metadata."""
        now = self.now() if now is None else now
        key = self.ensure_todays_key(now)
        interval = en_interval_number(now)
        (rpi,) = derive_rpis(key.key_data, interval)
        metadata = Metadata(tx_power=self.tx_power).encode()
        return BlePayload(rpi, encrypt_metadata(derive_aemk(key.key_data), rpi, metadata))

    # --- scanning, downloading, matching --------------------------------------------------------

    def ingest_scans(self, feed: ScanFeed) -> IngestReport:
        """Add a parsed scan feed; repeated lines and data already past retention are dropped."""
        document = self.document
        cutoff = self.now() - KEY_RETENTION_DAYS * DAY_SECONDS
        held = set(document.sightings)
        added = duplicates = expired = 0
        for sighting in feed.sightings:
            if sighting.timestamp < cutoff:
                expired += 1
            elif sighting in held:
                duplicates += 1
            else:
                held.add(sighting)
                document.sightings.append(sighting)
                added += 1
        known_scans = set(document.scan_times)
        new_scans = sorted({t for t in feed.scan_times if t >= cutoff} - known_scans)
        document.scan_times.extend(new_scans)
        document.sightings.sort(key=lambda s: s.timestamp)
        document.scan_times.sort()
        self._store.save()
        return IngestReport(added, duplicates, expired, len(new_scans))

    def download(
        self,
        source: str | Path | ExportSource,
        trusted: Sequence[VerificationKey],
        limits: DownloadLimits | None = None,
    ) -> DownloadReport:
        """Fetch, verify and keep new export files from ``source`` (see :mod:`.downloads`)."""
        opened = open_source(source, limits) if isinstance(source, str | Path) else source
        try:
            known = {d.sha256 for d in self.document.downloads}
            report = download_exports(opened, trusted, known, self.now())
        finally:
            if opened is not source:
                opened.close()
        if report.accepted:
            self.document.downloads.extend(report.accepted)
            self._store.save()
        return report

    def _scan_times(self) -> list[float] | None:
        """The scan log plus every sighting's time (each proves a scan), or None without a log."""
        if not self.document.scan_times:
            return None
        times = set(self.document.scan_times)
        times.update(s.timestamp for s in self.document.sightings)
        return sorted(times)

    def check_exposures(
        self,
        now: float | None = None,
        matching_config: MatchingConfig = DEFAULT_MATCHING_CONFIG,
        summaries_config: DailySummariesConfig = DEFAULT_SUMMARIES_CONFIG,
        thresholds: Sequence[ClassificationThreshold] = DEFAULT_THRESHOLDS,
    ) -> ExposureResult:
        """Match every downloaded key against every sighting, score, classify, and keep it.

        Windows are stored in day order but shuffled within a day, as the reference hands them
        to apps: their order would otherwise tell the time of day and which share a key.
        """
        now = self.now() if now is None else now
        document = self.document
        keys = effective_keys(document.downloads)
        sightings = [
            Sighting(s.timestamp, s.rpi, s.aem, rssi=s.rssi, attenuation=s.attenuation)
            for s in document.sightings
        ]
        matched = find_exposures(keys, sightings, matching_config, self._scan_times())
        windows = [m.window for m in matched]
        random.SystemRandom().shuffle(windows)
        windows.sort(key=lambda window: window.day)
        summaries = daily_summaries(windows, summaries_config, utc_day(now))
        result = ExposureResult(
            checked_at=now,
            keys_checked=len(keys),
            sightings_checked=len(sightings),
            windows=tuple(windows),
            summaries=tuple(summaries),
            classification=classify(summaries, thresholds),
        )
        document.results.append(result)
        self._store.save()
        return result

    @property
    def latest_result(self) -> ExposureResult | None:
        results = self.document.results
        return max(results, key=lambda r: r.checked_at) if results else None

    # --- the owner's rights ---------------------------------------------------------------------

    def export_data(self) -> dict[str, Any]:
        """Everything the device holds, JSON-serializable (keys and identifiers in base64)."""
        return {
            "format": EXPORT_FORMAT,
            "exportedAt": self.now(),
            "retentionDays": KEY_RETENTION_DAYS,
            **self.document.to_json(),
        }

    def delete_data(self) -> list[Path]:
        """Remove the store file, the key file it created, and its lock; the device is closed."""
        return self._store.destroy()
