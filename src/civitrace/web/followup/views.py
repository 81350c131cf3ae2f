"""A person in voluntary follow-up opens their link (or types the printed code), says how they
feel, which symptoms they have and whether they need food, medicine or a call, and may stop.

The code in the link is the only key: the server keeps its SHA-256, so the link opens nothing
for anyone who reads the database. Every form carries a double-submit CSRF token. The pages
ask nothing about where the person is; the server sends ``Permissions-Policy: geolocation=()``
so not even a script could ask the browser.
"""

from typing import Annotated, Final

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from civitrace.server.console import followups, references
from civitrace.server.console.errors import ConsoleError, NotFoundError
from civitrace.server.db.console_models import Feeling, QuarantineFollowup
from civitrace.server.deps import SessionDep
from civitrace.web.console.auth import (
    FormDep,
    check_login_csrf,
    console_services,
    field,
    fields,
    login_csrf_token,
    set_login_csrf,
)
from civitrace.web.console.routing import PageRoute
from civitrace.web.templating import render

router = APIRouter(prefix="/followup", include_in_schema=False, route_class=PageRoute)

COOKIE_PATH: Final = "/followup"
Code = Annotated[str, Path(min_length=1, max_length=64)]


def _page(
    request: Request, template: str, context: dict[str, object], *, status_code: int = 200
) -> HTMLResponse:
    token = login_csrf_token(request)
    response = render(request, template, {**context, "csrf_token": token}, status_code=status_code)
    set_login_csrf(request, response, token, COOKIE_PATH)
    response.headers["Cache-Control"] = "no-store"
    return response


def _followup(session: Session, code: str) -> tuple[QuarantineFollowup, str]:
    found = followups.by_code(session, code)
    if found is None:
        raise NotFoundError("code: no follow-up has this code; check it and try again")
    return found, references.normalize_code(code)


@router.get("", response_class=HTMLResponse)
def enter_code(request: Request) -> Response:
    """Type the code printed on the paper a case worker gave you."""
    return _page(request, "followup/enter.html", {"error": None})


@router.post("", response_class=HTMLResponse)
def open_code(request: Request, session: SessionDep, form: FormDep) -> Response:
    check_login_csrf(request, form)
    code = references.normalize_code(field(form, "code"))
    if followups.by_code(session, code) is None:
        return _page(request, "followup/enter.html", {"error": True}, status_code=404)
    return RedirectResponse(f"/followup/{code}", status_code=303)


def _checkin_page(
    request: Request,
    session: Session,
    code: str,
    *,
    error: ConsoleError | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    services = console_services(request)
    followup, canonical = _followup(session, code)
    now = services.now()
    context = {
        "code": canonical,
        "active": followups.is_active(followup, now),
        "stopped": followup.stopped,
        "ends_on": followup.ends_at.date().isoformat(),
        "today": followups.today_of(session, followup, now),
        "feelings": list(Feeling),
        "symptoms": followups.SYMPTOMS,
        "needs": followups.NEEDS,
        "saved": request.query_params.get("saved") == "1",
        "error": error,
    }
    return _page(request, "followup/checkin.html", context, status_code=status_code)


@router.get("/{code}", response_class=HTMLResponse)
def checkin_form(request: Request, session: SessionDep, code: Code) -> Response:
    return _checkin_page(request, session, code)


@router.post("/{code}", response_class=HTMLResponse)
def checkin(request: Request, session: SessionDep, code: Code, form: FormDep) -> Response:
    """Store today's answers; a second answer on the same day replaces the first."""
    check_login_csrf(request, form)
    followup, canonical = _followup(session, code)
    try:
        followups.check_in(
            session,
            console_services(request),
            followup,
            feeling=field(form, "feeling"),
            symptoms=fields(form, "symptoms"),
            needs=fields(form, "needs"),
        )
    except ConsoleError as exc:
        session.rollback()
        return _checkin_page(request, session, code, error=exc, status_code=exc.status)
    return RedirectResponse(f"/followup/{canonical}?saved=1", status_code=303)


@router.post("/{code}/stop", response_class=HTMLResponse)
def stop(request: Request, session: SessionDep, code: Code, form: FormDep) -> Response:
    """The person stops the follow-up: it is voluntary, nothing more will be asked."""
    check_login_csrf(request, form)
    followup, canonical = _followup(session, code)
    followups.stop_by_person(session, console_services(request), followup)
    return RedirectResponse(f"/followup/{canonical}", status_code=303)
