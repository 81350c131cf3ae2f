"""What the console's governance screens share: who may open them, their sub-navigation,
the governance clock, and rendering through the console's own page function.

Roles (issue 6): an ``admin`` proposes inventory changes and records data-access requests and
their decisions; an ``auditor`` reads the register and the audit log and checks the chain, but
records nothing, so that whoever checks the decisions is not whoever made them. The other roles
have no business here.
"""

from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any, Final

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse

from civitrace.governance.views import app_now
from civitrace.server.console.auditing import actor
from civitrace.server.console.sessions import Current
from civitrace.server.db.console_models import StaffRole
from civitrace.web.catalogs import N_
from civitrace.web.console.auth import require
from civitrace.web.console.pages import page

PREFIX: Final = "/console/governance"
ADMIN_ONLY: Final = frozenset({StaffRole.ADMIN})
OVERSEERS: Final = frozenset({StaffRole.ADMIN, StaffRole.AUDITOR})

Admin = Annotated[Current, Depends(require(*ADMIN_ONLY))]
"""Administrators only: proposing, recording and deciding."""
Overseer = Annotated[Current, Depends(require(*OVERSEERS))]
"""Administrators and auditors: reading the register and the audit log."""

SUBNAV: Final = (
    (PREFIX, N_("Governance"), OVERSEERS),
    (f"{PREFIX}/proposals", N_("Change what is collected"), ADMIN_ONLY),
    (f"{PREFIX}/access-requests", N_("Requests for data from others"), OVERSEERS),
    (f"{PREFIX}/audit", N_("Audit log and its check"), OVERSEERS),
)


def subnav(me: Current, path: str) -> list[dict[str, Any]]:
    """The governance screens ``me`` may open, the current one marked."""
    role = StaffRole(me.account.role)
    return [
        {"href": href, "label": label, "current": href == path}
        for href, label, roles in SUBNAV
        if role in roles
    ]


def is_admin(me: Current) -> bool:
    return StaffRole(me.account.role) == StaffRole.ADMIN


def who(me: Current) -> str:
    """How the audit log names ``me`` (the console's convention)."""
    return actor(me.account)


def now(request: Request) -> datetime:
    """Governance's clock (a test clock when the app has one)."""
    return app_now(request)


def governance_page(
    request: Request,
    template: str,
    me: Current,
    context: Mapping[str, Any] | None = None,
    *,
    status_code: int = 200,
) -> HTMLResponse:
    """A console page with the governance sub-navigation."""
    values = {
        "subnav": subnav(me, request.url.path),
        "is_admin": is_admin(me),
        **(context or {}),
    }
    return page(request, template, me, values, status_code=status_code)
