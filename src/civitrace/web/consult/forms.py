"""Reading the consultation forms: text fields as typed, numbers strictly.

A form field that should be a number and is not (or is absurdly long) is a
:class:`~civitrace.consult.errors.ConsultInputError` naming the field, so the person sees a
400 page that says which field, never a 500.
"""

import re
from typing import Final

from starlette.datastructures import FormData

from civitrace.consult.errors import ConsultInputError
from civitrace.web.console.auth import field, fields

_INTEGER: Final = re.compile(r"^-?[0-9]{1,6}$")
MAX_FIELD: Final = 10_000  # characters: longer than any valid field; refused before the domain


def text(form: FormData, name: str) -> str:
    """A text field ('' when missing), refused when absurdly long or holding NUL."""
    value = field(form, name)
    if len(value) > MAX_FIELD or "\x00" in value:
        raise ConsultInputError(name, f"must be at most {MAX_FIELD} characters of text")
    return value


def integer(form: FormData, name: str, default: int | None = None) -> int:
    """A whole-number field; ``default`` when it is empty (required when ``default`` is None)."""
    value = field(form, name).strip()
    if not value and default is not None:
        return default
    if not _INTEGER.match(value):
        raise ConsultInputError(name, "must be a whole number")
    return int(value)


def integers(form: FormData, name: str) -> list[int]:
    """Every value of a repeated number field (checkboxes), each a whole number."""
    values = fields(form, name)
    if len(values) > 50:
        raise ConsultInputError(name, "too many values")
    found = []
    for value in values:
        if not _INTEGER.match(value.strip()):
            raise ConsultInputError(name, "must be whole numbers")
        found.append(int(value))
    return found


def lines(form: FormData, name: str) -> list[str]:
    """A text area's non-empty lines (poll options, one per line)."""
    return [line.strip() for line in text(form, name).splitlines() if line.strip()]


def words(form: FormData, name: str) -> list[str]:
    """The non-empty values of a repeated text field (word-cloud entries)."""
    values = [value.strip() for value in fields(form, name) if value.strip()]
    if len(values) > 10 or any(len(value) > 100 for value in values):
        raise ConsultInputError(name, "too many or too long words")
    return values
