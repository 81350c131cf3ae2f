"""Retention of what the presence server derives or counts, beside the rows of its personal
tables (which the governance enforcement deletes by their declared category and column):

- ``warning_packages`` and their files: once their hour ended ``warning_retention`` ago (records
  first and the index rewritten without them, then the files, so a device never finds a listed
  file missing; then any expired package file no record names, left by a run that died);
- ``presence_spent_certificates``: a day after the certificate expired (it can no longer be
  presented); ``slip_lookup_failures``: a day after their window began.

Called by ``civitrace retention run`` inside its job lock (see :func:`cleanup_presence`).
"""

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Final

from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session

from civitrace.presence.constants import WARNING_PACKAGE_SECONDS
from civitrace.server.db.engine import session_factory
from civitrace.server.db.presence_models import (
    SlipLookupFailure,
    SpentCertificate,
    WarningPackageRecord,
)
from civitrace.server.exports.storage import ExportStorage
from civitrace.server.presence.packages import (
    PACKAGE_SUFFIX,
    STORAGE_PREFIX,
    package_name,
    write_index,
)
from civitrace.server.presence.settings import PresenceSettings

BOOKKEEPING_MARGIN: Final = timedelta(days=1)
PACKAGE_FILES: Final = "warning_package_files"  # key of the files in the returned counts


def _delete_bookkeeping(session: Session, now: datetime) -> dict[str, int]:
    statements = {
        "presence_spent_certificates": delete(SpentCertificate).where(
            SpentCertificate.expires_at < now - BOOKKEEPING_MARGIN
        ),
        "slip_lookup_failures": delete(SlipLookupFailure).where(
            SlipLookupFailure.window_start < now - BOOKKEEPING_MARGIN
        ),
    }
    counts = {}
    for table, statement in statements.items():
        result = session.execute(statement)
        counts[table] = max(result.rowcount, 0)  # type: ignore[attr-defined]
    return counts


def _stray_files(storage: ExportStorage, last_expired: int, kept: Iterable[str]) -> set[str]:
    """Package files of expired hours that no record names."""
    keep = set(kept)
    stray = set()
    for name in storage.list(f"{STORAGE_PREFIX}/"):
        stem = name.rsplit("/", 1)[-1].removesuffix(PACKAGE_SUFFIX)
        expired = name.endswith(PACKAGE_SUFFIX) and stem.isdecimal() and int(stem) <= last_expired
        if expired and name not in keep:
            stray.add(name)
    return stray


def cleanup_presence(
    engine: Engine,
    settings: PresenceSettings,
    now: datetime,
    storage: ExportStorage | None = None,
) -> dict[str, int]:
    """Delete expired packages (and, with ``storage``, their files) and spent bookkeeping;
    returns the count per table and of files."""
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    sessions = session_factory(engine)
    # an hour is expired once it *ended* before the cutoff, strictly (as rows: older than it)
    cutoff = int((now - settings.warning_retention).timestamp())
    last_expired = -(-cutoff // WARNING_PACKAGE_SECONDS) - 2
    with sessions() as session:
        counts = _delete_bookkeeping(session, now)
        expired = session.execute(
            select(WarningPackageRecord.region, WarningPackageRecord.interval_number).where(
                WarningPackageRecord.interval_number <= last_expired
            )
        ).all()
        session.execute(
            delete(WarningPackageRecord).where(WarningPackageRecord.interval_number <= last_expired)
        )
        session.commit()
        regions = {region for region, _ in expired}
        regions.update(session.scalars(select(WarningPackageRecord.region).distinct()))
        kept = [
            package_name(region, number)
            for region, number in session.execute(
                select(WarningPackageRecord.region, WarningPackageRecord.interval_number)
            )
        ]
    counts["warning_packages"] = len(expired)
    if storage is None:
        return counts
    for region in sorted(regions):
        write_index(sessions, storage, region)
    doomed = {package_name(region, number) for region, number in expired}
    doomed |= _stray_files(storage, last_expired, kept)
    for name in sorted(doomed):
        storage.delete(name)
    counts[PACKAGE_FILES] = len(doomed)
    return counts
