"""The statistics page's model of a release: the map and the table hold the release's numbers,
formatted per language; the legend tells every class apart in words; the release form refuses
anything malformed by naming the field. Helpers here are shared by the other ``test_stats_*``.
"""

import re
import unicodedata
from datetime import date, timedelta
from functools import cache
from typing import Any

import pytest
from babel.numbers import parse_decimal
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from civitrace.analytics.choropleth import PALETTE, layout
from civitrace.analytics.ledger import InMemoryLedger, PrivacyBudget
from civitrace.analytics.model import Release
from civitrace.analytics.records import Window
from civitrace.analytics.regions import RegionSet, demo_regions
from civitrace.analytics.release import (
    release_age_bands,
    release_case_counts,
    release_test_positivity,
)
from civitrace.server.analytics.pseudonyms import WeeklyPseudonyms
from civitrace.server.analytics.publishing import ReleaseRequest, publish_release
from civitrace.server.analytics.sources import SyntheticCaseSource
from civitrace.server.console.errors import ConsoleInputError
from civitrace.web.i18n import BY_TAG, LANGUAGES, Language
from civitrace.web.stats import formatting, release_form
from civitrace.web.stats.errors import BadQueryError
from civitrace.web.stats.release_form import OverBudgetError, WeekBudget
from civitrace.web.stats.view import SliceView, slice_view

ENGLISH = BY_TAG["en"]
SPANISH = BY_TAG["es"]
DEMO_WEEK = Window.week("2026-W07")  # the synthetic city's epidemic peaks around here
KEK = bytes(range(32))
_BIDI_AND_SPACES = re.compile(r"[\u200e\u200f\u061c\u00a0\u202f\s%]")


def number_in(text: str, language: Language) -> float:
    """A number as the page wrote it in ``language`` (percent signs and bidi marks dropped)."""
    cleaned = _BIDI_AND_SPACES.sub("", unicodedata.normalize("NFKC", text))
    return float(parse_decimal(cleaned, locale=language.locale, strict=False))


def rounded(value: float, ratio: bool, *, whole: bool = False) -> Any:
    """What the page shows of a stored number, as a tolerance: percentages with one decimal,
    counts whole, interval ends with one decimal (half a shown unit either way)."""
    if ratio:
        return pytest.approx(value * 100, abs=0.05 + 1e-9)
    return pytest.approx(value, abs=(0.5 if whole else 0.05) + 1e-9)


def shown(text: str, language: Language, ratio: bool) -> float:
    """The number a page cell shows; a percentage must say so."""
    if ratio:
        assert "%" in text or "٪" in text, text
    return number_in(text, language)


@cache
def regions() -> RegionSet:
    return demo_regions()


@cache
def demo_source(people: int = 20_000) -> SyntheticCaseSource:
    """A small synthetic city (generated once per test process)."""
    return SyntheticCaseSource(regions(), people=people)


def publish(
    session: Session,
    kind: str,
    window: Window = DEMO_WEEK,
    *,
    epsilon: float = 0.5,
    budget: float | None = 4.0,
    granularity: str = "day",
) -> tuple[Release, ...]:
    """Publish a release of the synthetic city into ``session``'s database."""
    request = ReleaseRequest(
        kind=kind,
        window=window,
        epsilon=epsilon,
        granularity="week" if granularity == "week" else "day",
        by_age=False,
        budget=None if budget is None else PrivacyBudget(budget),
    )
    return publish_release(
        session, request, source=demo_source(), pseudonyms=WeeklyPseudonyms(KEK), regions=regions()
    )


@cache
def in_memory(kind: str, granularity: str = "day") -> Release:
    """A release computed without a database (the first table of the kind)."""
    pseudonyms = WeeklyPseudonyms(KEK)
    ledger = InMemoryLedger(PrivacyBudget(10.0))
    source = demo_source()
    if kind == "test_positivity":
        tests = pseudonyms.test_results(source.tests(DEMO_WEEK))
        return release_test_positivity(tests, regions(), DEMO_WEEK, 0.5, ledger)[0]
    cases = pseudonyms.events(source.cases(DEMO_WEEK))
    if kind == "age_bands":
        return release_age_bands(cases, DEMO_WEEK, 0.5, ledger)
    return release_case_counts(
        cases, regions(), DEMO_WEEK, 0.5, ledger, by_age=False,
        granularity="week" if granularity == "week" else "day",
    )  # fmt: skip


def _polygon(path: str) -> list[tuple[float, float]]:
    return [(float(x), float(y)) for x, y in re.findall(r"([\d.]+),([\d.]+)", path)]


def _inside(x: float, y: float, points: list[tuple[float, float]]) -> bool:
    inside = False
    for (x1, y1), (x2, y2) in zip(points, [*points[1:], points[0]], strict=True):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


def test_every_label_sits_inside_its_region() -> None:
    drawn = layout(regions())
    assert [shape.region.id for shape in drawn.shapes] == list(regions().ids)
    for shape in drawn.shapes:
        assert _inside(shape.label_x, shape.label_y, _polygon(shape.path)), shape.region.name
        assert 0 < shape.label_x < drawn.width
        assert 0 < shape.label_y < drawn.height


def _check_rows(view: SliceView, language: Language) -> None:
    release = view.release
    chosen = {
        c.region: c for c in release.cells if c.day == view.day and c.age_band == view.age_band
    }
    assert {row.key for row in view.rows} == set(chosen)
    for row in view.rows:
        cell = chosen[row.key]
        assert row.suppressed == cell.suppressed
        if cell.suppressed:
            assert (row.value, row.low, row.high, row.bar) == (None, None, None, None)
            continue
        assert cell.value is not None
        assert cell.low is not None
        assert cell.high is not None
        assert row.value is not None
        assert row.low is not None
        assert row.high is not None
        ratio = release.kind in formatting.RATIO_KINDS
        assert shown(row.value, language, ratio) == rounded(cell.value, ratio, whole=not ratio)
        assert shown(row.low, language, ratio) == rounded(cell.low, ratio)
        assert shown(row.high, language, ratio) == rounded(cell.high, ratio)
        assert row.bar is not None
        assert row.bar.low <= row.bar.value <= row.bar.high


@pytest.mark.parametrize("language", LANGUAGES, ids=lambda language: language.tag)
def test_map_and_table_share_the_release_numbers(language: Language) -> None:
    release = in_memory("cases")
    view = slice_view(release, regions(), language)
    _check_rows(view, language)
    assert view.map is not None
    assert [region.row for region in view.map.regions] == list(view.rows)  # the same objects
    assert view.day == max(c.day for c in release.cells)
    assert view.total is not None
    assert view.total.key == "all"


def test_spanish_writes_decimal_commas() -> None:
    assert formatting.bound(1234.5, SPANISH) == "1.234,5"
    assert formatting.count(12345, SPANISH) == "12.345"
    assert formatting.count(12345, ENGLISH) == "12,345"
    assert formatting.share(0.1234, SPANISH).startswith("12,3")
    assert formatting.day(date(2026, 1, 5), SPANISH) == "5 ene 2026"


def test_positivity_is_shown_as_percentages() -> None:
    view = slice_view(in_memory("test_positivity"), regions(), ENGLISH)
    _check_rows(view, ENGLISH)
    shown = [row.value for row in view.rows if row.value is not None]
    assert shown
    assert all(value.endswith("%") for value in shown)
    assert view.total is None  # a ratio has no consistent total
    assert view.map is not None
    assert all(entry.low.endswith("%") for entry in view.map.legend)


def _bounds(text: str) -> float:
    return number_in(text, ENGLISH)


@pytest.mark.parametrize("kind", ["cases", "test_positivity"])
def test_legend_names_the_class_of_every_value(kind: str) -> None:
    """Each class is written out as a range; every region's colour is the class its number
    falls in, so a reader who cannot tell the colours apart loses nothing."""
    view = slice_view(in_memory(kind), regions(), ENGLISH)
    assert view.map is not None
    legend = view.map.legend
    assert [entry.colour for entry in legend] == [
        c for c in PALETTE if c in {e.colour for e in legend}
    ]
    assert legend[-1].high is None
    for region in view.map.regions:
        row = region.row
        if row.value is None:
            continue
        value = _bounds(row.value)
        entry = next(e for e in legend if e.colour == row.fill)
        assert _bounds(entry.low) <= value
        if entry.high is not None:
            assert value <= _bounds(entry.high)


def test_weekly_and_city_wide_releases() -> None:
    weekly = slice_view(in_memory("cases", "week"), regions(), ENGLISH)
    assert weekly.days == (DEMO_WEEK.start,)
    bands = slice_view(in_memory("age_bands"), regions(), ENGLISH)
    assert bands.map is None
    assert [row.key for row in bands.rows] == ["0-17", "18-34", "35-49", "50-64", "65+"]
    assert bands.total is not None


def test_a_day_or_band_the_release_lacks_is_refused() -> None:
    release = in_memory("cases")
    with pytest.raises(BadQueryError, match=r"^day:"):
        slice_view(release, regions(), ENGLISH, day=date(2020, 1, 1))
    with pytest.raises(BadQueryError, match=r"^ages:"):
        slice_view(release, regions(), ENGLISH, age_band="18-34")
    first = slice_view(release, regions(), ENGLISH, day=DEMO_WEEK.start)
    assert first.day == DEMO_WEEK.start


TODAY = date(2026, 11, 23)
VALID = {
    "kind": "cases",
    "start": "2026-02-09",
    "end": "2026-02-15",
    "granularity": "day",
    "epsilon": "0.25",
    "budget": "1",
    "contributions": "",
}


def test_a_valid_form() -> None:
    form = release_form.parse(VALID, TODAY)
    assert form.window == DEMO_WEEK
    assert (form.epsilon, form.budget, form.contributions) == (0.25, 1.0, 1)
    request = form.request(week_has_budget=False)
    assert request.budget == PrivacyBudget(1.0)
    assert request.by_age is False
    assert form.request(week_has_budget=True).budget is None
    tests = release_form.parse({**VALID, "kind": "test_positivity", "granularity": ""}, TODAY)
    assert (tests.contributions, tests.granularity) == (3, "week")
    assert release_form.parse(form.values(), TODAY) == form


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("kind", ""),
        ("kind", "positives"),
        ("start", "2026-02-31"),
        ("start", "9 Feb 2026"),
        ("end", "2026-02-08"),  # before the start
        ("end", "2026-02-16"),  # the next ISO week
        ("granularity", "month"),
        ("epsilon", ""),
        ("epsilon", "0"),
        ("epsilon", "-1"),
        ("epsilon", "nan"),
        ("epsilon", "inf"),
        ("epsilon", "1e-3"),
        ("epsilon", "10.5"),
        ("epsilon", "0,5"),
        ("budget", "0"),
        ("budget", "11"),
        ("contributions", "0"),
        ("contributions", "29"),
        ("contributions", "1.5"),
    ],
)
def test_each_bad_field_is_named(name: str, value: str) -> None:
    with pytest.raises(ConsoleInputError) as refused:
        release_form.parse({**VALID, name: value}, TODAY)
    assert refused.value.field == name


def test_a_window_ending_after_today_is_refused() -> None:
    today = date(2026, 2, 12)
    with pytest.raises(ConsoleInputError, match=r"^end: .*after today"):
        release_form.parse(VALID, today)
    assert release_form.parse({**VALID, "end": today.isoformat()}, today).end == today


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(release_form.FIELDS), st.text(max_size=60)))
def test_any_input_is_a_form_or_a_named_refusal(values: dict[str, str]) -> None:
    refusal: ConsoleInputError | None = None
    try:
        form = release_form.parse(values, TODAY)
    except ConsoleInputError as refused:
        refusal = refused
    if refusal is not None:
        assert refusal.field in release_form.FIELDS
    else:
        assert form.kind in release_form.FORM_KINDS
        assert 0 < form.epsilon <= 10


def test_budget_checks() -> None:
    form = release_form.parse(VALID, TODAY)
    release_form.check_budget(form, WeekBudget("2026-W07", None, 0.0))  # sets 1.0
    release_form.check_budget(form, WeekBudget("2026-W07", 1.0, 0.75))  # exactly fits
    with pytest.raises(OverBudgetError, match=r"has only ε = 0\.2 left") as refused:
        release_form.check_budget(form, WeekBudget("2026-W07", 1.0, 0.8))
    assert refused.value.status == 409
    without = release_form.parse({**VALID, "budget": ""}, TODAY)
    with pytest.raises(ConsoleInputError, match=r"^budget:"):
        release_form.check_budget(without, WeekBudget("2026-W07", None, 0.0))


def test_default_window_is_the_latest_week_up_to_today() -> None:
    values = release_form.default_values(date(2026, 3, 29), TODAY)
    assert (values["start"], values["end"]) == ("2026-03-23", "2026-03-29")
    current = release_form.default_values(TODAY, TODAY)
    assert (current["start"], current["end"]) == ("2026-11-23", "2026-11-23")
    assert release_form.default_values(None, TODAY + timedelta(days=2))["start"] == "2026-11-23"
