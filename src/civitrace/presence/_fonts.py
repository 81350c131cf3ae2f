"""Finding the fonts posters are set in, at run time, and which of them a text needs.

DejaVu Sans (Debian ``fonts-dejavu-core``) sets Latin, Greek and Cyrillic and is always
required. Other scripts use Noto Sans faces: Arabic and Tamil from ``fonts-noto-core`` (plain
TrueType files), Chinese and Korean from ``fonts-noto-cjk`` (OpenType collections, ``.ttc``,
one face per region: the same Han character is drawn differently in Simplified Chinese,
Traditional Chinese and Korean, so each language gets its own face). These are optional at
look-up: a poster that needs a missing face is refused with a :class:`MissingFontError` saying
which package to install, and every other poster still works.
"""

import os
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Final

from civitrace.presence.errors import PosterError

FONT_DIR_VARIABLE: Final = "CIVITRACE_POSTER_FONT_DIR"  # overrides the search below
FONT_FAMILY: Final = "DejaVu Sans"  # the base face
REGULAR_FILE: Final = "DejaVuSans.ttf"
BOLD_FILE: Final = "DejaVuSans-Bold.ttf"
SEARCH_DIRS: Final = (
    "/usr/share/fonts/truetype/dejavu",
    "/usr/share/fonts/truetype/noto",
    "/usr/share/fonts/opentype/noto",
    "/usr/share/fonts/dejavu",
    "/usr/share/fonts/noto",
    "/usr/share/fonts/noto-cjk",
    "/usr/share/fonts/google-noto",
    "/usr/share/fonts/google-noto-cjk",
    "/usr/share/fonts/TTF",
    "/usr/share/fonts/OTF",
    "/usr/local/share/fonts",
    "/opt/homebrew/share/fonts",
    "/Library/Fonts",
)


class MissingFontError(PosterError):
    """A font the poster needs is not installed (a deployment problem, not bad input)."""


class Face(StrEnum):
    """The faces a poster may use; each sets one script (or one region's Han characters)."""

    BASE = "base"  # Latin, Greek, Cyrillic and common symbols
    ARABIC = "arabic"
    TAMIL = "tamil"
    CJK_SC = "cjk-sc"  # Simplified Chinese glyph forms
    CJK_TC = "cjk-tc"  # Traditional Chinese glyph forms
    CJK_KR = "cjk-kr"  # Korean: Hangul, and Han characters in Korean forms


@dataclass(frozen=True, slots=True)
class _FaceFiles:
    family: str
    regular: str
    bold: str
    index: int  # the face's number inside a .ttc collection (0 for a plain .ttf)
    package: str  # the Debian package that ships it


_FILES: Final[Mapping[Face, _FaceFiles]] = {
    Face.BASE: _FaceFiles(FONT_FAMILY, REGULAR_FILE, BOLD_FILE, 0, "fonts-dejavu-core"),
    Face.ARABIC: _FaceFiles(
        "Noto Sans Arabic",
        "NotoSansArabic-Regular.ttf",
        "NotoSansArabic-Bold.ttf",
        0,
        "fonts-noto-core",
    ),
    Face.TAMIL: _FaceFiles(
        "Noto Sans Tamil",
        "NotoSansTamil-Regular.ttf",
        "NotoSansTamil-Bold.ttf",
        0,
        "fonts-noto-core",
    ),
    # NotoSansCJK-*.ttc hold JP, KR, SC, TC, HK (then the monospaced five), in that order.
    Face.CJK_SC: _FaceFiles(
        "Noto Sans CJK SC", "NotoSansCJK-Regular.ttc", "NotoSansCJK-Bold.ttc", 2, "fonts-noto-cjk"
    ),
    Face.CJK_TC: _FaceFiles(
        "Noto Sans CJK TC", "NotoSansCJK-Regular.ttc", "NotoSansCJK-Bold.ttc", 3, "fonts-noto-cjk"
    ),
    Face.CJK_KR: _FaceFiles(
        "Noto Sans CJK KR", "NotoSansCJK-Regular.ttc", "NotoSansCJK-Bold.ttc", 1, "fonts-noto-cjk"
    ),
}


@dataclass(frozen=True, slots=True)
class FontFace:
    """One face's files, as found: what fpdf2's ``add_font`` and an SVG ``font-family`` need."""

    face: Face
    family: str
    regular: Path
    bold: Path
    index: int = 0


@dataclass(frozen=True, slots=True)
class PosterFonts:
    """The base face and whichever script faces are installed."""

    base: FontFace
    faces: Mapping[Face, FontFace]  # includes the base

    def get(self, face: Face) -> FontFace:
        """The files of ``face``, or a :class:`MissingFontError` naming the package to install."""
        found = self.faces.get(face)
        if found is None:
            files = _FILES[face]
            raise MissingFontError(
                f"the poster needs the {files.family} font ({files.regular}), which is not "
                f"installed; install {files.package} or set {FONT_DIR_VARIABLE}"
            )
        return found


def _candidates(directory: Path | None) -> list[Path]:
    override = os.environ.get(FONT_DIR_VARIABLE)
    if directory is not None:
        return [directory]
    if override:
        return [Path(override)]
    return [Path(d) for d in SEARCH_DIRS] + [Path.home() / ".local/share/fonts"]


def find_fonts(directory: Path | None = None) -> PosterFonts:
    """Every poster face installed; a :class:`MissingFontError` if even DejaVu Sans is missing."""
    candidates = _candidates(directory)
    faces: dict[Face, FontFace] = {}
    for face, files in _FILES.items():
        for candidate in candidates:
            regular, bold = candidate / files.regular, candidate / files.bold
            if regular.is_file() and bold.is_file():
                faces[face] = FontFace(face, files.family, regular, bold, files.index)
                break
    if Face.BASE not in faces:
        searched = ", ".join(str(c) for c in candidates)
        raise MissingFontError(
            f"no {FONT_FAMILY} font found ({REGULAR_FILE} and {BOLD_FILE}) in {searched}; "
            f"install fonts-dejavu-core or set {FONT_DIR_VARIABLE}"
        )
    return PosterFonts(faces[Face.BASE], faces)


# Code point ranges set in a script face rather than the base face. Han characters and kana
# have no face of their own: the poster's languages choose which region's forms they take.
_ARABIC_RANGES: Final = (
    (0x0600, 0x06FF),
    (0x0750, 0x077F),
    (0x08A0, 0x08FF),
    (0xFB50, 0xFDFF),  # presentation forms A
    (0xFE70, 0xFEFF),  # presentation forms B
)
_TAMIL_RANGES: Final = ((0x0B80, 0x0BFF), (0x11FC0, 0x11FFF))
_HANGUL_RANGES: Final = ((0x1100, 0x11FF), (0x3130, 0x318F), (0xA960, 0xA97F), (0xAC00, 0xD7FF))
_HAN_RANGES: Final = (
    (0x2E80, 0x2FDF),  # radicals
    (0x3000, 0x303F),  # CJK punctuation
    (0x3040, 0x30FF),  # kana
    (0x3400, 0x4DBF),
    (0x4E00, 0x9FFF),
    (0xF900, 0xFAFF),
    (0xFF00, 0xFFEF),  # full-width forms
    (0x20000, 0x3FFFF),
)


def _within(code: int, ranges: Iterable[tuple[int, int]]) -> bool:
    return any(low <= code <= high for low, high in ranges)


def script_face(char: str, han_face: Face = Face.CJK_SC) -> Face | None:
    """The script face ``char`` belongs to, or ``None`` for text the base face sets."""
    code = ord(char)
    if _within(code, _ARABIC_RANGES):
        return Face.ARABIC
    if _within(code, _TAMIL_RANGES):
        return Face.TAMIL
    if _within(code, _HANGUL_RANGES):
        return Face.CJK_KR
    if _within(code, _HAN_RANGES):
        return han_face
    return None


def face_for_text(text: str, han_face: Face = Face.CJK_SC) -> Face:
    """The face to set ``text`` in: the script face of its most frequent non-base script,
    else the base face. Characters of other scripts fall back to other faces when drawn."""
    counts: dict[Face, int] = {}
    for char in text:
        if unicodedata.category(char)[0] in "LMN":
            face = script_face(char, han_face)
            if face is not None:
                counts[face] = counts.get(face, 0) + 1
    if not counts:
        return Face.BASE
    return max(counts, key=lambda face: (counts[face], -list(Face).index(face)))


def is_right_to_left(text: str) -> bool:
    """Whether the first strongly directional character of ``text`` is right to left."""
    for char in text:
        direction = unicodedata.bidirectional(char)
        if direction in {"R", "AL"}:
            return True
        if direction == "L":
            return False
    return False
