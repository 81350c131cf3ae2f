"""Who is asking: the session cookie, CSRF checks, and the roles each console route requires.

Order of checks on every protected route: a live, fully signed-in session (else a ``GET`` is
sent to the sign-in page and anything else answers 401), then for a ``POST`` the form's CSRF
token (else 403), then the role (else 403). Routes declare their roles with :func:`require`;
the dependency it returns carries them as ``allowed_roles`` so a test can enumerate every
route and the roles it refuses.
"""

import hmac
import secrets
from collections.abc import Callable
from typing import Annotated, Final
from urllib.parse import quote

from fastapi import Depends, Request
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.responses import Response

from civitrace.server.console import sessions
from civitrace.server.console.errors import ForbiddenError, NotSignedInError
from civitrace.server.console.service import ConsoleServices, services
from civitrace.server.console.sessions import Current
from civitrace.server.db.console_models import SessionStage, StaffRole
from civitrace.server.deps import SessionDep

SESSION_COOKIE: Final = "civitrace_console"
COOKIE_PATH: Final = "/console"
CSRF_FIELD: Final = "csrf_token"
LOGIN_CSRF_COOKIE: Final = "civitrace_login_csrf"  # double-submit token of the sign-in form
TOKEN_LENGTH: Final = 43  # characters of base64url(32 random bytes)
SAFE_METHODS: Final = frozenset({"GET", "HEAD"})
ALL_ROLES: Final = frozenset(StaffRole)


class LoginRequired(Exception):  # noqa: N818 - a control-flow signal, not an error
    """A page needs a session: the route class answers with a redirect to the sign-in page."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


def console_services(request: Request) -> ConsoleServices:
    return services(request.app.state)


async def read_form(request: Request) -> FormData:
    """The request's form fields (empty for GET), parsed once."""
    if request.method in SAFE_METHODS:
        return FormData()
    return await request.form()


FormDep = Annotated[FormData, Depends(read_form)]


def field(form: FormData, name: str) -> str:
    """One text field of a form ('' when missing; a file upload counts as missing)."""
    value = form.get(name)
    return value if isinstance(value, str) else ""


def fields(form: FormData, name: str) -> list[str]:
    """Every value of a repeated field (checkboxes)."""
    return [value for value in form.getlist(name) if isinstance(value, str)]


def is_https(request: Request) -> bool:
    return request.url.scheme == "https"


def set_session_cookie(request: Request, response: Response, token: str) -> None:
    """The session cookie: HttpOnly, SameSite=Strict, Secure on https, for ``/console`` only,
    and a session cookie of the browser (the server decides when it expires)."""
    response.set_cookie(
        SESSION_COOKIE,
        token,
        path=COOKIE_PATH,
        httponly=True,
        samesite="strict",
        secure=is_https(request),
    )


def clear_session_cookie(request: Request, response: Response) -> None:
    response.delete_cookie(
        SESSION_COOKIE, path=COOKIE_PATH, httponly=True, samesite="strict", secure=is_https(request)
    )


def login_csrf_token(request: Request) -> str:
    """A double-submit token for a form used before any session (sign-in, a follow-up code):
    the cookie's, if it has one, else a new random value."""
    existing = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    return existing if len(existing) == TOKEN_LENGTH else secrets.token_urlsafe(32)


def set_login_csrf(request: Request, response: Response, token: str, path: str) -> None:
    """Put the double-submit token in a SameSite=Strict, HttpOnly cookie for ``path``."""
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        path=path,
        httponly=True,
        samesite="strict",
        secure=is_https(request),
    )


def check_login_csrf(request: Request, form: FormData) -> None:
    """403 unless the form's token equals the cookie's."""
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    submitted = field(form, CSRF_FIELD)
    if not cookie or not hmac.compare_digest(cookie.encode(), submitted.encode()):
        raise ForbiddenError(f"{CSRF_FIELD}: the form expired; reload the page and try again")


def _next_path(request: Request) -> str:
    query = f"?{request.url.query}" if request.url.query else ""
    return quote(f"{request.url.path}{query}", safe="")


def session_of(request: Request, session: Session) -> Current | None:
    """The request's live session (any stage), or None; notes activity."""
    svc = console_services(request)
    now = svc.now()
    current = sessions.find(session, svc.settings, request.cookies.get(SESSION_COOKIE), now)
    if current is not None and sessions.touch(current, now):
        session.commit()
    return current


def require(*roles: StaffRole) -> Callable[..., Current]:
    """A dependency admitting fully signed-in staff of ``roles`` (all roles when none given)."""
    allowed = frozenset(roles) or ALL_ROLES

    def dependency(request: Request, session: SessionDep, form: FormDep) -> Current:
        current = session_of(request, session)
        if current is None or current.row.stage != SessionStage.ACTIVE:
            if request.method in SAFE_METHODS:
                raise LoginRequired(_next_path(request))
            raise NotSignedInError("session: sign in first")
        if request.method not in SAFE_METHODS and not sessions.csrf_matches(
            current, field(form, CSRF_FIELD)
        ):
            raise ForbiddenError(f"{CSRF_FIELD}: the form expired; reload the page and try again")
        if StaffRole(current.account.role) not in allowed:
            raise ForbiddenError("role: your role may not do this")
        request.state.staff = current
        return current

    dependency.allowed_roles = allowed  # type: ignore[attr-defined]
    return dependency


Staff = Annotated[Current, Depends(require())]
"""Any signed-in staff member."""
