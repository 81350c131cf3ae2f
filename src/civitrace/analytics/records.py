"""Input records (one line per event about one pseudonymous person) and release windows.

The privacy unit is a person: ``person`` is any pseudonym that is the same for every record of
one person within a budget period (a week). It is used only to bound contributions and never
leaves the package.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from civitrace.analytics.constants import AGE_BANDS, PERIOD_DAYS
from civitrace.analytics.errors import InputDataError, ParameterError


@dataclass(frozen=True, order=True)
class Event:
    """One countable event: a confirmed case, a test, a venue warning a person triggered."""

    day: date
    person: str
    region: str
    age_band: str

    def __post_init__(self) -> None:
        if not self.person:
            raise InputDataError("a record has an empty person pseudonym")
        if not self.region:
            raise InputDataError("a record has an empty region")
        if self.age_band not in AGE_BANDS:
            raise InputDataError(f"age band {self.age_band!r} is not one of {', '.join(AGE_BANDS)}")


@dataclass(frozen=True, order=True)
class TestResult(Event):
    """A test with its result; positivity is released from these."""

    __test__ = False  # not a pytest class
    positive: bool = False


def period_of(day: date) -> str:
    """The budget period holding ``day``: its ISO week, e.g. ``2026-W03``."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


@dataclass(frozen=True)
class Window:
    """The data window of a release: whole days, inside one budget period (ISO week)."""

    start: date
    end: date  # inclusive

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ParameterError("the window ends before it starts")
        if period_of(self.start) != period_of(self.end):
            raise ParameterError("a release window must lie inside one ISO week (its period)")

    @classmethod
    def week(cls, period: str) -> "Window":
        """The whole week of a period such as ``2026-W03``."""
        try:
            year, week = period.split("-W")
            start = date.fromisocalendar(int(year), int(week), 1)
        except ValueError:
            raise ParameterError(f"period {period!r} is not an ISO week like 2026-W03") from None
        return cls(start, start + timedelta(days=PERIOD_DAYS - 1))

    @property
    def period(self) -> str:
        return period_of(self.start)

    @property
    def days(self) -> tuple[date, ...]:
        count = (self.end - self.start).days + 1
        return tuple(self.start + timedelta(days=i) for i in range(count))

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end
