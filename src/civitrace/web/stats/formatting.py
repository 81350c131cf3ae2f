"""Numbers and dates as each page language writes them (Babel's CLDR data).

One place decides how a published number looks, so the map's labels, the table and the error
bars' descriptions always agree: counts are whole numbers, interval ends keep one decimal (they
are noise quantiles, not counts), shares are percentages with one decimal.
"""

from dataclasses import dataclass
from datetime import date
from typing import Final

from babel.dates import format_date
from babel.numbers import format_decimal, format_percent

from civitrace.web.i18n import Language

COUNT_FORMAT: Final = "#,##0"  # a published count: always a whole number
BOUND_FORMAT: Final = "#,##0.#"  # an interval end: a noise quantile, one decimal at most
PARAMETER_FORMAT: Final = "#,##0.###"  # ε, δ and budgets as the statistician typed them
PERCENT_FORMAT: Final = "#,##0.0%"  # a share (test positivity)
RATIO_KINDS: Final = frozenset({"test_positivity"})  # kinds whose values are shares, not counts


def _locale(language: Language) -> str:
    return language.locale


def count(value: float, language: Language) -> str:
    """A published count, e.g. ``1,234`` or ``1.234``."""
    return format_decimal(round(value), format=COUNT_FORMAT, locale=_locale(language))


def bound(value: float, language: Language) -> str:
    """One end of an interval."""
    return format_decimal(round(value, 1), format=BOUND_FORMAT, locale=_locale(language))


def share(value: float, language: Language) -> str:
    """A share as a percentage with one decimal."""
    return format_percent(round(value, 4), format=PERCENT_FORMAT, locale=_locale(language))


def parameter(value: float, language: Language) -> str:
    """A privacy parameter (ε, δ, a budget) or a threshold."""
    return format_decimal(round(value, 3), format=PARAMETER_FORMAT, locale=_locale(language))


def value_of(kind: str, value: float, language: Language) -> str:
    """A cell's value: a share for positivity, else a count."""
    return share(value, language) if kind in RATIO_KINDS else count(value, language)


def bound_of(kind: str, value: float, language: Language) -> str:
    """An interval end: a share for positivity, else a number with one decimal at most."""
    return share(value, language) if kind in RATIO_KINDS else bound(value, language)


def day(value: date, language: Language) -> str:
    """A date in the language's medium form (``Jan 5, 2026``, ``5 ene 2026``…)."""
    return format_date(value, format="medium", locale=_locale(language))


@dataclass(frozen=True)
class Local:
    """The formatting functions bound to one page language, for the templates."""

    language: Language

    def day(self, value: date) -> str:
        return day(value, self.language)

    def parameter(self, value: float) -> str:
        return parameter(value, self.language)

    def count(self, value: float) -> str:
        return count(value, self.language)

    def share(self, value: float) -> str:
        return share(value, self.language)

    def confidence(self, value: float) -> str:
        """A coverage such as 0.95, as a whole percentage."""
        return format_percent(value, format="#,##0%", locale=self.language.locale)
