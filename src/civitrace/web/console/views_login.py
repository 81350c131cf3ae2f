"""Signing in (password, then the TOTP code when the account has one) and signing out."""

from typing import Final
from urllib.parse import quote, unquote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from civitrace.server.console import login, sessions
from civitrace.server.console.errors import ForbiddenError, ThrottledError, WrongCredentialsError
from civitrace.server.console.sessions import Current
from civitrace.server.db.console_models import SessionStage
from civitrace.server.deps import SessionDep
from civitrace.web.console.auth import (
    COOKIE_PATH,
    CSRF_FIELD,
    FormDep,
    Staff,
    check_login_csrf,
    clear_session_cookie,
    console_services,
    field,
    login_csrf_token,
    session_of,
    set_login_csrf,
    set_session_cookie,
)
from civitrace.web.console.pages import page
from civitrace.web.console.routing import PageRoute, login_redirect

router = APIRouter(prefix="/console", include_in_schema=False, route_class=PageRoute)

HOME: Final = "/console/"
PUBLIC_PATHS: Final = frozenset({"/console/login", "/console/login/code"})
"""Console routes open without a session (each guards itself)."""


def safe_next(value: str | None) -> str:
    """Where to go after signing in: a console path only (never another site)."""
    target = unquote(value or "")
    if target.startswith("/console/") and not target.startswith("//") and "\\" not in target:
        return target
    return HOME


def _login_form(
    request: Request, *, error: str | None = None, status_code: int = 200
) -> HTMLResponse:
    token = login_csrf_token(request)
    context = {
        "next": safe_next(request.query_params.get("next")),
        "error": error,
        "login_csrf": token,
        "signed_out": request.query_params.get("signed_out") == "1",
    }
    response = page(request, "console/login.html", None, context, status_code=status_code)
    set_login_csrf(request, response, token, COOKIE_PATH)
    return response


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request) -> Response:
    """The sign-in form (double-submit CSRF: the same token in a cookie and the form)."""
    return _login_form(request)


@router.post("/login", response_class=HTMLResponse)
def login_submit(request: Request, session: SessionDep, form: FormDep) -> Response:
    check_login_csrf(request, form)
    services = console_services(request)
    try:
        opened, needs_code = login.sign_in(
            session, services, field(form, "username"), field(form, "password")
        )
    except (WrongCredentialsError, ThrottledError) as exc:
        return _login_form(request, error=exc.message, status_code=exc.status)
    target = safe_next(field(form, "next"))
    if needs_code:
        target = f"/console/login/code?next={target}"
    response = RedirectResponse(target, status_code=303)
    set_session_cookie(request, response, opened.token)
    return response


def _pending(request: Request, session: SessionDep) -> Current | None:
    current = session_of(request, session)
    if current is None or current.row.stage != SessionStage.SECOND_FACTOR:
        return None
    return current


@router.get("/login/code", response_class=HTMLResponse)
def code_page(request: Request, session: SessionDep) -> Response:
    """The second step: the six digits the authenticator app shows."""
    pending = _pending(request, session)
    if pending is None:
        return login_redirect(request, quote("/console/", safe=""))
    context = {"next": safe_next(request.query_params.get("next")), "error": None}
    return page(request, "console/login_code.html", None, {**context, "csrf": pending.csrf_token})


@router.post("/login/code", response_class=HTMLResponse)
def code_submit(request: Request, session: SessionDep, form: FormDep) -> Response:
    pending = _pending(request, session)
    if pending is None:
        return RedirectResponse("/console/login", status_code=303)
    if not sessions.csrf_matches(pending, field(form, CSRF_FIELD)):
        raise ForbiddenError(f"{CSRF_FIELD}: the form expired; reload the page and try again")
    services = console_services(request)
    next_path = safe_next(field(form, "next"))
    try:
        opened = login.second_factor(session, services, pending, field(form, "code"))
    except (WrongCredentialsError, ThrottledError) as exc:
        context = {"next": next_path, "error": exc.message, "csrf": pending.csrf_token}
        return page(request, "console/login_code.html", None, context, status_code=exc.status)
    response = RedirectResponse(next_path, status_code=303)
    set_session_cookie(request, response, opened.token)
    return response


@router.post("/logout", response_class=HTMLResponse)
def logout(request: Request, session: SessionDep, me: Staff) -> Response:
    login.sign_out(session, console_services(request), me)
    response = RedirectResponse("/console/login?signed_out=1", status_code=303)
    clear_session_cookie(request, response)
    return response
