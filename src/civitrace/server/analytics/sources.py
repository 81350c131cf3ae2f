"""Where releases read case data from: the ``CaseSource`` interface and two implementations.

A release needs, for one window (whole days inside one ISO week), records about people: who
(a case id, turned into a weekly pseudonym before anything is counted), which region or H3 cell,
which day, which age band and, for tests, the result. Nothing else: no name, no address, no
exact location. The console's cases (``console_models``) will implement this protocol with three
queries; until then :class:`SyntheticCaseSource` serves the demo and :class:`RecordsCaseSource`
wraps records read elsewhere (the CLI's CSV input, tests). See ``docs/analytics.md``.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cached_property
from typing import Protocol, TypeVar, runtime_checkable

from civitrace.analytics import synthetic
from civitrace.analytics.constants import AGE_BANDS
from civitrace.analytics.errors import InputDataError
from civitrace.analytics.records import Window
from civitrace.analytics.regions import RegionSet

DEMO_START = date(2026, 1, 5)  # a Monday: the synthetic demo city's weeks are whole ISO weeks
DEMO_DAYS = 84  # twelve weeks, the epidemic peaking mid-way
DEMO_PEOPLE = 100_000  # small enough to generate in a few seconds on the CLI


@dataclass(frozen=True)
class CaseRecord:
    """One event about one case: a confirmed case (its first positive test) or a warning it
    triggered. ``region`` is a region id of the release's region set (or an H3 cell id when the
    regions are H3 cells)."""

    case_id: str
    day: date
    region: str
    age_band: str

    def __post_init__(self) -> None:
        if not self.case_id:
            raise InputDataError("a case record has an empty case id")
        if isinstance(self.day, datetime) or not isinstance(self.day, date):
            raise InputDataError("a case record's day must be a date (no time of day)")
        if self.age_band not in AGE_BANDS:
            raise InputDataError(f"age band {self.age_band!r} is not one of {', '.join(AGE_BANDS)}")


@dataclass(frozen=True)
class TestRecord(CaseRecord):
    """One test of a person (a case id, possibly of a case not confirmed), with its result."""

    __test__ = False  # not a pytest class
    positive: bool = False


@runtime_checkable
class CaseSource(Protocol):
    """What a release reads. Each method returns the records whose ``day`` lies in ``window``;
    returning more is harmless (they are filtered) but wasteful."""

    def cases(self, window: Window) -> Iterable[CaseRecord]:
        """Confirmed cases, dated by their first positive test."""
        ...

    def tests(self, window: Window) -> Iterable[TestRecord]:
        """Every test result, positive or negative (positivity = positives / tests)."""
        ...

    def venue_warnings(self, window: Window) -> Iterable[CaseRecord]:
        """Venue warnings, each as a record of the case that triggered it."""
        ...

    def last_day(self) -> date | None:
        """The latest day any record has (the default week to release), ``None`` if empty."""
        ...


R = TypeVar("R", bound=CaseRecord)


def _inside(records: Iterable[R], window: Window) -> list[R]:
    return [r for r in records if window.start <= r.day <= window.end]


class RecordsCaseSource:
    """Records already in memory: the CLI's CSV input, tests."""

    def __init__(
        self,
        cases: Sequence[CaseRecord] = (),
        tests: Sequence[TestRecord] = (),
        warnings: Sequence[CaseRecord] = (),
    ) -> None:
        self._cases = tuple(cases)
        self._tests = tuple(tests)
        self._warnings = tuple(warnings)

    def cases(self, window: Window) -> list[CaseRecord]:
        return _inside(self._cases, window)

    def tests(self, window: Window) -> list[TestRecord]:
        return _inside(self._tests, window)

    def venue_warnings(self, window: Window) -> list[CaseRecord]:
        return _inside(self._warnings, window)

    def last_day(self) -> date | None:
        days = [r.day for r in (*self._cases, *self._tests, *self._warnings)]
        return max(days, default=None)


class SyntheticCaseSource:
    """The synthetic demo city of ``civitrace.analytics.synthetic``, generated once on first use.

    Its people are ``p<number>``; they serve as case ids. Reproducible for a given seed.
    """

    def __init__(
        self,
        regions: RegionSet,
        *,
        people: int = DEMO_PEOPLE,
        days: int = DEMO_DAYS,
        seed: int = 8,
        start: date = DEMO_START,
    ) -> None:
        self._regions = regions
        self._people = people
        self._days = days
        self._seed = seed
        self._start = start

    @cached_property
    def _city(self) -> synthetic.City:
        return synthetic.generate(
            self._regions, people=self._people, days=self._days, seed=self._seed, start=self._start
        )

    def cases(self, window: Window) -> list[CaseRecord]:
        return _inside(
            (CaseRecord(e.person, e.day, e.region, e.age_band) for e in self._city.cases), window
        )

    def tests(self, window: Window) -> list[TestRecord]:
        return _inside(
            (
                TestRecord(t.person, t.day, t.region, t.age_band, t.positive)
                for t in self._city.tests
            ),
            window,
        )

    def venue_warnings(self, window: Window) -> list[CaseRecord]:
        return _inside(
            (CaseRecord(e.person, e.day, e.region, e.age_band) for e in self._city.warnings),
            window,
        )

    def last_day(self) -> date | None:
        return self._start + timedelta(days=self._days - 1)
