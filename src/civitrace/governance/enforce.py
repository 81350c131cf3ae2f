"""Enforcement: delete every record past its declared retention, and everything personal after
the sunset (DESIGN §5). ``civitrace governance enforce`` and ``civitrace retention run`` call
:func:`enforce`; both hold the ``retention`` job lock, so two hosts never run it at once.

Generic over the SQLAlchemy metadata: each table names its category and retention column in
its ``info`` (:mod:`.tags`), the inventory in force (:mod:`.proposals`) gives the category's
retention, and rows whose retention column is older than ``now - retention`` are deleted
(``NULL`` there means the clock has not started). Per table:

- after the sunset, a table of a personal category loses every row;
- a table with a retention column whose category is no longer in the inventory in force (a
  narrowing proposal removed it) loses every row: what is not declared is not kept;
- a category without retention (non-personal only) keeps its rows.

The audit log is cut as a prefix of its chain with a pruning note (:func:`.audit.prune`), and
the export files that carry exposure keys go with the keys: a batch is deleted once its window
*starts* before the keys' cutoff, so no key in a file outlives its declared retention.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Final

from sqlalchemy import ColumnElement, Engine, MetaData, delete, func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from civitrace.governance import audit
from civitrace.governance.inventory import Inventory
from civitrace.governance.proposals import effective_inventory, ensure_baseline
from civitrace.governance.settings import GovernanceSettings
from civitrace.governance.tags import TableTag, column_kind, table_tags
from civitrace.server.db.engine import session_factory
from civitrace.server.db.export_models import ExportBatchRecord
from civitrace.server.db.models import Base
from civitrace.server.exports.cleanup import cleanup_exports
from civitrace.server.exports.settings import ExportSettings
from civitrace.server.exports.storage import ExportStorage
from civitrace.server.jobs.lock import job_lock

JOB_NAME: Final = "retention"  # the job lock shared with ``civitrace retention run``
EXPORT_FILES: Final = "export_files"  # key of the export files in the report's counts
EXPORT_FILES_CATEGORY: Final = "exposure_keys"  # export files carry the published keys
WIPE: Final = None  # a cutoff of None: every row goes


@dataclass(frozen=True, slots=True)
class EnforcementReport:
    """Rows deleted per table (and export files), and what could not be enforced."""

    now: datetime
    sunset: bool
    deleted: dict[str, int] = field(default_factory=dict)
    problems: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class _Plan:
    """What to delete from one table: rows older than ``cutoff``, or all when ``wipe``."""

    tag: TableTag
    wipe: bool
    cutoff: datetime | None


Pruner = Callable[[Session, datetime | None, datetime, str], int]


def _prune_audit(session: Session, before: datetime | None, now: datetime, reason: str) -> int:
    return audit.prune(session, before=before, now=now, reason=reason)


PRUNERS: Final[Mapping[str, Pruner]] = {"audit_log": _prune_audit}
"""Tables whose rows cannot simply be deleted: a function that removes them properly."""


def retention_of(
    inventory: Inventory, category: str, shorter: Mapping[str, timedelta] | None = None
) -> timedelta | None:
    """The retention in force for ``category``: the declared one, or a shorter one the
    deployment's settings ask for (shortening is narrowing, so it applies at once)."""
    declared = inventory.get(category)
    if declared is None or declared.retention is None:
        return None
    override = (shorter or {}).get(category)
    return declared.retention if override is None else min(declared.retention, override)


def _plan(
    tag: TableTag,
    inventory: Inventory,
    sunset: bool,
    now: datetime,
    shorter: Mapping[str, timedelta] | None,
) -> _Plan | str | None:
    """A plan for one table, a problem (str), or None when the table keeps everything."""
    if tag.category is None:
        return f"table {tag.table.name}: declares no data_category, so nothing is enforced"
    category = inventory.get(tag.category)
    undeclared = category is None and tag.retention_column is not None
    if undeclared or (sunset and (category is None or category.personal)):
        return _Plan(tag, wipe=True, cutoff=None)
    if category is None:
        return f"table {tag.table.name}: category {tag.category!r} is not in the inventory"
    retention = retention_of(inventory, category.name, shorter)
    usable = tag.column is not None and column_kind(tag.column) is not None
    if retention is None or (not usable and not category.personal):
        return None
    if not usable:
        return f"table {tag.table.name}: personal data without a usable retention_column"
    return _Plan(tag, wipe=False, cutoff=now - retention)


def _older_than(tag: TableTag, cutoff: datetime) -> ColumnElement[bool]:
    column = tag.column
    assert column is not None
    if column_kind(column) is datetime:
        return column < cutoff
    # A day counts from its start (00:00 UTC): it is past retention once that start is.
    moment = cutoff.astimezone(UTC)
    day = moment.date() if moment.time() == time(0) else moment.date() + timedelta(days=1)
    return column < day


def _execute(session: Session, plan: _Plan, now: datetime, reason: str) -> int:
    table = plan.tag.table
    pruner = PRUNERS.get(table.name)
    if pruner is not None:
        return pruner(session, None if plan.wipe else plan.cutoff, now, reason)
    statement = delete(table)
    if not plan.wipe:
        assert plan.cutoff is not None
        statement = statement.where(_older_than(plan.tag, plan.cutoff))
    result = session.execute(statement)
    return max(int(result.rowcount), 0)  # type: ignore[attr-defined]


def _delete_rows(
    session: Session,
    inventory: Inventory,
    metadata: MetaData,
    *,
    sunset: bool,
    now: datetime,
    shorter: Mapping[str, timedelta] | None,
) -> tuple[dict[str, int], list[str]]:
    counts: dict[str, int] = {}
    problems: list[str] = []
    reason = "sunset" if sunset else "retention"
    for tag in table_tags(metadata):
        plan = _plan(tag, inventory, sunset, now, shorter)
        if isinstance(plan, str):
            problems.append(plan)
            continue
        if plan is None:
            continue
        try:
            with session.begin_nested():
                counts[tag.table.name] = _execute(session, plan, now, reason)
        except SQLAlchemyError as exc:
            original = str(getattr(exc, "orig", None) or exc).strip()
            first_line = original.splitlines()[0] if original else type(exc).__name__
            problems.append(f"table {tag.table.name}: not enforced: {first_line}")
    return counts, problems


def _export_cutoff(
    session: Session,
    inventory: Inventory,
    sunset: bool,
    now: datetime,
    shorter: Mapping[str, timedelta] | None,
) -> datetime | None:
    """Batches ending before this hold only keys past retention; None: keep every batch."""
    category = inventory.get(EXPORT_FILES_CATEGORY)
    if sunset or category is None:
        last_end = session.scalar(select(func.max(ExportBatchRecord.end_at)))
        return now if last_end is None else max(now, last_end + timedelta(microseconds=1))
    retention = retention_of(inventory, EXPORT_FILES_CATEGORY, shorter)
    if retention is None:
        return None
    cutoff = now - retention
    straddling = session.scalar(
        select(func.max(ExportBatchRecord.end_at)).where(ExportBatchRecord.start_at < cutoff)
    )
    if straddling is None:
        return cutoff
    return max(cutoff, straddling + timedelta(microseconds=1))


def enforce(
    engine: Engine,
    settings: GovernanceSettings,
    *,
    now: datetime | None = None,
    storage: ExportStorage | None = None,
    exports: ExportSettings | None = None,
    shorter: Mapping[str, timedelta] | None = None,
    metadata: MetaData = Base.metadata,
) -> EnforcementReport:
    """Delete what is past retention at ``now`` (default: the current time), everything
    personal once the sunset has passed, and, with ``storage``, the export files whose keys are
    past retention. Each table is deleted from in its own savepoint: one that cannot be
    enforced (a foreign key in the way) is rolled back and reported in ``problems``, and the
    others still are.

    ``shorter`` maps categories to retentions shorter than declared (the server's ``retention``
    settings); a longer value is ignored, since widening needs a proposal.
    """
    now = now or datetime.now(UTC)
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    sunset = settings.sunset_passed(now)
    with job_lock(engine, JOB_NAME):
        with session_factory(engine)() as session:
            ensure_baseline(session, settings.configured_inventory(), now)
            inventory = effective_inventory(session, settings.configured_inventory(), now)
            counts, problems = _delete_rows(
                session, inventory, metadata, sunset=sunset, now=now, shorter=shorter
            )
            export_cutoff = (
                None
                if storage is None
                else _export_cutoff(session, inventory, sunset, now, shorter)
            )
            session.commit()
        if storage is not None and export_cutoff is not None:
            ttl = now - export_cutoff
            if exports is not None and not sunset:
                ttl = min(ttl, exports.cleanup_ttl)
            counts[EXPORT_FILES] = cleanup_exports(engine, storage, ttl, now)
    return EnforcementReport(now, sunset, counts, tuple(problems))
