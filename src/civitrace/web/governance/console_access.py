"""``/console/governance/access-requests``: the data-access-request register, staff side.

An administrator records each request from a third party (police, another ministry, a company,
anyone) and later the decision with its reason; both go through
:mod:`civitrace.governance.access_requests`, which appends the audit entries. Auditors read the
whole register, names and descriptions included, and record nothing. The public sees the
redacted register on ``/transparency``.
"""

from datetime import UTC, date, datetime, time
from typing import Any, Final

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from civitrace.governance import access_requests
from civitrace.governance.errors import AccessRequestError, GovernanceError
from civitrace.governance.proposals import effective_inventory
from civitrace.governance.views import app_governance
from civitrace.server.db.governance_models import AccessRequest, Decision, RequesterType
from civitrace.server.deps import SessionDep
from civitrace.web.console.auth import FormDep, field, fields
from civitrace.web.console.routing import PageRoute
from civitrace.web.governance import words
from civitrace.web.governance.console_common import (
    PREFIX,
    Admin,
    Overseer,
    governance_page,
    now,
    who,
)
from civitrace.web.i18n import Language
from civitrace.web.templating import request_language

router = APIRouter(prefix=PREFIX, include_in_schema=False, route_class=PageRoute)
PAGE: Final = "governance/console_access.html"
_DONE: Final = frozenset({"recorded", "decided"})
_FIELDS: Final = (
    "requester",
    "requester_type",
    "legal_basis_claimed",
    "data_requested",
    "received_on",
)


def _row(row: AccessRequest, language: Language) -> dict[str, Any]:
    return {
        "id": row.id,
        "received": words.moment(row.received_at, language),
        "requester": row.requester,
        "individual": row.requester_is_individual,
        "type": words.word(words.REQUESTER_TYPES, row.requester_type, language),
        "legal_basis": row.legal_basis_claimed,
        "data_requested": row.data_requested,
        "categories": [
            words.category_title(name, language)
            for name in row.categories_requested.split(",")
            if name
        ],
        "decision": row.decision,
        "decision_label": words.word(words.OUTCOMES, row.decision or "pending", language),
        "reason": row.reason,
        "decided": None if row.decided_at is None else words.moment(row.decided_at, language),
    }


def _page(
    request: Request,
    session: Session,
    me: Overseer,
    *,
    error: str | None = None,
    values: dict[str, Any] | None = None,
) -> HTMLResponse:
    language = request_language(request)
    settings = app_governance(request)
    moment = now(request)
    inventory = effective_inventory(session, settings.configured_inventory(), moment)
    done = request.query_params.get("done")
    context = {
        "requests": [
            _row(row, language) for row in reversed(access_requests.all_requests(session))
        ],
        "requester_types": [
            (str(kind), words.word(words.REQUESTER_TYPES, str(kind), language))
            for kind in RequesterType
        ],
        "decisions": [(str(d), words.word(words.OUTCOMES, str(d), language)) for d in Decision],
        "categories": [(c.name, words.category_title(c.name, language)) for c in inventory],
        "values": values or {"received_on": moment.astimezone(UTC).date().isoformat()},
        "error": error,
        "done": done if done in _DONE else None,
        "today": moment.astimezone(UTC).date().isoformat(),
    }
    return governance_page(request, PAGE, me, context, status_code=400 if error else 200)


@router.get("/access-requests", response_class=HTMLResponse)
def register(request: Request, session: SessionDep, me: Overseer) -> Response:
    """Every request, with what was asked and by whom; forms for administrators."""
    return _page(request, session, me)


def _received_at(form: FormData) -> datetime:
    value = field(form, "received_on").strip()
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise AccessRequestError("received_on: must be a date such as 2027-01-31") from None
    return datetime.combine(day, time(0), tzinfo=UTC)


@router.post("/access-requests", response_class=HTMLResponse)
def record(request: Request, session: SessionDep, me: Admin, form: FormDep) -> Response:
    """Record a request as received; the decision comes later."""
    values: dict[str, Any] = {name: field(form, name) for name in _FIELDS}
    values["categories"] = fields(form, "categories")
    values["individual"] = field(form, "requester_is_individual") == "yes"
    moment = now(request)
    try:
        settings = app_governance(request)
        access_requests.record_request(
            session,
            access_requests.NewRequest(
                requester=values["requester"],
                requester_type=values["requester_type"],
                legal_basis_claimed=values["legal_basis_claimed"],
                data_requested=values["data_requested"],
                categories=values["categories"],
                requester_is_individual=values["individual"],
            ),
            received_at=_received_at(form),
            actor=who(me),
            now=moment,
            inventory=effective_inventory(session, settings.configured_inventory(), moment),
        )
    except GovernanceError as exc:
        session.rollback()
        return _page(request, session, me, error=str(exc), values=values)
    session.commit()
    return RedirectResponse(f"{PREFIX}/access-requests?done=recorded", status_code=303)


def _request_id(form: FormData) -> int:
    value = field(form, "request_id").strip()
    if not value.isascii() or not value.isdigit() or len(value) > 9:
        raise AccessRequestError("request_id: must be a request number")
    return int(value)


@router.post("/access-requests/decide", response_class=HTMLResponse)
def decide(request: Request, session: SessionDep, me: Admin, form: FormDep) -> Response:
    """Record the decision on a request and its reason (published on the transparency page)."""
    try:
        access_requests.decide(
            session,
            _request_id(form),
            decision=field(form, "decision"),
            reason=field(form, "reason"),
            actor=who(me),
            now=now(request),
        )
    except GovernanceError as exc:
        session.rollback()
        return _page(request, session, me, error=str(exc))
    session.commit()
    return RedirectResponse(f"{PREFIX}/access-requests?done=decided", status_code=303)
