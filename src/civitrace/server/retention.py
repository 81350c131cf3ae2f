"""``civitrace retention run``: delete every record past its declared retention (DESIGN §5).

What goes, with the defaults of :class:`~civitrace.server.jobs.settings.RetentionSettings`:

- ``exposures``: keys (local and federated) whose ``created_at`` is more than 14 days old;
- ``verification_codes``: codes, claimed or not, whose *later* expiry (the long code's) is more
  than 1 h past; a claimed code is kept until it expires, since its row is what refuses a replay;
- ``tokens``: tokens, claimed or not, more than 1 h past their expiry (same reason);
- ``failed_guesses``: rate-limit buckets that started more than 1 day ago (longer than the longest
  rate-limit window, so no live bucket is ever dropped);
- export batches and files whose window ended before the export ``cleanup_ttl``, through the
  exports' own :func:`~civitrace.server.exports.cleanup.cleanup_exports`.

The run holds the ``retention`` job lock, so two hosts never run it at once.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

from sqlalchemy import Engine, delete
from sqlalchemy.orm import Session

from civitrace.server.db.engine import session_factory
from civitrace.server.db.models import Exposure, FailedGuess, Token, VerificationCode
from civitrace.server.exports.cleanup import cleanup_exports
from civitrace.server.exports.settings import ExportSettings
from civitrace.server.exports.storage import ExportStorage
from civitrace.server.jobs.lock import job_lock
from civitrace.server.jobs.settings import RetentionSettings

JOB_NAME: Final = "retention"


@dataclass(frozen=True, slots=True)
class RetentionReport:
    """Rows (or files) deleted per table."""

    counts: dict[str, int]


def _delete_rows(session: Session, settings: RetentionSettings, now: datetime) -> dict[str, int]:
    statements = {
        "exposures": delete(Exposure).where(Exposure.created_at < now - settings.exposures),
        "verification_codes": delete(VerificationCode).where(
            VerificationCode.long_expires_at < now - settings.codes_after_expiry,
            VerificationCode.expires_at < now - settings.codes_after_expiry,
        ),
        "tokens": delete(Token).where(Token.expires_at < now - settings.tokens_after_expiry),
        "failed_guesses": delete(FailedGuess).where(
            FailedGuess.window_start < now - settings.failed_guesses
        ),
    }
    counts = {}
    for table, statement in statements.items():
        result = session.execute(statement)
        counts[table] = max(result.rowcount, 0)  # type: ignore[attr-defined]
    return counts


def run_retention(
    engine: Engine,
    settings: RetentionSettings,
    *,
    now: datetime | None = None,
    exports: ExportSettings | None = None,
    storage: ExportStorage | None = None,
) -> RetentionReport:
    """Delete everything past retention at ``now`` (default: the current time), in one
    transaction for the rows, then the expired export batches and files when ``storage`` is
    given."""
    now = now or datetime.now(UTC)
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    with job_lock(engine, JOB_NAME):
        with session_factory(engine)() as session:
            counts = _delete_rows(session, settings, now)
            session.commit()
        if storage is not None:
            ttl = (exports or ExportSettings()).cleanup_ttl
            counts["export_files"] = cleanup_exports(engine, storage, ttl, now)
    return RetentionReport(counts)
