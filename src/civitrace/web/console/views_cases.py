"""Cases and the check-ins people shared: open a case, issue its verification code, attach and
decide shared check-ins (approve → venue warnings, reject → discarded), close it."""

from datetime import UTC, datetime
from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from civitrace.server.console import cases
from civitrace.server.console.errors import ConsoleError, ConsoleInputError
from civitrace.server.console.sessions import Current
from civitrace.server.db.console_models import CASE_TEST_TYPES, StaffRole
from civitrace.server.deps import SessionDep
from civitrace.server.presence.schemas import UUID_PATTERN
from civitrace.web.console.auth import FormDep, console_services, field, require
from civitrace.web.console.pages import page
from civitrace.web.console.routing import PageRoute

router = APIRouter(prefix="/console", include_in_schema=False, route_class=PageRoute)

CaseWorker = Annotated[Current, Depends(require(StaffRole.CASE_WORKER))]
CaseReader = Annotated[Current, Depends(require(StaffRole.CASE_WORKER, StaffRole.VENUE_TRACER))]
Reference = Annotated[str, Path(pattern=r"^[A-Za-z]-[0-9A-Za-z]{8}$", max_length=16)]
SubmissionId = Annotated[str, Path(pattern=UUID_PATTERN)]
STATUSES: Final = ("open", "closed")


def _utc(timestamp: int) -> str:
    """A time as every language reads it: ISO day, 24-hour clock, UTC."""
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M UTC")


def _cases_page(
    request: Request,
    session: Session,
    me: Current,
    *,
    error: ConsoleError | None = None,
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    wanted = request.query_params.get("status")
    status = wanted if wanted in STATUSES else None
    context = {
        "cases": cases.list_cases(session, me.account, status),
        "status": status,
        "test_types": CASE_TEST_TYPES,
        "today": console_services(request).now().date().isoformat(),
        "error": error,
        "values": values or {},
        "can_open": me.account.role == StaffRole.CASE_WORKER,
    }
    return page(
        request, "console/cases.html", me, context, status_code=error.status if error else 200
    )


@router.get("/cases", response_class=HTMLResponse)
def case_list(request: Request, session: SessionDep, me: CaseReader) -> Response:
    return _cases_page(request, session, me)


@router.post("/cases", response_class=HTMLResponse)
def open_case(request: Request, session: SessionDep, me: CaseWorker, form: FormDep) -> Response:
    """Open a case from the form: test type, test day, symptom onset (optional)."""
    values = {name: field(form, name) for name in ("test_type", "test_date", "symptom_onset")}
    try:
        case = cases.open_case(
            session,
            console_services(request),
            me.account,
            test_type=values["test_type"],
            test_date=values["test_date"],
            symptom_onset=values["symptom_onset"],
        )
    except ConsoleInputError as exc:
        return _cases_page(request, session, me, error=exc, values=values)
    return RedirectResponse(f"/console/cases/{case.reference}", status_code=303)


def _case_page(
    request: Request,
    session: Session,
    me: Current,
    reference: str,
    *,
    issued: dict[str, Any] | None = None,
) -> HTMLResponse:
    services = console_services(request)
    case = cases.get_case(session, me.account, reference)
    context = {
        "case": case,
        "issued": issued,
        "linked": cases.linked(session, case),
        "candidates": cases.candidates(session, services, case),
        "is_case_worker": me.account.role == StaffRole.CASE_WORKER,
    }
    return page(request, "console/case.html", me, context)


@router.get("/cases/{reference}", response_class=HTMLResponse)
def case_page(
    request: Request, session: SessionDep, me: CaseReader, reference: Reference
) -> Response:
    return _case_page(request, session, me, reference)


@router.post("/cases/{reference}/code", response_class=HTMLResponse)
def issue_code(
    request: Request, session: SessionDep, me: CaseWorker, reference: Reference
) -> Response:
    """Issue a verification code for the case; it is shown on this page once, never stored."""
    services = console_services(request)
    case = cases.get_case(session, me.account, reference)
    issued = cases.issue_code(session, services, me.account, case)
    shown = {
        "code": issued["code"],
        "longCode": issued["longCode"],
        "until": _utc(issued["expiresAtTimestamp"]),
        "longUntil": _utc(issued["longExpiresAtTimestamp"]),
    }
    response = _case_page(request, session, me, reference, issued=shown)
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post("/cases/{reference}/attach", response_class=HTMLResponse)
def attach(
    request: Request, session: SessionDep, me: CaseWorker, reference: Reference, form: FormDep
) -> Response:
    """Attach a shared check-in submission the person confirmed as theirs."""
    case = cases.get_case(session, me.account, reference)
    cases.attach(session, console_services(request), me.account, case, field(form, "submission"))
    return RedirectResponse(f"/console/cases/{case.reference}", status_code=303)


@router.post("/cases/{reference}/close", response_class=HTMLResponse)
def close(request: Request, session: SessionDep, me: CaseWorker, reference: Reference) -> Response:
    """Close the case: its retention period starts now."""
    case = cases.get_case(session, me.account, reference)
    cases.close_case(session, console_services(request), me.account, case)
    return RedirectResponse(f"/console/cases/{case.reference}", status_code=303)


@router.get("/submissions", response_class=HTMLResponse)
def submissions(request: Request, session: SessionDep, me: CaseReader) -> Response:
    """Shared check-ins awaiting a decision, with the case each is attached to."""
    decided = request.query_params.get("decided")
    context = {
        "submissions": cases.pending(session, me.account),
        "decided": decided if decided in {"approved", "rejected"} else None,
    }
    return page(request, "console/submissions.html", me, context)


def _after_decision(session: Session, submission_id: str, decided: str) -> RedirectResponse:
    case = cases.case_of(session, submission_id)
    if case is not None:
        return RedirectResponse(f"/console/cases/{case.reference}", status_code=303)
    return RedirectResponse(f"/console/submissions?decided={decided}", status_code=303)


@router.post("/submissions/{submission_id}/approve", response_class=HTMLResponse)
def approve(
    request: Request, session: SessionDep, me: CaseReader, submission_id: SubmissionId
) -> Response:
    """Publish the submission's check-ins as venue warnings."""
    cases.decide(session, console_services(request), me.account, submission_id, approve=True)
    return _after_decision(session, submission_id, "approved")


@router.post("/submissions/{submission_id}/reject", response_class=HTMLResponse)
def reject(
    request: Request, session: SessionDep, me: CaseReader, submission_id: SubmissionId
) -> Response:
    """Discard the submission's check-ins."""
    cases.decide(session, console_services(request), me.account, submission_id, approve=False)
    return _after_decision(session, submission_id, "rejected")
