"""The privacy budget ledger: what each release spent, and the refusal of one that would overspend.

Composition is basic sequential composition within a period (an ISO week): the releases of a
period together satisfy (Σε, Σδ)-DP for the person-level unit, because each one bounds every
person's contribution separately and OpenDP maps that bound to its ε. That sum is exactly what
OpenDP's ``make_composition`` reports for pure-DP measurements; the ledger adds the recorded
figures instead of rebuilding the measurements, which it no longer holds. Releases in
different periods see disjoint windows and do not compose in this accounting: the guarantee is
per person per week.

A ledger charges releases all-or-nothing and *before* any noise is drawn, so a refused release
has spent nothing and published nothing. The database ledger lives in the server; here are the
interface, an in-memory implementation and a JSON-file one for the CLI.
"""

import contextlib
import fcntl
import json
import math
import os
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from civitrace.analytics.errors import BudgetExceededError, LedgerError, ParameterError

_SLACK = 1e-9  # relative tolerance when comparing float sums of ε against the budget


@dataclass(frozen=True)
class PrivacyBudget:
    """What one period may spend in total."""

    epsilon: float
    delta: float = 0.0

    def __post_init__(self) -> None:
        if not (math.isfinite(self.epsilon) and self.epsilon > 0):
            raise ParameterError("the period budget's epsilon must be positive and finite")
        if not 0 <= self.delta < 1:
            raise ParameterError("the period budget's delta must lie in [0, 1)")


@dataclass(frozen=True)
class LedgerEntry:
    """One release as the ledger records it."""

    release_id: str
    kind: str
    mechanism: str
    epsilon: float
    delta: float
    sensitivity: int  # L1 sensitivity of the released vector = contributions per person
    window_start: date
    window_end: date
    period: str

    def to_json(self) -> dict[str, Any]:
        document = asdict(self)
        document["window_start"] = self.window_start.isoformat()
        document["window_end"] = self.window_end.isoformat()
        return document

    @classmethod
    def from_json(cls, document: Any) -> "LedgerEntry":
        try:
            return cls(
                release_id=str(document["release_id"]),
                kind=str(document["kind"]),
                mechanism=str(document["mechanism"]),
                epsilon=float(document["epsilon"]),
                delta=float(document["delta"]),
                sensitivity=int(document["sensitivity"]),
                window_start=date.fromisoformat(document["window_start"]),
                window_end=date.fromisoformat(document["window_end"]),
                period=str(document["period"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise LedgerError(f"malformed ledger entry ({exc})") from None


@dataclass(frozen=True)
class Spend:
    epsilon: float
    delta: float


@runtime_checkable
class PrivacyLedger(Protocol):
    """Where releases are charged. Implementations must make :meth:`charge` atomic."""

    def budget(self, period: str) -> PrivacyBudget:
        """The budget of a period."""
        ...

    def spent(self, period: str) -> Spend:
        """What the period's recorded releases spent together (basic composition)."""
        ...

    def charge(self, entries: Sequence[LedgerEntry]) -> None:
        """Record all entries, or none and raise :class:`BudgetExceededError`."""
        ...

    def entries(self, period: str | None = None) -> tuple[LedgerEntry, ...]:
        """Recorded entries, oldest first; only one period's when given."""
        ...


def compose(entries: Sequence[LedgerEntry]) -> Spend:
    """Basic sequential composition: ε and δ add up."""
    return Spend(math.fsum(e.epsilon for e in entries), math.fsum(e.delta for e in entries))


def refuse_if_over(
    budget: PrivacyBudget, recorded: Sequence[LedgerEntry], new: Sequence[LedgerEntry]
) -> None:
    """Raise :class:`BudgetExceededError` if ``new`` on top of ``recorded`` exceeds the budget."""
    periods = {e.period for e in new}
    for period in sorted(periods):
        before = compose([e for e in recorded if e.period == period])
        after = compose([*[e for e in recorded if e.period == period], *new])
        if after.epsilon > budget.epsilon * (1 + _SLACK) or after.delta > budget.delta + _SLACK:
            raise BudgetExceededError(
                f"refused: period {period} has spent ε={before.epsilon:.4g}"
                f" (δ={before.delta:.3g}) of its budget ε={budget.epsilon:.4g}"
                f" (δ={budget.delta:.3g}); this release needs"
                f" ε={after.epsilon - before.epsilon:.4g}"
                " more. No noise was drawn and nothing was published."
            )


class InMemoryLedger:
    """A ledger in a list, with the same budget for every period (tests, notebooks)."""

    def __init__(self, budget: PrivacyBudget) -> None:
        self._budget = budget
        self._entries: list[LedgerEntry] = []

    def budget(self, period: str) -> PrivacyBudget:
        return self._budget

    def spent(self, period: str) -> Spend:
        return compose(self.entries(period))

    def charge(self, entries: Sequence[LedgerEntry]) -> None:
        for period in {e.period for e in entries}:
            refuse_if_over(
                self.budget(period), self._entries, [e for e in entries if e.period == period]
            )
        self._entries.extend(entries)

    def entries(self, period: str | None = None) -> tuple[LedgerEntry, ...]:
        return tuple(e for e in self._entries if period is None or e.period == period)


class JsonFileLedger:
    """A ledger in one JSON file, locked while charged (the CLI's; the server has its own).

    The budget of a period is fixed by its first release and stored in the file; a later
    command that states a different budget for the same period is refused, so the budget
    cannot be raised by re-running with a larger ``--period-budget``.
    """

    def __init__(self, path: Path, budget: PrivacyBudget) -> None:
        self._path = path
        self._budget = budget

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        lock_path = self._path.with_name(self._path.name + ".lock")
        with lock_path.open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _read(self) -> dict[str, Any]:
        if not self._path.exists():
            return {"budgets": {}, "entries": []}
        try:
            document = json.loads(self._path.read_bytes())
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise LedgerError(f"ledger {self._path} is not valid JSON ({exc})") from None
        if not isinstance(document, dict) or not isinstance(document.get("entries"), list):
            raise LedgerError(f"ledger {self._path} is not a civitrace privacy ledger")
        document.setdefault("budgets", {})
        return document

    def _write(self, document: dict[str, Any]) -> None:
        tmp = self._path.with_name(self._path.name + ".tmp")
        tmp.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
        os.replace(tmp, self._path)

    def _stored_budget(self, document: dict[str, Any], period: str) -> PrivacyBudget:
        stored = document["budgets"].get(period)
        if stored is None:
            return self._budget
        try:
            return PrivacyBudget(float(stored["epsilon"]), float(stored["delta"]))
        except (KeyError, TypeError, ValueError):
            raise LedgerError(f"ledger {self._path}: malformed budget of {period}") from None

    def budget(self, period: str) -> PrivacyBudget:
        return self._stored_budget(self._read(), period)

    def spent(self, period: str) -> Spend:
        return compose(self.entries(period))

    def entries(self, period: str | None = None) -> tuple[LedgerEntry, ...]:
        recorded = (LedgerEntry.from_json(e) for e in self._read()["entries"])
        return tuple(e for e in recorded if period is None or e.period == period)

    def charge(self, entries: Sequence[LedgerEntry]) -> None:
        with self._locked():
            document = self._read()
            recorded = [LedgerEntry.from_json(e) for e in document["entries"]]
            for period in sorted({e.period for e in entries}):
                stored = self._stored_budget(document, period)
                if stored != self._budget:
                    raise LedgerError(
                        f"period {period} already has budget ε={stored.epsilon:g}"
                        f" (δ={stored.delta:g}) in {self._path}; it cannot be changed"
                    )
                refuse_if_over(stored, recorded, [e for e in entries if e.period == period])
                document["budgets"][period] = asdict(stored)
            document["entries"].extend(e.to_json() for e in entries)
            self._write(document)
