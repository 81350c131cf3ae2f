"""The privacy-budget ledger in the database, safe when releases run concurrently.

:class:`DatabaseLedger` implements ``civitrace.analytics.ledger.PrivacyLedger`` inside the
caller's transaction: :meth:`~DatabaseLedger.charge` checks and records the entries, and the
caller commits once the release it charged is stored (``publishing``), so a ledger line and its
published table appear together or not at all. A failure before the commit rolls both back; no
noise that was drawn ever left the server in that case, so nothing was spent.

Concurrency. Two releases of one period must not both read "ε left = 0.6", both spend 0.5 and
commit 1.0 over budget. The charge therefore starts with a write to the period's row of
``privacy_budgets`` (``INSERT … ON CONFLICT DO NOTHING``), then reads it ``FOR UPDATE``:

- PostgreSQL: the row lock is held until commit; a second charge of the period blocks on it
  (or, for a new period, on the primary-key insert) and, under READ COMMITTED, reads the ledger
  only after the first release committed or rolled back;
- SQLite: the insert is the transaction's first write, which takes the database's write lock
  before anything is read; a second writer waits (``busy_timeout``) and then starts afresh.

The budget of a period is fixed by its first charge and cannot be changed later, so re-running a
release with a larger budget cannot raise it.
"""

import math
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from civitrace.analytics.errors import LedgerError, ParameterError
from civitrace.analytics.ledger import LedgerEntry, PrivacyBudget, Spend, compose, refuse_if_over
from civitrace.server.analytics._upsert import insert_for
from civitrace.server.db.analytics_models import LedgerRecord, PrivacyPeriod

Clock = Callable[[], datetime]


def _now() -> datetime:
    return datetime.now(UTC)


def _entry(row: LedgerRecord) -> LedgerEntry:
    return LedgerEntry(
        release_id=row.release_id,
        kind=row.kind,
        mechanism=row.mechanism,
        epsilon=row.epsilon,
        delta=row.delta,
        sensitivity=row.sensitivity,
        window_start=row.window_start,
        window_end=row.window_end,
        period=row.period,
    )


class DatabaseLedger:
    """The ledger in ``privacy_budgets`` and ``privacy_ledger``, in ``session``'s transaction.

    ``budget`` is what a period that has none yet gets (its first release fixes it); ``None``
    means only periods that already have a budget can be charged.
    """

    def __init__(
        self, session: Session, budget: PrivacyBudget | None = None, *, clock: Clock = _now
    ) -> None:
        self._session = session
        self._budget = budget
        self._clock = clock

    def _stored(self, period: str, *, lock: bool) -> PrivacyBudget | None:
        query = select(PrivacyPeriod.epsilon, PrivacyPeriod.delta).where(
            PrivacyPeriod.period == period
        )
        row = self._session.execute(query.with_for_update() if lock else query).one_or_none()
        return None if row is None else PrivacyBudget(row.epsilon, row.delta)

    def budget(self, period: str) -> PrivacyBudget:
        stored = self._stored(period, lock=False)
        if stored is not None:
            return stored
        if self._budget is None:
            raise ParameterError(f"period {period} has no privacy budget yet: state one")
        return self._budget

    def spent(self, period: str) -> Spend:
        return compose(self.entries(period))

    def entries(self, period: str | None = None) -> tuple[LedgerEntry, ...]:
        query = select(LedgerRecord).order_by(LedgerRecord.id)
        if period is not None:
            query = query.where(LedgerRecord.period == period)
        return tuple(_entry(row) for row in self._session.scalars(query))

    def _lock(self, period: str) -> PrivacyBudget:
        """Take the period's lock (see the module doc) and return its budget."""
        if self._budget is not None:
            table = PrivacyPeriod.__table__
            statement = (
                insert_for(self._session, table)  # type: ignore[arg-type]
                .values(
                    period=period,
                    epsilon=self._budget.epsilon,
                    delta=self._budget.delta,
                    created_at=self._clock(),
                )
                .on_conflict_do_nothing(index_elements=["period"])
            )
        else:  # a no-op write, for the same lock on a period that must already exist
            statement = (
                update(PrivacyPeriod)
                .where(PrivacyPeriod.period == period)
                .values(epsilon=PrivacyPeriod.epsilon)
                .execution_options(synchronize_session=False)
            )
        self._session.execute(statement)
        stored = self._stored(period, lock=True)
        if stored is None:
            raise ParameterError(f"period {period} has no privacy budget yet: state one")
        if self._budget is not None and stored != self._budget:
            raise LedgerError(
                f"period {period} already has budget ε={stored.epsilon:g}"
                f" (δ={stored.delta:g}); it cannot be changed"
            )
        return stored

    def charge(self, entries: Sequence[LedgerEntry]) -> None:
        """Record every entry, or none and raise ``BudgetExceededError`` (then roll back)."""
        for entry in entries:
            if not (math.isfinite(entry.epsilon) and entry.epsilon > 0):
                raise ParameterError("a ledger entry's epsilon must be positive and finite")
        periods = sorted({e.period for e in entries})  # one lock order: no deadlock
        for period in periods:
            budget = self._lock(period)
            refuse_if_over(budget, self.entries(period), [e for e in entries if e.period == period])
        now = self._clock()
        self._session.add_all(
            LedgerRecord(
                release_id=e.release_id,
                period=e.period,
                kind=e.kind,
                mechanism=e.mechanism,
                epsilon=e.epsilon,
                delta=e.delta,
                sensitivity=e.sensitivity,
                window_start=e.window_start,
                window_end=e.window_end,
                recorded_at=now,
            )
            for e in entries
        )
        self._session.flush()
