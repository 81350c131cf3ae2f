"""Quarantine follow-up for case workers: enrol a contact (a link and a printable code), see
who asked for help or has not answered today, mark help as given, end a follow-up."""

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from sqlalchemy.orm import Session

from civitrace.server.console import followups, references, totp
from civitrace.server.console.errors import ConsoleError
from civitrace.server.console.sessions import Current
from civitrace.server.db.console_models import StaffRole
from civitrace.server.deps import SessionDep
from civitrace.web.console.auth import FormDep, console_services, field, require
from civitrace.web.console.pages import page
from civitrace.web.console.routing import PageRoute

router = APIRouter(prefix="/console", include_in_schema=False, route_class=PageRoute)

CaseWorker = Annotated[Current, Depends(require(StaffRole.CASE_WORKER))]
Reference = Annotated[str, Path(pattern=r"^[A-Za-z]-[0-9A-Za-z]{8}$", max_length=16)]


def _list_page(
    request: Request, session: Session, me: Current, *, error: ConsoleError | None = None
) -> HTMLResponse:
    services = console_services(request)
    rows = followups.overview(session, services, me.account)
    context = {
        "rows": rows,
        "asked": sum(1 for row in rows if row.needs_help),
        "silent": sum(1 for row in rows if row.unanswered_today),
        "default_days": services.settings.followup_days,
        "needs": followups.NEEDS,
        "error": error,
    }
    status = error.status if error else 200
    return page(request, "console/followups.html", me, context, status_code=status)


@router.get("/followups", response_class=HTMLResponse)
def followup_list(request: Request, session: SessionDep, me: CaseWorker) -> Response:
    return _list_page(request, session, me)


@router.post("/followups", response_class=HTMLResponse)
def enrol(request: Request, session: SessionDep, me: CaseWorker, form: FormDep) -> Response:
    """Enrol a contact and show, once, the link and the code to hand over or print."""
    services = console_services(request)
    try:
        days = followups.parse_days(field(form, "days"), services.settings.followup_days)
    except ConsoleError as exc:
        return _list_page(request, session, me, error=exc)
    enrolled = followups.enrol(session, services, me.account, days)
    link = str(request.base_url).rstrip("/") + f"/followup/{enrolled.code}"
    context = {
        "followup": enrolled.followup,
        "link": link,
        "code": references.grouped(enrolled.code),
        "qr": Markup(totp.qr_svg(link)),  # noqa: S704 - segno's SVG of our own link
        "days": days,
    }
    response = page(request, "console/followup_card.html", me, context)
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post("/followups/{reference}/handled", response_class=HTMLResponse)
def handled(
    request: Request, session: SessionDep, me: CaseWorker, reference: Reference
) -> Response:
    """The person's requests for food, medicine or a call have been dealt with."""
    followup = followups.get(session, me.account, reference)
    followups.mark_handled(session, console_services(request), me.account, followup)
    return RedirectResponse("/console/followups", status_code=303)


@router.post("/followups/{reference}/end", response_class=HTMLResponse)
def end(request: Request, session: SessionDep, me: CaseWorker, reference: Reference) -> Response:
    """End the follow-up now (its retention period starts)."""
    followup = followups.get(session, me.account, reference)
    followups.end_by_staff(session, console_services(request), me.account, followup)
    return RedirectResponse("/console/followups", status_code=303)
