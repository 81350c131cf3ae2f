"""Printable venue posters (SVG and PDF, A4 and Letter) with the check-in QR code.

segno makes the QR code: in the SVG it is segno's own vector path, in the PDF the same
module matrix drawn as filled rectangles. One layout, measured with the embedded DejaVu Sans
metrics, is rendered to both formats, so they look alike. Text that the font cannot draw, or
that needs shaping (Arabic script, for example), is refused with a :class:`PosterError`.
"""

import datetime as dt
import html
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import segno
from fpdf import FPDF
from fpdf.fonts import TTFFont

from civitrace.presence._fonts import FONT_FAMILY, PosterFonts, find_fonts
from civitrace.presence.errors import PosterError
from civitrace.presence.payload import Venue
from civitrace.presence.poster_text import POSTER_TEXTS, PosterText

PT_TO_MM = 25.4 / 72
QR_ERROR_LEVEL = "m"  # 15 % of the code may be damaged or dirty and it still scans
QR_BORDER_MODULES = 4  # the quiet zone the QR specification requires
MAX_LANGUAGES = 6  # more do not fit legibly beside a scannable code on one page
MIN_TEXT_PT = 8.0
_FIXED_DATE = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)  # equal input gives equal PDF bytes


class Paper(StrEnum):
    A4 = "a4"
    LETTER = "letter"

    @property
    def size_mm(self) -> tuple[float, float]:
        return (210.0, 297.0) if self is Paper.A4 else (215.9, 279.4)


@dataclass(frozen=True, slots=True)
class _Line:
    text: str
    y: float  # baseline, mm from the top
    size_pt: float
    bold: bool
    width: float  # mm, measured with the font


@dataclass(frozen=True, slots=True)
class _Layout:
    width: float
    height: float
    lines: tuple[_Line, ...]
    qr_x: float
    qr_y: float
    qr_size: float  # mm, including the quiet zone


def qr_code(url: str) -> segno.QRCode:
    """The QR code of a check-in URL, always the same for the same URL."""
    return segno.make(url, error=QR_ERROR_LEVEL, micro=False, boost_error=False)


def texts_for(languages: Sequence[str]) -> list[PosterText]:
    """The poster texts for ``languages``, or a :class:`PosterError` naming the problem."""
    if not languages:
        raise PosterError("choose at least one language for the poster")
    if len(languages) > MAX_LANGUAGES:
        raise PosterError(f"a poster holds at most {MAX_LANGUAGES} languages")
    texts = []
    for code in languages:
        text = POSTER_TEXTS.get(code.strip())
        if text is None:
            known = ", ".join(POSTER_TEXTS)
            raise PosterError(f"no poster text for language {code!r}; available: {known}")
        if text.needs_shaping:
            raise PosterError(
                f"language {code!r} needs text shaping (joined or right-to-left script), "
                "which the poster renderer cannot do; it would print broken letters"
            )
        texts.append(text)
    return texts


class _Measure:
    """DejaVu Sans metrics and glyph coverage, through fpdf2's font loader."""

    def __init__(self, fonts: PosterFonts, paper: Paper) -> None:
        self.pdf = FPDF(unit="mm", format=paper.size_mm)
        self.pdf.add_font(FONT_FAMILY, "", str(fonts.regular))
        self.pdf.add_font(FONT_FAMILY, "B", str(fonts.bold))
        self.pdf.set_font(FONT_FAMILY, "", 12)
        font = self.pdf.current_font
        if not isinstance(font, TTFFont):  # pragma: no cover - add_font always gives one
            raise PosterError("the poster font is not a TrueType font")
        self.cmap = font.cmap

    def close(self) -> None:
        """Close the font files fontTools keeps open (it reads glyphs lazily)."""
        for font in self.pdf.fonts.values():
            if isinstance(font, TTFFont):
                font.ttfont.close()

    def check_drawable(self, text: str, what: str) -> None:
        missing = sorted({c for c in text if not c.isspace() and ord(c) not in self.cmap})
        if missing:
            shown = "".join(missing[:8])
            raise PosterError(
                f"the {what} has characters the poster font ({FONT_FAMILY}) cannot draw: {shown!r}"
            )

    def width(self, text: str, size_pt: float, bold: bool) -> float:
        self.pdf.set_font(FONT_FAMILY, "B" if bold else "", size_pt)
        return float(self.pdf.get_string_width(text))

    def wrap(self, text: str, size_pt: float, bold: bool, max_width: float) -> list[str]:
        """Greedy word wrap; a word longer than a line is broken by characters."""
        lines: list[str] = []
        current = ""
        for word in text.split():
            candidate = f"{current} {word}" if current else word
            if self.width(candidate, size_pt, bold) <= max_width:
                current = candidate
                continue
            if current:
                lines.append(current)
            current = ""
            for char in word:
                if current and self.width(current + char, size_pt, bold) > max_width:
                    lines.append(current)
                    current = ""
                current += char
        if current:
            lines.append(current)
        return lines


def _layout(venue: Venue, texts: Sequence[PosterText], paper: Paper, measure: _Measure) -> _Layout:
    width, height = paper.size_mm
    margin = 15.0
    text_width = width - 2 * margin
    location = venue.payload.location

    def block(scale: float) -> tuple[list[_Line], float, float]:
        lines: list[_Line] = []
        y = margin

        def add(text: str, size: float, bold: bool, gap_after: float = 0.0) -> None:
            nonlocal y
            size *= scale
            for piece in measure.wrap(text, size, bold, text_width):
                y += size * PT_TO_MM * 1.25
                lines.append(_Line(piece, y, size, bold, measure.width(piece, size, bold)))
            y += gap_after

        add(texts[0].heading, 30, True, 4)
        add(location.description, 22, True, 1)
        add(location.address, 14, False, 4)
        qr_top = y
        qr_size = min(text_width, 120.0 * scale)
        y += qr_size + 4
        for text in texts:
            if text is not texts[0]:
                add(text.heading, 13, True)
            add(text.body, 11, False, 3)
        return lines, qr_top, qr_size

    scale = 1.0
    while True:
        lines, qr_top, qr_size = block(scale)
        fits = lines[-1].y + margin <= height
        if fits or 11 * scale * 0.9 < MIN_TEXT_PT:
            break
        scale *= 0.9
    if not fits:
        raise PosterError("the poster text does not fit on one page; choose fewer languages")
    return _Layout(width, height, tuple(lines), (width - qr_size) / 2, qr_top, qr_size)


def _prepare(
    venue: Venue, languages: Sequence[str], paper: Paper, host: str, fonts: PosterFonts | None
) -> tuple[_Layout, segno.QRCode, str, _Measure]:
    from civitrace.presence.url import check_in_url  # noqa: PLC0415 - keeps imports one-way

    texts = texts_for(languages)
    url = check_in_url(venue.raw, host)
    measure = _Measure(fonts or find_fonts(), Paper(paper))
    try:
        location = venue.payload.location
        measure.check_drawable(location.description, "venue name")
        measure.check_drawable(location.address, "venue address")
        for text in texts:
            measure.check_drawable(text.heading + text.body, f"{text.language} text")
        layout = _layout(venue, texts, Paper(paper), measure)
    except BaseException:
        measure.close()
        raise
    return layout, qr_code(url), url, measure


def _runs(code: segno.QRCode) -> Iterator[tuple[int, int, int]]:
    """(row, first column, length) of each horizontal run of dark modules, quiet zone
    included in the coordinates."""
    for row, values in enumerate(code.matrix_iter(scale=1, border=QR_BORDER_MODULES)):
        start = None
        for column, dark in enumerate([*values, 0]):
            if dark and start is None:
                start = column
            elif not dark and start is not None:
                yield row, start, column - start
                start = None


def render_svg(
    venue: Venue,
    languages: Sequence[str],
    paper: Paper = Paper.A4,
    *,
    host: str,
    fonts: PosterFonts | None = None,
) -> str:
    """The poster as an SVG document sized in millimetres."""
    layout, code, url, measure = _prepare(venue, languages, paper, host, fonts)
    measure.close()
    qr_svg = code.svg_inline(
        border=QR_BORDER_MODULES, omitsize=True, svgclass="qr", lineclass="qr-modules"
    )
    qr_svg = qr_svg.replace(
        "<svg ",
        f'<svg x="{layout.qr_x:.2f}" y="{layout.qr_y:.2f}" width="{layout.qr_size:.2f}" '
        f'height="{layout.qr_size:.2f}" ',
        1,
    )
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{layout.width}mm" '
        f'height="{layout.height}mm" viewBox="0 0 {layout.width} {layout.height}" '
        f'lang="{html.escape(languages[0])}">',
        f"<title>{html.escape(venue.payload.location.description)}</title>",
        f"<desc>Check-in QR code for {html.escape(url)}</desc>",
        f'<rect width="{layout.width}" height="{layout.height}" fill="#fff"/>',
        qr_svg,
    ]
    for line in layout.lines:
        weight = ' font-weight="bold"' if line.bold else ""
        parts.append(
            f'<text x="{layout.width / 2:.2f}" y="{line.y:.2f}" text-anchor="middle" '
            f'font-family="\'{FONT_FAMILY}\', sans-serif" font-size="{line.size_pt * PT_TO_MM:.3f}"'
            f'{weight} fill="#000">{html.escape(line.text)}</text>'
        )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def render_pdf(
    venue: Venue,
    languages: Sequence[str],
    paper: Paper = Paper.A4,
    *,
    host: str,
    fonts: PosterFonts | None = None,
) -> bytes:
    """The poster as a one-page PDF with the font embedded (subset)."""
    layout, code, url, measure = _prepare(venue, languages, paper, host, fonts)
    try:
        return _draw_pdf(
            venue, languages=languages, layout=layout, code=code, url=url, pdf=measure.pdf
        )
    finally:
        measure.close()


def _draw_pdf(
    venue: Venue,
    *,
    languages: Sequence[str],
    layout: _Layout,
    code: segno.QRCode,
    url: str,
    pdf: FPDF,
) -> bytes:
    pdf.set_creation_date(_FIXED_DATE)
    pdf.set_title(venue.payload.location.description)
    pdf.set_subject(url)
    pdf.set_creator("civitrace")
    pdf.set_lang(languages[0])
    pdf.set_auto_page_break(auto=False)
    pdf.add_page()
    module = layout.qr_size / code.symbol_size(border=QR_BORDER_MODULES)[0]
    pdf.set_fill_color(0, 0, 0)
    for row, column, length in _runs(code):
        pdf.rect(
            layout.qr_x + column * module,
            layout.qr_y + row * module,
            length * module,
            module,
            style="F",
        )
    for line in layout.lines:
        pdf.set_font(FONT_FAMILY, "B" if line.bold else "", line.size_pt)
        pdf.text((layout.width - line.width) / 2, line.y, line.text)
    return bytes(pdf.output())


def write_poster(
    venue: Venue,
    out: Path,
    languages: Sequence[str],
    paper: Paper = Paper.A4,
    *,
    host: str,
    fonts: PosterFonts | None = None,
) -> None:
    """Write an SVG or PDF poster, chosen by ``out``'s extension."""
    suffix = out.suffix.lower()
    if suffix == ".svg":
        out.write_text(render_svg(venue, languages, paper, host=host, fonts=fonts), "utf-8")
    elif suffix == ".pdf":
        out.write_bytes(render_pdf(venue, languages, paper, host=host, fonts=fonts))
    else:
        raise PosterError(f"a poster is written as .pdf or .svg, not {out.suffix or out.name!r}")
