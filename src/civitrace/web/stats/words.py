"""The words the statistics pages translate for the codes a release carries (kinds, age bands,
mechanisms), so a page never shows an identifier where a reader expects a word."""

from typing import Final

from civitrace.analytics.constants import ALL_AGES, MECHANISM_DISCRETE_LAPLACE
from civitrace.web.catalogs import N_

PUBLIC_KINDS: Final = ("cases", "test_positivity", "venue_warnings", "age_bands")
"""What the page offers to show; ``positives`` and ``tests`` are reached from positivity."""

KIND_NAMES: Final = {
    "cases": N_("Confirmed cases by area"),
    "test_positivity": N_("Share of tests that were positive, by area"),
    "venue_warnings": N_("Warnings sent to visitors of places, by area"),
    "age_bands": N_("Confirmed cases by age group, whole city"),
    "positives": N_("Positive tests by area"),
    "tests": N_("Tests by area"),
}
VALUE_HEADINGS: Final = {
    "cases": N_("Confirmed cases"),
    "test_positivity": N_("Positive share"),
    "venue_warnings": N_("Warnings"),
    "age_bands": N_("Confirmed cases"),
    "positives": N_("Positive tests"),
    "tests": N_("Tests"),
}
AGES_ALL: Final = N_("All ages")
MECHANISMS: Final = {
    MECHANISM_DISCRETE_LAPLACE: N_(
        "random whole numbers from the discrete Laplace distribution, drawn by the OpenDP library"
    ),
}


def kind_name(kind: str) -> str:
    """The (untranslated) name of a kind; a kind unknown here is shown as its code."""
    return KIND_NAMES.get(kind, kind)


def value_heading(kind: str) -> str:
    return VALUE_HEADINGS.get(kind, kind)


def band_name(band: str) -> str | None:
    """The words for ``all`` ages; ``None`` for a numeric band such as ``18-34`` (shown as is)."""
    return AGES_ALL if band == ALL_AGES else None
