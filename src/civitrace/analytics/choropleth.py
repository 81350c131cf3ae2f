"""A choropleth of one slice of a release (one day or week, one age band) as standalone SVG,
and the same numbers as an HTML table: the accessible alternative of the map.

Pure SVG: the regions' GeoJSON polygons are projected with a local equirectangular projection
(x = lon·cos(φ₀), y = -lat, φ₀ the mid latitude, which keeps shapes true at city scale), no
tiles, no web fonts (``font-family: sans-serif`` lets the reader's system choose). Each region
has a ``<title>`` naming it with its value and interval, so screen readers and hover tooltips
say what the colour means; suppressed regions are hatched and say so.
"""

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from html import escape

from civitrace.analytics.constants import ALL_AGES
from civitrace.analytics.errors import ParameterError
from civitrace.analytics.model import Cell, Release
from civitrace.analytics.regions import Region, RegionSet

WIDTH = 640  # px of the map area; the height follows the regions' aspect ratio
LEGEND_HEIGHT = 56
PALETTE = ("#f1eef6", "#bdc9e1", "#74a9cf", "#2b8cbe", "#045a8d")  # sequential, colour-blind safe
SUPPRESSED_FILL = "url(#suppressed)"
NO_DATA_FILL = "#ffffff"


@dataclass(frozen=True)
class Slice:
    """The cells of one day and age band, one per region (the map and the table show these)."""

    day: date
    age_band: str
    cells: tuple[Cell, ...]


def select(release: Release, day: date | None = None, age_band: str | None = None) -> Slice:
    """The slice to map; by default the latest day and ``all`` ages (else the first band)."""
    days = sorted({c.day for c in release.cells})
    bands = list(dict.fromkeys(c.age_band for c in release.cells))
    if not days:
        raise ParameterError("the release has no cells")
    day = days[-1] if day is None else day
    if age_band is None:
        age_band = ALL_AGES if ALL_AGES in bands else bands[0]
    cells = tuple(c for c in release.cells if c.day == day and c.age_band == age_band)
    if not cells:
        raise ParameterError(f"the release has no cells for {day.isoformat()} / {age_band}")
    return Slice(day, age_band, cells)


def _fmt(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:g}" if isinstance(value, float) and not value.is_integer() else f"{value:.0f}"


def describe(cell: Cell, name: str, confidence: float) -> str:
    """The sentence a region's ``<title>`` and its table row both say."""
    if cell.suppressed:
        return f"{name}: suppressed (too small to tell apart from the noise)"
    return (
        f"{name}: {_fmt(cell.value)} ({confidence:.0%} interval {_fmt(cell.low)}-{_fmt(cell.high)})"
    )


def class_breaks(values: Sequence[float]) -> list[float]:
    """The upper limits (exclusive) of the first ``len(PALETTE) - 1`` colour classes: equal
    steps up to the largest value, the step rounded up to one significant digit for counts."""
    top = max(values, default=0.0)
    if top <= 0:
        return [0.0] * (len(PALETTE) - 1)
    step = top / len(PALETTE)
    magnitude = 10 ** math.floor(math.log10(step)) if step >= 1 else step
    step = math.ceil(step / magnitude) * magnitude
    return [step * (i + 1) for i in range(len(PALETTE) - 1)]


def colour_for(value: float, breaks: Sequence[float]) -> str:
    """The palette colour of ``value`` under ``breaks`` (from :func:`class_breaks`)."""
    for colour, limit in zip(PALETTE, breaks, strict=False):
        if value < limit:
            return colour
    return PALETTE[-1]


@dataclass(frozen=True)
class Shape:
    """One region drawn on the map: its SVG path and where its label goes."""

    region: Region
    path: str  # SVG path data in the layout's coordinates
    label_x: float
    label_y: float


@dataclass(frozen=True)
class Layout:
    """The regions projected into a ``width`` x ``height`` box (10 px margin on each side)."""

    width: int
    height: int
    shapes: tuple[Shape, ...]


def _centroid(points: Sequence[tuple[float, float]]) -> tuple[float, float]:
    """The area centroid of a closed ring (its vertex mean when the ring is degenerate)."""
    area = cx = cy = 0.0
    for (x1, y1), (x2, y2) in itertools.pairwise(points):
        cross = x1 * y2 - x2 * y1
        area += cross
        cx += (x1 + x2) * cross
        cy += (y1 + y2) * cross
    if abs(area) < 1e-9:
        return (
            sum(x for x, _ in points) / len(points),
            sum(y for _, y in points) / len(points),
        )
    return cx / (3 * area), cy / (3 * area)


def _ring_area(points: Sequence[tuple[float, float]]) -> float:
    return abs(sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in itertools.pairwise(points)))


def layout(regions: RegionSet, width: int = WIDTH) -> Layout:
    """Project the regions (local equirectangular, north up) for drawing; each label sits at
    the centroid of the region's largest ring."""
    west, south, east, north = regions.bounds()
    kx = math.cos(math.radians((south + north) / 2))
    span_x, span_y = max((east - west) * kx, 1e-9), max(north - south, 1e-9)
    scale = (width - 20) / span_x
    height = round(span_y * scale) + 20

    def project(lon: float, lat: float) -> tuple[float, float]:
        return 10 + (lon - west) * kx * scale, 10 + (north - lat) * scale

    shapes = []
    for region in regions:
        rings = [[project(*p) for p in ring] for ring in region.rings]
        path = " ".join(
            "M " + " L ".join(f"{x:.1f},{y:.1f}" for x, y in ring[:-1]) + " Z" for ring in rings
        )
        label_x, label_y = _centroid(max(rings, key=_ring_area))
        shapes.append(Shape(region, path, round(label_x, 1), round(label_y, 1)))
    return Layout(width, height, tuple(shapes))


def _title(release: Release, chosen: Slice) -> str:
    period = "week of " if release.granularity == "week" else ""
    ages = "all ages" if chosen.age_band == ALL_AGES else f"ages {chosen.age_band}"
    return (
        f"{release.kind.replace('_', ' ').capitalize()}, {period}{chosen.day.isoformat()}, {ages}"
    )


def render_svg(
    release: Release, regions: RegionSet, day: date | None = None, age_band: str | None = None
) -> str:
    """A standalone SVG document mapping one slice of the release."""
    chosen = select(release, day, age_band)
    by_region = {c.region: c for c in chosen.cells}
    drawn = layout(regions)
    height = drawn.height
    values = [c.value for c in chosen.cells if c.value is not None]
    breaks = class_breaks(values)
    title = escape(_title(release, chosen))
    desc = escape(
        f"Differentially private {release.kind.replace('_', ' ')} per region"
        f" (ε={release.epsilon:g},"
        f" δ={release.delta:g}, {release.mechanism}); each region's title gives its"
        f" {release.confidence:.0%} interval. A table with the same numbers accompanies the map."
    )
    total_height = height + LEGEND_HEIGHT
    out = [
        '<svg xmlns="http://www.w3.org/2000/svg" version="1.1"'
        f' viewBox="0 0 {WIDTH} {total_height}" width="{WIDTH}" height="{total_height}"'
        ' role="img" aria-labelledby="map-title map-desc">',
        f'<title id="map-title">{title}</title>',
        f'<desc id="map-desc">{desc}</desc>',
        '<defs><pattern id="suppressed" width="6" height="6" patternUnits="userSpaceOnUse"'
        ' patternTransform="rotate(45)"><rect width="6" height="6" fill="#eeeeee"/>'
        '<line x1="0" y1="0" x2="0" y2="6" stroke="#999999" stroke-width="2"/></pattern></defs>',
        '<g class="regions" stroke="#333333" stroke-width="1" stroke-linejoin="round">',
    ]
    for shape in drawn.shapes:
        region = shape.region
        cell = by_region.get(region.id)
        if cell is None:
            fill, label = NO_DATA_FILL, f"{region.name}: no data"
        elif cell.suppressed or cell.value is None:
            fill, label = SUPPRESSED_FILL, describe(cell, region.name, release.confidence)
        else:
            fill, label = (
                colour_for(cell.value, breaks),
                describe(cell, region.name, release.confidence),
            )
        out.append(
            f'<path d="{shape.path}" fill="{fill}" fill-rule="evenodd"'
            f' data-region="{escape(region.id)}"><title>{escape(label)}</title></path>'
        )
    out.append("</g>")
    out.append(
        f'<g class="legend" transform="translate(10,{height + 8})"'
        ' font-family="sans-serif" font-size="11" fill="#222222">'
    )
    lows = [0.0, *breaks]
    for i, colour in enumerate(PALETTE):
        upper = f"-{_fmt(breaks[i])}" if i < len(breaks) else "+"
        out.append(
            f'<rect x="{i * 88}" y="0" width="20" height="14" fill="{colour}" stroke="#333333"/>'
            f'<text x="{i * 88 + 24}" y="11">{_fmt(lows[i])}{escape(upper)}</text>'
        )
    out.append(
        f'<rect x="{len(PALETTE) * 88}" y="0" width="20" height="14" fill="{SUPPRESSED_FILL}"'
        ' stroke="#333333"/>'
        f'<text x="{len(PALETTE) * 88 + 24}" y="11">suppressed</text>'
        f'<text x="0" y="34">{escape(f"ε = {release.epsilon:g}, δ = {release.delta:g}")};'
        f" values ≤ {_fmt(release.suppression_threshold)} suppressed.</text>"
    )
    out.append("</g></svg>")
    return "\n".join(out) + "\n"


def render_table(
    release: Release, regions: RegionSet, day: date | None = None, age_band: str | None = None
) -> str:
    """An HTML table (a fragment) with the map's numbers, intervals, ε and δ."""
    chosen = select(release, day, age_band)
    by_region = {c.region: c for c in chosen.cells}
    caption = escape(
        f"{_title(release, chosen)}. Differential privacy: ε = {release.epsilon:g},"
        f" δ = {release.delta:g} ({release.mechanism}). Intervals cover"
        f" {release.confidence:.0%}; values at or below"
        f" {_fmt(release.suppression_threshold)} are suppressed."
    )
    rows = []
    for region in regions:
        cell = by_region.get(region.id)
        if cell is None:
            value, low, high, status = "-", "-", "-", "no data"
        else:
            value, low, high = _fmt(cell.value), _fmt(cell.low), _fmt(cell.high)
            status = "suppressed" if cell.suppressed else "published"
        rows.append(
            f'<tr data-region="{escape(region.id)}"><th scope="row">{escape(region.name)}</th>'
            f"<td>{value}</td><td>{low}</td><td>{high}</td><td>{status}</td></tr>"
        )
    return (
        '<table class="dp-release">\n'
        f"<caption>{caption}</caption>\n"
        '<thead><tr><th scope="col">Region</th><th scope="col">Value</th>'
        f'<th scope="col">{release.confidence:.0%} low</th>'
        f'<th scope="col">{release.confidence:.0%} high</th>'
        '<th scope="col">Status</th></tr></thead>\n<tbody>\n'
        + "\n".join(rows)
        + "\n</tbody>\n</table>\n"
    )
