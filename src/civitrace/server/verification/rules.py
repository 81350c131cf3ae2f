"""Pure rules of the verification API: code generation, ``accept`` sets, date windows."""

import secrets
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Final

from civitrace.server.errors import InvalidDateError, InvalidTestTypeError, UnparsableRequestError

LONG_CODE_ALPHABET: Final = "abcdefghijklmnopqrstuvwxyz0123456789"  # Google's long-code charset
CONFIRMED, LIKELY, NEGATIVE, USER_REPORT = "confirmed", "likely", "negative", "user-report"
ALL_TEST_TYPES: Final = frozenset({CONFIRMED, LIKELY, NEGATIVE, USER_REPORT})

ACCEPT_SETS: Final = {
    CONFIRMED: frozenset({CONFIRMED}),
    LIKELY: frozenset({CONFIRMED, LIKELY}),
    NEGATIVE: frozenset({CONFIRMED, LIKELY, NEGATIVE}),
    USER_REPORT: frozenset({CONFIRMED, USER_REPORT}),
}
"""What each ``accept`` entry admits (Google's ``GetAcceptedTestTypes``): an app that
understands "likely" also understands "confirmed", and so on."""


def short_code(length: int) -> str:
    """Zero-padded, uniformly random in ``[0, 10**length)``."""
    return str(secrets.randbelow(10**length)).zfill(length)


def long_code(length: int) -> str:
    return "".join(secrets.choice(LONG_CODE_ALPHABET) for _ in range(length))


def accepted_test_types(accept: Sequence[str] | None) -> frozenset[str]:
    """The union of each entry's set; none given means every test type (Google's rule)."""
    if not accept:
        return ALL_TEST_TYPES
    result: set[str] = set()
    for i, entry in enumerate(accept):
        admitted = ACCEPT_SETS.get(entry.lower())
        if admitted is None:
            raise InvalidTestTypeError(
                f"accept[{i}]: unknown test type {entry[:32]!r}, expected one of "
                f"{sorted(ACCEPT_SETS)}"
            )
        result |= admitted
    return frozenset(result)


def utc_midnight(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def parse_day(value: str | None, field: str) -> date | None:
    """``YYYY-MM-DD`` or empty/None (no date); anything else is ``unparsable_request``."""
    if not value:
        return None
    try:
        if len(value) != 10:
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise UnparsableRequestError(f"{field}: must be a date as YYYY-MM-DD") from None


def check_day(
    day: date | None, field: str, *, now: datetime, past_days: int, tz_offset: float
) -> None:
    """Within ``[UTC midnight today - past_days, UTC midnight today]``; a client west of UTC
    (negative offset) gets one more day at the low end (Google's ``ValidateDate``)."""
    if day is None:
        return
    latest = utc_midnight(now).date()
    earliest = latest - timedelta(days=past_days + (1 if tz_offset < 0 else 0))
    if not earliest <= day <= latest:
        raise InvalidDateError(
            f"{field}: must be on/after {earliest.isoformat()} and on/before "
            f"{latest.isoformat()}, got {day.isoformat()}"
        )


def rfc1123(moment: datetime) -> str:
    """Go's ``time.RFC1123`` in UTC, e.g. ``Mon, 02 Jan 2006 15:04:05 UTC``."""
    return moment.astimezone(UTC).strftime("%a, %d %b %Y %H:%M:%S UTC")


def subject(test_type: str, symptom_date: date | None, test_date: date | None) -> str:
    """The token's ``sub``: ``testType.symptomDate.testDate`` with empty unknown dates."""
    days = [d.isoformat() if d else "" for d in (symptom_date, test_date)]
    return ".".join([test_type, *days])


def symptom_onset_interval(symptom_date: date) -> int:
    """ENIntervalNumber of the symptom day's UTC midnight."""
    midnight = datetime(symptom_date.year, symptom_date.month, symptom_date.day, tzinfo=UTC)
    return int(midnight.timestamp()) // 600
