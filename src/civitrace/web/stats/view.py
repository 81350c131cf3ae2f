"""One slice of a published release, ready to draw: the map's regions, its legend, the table's
rows with their intervals and error bars, all with the numbers formatted once.

The map and the table are built from the same :class:`Row` objects, so they cannot disagree;
both hold exactly the stored release's numbers (formatted for the page's language), never
anything recomputed. Text around the numbers is the template's job (it translates).
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Final

from civitrace.analytics.choropleth import PALETTE, class_breaks, colour_for, layout
from civitrace.analytics.constants import AGE_BANDS, ALL_AGES, ALL_REGIONS
from civitrace.analytics.model import Cell, Release
from civitrace.analytics.regions import RegionSet
from civitrace.web.i18n import Language
from civitrace.web.stats import formatting
from civitrace.web.stats.errors import BadQueryError

PER_MILLE: Final = 1000  # shares are binned in tenths of a percent
BAR_WIDTH: Final = 100  # viewBox width of a row's error bar
BAR_MARGIN: Final = 4  # keeps the whiskers' caps inside the box
SUPPRESSED_FILL: Final = "url(#stats-hatch)"  # the map's hatch pattern (defined in the SVG)
NO_DATA_FILL: Final = "#ffffff"
INK: Final = "#1a1a1a"  # the page's text colour (civitrace.css --ink), used for light fills
CITY_WIDE_KINDS: Final = frozenset({"age_bands"})  # one city-wide row per age band: no map
BAND_ORDER: Final = (*AGE_BANDS, ALL_AGES)


@dataclass(frozen=True)
class ErrorBar:
    """A row's interval drawn in a ``BAR_WIDTH`` wide box: whiskers from low to high, a dot at
    the value."""

    low: float
    high: float
    value: float


@dataclass(frozen=True)
class Row:
    """One region (or age band) of the slice; numbers are ``None`` when suppressed."""

    key: str  # region id, or age band for city-wide kinds
    name: str
    value: str | None
    low: str | None
    high: str | None
    suppressed: bool
    fill: str  # the map colour (or the hatch of suppressed cells)
    bar: ErrorBar | None


@dataclass(frozen=True)
class MapRegion:
    """A region on the map, with the same row the table shows for it."""

    row: Row
    path: str
    label_x: float
    label_y: float
    dark: bool  # the fill is dark: the label needs light text


@dataclass(frozen=True)
class LegendEntry:
    """One colour class: its swatch and its range (``high`` is ``None`` for "or more")."""

    colour: str
    low: str
    high: str | None


@dataclass(frozen=True)
class MapView:
    width: int
    height: int
    regions: tuple[MapRegion, ...]
    legend: tuple[LegendEntry, ...]
    has_suppressed: bool
    has_missing: bool


@dataclass(frozen=True)
class SliceView:
    """What the page shows of one release: the chosen day and age band, and their numbers."""

    release: Release
    day: date
    age_band: str
    days: tuple[date, ...]
    bands: tuple[str, ...]
    rows: tuple[Row, ...]
    total: Row | None
    map: MapView | None


def _days(release: Release) -> tuple[date, ...]:
    return tuple(sorted({c.day for c in release.cells}))


def _bands(release: Release) -> tuple[str, ...]:
    found = {c.age_band for c in release.cells}
    return tuple(sorted(found, key=_band_key))


def choose(
    release: Release, day: date | None, age_band: str | None
) -> tuple[date, str, tuple[date, ...], tuple[str, ...]]:
    """The day and band to show (by default the latest day and all ages, else the first band),
    refusing ones the release does not have."""
    days, bands = _days(release), _bands(release)
    if not days:
        raise BadQueryError("release: this release has no cells")
    if day is None:
        day = days[-1]
    elif day not in days:
        raise BadQueryError(f"day: the release has no cells for {day.isoformat()}")
    if release.kind in CITY_WIDE_KINDS:
        return day, ALL_AGES, days, bands
    if age_band is None:
        age_band = ALL_AGES if ALL_AGES in bands else bands[0]
    elif age_band not in bands:
        raise BadQueryError(f"ages: the release has no age band {age_band!r}")
    return day, age_band, days, bands


def _bar(cell: Cell, top: float) -> ErrorBar | None:
    if cell.suppressed or cell.value is None or cell.low is None or cell.high is None:
        return None
    span = BAR_WIDTH - 2 * BAR_MARGIN

    def x(value: float) -> float:
        return round(BAR_MARGIN + span * min(max(value / top, 0.0), 1.0), 1)

    return ErrorBar(x(cell.low), x(cell.high), x(cell.value))


def _legend(kind: str, breaks: Sequence[float], language: Language) -> tuple[LegendEntry, ...]:
    """The colour classes with their ranges written out, so no one needs to tell colours apart:
    whole numbers for counts (``0`` to ``49``), tenths of a percent for shares."""
    ratio = kind in formatting.RATIO_KINDS
    unit = 0.001 if ratio else 1.0
    edges = [0.0, *breaks]
    entries: list[LegendEntry] = []
    for index, colour in enumerate(PALETTE):
        low = edges[index] if ratio else math.ceil(edges[index])
        if index == len(PALETTE) - 1:
            entries.append(LegendEntry(colour, formatting.value_of(kind, low, language), None))
            break
        high = breaks[index] - unit if ratio else math.ceil(breaks[index]) - 1
        if high >= low:
            entries.append(
                LegendEntry(
                    colour,
                    formatting.value_of(kind, low, language),
                    formatting.value_of(kind, high, language),
                )
            )
    return tuple(entries)


def _luminance(colour: str) -> float:
    """WCAG relative luminance of ``#rrggbb``."""

    def linear(channel: float) -> float:
        return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4

    red, green, blue = (linear(int(colour[i : i + 2], 16) / 255) for i in (1, 3, 5))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def _is_dark(colour: str) -> bool:
    """Whether white labels contrast more with ``colour`` than the page's ink does."""
    background = _luminance(colour)
    on_white = 1.05 / (background + 0.05)
    on_ink = (background + 0.05) / (_luminance(INK) + 0.05)
    return on_white > on_ink


def _breaks(kind: str, values: Sequence[float]) -> tuple[float, ...]:
    """Colour class limits: for shares, computed in tenths of a percent so that they fall on
    round percentages (9 %, 18 %, …) as counts fall on round numbers."""
    if kind not in formatting.RATIO_KINDS:
        return tuple(class_breaks(values))
    return tuple(limit / PER_MILLE for limit in class_breaks([v * PER_MILLE for v in values]))


def _band_key(band: str) -> int:
    return BAND_ORDER.index(band) if band in BAND_ORDER else len(BAND_ORDER)


@dataclass(frozen=True)
class _Scale:
    """How one slice's values are coloured and its error bars scaled."""

    kind: str
    language: Language
    breaks: tuple[float, ...]
    positive: bool  # some published value is above 0 (else every class would be empty)
    top: float  # the largest interval end: the right end of every error bar

    @classmethod
    def of(cls, kind: str, cells: Sequence[Cell], language: Language) -> "_Scale":
        shown = [c for c in cells if not c.suppressed and c.value is not None]
        values = [c.value for c in shown if c.value is not None]
        ends = [c.high if c.high is not None else (c.value or 0.0) for c in shown]
        top = max(ends, default=0.0)
        return cls(
            kind,
            language,
            _breaks(kind, values),
            any(v > 0 for v in values),
            top if top > 0 else 1.0,
        )

    def fill(self, cell: Cell) -> str:
        if cell.value is None:
            return NO_DATA_FILL
        return colour_for(cell.value, self.breaks) if self.positive else PALETTE[0]

    def row(self, key: str, name: str, cell: Cell | None) -> Row:
        if cell is None:
            return Row(key, name, None, None, None, False, NO_DATA_FILL, None)
        if cell.suppressed or cell.value is None:
            return Row(key, name, None, None, None, True, SUPPRESSED_FILL, None)
        kind, language = self.kind, self.language
        return Row(
            key,
            name,
            formatting.value_of(kind, cell.value, language),
            None if cell.low is None else formatting.bound_of(kind, cell.low, language),
            None if cell.high is None else formatting.bound_of(kind, cell.high, language),
            False,
            self.fill(cell),
            _bar(cell, self.top),
        )

    def legend(self) -> tuple[LegendEntry, ...]:
        if not self.positive:
            zero = formatting.value_of(self.kind, 0.0, self.language)
            return (LegendEntry(PALETTE[0], zero, zero),)
        return _legend(self.kind, self.breaks, self.language)


def _map(rows: dict[str, Row], regions: RegionSet, scale: _Scale) -> MapView:
    drawn = layout(regions)
    shown = [
        MapRegion(
            rows[shape.region.id],
            shape.path,
            shape.label_x,
            shape.label_y,
            rows[shape.region.id].fill in PALETTE and _is_dark(rows[shape.region.id].fill),
        )
        for shape in drawn.shapes
    ]
    any_value = any(r.value is not None for r in rows.values())
    return MapView(
        drawn.width,
        drawn.height,
        tuple(shown),
        scale.legend() if any_value else (),
        any(r.suppressed for r in rows.values()),
        any(r.value is None and not r.suppressed for r in rows.values()),
    )


def slice_view(
    release: Release,
    regions: RegionSet,
    language: Language,
    day: date | None = None,
    age_band: str | None = None,
) -> SliceView:
    """The rows, total and map of one day and age band of ``release``."""
    day, age_band, days, bands = choose(release, day, age_band)
    city_wide = release.kind in CITY_WIDE_KINDS
    chosen = [c for c in release.cells if c.day == day and (city_wide or c.age_band == age_band)]
    scale = _Scale.of(release.kind, chosen, language)
    total_cell = _total(release, day, age_band)
    total = None if total_cell is None else scale.row(ALL_REGIONS, ALL_REGIONS, total_cell)
    if city_wide:
        by_band = {c.age_band: c for c in chosen}
        rows = tuple(scale.row(b, b, by_band[b]) for b in sorted(by_band, key=_band_key))
        return SliceView(release, day, age_band, days, bands, rows, total, None)
    by_region = {c.region: c for c in chosen}
    mapped = {r.id: scale.row(r.id, r.name, by_region.get(r.id)) for r in regions}
    unmapped = tuple(  # cells of regions the region file lacks: listed, not drawn
        scale.row(c.region, c.region, c)
        for c in chosen
        if c.region not in mapped and c.region != ALL_REGIONS
    )
    rows = (*mapped.values(), *unmapped)
    return SliceView(release, day, age_band, days, bands, rows, total, _map(mapped, regions, scale))


def _total(release: Release, day: date, age_band: str) -> Cell | None:
    """The published total of the slice (all regions; for age bands, all ages)."""
    for cell in release.totals:
        if cell.day == day and cell.age_band == age_band and cell.region == ALL_REGIONS:
            return cell
    return None
