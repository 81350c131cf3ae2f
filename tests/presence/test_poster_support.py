"""Reading back what a poster PDF draws, with the standard library only (no PDF library and no
poppler): the text each font shows, decoded through the font's ToUnicode map, and the QR
module matrix rebuilt from the filled rectangles. Used by the poster tests to prove a poster
says what it should and scans to the URL it should."""

import re
import zlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

_OBJECT = re.compile(rb"(\d+) 0 obj\s*(.*?)\s*endobj", re.DOTALL)
_BFCHAR = re.compile(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>")
_TOKEN = re.compile(
    rb"\((?:\\.|[^\\)])*\)|/[^\s/\[\]()<>]+|-?\d+(?:\.\d+)?|[A-Za-z*']+|\[|\]", re.DOTALL
)
_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


def _objects(pdf: bytes) -> dict[int, bytes]:
    return {int(m.group(1)): m.group(2) for m in _OBJECT.finditer(pdf)}


def _stream(body: bytes) -> bytes:
    header, _, rest = body.partition(b"stream")
    data = rest.lstrip(b"\r\n").rsplit(b"endstream", 1)[0]
    return zlib.decompress(data) if b"/FlateDecode" in header else data


def _literal(token: bytes) -> bytes:
    """The bytes of a PDF literal string ``(...)``."""
    out = bytearray()
    inner = token[1:-1]
    i = 0
    while i < len(inner):
        char = inner[i : i + 1]
        if char != b"\\":
            out += char
            i += 1
            continue
        nxt = inner[i + 1 : i + 2]
        if nxt in _ESCAPES:
            out += _ESCAPES[nxt]
            i += 2
        elif nxt.isdigit():
            digits = re.match(rb"[0-7]{1,3}", inner[i + 1 :])
            assert digits is not None
            out.append(int(digits.group(), 8) & 0xFF)
            i += 1 + len(digits.group())
        else:
            out += nxt
            i += 2
    return bytes(out)


def _to_unicode(cmap: bytes) -> dict[int, str]:
    mapping: dict[int, str] = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", cmap, re.DOTALL):
        for code, text in _BFCHAR.findall(block):
            mapping[int(code, 16)] = bytes.fromhex(text.decode()).decode("utf-16-be")
    assert b"beginbfrange" not in cmap, "fpdf2 writes bfchar entries only"
    return mapping


@dataclass(frozen=True)
class PdfPage:
    """What the one page of a poster shows."""

    lines: tuple[str, ...]  # text of each BT…ET block that shows glyphs, glyphs in drawn order
    fonts: tuple[str, ...]  # BaseFont names of the embedded fonts (subset prefix dropped)
    rectangles: tuple[tuple[float, float, float, float], ...]  # filled: x, y, width, height
    used: dict[str, dict[int, str]]  # font name -> glyph code -> text, for each glyph drawn
    glyphs: tuple[tuple[tuple[str, int, str], ...], ...]  # per line: (font, code, text) drawn

    @property
    def glyph_text(self) -> Counter[str]:
        """Every character the page draws, counted (order-free: right-to-left and reordered
        scripts are drawn in visual order)."""
        return Counter(char for line in self.lines for char in line if not char.isspace())

    def glyph_codes(self, font: str) -> dict[str, set[int]]:
        """Character -> the glyph codes that drew it in ``font`` (several: contextual forms)."""
        codes: dict[str, set[int]] = {}
        for code, text in self.used.get(font, {}).items():
            codes.setdefault(text, set()).add(code)
        return codes


def read_pdf(pdf: bytes) -> PdfPage:
    """The text, fonts and filled rectangles of a one-page poster PDF from fpdf2."""
    objects = _objects(pdf)
    (resources,) = re.findall(rb"/Resources (\d+) 0 R", pdf)
    fonts_by_name: dict[bytes, tuple[str, dict[int, str]]] = {}
    names: list[str] = []
    for name, number in re.findall(rb"/(F\d+) (\d+) 0 R", objects[int(resources)]):
        font = objects[int(number)]
        base = re.search(rb"/BaseFont /(?:[A-Z]{6}\+)?(\S+)", font)
        assert base is not None
        names.append(base.group(1).decode())
        unicode_ref = re.search(rb"/ToUnicode (\d+) 0 R", font)
        assert unicode_ref is not None, f"font {name!r} has no ToUnicode map"
        fonts_by_name[name] = (names[-1], _to_unicode(_stream(objects[int(unicode_ref.group(1))])))
    (contents,) = re.findall(rb"/Contents (\d+) 0 R", pdf)
    return _interpret(_stream(objects[int(contents)]), fonts_by_name, tuple(names))


def _interpret(
    content: bytes, fonts: dict[bytes, tuple[str, dict[int, str]]], names: tuple[str, ...]
) -> PdfPage:
    lines: list[str] = []
    glyphs: list[tuple[tuple[str, int, str], ...]] = []
    used: dict[str, dict[int, str]] = {}
    rectangles: list[tuple[float, float, float, float]] = []
    operands: list[bytes] = []
    font: tuple[str, dict[int, str]] | None = None
    saved: list[tuple[str, dict[int, str]] | None] = []
    block: list[tuple[str, int, str]] | None = None
    for token in _tokens(content):
        if token.startswith((b"(", b"/", b"[", b"]")) or re.fullmatch(rb"-?\d+(\.\d+)?", token):
            operands.append(token)
            continue
        if token == b"Tf":
            font = fonts[operands[-2][1:]]
        elif token == b"q":
            saved.append(font)
        elif token == b"Q":
            font = saved.pop()
        elif token == b"BT":
            block = []
        elif token == b"ET":
            if block:
                lines.append("".join(text for _, _, text in block))
                glyphs.append(tuple(block))
            block = None
        elif token in {b"Tj", b"TJ"}:
            assert font is not None
            assert block is not None
            for operand in operands:
                if operand.startswith(b"("):
                    raw = _literal(operand)
                    name, mapping = font
                    for i in range(0, len(raw), 2):
                        code = int.from_bytes(raw[i : i + 2], "big")
                        # A glyph of a shaped cluster may carry no text: fpdf2 gives the whole
                        # cluster's text to one of its glyphs.
                        text = mapping.get(code, "")
                        block.append((name, code, text))
                        used.setdefault(name, {})[code] = text
        elif token == b"re":
            x, y, w, h = (float(v) for v in operands[-4:])
            rectangles.append((x, y, w, h))
        operands = []
    return PdfPage(tuple(lines), names, tuple(rectangles), used, tuple(glyphs))


def _tokens(content: bytes) -> Iterator[bytes]:
    for match in _TOKEN.finditer(content):
        yield match.group()


def qr_matrix(page: PdfPage) -> list[list[int]]:
    """The QR module matrix (no quiet zone) from the poster's filled rectangles: each is a run
    of dark modules one module high."""
    module = min(abs(h) for _, _, _, h in page.rectangles)
    left = min(x for x, _, _, _ in page.rectangles)
    top = max(y for _, y, _, _ in page.rectangles)
    size = round((max(x + w for x, _, w, _ in page.rectangles) - left) / module)
    matrix = [[0] * size for _ in range(size)]
    for x, y, w, _ in page.rectangles:
        row = round((top - y) / module)
        first = round((x - left) / module)
        for column in range(first, first + round(w / module)):
            matrix[row][column] = 1
    return matrix
