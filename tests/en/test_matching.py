"""The matching engine: device A advertises, device B scans, B matches A's published key."""

import dataclasses
import math
import os
from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from civitrace.en import fast, matching
from civitrace.en.errors import ConfigError, InvalidKeyError
from civitrace.en.intervals import en_interval_number, interval_start_seconds
from civitrace.en.keys import ReportType, TemporaryExposureKey, generate_tek
from civitrace.en.matching import (
    DEFAULT_SCAN_GROUPING_SECONDS,
    MatchedExposure,
    MatchingConfig,
    Sighting,
    find_exposures,
)
from civitrace.en.risk import (
    CalibrationConfidence,
    ClassificationThreshold,
    DailySummariesConfig,
    DiagnosisKeysDataMapping,
    ExposureDataError,
    Infectiousness,
    ScanInstance,
    classify,
    daily_summaries,
)
from civitrace.en.rpi import Metadata, derive_aemk, derive_rpis, encrypt_metadata

DAY = 19_000  # 2022-01-08, UTC days since the epoch
DAY_START = DAY * 86_400
MEETING = DAY_START + 10 * 3600  # B's first scan with A in range: 10:00 UTC
SCAN_PERIOD = 300  # B scans every 5 minutes
TX_POWER = -8  # A's calibrated TX power, carried in its AEM
# Two beacons of A per scan, at attenuations 52 and 57: typical = round-half-up(54.5) = 55
# (Python's round() would give 54), minimum 52.
BEACONS = ((1, -60), (2, -65))  # (seconds into the scan, RSSI)


def key_of_day(
    day: int = DAY,
    *,
    report_type: ReportType = ReportType.CONFIRMED_TEST,
    days_since_onset: int | None = 0,
    transmission_risk: int = 0,
) -> TemporaryExposureKey:
    return dataclasses.replace(
        generate_tek(day * 144),
        report_type=report_type,
        days_since_onset_of_symptoms=days_since_onset,
        transmission_risk_level=transmission_risk,
    )


def sighting(
    key: TemporaryExposureKey,
    received_at: float,
    rssi: int,
    *,
    sender_clock_offset: float = 0,
    tx_power: int = TX_POWER,
) -> Sighting:
    """What B records when A advertises; A's clock reads ``received_at + sender_clock_offset``."""
    interval = en_interval_number(received_at + sender_clock_offset)
    [rpi] = derive_rpis(key.key_data, interval)
    metadata = Metadata(tx_power=tx_power).encode()
    aem = encrypt_metadata(derive_aemk(key.key_data), rpi, metadata)
    return Sighting(timestamp=received_at, rpi=rpi, aem=aem, rssi=rssi)


def scan_sightings(
    key: TemporaryExposureKey, scan_starts: Sequence[float], *, sender_clock_offset: float = 0
) -> list[Sighting]:
    return [
        sighting(key, start + offset, rssi, sender_clock_offset=sender_clock_offset)
        for start in scan_starts
        for offset, rssi in BEACONS
    ]


def decoy(received_at: float, rssi: int = -70) -> Sighting:
    return Sighting(received_at, os.urandom(16), os.urandom(4), rssi)


MEETING_SCANS = [MEETING + k * SCAN_PERIOD for k in range(9)]  # 45 minutes: 10:00 .. 10:40
DEVICE_B_SCANS = [MEETING + k * SCAN_PERIOD for k in range(-3, 12)]  # B's full scan log


def instance_of_the_meeting(seconds: int) -> ScanInstance:
    return ScanInstance(
        typical_attenuation_db=55, min_attenuation_db=52, seconds_since_last_scan=seconds
    )


# --- the 45-minute meeting ----------------------------------------------------------------------


def test_45_minute_meeting_gives_two_windows_split_at_30_minutes() -> None:
    key_a = key_of_day(transmission_risk=6)
    found = find_exposures([key_a], scan_sightings(key_a, MEETING_SCANS), scan_times=DEVICE_B_SCANS)

    assert [exposure.key for exposure in found] == [key_a, key_a]
    first, second = (exposure.window for exposure in found)
    assert first.scan_instances == (instance_of_the_meeting(300),) * 6  # 10:00 .. 10:25
    assert second.scan_instances == (instance_of_the_meeting(300),) * 3  # 10:30 .. 10:40
    assert (first.duration_seconds, second.duration_seconds) == (1800, 900)
    assert first.day == second.day == DAY
    assert first.report_type is ReportType.CONFIRMED_TEST
    assert first.infectiousness is Infectiousness.HIGH  # day 0 of symptoms, LFPH v2 map
    assert first.calibration_confidence is CalibrationConfidence.LOWEST
    assert found[0].key.transmission_risk_level == 6


def test_without_a_scan_log_the_first_scan_gets_the_default_two_minutes() -> None:
    key_a = key_of_day()
    found = find_exposures([key_a], scan_sightings(key_a, MEETING_SCANS))
    first, second = (exposure.window for exposure in found)
    assert first.scan_instances[0].seconds_since_last_scan == 120
    assert first.duration_seconds == 120 + 5 * 300
    assert second.duration_seconds == 900


def test_other_devices_sightings_reveal_earlier_scans() -> None:
    key_a = key_of_day()
    earlier_scan_saw_someone_else = [decoy(MEETING - SCAN_PERIOD + 3)]
    found = find_exposures(
        [key_a], earlier_scan_saw_someone_else + scan_sightings(key_a, MEETING_SCANS)
    )
    assert found[0].window.duration_seconds == 1800


def test_meeting_end_to_end_is_classification_1() -> None:
    key_a = key_of_day()
    found = find_exposures([key_a], scan_sightings(key_a, MEETING_SCANS), scan_times=DEVICE_B_SCANS)
    config = DailySummariesConfig(attenuation_bucket_weights=(1.0, 1.0, 1.0, 1.0))
    summaries = daily_summaries([exposure.window for exposure in found], config, DAY + 1)
    assert [s.summary_data.score_sum for s in summaries] == [2700.0]
    thresholds = [
        ClassificationThreshold(1, "close contact", confirmed_test_per_day_sum_erv_threshold=2700),
        ClassificationThreshold(2, "contact", confirmed_test_per_day_sum_erv_threshold=1),
    ]
    result = classify(summaries, thresholds)
    assert result is not None
    assert (result.index, result.day) == (1, DAY)


def test_windows_are_sorted_by_day_then_first_scan() -> None:
    key_a, key_c = key_of_day(), key_of_day()
    sightings = scan_sightings(key_c, [MEETING + 3600]) + scan_sightings(key_a, MEETING_SCANS[:2])
    found = find_exposures([key_c, key_a], sightings, scan_times=DEVICE_B_SCANS)
    assert [exposure.key for exposure in found] == [key_a, key_c]


# --- what must not match ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("offset_from_interval_start", "kept"),
    [
        (-7200, True),
        (-7201, False),
        (600 + 7199, True),
        (600 + 7200, False),
        (-3 * 3600, False),
        (300, True),
    ],
)
def test_sightings_outside_the_two_hour_tolerance_are_ignored(
    offset_from_interval_start: int, kept: bool
) -> None:
    key_a = key_of_day()
    interval = key_a.rolling_start_number + 60  # 10:00
    [rpi] = derive_rpis(key_a.key_data, interval)
    aem = encrypt_metadata(derive_aemk(key_a.key_data), rpi, Metadata(TX_POWER).encode())
    received_at = interval_start_seconds(interval) + offset_from_interval_start
    found = find_exposures([key_a], [Sighting(received_at, rpi, aem, -60)])
    assert len(found) == (1 if kept else 0)


def test_a_device_that_never_met_finds_nothing() -> None:
    key_a, key_c = key_of_day(), key_of_day()
    b_met_only_c = [*scan_sightings(key_c, MEETING_SCANS), decoy(MEETING + 7)]
    assert find_exposures([key_a], b_met_only_c) == []
    assert find_exposures([key_a], []) == []
    assert find_exposures([], b_met_only_c) == []


@pytest.mark.parametrize("other_day", [DAY - 1, DAY + 1])
def test_a_key_of_another_day_does_not_match(other_day: int) -> None:
    key_a_today = key_of_day()
    key_a_other_day = key_of_day(other_day)
    assert find_exposures([key_a_other_day], scan_sightings(key_a_today, MEETING_SCANS)) == []


def test_revoked_keys_produce_no_windows() -> None:
    key_a = key_of_day(report_type=ReportType.REVOKED)
    assert find_exposures([key_a], scan_sightings(key_a, MEETING_SCANS)) == []


def test_keys_of_no_infectiousness_produce_no_windows() -> None:
    key_a = key_of_day(days_since_onset=-10)  # NONE in the default map
    assert find_exposures([key_a], scan_sightings(key_a, MEETING_SCANS)) == []


def test_missing_metadata_uses_the_mapping() -> None:
    key_a = key_of_day(report_type=ReportType.UNKNOWN, days_since_onset=None)
    mapping = DiagnosisKeysDataMapping(
        infectiousness_when_days_since_onset_missing=Infectiousness.HIGH,
        report_type_when_missing=ReportType.SELF_REPORT,
    )
    config = MatchingConfig(
        diagnosis_keys_data_mapping=mapping, calibration_confidence=CalibrationConfidence.MEDIUM
    )
    [exposure] = find_exposures([key_a], scan_sightings(key_a, MEETING_SCANS[:1]), config)
    assert exposure.window.report_type is ReportType.SELF_REPORT
    assert exposure.window.infectiousness is Infectiousness.HIGH
    assert exposure.window.calibration_confidence is CalibrationConfidence.MEDIUM
    assert exposure.key.report_type is ReportType.UNKNOWN  # the key itself is left as published


# --- windows, scans and days --------------------------------------------------------------------


def test_window_never_crosses_utc_midnight() -> None:
    key_a = key_of_day()
    # A's clock runs 15 minutes behind B's, so A still sends day-DAY RPIs until 00:15 by B.
    midnight = DAY_START + 86_400
    scans = [midnight - 15 * 60 + k * SCAN_PERIOD for k in range(6)]  # 23:45 .. 00:10
    sightings = scan_sightings(key_a, scans, sender_clock_offset=-15 * 60)
    found = find_exposures([key_a], sightings, scan_times=scans)
    assert [(e.window.day, len(e.window.scan_instances)) for e in found] == [(DAY, 3), (DAY + 1, 3)]
    assert {e.key for e in found} == {key_a}


def test_sightings_within_one_scan_form_one_scan_instance() -> None:
    key_a = key_of_day()
    start = MEETING
    sightings = [sighting(key_a, start + 1, -60), sighting(key_a, start + 17, -70)]
    [grouped] = find_exposures([key_a], sightings)
    assert grouped.window.scan_instances == (ScanInstance(57, 52, 120),)  # 52, 62 → 57

    split = MatchingConfig(scan_grouping_seconds=6)
    [exposure] = find_exposures([key_a], sightings, split)
    assert len(exposure.window.scan_instances) == 2
    assert DEFAULT_SCAN_GROUPING_SECONDS == 25.5


def test_seconds_since_last_scan_is_capped_at_five_minutes() -> None:
    key_a = key_of_day()
    scans = [MEETING, MEETING + 20 * 60, MEETING + 22 * 60]
    [exposure] = find_exposures([key_a], scan_sightings(key_a, scans), scan_times=scans)
    assert [s.seconds_since_last_scan for s in exposure.window.scan_instances] == [120, 300, 120]


@pytest.mark.parametrize(
    ("seconds_since_previous_scan", "expected"),
    [(90, 120), (149, 120), (150, 180), (270, 300), (1000, 300)],
)
def test_minutes_since_last_scan_round_half_up(
    seconds_since_previous_scan: int, expected: int
) -> None:
    """2.5 min counts as 3 (Java's Math.round), where Python's round() would say 2."""
    key_a = key_of_day()
    scan_log = [MEETING - seconds_since_previous_scan, MEETING]
    [exposure] = find_exposures([key_a], [sighting(key_a, MEETING, -60)], scan_times=scan_log)
    assert exposure.window.scan_instances[0].seconds_since_last_scan == expected


def test_attenuation_is_never_negative() -> None:
    key_a = key_of_day()
    [exposure] = find_exposures([key_a], [sighting(key_a, MEETING, rssi=-2, tx_power=-10)])
    assert exposure.window.scan_instances[0].typical_attenuation_db == 0


def test_attenuation_reported_by_the_radio_is_used_as_is() -> None:
    key_a = key_of_day()
    measured = sighting(key_a, MEETING, rssi=-60)
    direct = dataclasses.replace(measured, rssi=None, attenuation=63)
    [exposure] = find_exposures([key_a], [direct])
    assert exposure.window.scan_instances[0].typical_attenuation_db == 63
    assert direct.attenuation_db(tx_power=0) == 63
    assert measured.attenuation_db(tx_power=-8) == 52


# --- the fast path ------------------------------------------------------------------------------


def test_matching_goes_through_fast_match_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[int, int]] = []

    def spy(
        teks: bytes, starts: Sequence[int], periods: Sequence[int], observed: bytes
    ) -> list[fast.Hit]:
        calls.append((len(teks) // 16, len(observed) // 16))
        return fast.reference_match(teks, starts, periods, observed)

    monkeypatch.setattr(fast, "match", spy)
    key_a = key_of_day()
    strangers = [key_of_day() for _ in range(5)]
    sightings = scan_sightings(key_a, MEETING_SCANS) + scan_sightings(key_a, MEETING_SCANS)
    assert len(find_exposures([*strangers, key_a], sightings)) == 2
    # 6 keys, and each distinct RPI once although every beacon was seen twice (A's 10 minute
    # intervals: 10:00, 10:10, 10:20, 10:30, 10:40).
    assert calls == [(6, 5)]


def test_unmatched_keys_cost_no_aem_work(monkeypatch: pytest.MonkeyPatch) -> None:
    derived: list[bytes] = []

    def counting_derive_aemk(tek: bytes) -> bytes:
        derived.append(tek)
        return derive_aemk(tek)

    monkeypatch.setattr(matching, "derive_aemk", counting_derive_aemk)
    key_a, key_c = key_of_day(), key_of_day()
    strangers = [key_of_day() for _ in range(20)]
    sightings = scan_sightings(key_a, MEETING_SCANS) + scan_sightings(key_c, MEETING_SCANS[:1])
    found = find_exposures([*strangers, key_a, key_c], sightings)
    assert {exposure.key for exposure in found} == {key_a, key_c}
    assert sorted(derived) == sorted([key_a.key_data, key_c.key_data])  # once per matched key


# --- validation ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs",
    [
        {"rpi": bytes(15)},
        {"rpi": bytearray(16)},
        {"aem": bytes(5)},
        {"rssi": 128},
        {"rssi": -129},
        {"rssi": 1.5},
        {"timestamp": math.nan},
        {"timestamp": -1.0},
        {"timestamp": "now"},
        {"rssi": None},
        {"attenuation": 40},
        {"rssi": None, "attenuation": 256},
        {"rssi": None, "attenuation": -1},
        {"rssi": None, "attenuation": True},
    ],
)
def test_sighting_validation(kwargs: dict[str, object]) -> None:
    fields: dict[str, object] = {
        "timestamp": MEETING,
        "rpi": bytes(16),
        "aem": bytes(4),
        "rssi": -60,
    }
    fields.update(kwargs)
    with pytest.raises(InvalidKeyError):
        Sighting(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"tolerance_seconds": -1},
        {"tolerance_seconds": math.inf},
        {"scan_grouping_seconds": -0.5},
        {"max_window_seconds": 0},
        {"max_minutes_since_last_scan": 0},
        {"max_minutes_since_last_scan": 2.5},
        {"default_seconds_since_last_scan": -60},
        {"diagnosis_keys_data_mapping": None},
        {"calibration_confidence": 4},
    ],
)
def test_matching_config_validation(kwargs: dict[str, object]) -> None:
    with pytest.raises(ConfigError):
        MatchingConfig(**kwargs)  # type: ignore[arg-type]


def test_scan_log_must_be_finite() -> None:
    key_a = key_of_day()
    with pytest.raises(ExposureDataError):
        find_exposures([key_a], scan_sightings(key_a, MEETING_SCANS[:1]), scan_times=[math.nan])


# --- property: decoys never invent exposures, planted ones are always found ---------------------

PLANTED_KEY = key_of_day()
INNOCENT_KEY = key_of_day()
MINUTES_IN_DAY = 24 * 60


@settings(max_examples=40, deadline=None)
@given(
    planted_minutes=st.lists(st.integers(0, MINUTES_IN_DAY - 1), unique=True, max_size=12),
    planted_rssi=st.integers(-100, 20),
    decoys=st.lists(
        st.tuples(
            st.floats(DAY_START - 3 * 3600, DAY_START + 27 * 3600),
            st.binary(min_size=16, max_size=16),
            st.binary(min_size=4, max_size=4),
            st.integers(-128, 127),
        ),
        max_size=30,
    ),
)
def test_decoys_never_invent_exposures_and_planted_ones_are_found(
    planted_minutes: list[int],
    planted_rssi: int,
    decoys: list[tuple[float, bytes, bytes, int]],
) -> None:
    planted = [sighting(PLANTED_KEY, DAY_START + 60 * m, planted_rssi) for m in planted_minutes]
    noise = [Sighting(*fields) for fields in decoys]
    found: list[MatchedExposure] = find_exposures(
        [INNOCENT_KEY, PLANTED_KEY], noise + planted + noise[:3]
    )

    assert {exposure.key for exposure in found} <= {PLANTED_KEY}
    instances = [scan for exposure in found for scan in exposure.window.scan_instances]
    assert len(instances) == len(planted_minutes)  # one scan instance per planted minute
    expected_attenuation = max(TX_POWER - planted_rssi, 0)
    assert all(scan.typical_attenuation_db == expected_attenuation for scan in instances)
    assert all(exposure.window.day == DAY for exposure in found)
