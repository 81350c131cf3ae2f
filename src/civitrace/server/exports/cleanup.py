"""Retention of export files: batches whose window ended more than the TTL ago are removed.

Records go first (and the index is rewritten without them), then the files, so a device never
finds a listed file missing; a sweep then deletes any expired file no record names (left by a
run that died between the two steps).
"""

import re
from datetime import UTC, datetime, timedelta
from typing import Final

from sqlalchemy import Engine, delete, select

from civitrace.server.db.engine import session_factory
from civitrace.server.db.export_models import ExportBatchRecord
from civitrace.server.exports.batcher import write_index
from civitrace.server.exports.storage import ExportStorage

_FILE: Final = re.compile(r"^(?P<region>[^/]+)/(?P<start>\d+)-(?P<end>\d+)-\d{5}\.zip$")


def cleanup_exports(
    engine: Engine, storage: ExportStorage, ttl: timedelta, now: datetime | None = None
) -> int:
    """Delete batches (records, padding keys, files) that ended before ``now - ttl``;
    returns the number of files deleted."""
    now = now or datetime.now(UTC)
    cutoff = now - ttl
    sessions = session_factory(engine)
    with sessions() as session:
        expired = session.scalars(
            select(ExportBatchRecord).where(ExportBatchRecord.end_at < cutoff)
        ).all()
        regions = {row.region for row in expired}
        doomed = {name for row in expired for name in row.files}
        session.execute(delete(ExportBatchRecord).where(ExportBatchRecord.end_at < cutoff))
        session.commit()
        regions.update(session.scalars(select(ExportBatchRecord.region).distinct()))
        kept = {
            name
            for listed in session.scalars(select(ExportBatchRecord.file_names))
            for name in listed.split("\n")
        }
    for region in sorted(regions):
        write_index(sessions, storage, region)
    for name in storage.list():
        match = _FILE.match(name)
        if match and int(match["end"]) < cutoff.timestamp() and name not in kept:
            doomed.add(name)
    for name in sorted(doomed):
        storage.delete(name)
    return len(doomed)
