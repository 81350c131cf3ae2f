"""The public governance pages: ``/transparency``, ``/proposals`` and ``/proposals/{id}``.

Generated on every request from the inventory in force and the database
(:func:`civitrace.governance.transparency.transparency_snapshot`), so a proposal taking effect,
a decision recorded or a new audit entry shows at the next page load. They read and never
write, and they stay open after the sunset, when they say the service has ended.
"""

from typing import Final

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from civitrace.governance.proposals import list_proposals
from civitrace.governance.transparency import transparency_snapshot
from civitrace.governance.views import app_governance, app_now
from civitrace.server.deps import SessionDep
from civitrace.web.governance import views_model, words
from civitrace.web.templating import render, request_language

router = APIRouter(include_in_schema=False)
MAX_ID: Final = 2**31 - 1  # larger ids do not exist (an integer column)


@router.get("/transparency", response_class=HTMLResponse)
def transparency(request: Request, session: SessionDep) -> HTMLResponse:
    """What is collected, why, for how long and by whom; the end date, announced changes, the
    audit log's head, and requests for data from third parties."""
    language = request_language(request)
    settings = app_governance(request)
    now = app_now(request)
    snapshot = transparency_snapshot(session, settings, now)
    context = {
        "snapshot": snapshot,
        "generated": words.moment(snapshot.generated_at, language),
        "categories": views_model.categories(snapshot.categories, language),
        "sunset_day": (
            None if snapshot.sunset_at is None else words.day(snapshot.sunset_at, language)
        ),
        "notice_days": snapshot.notice_period.days,
        "pending": [views_model.proposal(p, language) for p in snapshot.pending_proposals],
        "statistics": views_model.statistics(snapshot.access_request_statistics, language),
        "register": views_model.register(snapshot.access_requests, language),
    }
    return render(request, "governance/transparency.html", context)


@router.get("/proposals", response_class=HTMLResponse)
def proposals(request: Request, session: SessionDep) -> HTMLResponse:
    """Every change ever proposed to the inventory, newest first."""
    language = request_language(request)
    now = app_now(request)
    items = [views_model.proposal(p, language) for p in reversed(list_proposals(session, now))]
    context = {
        "proposals": items,
        "notice_days": app_governance(request).notice_period.days,
    }
    return render(request, "governance/proposals.html", context)


def _find(session: Session, request: Request, proposal_id: str) -> views_model.ProposalView | None:
    if not proposal_id.isascii() or not proposal_id.isdigit() or int(proposal_id) > MAX_ID:
        return None
    wanted = int(proposal_id)
    found = next((p for p in list_proposals(session, app_now(request)) if p.id == wanted), None)
    return None if found is None else views_model.proposal(found, request_language(request))


@router.get("/proposals/{proposal_id}", response_class=HTMLResponse)
def proposal(request: Request, session: SessionDep, proposal_id: str) -> HTMLResponse:
    """One proposal: what it widens or narrows, when it takes effect, its consultation."""
    found = _find(session, request, proposal_id)
    if found is None:
        return render(request, "governance/not_found.html", status_code=404)
    context = {
        "proposal": found,
        "notice_days": app_governance(request).notice_period.days,
    }
    return render(request, "governance/proposal.html", context)
