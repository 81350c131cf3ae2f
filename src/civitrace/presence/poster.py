"""Printable venue posters (SVG and PDF, A4 and Letter) with the check-in QR code, in any script.

segno makes the QR code: in the SVG it is segno's own vector path, in the PDF the same module
matrix drawn as filled rectangles. One layout, measured with the embedded fonts through fpdf2
with HarfBuzz text shaping (so joined Arabic letters and reordered Tamil vowel signs are measured
as printed), is rendered to both formats, so they look alike. Each line is set in the face of
its script (:mod:`civitrace.presence._fonts`), other scripts in it falling back to the other
faces; a character no installed face can draw is refused with a :class:`PosterGlyphError`
rather than printed as a box.
"""

import datetime as dt
import html
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Final

import segno
from fpdf import FPDF
from fpdf.fonts import TTFFont

from civitrace.presence._fonts import (
    Face,
    FontFace,
    PosterFonts,
    face_for_text,
    find_fonts,
    is_right_to_left,
    script_face,
)
from civitrace.presence.errors import PosterError
from civitrace.presence.payload import Venue
from civitrace.presence.poster_text import POSTER_TEXTS, PosterText

PT_TO_MM: Final = 25.4 / 72
QR_ERROR_LEVEL: Final = "m"  # 15 % of the code may be damaged or dirty and it still scans
QR_BORDER_MODULES: Final = 4  # the quiet zone the QR specification requires
MAX_LANGUAGES: Final = 8  # every page language at once still fits, at a smaller size
MIN_TEXT_PT: Final = 8.0
MARGIN_MM: Final = 15.0
LINE_HEIGHT: Final = 1.25  # times the font size
_FIXED_DATE: Final = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)  # equal input gives equal PDF bytes
# A line may not start with closing punctuation nor end with opening punctuation (CJK rules).
_NO_BREAK_BEFORE: Final = frozenset("，。、；：！？）」』】〉》…‥・,.;:!?)]}%")  # noqa: RUF001
_NO_BREAK_AFTER: Final = frozenset("（「『【〈《([{")  # noqa: RUF001


class PosterLanguageError(PosterError):
    """No language, too many, or one without a poster text."""


class PosterGlyphError(PosterError):
    """A text holds characters that no installed font can draw; ``subject`` says which text
    (``description``, ``address`` or a language tag)."""

    def __init__(self, subject: str, message: str) -> None:
        super().__init__(message)
        self.subject = subject


class PosterFitError(PosterError):
    """The texts do not fit on one page even at the smallest legible size."""


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
    face: Face
    lang: str | None  # BCP 47 tag of the line's language; None for the venue's own text
    rtl: bool


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
    """The poster texts for ``languages``, or a :class:`PosterLanguageError` naming the problem."""
    if not languages:
        raise PosterLanguageError("choose at least one language for the poster")
    if len(languages) > MAX_LANGUAGES:
        raise PosterLanguageError(f"a poster holds at most {MAX_LANGUAGES} languages")
    texts: list[PosterText] = []
    for code in languages:
        text = POSTER_TEXTS.get(code.strip())
        if text is None:
            known = ", ".join(POSTER_TEXTS)
            raise PosterLanguageError(f"no poster text for language {code!r}; available: {known}")
        if text in texts:
            raise PosterLanguageError(f"language {code!r} is chosen twice")
        texts.append(text)
    return texts


def _han_face(texts: Sequence[PosterText]) -> Face:
    """Han characters of the venue's own text take the forms of the first Chinese or Korean
    language chosen (Simplified Chinese forms when there is none)."""
    for text in texts:
        if text.face in {Face.CJK_SC, Face.CJK_TC, Face.CJK_KR}:
            return text.face
    return Face.CJK_SC


def _clusters(word: str) -> list[str]:
    """``word`` cut where a line may break: never before a combining mark or a joiner, before
    closing punctuation or after opening punctuation."""
    units: list[str] = []
    for char in word:
        joins_previous = (
            unicodedata.category(char).startswith("M")
            or char in "\u200c\u200d"
            or char in _NO_BREAK_BEFORE
        )
        if units and (joins_previous or units[-1][-1] in _NO_BREAK_AFTER):
            units[-1] += char
        else:
            units.append(char)
    return units


class _Typesetter:
    """An fpdf2 document with the poster's faces loaded, text shaping on, and fallbacks set:
    the measure of the layout and the canvas of the PDF."""

    def __init__(self, fonts: PosterFonts, paper: Paper, needed: set[Face]) -> None:
        self.pdf = FPDF(unit="mm", format=paper.size_mm)
        self.pdf.set_text_shaping(use_shaping_engine=True)
        self.faces: dict[Face, FontFace] = {}
        try:
            for face in [Face.BASE, *sorted(needed - {Face.BASE})]:
                files = fonts.get(face)
                for style, path in (("", files.regular), ("B", files.bold)):
                    self.pdf.add_font(
                        files.family, style, str(path), collection_font_number=files.index
                    )
                self.faces[face] = files
            self.pdf.set_fallback_fonts([files.family for files in self.faces.values()])
        except BaseException:
            self.close()
            raise
        self.cmaps: list[Mapping[int, object]] = [
            font.cmap for font in self.pdf.fonts.values() if isinstance(font, TTFFont)
        ]

    def close(self) -> None:
        """Close the font files fontTools keeps open (it reads glyphs lazily)."""
        for font in self.pdf.fonts.values():
            if isinstance(font, TTFFont):
                font.ttfont.close()

    def family(self, face: Face) -> str:
        return self.faces[face].family

    def families(self, first: Face) -> list[str]:
        """``first``'s family, then every other loaded family: an SVG ``font-family`` list."""
        return [self.family(first)] + [
            files.family for face, files in self.faces.items() if face is not first
        ]

    def check_drawable(self, text: str, subject: str, what: str) -> None:
        missing = sorted(
            {c for c in text if not c.isspace() and not any(ord(c) in m for m in self.cmaps)}
        )
        if missing:
            shown = "".join(missing[:8])
            raise PosterGlyphError(
                subject, f"the {what} has characters no poster font can draw: {shown!r}"
            )

    def width(self, text: str, size_pt: float, bold: bool, face: Face) -> float:
        self.pdf.set_font(self.family(face), "B" if bold else "", size_pt)
        return float(self.pdf.get_string_width(text))

    def wrap(
        self, text: str, size_pt: float, bold: bool, face: Face, max_width: float
    ) -> list[str]:
        """Greedy word wrap; a word longer than a line (or a sentence of a script written
        without spaces) is broken between characters where a break is allowed."""
        lines: list[str] = []
        current = ""
        for word in text.split():
            candidate = f"{current} {word}" if current else word
            if self.width(candidate, size_pt, bold, face) <= max_width:
                current = candidate
                continue
            if current:
                lines.append(current)
                current = ""
                if self.width(word, size_pt, bold, face) <= max_width:
                    current = word
                    continue
            for unit in _clusters(word):
                if current and self.width(current + unit, size_pt, bold, face) > max_width:
                    lines.append(current)
                    current = ""
                current += unit
        if current:
            lines.append(current)
        return lines

    def draw(self, line: _Line, page_width: float) -> None:
        """One line centred on the page, its baseline at ``line.y`` (fpdf2 places a cell's
        baseline at half its height plus 0.3 font sizes)."""
        size_mm = line.size_pt * PT_TO_MM
        height = size_mm * LINE_HEIGHT
        self.pdf.set_font(self.family(line.face), "B" if line.bold else "", line.size_pt)
        self.pdf.set_xy(MARGIN_MM, line.y - 0.5 * height - 0.3 * size_mm)
        self.pdf.cell(page_width - 2 * MARGIN_MM, height, line.text, align="C")


def _layout(
    venue: Venue, texts: Sequence[PosterText], paper: Paper, setter: _Typesetter, han: Face
) -> _Layout:
    width, height = paper.size_mm
    text_width = width - 2 * MARGIN_MM
    location = venue.payload.location

    def block(scale: float) -> tuple[list[_Line], float, float]:
        lines: list[_Line] = []
        y = MARGIN_MM

        def add(
            text: str, *, size: float, bold: bool, lang: str | None, face: Face, gap: float
        ) -> None:
            nonlocal y
            size *= scale
            for piece in setter.wrap(text, size, bold, face, text_width):
                y += size * PT_TO_MM * LINE_HEIGHT
                lines.append(_Line(piece, y, size, bold, face, lang, is_right_to_left(piece)))
            y += gap

        first = texts[0]
        add(first.heading, size=30, bold=True, lang=first.language, face=first.face, gap=4)
        for own, size, bold, gap in (
            (location.description, 22, True, 1),
            (location.address, 14, False, 4),
        ):
            add(own, size=size, bold=bold, lang=None, face=face_for_text(own, han), gap=gap)
        qr_top = y
        qr_size = min(text_width, 120.0 * scale)
        y += qr_size + 4
        for text in texts:
            if text is not first:
                add(text.heading, size=13, bold=True, lang=text.language, face=text.face, gap=0)
            add(text.body, size=11, bold=False, lang=text.language, face=text.face, gap=3)
        return lines, qr_top, qr_size

    scale = 1.0
    while True:
        lines, qr_top, qr_size = block(scale)
        fits = lines[-1].y + MARGIN_MM <= height
        if fits or 11 * scale * 0.9 < MIN_TEXT_PT:
            break
        scale *= 0.9
    if not fits:
        raise PosterFitError("the poster text does not fit on one page; choose fewer languages")
    return _Layout(width, height, tuple(lines), (width - qr_size) / 2, qr_top, qr_size)


def _needed_faces(venue: Venue, texts: Sequence[PosterText], han: Face) -> set[Face]:
    """The faces the texts' scripts call for (the base face has the rest, or nothing has)."""
    location = venue.payload.location
    needed = {text.face for text in texts}
    for own in (location.description, location.address):
        needed.add(face_for_text(own, han))
        needed.update(face for c in own if (face := script_face(c, han)) is not None)
    return needed


def _prepare(
    venue: Venue, languages: Sequence[str], paper: Paper, host: str, fonts: PosterFonts | None
) -> tuple[_Layout, segno.QRCode, str, _Typesetter]:
    from civitrace.presence.url import check_in_url  # noqa: PLC0415 - keeps imports one-way

    texts = texts_for(languages)
    url = check_in_url(venue.raw, host)
    han = _han_face(texts)
    setter = _Typesetter(fonts or find_fonts(), Paper(paper), _needed_faces(venue, texts, han))
    try:
        location = venue.payload.location
        setter.check_drawable(location.description, "description", "venue name")
        setter.check_drawable(location.address, "address", "venue address")
        for text in texts:
            setter.check_drawable(text.heading + text.body, text.language, f"{text.name} text")
        layout = _layout(venue, texts, Paper(paper), setter, han)
    except BaseException:
        setter.close()
        raise
    return layout, qr_code(url), url, setter


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


def _svg_text(line: _Line, layout: _Layout, families: Sequence[str]) -> str:
    stack = ", ".join(f"'{family}'" for family in families) + ", sans-serif"
    attributes = [
        f'x="{layout.width / 2:.2f}"',
        f'y="{line.y:.2f}"',
        'text-anchor="middle"',
        f'font-family="{html.escape(stack)}"',
        f'font-size="{line.size_pt * PT_TO_MM:.3f}"',
    ]
    if line.bold:
        attributes.append('font-weight="bold"')
    if line.lang is not None:
        attributes.append(f'xml:lang="{html.escape(line.lang)}"')
    if line.rtl:
        attributes.append('direction="rtl"')
    attributes.append('fill="#000"')
    return f"<text {' '.join(attributes)}>{html.escape(line.text)}</text>"


def render_svg(
    venue: Venue,
    languages: Sequence[str],
    paper: Paper = Paper.A4,
    *,
    host: str,
    fonts: PosterFonts | None = None,
) -> str:
    """The poster as an SVG document sized in millimetres (the viewer shapes the text)."""
    layout, code, url, setter = _prepare(venue, languages, paper, host, fonts)
    setter.close()
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
        f'xml:lang="{html.escape(languages[0].strip())}">',
        f"<title>{html.escape(venue.payload.location.description)}</title>",
        f"<desc>Check-in QR code for {html.escape(url)}</desc>",
        f'<rect width="{layout.width}" height="{layout.height}" fill="#fff"/>',
        qr_svg,
        *(_svg_text(line, layout, setter.families(line.face)) for line in layout.lines),
        "</svg>",
    ]
    return "\n".join(parts) + "\n"


def render_pdf(
    venue: Venue,
    languages: Sequence[str],
    paper: Paper = Paper.A4,
    *,
    host: str,
    fonts: PosterFonts | None = None,
) -> bytes:
    """The poster as a one-page PDF with its fonts embedded (subsets) and its text shaped."""
    layout, code, url, setter = _prepare(venue, languages, paper, host, fonts)
    try:
        return _draw_pdf(
            venue, languages=languages, layout=layout, code=code, url=url, setter=setter
        )
    finally:
        setter.close()


def _draw_pdf(
    venue: Venue,
    *,
    languages: Sequence[str],
    layout: _Layout,
    code: segno.QRCode,
    url: str,
    setter: _Typesetter,
) -> bytes:
    pdf = setter.pdf
    pdf.set_creation_date(_FIXED_DATE)
    pdf.set_title(venue.payload.location.description)
    pdf.set_subject(url)
    pdf.set_creator("civitrace")
    pdf.set_lang(languages[0].strip())
    pdf.set_auto_page_break(auto=False)
    pdf.set_margins(MARGIN_MM, MARGIN_MM, MARGIN_MM)
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
        setter.draw(line, layout.width)
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
