"""Rendering console pages: the signed-in staff member, the CSRF token, the navigation their
role sees, and the error and form pages every area shares."""

from collections.abc import Mapping
from typing import Any, Final

from fastapi import Request
from starlette.responses import HTMLResponse

from civitrace.server.console.sessions import Current
from civitrace.server.db.console_models import StaffRole
from civitrace.web.catalogs import N_
from civitrace.web.templating import render

A, CW, VT, ST, AU = (
    StaffRole.ADMIN,
    StaffRole.CASE_WORKER,
    StaffRole.VENUE_TRACER,
    StaffRole.STATISTICIAN,
    StaffRole.AUDITOR,
)
NAVIGATION: Final = (
    ("/console/", N_("Overview"), frozenset(StaffRole)),
    ("/console/cases", N_("Cases"), frozenset({CW, VT})),
    ("/console/submissions", N_("Shared check-ins"), frozenset({CW, VT})),
    ("/console/warnings", N_("Warn a venue"), frozenset({VT})),
    ("/console/followups", N_("Follow-up"), frozenset({CW})),
    ("/console/staff", N_("Staff"), frozenset({A})),
    ("/console/audit", N_("Audit log"), frozenset({A, AU})),
    ("/console/governance", N_("Governance"), frozenset({A, AU})),
    ("/console/consultations", N_("Consultations"), frozenset({A})),
    ("/console/stats", N_("Publish statistics"), frozenset({ST})),
    ("/stats", N_("Statistics"), frozenset({ST})),
    ("/console/account", N_("My account"), frozenset(StaffRole)),
)
ROLE_NAMES: Final = {
    A: N_("Administrator"),
    CW: N_("Case worker"),
    VT: N_("Venue tracer"),
    ST: N_("Statistician"),
    AU: N_("Auditor"),
}
STATUS_TITLES: Final = {
    400: N_("Please check what you entered"),
    401: N_("Please sign in"),
    403: N_("You may not do this"),
    404: N_("Not found"),
    409: N_("This cannot be done now"),
    413: N_("Please check what you entered"),
    429: N_("Too many attempts"),
}
STATUS_HINTS: Final = {
    400: N_("Something in the form is missing or not valid. Go back, correct it and try again."),
    401: N_("Your session has ended or was never started."),
    403: N_("Your role does not allow this, or the form was too old. Reload the page and retry."),
    404: N_("It may have been closed and deleted after its retention period."),
    409: N_("It was changed in the meantime, for example closed or decided by someone else."),
    413: N_("Something in the form is missing or not valid. Go back, correct it and try again."),
    429: N_("Sign-in is paused for a few minutes to stop password guessing."),
}


def nav_for(me: Current | None, path: str) -> list[dict[str, Any]]:
    if me is None:
        return []
    role = StaffRole(me.account.role)
    return [
        {"href": href, "label": label, "current": href == path}
        for href, label, roles in NAVIGATION
        if role in roles
    ]


def page(
    request: Request,
    template: str,
    me: Current | None,
    context: Mapping[str, Any] | None = None,
    *,
    status_code: int = 200,
) -> HTMLResponse:
    """A console page with the staff context every template uses."""
    values = {
        "me": me,
        "csrf_token": me.csrf_token if me is not None else "",
        "nav": nav_for(me, request.url.path),
        "role_names": ROLE_NAMES,
        **(context or {}),
    }
    return render(request, template, values, status_code=status_code)


def error_page(
    request: Request, status: int, detail: str, me: Current | None = None
) -> HTMLResponse:
    """The console's error page: a translated explanation, and the precise (English) detail."""
    title = STATUS_TITLES.get(status, N_("Please check what you entered"))
    hint = STATUS_HINTS.get(status, STATUS_HINTS[400])
    context = {"status": status, "title": title, "hint": hint, "detail": detail}
    return page(request, "console/error.html", me, context, status_code=status)
