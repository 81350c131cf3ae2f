"""What the device holds: typed, versioned records, their JSON form, and their retention.

The store encrypts one JSON document; this module defines it. Every record carries the time
that decides when it expires, and :meth:`StoreDocument.prune` deletes whatever is older than
the retention period (14 days, :data:`civitrace.en.constants.KEY_RETENTION_DAYS`): a device
should hold no more history than exposure notification needs.

The JSON form is also what ``export-data`` hands to the person (keys and identifiers as
standard base64), so its field names are a small public contract: change them only with a new
:data:`DOCUMENT_VERSION`.
"""

import base64
import binascii
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any, TypeGuard, TypeVar

from civitrace.client.errors import StoreCorruptError
from civitrace.en.constants import (
    KEY_LENGTH,
    KEY_RETENTION_DAYS,
    METADATA_LENGTH,
)
from civitrace.en.errors import ENError
from civitrace.en.intervals import interval_start_seconds, utc_day
from civitrace.en.keys import ReportType, TemporaryExposureKey
from civitrace.en.risk import (
    CalibrationConfidence,
    Classification,
    DailySummary,
    ExposureSummaryData,
    ExposureWindow,
    Infectiousness,
    ScanInstance,
)

DOCUMENT_VERSION = 1
DAY_SECONDS = 86_400
MAX_ATTENUATION_DB = 255  # attenuations are unsigned bytes in the GAEN model

_E = TypeVar("_E", bound=IntEnum)
_T = TypeVar("_T")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


# --- records ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OwnKey:
    """A TEK this device generated and broadcast from, with when it was made."""

    key: TemporaryExposureKey
    created_at: float

    @property
    def end_time(self) -> int:
        """Unix seconds at which the key stopped being broadcast: its age counts from here."""
        return interval_start_seconds(self.key.end_interval)


@dataclass(frozen=True, slots=True)
class ObservedSighting:
    """One advertisement this device received: when, RPI, AEM, and signal strength.

    A scanner reports either the RSSI it measured (dBm, after its own calibration correction)
    or the attenuation it already computed (dB); exactly one of the two is set.
    """

    timestamp: float
    rpi: bytes
    aem: bytes
    rssi: int | None = None
    attenuation: int | None = None

    def __post_init__(self) -> None:
        if not _is_real(self.timestamp) or self.timestamp < 0:
            raise ValueError("timestamp must be finite, non-negative unix seconds")
        if not isinstance(self.rpi, bytes) or len(self.rpi) != KEY_LENGTH:
            raise ValueError(f"rpi must be {KEY_LENGTH} bytes")
        if not isinstance(self.aem, bytes) or len(self.aem) != METADATA_LENGTH:
            raise ValueError(f"aem must be {METADATA_LENGTH} bytes")
        if (self.rssi is None) == (self.attenuation is None):
            raise ValueError("exactly one of rssi and attenuation must be given")
        if self.rssi is not None and not (_is_int(self.rssi) and -128 <= self.rssi <= 127):
            raise ValueError("rssi must be an integer dBm in -128..127")
        if self.attenuation is not None and not (
            _is_int(self.attenuation) and 0 <= self.attenuation <= MAX_ATTENUATION_DB
        ):
            raise ValueError(f"attenuation must be an integer dB in 0..{MAX_ATTENUATION_DB}")


@dataclass(frozen=True, slots=True)
class DownloadedExport:
    """The verified content of one export file, and where and when it came from.

    Only files whose signature verified with a trusted key are ever recorded; ``sha256`` (hex,
    of the zip) lets later downloads skip a file already held.
    """

    sha256: str
    source: str
    name: str
    downloaded_at: float
    region: str
    start_timestamp: int
    end_timestamp: int
    keys: tuple[TemporaryExposureKey, ...]
    revised_keys: tuple[TemporaryExposureKey, ...] = ()


@dataclass(frozen=True, slots=True)
class ExposureResult:
    """One exposure check: the windows found, their daily summaries, and the classification."""

    checked_at: float
    keys_checked: int
    sightings_checked: int
    windows: tuple[ExposureWindow, ...]
    summaries: tuple[DailySummary, ...]
    classification: Classification | None

    @property
    def exposed(self) -> bool:
        """A classification was reached: the person should be told."""
        return self.classification is not None


@dataclass(frozen=True, slots=True)
class ConsentRecord:
    """What the person explicitly agreed to, when, and for whom."""

    given_at: float
    purpose: str
    statement: str
    days: int
    recipient: str


@dataclass(frozen=True, slots=True)
class UploadRecord:
    """Keys released from the device (handed over for upload) with the person's consent.

    Only the rolling start numbers are kept, not the keys: the keys themselves stay in
    :attr:`StoreDocument.own_keys` until they expire.
    """

    prepared_at: float
    health_authority_id: str
    key_count: int
    rolling_start_numbers: tuple[int, ...]


@dataclass(slots=True)
class Settings:
    """Per-device settings; not personal history, so retention leaves them alone.

    ``created_key_file`` is the key file the store created itself (and so deletes with it).
    """

    tx_power: int
    created_at: float
    created_key_file: str | None = None


@dataclass(slots=True)
class StoreDocument:
    """Everything the device holds, as one versioned document."""

    settings: Settings
    own_keys: list[OwnKey] = field(default_factory=list)
    sightings: list[ObservedSighting] = field(default_factory=list)
    scan_times: list[float] = field(default_factory=list)
    downloads: list[DownloadedExport] = field(default_factory=list)
    results: list[ExposureResult] = field(default_factory=list)
    consents: list[ConsentRecord] = field(default_factory=list)
    uploads: list[UploadRecord] = field(default_factory=list)

    def prune(self, now: float, retention_days: int = KEY_RETENTION_DAYS) -> int:
        """Delete every record older than ``retention_days`` before ``now``; return how many.

        Age is measured from the record's own time: a TEK's end of validity, a sighting's or a
        scan's time, a download's time (and, inside it, each key's end), a check's time (and,
        inside it, each window's and summary's day), a consent's or an upload's time. A
        classification whose day has expired is dropped with it.
        """
        cutoff = now - retention_days * DAY_SECONDS
        cutoff_day = utc_day(cutoff)
        before = self._count()
        self.own_keys = [k for k in self.own_keys if k.end_time > cutoff]
        self.sightings = [s for s in self.sightings if s.timestamp >= cutoff]
        self.scan_times = [t for t in self.scan_times if t >= cutoff]
        self.downloads = [
            _prune_download(d, cutoff) for d in self.downloads if d.downloaded_at >= cutoff
        ]
        self.results = [
            _prune_result(r, cutoff_day) for r in self.results if r.checked_at >= cutoff
        ]
        self.consents = [c for c in self.consents if c.given_at >= cutoff]
        self.uploads = [u for u in self.uploads if u.prepared_at >= cutoff]
        return before - self._count()

    def _count(self) -> int:
        nested = sum(len(d.keys) + len(d.revised_keys) for d in self.downloads) + sum(
            len(r.windows) + len(r.summaries) + (r.classification is not None) for r in self.results
        )
        return nested + sum(
            len(items)
            for items in (
                self.own_keys,
                self.sightings,
                self.scan_times,
                self.downloads,
                self.results,
                self.consents,
                self.uploads,
            )
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "version": DOCUMENT_VERSION,
            "settings": {
                "txPower": self.settings.tx_power,
                "createdAt": self.settings.created_at,
                "createdKeyFile": self.settings.created_key_file,
            },
            "ownKeys": [{"createdAt": k.created_at, **key_to_json(k.key)} for k in self.own_keys],
            "sightings": [sighting_to_json(s) for s in self.sightings],
            "scanTimes": list(self.scan_times),
            "downloads": [_download_to_json(d) for d in self.downloads],
            "results": [result_to_json(r) for r in self.results],
            "consents": [
                {
                    "givenAt": c.given_at,
                    "purpose": c.purpose,
                    "statement": c.statement,
                    "days": c.days,
                    "recipient": c.recipient,
                }
                for c in self.consents
            ],
            "uploads": [
                {
                    "preparedAt": u.prepared_at,
                    "healthAuthorityID": u.health_authority_id,
                    "keyCount": u.key_count,
                    "rollingStartNumbers": list(u.rolling_start_numbers),
                }
                for u in self.uploads
            ],
        }

    @classmethod
    def from_json(cls, document: object) -> "StoreDocument":
        """Parse the stored form; anything unexpected is a :class:`StoreCorruptError`."""
        try:
            return _document_from_json(_mapping(document, "document"))
        except (_FieldError, ENError, ValueError) as exc:
            raise StoreCorruptError(f"the store's content is not a valid document: {exc}") from exc


def _prune_download(download: DownloadedExport, cutoff: float) -> DownloadedExport:
    def fresh(keys: tuple[TemporaryExposureKey, ...]) -> tuple[TemporaryExposureKey, ...]:
        return tuple(k for k in keys if interval_start_seconds(k.end_interval) > cutoff)

    return DownloadedExport(
        sha256=download.sha256,
        source=download.source,
        name=download.name,
        downloaded_at=download.downloaded_at,
        region=download.region,
        start_timestamp=download.start_timestamp,
        end_timestamp=download.end_timestamp,
        keys=fresh(download.keys),
        revised_keys=fresh(download.revised_keys),
    )


def _prune_result(result: ExposureResult, cutoff_day: int) -> ExposureResult:
    classification = result.classification
    if classification is not None and classification.day < cutoff_day:
        classification = None
    return ExposureResult(
        checked_at=result.checked_at,
        keys_checked=result.keys_checked,
        sightings_checked=result.sightings_checked,
        windows=tuple(w for w in result.windows if w.day >= cutoff_day),
        summaries=tuple(s for s in result.summaries if s.day >= cutoff_day),
        classification=classification,
    )


# --- JSON: writing ------------------------------------------------------------------------------


def key_to_json(key: TemporaryExposureKey) -> dict[str, Any]:
    """A TEK with all its metadata; ``reportType`` is the export enum's name."""
    return {
        "key": _b64(key.key_data),
        "rollingStartNumber": key.rolling_start_number,
        "rollingPeriod": key.rolling_period,
        "transmissionRisk": key.transmission_risk_level,
        "reportType": key.report_type.name,
        "daysSinceOnsetOfSymptoms": key.days_since_onset_of_symptoms,
    }


def sighting_to_json(sighting: ObservedSighting) -> dict[str, Any]:
    document: dict[str, Any] = {
        "time": sighting.timestamp,
        "rpi": _b64(sighting.rpi),
        "aem": _b64(sighting.aem),
    }
    if sighting.rssi is not None:
        document["rssi"] = sighting.rssi
    if sighting.attenuation is not None:
        document["attenuation"] = sighting.attenuation
    return document


def _download_to_json(download: DownloadedExport) -> dict[str, Any]:
    return {
        "sha256": download.sha256,
        "source": download.source,
        "name": download.name,
        "downloadedAt": download.downloaded_at,
        "region": download.region,
        "startTimestamp": download.start_timestamp,
        "endTimestamp": download.end_timestamp,
        "keys": [key_to_json(k) for k in download.keys],
        "revisedKeys": [key_to_json(k) for k in download.revised_keys],
    }


def window_to_json(window: ExposureWindow) -> dict[str, Any]:
    return {
        "day": window.day,
        "date": window.date.isoformat(),
        "reportType": window.report_type.name,
        "infectiousness": window.infectiousness.name,
        "calibrationConfidence": window.calibration_confidence.name,
        "durationSeconds": window.duration_seconds,
        "scanInstances": [
            {
                "typicalAttenuationDb": s.typical_attenuation_db,
                "minAttenuationDb": s.min_attenuation_db,
                "secondsSinceLastScan": s.seconds_since_last_scan,
            }
            for s in window.scan_instances
        ],
    }


def _summary_data_to_json(data: ExposureSummaryData) -> dict[str, float]:
    return {
        "maximumScore": data.maximum_score,
        "scoreSum": data.score_sum,
        "weightedDurationSum": data.weighted_duration_sum,
    }


def summary_to_json(summary: DailySummary) -> dict[str, Any]:
    return {
        "day": summary.day,
        "date": summary.date.isoformat(),
        "summary": _summary_data_to_json(summary.summary_data),
        "reportSummaries": {
            report_type.name: _summary_data_to_json(data)
            for report_type, data in summary.report_summaries.items()
        },
    }


def result_to_json(result: ExposureResult) -> dict[str, Any]:
    classification = result.classification
    return {
        "checkedAt": result.checked_at,
        "keysChecked": result.keys_checked,
        "sightingsChecked": result.sightings_checked,
        "windows": [window_to_json(w) for w in result.windows],
        "summaries": [summary_to_json(s) for s in result.summaries],
        "classification": None
        if classification is None
        else {
            "index": classification.index,
            "name": classification.name,
            "day": classification.day,
            "date": classification.date.isoformat(),
        },
    }


# --- JSON: reading ------------------------------------------------------------------------------


class _FieldError(Exception):
    """A field of the stored document is missing or of the wrong type (``path: message``)."""


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_real(value: object) -> TypeGuard[int | float]:
    return (_is_int(value) or isinstance(value, float)) and math.isfinite(value)


def _mapping(value: object, path: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise _FieldError(f"{path}: must be an object")
    return value


def _get(obj: Mapping[str, Any], name: str, path: str) -> Any:
    if name not in obj:
        raise _FieldError(f"{path}.{name}: is required")
    return obj[name]


def _int(obj: Mapping[str, Any], name: str, path: str) -> int:
    value = _get(obj, name, path)
    if not _is_int(value):
        raise _FieldError(f"{path}.{name}: must be an integer")
    return int(value)


def _optional_int(obj: Mapping[str, Any], name: str, path: str) -> int | None:
    return None if obj.get(name) is None else _int(obj, name, path)


def _real(obj: Mapping[str, Any], name: str, path: str) -> float:
    value = _get(obj, name, path)
    if not _is_real(value):
        raise _FieldError(f"{path}.{name}: must be a finite number")
    return float(value)


def _str(obj: Mapping[str, Any], name: str, path: str) -> str:
    value = _get(obj, name, path)
    if not isinstance(value, str):
        raise _FieldError(f"{path}.{name}: must be a string")
    return value


def _bytes(obj: Mapping[str, Any], name: str, path: str) -> bytes:
    try:
        return base64.b64decode(_str(obj, name, path), validate=True)
    except (binascii.Error, ValueError):
        raise _FieldError(f"{path}.{name}: must be standard base64") from None


def _enum(enum: type[_E], obj: Mapping[str, Any], name: str, path: str) -> _E:
    value = _str(obj, name, path)
    try:
        return enum[value]
    except KeyError:
        raise _FieldError(f"{path}.{name}: {value!r} is not a {enum.__name__}") from None


def _items(
    obj: Mapping[str, Any], name: str, path: str, parse: Callable[[Any, str], _T]
) -> list[_T]:
    value = _get(obj, name, path)
    if not isinstance(value, list):
        raise _FieldError(f"{path}.{name}: must be a list")
    return [parse(item, f"{path}.{name}[{i}]") for i, item in enumerate(value)]


def key_from_json(value: object, path: str = "key") -> TemporaryExposureKey:
    obj = _mapping(value, path)
    return TemporaryExposureKey(
        key_data=_bytes(obj, "key", path),
        rolling_start_number=_int(obj, "rollingStartNumber", path),
        rolling_period=_int(obj, "rollingPeriod", path),
        transmission_risk_level=_int(obj, "transmissionRisk", path),
        report_type=_enum(ReportType, obj, "reportType", path),
        days_since_onset_of_symptoms=_optional_int(obj, "daysSinceOnsetOfSymptoms", path),
    )


def _own_key(value: object, path: str) -> OwnKey:
    obj = _mapping(value, path)
    return OwnKey(key_from_json(obj, path), _real(obj, "createdAt", path))


def _sighting(value: object, path: str) -> ObservedSighting:
    obj = _mapping(value, path)
    return ObservedSighting(
        timestamp=_real(obj, "time", path),
        rpi=_bytes(obj, "rpi", path),
        aem=_bytes(obj, "aem", path),
        rssi=_optional_int(obj, "rssi", path),
        attenuation=_optional_int(obj, "attenuation", path),
    )


def _scan_time(value: object, path: str) -> float:
    if not _is_real(value):
        raise _FieldError(f"{path}: must be a finite number")
    return float(value)


def _download(value: object, path: str) -> DownloadedExport:
    obj = _mapping(value, path)
    return DownloadedExport(
        sha256=_str(obj, "sha256", path),
        source=_str(obj, "source", path),
        name=_str(obj, "name", path),
        downloaded_at=_real(obj, "downloadedAt", path),
        region=_str(obj, "region", path),
        start_timestamp=_int(obj, "startTimestamp", path),
        end_timestamp=_int(obj, "endTimestamp", path),
        keys=tuple(_items(obj, "keys", path, key_from_json)),
        revised_keys=tuple(_items(obj, "revisedKeys", path, key_from_json)),
    )


def _scan_instance(value: object, path: str) -> ScanInstance:
    obj = _mapping(value, path)
    return ScanInstance(
        typical_attenuation_db=_int(obj, "typicalAttenuationDb", path),
        min_attenuation_db=_int(obj, "minAttenuationDb", path),
        seconds_since_last_scan=_int(obj, "secondsSinceLastScan", path),
    )


def window_from_json(value: object, path: str = "window") -> ExposureWindow:
    obj = _mapping(value, path)
    return ExposureWindow(
        day=_int(obj, "day", path),
        scan_instances=tuple(_items(obj, "scanInstances", path, _scan_instance)),
        report_type=_enum(ReportType, obj, "reportType", path),
        infectiousness=_enum(Infectiousness, obj, "infectiousness", path),
        calibration_confidence=_enum(CalibrationConfidence, obj, "calibrationConfidence", path),
    )


def _summary_data(value: object, path: str) -> ExposureSummaryData:
    obj = _mapping(value, path)
    return ExposureSummaryData(
        maximum_score=_real(obj, "maximumScore", path),
        score_sum=_real(obj, "scoreSum", path),
        weighted_duration_sum=_real(obj, "weightedDurationSum", path),
    )


def _summary(value: object, path: str) -> DailySummary:
    obj = _mapping(value, path)
    per_type = _mapping(_get(obj, "reportSummaries", path), f"{path}.reportSummaries")
    report_summaries: dict[ReportType, ExposureSummaryData] = {}
    for name, data in per_type.items():
        if name not in ReportType.__members__:
            raise _FieldError(f"{path}.reportSummaries: {name!r} is not a ReportType")
        report_summaries[ReportType[name]] = _summary_data(data, f"{path}.reportSummaries.{name}")
    return DailySummary(
        day=_int(obj, "day", path),
        report_summaries=report_summaries,
        summary_data=_summary_data(_get(obj, "summary", path), f"{path}.summary"),
    )


def _classification(value: object, path: str) -> Classification | None:
    if value is None:
        return None
    obj = _mapping(value, path)
    return Classification(_int(obj, "index", path), _str(obj, "name", path), _int(obj, "day", path))


def _result(value: object, path: str) -> ExposureResult:
    obj = _mapping(value, path)
    return ExposureResult(
        checked_at=_real(obj, "checkedAt", path),
        keys_checked=_int(obj, "keysChecked", path),
        sightings_checked=_int(obj, "sightingsChecked", path),
        windows=tuple(_items(obj, "windows", path, window_from_json)),
        summaries=tuple(_items(obj, "summaries", path, _summary)),
        classification=_classification(obj.get("classification"), f"{path}.classification"),
    )


def _consent(value: object, path: str) -> ConsentRecord:
    obj = _mapping(value, path)
    return ConsentRecord(
        given_at=_real(obj, "givenAt", path),
        purpose=_str(obj, "purpose", path),
        statement=_str(obj, "statement", path),
        days=_int(obj, "days", path),
        recipient=_str(obj, "recipient", path),
    )


def _upload(value: object, path: str) -> UploadRecord:
    obj = _mapping(value, path)
    starts = _get(obj, "rollingStartNumbers", path)
    if not isinstance(starts, list) or not all(_is_int(s) for s in starts):
        raise _FieldError(f"{path}.rollingStartNumbers: must be a list of integers")
    return UploadRecord(
        prepared_at=_real(obj, "preparedAt", path),
        health_authority_id=_str(obj, "healthAuthorityID", path),
        key_count=_int(obj, "keyCount", path),
        rolling_start_numbers=tuple(starts),
    )


def _settings(value: object, path: str) -> Settings:
    obj = _mapping(value, path)
    key_file = obj.get("createdKeyFile")
    if key_file is not None and not isinstance(key_file, str):
        raise _FieldError(f"{path}.createdKeyFile: must be a string or null")
    return Settings(
        tx_power=_int(obj, "txPower", path),
        created_at=_real(obj, "createdAt", path),
        created_key_file=key_file,
    )


def _document_from_json(obj: Mapping[str, Any]) -> StoreDocument:
    version = obj.get("version")
    if version != DOCUMENT_VERSION:
        raise _FieldError(f"version: unsupported document version {version!r}")
    path = "document"
    return StoreDocument(
        settings=_settings(_get(obj, "settings", path), f"{path}.settings"),
        own_keys=_items(obj, "ownKeys", path, _own_key),
        sightings=_items(obj, "sightings", path, _sighting),
        scan_times=_items(obj, "scanTimes", path, _scan_time),
        downloads=_items(obj, "downloads", path, _download),
        results=_items(obj, "results", path, _result),
        consents=_items(obj, "consents", path, _consent),
        uploads=_items(obj, "uploads", path, _upload),
    )


def effective_keys(downloads: Sequence[DownloadedExport]) -> list[TemporaryExposureKey]:
    """Downloaded keys with revisions applied: a later revised key replaces an earlier one.

    Exports carry ``revised_keys`` when a key's report type changed after publication (for
    example to REVOKED after a negative test); the latest revision of a key wins. Keys are
    identified by their bytes, so the same key in two files counts once.
    """
    by_data: dict[bytes, TemporaryExposureKey] = {}
    for download in sorted(downloads, key=lambda d: d.downloaded_at):
        for key in download.keys:
            by_data.setdefault(key.key_data, key)
        for key in download.revised_keys:
            by_data[key.key_data] = key
    return list(by_data.values())
