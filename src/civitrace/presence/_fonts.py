"""Finding the TrueType fonts posters are set in, at run time."""

import os
from dataclasses import dataclass
from pathlib import Path

from civitrace.presence.errors import PosterError

FONT_DIR_VARIABLE = "CIVITRACE_POSTER_FONT_DIR"  # overrides the search below
FONT_FAMILY = "DejaVu Sans"
REGULAR_FILE = "DejaVuSans.ttf"
BOLD_FILE = "DejaVuSans-Bold.ttf"
SEARCH_DIRS = (
    "/usr/share/fonts/truetype/dejavu",
    "/usr/share/fonts/dejavu",
    "/usr/share/fonts/TTF",
    "/usr/local/share/fonts",
    "/opt/homebrew/share/fonts",
    "/Library/Fonts",
)


@dataclass(frozen=True, slots=True)
class PosterFonts:
    regular: Path
    bold: Path


def find_fonts(directory: Path | None = None) -> PosterFonts:
    """The regular and bold DejaVu Sans files, or a :class:`PosterError` saying what to do."""
    override = os.environ.get(FONT_DIR_VARIABLE)
    if directory is not None:
        candidates = [directory]
    elif override:
        candidates = [Path(override)]
    else:
        candidates = [Path(d) for d in SEARCH_DIRS] + [Path.home() / ".local/share/fonts"]
    for candidate in candidates:
        regular, bold = candidate / REGULAR_FILE, candidate / BOLD_FILE
        if regular.is_file() and bold.is_file():
            return PosterFonts(regular, bold)
    searched = ", ".join(str(c) for c in candidates)
    raise PosterError(
        f"no {FONT_FAMILY} font found ({REGULAR_FILE} and {BOLD_FILE}) in {searched}; "
        f"install fonts-dejavu-core or set {FONT_DIR_VARIABLE}"
    )
