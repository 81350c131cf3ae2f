"""One contract, run against every ledger implementation."""

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from civitrace.analytics.errors import BudgetExceededError, LedgerError, ParameterError
from civitrace.analytics.ledger import (
    InMemoryLedger,
    JsonFileLedger,
    LedgerEntry,
    PrivacyBudget,
    PrivacyLedger,
)

Factory = Callable[[PrivacyBudget], PrivacyLedger]


def entry(epsilon: float, period: str = "2026-W03", release_id: str = "r") -> LedgerEntry:
    return LedgerEntry(
        release_id, "cases", "discrete Laplace", epsilon, 0.0, 1,
        date(2026, 1, 12), date(2026, 1, 18), period,
    )  # fmt: skip


@pytest.fixture(params=["memory", "file"])
def make(request: pytest.FixtureRequest, tmp_path: Path) -> Factory:
    if request.param == "memory":
        return InMemoryLedger
    return lambda budget: JsonFileLedger(tmp_path / "ledger.json", budget)


def test_records_then_refuses_over_budget(make: Factory) -> None:
    ledger = make(PrivacyBudget(1.0))
    assert isinstance(ledger, PrivacyLedger)
    ledger.charge([entry(0.4, release_id="a")])
    ledger.charge([entry(0.3, release_id="b"), entry(0.3, release_id="c")])  # exactly 1.0
    assert ledger.spent("2026-W03").epsilon == pytest.approx(1.0)
    with pytest.raises(BudgetExceededError, match=r"2026-W03 has spent ε=1"):
        ledger.charge([entry(0.01, release_id="d")])
    assert [e.release_id for e in ledger.entries()] == ["a", "b", "c"]
    ledger.charge([entry(0.9, period="2026-W04", release_id="e")])  # another period
    assert [e.release_id for e in ledger.entries("2026-W04")] == ["e"]


def test_all_or_nothing(make: Factory) -> None:
    ledger = make(PrivacyBudget(1.0))
    with pytest.raises(BudgetExceededError):
        ledger.charge([entry(0.6, release_id="a"), entry(0.6, release_id="b")])
    assert ledger.entries() == ()
    assert ledger.spent("2026-W03").epsilon == 0


def test_file_ledger_keeps_its_budget(tmp_path: Path) -> None:
    path = tmp_path / "ledger.json"
    JsonFileLedger(path, PrivacyBudget(1.0)).charge([entry(0.5)])
    with pytest.raises(LedgerError, match="cannot be changed"):
        JsonFileLedger(path, PrivacyBudget(5.0)).charge([entry(0.9)])
    assert JsonFileLedger(path, PrivacyBudget(5.0)).budget("2026-W03") == PrivacyBudget(1.0)
    path.write_text("{nope")
    with pytest.raises(LedgerError, match="not valid JSON"):
        JsonFileLedger(path, PrivacyBudget(1.0)).entries()


@pytest.mark.parametrize(("epsilon", "delta"), [(0, 0), (-1, 0), (float("inf"), 0), (1, 1)])
def test_budget_validation(epsilon: float, delta: float) -> None:
    with pytest.raises(ParameterError):
        PrivacyBudget(epsilon, delta)
