"""Staff accounts for administrators (add, disable) and the audit log for auditors."""

from typing import Annotated, Final

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from civitrace.governance import audit
from civitrace.server.console import accounts, auditing
from civitrace.server.console.errors import ConflictError, ConsoleError
from civitrace.server.console.sessions import Current
from civitrace.server.db.console_models import StaffRole
from civitrace.server.db.governance_models import AuditEntry
from civitrace.server.db.models import HealthAuthority
from civitrace.server.deps import SessionDep
from civitrace.web.console.auth import FormDep, console_services, field, require
from civitrace.web.console.pages import page
from civitrace.web.console.routing import PageRoute

router = APIRouter(prefix="/console", include_in_schema=False, route_class=PageRoute)

Admin = Annotated[Current, Depends(require(StaffRole.ADMIN))]
Auditor = Annotated[Current, Depends(require(StaffRole.ADMIN, StaffRole.AUDITOR))]
Username = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9._-]{2,63}$")]
AUDIT_SHOWN: Final = 200  # newest entries on the page; `civitrace audit verify` checks all


def _staff_page(
    request: Request,
    session: Session,
    me: Current,
    *,
    error: ConsoleError | None = None,
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    context = {
        "accounts": accounts.listing(session, me.account.health_authority_id),
        "roles": list(StaffRole),
        "error": error,
        "values": values or {},
        "min_length": console_services(request).settings.password_min_length,
    }
    status = error.status if error else 200
    return page(request, "console/staff.html", me, context, status_code=status)


@router.get("/staff", response_class=HTMLResponse)
def staff_list(request: Request, session: SessionDep, me: Admin) -> Response:
    return _staff_page(request, session, me)


@router.post("/staff", response_class=HTMLResponse)
def add(request: Request, session: SessionDep, me: Admin, form: FormDep) -> Response:
    """Add a staff account to the administrator's health authority."""
    services = console_services(request)
    values = {"username": field(form, "username"), "role": field(form, "role")}
    now = services.now()
    try:
        authority = session.get_one(HealthAuthority, me.account.health_authority_id)
        created = accounts.create(
            session,
            services.passwords,
            authority,
            username=values["username"],
            role=values["role"],
            password=field(form, "password"),
            now=now,
        )
    except ConsoleError as exc:
        session.rollback()
        return _staff_page(request, session, me, error=exc, values=values)
    auditing.record(
        session,
        me.account,
        "staff.added",
        f"staff:{created.username}",
        {"role": created.role},
        now=now,
    )
    session.commit()
    return RedirectResponse("/console/staff", status_code=303)


@router.post("/staff/{username}/disable", response_class=HTMLResponse)
def disable(request: Request, session: SessionDep, me: Admin, username: Username) -> Response:
    """Disable an account: its sessions end now, it can no longer sign in."""
    account = accounts.get(session, username, me.account.health_authority_id)
    if account.id == me.account.id:
        raise ConflictError("username: you cannot disable your own account")
    now = console_services(request).now()
    if accounts.disable(session, account, now):
        auditing.record(session, me.account, "staff.disabled", f"staff:{account.username}", now=now)
        session.commit()
    return RedirectResponse("/console/staff", status_code=303)


@router.get("/audit", response_class=HTMLResponse)
def audit_log(request: Request, session: SessionDep, me: Auditor) -> Response:
    """The newest audit entries, the chain's check and its head digest."""
    entries = session.scalars(
        select(AuditEntry).order_by(AuditEntry.sequence.desc()).limit(AUDIT_SHOWN)
    ).all()
    context = {"entries": entries, "check": audit.verify(session), "shown": AUDIT_SHOWN}
    return page(request, "console/audit.html", me, context)
