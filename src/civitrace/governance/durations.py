"""Retention durations as people write them: ``"14 days"``, ``"1 hour"``, ``"2 weeks"``.

The inventory is read by the public on the transparency page, so durations are plain words
rather than ISO 8601 (``P14D``); :func:`format_duration` writes the largest exact unit back.
"""

import re
from datetime import timedelta
from typing import Final

_UNITS: Final = (
    ("day", timedelta(days=1)),
    ("hour", timedelta(hours=1)),
    ("minute", timedelta(minutes=1)),
    ("second", timedelta(seconds=1)),
)
_BY_NAME: Final = {"week": timedelta(weeks=1), **dict(_UNITS)}  # weeks are read, never written
_PATTERN: Final = re.compile(r"^\s*(?P<sign>-?)(?P<count>\d{1,9})\s*(?P<unit>[a-z]+?)s?\s*$")


def parse_duration(text: str) -> timedelta:
    """``"<n> <unit>"`` with unit second/minute/hour/day/week (singular or plural).

    Raises :class:`ValueError` for anything else, and for negative durations.
    """
    match = _PATTERN.match(text.lower())
    if match is None or match["unit"] not in _BY_NAME:
        raise ValueError(
            f"{text!r} is not a duration such as '14 days' "
            "(units: seconds, minutes, hours, days, weeks)"
        )
    if match["sign"]:
        raise ValueError(f"{text!r} must not be negative")
    return int(match["count"]) * _BY_NAME[match["unit"]]


def format_duration(value: timedelta) -> str:
    """The largest unit up to days that divides ``value``: ``"14 days"``, ``"90 minutes"``."""
    if value < timedelta(0):
        raise ValueError("a retention duration is never negative")
    if value % timedelta(seconds=1):
        raise ValueError("durations are whole seconds")
    for name, size in _UNITS:
        if value % size == timedelta(0) and (value >= size or name == "second"):
            count = value // size
            return f"{count} {name}{'' if count == 1 else 's'}"
    raise AssertionError("unreachable: seconds divide every whole-second duration")
