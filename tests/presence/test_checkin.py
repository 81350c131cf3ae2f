"""Deriving shareable records: duration filter, decay, alignment, midnight split, risk."""

import datetime as dt

import pytest

from civitrace.presence.checkin import (
    CheckIn,
    CheckInRecord,
    align_to_intervals,
    decay_extended_end,
    shareable_records,
    split_at_midnight,
)
from civitrace.presence.errors import CheckInError
from civitrace.presence.risk import level_by_onset, transmission_risk_value

LID = bytes(32)
T0 = 1_700_000_400  # 2023-11-14 22:20 UTC, a multiple of 600 seconds
MIN = 60


def test_short_stays_are_dropped() -> None:
    assert decay_extended_end(T0, T0 + 9 * MIN + 59) is None
    assert decay_extended_end(T0, T0 + 10 * MIN) == T0 + 20 * MIN


def test_decay_is_the_stay_up_to_30_minutes() -> None:
    assert decay_extended_end(T0, T0 + 25 * MIN) == T0 + 50 * MIN
    assert decay_extended_end(T0, T0 + 2 * 3600) == T0 + 2 * 3600 + 30 * MIN


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (T0, T0 + 20 * MIN, (T0, T0 + 20 * MIN)),  # already aligned
        (T0 + 2 * MIN, T0 + 22 * MIN, (T0, T0 + 20 * MIN)),  # start interval overlaps more
        (T0 + 8 * MIN, T0 + 28 * MIN, (T0 + 10 * MIN, T0 + 30 * MIN)),  # end overlaps more
        (T0 + 5 * MIN, T0 + 25 * MIN, (T0, T0 + 20 * MIN)),  # tie: anchor at the start
        (T0 + 3 * MIN, T0 + 17 * MIN, (T0, T0 + 10 * MIN)),  # 14 min rounds to 10
        (T0 + 1 * MIN, T0 + 16 * MIN, (T0, T0 + 20 * MIN)),  # 15 min rounds half up to 20
    ],
)
def test_alignment(start: int, end: int, expected: tuple[int, int]) -> None:
    assert align_to_intervals(start, end) == expected


def test_split_at_midnight() -> None:
    midnight = (T0 // 86_400 + 1) * 86_400
    assert split_at_midnight(T0, midnight + 600) == [(T0, midnight), (midnight, midnight + 600)]
    assert split_at_midnight(T0, T0 + 600) == [(T0, T0 + 600)]
    assert split_at_midnight(T0, T0) == []


def test_shareable_records_across_midnight() -> None:
    # 22:20 + 1 h 50 min = 00:10; + 30 min decay = 00:40 -> two records
    check_in = CheckIn(LID, T0, T0 + 110 * MIN)
    records = [r for _, r in shareable_records([check_in], lambda _: 8)]
    assert records == [
        CheckInRecord(T0 // 600, 10, 8),
        CheckInRecord(T0 // 600 + 10, 4, 8),
    ]


def test_records_of_value_zero_are_not_shared() -> None:
    check_in = CheckIn(LID, T0, T0 + 30 * MIN)
    assert shareable_records([check_in], lambda _: 2) == []
    assert shareable_records([CheckIn(LID, T0, T0 + 5 * MIN)], lambda _: 8) == []


def test_transmission_risk_values() -> None:
    assert [transmission_risk_value(level) for level in range(1, 9)] == [
        0.0,
        0.0,
        0.6,
        0.8,
        1.0,
        1.2,
        1.4,
        1.6,
    ]
    for bad in (0, 9):
        with pytest.raises(CheckInError):
            transmission_risk_value(bad)


def test_level_by_onset_defaults_to_1_outside_the_table() -> None:
    onset = dt.date(2023, 11, 14)
    level_for = level_by_onset(onset, test_date=dt.date(2023, 11, 16))
    assert level_for(onset) == 8
    assert level_for(onset - dt.timedelta(days=30)) == 1
    unknown = level_by_onset(None, test_date=onset)
    assert unknown(onset - dt.timedelta(days=3)) == 7
    assert unknown(onset - dt.timedelta(days=12)) == 1


@pytest.mark.parametrize(
    "args",
    [(bytes(31), 0, 1), (LID, -1, 5), (LID, 10, 5)],
)
def test_bad_check_ins(args: tuple[bytes, int, int]) -> None:
    with pytest.raises(CheckInError):
        CheckIn(*args)


@pytest.mark.parametrize("args", [(-1, 1, 1), (0, 0, 1), (0, 1, 0), (0, 1, 9), (2**32, 1, 1)])
def test_bad_records(args: tuple[int, int, int]) -> None:
    with pytest.raises(CheckInError):
        CheckInRecord(*args)
