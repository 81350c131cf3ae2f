"""``/console/stats``: a statistician chooses, reviews and publishes a release.

``GET`` shows the form, the weeks' budgets and, after a release, what was published;
``POST /console/stats/review`` checks the form and the week's remaining budget and shows what
would be published; ``POST /console/stats/release`` publishes it (ledger, stored tables and
audit entry in one transaction) and redirects to the form, which links to the public page;
``POST /console/stats`` shows the form again with the reviewed values (to change them).

Sign-in, the role and the CSRF token are checked by the console's
:func:`~civitrace.web.console.auth.require`; refusals are pages with a status: 400 for a field
(named), 409 when the week's budget does not allow the release or no case data is connected.
"""

import re
from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from civitrace.analytics.constants import MAX_CONTRIBUTIONS
from civitrace.analytics.errors import AnalyticsError, BudgetExceededError
from civitrace.analytics.records import period_of
from civitrace.server.analytics import store
from civitrace.server.analytics.errors import UnknownReleaseError
from civitrace.server.analytics.pseudonyms import WeeklyPseudonyms
from civitrace.server.analytics.schemas import RELEASE_ID_PATTERN
from civitrace.server.analytics.sources import CaseSource
from civitrace.server.console import auditing
from civitrace.server.console.errors import ConflictError, ConsoleError
from civitrace.server.console.sessions import Current
from civitrace.server.db.console_models import StaffRole
from civitrace.server.deps import SessionDep
from civitrace.web.console.auth import FormDep, console_services, field, require
from civitrace.web.console.pages import page
from civitrace.web.console.routing import PageRoute
from civitrace.web.stats import release_form, words
from civitrace.web.stats.deployment import StatsDeployment, deployment
from civitrace.web.stats.formatting import Local
from civitrace.web.stats.publishing import publish_with_audit, record_refusal, request_details
from civitrace.web.stats.release_form import OverBudgetError, ReleaseForm, WeekBudget
from civitrace.web.templating import request_language

PERIODS_SHOWN: Final = 8  # weeks of the ledger listed on the screen

router = APIRouter(prefix="/console", include_in_schema=False, route_class=PageRoute)
Statistician = Annotated[Current, Depends(require(StaffRole.STATISTICIAN))]


class NoCaseSourceError(ConflictError):
    """This deployment has no case data connected to releases."""


def _source_of(setup: StatsDeployment) -> CaseSource:
    if setup.source is None:
        raise NoCaseSourceError("source: no case data is connected to releases in this deployment")
    return setup.source


def _form_page(
    request: Request,
    session: Session,
    me: Current,
    *,
    values: dict[str, str] | None = None,
    error: ConsoleError | None = None,
    published: store.PublishedRelease | None = None,
) -> HTMLResponse:
    """The release form with the budgets; ``values`` default to the latest week of data."""
    setup = deployment(request.app.state)
    today = console_services(request).now().date()
    if values is None:
        last_day = setup.source.last_day() if setup.source is not None else None
        values = release_form.default_values(last_day, today)
    week = _week_of(session, values)
    context: dict[str, Any] = {
        "values": values,
        "error": error,
        "refused": isinstance(error, OverBudgetError),
        "published": published,
        "week": week,
        "periods": store.ledger_periods(session)[:PERIODS_SHOWN],
        "setup": setup,
        "today": today.isoformat(),
        "kinds": release_form.FORM_KINDS,
        "kind_names": words.KIND_NAMES,
        "fmt": Local(request_language(request)),
        "max_contributions": MAX_CONTRIBUTIONS,
    }
    status = error.status if error is not None else 200
    return page(request, "stats/console.html", me, context, status_code=status)


def _week_of(session: Session, values: dict[str, str]) -> WeekBudget | None:
    """The budget of the week the form's start date falls in (``None`` if it is no date)."""
    try:
        start = release_form.parse_day(values.get("start", ""), "start")
    except ConsoleError:
        return None
    return release_form.week_budget(session, period_of(start))


def _checked(
    request: Request, session: Session, values: dict[str, str]
) -> tuple[ReleaseForm, WeekBudget]:
    form = release_form.parse(values, console_services(request).now().date())
    week = release_form.week_budget(session, form.period)
    release_form.check_budget(form, week)
    return form, week


def _posted(form: FormData) -> dict[str, str]:
    return {
        name: field(form, name)[: release_form.MAX_FIELD_LENGTH] for name in release_form.FIELDS
    }


@router.get("/stats", response_class=HTMLResponse)
def release_screen(request: Request, session: SessionDep, me: Statistician) -> Response:
    """The form; after a release (``?published=<id>``), what was published."""
    published = None
    released = request.query_params.get("published", "")
    if re.fullmatch(RELEASE_ID_PATTERN, released):
        try:
            published = store.get_release(session, released)
        except UnknownReleaseError:
            published = None
    values = None
    if published is not None:  # that week again: what its budget has left is what matters now
        window = published.release
        values = {
            **release_form.default_values(window.window_end, window.window_end),
            "start": window.window_start.isoformat(),
            "budget": "",
        }
    return _form_page(request, session, me, values=values, published=published)


@router.post("/stats", response_class=HTMLResponse)
def change(request: Request, session: SessionDep, me: Statistician, form: FormDep) -> Response:
    """The form again, filled with what was being reviewed."""
    return _form_page(request, session, me, values=_posted(form))


@router.post("/stats/review", response_class=HTMLResponse)
def review(request: Request, session: SessionDep, me: Statistician, form: FormDep) -> Response:
    """Check the form and the week's budget; show what would be published."""
    values = _posted(form)
    setup = deployment(request.app.state)
    try:
        _source_of(setup)
        checked, week = _checked(request, session, values)
    except ConsoleError as exc:
        return _form_page(request, session, me, values=values, error=exc)
    context = {
        "form": checked,
        "values": checked.values(),
        "week": week,
        "new_budget": week.budget is None,
        "budget": week.budget if week.budget is not None else checked.budget,
        "setup": setup,
        "kind_names": words.KIND_NAMES,
        "fmt": Local(request_language(request)),
    }
    return page(request, "stats/console_review.html", me, context)


@router.post("/stats/release", response_class=HTMLResponse)
def release(request: Request, session: SessionDep, me: Statistician, form: FormDep) -> Response:
    """Publish: charged to the week's budget, stored, audited; then back to the form."""
    values = _posted(form)
    setup = deployment(request.app.state)
    services = console_services(request)
    actor = auditing.actor(me.account)
    try:
        source = _source_of(setup)
        checked = release_form.parse(values, services.now().date())
        week = release_form.week_budget(session, checked.period)
        asked = checked.request(week_has_budget=week.budget is not None)
        details = request_details(asked, setup.synthetic)
        try:
            release_form.check_budget(checked, week)
        except OverBudgetError as exc:
            session.rollback()
            record_refusal(session, actor, details, exc.message, services.now())
            raise
    except ConsoleError as exc:
        return _form_page(request, session, me, values=values, error=exc)
    session.rollback()  # end the checks' read transaction: the ledger's lock comes first
    try:
        releases = publish_with_audit(
            session,
            asked,
            source=source,
            pseudonyms=WeeklyPseudonyms(services.kek),
            regions=setup.regions,
            actor=actor,
            details=details,
            now=services.now(),
        )
    except BudgetExceededError as exc:
        record_refusal(session, actor, details, str(exc), services.now())
        refusal = OverBudgetError(f"epsilon: {exc}; nothing was released")
        return _form_page(request, session, me, values=values, error=refusal)
    except AnalyticsError as exc:
        return _form_page(
            request, session, me, values=values, error=ConflictError(f"release: {exc}")
        )
    return RedirectResponse(f"/console/stats?published={releases[0].release_id}", status_code=303)
