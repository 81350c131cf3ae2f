"""``civitrace retention run``: delete every record past its declared retention (DESIGN §5).

A thin front to :func:`civitrace.governance.enforce.enforce`, which does the work generically
over every table's declared category and retention column, for every category of the data
inventory in force (and wipes personal data after the sunset). With the shipped inventory:

- ``exposures`` (``exposure_keys``): keys, local and federated, 14 days after ``created_at``;
- ``verification_codes``: 1 hour after the later (long-code) expiry; a claimed code is kept
  until it expires, since its row is what refuses a replay;
- ``tokens`` (``verification_tokens``): 1 hour after their expiry (same reason);
- ``failed_guesses`` (``rate_limits``): 1 day after the bucket started (longer than the
  longest rate-limit window, so no live bucket is ever dropped);
- export batches and files as soon as their window starts before the keys' cutoff.

The server's :class:`~civitrace.server.jobs.settings.RetentionSettings` may shorten those four
retentions (narrowing applies at once); a longer value there changes nothing, since widening
goes through a proposal with a notice period. The run holds the ``retention`` job lock.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final

from sqlalchemy import Engine

from civitrace.governance.enforce import JOB_NAME as _JOB_NAME
from civitrace.governance.enforce import enforce
from civitrace.governance.settings import GovernanceSettings
from civitrace.server.exports.settings import ExportSettings
from civitrace.server.exports.storage import ExportStorage
from civitrace.server.jobs.settings import RetentionSettings
from civitrace.server.presence.cleanup import cleanup_presence
from civitrace.server.presence.settings import PresenceSettings
from civitrace.server.presence.settings import shorter_retentions as presence_retentions

JOB_NAME: Final = _JOB_NAME

SETTING_OF_CATEGORY: Final = {
    "exposure_keys": "exposures",
    "verification_codes": "codes_after_expiry",
    "verification_tokens": "tokens_after_expiry",
    "rate_limits": "failed_guesses",
}
"""Which :class:`RetentionSettings` field may shorten which inventory category."""


@dataclass(frozen=True, slots=True)
class RetentionReport:
    """Rows (or files) deleted per table, and tables that could not be enforced."""

    counts: dict[str, int]
    problems: tuple[str, ...] = ()


def shorter_retentions(settings: RetentionSettings) -> dict[str, timedelta]:
    """The retention settings as per-category limits for the enforcement job."""
    return {category: getattr(settings, field) for category, field in SETTING_OF_CATEGORY.items()}


def run_retention(
    engine: Engine,
    settings: RetentionSettings,
    *,
    now: datetime | None = None,
    exports: ExportSettings | None = None,
    storage: ExportStorage | None = None,
    governance: GovernanceSettings | None = None,
    presence: PresenceSettings | None = None,
) -> RetentionReport:
    """Delete everything past retention at ``now`` (default: the current time), in one
    transaction for the rows, then the expired export batches and files when ``storage`` is
    given. ``governance`` (default: the shipped inventory, no sunset) is the deployment's
    governance section; ``presence`` may shorten the presence categories and says which
    warning packages, spent certificates and lookup counters to clean up afterwards."""
    moment = now or datetime.now(UTC)
    section = presence or PresenceSettings()
    report = enforce(
        engine,
        governance or GovernanceSettings(),
        now=moment,
        storage=storage,
        exports=exports or ExportSettings(),
        shorter={**shorter_retentions(settings), **presence_retentions(section)},
    )
    counts = dict(report.deleted)
    counts.update(cleanup_presence(engine, section, moment, storage))
    return RetentionReport(counts, report.problems)
