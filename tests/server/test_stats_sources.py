"""Case sources: the protocol, its implementations, and the records they accept."""

from datetime import date, datetime

import pytest

from civitrace.analytics.errors import InputDataError
from civitrace.analytics.records import Window
from civitrace.analytics.regions import RegionSet, demo_regions
from civitrace.server.analytics.sources import (
    DEMO_START,
    CaseRecord,
    CaseSource,
    RecordsCaseSource,
    SyntheticCaseSource,
    TestRecord,
)

WEEK = Window.week("2026-W03")


@pytest.fixture(scope="module")
def regions() -> RegionSet:
    return demo_regions()


@pytest.fixture(scope="module")
def synthetic(regions: RegionSet) -> SyntheticCaseSource:
    return SyntheticCaseSource(regions, people=20_000, days=28)


def test_records_source_filters_by_window() -> None:
    inside = CaseRecord("a", WEEK.start, "D01", "0-17")
    before = CaseRecord("b", date(2026, 1, 11), "D01", "0-17")
    after = CaseRecord("c", date(2026, 1, 19), "D01", "0-17")
    test = TestRecord("a", WEEK.end, "D02", "65+", True)
    source = RecordsCaseSource(cases=[before, inside, after], tests=[test], warnings=[after])
    assert isinstance(source, CaseSource)
    assert source.cases(WEEK) == [inside]
    assert source.tests(WEEK) == [test]
    assert source.venue_warnings(WEEK) == []
    assert source.last_day() == date(2026, 1, 19)
    assert RecordsCaseSource().last_day() is None


def test_synthetic_source_is_a_reproducible_city(
    synthetic: SyntheticCaseSource, regions: RegionSet
) -> None:
    assert isinstance(synthetic, CaseSource)
    week = Window.week("2026-W04")
    cases, tests = synthetic.cases(week), synthetic.tests(week)
    assert cases
    assert all(week.start <= c.day <= week.end for c in cases)
    assert {c.region for c in cases} <= set(regions.ids)
    assert any(t.positive for t in tests)
    assert any(not t.positive for t in tests)
    assert synthetic.venue_warnings(week)
    assert synthetic.last_day() == date(2026, 2, 1)
    again = SyntheticCaseSource(regions, people=20_000, days=28)
    assert again.cases(week) == cases
    assert synthetic.cases(Window.week("2025-W50")) == []
    assert DEMO_START.isoweekday() == 1


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"case_id": ""}, "empty case id"),
        ({"day": datetime(2026, 1, 12, 8)}, "no time of day"),
        ({"day": "2026-01-12"}, "must be a date"),
        ({"age_band": "teen"}, "age band"),
    ],
)
def test_records_are_checked(fields: dict[str, object], message: str) -> None:
    values: dict[str, object] = {
        "case_id": "a",
        "day": date(2026, 1, 12),
        "region": "D01",
        "age_band": "0-17",
    }
    values.update(fields)
    with pytest.raises(InputDataError, match=message):
        CaseRecord(**values)  # type: ignore[arg-type]
