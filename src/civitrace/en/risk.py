"""GAEN v2 risk scoring: exposure windows, daily summaries and the classification on top.

This is the ExposureWindow / DailySummary model of the Exposure Notification API v2, computed the
way Google's reference implementation computes it (``tests/vectors/gaen_risk_scoring.md``, which
cites ``DailySummaryUtils``, ``DailySummariesConfig`` and ``DiagnosisKeysDataMapping`` of
google/exposure-notifications-internals and ``DailySummaryRiskCalculator`` of the ENX app).
Everything here is pure: no clock, no I/O, no randomness, so a health authority can replay a
configuration against recorded windows and get bit-identical scores.

Where the reference has a quirk, it is kept on purpose and said so, because a real GAEN app
configured for Google's scorer must get the same answer from civitrace.
"""

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import IntEnum
from types import MappingProxyType
from typing import TypeGuard, TypeVar

from civitrace.en.constants import MAX_DAYS_SINCE_ONSET
from civitrace.en.errors import ConfigError, ExposureDataError
from civitrace.en.keys import ReportType

MAX_WEIGHT = 2.5  # every GAEN weight lies in 0.0..2.5
MAX_ATTENUATION_DB = 255  # thresholds and attenuations are unsigned bytes
DAYS_SINCE_ONSET_ENTRIES = 2 * MAX_DAYS_SINCE_ONSET + 1  # days -14..+14

RETURNABLE_REPORT_TYPES = frozenset(
    {
        ReportType.CONFIRMED_TEST,
        ReportType.CONFIRMED_CLINICAL_DIAGNOSIS,
        ReportType.SELF_REPORT,
        ReportType.RECURSIVE,
    }
)
"""Report types whose windows count (TekMetadataUtils): UNKNOWN and REVOKED never do."""

_EPOCH = dt.date(1970, 1, 1)

_E = TypeVar("_E", bound=IntEnum)


class Infectiousness(IntEnum):
    """How infectious the key's owner was that day, from the days since symptom onset."""

    NONE = 0
    STANDARD = 1
    HIGH = 2


class CalibrationConfidence(IntEnum):
    """How much the scanning device's RSSI calibration can be trusted."""

    LOWEST = 0  # no calibration data: fleet-wide default
    LOW = 1  # manufacturer average
    MEDIUM = 2  # a similar model with a single antenna
    HIGH = 3  # significant data for this very model


class AttenuationBucket(IntEnum):
    """The reference's ``DistanceEstimate``: which weight a scan's typical attenuation gets."""

    IMMEDIATE = 0
    NEAR = 1
    MEDIUM = 2
    OTHER = 3


def epoch_day_to_date(day: int) -> dt.date:
    """The calendar date (UTC) of a count of days since 1970-01-01."""
    return _EPOCH + dt.timedelta(days=day)


# --- validation helpers -------------------------------------------------------------------------


def _is_int(value: object) -> TypeGuard[int]:
    """An int that is not a bool: ``True`` is not an attenuation."""
    return isinstance(value, int) and not isinstance(value, bool)


def _is_real(value: object) -> TypeGuard[int | float]:
    """A finite int or float (not a bool): NaN would slip through every range check."""
    return _is_int(value) or (isinstance(value, float) and math.isfinite(value))


def _check_weight(name: str, value: object) -> float:
    if not _is_real(value) or not 0.0 <= value <= MAX_WEIGHT:
        raise ConfigError(f"{name} must be a number in 0.0..{MAX_WEIGHT}, got {value!r}")
    return float(value)


def _check_non_negative(name: str, value: object) -> None:
    if not _is_real(value) or value < 0:
        raise ConfigError(f"{name} must be a finite number >= 0, got {value!r}")


def _member(enum: type[_E], name: str, value: object, error: type[ValueError] = ConfigError) -> _E:
    """``value`` as a member of ``enum`` (ints accepted, as the wire format carries them)."""
    if isinstance(value, enum):
        return value
    if _is_int(value):
        try:
            return enum(value)
        except ValueError:
            pass
    raise error(f"{name}: {value!r} is not a {enum.__name__}")


def _weights_by_member(
    enum: type[_E], name: str, weights: Mapping[_E, float]
) -> Mapping[_E, float]:
    """Validate a weight per enum member; members left out weigh 0.0, as in the reference."""
    if not isinstance(weights, Mapping):
        raise ConfigError(f"{name} must map {enum.__name__} to a weight")
    given = {_member(enum, name, key): _check_weight(name, w) for key, w in weights.items()}
    return MappingProxyType({member: given.get(member, 0.0) for member in enum})


# --- exposure windows ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ScanInstance:
    """What one scan saw of one key: the GAEN ``ScanInstance``.

    ``typical_attenuation_db`` aggregates the key's beacons in the scan (the rounded mean in dB);
    ``seconds_since_last_scan`` is the time this scan stands for, so summing it over a window
    gives the window's duration, even though the previous scan may not have seen the key.
    """

    typical_attenuation_db: int
    min_attenuation_db: int
    seconds_since_last_scan: int

    def __post_init__(self) -> None:
        for name in ("typical_attenuation_db", "min_attenuation_db"):
            value = getattr(self, name)
            if not _is_int(value) or not 0 <= value <= MAX_ATTENUATION_DB:
                raise ExposureDataError(f"{name} must be an int in 0..{MAX_ATTENUATION_DB}")
        if self.min_attenuation_db > self.typical_attenuation_db:
            raise ExposureDataError("min_attenuation_db cannot exceed typical_attenuation_db")
        if not _is_int(self.seconds_since_last_scan) or self.seconds_since_last_scan < 0:
            raise ExposureDataError("seconds_since_last_scan must be an int >= 0")


@dataclass(frozen=True, slots=True)
class ExposureWindow:
    """At most 30 minutes of one diagnosis key seen by this device: the GAEN ``ExposureWindow``.

    ``day`` counts UTC days since the epoch (the reference's ``dateMillisSinceEpoch`` / 86 400 000);
    the window deliberately carries no finer time than that.
    """

    day: int
    scan_instances: tuple[ScanInstance, ...]
    report_type: ReportType
    infectiousness: Infectiousness
    calibration_confidence: CalibrationConfidence = CalibrationConfidence.LOWEST

    def __post_init__(self) -> None:
        if not _is_int(self.day):
            raise ExposureDataError("day must be an int (UTC days since the epoch)")
        scans = tuple(self.scan_instances)
        if not all(isinstance(scan, ScanInstance) for scan in scans):
            raise ExposureDataError("scan_instances must hold ScanInstance objects")
        object.__setattr__(self, "scan_instances", scans)
        for name, enum in (
            ("report_type", ReportType),
            ("infectiousness", Infectiousness),
            ("calibration_confidence", CalibrationConfidence),
        ):
            member = _member(enum, name, getattr(self, name), ExposureDataError)
            object.__setattr__(self, name, member)

    @property
    def duration_seconds(self) -> int:
        """Sum of ``seconds_since_last_scan``: how long the reference considers the exposure."""
        return sum(scan.seconds_since_last_scan for scan in self.scan_instances)

    @property
    def date(self) -> dt.date:
        """The UTC calendar day of the window."""
        return epoch_day_to_date(self.day)


# --- configuration ------------------------------------------------------------------------------


def _default_report_type_weights() -> Mapping[ReportType, float]:
    return {
        ReportType.CONFIRMED_TEST: 1.0,
        ReportType.CONFIRMED_CLINICAL_DIAGNOSIS: 1.0,
        ReportType.SELF_REPORT: 1.0,
        ReportType.RECURSIVE: 0.0,
    }


def _default_infectiousness_weights() -> Mapping[Infectiousness, float]:
    return {Infectiousness.STANDARD: 1.0, Infectiousness.HIGH: 1.0}


@dataclass(frozen=True, slots=True)
class DailySummariesConfig:
    """How windows are weighted and filtered into daily summaries: GAEN ``DailySummariesConfig``.

    The defaults are the example values of the ENX reference app's test fixture
    (``HAConfigObjects.DAILY_SUMMARIES_CONFIG`` in google/exposure-notifications-android, quoted
    in ``gaen_risk_scoring.md``): thresholds 30/50/60 dB, bucket weights 1.5/1.0/0.5/0.0,
    STANDARD and HIGH infectiousness 1.0, CONFIRMED_TEST, CONFIRMED_CLINICAL_DIAGNOSIS and
    SELF_REPORT 1.0, RECURSIVE 0.0, a 14-day horizon and no minimum window score. They make a
    working example, not a recommendation: a health authority must set its own, and the
    reference's own defaults for weights left unset are 0.0 (which the mappings here follow:
    a report type or infectiousness left out of a mapping weighs 0.0).

    Attenuation buckets use inclusive upper bounds on a scan's *typical* attenuation:
    ``<= t0`` immediate, ``<= t1`` near, ``<= t2`` medium, else other.
    """

    attenuation_bucket_thresholds_db: tuple[int, int, int] = (30, 50, 60)
    attenuation_bucket_weights: tuple[float, float, float, float] = (1.5, 1.0, 0.5, 0.0)
    report_type_weights: Mapping[ReportType, float] = field(
        default_factory=_default_report_type_weights, hash=False
    )
    infectiousness_weights: Mapping[Infectiousness, float] = field(
        default_factory=_default_infectiousness_weights, hash=False
    )
    days_since_exposure_threshold: int = 14
    minimum_window_score: float = 0.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "attenuation_bucket_thresholds_db", self._checked_thresholds())
        object.__setattr__(self, "attenuation_bucket_weights", self._checked_bucket_weights())
        report_weights = _weights_by_member(
            ReportType, "report_type_weights", self.report_type_weights
        )
        object.__setattr__(self, "report_type_weights", report_weights)
        infectiousness_weights = _weights_by_member(
            Infectiousness, "infectiousness_weights", self.infectiousness_weights
        )
        object.__setattr__(self, "infectiousness_weights", infectiousness_weights)
        if (
            not _is_int(self.days_since_exposure_threshold)
            or self.days_since_exposure_threshold < 0
        ):
            raise ConfigError("days_since_exposure_threshold must be an int >= 0 (0 = no limit)")
        _check_non_negative("minimum_window_score", self.minimum_window_score)

    def _checked_thresholds(self) -> tuple[int, int, int]:
        thresholds = tuple(self.attenuation_bucket_thresholds_db)
        if len(thresholds) != len(AttenuationBucket) - 1:
            raise ConfigError("attenuation_bucket_thresholds_db needs exactly 3 values")
        if not all(_is_int(t) and 0 <= t <= MAX_ATTENUATION_DB for t in thresholds):
            raise ConfigError(f"attenuation thresholds must be ints in 0..{MAX_ATTENUATION_DB}")
        if not thresholds[0] < thresholds[1] < thresholds[2]:
            raise ConfigError("attenuation thresholds must be strictly increasing")
        return thresholds[0], thresholds[1], thresholds[2]

    def _checked_bucket_weights(self) -> tuple[float, float, float, float]:
        weights = tuple(self.attenuation_bucket_weights)
        if len(weights) != len(AttenuationBucket):
            raise ConfigError("attenuation_bucket_weights needs exactly 4 values")
        w = [_check_weight("attenuation_bucket_weights", value) for value in weights]
        return w[0], w[1], w[2], w[3]

    def bucket(self, typical_attenuation_db: int) -> AttenuationBucket:
        """The bucket of a scan instance's typical attenuation (upper bounds inclusive)."""
        for index, threshold in enumerate(self.attenuation_bucket_thresholds_db):
            if typical_attenuation_db <= threshold:
                return AttenuationBucket(index)
        return AttenuationBucket.OTHER


def _lfph_v2_onset_map() -> tuple[Infectiousness, ...]:
    none, standard, high = Infectiousness.NONE, Infectiousness.STANDARD, Infectiousness.HIGH

    def level(dsos: int) -> Infectiousness:
        if -2 <= dsos <= 3:
            return high
        if -4 <= dsos <= 5:
            return standard
        return none

    return tuple(level(dsos) for dsos in range(-MAX_DAYS_SINCE_ONSET, MAX_DAYS_SINCE_ONSET + 1))


DEFAULT_DAYS_SINCE_ONSET_TO_INFECTIOUSNESS = _lfph_v2_onset_map()
"""Days -14..+14 → infectiousness, the LFPH v2 symptom-onset map.

Source: "Configuring Exposure Notification Risk Scores for COVID-19", Risk Score Symposium
Invitational (Linux Foundation Public Health, github.com/lfph/gaen-risk-scoring, v2 of
Aug. 2021): NONE for days -14..-5, STANDARD for -4..-3, HIGH for -2..+3, STANDARD for +4..+5,
NONE for +6..+14. It is the only published, multi-authority consensus map for GAEN; it reflects
Delta-era viral-load data, and a health authority should revisit it for its own pathogen.
(LFPH pairs it with STANDARD 0.3 / HIGH 1.0 infectiousness weights; the DailySummariesConfig
defaults above keep the reference fixture's 1.0 / 1.0.)
"""


@dataclass(frozen=True, slots=True)
class DiagnosisKeysDataMapping:
    """How a key's metadata turns into a window's infectiousness and report type.

    ``days_since_onset_to_infectiousness`` has exactly 29 entries, for days -14..+14 (index =
    days + 14). Keys without days since onset, or outside ±14, get
    ``infectiousness_when_days_since_onset_missing``; keys with report type UNKNOWN get
    ``report_type_when_missing``. Defaults: the LFPH v2 map (see
    :data:`DEFAULT_DAYS_SINCE_ONSET_TO_INFECTIOUSNESS`), STANDARD when onset is unknown (an
    unknown onset is neither evidence of peak nor of no infectiousness), CONFIRMED_TEST when the
    type is missing (what most verification servers issue).
    """

    days_since_onset_to_infectiousness: tuple[Infectiousness, ...] = (
        DEFAULT_DAYS_SINCE_ONSET_TO_INFECTIOUSNESS
    )
    infectiousness_when_days_since_onset_missing: Infectiousness = Infectiousness.STANDARD
    report_type_when_missing: ReportType = ReportType.CONFIRMED_TEST

    def __post_init__(self) -> None:
        levels = tuple(
            _member(Infectiousness, "days_since_onset_to_infectiousness", level)
            for level in self.days_since_onset_to_infectiousness
        )
        if len(levels) != DAYS_SINCE_ONSET_ENTRIES:
            raise ConfigError(
                f"days_since_onset_to_infectiousness needs exactly {DAYS_SINCE_ONSET_ENTRIES} "
                f"entries (days -{MAX_DAYS_SINCE_ONSET}..+{MAX_DAYS_SINCE_ONSET})"
            )
        object.__setattr__(self, "days_since_onset_to_infectiousness", levels)
        missing = _member(
            Infectiousness,
            "infectiousness_when_days_since_onset_missing",
            self.infectiousness_when_days_since_onset_missing,
        )
        object.__setattr__(self, "infectiousness_when_days_since_onset_missing", missing)
        report_type = _member(ReportType, "report_type_when_missing", self.report_type_when_missing)
        if report_type is ReportType.UNKNOWN:
            raise ConfigError("report_type_when_missing cannot be UNKNOWN")
        object.__setattr__(self, "report_type_when_missing", report_type)

    @classmethod
    def from_days(
        cls,
        days: Mapping[int, Infectiousness],
        *,
        infectiousness_when_days_since_onset_missing: Infectiousness = Infectiousness.STANDARD,
        report_type_when_missing: ReportType = ReportType.CONFIRMED_TEST,
    ) -> "DiagnosisKeysDataMapping":
        """Build from a sparse {days since onset: infectiousness}; days left out are NONE.

        This is how the reference's builder takes the map.
        """
        if any(not _is_int(d) or abs(d) > MAX_DAYS_SINCE_ONSET for d in days):
            raise ConfigError(f"days since onset must be ints in ±{MAX_DAYS_SINCE_ONSET}")
        levels = tuple(
            days.get(d, Infectiousness.NONE)
            for d in range(-MAX_DAYS_SINCE_ONSET, MAX_DAYS_SINCE_ONSET + 1)
        )
        return cls(levels, infectiousness_when_days_since_onset_missing, report_type_when_missing)

    def infectiousness(self, days_since_onset: int | None) -> Infectiousness:
        """Infectiousness for a key's days since onset of symptoms (``None`` = unknown)."""
        if days_since_onset is None or abs(days_since_onset) > MAX_DAYS_SINCE_ONSET:
            return self.infectiousness_when_days_since_onset_missing
        return self.days_since_onset_to_infectiousness[days_since_onset + MAX_DAYS_SINCE_ONSET]

    def report_type(self, report_type: ReportType) -> ReportType:
        """A key's report type, with UNKNOWN replaced by ``report_type_when_missing``."""
        if report_type is ReportType.UNKNOWN:
            return self.report_type_when_missing
        return report_type


# --- scoring ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ExposureSummaryData:
    """Aggregates over a day's windows: GAEN ``ExposureSummaryData``."""

    maximum_score: float = 0.0
    score_sum: float = 0.0
    weighted_duration_sum: float = 0.0


@dataclass(frozen=True, slots=True)
class DailySummary:
    """One UTC day: a summary per report type (every type present) and one over all types."""

    day: int
    report_summaries: Mapping[ReportType, ExposureSummaryData] = field(hash=False)
    summary_data: ExposureSummaryData

    @property
    def date(self) -> dt.date:
        return epoch_day_to_date(self.day)

    def report_summary(self, report_type: ReportType) -> ExposureSummaryData:
        """The summary of one report type; all zeros when the day had none of it."""
        return self.report_summaries.get(report_type, ExposureSummaryData())


def window_score(window: ExposureWindow, config: DailySummariesConfig) -> tuple[float, float]:
    """(weighted duration, score) of one window, exactly as ``DailySummaryUtils`` computes them.

    Seconds are summed per attenuation bucket first, then weighted in bucket order, so the float
    results match the reference bit for bit. With all weights 1.0 both values are seconds:
    15 minutes of scans score 900.
    """
    seconds_per_bucket = [0] * len(AttenuationBucket)
    for scan in window.scan_instances:
        seconds_per_bucket[config.bucket(scan.typical_attenuation_db)] += (
            scan.seconds_since_last_scan
        )
    weighted_duration = 0.0
    for seconds, weight in zip(seconds_per_bucket, config.attenuation_bucket_weights, strict=True):
        weighted_duration += seconds * weight
    score = (
        weighted_duration
        * config.report_type_weights[window.report_type]
        * config.infectiousness_weights[window.infectiousness]
    )
    return weighted_duration, score


@dataclass(slots=True)
class _Totals:
    """Running maximum and sums while a day is being summarized."""

    maximum_score: float = 0.0
    score_sum: float = 0.0
    weighted_duration_sum: float = 0.0

    def add(self, weighted_duration: float, score: float) -> None:
        self.maximum_score = max(self.maximum_score, score)
        self.score_sum += score
        self.weighted_duration_sum += weighted_duration

    def freeze(self) -> ExposureSummaryData:
        return ExposureSummaryData(self.maximum_score, self.score_sum, self.weighted_duration_sum)


def _counts_today(window: ExposureWindow, config: DailySummariesConfig, today: int) -> bool:
    """Returnable report type, and not older than the horizon (0 = no horizon)."""
    if window.report_type not in RETURNABLE_REPORT_TYPES:
        return False
    horizon = config.days_since_exposure_threshold
    return horizon == 0 or today - window.day <= horizon


def _summarize_day(
    day: int, windows: Sequence[ExposureWindow], config: DailySummariesConfig
) -> DailySummary:
    per_type = {report_type: _Totals() for report_type in ReportType}
    for window in windows:
        weighted_duration, score = window_score(window, config)
        if score < config.minimum_window_score:
            continue
        per_type[window.report_type].add(weighted_duration, score)
    overall = _Totals()
    for totals in per_type.values():  # ReportType order, as the reference sums them
        overall.maximum_score = max(overall.maximum_score, totals.maximum_score)
        overall.score_sum += totals.score_sum
        overall.weighted_duration_sum += totals.weighted_duration_sum
    report_summaries = MappingProxyType({rt: totals.freeze() for rt, totals in per_type.items()})
    return DailySummary(day, report_summaries, overall.freeze())


def daily_summaries(
    windows: Iterable[ExposureWindow], config: DailySummariesConfig, today: int
) -> list[DailySummary]:
    """Per-UTC-day summaries of ``windows``, sorted by day (``DailySummaryUtils``).

    Windows of UNKNOWN or REVOKED report type are ignored, and so are windows more than
    ``days_since_exposure_threshold`` days before ``today`` (UTC days since the epoch; passed in
    so the function stays pure). A window scoring below ``minimum_window_score`` is left out of
    the sums — but, as in the reference, its day still gets a (zero) summary, because the
    reference groups windows by day before it scores them.
    """
    by_day: dict[int, list[ExposureWindow]] = {}
    for window in windows:
        if _counts_today(window, config, today):
            by_day.setdefault(window.day, []).append(window)
    return [_summarize_day(day, by_day[day], config) for day in sorted(by_day)]


# --- classification -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ClassificationThreshold:
    """One health-authority classification of a day (ENX ``ClassificationThreshold``).

    It applies to a day when ANY of its non-zero thresholds is reached (value >= threshold);
    zero means "not used". Values compared: the day's score sum per report type (confirmed test,
    clinical diagnosis, self report, recursive), then over all types the score sum, the maximum
    window score and the weighted duration sum. A lower ``index`` is a more severe class.
    """

    index: int
    name: str
    confirmed_test_per_day_sum_erv_threshold: float = 0.0
    clinical_diagnosis_per_day_sum_erv_threshold: float = 0.0
    self_report_per_day_sum_erv_threshold: float = 0.0
    recursive_per_day_sum_erv_threshold: float = 0.0
    per_day_sum_erv_threshold: float = 0.0
    per_day_max_erv_threshold: float = 0.0
    weighted_duration_at_attenuation_threshold: float = 0.0

    def __post_init__(self) -> None:
        if not _is_int(self.index) or self.index < 1:
            raise ConfigError("classification index must be an int >= 1 (0 means no exposure)")
        thresholds = self._thresholds()
        for threshold in thresholds:
            _check_non_negative(f"thresholds of classification {self.index}", threshold)
        if not any(thresholds):
            raise ConfigError(f"classification {self.index} has no non-zero threshold")

    def _thresholds(self) -> tuple[float, ...]:
        return (
            self.confirmed_test_per_day_sum_erv_threshold,
            self.clinical_diagnosis_per_day_sum_erv_threshold,
            self.self_report_per_day_sum_erv_threshold,
            self.recursive_per_day_sum_erv_threshold,
            self.per_day_sum_erv_threshold,
            self.per_day_max_erv_threshold,
            self.weighted_duration_at_attenuation_threshold,
        )

    @staticmethod
    def _values(summary: DailySummary) -> tuple[float, ...]:
        """The day's figures, in the same order as :meth:`_thresholds`."""
        return (
            summary.report_summary(ReportType.CONFIRMED_TEST).score_sum,
            summary.report_summary(ReportType.CONFIRMED_CLINICAL_DIAGNOSIS).score_sum,
            summary.report_summary(ReportType.SELF_REPORT).score_sum,
            summary.report_summary(ReportType.RECURSIVE).score_sum,
            summary.summary_data.score_sum,
            summary.summary_data.maximum_score,
            summary.summary_data.weighted_duration_sum,
        )

    def applies_to(self, summary: DailySummary) -> bool:
        return any(
            threshold != 0 and value >= threshold
            for threshold, value in zip(self._thresholds(), self._values(summary), strict=True)
        )


@dataclass(frozen=True, slots=True)
class Classification:
    """The winning classification and the most recent day it applied to."""

    index: int
    name: str
    day: int

    @property
    def date(self) -> dt.date:
        return epoch_day_to_date(self.day)


def classify(
    summaries: Iterable[DailySummary], thresholds: Sequence[ClassificationThreshold]
) -> Classification | None:
    """The most severe classification reached on any day, or ``None`` (ENX "no exposure").

    The lowest index that applies on any day wins; its day is the most recent day it applies
    to, so a user is told about the latest day of their worst exposure.
    """
    indexes = [threshold.index for threshold in thresholds]
    if len(set(indexes)) != len(indexes):
        raise ConfigError("classification indexes must be unique")
    days = list(summaries)
    for threshold in sorted(thresholds, key=lambda t: t.index):
        matching_days = [summary.day for summary in days if threshold.applies_to(summary)]
        if matching_days:
            return Classification(threshold.index, threshold.name, max(matching_days))
    return None
