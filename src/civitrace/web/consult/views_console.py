"""The staff console's consultation screen: an administrator opens a consultation (for a
governance proposal or on its own) with its first session, and gets the session's links.

The consultation API's staff routes take an ADMIN API key, which a person at the console does
not hold; this screen therefore calls the same services directly, behind the console's own
sign-in, CSRF check and role (administrator). The facilitator and moderator links are shown
once, on the answer to the form: only their hashes are stored.
"""

from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from civitrace.consult.errors import ConsultError, ConsultInputError
from civitrace.consult.participants import parse_language
from civitrace.consult.seating import check_table_size
from civitrace.consult.text import clean_text
from civitrace.server.console import auditing
from civitrace.server.console.sessions import Current
from civitrace.server.consult import sessions as service
from civitrace.server.consult import snapshots
from civitrace.server.db.console_models import StaffRole
from civitrace.server.db.consult_models import Consultation
from civitrace.server.db.governance_models import InventoryProposal
from civitrace.server.deps import SessionDep
from civitrace.web.console.auth import FormDep, console_services, require
from civitrace.web.console.pages import page
from civitrace.web.consult import forms
from civitrace.web.consult.access import session_path
from civitrace.web.consult.qr import join_url
from civitrace.web.consult.routing import ConsultRoute
from civitrace.web.i18n import LANGUAGES

router = APIRouter(prefix="/console", include_in_schema=False, route_class=ConsultRoute)

Admin = Annotated[Current, Depends(require(StaffRole.ADMIN))]
LISTED: Final = 20
MAX_PROPOSAL_ID: Final = 2**31 - 1


def _recent(db: Session) -> list[dict[str, Any]]:
    rows = db.scalars(select(Consultation).order_by(Consultation.created_at.desc()).limit(LISTED))
    return [snapshots.consultation_document(db, row) for row in rows]


def _screen(
    request: Request,
    db: Session,
    me: Current,
    *,
    error: ConsultError | None = None,
    created: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    context = {
        "consultations": _recent(db),
        "languages": LANGUAGES,
        "error": error,
        "created": created,
        "values": values or {"table_size": "8", "language": "en"},
    }
    return page(request, "consult/console.html", me, context, status_code=400 if error else 200)


def _proposal(db: Session, value: str) -> int | None:
    """The optional proposal number: empty, or a stored governance proposal."""
    if not value.strip():
        return None
    number = value.strip()
    if not number.isascii() or not number.isdigit() or int(number) > MAX_PROPOSAL_ID:
        raise ConsultInputError("proposal_id", "must be the number of a proposal")
    if db.get(InventoryProposal, int(number)) is None:
        raise ConsultInputError("proposal_id", f"there is no proposal {number}")
    return int(number)


@router.get("/consultations", response_class=HTMLResponse)
def consultations(request: Request, db: SessionDep, me: Admin) -> Response:
    """The form to open a consultation, and the recent ones."""
    return _screen(request, db, me)


@router.post("/consultations", response_class=HTMLResponse)
def open_consultation(request: Request, db: SessionDep, me: Admin, form: FormDep) -> Response:
    """Create a consultation and its first session; show the session's links once."""
    names = ("title", "description", "proposal_id", "session_title", "table_size", "language")
    values = {name: forms.text(form, name) for name in names}
    try:
        proposal_id = _proposal(db, values["proposal_id"])
        table_size = check_table_size(forms.integer(form, "table_size", 8))
        language = parse_language(values["language"] or "en")
        clean_text(values["session_title"] or values["title"], "session_title", max_length=200)
        consultation = service.create_consultation(
            db, title=values["title"], description=values["description"], proposal_id=proposal_id
        )
        created = service.create_session(
            db,
            consultation.id,
            title=values["session_title"] or values["title"],
            table_size=table_size,
            language=language,
            starts_at=None,
        )
    except ConsultInputError as exc:
        db.rollback()
        return _screen(request, db, me, error=exc, values=values)
    session_id = created.session.id
    auditing.record(
        db,
        me.account,
        "consultation.opened",
        f"consultation:{consultation.id}",
        {"session": session_id, "proposal": proposal_id},
        now=console_services(request).now(),
    )
    db.commit()
    join = join_url(request, session_id)
    links = {
        "title": consultation.title,
        "join": join,
        "screen": f"{join}/screen",
        "facilitator": f"{join}/facilitate#{created.facilitator_token}",
        "moderator": f"{join}/moderate#{created.moderator_token}",
        "path": session_path(session_id),
    }
    return _screen(request, db, me, created=links)
