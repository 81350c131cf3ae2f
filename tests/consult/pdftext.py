"""Just enough PDF reading to check what fpdf2 wrote: the text of every ``Tj``, in order.

fpdf2 writes embedded TrueType text as 2-byte glyph ids (``Identity-H``) with a ``ToUnicode``
CMap per font. This reads the objects, inflates their streams, maps each font resource name
(``/F1``) to its CMap's ``bfchar`` pairs, and walks the content streams, switching font on
every ``Tf`` and decoding every string shown with ``Tj``. No PDF library is a dependency, and
this is all the summary tests need.
"""

import re
import zlib

_OBJECT = re.compile(rb"(\d+) 0 obj(.*?)endobj", re.DOTALL)
_STREAM = re.compile(rb"stream\r?\n(.*?)\r?\nendstream", re.DOTALL)
_BFCHAR = re.compile(rb"<([0-9A-Fa-f]{4})>\s*<([0-9A-Fa-f]{4,8})>")
_TO_UNICODE = re.compile(rb"/ToUnicode (\d+) 0 R")
_FONT_NAMES = re.compile(rb"/(F\d+) (\d+) 0 R")
_OPERATIONS = re.compile(rb"/(F\d+) [\d.]+ Tf|\(((?:\\.|[^\\)])*)\)\s*Tj", re.DOTALL)
_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


def _unescape(literal: bytes) -> bytes:
    out = bytearray()
    index = 0
    while index < len(literal):
        byte = literal[index : index + 1]
        if byte != b"\\":
            out += byte
            index += 1
            continue
        digits = re.match(rb"[0-7]{1,3}", literal[index + 1 :])
        if digits is not None:
            out.append(int(digits.group(), 8))
            index += 1 + len(digits.group())
            continue
        following = literal[index + 1 : index + 2]
        out += _ESCAPES.get(following, following)
        index += 2
    return bytes(out)


def _inflate(body: bytes) -> bytes | None:
    found = _STREAM.search(body)
    if found is None:
        return None
    try:
        return zlib.decompress(found.group(1))
    except zlib.error:
        return found.group(1)


def pdf_strings(pdf: bytes) -> list[str]:
    """The text of every ``Tj`` in the document, in content order."""
    objects = {int(number): body for number, body in _OBJECT.findall(pdf)}
    streams = {number: _inflate(body) for number, body in objects.items()}
    cmaps: dict[int, dict[int, str]] = {}
    for number, body in objects.items():
        reference = _TO_UNICODE.search(body.split(b"stream", 1)[0])
        if reference is None:
            continue
        data = streams.get(int(reference.group(1))) or b""
        cmaps[number] = {
            int(code, 16): bytes.fromhex(text.decode()).decode("utf-16-be")
            for code, text in _BFCHAR.findall(data)
        }
    fonts = {
        name.decode(): cmaps[int(number)]
        for body in objects.values()
        for name, number in _FONT_NAMES.findall(body.split(b"stream", 1)[0])
        if int(number) in cmaps
    }
    shown: list[str] = []
    current: dict[int, str] = {}
    for data in streams.values():
        if data is None or b"Tj" not in data:
            continue
        for font, literal in _OPERATIONS.findall(data):
            if font:
                current = fonts.get(font.decode(), {})
                continue
            raw = _unescape(literal)
            codes = [int.from_bytes(raw[i : i + 2], "big") for i in range(0, len(raw) - 1, 2)]
            shown.append("".join(current.get(code, "\ufffd") for code in codes))
    return shown
