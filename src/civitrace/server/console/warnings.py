"""On-behalf venue warnings from the console: a venue tracer names a venue by its QR code, a
time window and a transmission-risk level; the presence service encrypts and publishes them.

The form gives a day, two clock times and the browser's UTC offset (a small script fills it
in; without it, times are UTC); this module turns them into the ISO 8601 times the presence
service takes and records the action in the audit chain with the venue's public hash.
"""

from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Final

from pydantic import ValidationError
from sqlalchemy.orm import Session

from civitrace.server.console import auditing
from civitrace.server.console.cases import parse_day
from civitrace.server.console.errors import ConsoleInputError
from civitrace.server.console.service import ConsoleServices
from civitrace.server.db.console_models import StaffAccount
from civitrace.server.db.models import HealthAuthority
from civitrace.server.presence.on_behalf import read_venue
from civitrace.server.presence.schemas import VenueWarningRequest

RISK_LEVELS: Final = tuple(range(3, 9))  # 1 and 2 weigh nothing on devices
MAX_OFFSET_MINUTES: Final = 14 * 60  # UTC-12..UTC+14


def parse_clock(value: str | None, field: str) -> time:
    text = (value or "").strip()
    if not text:
        raise ConsoleInputError(f"{field}: is required")
    try:
        return time.fromisoformat(text)
    except ValueError:
        raise ConsoleInputError(f"{field}: must be a time (HH:MM)") from None


def parse_offset(value: str | None) -> timezone:
    """The browser's offset east of UTC in minutes (``0`` when absent)."""
    text = (value or "").strip() or "0"
    try:
        minutes = int(text)
    except ValueError:
        raise ConsoleInputError("utc_offset: must be a whole number of minutes") from None
    if not -MAX_OFFSET_MINUTES <= minutes <= MAX_OFFSET_MINUTES:
        raise ConsoleInputError("utc_offset: must be within -840..840 minutes")
    return timezone(timedelta(minutes=minutes))


def parse_level(value: str | None) -> int:
    try:
        level = int((value or "").strip())
    except ValueError:
        raise ConsoleInputError("risk_level: choose a level from 3 to 8") from None
    if level not in RISK_LEVELS:
        raise ConsoleInputError("risk_level: choose a level from 3 to 8")
    return level


def window(day: date, start: time, end: time, zone: timezone) -> tuple[datetime, datetime]:
    """The warning's start and end; an end at or before the start is on the next day."""
    first = datetime.combine(day, start, zone)
    last = datetime.combine(day, end, zone)
    if last <= first:
        last += timedelta(days=1)
    return first, last


def publish(
    session: Session,
    services: ConsoleServices,
    staff: StaffAccount,
    form: dict[str, str],
) -> dict[str, Any]:
    """Publish a warning from the form's fields; the audit entry commits with it."""
    venue_text = form.get("venue", "").strip()
    if not venue_text:
        raise ConsoleInputError("venue: paste the venue's check-in link or QR text")
    day = parse_day(form.get("day"), "day", required=True)
    assert day is not None
    start, end = window(
        day,
        parse_clock(form.get("start_time"), "start_time"),
        parse_clock(form.get("end_time"), "end_time"),
        parse_offset(form.get("utc_offset")),
    )
    level = parse_level(form.get("risk_level"))
    try:
        request = VenueWarningRequest.model_validate(
            {
                "venue": venue_text,
                "startTime": start.isoformat(),
                "endTime": end.isoformat(),
                "transmissionRiskLevel": level,
            }
        )
    except ValidationError:
        raise ConsoleInputError("venue: the link is too long to be a venue's code") from None
    venue = read_venue(venue_text)  # InvalidVenueError (400) names the venue field
    services.presence.on_behalf.check_window(start, end)
    now = services.now()
    auditing.record(
        session,
        staff,
        "warning.published",
        f"venue:{venue.location_id_hash.hex()}",
        {"from": start.isoformat(), "to": end.isoformat(), "risk_level": level},
        now=now,
    )
    authority = session.get_one(HealthAuthority, staff.health_authority_id)
    try:
        return services.presence.on_behalf.warn(session, authority, request)  # commits
    except Exception:
        session.rollback()
        raise
