"""On-behalf warnings ("warn guests"): staff warn a venue's visitors for a time window.

A venue tracer who holds the venue's QR code (the owner handed it in, or it hangs at the door)
sends it with the window and a transmission risk level; the server reads the payload, derives
the location ID, encrypts one ``CheckInRecord`` per UTC day of the window into a
``CheckInProtectedReport`` with the protocol package, and publishes the reports like approved
ones. This is the one place the server sees a location ID: it lives in this request's memory
only, and is never stored, logged or returned (the response carries the venue's description and
address, so staff can see they warned the right venue, and the public ``locationIdHash``).

The window is aligned outwards to 10-minute intervals (start rounded down, end rounded up, as a
warning errs towards including a visitor) and split at UTC midnight like a shared check-in.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from sqlalchemy.orm import Session

from civitrace.presence.checkin import CheckInRecord, split_at_midnight
from civitrace.presence.constants import CHECK_IN_RETENTION_DAYS, INTERVAL_SECONDS
from civitrace.presence.errors import PresenceError
from civitrace.presence.payload import Venue
from civitrace.presence.report import CheckInProtectedReport, encrypt_record
from civitrace.presence.url import parse_qr_text
from civitrace.server.db.models import HealthAuthority
from civitrace.server.presence.errors import InvalidVenueError, InvalidWarningWindowError
from civitrace.server.presence.schemas import VenueWarningRequest
from civitrace.server.presence.warnings import publish_warnings

MAX_WINDOW: Final = timedelta(hours=24)  # one warning covers at most a day; send more for more
MAX_AGE: Final = timedelta(days=CHECK_IN_RETENTION_DAYS)  # devices keep check-ins this long
FUTURE_SKEW: Final = timedelta(minutes=5)  # a window may end "now" on a slightly fast clock


def _utcnow() -> datetime:
    return datetime.now(UTC)


def parse_time(value: str, name: str) -> datetime:
    """An ISO 8601 date-time that names its UTC offset (a bare local time is ambiguous)."""
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise InvalidWarningWindowError(f"{name}: must be an ISO 8601 date-time") from None
    if moment.tzinfo is None:
        raise InvalidWarningWindowError(f"{name}: must include a UTC offset, e.g. Z or +02:00")
    return moment.astimezone(UTC)


def read_venue(text: str) -> Venue:
    """The venue of a check-in URL or payload, validated by the scheme's rules."""
    try:
        return Venue.from_bytes(parse_qr_text(text))
    except PresenceError as exc:
        raise InvalidVenueError(f"venue: {exc}") from None


def window_records(start: datetime, end: datetime, level: int) -> list[CheckInRecord]:
    """The window as records: aligned outwards to 10 minutes, one per UTC day."""
    first = int(start.timestamp()) // INTERVAL_SECONDS * INTERVAL_SECONDS
    last = -(-int(end.timestamp()) // INTERVAL_SECONDS) * INTERVAL_SECONDS
    return [
        CheckInRecord(s // INTERVAL_SECONDS, (e - s) // INTERVAL_SECONDS, level)
        for s, e in split_at_midnight(first, last)
    ]


@dataclass
class OnBehalfWarnings:
    """Builds and publishes warnings for a venue a tracer names by its QR code."""

    clock: Callable[[], datetime] = field(default=_utcnow)

    def check_window(self, start: datetime, end: datetime) -> None:
        now = self.clock()
        if end <= start:
            raise InvalidWarningWindowError("endTime: must be after startTime")
        if end - start > MAX_WINDOW:
            raise InvalidWarningWindowError(
                f"endTime: a warning covers at most {MAX_WINDOW}; send one per day"
            )
        if end > now + FUTURE_SKEW:
            raise InvalidWarningWindowError("endTime: must not be in the future")
        if start < now - MAX_AGE:
            raise InvalidWarningWindowError(
                f"startTime: must be within the last {MAX_AGE.days} days (devices keep "
                "check-ins no longer)"
            )

    def warn(
        self, session: Session, authority: HealthAuthority, request: VenueWarningRequest
    ) -> dict[str, Any]:
        start = parse_time(request.start_time, "startTime")
        end = parse_time(request.end_time, "endTime")
        self.check_window(start, end)
        venue = read_venue(request.venue)
        reports: list[CheckInProtectedReport] = [
            encrypt_record(venue.location_id, record)
            for record in window_records(start, end, request.transmission_risk_level)
        ]
        published = publish_warnings(session, authority.region_list, reports, self.clock())
        session.commit()
        return {
            "description": venue.payload.location.description,
            "address": venue.payload.location.address,
            "locationIdHash": venue.location_id_hash.hex(),
            "records": len(reports),
            "publishedWarnings": published.count,
            "intervalNumber": published.interval_number,
        }
