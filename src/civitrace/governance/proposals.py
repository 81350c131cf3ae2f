"""Proposals: how the data inventory changes while the service runs (DESIGN §5, notice period).

The inventory in force is stored, not read from the configuration file each time: the first
time governance runs (:func:`ensure_baseline`) it stores the configured inventory as the
*baseline* proposal; afterwards the inventory in force at ``now`` is the baseline with every
proposal in force at ``now`` applied in the order they took effect (:func:`effective_inventory`).
Editing the file therefore changes nothing by itself: ``civitrace governance propose FILE``
diffs the file against the inventory in force and stores

- the narrowing and editorial changes as one *immediate* proposal, in force at once;
- the widening changes as one *widening* proposal, in force no earlier than ``now`` plus the
  notice period, and only once a consultation summary is attached
  (:func:`attach_consultation_summary`): past its date without one, it stays pending.

Every proposal is public (:func:`public_proposals`) and each one appends an audit entry.
"""

import enum
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from civitrace.governance import audit
from civitrace.governance.changes import Change, Effect, apply_changes, diff
from civitrace.governance.constants import SYSTEM_ACTOR
from civitrace.governance.errors import InventoryError, ProposalError
from civitrace.governance.inventory import Inventory
from civitrace.governance.settings import GovernanceSettings
from civitrace.server.db.governance_models import InventoryProposal, ProposalKind

MAX_TITLE: Final = 200
MAX_URL: Final = 500
_URL: Final = re.compile(r"^(https?://[^\s/$.?#][^\s]*|/[^\s]*)$", re.IGNORECASE)
EMPTY: Final = Inventory(())


class Status(enum.StrEnum):
    """Where a proposal stands at a given time."""

    IN_FORCE = "in-force"
    PENDING = "pending"  # its effective date has not come
    AWAITING_SUMMARY = "awaiting-summary"  # date passed, no consultation summary yet
    WITHDRAWN = "withdrawn"


@dataclass(frozen=True, slots=True)
class Proposal:
    """A stored proposal as the public sees it at ``now``."""

    id: int
    kind: ProposalKind
    title: str
    rationale: str
    changes: tuple[Change, ...]
    created_at: datetime
    effective_at: datetime
    consultation_summary_url: str | None
    summary_published_at: datetime | None
    withdrawn_at: datetime | None
    status: Status

    def to_json(self) -> dict[str, Any]:
        """The public JSON form (``GET /governance/proposals.json``)."""
        return {
            "id": self.id,
            "kind": str(self.kind),
            "status": str(self.status),
            "title": self.title,
            "rationale": self.rationale,
            "createdAt": _iso(self.created_at),
            "effectiveAt": _iso(self.effective_at),
            "consultationSummaryUrl": self.consultation_summary_url,
            "summaryPublishedAt": _iso(self.summary_published_at),
            "withdrawnAt": _iso(self.withdrawn_at),
            "changes": [
                {**change.to_json(), "description": change.describe()} for change in self.changes
            ],
        }


@dataclass(frozen=True, slots=True)
class ProposalResult:
    """What :func:`propose` found and stored; ``already_pending`` are widening changes that a
    pending proposal already makes (not proposed twice)."""

    changes: tuple[Change, ...]
    immediate: Proposal | None
    widening: Proposal | None
    already_pending: tuple[Change, ...]


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat().replace("+00:00", "Z")


def _changes(row: InventoryProposal) -> tuple[Change, ...]:
    return tuple(Change.from_json(item) for item in json.loads(row.changes))


def status(row: InventoryProposal, now: datetime) -> Status:
    """Whether ``row`` is in force at ``now``: the baseline always (it is where the history
    starts), an immediate proposal from its creation, a widening one as the module says."""
    if row.kind == ProposalKind.BASELINE:
        return Status.IN_FORCE
    if row.withdrawn_at is not None and row.withdrawn_at <= now:
        return Status.WITHDRAWN
    if row.created_at > now or row.effective_at > now:
        return Status.PENDING
    if row.kind == ProposalKind.WIDENING and (
        row.summary_published_at is None or row.summary_published_at > now
    ):
        return Status.AWAITING_SUMMARY
    return Status.IN_FORCE


def _took_effect(row: InventoryProposal) -> datetime:
    """When an in-force proposal took effect: the later of its date and its summary."""
    if row.kind == ProposalKind.WIDENING and row.summary_published_at is not None:
        return max(row.effective_at, row.summary_published_at)
    return row.effective_at


def _view(row: InventoryProposal, now: datetime) -> Proposal:
    return Proposal(
        id=row.id,
        kind=ProposalKind(row.kind),
        title=row.title,
        rationale=row.rationale,
        changes=_changes(row),
        created_at=row.created_at,
        effective_at=row.effective_at,
        consultation_summary_url=row.consultation_summary_url,
        summary_published_at=row.summary_published_at,
        withdrawn_at=row.withdrawn_at,
        status=status(row, now),
    )


def _rows(session: Session) -> Sequence[InventoryProposal]:
    return session.scalars(select(InventoryProposal).order_by(InventoryProposal.id)).all()


def ensure_baseline(session: Session, configured: Inventory, now: datetime) -> bool:
    """Store ``configured`` as the baseline unless one is stored; True if it was stored now.

    Two processes racing here store one baseline: the loser's insert hits the unique index
    and is rolled back to its savepoint.
    """
    exists = session.scalar(
        select(InventoryProposal.id).where(InventoryProposal.kind == ProposalKind.BASELINE)
    )
    if exists is not None:
        return False
    row = InventoryProposal(
        kind=ProposalKind.BASELINE,
        title="Data inventory in force when the service started",
        rationale="",
        changes=_encode(diff(EMPTY, configured)),
        created_at=now,
        effective_at=now,
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return False
    audit.append(session, SYSTEM_ACTOR, "inventory.baseline", f"proposal:{row.id}", now=now)
    return True


def effective_inventory(session: Session, configured: Inventory, now: datetime) -> Inventory:
    """The inventory in force at ``now``: the configured one until a baseline is stored, then
    the baseline with every proposal in force applied in the order they took effect."""
    rows = _rows(session)
    if not any(row.kind == ProposalKind.BASELINE for row in rows):
        return configured
    in_force = sorted(
        (row for row in rows if status(row, now) is Status.IN_FORCE),
        key=lambda row: (_took_effect(row), row.id),
    )
    inventory = EMPTY
    for row in in_force:
        inventory = apply_changes(inventory, _changes(row))
    return inventory


def list_proposals(session: Session, now: datetime) -> list[Proposal]:
    """Every stored proposal, oldest first, with its status at ``now``."""
    return [_view(row, now) for row in _rows(session)]


def public_proposals(session: Session, now: datetime) -> list[dict[str, Any]]:
    """Every proposal as public JSON, for the transparency page and its JSON endpoint."""
    return [proposal.to_json() for proposal in list_proposals(session, now)]


def _encode(changes: Sequence[Change]) -> str:
    return json.dumps([c.to_json() for c in changes], ensure_ascii=False, sort_keys=True)


def _check_title(title: str) -> str:
    title = title.strip()
    if not title or len(title) > MAX_TITLE:
        raise ProposalError(f"title: must be 1..{MAX_TITLE} characters")
    return title


def _split(current: Inventory, changes: Sequence[Change]) -> tuple[list[Change], list[Change]]:
    """Immediate and widening changes. A category whose narrowing changes alone would leave it
    invalid (its only reader replaced by another) has them wait with its widening ones."""
    immediate = [c for c in changes if c.effect is not Effect.WIDENING]
    waiting = [c for c in changes if c.effect is Effect.WIDENING]
    for name in sorted({c.category for c in immediate}):
        own = [c for c in immediate if c.category == name]
        try:
            apply_changes(current, own, strict=True)
        except InventoryError:
            immediate = [c for c in immediate if c.category != name]
            waiting += own
    return immediate, waiting


def propose(
    session: Session,
    settings: GovernanceSettings,
    proposed: Inventory,
    *,
    actor: str,
    now: datetime,
    title: str,
    rationale: str = "",
    effective_at: datetime | None = None,
    dry_run: bool = False,
) -> ProposalResult:
    """Diff ``proposed`` against the inventory in force and store the changes (see module).

    ``effective_at`` (default ``now`` + notice period) dates the widening part and must not be
    earlier than that. With ``dry_run`` nothing is stored.
    """
    title = _check_title(title)
    earliest = now + settings.notice_period
    if effective_at is None:
        effective_at = earliest
    elif effective_at < earliest:
        raise ProposalError(
            f"effective_at: a widening change takes effect no earlier than {_iso(earliest)} "
            f"(notice period {settings.notice_period.days} days)"
        )
    if not dry_run:
        ensure_baseline(session, settings.configured_inventory(), now)
    current = effective_inventory(session, settings.configured_inventory(), now)
    changes = diff(current, proposed)
    pending = {
        change.key()
        for row in _rows(session)
        if status(row, now) in {Status.PENDING, Status.AWAITING_SUMMARY}
        for change in _changes(row)
    }
    immediate, waiting = _split(current, changes)
    duplicates = tuple(c for c in waiting if c.key() in pending)
    waiting = [c for c in waiting if c.key() not in pending]
    if waiting:
        apply_changes(apply_changes(current, immediate), waiting, strict=True)
    result = ProposalResult(tuple(changes), None, None, duplicates)
    if dry_run:
        return result
    stored: dict[ProposalKind, Proposal] = {}
    for kind, part, when in (
        (ProposalKind.IMMEDIATE, immediate, now),
        (ProposalKind.WIDENING, waiting, effective_at),
    ):
        if not part:
            continue
        row = InventoryProposal(
            kind=kind,
            title=title,
            rationale=rationale.strip(),
            changes=_encode(part),
            created_at=now,
            effective_at=when,
        )
        session.add(row)
        session.flush()
        audit.append(
            session,
            actor,
            f"inventory.proposed.{kind}",
            f"proposal:{row.id}",
            {"changes": [c.describe() for c in part], "effective_at": _iso(when)},
            now=now,
        )
        stored[kind] = _view(row, now)
    return ProposalResult(
        tuple(changes),
        stored.get(ProposalKind.IMMEDIATE),
        stored.get(ProposalKind.WIDENING),
        duplicates,
    )


def _pending_widening(session: Session, proposal_id: int, now: datetime) -> InventoryProposal:
    row = session.get(InventoryProposal, proposal_id)
    if row is None:
        raise ProposalError(f"proposal {proposal_id}: no such proposal")
    if row.kind != ProposalKind.WIDENING:
        raise ProposalError(f"proposal {proposal_id}: only widening proposals wait")
    if status(row, now) not in {Status.PENDING, Status.AWAITING_SUMMARY}:
        raise ProposalError(f"proposal {proposal_id}: is {status(row, now)}, not pending")
    return row


def attach_consultation_summary(
    session: Session, proposal_id: int, url: str, *, actor: str, now: datetime
) -> Proposal:
    """Attach the published consultation summary (an http(s) URL or a site path) that a
    widening proposal needs before it takes effect; the consultation engineer's hook."""
    url = url.strip()
    if len(url) > MAX_URL or not _URL.match(url):
        raise ProposalError(
            f"consultation_summary_url: must be an http(s) URL or a path starting with / "
            f"(at most {MAX_URL} characters)"
        )
    row = _pending_widening(session, proposal_id, now)
    row.consultation_summary_url = url
    row.summary_published_at = now
    audit.append(
        session, actor, "inventory.summary_attached", f"proposal:{row.id}", {"url": url}, now=now
    )
    session.flush()
    return _view(row, now)


def withdraw(session: Session, proposal_id: int, *, actor: str, now: datetime) -> Proposal:
    """Withdraw a widening proposal that has not taken effect; it never will."""
    row = _pending_widening(session, proposal_id, now)
    row.withdrawn_at = now
    audit.append(session, actor, "inventory.withdrawn", f"proposal:{row.id}", now=now)
    session.flush()
    return _view(row, now)
