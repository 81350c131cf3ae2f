"""The statistician's release form: its fields checked, and the week's budget it would spend.

Every refusal is a :class:`~civitrace.server.console.errors.ConsoleInputError` whose message
starts with the field at fault (``epsilon: …``), so the page marks that field; a release that
does not fit the week's remaining budget is a :class:`OverBudgetError` (409), refused before
anything is computed. The ledger refuses it again when publishing, under its lock, in case
another release spent the budget in between.
"""

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final

from sqlalchemy.orm import Session

from civitrace.analytics.constants import MAX_CONTRIBUTIONS, MAX_EPSILON
from civitrace.analytics.errors import ParameterError
from civitrace.analytics.ledger import PrivacyBudget
from civitrace.analytics.records import Window, period_of
from civitrace.server.analytics.ledger import DatabaseLedger
from civitrace.server.analytics.publishing import Granularity, ReleaseRequest
from civitrace.server.console.errors import ConflictError, ConsoleInputError

FORM_KINDS: Final = ("cases", "test_positivity", "venue_warnings", "age_bands")
FIELDS: Final = ("kind", "start", "end", "granularity", "epsilon", "budget", "contributions")
DEFAULT_CONTRIBUTIONS: Final = {"test_positivity": 3}  # people re-test within a week; else 1
DEFAULT_GRANULARITY: Final = {"test_positivity": "week"}  # else per day
MAX_WEEKLY_BUDGET: Final = MAX_EPSILON  # a week's total ε above this would protect no one
MAX_FIELD_LENGTH: Final = 40  # characters kept of any field (the longest valid one is ~20)
SLACK: Final = 1e-9  # relative tolerance on sums of ε, as the ledger's
_DAY: Final = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_NUMBER: Final = re.compile(r"^\d{1,6}(\.\d{1,9})?$")  # plain decimals: no signs, exponents, nan


class OverBudgetError(ConflictError):
    """The release would spend more than its week has left; nothing was computed."""


@dataclass(frozen=True)
class ReleaseForm:
    """A checked release form."""

    kind: str
    start: date
    end: date
    granularity: Granularity
    epsilon: float
    budget: float | None  # the budget to give the week, if it has none yet
    contributions: int

    @property
    def window(self) -> Window:
        return Window(self.start, self.end)

    @property
    def period(self) -> str:
        return period_of(self.start)

    def request(self, week_has_budget: bool) -> ReleaseRequest:
        """What :func:`~civitrace.server.analytics.publishing.publish_release` is asked; a
        week's budget is only stated when it has none (it cannot be changed later)."""
        budget = None if week_has_budget or self.budget is None else PrivacyBudget(self.budget)
        return ReleaseRequest(
            kind=self.kind,
            window=self.window,
            epsilon=self.epsilon,
            contributions=self.contributions,
            granularity=self.granularity,
            by_age=False,  # cases per area; the age breakdown is the city-wide kind age_bands
            budget=budget,
        )

    def values(self) -> dict[str, str]:
        """The fields as the form sends them (for the review page's hidden fields)."""
        return {
            "kind": self.kind,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "granularity": self.granularity,
            "epsilon": f"{self.epsilon:g}",
            "budget": "" if self.budget is None else f"{self.budget:g}",
            "contributions": str(self.contributions),
        }


@dataclass(frozen=True)
class WeekBudget:
    """A week's budget (``None`` before its first release) and what it has spent."""

    period: str
    budget: float | None
    spent: float

    @property
    def left(self) -> float | None:
        return None if self.budget is None else max(self.budget - self.spent, 0.0)


def week_budget(session: Session, period: str) -> WeekBudget:
    """The ledger's figures for ``period`` (read only)."""
    ledger = DatabaseLedger(session)
    try:
        budget: float | None = ledger.budget(period).epsilon
    except ParameterError:
        budget = None
    return WeekBudget(period, budget, ledger.spent(period).epsilon)


def default_values(last_day: date | None, today: date) -> dict[str, str]:
    """The form's first values: cases, the week of the latest data up to today, ε = 0.25."""
    end = min(last_day or today, today)
    start = end - timedelta(days=end.weekday())
    return {
        "kind": "cases",
        "start": start.isoformat(),
        "end": min(start + timedelta(days=6), today).isoformat(),
        "granularity": "day",
        "epsilon": "0.25",
        "budget": "1",
        "contributions": "",
    }


def _text(values: Mapping[str, str], name: str) -> str:
    return values.get(name, "").strip()[:MAX_FIELD_LENGTH]


def parse_day(raw: str, name: str) -> date:
    """A date field (``YYYY-MM-DD``), or :class:`ConsoleInputError` naming it."""
    try:
        if not _DAY.match(raw):
            raise ValueError(raw)
        return date.fromisoformat(raw)
    except ValueError:
        raise ConsoleInputError(f"{name}: must be a date such as 2026-01-31") from None


def _number(values: Mapping[str, str], name: str, upper: float) -> float | None:
    raw = _text(values, name)
    if not raw:
        return None
    if not _NUMBER.match(raw):
        raise ConsoleInputError(f"{name}: must be a number such as 0.25")
    number = float(raw)
    if not (math.isfinite(number) and 0 < number <= upper):
        raise ConsoleInputError(f"{name}: must be above 0 and at most {upper:g}")
    return number


def _contributions(values: Mapping[str, str], kind: str) -> int:
    raw = _text(values, "contributions")
    if not raw:
        return DEFAULT_CONTRIBUTIONS.get(kind, 1)
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_CONTRIBUTIONS:
        raise ConsoleInputError(
            f"contributions: must be a whole number from 1 to {MAX_CONTRIBUTIONS}"
        )
    return int(raw)


def parse(values: Mapping[str, str], today: date) -> ReleaseForm:
    """The checked form, or :class:`ConsoleInputError` naming the first field at fault."""
    kind = _text(values, "kind")
    if kind not in FORM_KINDS:
        raise ConsoleInputError(f"kind: must be one of {', '.join(FORM_KINDS)}")
    start = parse_day(_text(values, "start"), "start")
    end = parse_day(_text(values, "end"), "end")
    if end < start:
        raise ConsoleInputError("end: the window ends before it starts")
    if period_of(start) != period_of(end):
        raise ConsoleInputError(
            "end: the window must lie inside one week, Monday to Sunday (budgets are per week)"
        )
    if end > today:
        raise ConsoleInputError("end: the window cannot end after today")
    granularity = _text(values, "granularity") or DEFAULT_GRANULARITY.get(kind, "day")
    if granularity not in ("day", "week"):
        raise ConsoleInputError("granularity: must be day or week")
    epsilon = _number(values, "epsilon", MAX_EPSILON)
    if epsilon is None:
        raise ConsoleInputError("epsilon: state the privacy loss ε of this release")
    return ReleaseForm(
        kind=kind,
        start=start,
        end=end,
        granularity="week" if granularity == "week" else "day",
        epsilon=epsilon,
        budget=_number(values, "budget", MAX_WEEKLY_BUDGET),
        contributions=_contributions(values, kind),
    )


def check_budget(form: ReleaseForm, week: WeekBudget) -> None:
    """Refuse a release its week cannot pay for (or a first release without a budget)."""
    budget = week.budget if week.budget is not None else form.budget
    if budget is None:
        raise ConsoleInputError(
            f"budget: week {week.period} has no privacy budget yet; state one for it"
        )
    if week.spent + form.epsilon > budget * (1 + SLACK):
        left = max(budget - week.spent, 0.0)
        raise OverBudgetError(
            f"epsilon: this release needs ε = {form.epsilon:g}, but week {week.period} has only"
            f" ε = {left:g} left of its budget of {budget:g}; nothing was released"
        )
