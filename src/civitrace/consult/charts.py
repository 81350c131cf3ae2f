"""Bar charts of poll results, as SVG (for the HTML summary) and PNG (for the PDF).

Matplotlib's object API only (no pyplot, so no global figure state between requests). The SVG
keeps its text as text (screen readers and search find it) and is deterministic: equal results
give equal bytes. Each chart's element ids are prefixed with its own ``salt``, so several charts
inline in one page never share an id.
"""

import io
import re
import textwrap
from typing import Any, Final

import matplotlib as mpl
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from matplotlib.typing import RcKeyType

from civitrace.consult.polls import PollKind, Results

MAX_BARS: Final = 15  # word clouds show their most frequent words only
LABEL_WIDTH: Final = 32  # characters per label line
BAR_COLOUR: Final = "#1f5fa8"  # 7:1 against white with the white count labels inside bars
_ID: Final = re.compile(r' id="([^"]+)"')
_REFERENCE: Final = re.compile(r'( id="|url\(#|href="#)([^")]+)([")])')
_STYLE: Final[dict[RcKeyType, Any]] = {
    "font.family": "DejaVu Sans",
    "font.size": 10.0,
    "svg.fonttype": "none",
    "axes.spines.top": False,
    "axes.spines.right": False,
}


def _figure(results: Results) -> Figure:
    rows = results.rows[:MAX_BARS] if results.kind is PollKind.WORDCLOUD else results.rows
    labels = [textwrap.fill(row.label, LABEL_WIDTH) or " " for row in rows]
    counts = [row.count for row in rows]
    lines = sum(label.count("\n") + 1 for label in labels)
    figure = Figure(figsize=(6.4, max(1.5, 0.16 * lines + 0.3 * len(rows) + 0.8)))
    axes = figure.add_subplot()
    positions = list(range(len(rows)))
    axes.barh(positions, counts, color=BAR_COLOUR)
    axes.set_yticks(positions, labels)
    axes.invert_yaxis()  # first option on top, as in the table
    highest = max(counts, default=0)
    axes.set_xlim(0, max(1, highest) * 1.15)
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    for position, count in zip(positions, counts, strict=True):
        axes.annotate(
            str(count),
            (count, position),
            xytext=(4, 0),
            textcoords="offset points",
            va="center",
        )
    axes.set_xlabel("votes" if results.kind is not PollKind.WORDCLOUD else "mentions")
    figure.tight_layout()
    return figure


def chart_svg(results: Results, salt: str) -> str:
    """The chart as an ``<svg>`` element (no XML prolog), ready to inline in HTML."""
    with mpl.rc_context({**_STYLE, "svg.hashsalt": salt}):
        figure = _figure(results)
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    document = buffer.getvalue()
    return _scope_ids(document[document.index("<svg") :], salt)


def _scope_ids(svg: str, prefix: str) -> str:
    """Prefix every element id (and every reference to one) with ``prefix``: matplotlib names
    its groups ``figure_1``, ``axes_1``… in every chart, and ids must be unique in a page."""
    ids = set(_ID.findall(svg))

    def scoped(match: re.Match[str]) -> str:
        name = match.group(2)
        return f"{match.group(1)}{prefix}-{name}{match.group(3)}" if name in ids else match.group(0)

    return _REFERENCE.sub(scoped, svg)


def chart_png(results: Results, dpi: int = 150) -> bytes:
    """The chart as a PNG image."""
    with mpl.rc_context(_STYLE):
        figure = _figure(results)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
    return buffer.getvalue()
