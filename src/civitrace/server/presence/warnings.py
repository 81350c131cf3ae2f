"""Publishing reports as warnings: one ``venue_warnings`` row per report and region.

Approved submissions and on-behalf warnings both end here. A warning carries the hour it was
published in (nothing finer) and waits, unpackaged, for the next hourly package of its region
(:mod:`.packages`), which claims it whatever hour the job gets to first, so a warning committed
while a package was being built is carried by the next one instead of being lost.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from sqlalchemy import insert
from sqlalchemy.orm import Session

from civitrace.presence.constants import WARNING_PACKAGE_SECONDS
from civitrace.presence.report import CheckInProtectedReport
from civitrace.presence.warning_package import hour_interval
from civitrace.server.db.presence_models import VenueWarning
from civitrace.server.publish.rules import truncate

HOUR: Final = timedelta(seconds=WARNING_PACKAGE_SECONDS)


@dataclass(frozen=True, slots=True)
class Published:
    """How many warning rows were written, and the hour they were published in."""

    count: int
    interval_number: int


def publish_warnings(
    session: Session,
    regions: Sequence[str],
    reports: Iterable[CheckInProtectedReport],
    now: datetime,
) -> Published:
    """Insert every report once per region (uncommitted: the caller's transaction decides)."""
    published_at = truncate(now, HOUR)
    rows = [
        {
            "region": region,
            "location_id_hash": report.location_id_hash,
            "iv": report.iv,
            "encrypted_check_in_record": report.encrypted_check_in_record,
            "mac": report.mac,
            "published_at": published_at,
            "package_interval": None,
        }
        for report in reports
        for region in regions
    ]
    if rows:
        session.connection().execute(insert(VenueWarning), rows)  # Core: no ORM unit of work
    return Published(len(rows), hour_interval(int(published_at.timestamp())))
