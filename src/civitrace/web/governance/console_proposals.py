"""``/console/governance/proposals``: an administrator changes the data inventory.

The administrator edits the inventory in force (or uploads a TOML file), sees first what the
change would do — which parts widen collection and must wait for the notice period and a
consultation summary, which apply at once — and then publishes it; everything goes through
:func:`civitrace.governance.proposals.propose`, which appends the audit entries. Pending
widening proposals can get their consultation summary or be withdrawn here too.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Final

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData, UploadFile

from civitrace.governance.errors import GovernanceError, ProposalError
from civitrace.governance.inventory import MAX_TEXT, parse_inventory
from civitrace.governance.proposals import (
    ProposalResult,
    attach_consultation_summary,
    effective_inventory,
    list_proposals,
    propose,
    withdraw,
)
from civitrace.governance.settings import GovernanceSettings
from civitrace.governance.views import app_governance
from civitrace.server.deps import SessionDep
from civitrace.web.console.auth import FormDep, field
from civitrace.web.console.routing import PageRoute
from civitrace.web.governance import views_model, words
from civitrace.web.governance.change_text import change_text, grouped
from civitrace.web.governance.console_common import PREFIX, Admin, governance_page, now, who
from civitrace.web.templating import request_language

router = APIRouter(prefix=PREFIX, include_in_schema=False, route_class=PageRoute)
PAGE: Final = "governance/console_proposals.html"
UPLOAD_LIMIT: Final = 256 * 1024  # bytes of an uploaded inventory; the shipped one is ~10 KiB
_DONE: Final = frozenset({"proposed", "summary", "withdrawn"})


@dataclass(frozen=True, slots=True)
class Draft:
    """What the administrator typed: the proposed inventory and its title, reason, date."""

    inventory: str
    title: str
    rationale: str
    effective_on: str

    def values(self) -> dict[str, str]:
        return {
            "title": self.title,
            "rationale": self.rationale,
            "effective_on": self.effective_on,
        }


def _uploaded(form: FormData) -> str | None:
    """The uploaded inventory's text, or None when no file was chosen. The upload's spooled
    file is closed here: the console parses forms itself, so nothing else would close it."""
    upload = form.get("inventory_file")
    if not isinstance(upload, UploadFile):
        return None
    try:
        if not upload.filename:
            return None
        content = upload.file.read(UPLOAD_LIMIT + 1)
    finally:
        upload.file.close()
    if len(content) > UPLOAD_LIMIT:
        raise ProposalError(f"inventory_file: larger than {UPLOAD_LIMIT // 1024} KiB")
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        raise ProposalError("inventory_file: not UTF-8 text") from None


def _draft(form: FormData) -> Draft:
    text = _uploaded(form)
    return Draft(
        inventory=text if text is not None else field(form, "inventory"),
        title=field(form, "title"),
        rationale=field(form, "rationale"),
        effective_on=field(form, "effective_on").strip(),
    )


def earliest_day(settings: GovernanceSettings, moment: datetime) -> date:
    """The first whole day on which a widening proposed at ``moment`` may take effect."""
    earliest = (moment + settings.notice_period).astimezone(UTC)
    midnight = earliest.time() == time(0)
    return earliest.date() if midnight else earliest.date() + timedelta(days=1)


def _effective_at(draft: Draft) -> datetime | None:
    if not draft.effective_on:
        return None
    try:
        day = date.fromisoformat(draft.effective_on)
    except ValueError:
        raise ProposalError("effective_on: must be a date such as 2027-01-31") from None
    return datetime.combine(day, time(0), tzinfo=UTC)


def _no_nul(value: str, name: str) -> str:
    """Refuse NUL characters, which PostgreSQL text cannot store, as the field's error."""
    if "\x00" in value:
        raise ProposalError(f"{name}: must not contain NUL characters")
    return value


def _run(
    request: Request, session: Session, me: Admin, draft: Draft, *, dry_run: bool
) -> ProposalResult:
    _no_nul(draft.title, "title")
    _no_nul(draft.rationale, "rationale")
    if len(draft.rationale) > MAX_TEXT:
        raise ProposalError(f"rationale: longer than {MAX_TEXT} characters")
    proposed = parse_inventory(draft.inventory, "inventory")
    result = propose(
        session,
        app_governance(request),
        proposed,
        actor=who(me),
        now=now(request),
        title=draft.title,
        rationale=draft.rationale,
        effective_at=_effective_at(draft),
        dry_run=dry_run,
    )
    if not result.changes:
        raise ProposalError("inventory: nothing differs from the inventory in force")
    if not dry_run and result.immediate is None and result.widening is None:
        raise ProposalError("inventory: every change it makes is already proposed")
    return result


def _preview(request: Request, result: ProposalResult, draft: Draft) -> dict[str, Any]:
    language = request_language(request)
    settings = app_governance(request)
    waiting_from = _effective_at(draft) or (now(request) + settings.notice_period)
    duplicates = {change.key() for change in result.already_pending}
    fresh = tuple(c for c in result.changes if c.key() not in duplicates)
    groups = grouped(fresh, language)
    return {
        "groups": groups,
        "widening": sum(len(items) for effect, items in groups if effect == "widening"),
        "waiting_from": words.moment(waiting_from, language),
        "duplicates": [change_text(c, language) for c in result.already_pending],
    }


def _page(
    request: Request,
    session: Session,
    me: Admin,
    *,
    draft: Draft | None = None,
    preview: dict[str, Any] | None = None,
    error: str | None = None,
) -> HTMLResponse:
    language = request_language(request)
    settings = app_governance(request)
    moment = now(request)
    if draft is None:
        in_force = effective_inventory(session, settings.configured_inventory(), moment)
        draft = Draft(in_force.to_toml(), "", "", "")
    done = request.query_params.get("done")
    context = {
        "draft": draft,
        "values": draft.values(),
        "preview": preview,
        "error": error,
        "done": done if done in _DONE else None,
        "notice_days": settings.notice_period.days,
        "earliest": earliest_day(settings, moment).isoformat(),
        "proposals": [
            views_model.proposal(p, language) for p in reversed(list_proposals(session, moment))
        ],
    }
    status = 400 if error else 200
    return governance_page(request, PAGE, me, context, status_code=status)


@router.get("/proposals", response_class=HTMLResponse)
def proposals(request: Request, session: SessionDep, me: Admin) -> Response:
    """The inventory in force to edit, and every proposal with what can still be done."""
    return _page(request, session, me)


@router.post("/proposals/preview", response_class=HTMLResponse)
def preview(request: Request, session: SessionDep, me: Admin, form: FormDep) -> Response:
    """What the edited inventory would change; nothing is stored."""
    try:
        draft = _draft(form)
        result = _run(request, session, me, draft, dry_run=True)
    except GovernanceError as exc:
        session.rollback()
        return _page(request, session, me, draft=_safe_draft(form), error=str(exc))
    session.rollback()
    return _page(request, session, me, draft=draft, preview=_preview(request, result, draft))


@router.post("/proposals", response_class=HTMLResponse)
def publish(request: Request, session: SessionDep, me: Admin, form: FormDep) -> Response:
    """Store the proposal (public at once) and its audit entries."""
    try:
        draft = _draft(form)
        _run(request, session, me, draft, dry_run=False)
    except GovernanceError as exc:
        session.rollback()
        return _page(request, session, me, draft=_safe_draft(form), error=str(exc))
    session.commit()
    return RedirectResponse(f"{PREFIX}/proposals?done=proposed", status_code=303)


def _safe_draft(form: FormData) -> Draft:
    """The form's text fields again, for re-showing them after an error."""
    return Draft(
        field(form, "inventory"),
        field(form, "title"),
        field(form, "rationale"),
        field(form, "effective_on"),
    )


def _proposal_id(form: FormData) -> int:
    value = field(form, "proposal_id").strip()
    if not value.isascii() or not value.isdigit() or len(value) > 9:
        raise ProposalError("proposal_id: must be a proposal number")
    return int(value)


@router.post("/proposals/summary", response_class=HTMLResponse)
def summary(request: Request, session: SessionDep, me: Admin, form: FormDep) -> Response:
    """Attach the published consultation summary a widening proposal waits for."""
    try:
        url = _no_nul(field(form, "url"), "url")
        attach_consultation_summary(
            session, _proposal_id(form), url, actor=who(me), now=now(request)
        )
    except GovernanceError as exc:
        session.rollback()
        return _page(request, session, me, error=str(exc))
    session.commit()
    return RedirectResponse(f"{PREFIX}/proposals?done=summary", status_code=303)


@router.post("/proposals/withdraw", response_class=HTMLResponse)
def withdraw_proposal(request: Request, session: SessionDep, me: Admin, form: FormDep) -> Response:
    """Withdraw a widening proposal before it takes effect."""
    try:
        withdraw(session, _proposal_id(form), actor=who(me), now=now(request))
    except GovernanceError as exc:
        session.rollback()
        return _page(request, session, me, error=str(exc))
    session.commit()
    return RedirectResponse(f"{PREFIX}/proposals?done=withdrawn", status_code=303)
