"""The data-access-request register: every request by a third party for data the service holds.

Police, other ministries, companies or anyone else: each request is recorded with the
requester, the legal basis they claimed, what they asked for, and the decision with its reason
(DESIGN §5). Recording and deciding append audit entries.

What the public sees (:func:`public_register`), a judgment documented in ``docs/governance.md``:
organisations are named, because an authority asking a health service for data is itself
accountable to the public; a private individual is not named (``requester`` is ``null``), since
publishing that someone asked would expose them. The free-text ``data_requested`` is never
published (it may quote the people the request was about); the inventory categories asked for,
the legal basis claimed, the decision and its reason are. Dates are published to the day.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from civitrace.governance import audit
from civitrace.governance.errors import AccessRequestError
from civitrace.governance.inventory import CATEGORY_NAME, Inventory
from civitrace.server.db.governance_models import AccessRequest, Decision, RequesterType

PENDING: Final = "pending"  # the outcome of a request not yet decided, in statistics
OUTCOMES: Final = (*(str(d) for d in Decision), PENDING)
MAX_REQUESTER: Final = 200
MAX_TEXT: Final = 10_000


@dataclass(frozen=True, slots=True)
class NewRequest:
    """A request as staff record it."""

    requester: str
    requester_type: str
    legal_basis_claimed: str
    data_requested: str
    categories: Sequence[str] = ()
    requester_is_individual: bool = False


def _text(value: str, field: str, limit: int = MAX_TEXT) -> str:
    value = value.strip()
    if not value:
        raise AccessRequestError(f"{field}: must not be empty")
    if len(value) > limit:
        raise AccessRequestError(f"{field}: longer than {limit} characters")
    if "\x00" in value:
        raise AccessRequestError(f"{field}: must not contain NUL characters")
    return value


def _categories(names: Sequence[str], inventory: Inventory | None) -> str:
    cleaned = sorted({n.strip() for n in names if n.strip()})
    for name in cleaned:
        if not CATEGORY_NAME.match(name):
            raise AccessRequestError(f"categories: {name!r} is not a category name")
        if inventory is not None and name not in inventory:
            raise AccessRequestError(
                f"categories: {name!r} is not in the data inventory "
                "(record data the service does not hold in the description only)"
            )
    return ",".join(cleaned)


def record_request(
    session: Session,
    request: NewRequest,
    *,
    received_at: datetime,
    actor: str,
    now: datetime,
    inventory: Inventory | None = None,
) -> AccessRequest:
    """Store a request (undecided) and audit it; ``inventory`` checks the categories named."""
    try:
        kind = RequesterType(request.requester_type)
    except ValueError:
        allowed = ", ".join(RequesterType)
        raise AccessRequestError(f"requester_type: must be one of {allowed}") from None
    if received_at.tzinfo is None:
        raise AccessRequestError("received_at: must include a time zone")
    if received_at > now:
        raise AccessRequestError("received_at: must not be in the future")
    row = AccessRequest(
        received_at=received_at,
        requester=_text(request.requester, "requester", MAX_REQUESTER),
        requester_type=str(kind),
        requester_is_individual=bool(request.requester_is_individual),
        legal_basis_claimed=_text(request.legal_basis_claimed, "legal_basis_claimed"),
        data_requested=_text(request.data_requested, "data_requested"),
        categories_requested=_categories(request.categories, inventory),
    )
    session.add(row)
    session.flush()
    audit.append(
        session,
        actor,
        "access_request.recorded",
        f"access_request:{row.id}",
        {"requester_type": row.requester_type, "categories": row.categories_requested},
        now=now,
    )
    return row


def decide(
    session: Session,
    request_id: int,
    *,
    decision: str,
    reason: str,
    actor: str,
    now: datetime,
) -> AccessRequest:
    """Record the decision on a request (once) and audit it."""
    try:
        outcome = Decision(decision)
    except ValueError:
        allowed = ", ".join(Decision)
        raise AccessRequestError(f"decision: must be one of {allowed}") from None
    row = session.get(AccessRequest, request_id)
    if row is None:
        raise AccessRequestError(f"access request {request_id}: no such request")
    if row.decision is not None:
        raise AccessRequestError(f"access request {request_id}: already decided ({row.decision})")
    if now < row.received_at:
        raise AccessRequestError("decided_at: must not be before the request was received")
    why = _text(reason, "reason")
    row.decision, row.reason, row.decided_at = str(outcome), why, now
    session.flush()
    audit.append(
        session,
        actor,
        "access_request.decided",
        f"access_request:{row.id}",
        {"decision": row.decision},
        now=now,
    )
    return row


def all_requests(session: Session) -> Sequence[AccessRequest]:
    """Every stored request, oldest first (staff view: names and descriptions included)."""
    return session.scalars(select(AccessRequest).order_by(AccessRequest.id)).all()


def public_entry(row: AccessRequest) -> dict[str, Any]:
    """One request as published: no individual's name, no free-text description."""
    return {
        "id": row.id,
        "receivedOn": row.received_at.date().isoformat(),
        "requesterType": row.requester_type,
        "requester": None if row.requester_is_individual else row.requester,
        "requesterIsIndividual": row.requester_is_individual,
        "legalBasisClaimed": row.legal_basis_claimed,
        "categoriesRequested": [c for c in row.categories_requested.split(",") if c],
        "decision": row.decision or PENDING,
        "reason": row.reason,
        "decidedOn": row.decided_at.date().isoformat() if row.decided_at else None,
    }


def public_register(session: Session) -> list[dict[str, Any]]:
    """Every request, redacted for publication, oldest first."""
    return [public_entry(row) for row in all_requests(session)]


def statistics(session: Session) -> dict[str, dict[str, int]]:
    """Counts by requester type and outcome (granted, partial, refused, pending), every cell
    present so a zero is published as a zero."""
    counts = {str(kind): dict.fromkeys(OUTCOMES, 0) for kind in RequesterType}
    for row in all_requests(session):
        counts[row.requester_type][row.decision or PENDING] += 1
    return counts
