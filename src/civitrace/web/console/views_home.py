"""The console's overview and the staff member's own account: password and second factor."""

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from sqlalchemy.orm import Session

from civitrace.server.console import accounts, auditing, totp
from civitrace.server.console.errors import ConsoleError, ConsoleInputError
from civitrace.server.console.sessions import Current
from civitrace.server.deps import SessionDep
from civitrace.web.console.auth import FormDep, Staff, console_services, field
from civitrace.web.console.pages import page
from civitrace.web.console.routing import PageRoute

router = APIRouter(prefix="/console", include_in_schema=False, route_class=PageRoute)


@router.get("/", response_class=HTMLResponse)
def overview(request: Request, me: Staff) -> Response:
    """Where each role starts: the areas it may open."""
    return page(request, "console/home.html", me)


def _account_page(
    request: Request,
    session: Session,
    me: Current,
    *,
    error: ConsoleError | None = None,
    done: str | None = None,
) -> HTMLResponse:
    services = console_services(request)
    pending = accounts.pending_totp(services.kek, me.account)
    context: dict[str, Any] = {"error": error, "done": done, "enrolling": pending is not None}
    if pending is not None:
        uri = totp.provisioning_uri(pending, me.account.username)
        context["qr"] = Markup(totp.qr_svg(uri))  # noqa: S704 - segno's own SVG, no user text
        context["secret"] = " ".join(pending[i : i + 4] for i in range(0, len(pending), 4))
    return page(
        request, "console/account.html", me, context, status_code=error.status if error else 200
    )


@router.get("/account", response_class=HTMLResponse)
def account(request: Request, session: SessionDep, me: Staff) -> Response:
    done = request.query_params.get("done")
    return _account_page(request, session, me, done=done if done in _DONE else None)


_DONE = frozenset({"password", "totp-on", "totp-off"})


def _check_password(request: Request, me: Current, password: str) -> None:
    if not console_services(request).passwords.verify(me.account.password_hash, password):
        raise ConsoleInputError("password: your current password is wrong")


@router.post("/account/password", response_class=HTMLResponse)
def change_password(request: Request, session: SessionDep, me: Staff, form: FormDep) -> Response:
    """A new password; the other sessions of the account end."""
    services = console_services(request)
    try:
        _check_password(request, me, field(form, "password"))
        if field(form, "new_password") != field(form, "new_password_again"):
            raise ConsoleInputError("new_password_again: the two new passwords differ")
        now = services.now()
        accounts.set_password(
            session,
            services.passwords,
            me.account,
            field(form, "new_password"),
            now=now,
            keep=me.row.id,
        )
        auditing.record(
            session, me.account, "staff.password_changed", f"staff:{me.account.username}", now=now
        )
        session.commit()
    except ConsoleInputError as exc:
        session.rollback()
        return _account_page(request, session, me, error=exc)
    return RedirectResponse("/console/account?done=password", status_code=303)


@router.post("/account/totp", response_class=HTMLResponse)
def start_totp(request: Request, session: SessionDep, me: Staff) -> Response:
    """Begin setting up the second factor: a new secret, shown as a QR code."""
    services = console_services(request)
    try:
        accounts.start_totp(services.kek, me.account)
    except ConsoleError as exc:
        return _account_page(request, session, me, error=exc)
    session.commit()
    return RedirectResponse("/console/account", status_code=303)


@router.post("/account/totp/confirm", response_class=HTMLResponse)
def confirm_totp(request: Request, session: SessionDep, me: Staff, form: FormDep) -> Response:
    """Switch the second factor on with a first code from the authenticator app."""
    services = console_services(request)
    now = services.now()
    try:
        accounts.confirm_totp(services.kek, me.account, field(form, "code"), now)
    except ConsoleError as exc:
        return _account_page(request, session, me, error=exc)
    auditing.record(
        session, me.account, "staff.totp_enabled", f"staff:{me.account.username}", now=now
    )
    session.commit()
    return RedirectResponse("/console/account?done=totp-on", status_code=303)


@router.post("/account/totp/off", response_class=HTMLResponse)
def totp_off(request: Request, session: SessionDep, me: Staff, form: FormDep) -> Response:
    """Turn the second factor off (or abandon a set-up), with the password."""
    try:
        _check_password(request, me, field(form, "password"))
    except ConsoleError as exc:
        return _account_page(request, session, me, error=exc)
    now = console_services(request).now()
    was_on = me.account.totp_confirmed_at is not None
    accounts.remove_totp(me.account)
    if was_on:
        auditing.record(
            session, me.account, "staff.totp_disabled", f"staff:{me.account.username}", now=now
        )
    session.commit()
    return RedirectResponse("/console/account?done=totp-off", status_code=303)
