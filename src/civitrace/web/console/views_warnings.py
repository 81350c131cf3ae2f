"""On-behalf venue warnings: a venue tracer warns a venue's guests for a time window."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from civitrace.server.console import warnings
from civitrace.server.console.errors import ConsoleInputError
from civitrace.server.console.sessions import Current
from civitrace.server.db.console_models import StaffRole
from civitrace.server.deps import SessionDep
from civitrace.server.errors import ApiError
from civitrace.web.console.auth import FormDep, console_services, field, require
from civitrace.web.console.pages import page
from civitrace.web.console.routing import PageRoute

router = APIRouter(prefix="/console", include_in_schema=False, route_class=PageRoute)

VenueTracer = Annotated[Current, Depends(require(StaffRole.VENUE_TRACER))]
FIELDS = ("venue", "day", "start_time", "end_time", "utc_offset", "risk_level")
_FORM_NAMES = {
    "startTime": "start_time",
    "endTime": "end_time",
    "transmissionRiskLevel": "risk_level",
}


def _form(
    request: Request,
    me: Current,
    *,
    values: dict[str, str] | None = None,
    error: str | None = None,
    error_field: str | None = None,
    published: dict[str, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    context = {
        "values": values or {"risk_level": "5", "utc_offset": "0"},
        "levels": warnings.RISK_LEVELS,
        "today": console_services(request).now().date().isoformat(),
        "error": error,
        "error_field": error_field,
        "published": published,
    }
    return page(request, "console/warning.html", me, context, status_code=status_code)


@router.get("/warnings", response_class=HTMLResponse)
def warning_form(request: Request, me: VenueTracer) -> Response:
    return _form(request, me)


@router.post("/warnings", response_class=HTMLResponse)
def publish(request: Request, session: SessionDep, me: VenueTracer, form: FormDep) -> Response:
    """Publish the warning and show what was warned (the venue's name, never its code)."""
    values = {name: field(form, name) for name in FIELDS}
    try:
        published = warnings.publish(session, console_services(request), me.account, values)
    except (ConsoleInputError, ApiError) as exc:
        message = exc.message
        name = message.partition(":")[0].strip()
        return _form(
            request,
            me,
            values={**values, "venue": ""},  # the venue's code is never echoed back
            error=message,
            error_field=_FORM_NAMES.get(name, name),
            status_code=400,
        )
    return _form(request, me, published=published)
