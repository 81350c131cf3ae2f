"""The summary as one self-contained HTML page (Jinja2): inline styles, inline SVG charts.

No script, no font or image fetched from anywhere, so the file can be published, mailed or
archived as is. Every chart has its numbers next to it in a table, which is what screen readers
and the accessibility checks read; the chart itself is marked as an image with a text label.
"""

from typing import Final

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from civitrace.consult.charts import chart_svg
from civitrace.consult.polls import PollKind
from civitrace.consult.summary import Summary

TEMPLATE: Final = "summary.html"

_environment = Environment(
    loader=PackageLoader("civitrace.consult", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)

KIND_NAMES: Final = {
    PollKind.SINGLE: "single choice",
    PollKind.MULTIPLE: "multiple choice",
    PollKind.SCALE: "scale",
    PollKind.WORDCLOUD: "word cloud",
}


def render_html(summary: Summary) -> str:
    """The summary page; equal summaries give equal text."""
    charts = [
        Markup(chart_svg(poll.results, salt=f"poll-{index}"))  # noqa: S704 - matplotlib escapes
        for index, poll in enumerate(summary.polls)
    ]
    return _environment.get_template(TEMPLATE).render(
        summary=summary, charts=charts, kind_names=KIND_NAMES
    )
