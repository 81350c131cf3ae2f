"""Cleaning of the short texts people type: names, questions, poll options, notes.

Text is NFC-normalized and stripped; control characters and the bidirectional overrides that
make a name display as something else are refused, so what a moderator reads is what everyone
sees.
"""

import re
import unicodedata
from typing import Final

from civitrace.consult.errors import ConsultInputError

_BIDI_CONTROLS: Final = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_SPACES: Final = re.compile(r"\s+")


def clean_text(
    value: str, field: str, *, max_length: int, multiline: bool = False, min_length: int = 1
) -> str:
    """``value`` normalized, or a :class:`ConsultInputError` naming ``field``.

    Single-line text has its runs of white space collapsed to one space; multi-line text keeps
    its line breaks (``\\n``) but loses trailing spaces on each line.
    """
    text = unicodedata.normalize("NFC", value)
    if multiline:
        text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
        lines = [line.rstrip() for line in text.split("\n")]
        text = "\n".join(lines).strip()
        allowed = {"\n"}
    else:
        text = _SPACES.sub(" ", text).strip()
        allowed = set()
    for char in text:
        if char in allowed:
            continue
        if unicodedata.category(char) in {"Cc", "Cs", "Co", "Cn"} or char in _BIDI_CONTROLS:
            raise ConsultInputError(field, f"contains a control character (U+{ord(char):04X})")
    if len(text) < min_length:
        raise ConsultInputError(
            field,
            "must not be empty" if min_length == 1 else f"must be at least {min_length} long",
        )
    if len(text) > max_length:
        raise ConsultInputError(field, f"must be at most {max_length} characters")
    return text
