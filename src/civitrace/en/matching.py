"""The matching engine: which published diagnosis keys did this device see, how long, how close?

Input is what a scanning device recorded (:class:`Sighting`: when, which RPI and AEM, at what
RSSI) and the diagnosis keys it downloaded. Output is GAEN v2 :class:`ExposureWindow` objects,
each paired with the key that produced it, ready for :func:`civitrace.en.risk.daily_summaries`.

The work is split so that the common case stays cheap. Almost every downloaded key was never
near this device: those keys only go through :func:`civitrace.en.fast.match`, which derives
their RPIs and looks them up in bulk without a Python object per key. Only keys with hits get
the per-key work: the tolerance check, AEM decryption (one AEMK per key) and window building,
which follows the reference matcher (``KeyExposureEvaluator`` in
google/exposure-notifications-internals) as summarized in ``tests/vectors/gaen_risk_scoring.md``.
"""

import math
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass, field

from civitrace.en import fast
from civitrace.en.constants import (
    INTERVAL_SECONDS,
    KEY_LENGTH,
    MATCH_TOLERANCE_SECONDS,
    METADATA_LENGTH,
)
from civitrace.en.errors import ConfigError, ExposureDataError, InvalidKeyError
from civitrace.en.intervals import interval_start_seconds, utc_day
from civitrace.en.keys import ReportType, TemporaryExposureKey
from civitrace.en.risk import (
    CalibrationConfidence,
    DiagnosisKeysDataMapping,
    ExposureWindow,
    Infectiousness,
    ScanInstance,
)
from civitrace.en.rpi import Metadata, decrypt_metadata, derive_aemk

REFERENCE_SCAN_SECONDS = 4  # ContactTracingFeature.scanTimeSeconds
REFERENCE_SCAN_EXTENSION_SECONDS = 13  # extra scan time while a Bluetooth profile is in use
DEFAULT_SCAN_GROUPING_SECONDS = 1.5 * (REFERENCE_SCAN_SECONDS + REFERENCE_SCAN_EXTENSION_SECONDS)
"""25.5 s: the reference's 1.5 x the longest scan (4 s + 13 s while BT audio or a call is on).

Scans are at least 60 s apart, so this never merges two scans; a shorter value (1.5 x 4 s = 6 s)
would split an extended 17 s scan into several scan instances, each counted as a full
``seconds_since_last_scan``, inflating the exposure's duration several-fold.
"""

MAX_WINDOW_SECONDS = 30 * 60  # the reference cuts windows at a fixed 30 min
MAX_MINUTES_SINCE_LAST_SCAN = 5  # ContactTracingFeature.maxMinutesSinceLastScan
DEFAULT_SECONDS_SINCE_LAST_SCAN = 2 * 60  # the reference's 2 min when the last scan is unknown


@dataclass(frozen=True, slots=True)
class Sighting:
    """One received advertisement: when (unix seconds), RPI, AEM, and either the calibrated
    RSSI (dBm) or an attenuation already computed by the radio stack (dB).

    ``rssi`` is the value after the scanning device's own RSSI correction, so that
    ``tx_power - rssi`` is the attenuation the GAEN model expects; the TX power is only known
    once the AEM is decrypted with a matching key. Feeds from simulators or other stacks that
    report attenuation directly give ``attenuation`` instead, which is then used as is.
    """

    timestamp: float
    rpi: bytes
    aem: bytes
    rssi: int | None = None
    attenuation: int | None = None

    def __post_init__(self) -> None:
        if isinstance(self.timestamp, bool) or not isinstance(self.timestamp, int | float):
            raise InvalidKeyError("timestamp must be unix seconds")
        if not math.isfinite(self.timestamp) or self.timestamp < 0:
            raise InvalidKeyError("timestamp must be finite, non-negative unix seconds")
        if not isinstance(self.rpi, bytes) or len(self.rpi) != KEY_LENGTH:
            raise InvalidKeyError(f"rpi must be {KEY_LENGTH} bytes")
        if not isinstance(self.aem, bytes) or len(self.aem) != METADATA_LENGTH:
            raise InvalidKeyError(f"aem must be {METADATA_LENGTH} bytes")
        if (self.rssi is None) == (self.attenuation is None):
            raise InvalidKeyError("a sighting needs exactly one of rssi and attenuation")
        if self.rssi is not None:
            if isinstance(self.rssi, bool) or not isinstance(self.rssi, int):
                raise InvalidKeyError("rssi must be an int (dBm)")
            if not -128 <= self.rssi <= 127:
                raise InvalidKeyError("rssi must fit a signed byte (dBm)")
        if self.attenuation is not None:
            if isinstance(self.attenuation, bool) or not isinstance(self.attenuation, int):
                raise InvalidKeyError("attenuation must be an int (dB)")
            if not 0 <= self.attenuation <= 255:
                raise InvalidKeyError("attenuation must be 0..255 dB")

    def attenuation_db(self, tx_power: int) -> int:
        """GAEN's attenuation: TX power minus RSSI, never negative, unless given directly."""
        if self.attenuation is not None:
            return self.attenuation
        assert self.rssi is not None  # __post_init__ guarantees one of the two
        return max(tx_power - self.rssi, 0)


@dataclass(frozen=True, slots=True)
class MatchingConfig:
    """Knobs of the matching engine; defaults are the reference matcher's.

    - ``tolerance_seconds``: a sighting counts only if it lies within this of its RPI's interval
      (clock skew between the two devices), 2 h as in the specification.
    - ``scan_grouping_seconds``: sightings this close to the first sighting of a scan instance
      belong to it; see :data:`DEFAULT_SCAN_GROUPING_SECONDS`.
    - ``max_window_seconds``: a window ends when a scan starts this long after the window's
      first scan (30 min).
    - ``max_minutes_since_last_scan`` / ``default_seconds_since_last_scan``: cap on, and
      fallback for, the time a scan instance stands for (5 min, 2 min).
    - ``diagnosis_keys_data_mapping``: key metadata → infectiousness and report type.
    - ``calibration_confidence``: how well *this* device's RSSI is calibrated; copied into every
      window (the reference takes it from the device's calibration record).
    """

    tolerance_seconds: float = MATCH_TOLERANCE_SECONDS
    scan_grouping_seconds: float = DEFAULT_SCAN_GROUPING_SECONDS
    max_window_seconds: float = MAX_WINDOW_SECONDS
    max_minutes_since_last_scan: int = MAX_MINUTES_SINCE_LAST_SCAN
    default_seconds_since_last_scan: int = DEFAULT_SECONDS_SINCE_LAST_SCAN
    diagnosis_keys_data_mapping: DiagnosisKeysDataMapping = field(
        default_factory=DiagnosisKeysDataMapping
    )
    calibration_confidence: CalibrationConfidence = CalibrationConfidence.LOWEST

    def __post_init__(self) -> None:
        _check_seconds("tolerance_seconds", self.tolerance_seconds, allow_zero=True)
        _check_seconds("scan_grouping_seconds", self.scan_grouping_seconds, allow_zero=True)
        _check_seconds("max_window_seconds", self.max_window_seconds, allow_zero=False)
        if not _is_int(self.max_minutes_since_last_scan) or self.max_minutes_since_last_scan < 1:
            raise ConfigError("max_minutes_since_last_scan must be an int >= 1")
        if (
            not _is_int(self.default_seconds_since_last_scan)
            or self.default_seconds_since_last_scan < 0
        ):
            raise ConfigError("default_seconds_since_last_scan must be an int >= 0")
        if not isinstance(self.diagnosis_keys_data_mapping, DiagnosisKeysDataMapping):
            raise ConfigError("diagnosis_keys_data_mapping must be a DiagnosisKeysDataMapping")
        try:
            confidence = CalibrationConfidence(self.calibration_confidence)
        except ValueError:
            raise ConfigError("calibration_confidence must be a CalibrationConfidence") from None
        object.__setattr__(self, "calibration_confidence", confidence)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_seconds(name: str, value: object, *, allow_zero: bool) -> None:
    valid = (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and (value >= 0 if allow_zero else value > 0)
    )
    if not valid:
        bound = ">= 0" if allow_zero else "> 0"
        raise ConfigError(f"{name} must be a finite number of seconds {bound}, got {value!r}")


DEFAULT_MATCHING_CONFIG = MatchingConfig()


@dataclass(frozen=True, slots=True)
class MatchedExposure:
    """An exposure window and the diagnosis key whose RPIs produced it.

    The key is kept because clients want its metadata beyond what a GAEN window carries
    (transmission risk level, the raw report type and days since onset).
    """

    window: ExposureWindow
    key: TemporaryExposureKey


# --- internal records ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Observation:
    """A kept sighting of a matched key, reduced to what windows need."""

    timestamp: float
    attenuation_db: int


@dataclass(slots=True)
class _Scan:
    """The sightings of one key in one scan: the raw material of a ScanInstance."""

    start: float
    attenuations: list[int]


# --- step 1: the fast path ----------------------------------------------------------------------


def _index_observed(sightings: Sequence[Sighting]) -> tuple[bytes, list[list[Sighting]]]:
    """The distinct observed RPIs packed for the fast path, and the sightings of each."""
    position: dict[bytes, int] = {}
    grouped: list[list[Sighting]] = []
    for sighting in sightings:
        index = position.setdefault(sighting.rpi, len(grouped))
        if index == len(grouped):
            grouped.append([])
        grouped[index].append(sighting)
    return b"".join(position), grouped


def _can_produce_windows(key: TemporaryExposureKey, mapping: DiagnosisKeysDataMapping) -> bool:
    """REVOKED keys and keys of infectiousness NONE never yield a window: skip them early."""
    if mapping.report_type(key.report_type) is ReportType.REVOKED:
        return False
    return mapping.infectiousness(key.days_since_onset_of_symptoms) is not Infectiousness.NONE


def _hits_per_key(
    keys: Sequence[TemporaryExposureKey], observed: bytes
) -> dict[int, list[tuple[int, int]]]:
    """{key index: [(interval, observed index), ...]} for every key seen at least once."""
    packed = b"".join(key.key_data for key in keys)
    starts = [key.rolling_start_number for key in keys]
    periods = [key.rolling_period for key in keys]
    hits: dict[int, list[tuple[int, int]]] = {}
    for key_index, interval, observed_index in fast.match(packed, starts, periods, observed):
        hits.setdefault(key_index, []).append((interval, observed_index))
    return hits


# --- steps 2 and 3: tolerance and attenuation ---------------------------------------------------


def _within_tolerance(timestamp: float, interval: int, tolerance: float) -> bool:
    """interval start - tolerance <= t < interval end + tolerance (device clocks may differ)."""
    start = interval_start_seconds(interval)
    return start - tolerance <= timestamp < start + INTERVAL_SECONDS + tolerance


def _observations(
    key: TemporaryExposureKey,
    hits: Sequence[tuple[int, int]],
    sightings_by_rpi: Sequence[Sequence[Sighting]],
    tolerance: float,
) -> list[_Observation]:
    """The key's sightings within tolerance, with attenuation = max(TX power - RSSI, 0).

    The AEMK is derived once per key, and only when a sighting survives the tolerance check.
    """
    kept = [
        sighting
        for interval, observed_index in hits
        for sighting in sightings_by_rpi[observed_index]
        if _within_tolerance(sighting.timestamp, interval, tolerance)
    ]
    if not kept:
        return []
    aemk = derive_aemk(key.key_data)
    observations = []
    for sighting in kept:
        tx_power = Metadata.decode(decrypt_metadata(aemk, sighting.rpi, sighting.aem)).tx_power
        observations.append(_Observation(sighting.timestamp, sighting.attenuation_db(tx_power)))
    observations.sort(key=lambda observation: observation.timestamp)
    return observations


# --- step 4: scans and windows ------------------------------------------------------------------


def _group_scans(observations: Sequence[_Observation], grouping_seconds: float) -> list[_Scan]:
    """Consecutive sightings within ``grouping_seconds`` of a scan's first one form one scan.

    Anchoring on the first sighting (as the reference's scanner does when it builds a sighting
    record) keeps a scan from growing without bound through a chain of close sightings.
    """
    scans: list[_Scan] = []
    for observation in observations:
        if scans and observation.timestamp - scans[-1].start <= grouping_seconds:
            scans[-1].attenuations.append(observation.attenuation_db)
        else:
            scans.append(_Scan(observation.timestamp, [observation.attenuation_db]))
    return scans


def _device_scan_times(
    sightings: Sequence[Sighting], scan_times: Sequence[float] | None, grouping_seconds: float
) -> list[float]:
    """When this device scanned, sorted: ``scan_times`` if known, else inferred from sightings.

    Inferred scans are the starts of sighting groups over ALL sightings (any RPI): every
    advertisement received proves a scan ran then. Scans that saw nothing leave no trace, so
    pass the real scan log when there is one; the cap on minutes since the last scan bounds the
    error either way.
    """
    if scan_times is not None:
        times = [float(t) for t in scan_times]
        if not all(math.isfinite(t) for t in times):
            raise ExposureDataError("scan_times must be finite unix seconds")
        return sorted(times)
    starts: list[float] = []
    for timestamp in sorted(sighting.timestamp for sighting in sightings):
        if not starts or timestamp - starts[-1] > grouping_seconds:
            starts.append(timestamp)
    return starts


def _round_half_up(value: float) -> int:
    """Java's Math.round, which the reference uses (Python's round() rounds half to even)."""
    return math.floor(value + 0.5)


def _typical_attenuation(attenuations: Sequence[int]) -> int:
    """round(mean) in the reference's half-up sense, computed exactly in integers."""
    count = len(attenuations)
    return (2 * sum(attenuations) + count) // (2 * count)


def _seconds_since_last_scan(
    start: float, scan_times: Sequence[float], config: MatchingConfig
) -> int:
    """60 x min(max minutes, round(minutes since the device's previous scan)).

    The previous scan is the latest device scan more than ``scan_grouping_seconds`` before this
    scan instance's first sighting, i.e. not the scan that produced it. With none on record the
    reference's default (2 min) applies.
    """
    position = bisect_left(scan_times, start - config.scan_grouping_seconds)
    if position == 0:
        return config.default_seconds_since_last_scan
    minutes = _round_half_up((start - scan_times[position - 1]) / 60)
    return 60 * min(config.max_minutes_since_last_scan, minutes)


def _scan_instance(
    scan: _Scan, scan_times: Sequence[float], config: MatchingConfig
) -> ScanInstance:
    return ScanInstance(
        typical_attenuation_db=_typical_attenuation(scan.attenuations),
        min_attenuation_db=min(scan.attenuations),
        seconds_since_last_scan=_seconds_since_last_scan(scan.start, scan_times, config),
    )


def _split_windows(scans: Sequence[_Scan], max_window_seconds: float) -> list[list[_Scan]]:
    """Cut when a scan starts ``max_window_seconds`` after the window's first, or on a new UTC day.

    The reference cuts at a fixed 30 min from the window's first sighting; it does not cut at
    midnight, but GAEN windows carry a single day, so a window crossing midnight would put its
    later scans on the wrong day's summary. Cutting whole scans keeps a scan in one window.
    """
    windows: list[list[_Scan]] = []
    for scan in scans:
        if windows:
            first = windows[-1][0].start
            same_day = utc_day(scan.start) == utc_day(first)
            if same_day and scan.start - first < max_window_seconds:
                windows[-1].append(scan)
                continue
        windows.append([scan])
    return windows


# --- step 5: the key's metadata -----------------------------------------------------------------


def _windows_of_key(
    key: TemporaryExposureKey,
    scans: Sequence[_Scan],
    scan_times: Sequence[float],
    config: MatchingConfig,
) -> list[tuple[float, ExposureWindow]]:
    """(start, window) for each window of one key, with its report type and infectiousness."""
    mapping = config.diagnosis_keys_data_mapping
    report_type = mapping.report_type(key.report_type)
    infectiousness = mapping.infectiousness(key.days_since_onset_of_symptoms)
    result = []
    for window_scans in _split_windows(scans, config.max_window_seconds):
        instances = tuple(_scan_instance(scan, scan_times, config) for scan in window_scans)
        window = ExposureWindow(
            day=utc_day(window_scans[0].start),
            scan_instances=instances,
            report_type=report_type,
            infectiousness=infectiousness,
            calibration_confidence=config.calibration_confidence,
        )
        result.append((window_scans[0].start, window))
    return result


def find_exposures(
    keys: Sequence[TemporaryExposureKey],
    sightings: Sequence[Sighting],
    config: MatchingConfig = DEFAULT_MATCHING_CONFIG,
    scan_times: Sequence[float] | None = None,
) -> list[MatchedExposure]:
    """Exposure windows of ``keys`` among ``sightings``, each paired with its key.

    1. Keys that cannot yield a window (REVOKED, or infectiousness NONE under the mapping) are
       dropped; the rest, and the distinct observed RPIs, go to :func:`civitrace.en.fast.match`.
    2. A hit's sightings count only within ``tolerance_seconds`` of the RPI's interval.
    3. Each kept sighting's AEM is decrypted (one AEMK per matched key) for the TX power;
       attenuation = max(TX power - RSSI, 0).
    4. A key's sightings form scan instances (typical = mean rounded half up, min = min), and
       scan instances form windows of at most ``max_window_seconds``, never across UTC midnight.
       ``seconds_since_last_scan`` comes from the device's scans: ``scan_times`` if given
       (unix seconds of every scan, including those that saw nothing), else inferred from all
       sightings.
    5. Windows carry the key's report type (UNKNOWN → ``report_type_when_missing``) and
       infectiousness from its days since onset.

    The result is sorted by (day, first scan). The reference shuffles windows (SecureRandom)
    before handing them to apps, so that their order does not reveal the time of day or which
    windows share a key: callers exposing windows to third parties should shuffle them too
    (``random.SystemRandom().shuffle``).
    """
    if not keys or not sightings:
        return []
    mapping = config.diagnosis_keys_data_mapping
    candidates = [key for key in keys if _can_produce_windows(key, mapping)]
    observed, sightings_by_rpi = _index_observed(sightings)
    hits = _hits_per_key(candidates, observed)
    if not hits:
        return []
    device_scans = _device_scan_times(sightings, scan_times, config.scan_grouping_seconds)
    found: list[tuple[int, float, int, MatchedExposure]] = []
    for key_index in sorted(hits):
        key = candidates[key_index]
        observations = _observations(
            key, hits[key_index], sightings_by_rpi, config.tolerance_seconds
        )
        scans = _group_scans(observations, config.scan_grouping_seconds)
        for start, window in _windows_of_key(key, scans, device_scans, config):
            found.append((window.day, start, key_index, MatchedExposure(window, key)))
    found.sort(key=lambda entry: entry[:3])
    return [entry[3] for entry in found]
