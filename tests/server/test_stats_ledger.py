"""The database ledger: the ledger contract, a fixed budget per period, and no overspending when
releases run concurrently (threads on separate connections, SQLite and PostgreSQL)."""

import threading
import time
from collections.abc import Callable, Sequence
from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from civitrace.analytics.errors import BudgetExceededError, LedgerError, ParameterError
from civitrace.analytics.ledger import LedgerEntry, PrivacyBudget, PrivacyLedger, refuse_if_over
from civitrace.analytics.regions import RegionSet
from civitrace.server.analytics import ledger as ledger_module
from civitrace.server.analytics.ledger import DatabaseLedger
from civitrace.server.db import make_engine, session_factory
from civitrace.server.db.analytics_models import LedgerRecord, PrivacyPeriod, StoredRelease
from tests.analytics import test_ledger as contract
from tests.analytics.server_support import WEEK, publish, regions, session
from tests.server.conftest import TestClient

__all__ = ["regions", "session"]  # fixtures used by the tests below

Factory = Callable[[PrivacyBudget], PrivacyLedger]

# The contract every ledger implementation meets, run here against the database one.
test_contract_records_then_refuses = contract.test_records_then_refuses_over_budget
test_contract_all_or_nothing = contract.test_all_or_nothing


@pytest.fixture
def make(session: Session) -> Factory:
    """Database ledgers in one session (one transaction), as ``publishing`` uses them."""
    return lambda budget: DatabaseLedger(session, budget)


def test_budget_is_fixed_by_the_first_release(session: Session) -> None:
    DatabaseLedger(session, PrivacyBudget(1.0)).charge([contract.entry(0.5, release_id="a")])
    session.commit()
    with pytest.raises(LedgerError, match="cannot be changed"):
        DatabaseLedger(session, PrivacyBudget(5.0)).charge([contract.entry(0.9, release_id="b")])
    session.rollback()
    stated_none = DatabaseLedger(session)  # an existing period needs no budget stated
    assert stated_none.budget("2026-W03") == PrivacyBudget(1.0)
    stated_none.charge([contract.entry(0.5, release_id="c")])
    session.commit()
    with pytest.raises(BudgetExceededError, match="2026-W03 has spent ε=1"):
        stated_none.charge([contract.entry(0.01, release_id="d")])
    session.rollback()
    with pytest.raises(ParameterError, match="2026-W09 has no privacy budget yet"):
        stated_none.charge([contract.entry(0.1, period="2026-W09", release_id="e")])
    session.rollback()
    with pytest.raises(ParameterError, match="has no privacy budget"):
        stated_none.budget("2026-W09")
    assert [e.release_id for e in DatabaseLedger(session).entries()] == ["a", "c"]


def test_entries_round_trip(session: Session) -> None:
    entry = LedgerEntry(
        "0123456789abcdef", "test_positivity", "discrete Laplace", 0.25, 0.0, 3,
        date(2026, 1, 12), date(2026, 1, 18), "2026-W03",
    )  # fmt: skip
    book = DatabaseLedger(session, PrivacyBudget(1.0))
    book.charge([entry])
    session.commit()
    assert DatabaseLedger(session).entries("2026-W03") == (entry,)
    assert DatabaseLedger(session).entries("2026-W04") == ()


def test_refused_release_stores_nothing(session: Session, regions: RegionSet) -> None:
    publish(session, regions, epsilon=0.6, budget=1.0)
    with pytest.raises(BudgetExceededError, match="No noise was drawn"):
        publish(session, regions, epsilon=0.6, budget=1.0)
    assert session.scalar(select(func.count()).select_from(StoredRelease)) == 1
    assert session.scalar(select(func.count()).select_from(LedgerRecord)) == 1


THREADS = 4
EPSILON = 0.4
BUDGET = 1.0  # room for two releases of 0.4, not three
PRIMED = 0.3  # spent before the race when the period exists: then room for one only


def _race(
    database_url: str, regions: RegionSet, prime: bool
) -> tuple[list[str], list[BaseException]]:
    """``THREADS`` releases of one week at once, each on its own connection."""
    engine = make_engine(database_url)
    sessions = session_factory(engine)
    if prime:  # the period exists already: the threads lock its row instead of inserting it
        with sessions() as first:
            publish(first, regions, epsilon=PRIMED, budget=BUDGET)
    barrier = threading.Barrier(THREADS)
    done: list[str] = []
    failed: list[BaseException] = []
    guard = threading.Lock()

    def run() -> None:
        barrier.wait()
        try:
            with sessions() as own:
                released = publish(own, regions, epsilon=EPSILON, budget=BUDGET)
            with guard:
                done.append(released[0].release_id)
        except BaseException as exc:  # collected, asserted on below
            with guard:
                failed.append(exc)

    threads = [threading.Thread(target=run) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    engine.dispose()
    return done, failed


@pytest.mark.parametrize("prime", [False, True], ids=["new-period", "existing-period"])
def test_concurrent_releases_cannot_overspend(
    client: TestClient,
    database_url: str,
    session: Session,
    regions: RegionSet,
    monkeypatch: pytest.MonkeyPatch,
    prime: bool,
) -> None:
    """Each thread pauses between reading what was spent and recording its own charge, the
    window in which an unlocked ledger would let all of them through."""
    check = refuse_if_over

    def slow_check(
        budget: PrivacyBudget, recorded: Sequence[LedgerEntry], new: Sequence[LedgerEntry]
    ) -> None:
        time.sleep(0.25)
        check(budget, recorded, new)

    monkeypatch.setattr(ledger_module, "refuse_if_over", slow_check)
    done, failed = _race(database_url, regions, prime)
    allowed = 1 if prime else 2  # 0.3 + 0.4 (+ 0.4 > 1); 0.4 + 0.4 (+ 0.4 > 1)
    assert len(done) == allowed, failed
    assert len(failed) == THREADS - allowed
    assert all(isinstance(exc, BudgetExceededError) for exc in failed), failed
    spent = DatabaseLedger(session).spent(WEEK.period).epsilon
    assert spent <= BUDGET + 1e-9
    assert spent == pytest.approx(PRIMED * prime + EPSILON * allowed)
    assert session.scalar(select(func.count()).select_from(PrivacyPeriod)) == 1
    stored = session.scalars(select(StoredRelease.release_id)).all()
    assert set(done) <= set(stored)
    assert len(stored) == allowed + prime
