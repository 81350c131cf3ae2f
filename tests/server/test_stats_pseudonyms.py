"""The weekly person pseudonym: one per person per week, unlinkable across weeks, keyed."""

from collections import Counter
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from civitrace.analytics.contribution import bound_contributions, max_contributions
from civitrace.analytics.records import Window, period_of
from civitrace.server.analytics.pseudonyms import WeeklyPseudonyms
from civitrace.server.analytics.sources import CaseRecord, TestRecord

KEK = bytes(range(32))
MONDAY = date(2026, 1, 12)  # 2026-W03
WEEK = Window.week("2026-W03")

case_ids = st.text(min_size=1, max_size=40)
days = st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31))


@settings(max_examples=200, deadline=None)
@given(case_ids, st.integers(0, 6), st.integers(0, 6))
def test_same_person_same_week_one_pseudonym(case_id: str, first: int, second: int) -> None:
    pseudonyms = WeeklyPseudonyms(KEK)
    one = pseudonyms.pseudonym(case_id, MONDAY + timedelta(days=first))
    assert one == pseudonyms.pseudonym(case_id, MONDAY + timedelta(days=second))
    assert one == WeeklyPseudonyms(KEK).pseudonym(case_id, MONDAY)  # stable across processes
    assert len(one) == 32


@settings(max_examples=200, deadline=None)
@given(case_ids, days, days)
def test_different_weeks_do_not_link(case_id: str, day: date, other: date) -> None:
    pseudonyms = WeeklyPseudonyms(KEK)
    same_week = period_of(day) == period_of(other)
    assert (pseudonyms.pseudonym(case_id, day) == pseudonyms.pseudonym(case_id, other)) == (
        same_week
    )


def test_keyed_by_the_kek_and_distinct_per_person() -> None:
    mine, other = WeeklyPseudonyms(KEK), WeeklyPseudonyms(bytes(32))
    assert mine.pseudonym("case-1", MONDAY) != other.pseudonym("case-1", MONDAY)
    names = {mine.pseudonym(f"case-{i}", MONDAY) for i in range(2000)}
    assert len(names) == 2000
    assert "KEK" not in repr(mine)
    assert KEK.hex() not in repr(mine)
    with pytest.raises(ValueError, match="32 bytes"):
        WeeklyPseudonyms(b"short")


def test_contribution_bound_holds_per_person_per_week() -> None:
    """A person tested on five days of one week is one pseudonym, so k = 1 keeps one record;
    the same person next week is another pseudonym, bounded separately."""
    pseudonyms = WeeklyPseudonyms(KEK)
    records = [
        TestRecord("case-7", MONDAY + timedelta(days=d), "D01", "18-34", True) for d in range(5)
    ]
    records.append(TestRecord("case-8", MONDAY, "D02", "65+", False))
    results = pseudonyms.test_results(records)
    assert len({r.person for r in results}) == 2
    kept = bound_contributions(results, 1, WEEK)
    assert max_contributions(kept) == 1
    assert Counter(r.region for r in kept) == {"D01": 1, "D02": 1}
    next_week = pseudonyms.events([CaseRecord("case-7", MONDAY + timedelta(days=7), "D01", "0-17")])
    assert next_week[0].person not in {r.person for r in results}
    assert all("case-" not in r.person for r in results)
