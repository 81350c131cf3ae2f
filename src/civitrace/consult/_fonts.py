"""The DejaVu Sans files embedded in summary PDFs (Debian's ``fonts-dejavu-core``), found at run
time."""

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from civitrace.consult.errors import SummaryError

FONT_DIR_VARIABLE: Final = "CIVITRACE_SUMMARY_FONT_DIR"  # overrides the search below
REGULAR_FILE: Final = "DejaVuSans.ttf"
BOLD_FILE: Final = "DejaVuSans-Bold.ttf"
SEARCH_DIRS: Final = (
    "/usr/share/fonts/truetype/dejavu",
    "/usr/share/fonts/dejavu",
    "/usr/share/fonts/TTF",
    "/usr/local/share/fonts",
    "/opt/homebrew/share/fonts",
    "/Library/Fonts",
)


@dataclass(frozen=True, slots=True)
class SummaryFonts:
    regular: Path
    bold: Path


def find_fonts() -> SummaryFonts:
    """The regular and bold DejaVu Sans files, or a :class:`SummaryError` saying what to do."""
    override = os.environ.get(FONT_DIR_VARIABLE)
    candidates = (
        [Path(override)]
        if override
        else [Path(d) for d in SEARCH_DIRS] + [Path.home() / ".local/share/fonts"]
    )
    for candidate in candidates:
        regular, bold = candidate / REGULAR_FILE, candidate / BOLD_FILE
        if regular.is_file() and bold.is_file():
            return SummaryFonts(regular, bold)
    searched = ", ".join(str(c) for c in candidates)
    raise SummaryError(
        f"no DejaVu Sans font ({REGULAR_FILE} and {BOLD_FILE}) in {searched}; "
        f"install fonts-dejavu-core or set {FONT_DIR_VARIABLE}"
    )
