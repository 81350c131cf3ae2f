"""The summary as a PDF (fpdf2), with the same sections, tables and charts as the HTML page.

The text is set in DejaVu Sans, embedded. DejaVu covers Latin, Greek, Cyrillic, Armenian,
Georgian, Hebrew and Arabic letters and more, but fpdf2 shapes no text without HarfBuzz, so
right-to-left and joined scripts come out as separate letters, and characters the font lacks
(Chinese, Japanese, Korean…) are printed as U+FFFD. The HTML summary shows every text exactly;
the PDF is the printable companion. Equal summaries give equal bytes.
"""

import io
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Final

from fpdf import FPDF
from fpdf.fonts import FontFace, TTFFont

from civitrace.consult._fonts import find_fonts
from civitrace.consult.charts import chart_png
from civitrace.consult.polls import PollKind
from civitrace.consult.render_html import KIND_NAMES
from civitrace.consult.summary import Summary

FAMILY: Final = "dejavu"
REPLACEMENT: Final = "\ufffd"
_FIXED_DATE: Final = datetime(2020, 1, 1, tzinfo=UTC)  # no build time in the file
_MARGIN: Final = 18.0  # mm
_HEADINGS: Final = FontFace(emphasis="BOLD", fill_color=(230, 230, 230))


def _cmap(pdf: FPDF, key: str) -> frozenset[int]:
    font = pdf.fonts[key]
    assert isinstance(font, TTFFont)
    return frozenset(font.cmap)


class _SummaryPdf(FPDF):
    def __init__(self) -> None:
        super().__init__(format="A4")
        fonts = find_fonts()
        self.add_font(FAMILY, "", str(fonts.regular))
        self.add_font(FAMILY, "B", str(fonts.bold))
        self._drawable = _cmap(self, FAMILY) & _cmap(self, f"{FAMILY}B")
        self.set_margins(_MARGIN, _MARGIN, _MARGIN)
        self.set_auto_page_break(auto=True, margin=_MARGIN)
        self.set_creation_date(_FIXED_DATE)
        self.set_font(FAMILY, size=10)

    def clean(self, text: str) -> str:
        """``text`` with every character the font cannot draw replaced by U+FFFD."""
        return "".join(
            char if char == "\n" or ord(char) in self._drawable else REPLACEMENT for char in text
        )

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FAMILY, size=8)
        self.cell(0, 5, f"{self.page_no()}", align="C")

    def heading(self, text: str, size: float) -> None:
        self.set_font(FAMILY, "B", size)
        self.multi_cell(0, size * 0.5, self.clean(text), new_x="LMARGIN", new_y="NEXT")
        self.ln(1.5)
        self.set_font(FAMILY, size=10)

    def paragraph(self, text: str, size: float = 10) -> None:
        self.set_font(FAMILY, size=size)
        self.multi_cell(0, 5, self.clean(text), new_x="LMARGIN", new_y="NEXT")
        self.ln(2)

    def rows(
        self, header: tuple[str, ...], body: Sequence[tuple[str, ...]], widths: tuple[int, ...]
    ) -> None:
        self.set_font(FAMILY, size=9.5)
        aligns = tuple(
            "RIGHT" if index > 0 and width < 30 else "LEFT" for index, width in enumerate(widths)
        )
        with self.table(
            col_widths=widths, text_align=aligns, headings_style=_HEADINGS, line_height=5.5
        ) as table:
            for line in (header, *body):
                row = table.row()
                for cell in line:
                    row.cell(self.clean(cell))
        self.ln(3)


def render_pdf(summary: Summary) -> bytes:
    """The summary as PDF bytes."""
    pdf = _SummaryPdf()
    pdf.set_title(pdf.clean(f"Summary: {summary.session_title}"))
    pdf.add_page()
    pdf.heading(summary.session_title, 16)
    proposal = f" · Proposal {summary.proposal_id}" if summary.proposal_id is not None else ""
    pdf.paragraph(
        f"Consultation: {summary.consultation_title}{proposal} · Held "
        f"{summary.held_at:%Y-%m-%d} · Summary published {summary.published_at:%Y-%m-%d %H:%M} UTC",
        9,
    )
    pdf.heading("Who took part", 13)
    pdf.paragraph(
        f"{summary.participant_total} participants at {summary.table_count} tables, "
        "by stakeholder group"
    )
    pdf.rows(
        ("Stakeholder group", "Participants"),
        [(group.label, str(count)) for group, count in summary.participants],
        (90, 28),
    )
    pdf.heading("Polls", 13)
    if not summary.polls:
        pdf.paragraph("No poll was held.")
    for index, poll in enumerate(summary.polls, start=1):
        results = poll.results
        pdf.heading(f"{index}. {poll.question}", 11)
        mean = f" · mean {results.mean:.2f}" if results.mean is not None else ""
        pdf.paragraph(
            f"{KIND_NAMES[results.kind].capitalize()} · {results.ballots} ballots{mean}", 9
        )
        column = {PollKind.WORDCLOUD: "Word", PollKind.SCALE: "Value"}.get(results.kind, "Option")
        unit = "Mentions" if results.kind is PollKind.WORDCLOUD else "Votes"
        body = [(row.label, str(row.count)) for row in results.rows] or [("No answers.", "")]
        pdf.rows((column, unit), body, (120, 28))
        pdf.image(io.BytesIO(chart_png(results)), w=150)
        pdf.ln(4)
    pdf.heading("Accepted questions", 13)
    if summary.questions:
        pdf.rows(
            ("Question", "Upvotes", "Answered"),
            [(q.text, str(q.upvotes), "yes" if q.answered else "no") for q in summary.questions],
            (120, 22, 26),
        )
    else:
        pdf.paragraph("No question was accepted.")
    pdf.heading("Table notes", 13)
    if not summary.notes:
        pdf.paragraph("No table notes were taken.")
    for note in summary.notes:
        pdf.heading(f"Table {note.table}", 11)
        pdf.paragraph(note.text)
    return bytes(pdf.output())
