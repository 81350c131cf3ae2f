"""``/console/governance``: where the governance screens start, and the settings in force.

The settings (end date, notice period, inventory file) are the deployment's configuration,
read at start-up (``CIVITRACE_GOVERNANCE__…``); they are shown, not edited, here: a console
that could move the end date or shorten the notice period would defeat both.
"""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from civitrace.governance import audit
from civitrace.governance.proposals import Status, list_proposals
from civitrace.governance.views import app_governance
from civitrace.server.deps import SessionDep
from civitrace.web.console.routing import PageRoute
from civitrace.web.governance import words
from civitrace.web.governance.console_common import PREFIX, Overseer, governance_page, now
from civitrace.web.templating import request_language

router = APIRouter(prefix=PREFIX, include_in_schema=False, route_class=PageRoute)


@router.get("", response_class=HTMLResponse)
def overview(request: Request, session: SessionDep, me: Overseer) -> Response:
    """The governance settings in force and what waits for attention."""
    language = request_language(request)
    settings = app_governance(request)
    moment = now(request)
    sunset = settings.sunset_utc
    waiting = [
        p
        for p in list_proposals(session, moment)
        if p.status in {Status.PENDING, Status.AWAITING_SUMMARY}
    ]
    context = {
        "sunset": None if sunset is None else words.moment(sunset, language),
        "sunset_passed": settings.sunset_passed(moment),
        "notice_days": settings.notice_period.days,
        "inventory_file": None if settings.inventory_file is None else str(settings.inventory_file),
        "waiting": len(waiting),
        "awaiting_summary": sum(p.status is Status.AWAITING_SUMMARY for p in waiting),
        "head": audit.head(session),
    }
    return governance_page(request, "governance/console_overview.html", me, context)
