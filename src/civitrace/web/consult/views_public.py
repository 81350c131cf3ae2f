"""The public pages: the list of consultations, joining a session, the projector and the
published summary. Nothing here needs a token except joining, which creates one."""

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from civitrace.consult.errors import ConsultInputError
from civitrace.consult.groups import GROUPS, parse_group
from civitrace.consult.participants import Profile
from civitrace.server.consult import sessions as service
from civitrace.server.consult import snapshots, summaries
from civitrace.server.consult.auth import SessionId
from civitrace.server.db.consult_models import Consultation, ConsultSession, SessionSummary
from civitrace.server.deps import SessionDep
from civitrace.web.console.auth import FormDep, check_login_csrf
from civitrace.web.consult import views_model
from civitrace.web.consult.access import PARTICIPANT_COOKIE, participant_of, set_token
from civitrace.web.consult.forms import text
from civitrace.web.consult.pages import fragment, page
from civitrace.web.consult.qr import join_url, qr_svg
from civitrace.web.consult.routing import ConsultRoute
from civitrace.web.i18n import LANGUAGES, language_for
from civitrace.web.templating import request_language

router = APIRouter(prefix="/consult", include_in_schema=False, route_class=ConsultRoute)

LISTED = 50  # consultations on the public list, newest first
SCREEN_PARTS = frozenset({"polls", "questions"})


@router.get("", response_class=HTMLResponse)
def index(request: Request, db: SessionDep) -> Response:
    """Consultations and their sessions: join an open one, read a published summary."""
    consultations = db.scalars(
        select(Consultation).order_by(Consultation.created_at.desc()).limit(LISTED)
    )
    published = set(db.scalars(select(SessionSummary.session_id)))
    items = []
    for consultation in consultations:
        document = snapshots.consultation_document(db, consultation)
        for item in document["sessions"]:
            item["published"] = item["id"] in published
        items.append(document)
    return page(request, "consult/index.html", {"consultations": items})


def _join_page(
    request: Request,
    db: Session,
    session: ConsultSession,
    *,
    error: ConsultInputError | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    joined = participant_of(db, request, session.id)
    context: dict[str, Any] = {
        **views_model.base(db, session),
        "joined": joined,
        "groups": [group.value for group in GROUPS],
        "languages": LANGUAGES,
        "error": error,
        "values": values or {"language": request_language(request).tag},
    }
    return page(request, "consult/join.html", context, status_code=400 if error else 200)


@router.get("/s/{session_id}", response_class=HTMLResponse)
def join_form(request: Request, db: SessionDep, session_id: SessionId) -> Response:
    """Join by link or QR code: a display name, a stakeholder group, a language."""
    return _join_page(request, db, snapshots.load_session(db, session_id))


@router.post("/s/{session_id}", response_class=HTMLResponse)
def join(request: Request, db: SessionDep, session_id: SessionId, form: FormDep) -> Response:
    """Register the participant and keep their token in a cookie (see ``access``)."""
    check_login_csrf(request, form)
    session = snapshots.load_session(db, session_id)
    values: dict[str, str] = {}
    try:
        values = {name: text(form, name) for name in ("display_name", "group", "language")}
        profile = Profile(values["display_name"], parse_group(values["group"]), values["language"])
    except ConsultInputError as exc:
        return _join_page(request, db, session, error=exc, values=values)
    joined = service.join(db, views_model.bus(request), session_id, profile)
    chosen = language_for(profile.language)
    query = f"?lang={chosen.tag}" if chosen is not None else ""
    response = RedirectResponse(f"/consult/s/{session_id}/me{query}", status_code=303)
    set_token(request, response, session_id, PARTICIPANT_COOKIE, joined.token)
    return response


def _screen_context(request: Request, db: Session, session: ConsultSession) -> dict[str, Any]:
    items = views_model.on_screen(views_model.polls(db, session.id))
    url = join_url(request, session.id)
    return {
        **views_model.base(db, session),
        "polls": items,
        "poll_signature": views_model.poll_signature(items),
        "questions": snapshots.accepted_questions(db, session.id),
        "join_url": url,
        "qr": qr_svg(url),
    }


@router.get("/s/{session_id}/screen", response_class=HTMLResponse)
def screen(request: Request, db: SessionDep, session_id: SessionId) -> Response:
    """The projector: live results in large type and the approved questions; read-only."""
    session = snapshots.load_session(db, session_id)
    return page(request, "consult/screen.html", _screen_context(request, db, session))


@router.get("/s/{session_id}/screen/part/{name}", response_class=HTMLResponse)
def screen_part(request: Request, db: SessionDep, session_id: SessionId, name: str) -> Response:
    session = snapshots.load_session(db, session_id)
    context = _screen_context(request, db, session)
    return fragment(request, "screen", name, SCREEN_PARTS, context)


@router.get("/s/{session_id}/summary", response_class=HTMLResponse)
def summary(request: Request, db: SessionDep, session_id: SessionId) -> Response:
    """The published summary in the page's language, with the HTML and PDF downloads."""
    document = summaries.published(db, session_id)
    context = {"summary": document, "sid": session_id}
    return page(request, "consult/summary.html", context)
