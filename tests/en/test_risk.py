"""GAEN v2 risk scoring, held to tests/vectors/gaen_risk_scoring.md."""

import datetime as dt
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from civitrace.en.errors import ConfigError
from civitrace.en.keys import ReportType
from civitrace.en.risk import (
    DEFAULT_DAYS_SINCE_ONSET_TO_INFECTIOUSNESS,
    AttenuationBucket,
    CalibrationConfidence,
    Classification,
    ClassificationThreshold,
    DailySummariesConfig,
    DailySummary,
    DiagnosisKeysDataMapping,
    ExposureDataError,
    ExposureSummaryData,
    ExposureWindow,
    Infectiousness,
    ScanInstance,
    classify,
    daily_summaries,
    window_score,
)

TODAY = 19_000  # 2022-01-08, UTC days since the epoch

ALL_ONES = DailySummariesConfig(
    attenuation_bucket_weights=(1.0, 1.0, 1.0, 1.0),
    report_type_weights={
        ReportType.CONFIRMED_TEST: 1.0,
        ReportType.CONFIRMED_CLINICAL_DIAGNOSIS: 1.0,
        ReportType.SELF_REPORT: 1.0,
        ReportType.RECURSIVE: 1.0,
    },
    infectiousness_weights={Infectiousness.STANDARD: 1.0, Infectiousness.HIGH: 1.0},
)


def scans(*typical: int, seconds: int = 300) -> tuple[ScanInstance, ...]:
    return tuple(ScanInstance(t, t, seconds) for t in typical)


def window(
    *scan_instances: ScanInstance,
    day: int = TODAY,
    report_type: ReportType = ReportType.CONFIRMED_TEST,
    infectiousness: Infectiousness = Infectiousness.STANDARD,
) -> ExposureWindow:
    return ExposureWindow(day, scan_instances, report_type, infectiousness)


def minutes_window(minutes: int, **kwargs: object) -> ExposureWindow:
    """``minutes`` of 1-minute scans at 20 dB (immediate under the default thresholds)."""
    return window(*scans(*[20] * minutes, seconds=60), **kwargs)  # type: ignore[arg-type]


# --- data model ---------------------------------------------------------------------------------


def test_window_properties() -> None:
    w = window(*scans(40, 55, 70), day=TODAY)
    assert w.duration_seconds == 900
    assert w.date == dt.date(2022, 1, 8)
    assert w.calibration_confidence is CalibrationConfidence.LOWEST


def test_window_coerces_wire_integers_to_enums() -> None:
    w = ExposureWindow(TODAY, [ScanInstance(1, 1, 60)], 1, 2, 3)  # type: ignore[arg-type]
    assert w.report_type is ReportType.CONFIRMED_TEST
    assert w.infectiousness is Infectiousness.HIGH
    assert w.calibration_confidence is CalibrationConfidence.HIGH
    assert isinstance(w.scan_instances, tuple)


@pytest.mark.parametrize(
    ("typical", "minimum", "seconds"),
    [(-1, 0, 60), (256, 0, 60), (10, 11, 60), (10, 5, -1), (10.0, 5, 60), (True, 0, 60)],
)
def test_scan_instance_rejects_out_of_range(typical: int, minimum: int, seconds: int) -> None:
    with pytest.raises(ExposureDataError):
        ScanInstance(typical, minimum, seconds)


def test_window_rejects_unknown_enum_values() -> None:
    with pytest.raises(ExposureDataError):
        ExposureWindow(TODAY, (), ReportType.CONFIRMED_TEST, 7)  # type: ignore[arg-type]
    with pytest.raises(ExposureDataError):
        ExposureWindow(TODAY, (), 9, Infectiousness.HIGH)  # type: ignore[arg-type]


# --- window score -------------------------------------------------------------------------------


def test_javadoc_example_fifteen_minutes_all_weights_one_is_900() -> None:
    assert window_score(minutes_window(15), ALL_ONES) == (900.0, 900.0)
    assert window_score(window(*scans(45, 55, 65)), ALL_ONES) == (900.0, 900.0)


@pytest.mark.parametrize(
    ("typical", "bucket"),
    [
        (0, AttenuationBucket.IMMEDIATE),
        (30, AttenuationBucket.IMMEDIATE),
        (31, AttenuationBucket.NEAR),
        (50, AttenuationBucket.NEAR),
        (51, AttenuationBucket.MEDIUM),
        (60, AttenuationBucket.MEDIUM),
        (61, AttenuationBucket.OTHER),
        (255, AttenuationBucket.OTHER),
    ],
)
def test_bucket_upper_bounds_are_inclusive(typical: int, bucket: AttenuationBucket) -> None:
    config = DailySummariesConfig()  # thresholds 30, 50, 60
    assert config.bucket(typical) is bucket
    weights = [0.0, 0.0, 0.0, 0.0]
    weights[bucket] = 2.0
    weighted = DailySummariesConfig(attenuation_bucket_weights=tuple(weights))  # type: ignore[arg-type]
    assert window_score(window(*scans(typical)), weighted) == (600.0, 600.0)


def test_bucket_uses_typical_not_minimum_attenuation() -> None:
    config = DailySummariesConfig()
    far_on_average = window(
        ScanInstance(typical_attenuation_db=61, min_attenuation_db=10, seconds_since_last_scan=300)
    )
    assert window_score(far_on_average, config) == (0.0, 0.0)  # OTHER weighs 0.0


def test_default_bucket_weights_weigh_each_bucket() -> None:
    config = DailySummariesConfig()  # 1.5, 1.0, 0.5, 0.0
    w = window(*scans(20, 40, 55, 70))  # one 300 s scan per bucket
    assert window_score(w, config) == (300 * 1.5 + 300 * 1.0 + 300 * 0.5, 900.0)


@pytest.mark.parametrize(
    ("report_type", "weight"),
    [
        (ReportType.CONFIRMED_TEST, 0.5),
        (ReportType.CONFIRMED_CLINICAL_DIAGNOSIS, 2.5),
        (ReportType.SELF_REPORT, 0.25),
        (ReportType.RECURSIVE, 2.0),
    ],
)
def test_report_type_weight_multiplies_score_not_duration(
    report_type: ReportType, weight: float
) -> None:
    config = DailySummariesConfig(
        attenuation_bucket_weights=(1.0, 1.0, 1.0, 1.0), report_type_weights={report_type: weight}
    )
    assert window_score(minutes_window(10, report_type=report_type), config) == (
        600.0,
        600 * weight,
    )


@pytest.mark.parametrize(
    ("infectiousness", "weight"), [(Infectiousness.STANDARD, 0.3), (Infectiousness.HIGH, 2.5)]
)
def test_infectiousness_weight_multiplies_score(
    infectiousness: Infectiousness, weight: float
) -> None:
    config = DailySummariesConfig(
        attenuation_bucket_weights=(1.0, 1.0, 1.0, 1.0),
        infectiousness_weights={infectiousness: weight},
    )
    assert window_score(minutes_window(10, infectiousness=infectiousness), config) == (
        600.0,
        600 * weight,
    )


def test_weights_left_out_of_a_mapping_are_zero() -> None:
    config = DailySummariesConfig(report_type_weights={ReportType.SELF_REPORT: 1.0})
    assert config.report_type_weights[ReportType.CONFIRMED_TEST] == 0.0
    assert window_score(minutes_window(10), config)[1] == 0.0


def test_default_config_is_the_reference_fixture() -> None:
    config = DailySummariesConfig()
    assert config.attenuation_bucket_thresholds_db == (30, 50, 60)
    assert config.attenuation_bucket_weights == (1.5, 1.0, 0.5, 0.0)
    assert dict(config.infectiousness_weights) == {
        Infectiousness.NONE: 0.0,
        Infectiousness.STANDARD: 1.0,
        Infectiousness.HIGH: 1.0,
    }
    assert dict(config.report_type_weights) == {
        ReportType.UNKNOWN: 0.0,
        ReportType.CONFIRMED_TEST: 1.0,
        ReportType.CONFIRMED_CLINICAL_DIAGNOSIS: 1.0,
        ReportType.SELF_REPORT: 1.0,
        ReportType.RECURSIVE: 0.0,
        ReportType.REVOKED: 0.0,
    }
    assert config.days_since_exposure_threshold == 14
    assert config.minimum_window_score == 0.0
    assert hash(config) == hash(DailySummariesConfig())
    assert config == DailySummariesConfig()


# --- daily summaries ----------------------------------------------------------------------------


@pytest.mark.parametrize("ignored", [ReportType.UNKNOWN, ReportType.REVOKED])
def test_unknown_and_revoked_windows_are_ignored(ignored: ReportType) -> None:
    config = DailySummariesConfig(
        report_type_weights={ignored: 1.0, ReportType.CONFIRMED_TEST: 1.0}
    )
    assert daily_summaries([minutes_window(15, report_type=ignored)], config, TODAY) == []
    [summary] = daily_summaries(
        [minutes_window(15, report_type=ignored), minutes_window(15)], ALL_ONES, TODAY
    )
    assert summary.summary_data.score_sum == 900.0
    assert summary.report_summary(ignored) == ExposureSummaryData()


def test_recursive_windows_count_but_weigh_zero_by_default() -> None:
    [summary] = daily_summaries(
        [minutes_window(15, report_type=ReportType.RECURSIVE)], DailySummariesConfig(), TODAY
    )
    assert summary.report_summary(ReportType.RECURSIVE) == ExposureSummaryData(0.0, 0.0, 1350.0)


def test_days_since_exposure_threshold() -> None:
    config = DailySummariesConfig(days_since_exposure_threshold=14)
    windows = [minutes_window(5, day=TODAY - days) for days in (15, 14, 0, -1)]
    assert [s.day for s in daily_summaries(windows, config, TODAY)] == [
        TODAY - 14,
        TODAY,
        TODAY + 1,
    ]


def test_days_since_exposure_threshold_zero_keeps_everything() -> None:
    config = DailySummariesConfig(days_since_exposure_threshold=0)
    windows = [minutes_window(5, day=TODAY - 400), minutes_window(5, day=TODAY)]
    assert [s.day for s in daily_summaries(windows, config, TODAY)] == [TODAY - 400, TODAY]


def test_minimum_window_score_drops_windows_but_keeps_their_day() -> None:
    config = DailySummariesConfig(
        attenuation_bucket_weights=(1.0, 1.0, 1.0, 1.0), minimum_window_score=600
    )
    windows = [
        minutes_window(9, day=TODAY - 1),  # 540 < 600: dropped
        minutes_window(10, day=TODAY),  # 600 = 600: kept
        minutes_window(5, day=TODAY),  # 300: dropped
    ]
    early, late = daily_summaries(windows, config, TODAY)
    # The reference groups by day before scoring, so a day whose windows were all dropped still
    # gets a summary, with zeros.
    assert early.day == TODAY - 1
    assert early.summary_data == ExposureSummaryData(0.0, 0.0, 0.0)
    assert late.summary_data == ExposureSummaryData(600.0, 600.0, 600.0)


def test_aggregation_across_windows_and_report_types() -> None:
    config = DailySummariesConfig(
        attenuation_bucket_weights=(1.0, 1.0, 1.0, 1.0),
        report_type_weights={
            ReportType.CONFIRMED_TEST: 1.0,
            ReportType.SELF_REPORT: 0.5,
            ReportType.CONFIRMED_CLINICAL_DIAGNOSIS: 2.0,
        },
        infectiousness_weights={Infectiousness.STANDARD: 1.0, Infectiousness.HIGH: 2.0},
    )
    windows = [
        minutes_window(10, day=TODAY),  # confirmed: 600 / 600
        minutes_window(5, day=TODAY, infectiousness=Infectiousness.HIGH),  # confirmed 300 / 600
        minutes_window(20, day=TODAY, report_type=ReportType.SELF_REPORT),  # self: 1200 / 600
        minutes_window(15, day=TODAY - 3, report_type=ReportType.CONFIRMED_CLINICAL_DIAGNOSIS),
    ]
    earlier, today = daily_summaries(reversed(windows), config, TODAY)

    assert earlier.day == TODAY - 3
    assert earlier.date == dt.date(2022, 1, 5)
    assert earlier.report_summary(ReportType.CONFIRMED_CLINICAL_DIAGNOSIS) == ExposureSummaryData(
        1800.0, 1800.0, 900.0
    )
    assert earlier.summary_data == ExposureSummaryData(1800.0, 1800.0, 900.0)

    assert today.report_summary(ReportType.CONFIRMED_TEST) == ExposureSummaryData(
        600.0, 1200.0, 900.0
    )
    assert today.report_summary(ReportType.SELF_REPORT) == ExposureSummaryData(600.0, 600.0, 1200.0)
    assert today.summary_data == ExposureSummaryData(
        maximum_score=600.0, score_sum=1800.0, weighted_duration_sum=2100.0
    )
    assert set(today.report_summaries) == set(ReportType)


def test_no_windows_no_summaries() -> None:
    assert daily_summaries([], DailySummariesConfig(), TODAY) == []


@st.composite
def windows_strategy(draw: st.DrawFn) -> ExposureWindow:
    instances = draw(
        st.lists(
            st.tuples(st.integers(0, 255), st.integers(0, 255), st.integers(0, 300)),
            max_size=8,
        )
    )
    return ExposureWindow(
        day=TODAY - draw(st.integers(0, 20)),
        scan_instances=tuple(ScanInstance(max(a, b), min(a, b), s) for a, b, s in instances),
        report_type=draw(st.sampled_from(ReportType)),
        infectiousness=draw(st.sampled_from(Infectiousness)),
    )


@given(st.lists(windows_strategy(), max_size=12))
def test_day_summary_is_max_of_maxima_and_sum_of_sums(windows: list[ExposureWindow]) -> None:
    for summary in daily_summaries(windows, DailySummariesConfig(), TODAY):
        parts = [summary.report_summary(rt) for rt in ReportType]
        assert summary.summary_data.maximum_score == max(p.maximum_score for p in parts)
        assert math.isclose(summary.summary_data.score_sum, sum(p.score_sum for p in parts))
        assert summary.summary_data.maximum_score <= summary.summary_data.score_sum
        assert math.isclose(
            summary.summary_data.weighted_duration_sum,
            sum(p.weighted_duration_sum for p in parts),
        )


@given(windows_strategy())
def test_with_all_weights_one_scores_are_seconds(w: ExposureWindow) -> None:
    weighted_duration, score = window_score(w, ALL_ONES)
    assert weighted_duration == w.duration_seconds
    expected = (
        0
        if w.infectiousness is Infectiousness.NONE
        or w.report_type
        in (
            ReportType.UNKNOWN,
            ReportType.REVOKED,
        )
        else w.duration_seconds
    )
    assert score == expected


@given(windows_strategy())
def test_weighted_duration_is_bounded_by_the_largest_weight(w: ExposureWindow) -> None:
    weighted_duration, score = window_score(w, DailySummariesConfig())
    assert 0 <= weighted_duration <= 1.5 * w.duration_seconds
    assert 0 <= score <= weighted_duration


# --- classification -----------------------------------------------------------------------------

# The ENX app's test fixture (HAConfigObjects.CLASSIFICATION_THRESHOLDS_ARRAY).
FIXTURE_THRESHOLDS = (
    ClassificationThreshold(1, "Classification 1", confirmed_test_per_day_sum_erv_threshold=2700),
    ClassificationThreshold(2, "Classification 2", confirmed_test_per_day_sum_erv_threshold=1),
    ClassificationThreshold(
        3, "Classification 3", clinical_diagnosis_per_day_sum_erv_threshold=2700
    ),
    ClassificationThreshold(4, "Classification 4", clinical_diagnosis_per_day_sum_erv_threshold=1),
)


def summaries_for(*windows: ExposureWindow) -> list[DailySummary]:
    return daily_summaries(windows, ALL_ONES, TODAY)


def test_classification_45_minutes_of_confirmed_test_is_class_1() -> None:
    summaries = summaries_for(
        minutes_window(30, day=TODAY - 5),
        minutes_window(15, day=TODAY - 5),  # 2700 on TODAY - 5
        minutes_window(10, day=TODAY - 2),  # class 2 only, on a later day
    )
    assert classify(summaries, FIXTURE_THRESHOLDS) == Classification(
        1, "Classification 1", TODAY - 5
    )


def test_classification_reports_the_most_recent_day_of_the_winner() -> None:
    summaries = summaries_for(
        minutes_window(1, day=TODAY - 9),
        minutes_window(2, day=TODAY - 4),
        minutes_window(60, day=TODAY - 1, report_type=ReportType.CONFIRMED_CLINICAL_DIAGNOSIS),
    )
    result = classify(summaries, FIXTURE_THRESHOLDS)
    assert result == Classification(2, "Classification 2", TODAY - 4)
    assert result is not None
    assert result.date == dt.date(2022, 1, 4)


@pytest.mark.parametrize(("minutes", "expected"), [(45, 3), (44, 4), (1, 4)])
def test_classification_clinical_diagnosis(minutes: int, expected: int) -> None:
    clinical = ReportType.CONFIRMED_CLINICAL_DIAGNOSIS
    summaries = summaries_for(minutes_window(minutes, report_type=clinical))
    result = classify(summaries, FIXTURE_THRESHOLDS)
    assert result is not None
    assert (result.index, result.day) == (expected, TODAY)


def test_classification_none_without_exposure() -> None:
    self_report = summaries_for(minutes_window(60, report_type=ReportType.SELF_REPORT))
    assert classify(self_report, FIXTURE_THRESHOLDS) is None
    assert classify([], FIXTURE_THRESHOLDS) is None


def test_classification_order_of_thresholds_does_not_matter() -> None:
    summaries = summaries_for(
        minutes_window(45), minutes_window(45, report_type=ReportType.CONFIRMED_CLINICAL_DIAGNOSIS)
    )
    assert classify(summaries, FIXTURE_THRESHOLDS[::-1]) == classify(summaries, FIXTURE_THRESHOLDS)
    assert classify(summaries, FIXTURE_THRESHOLDS[2:]) == Classification(
        3, "Classification 3", TODAY
    )


@pytest.mark.parametrize(
    ("field_name", "figure"),
    [
        ("self_report_per_day_sum_erv_threshold", "self"),
        ("recursive_per_day_sum_erv_threshold", "recursive"),
        ("per_day_sum_erv_threshold", "sum"),
        ("per_day_max_erv_threshold", "max"),
        ("weighted_duration_at_attenuation_threshold", "duration"),
    ],
)
def test_each_classification_threshold_reads_its_figure(field_name: str, figure: str) -> None:
    report_summaries = {rt: ExposureSummaryData() for rt in ReportType}
    summary_data = ExposureSummaryData()
    if figure == "self":
        report_summaries[ReportType.SELF_REPORT] = ExposureSummaryData(score_sum=100.0)
    elif figure == "recursive":
        report_summaries[ReportType.RECURSIVE] = ExposureSummaryData(score_sum=100.0)
    elif figure == "sum":
        summary_data = ExposureSummaryData(score_sum=100.0)
    elif figure == "max":
        summary_data = ExposureSummaryData(maximum_score=100.0)
    else:
        summary_data = ExposureSummaryData(weighted_duration_sum=100.0)
    day = DailySummary(TODAY, report_summaries, summary_data)
    assert ClassificationThreshold(1, "x", **{field_name: 100.0}).applies_to(day)
    assert not ClassificationThreshold(1, "x", **{field_name: 100.5}).applies_to(day)


# --- validation ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs",
    [
        {"attenuation_bucket_thresholds_db": (30, 50)},
        {"attenuation_bucket_thresholds_db": (30, 50, 60, 70)},
        {"attenuation_bucket_thresholds_db": (30, 30, 60)},
        {"attenuation_bucket_thresholds_db": (50, 30, 60)},
        {"attenuation_bucket_thresholds_db": (-1, 30, 60)},
        {"attenuation_bucket_thresholds_db": (30, 50, 256)},
        {"attenuation_bucket_thresholds_db": (30.0, 50, 60)},
        {"attenuation_bucket_weights": (1.0, 1.0, 1.0)},
        {"attenuation_bucket_weights": (1.0, 1.0, 1.0, 1.0, 1.0)},
        {"attenuation_bucket_weights": (2.6, 1.0, 1.0, 1.0)},
        {"attenuation_bucket_weights": (-0.1, 1.0, 1.0, 1.0)},
        {"attenuation_bucket_weights": (math.nan, 1.0, 1.0, 1.0)},
        {"report_type_weights": {ReportType.CONFIRMED_TEST: 2.51}},
        {"report_type_weights": {ReportType.CONFIRMED_TEST: -1.0}},
        {"report_type_weights": {9: 1.0}},
        {"report_type_weights": [1.0]},
        {"infectiousness_weights": {Infectiousness.HIGH: 3.0}},
        {"infectiousness_weights": {"HIGH": 1.0}},
        {"days_since_exposure_threshold": -1},
        {"days_since_exposure_threshold": 1.5},
        {"minimum_window_score": -0.5},
        {"minimum_window_score": math.inf},
    ],
)
def test_daily_summaries_config_validation(kwargs: dict[str, object]) -> None:
    with pytest.raises(ConfigError):
        DailySummariesConfig(**kwargs)  # type: ignore[arg-type]


def test_config_accepts_lists_and_wire_integers() -> None:
    config = DailySummariesConfig(
        attenuation_bucket_thresholds_db=[10, 20, 30],  # type: ignore[arg-type]
        attenuation_bucket_weights=[2.5, 0, 1, 0.0],  # type: ignore[arg-type]
        report_type_weights={1: 2.5},  # type: ignore[dict-item]
    )
    assert config.attenuation_bucket_thresholds_db == (10, 20, 30)
    assert config.attenuation_bucket_weights == (2.5, 0.0, 1.0, 0.0)
    assert config.report_type_weights[ReportType.CONFIRMED_TEST] == 2.5


def test_diagnosis_keys_data_mapping_default_is_lfph_v2() -> None:
    mapping = DiagnosisKeysDataMapping()
    levels = {dsos: mapping.infectiousness(dsos) for dsos in range(-14, 15)}
    assert {d for d, level in levels.items() if level is Infectiousness.HIGH} == set(range(-2, 4))
    assert {d for d, level in levels.items() if level is Infectiousness.STANDARD} == {-4, -3, 4, 5}
    assert len(DEFAULT_DAYS_SINCE_ONSET_TO_INFECTIOUSNESS) == 29
    assert mapping.infectiousness(None) is Infectiousness.STANDARD
    assert mapping.infectiousness(15) is Infectiousness.STANDARD  # outside ±14 = missing
    assert mapping.report_type(ReportType.UNKNOWN) is ReportType.CONFIRMED_TEST
    assert mapping.report_type(ReportType.SELF_REPORT) is ReportType.SELF_REPORT


def test_diagnosis_keys_data_mapping_from_days() -> None:
    mapping = DiagnosisKeysDataMapping.from_days(
        {0: Infectiousness.HIGH, -14: Infectiousness.STANDARD},
        infectiousness_when_days_since_onset_missing=Infectiousness.NONE,
        report_type_when_missing=ReportType.SELF_REPORT,
    )
    assert mapping.infectiousness(0) is Infectiousness.HIGH
    assert mapping.infectiousness(-14) is Infectiousness.STANDARD
    assert mapping.infectiousness(14) is Infectiousness.NONE
    assert mapping.infectiousness(None) is Infectiousness.NONE
    assert mapping.report_type(ReportType.UNKNOWN) is ReportType.SELF_REPORT
    with pytest.raises(ConfigError):
        DiagnosisKeysDataMapping.from_days({15: Infectiousness.HIGH})


@pytest.mark.parametrize(
    "kwargs",
    [
        {"days_since_onset_to_infectiousness": (Infectiousness.HIGH,) * 28},
        {"days_since_onset_to_infectiousness": (Infectiousness.HIGH,) * 30},
        {"days_since_onset_to_infectiousness": (3,) * 29},
        {"infectiousness_when_days_since_onset_missing": 5},
        {"report_type_when_missing": ReportType.UNKNOWN},
        {"report_type_when_missing": 6},
    ],
)
def test_diagnosis_keys_data_mapping_validation(kwargs: dict[str, object]) -> None:
    with pytest.raises(ConfigError):
        DiagnosisKeysDataMapping(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"index": 0, "name": "x", "per_day_sum_erv_threshold": 1},
        {"index": 1, "name": "x"},
        {"index": 1, "name": "x", "per_day_sum_erv_threshold": -1},
        {"index": 1, "name": "x", "per_day_max_erv_threshold": math.nan},
    ],
)
def test_classification_threshold_validation(kwargs: dict[str, object]) -> None:
    with pytest.raises(ConfigError):
        ClassificationThreshold(**kwargs)  # type: ignore[arg-type]


def test_classify_rejects_duplicate_indexes() -> None:
    with pytest.raises(ConfigError):
        classify([], (FIXTURE_THRESHOLDS[0], FIXTURE_THRESHOLDS[0]))
