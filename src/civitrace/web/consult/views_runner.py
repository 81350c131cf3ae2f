"""The pages of the people running a session: the facilitator (polls, seating, table notes,
the end and the summary, and moderation too) and the moderators (the question queue).

Their secret links carry the token in the fragment (``…/facilitate#ctf_…``); the page's script
posts it once to ``…/key``, which keeps it in a cookie (see :mod:`.access`). Without script the
same form takes the token pasted by hand.
"""

from typing import Any, Final, Literal, cast

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from civitrace.consult.polls import PollKind, PollSpec
from civitrace.consult.questions import Moderation
from civitrace.server.consult import polls as poll_service
from civitrace.server.consult import questions as question_service
from civitrace.server.consult import sessions as session_service
from civitrace.server.consult import snapshots, summaries
from civitrace.server.consult.auth import SessionId
from civitrace.server.consult.errors import NotFoundError
from civitrace.server.consult.routes_polls import PollId
from civitrace.server.consult.routes_questions import QuestionId
from civitrace.server.consult.routes_sessions import TableNumber
from civitrace.server.db.consult_models import ConsultSession
from civitrace.server.deps import SessionDep
from civitrace.server.errors import UnauthorizedError
from civitrace.web.catalogs import N_
from civitrace.web.console.auth import FormDep, check_login_csrf
from civitrace.web.consult import forms, views_model
from civitrace.web.consult.access import (
    FACILITATOR_COOKIE,
    MODERATOR_COOKIE,
    is_facilitator,
    is_moderator,
    link_matches,
    set_token,
)
from civitrace.web.consult.pages import fragment, page
from civitrace.web.consult.qr import join_url, qr_svg
from civitrace.web.consult.routing import ConsultRoute, done

router = APIRouter(prefix="/consult/s", include_in_schema=False, route_class=ConsultRoute)

Area = Literal["facilitate", "moderate"]
PARTS: Final[dict[str, frozenset[str]]] = {
    "facilitate": frozenset({"session", "polls", "tables", "queue", "questions"}),
    "moderate": frozenset({"polls", "queue", "questions"}),
}
_ACTIONS: Final = {
    "approve": Moderation.APPROVE,
    "reject": Moderation.REJECT,
    "answer": Moderation.ANSWER,
}


def _allowed(request: Request, session: ConsultSession, area: Area) -> bool:
    if area == "facilitate":
        return is_facilitator(request, session)
    return is_moderator(request, session)


def _running(db: Session, request: Request, session_id: str, area: Area) -> ConsultSession:
    session = snapshots.load_session(db, session_id)
    if not _allowed(request, session, area):
        raise UnauthorizedError("link: open this page with its secret link first")
    return session


def _context(request: Request, db: Session, session: ConsultSession, area: Area) -> dict[str, Any]:
    url = join_url(request, session.id)
    return {
        **views_model.base(db, session),
        **views_model.runner_context(db, session),
        "area": area,
        "action_path": f"/consult/s/{session.id}/{area}",
        "join_url": url,
        "qr": qr_svg(url) if area == "facilitate" else None,
    }


def _runner_page(request: Request, db: Session, session_id: str, area: Area) -> Response:
    session = snapshots.load_session(db, session_id)
    if not _allowed(request, session, area):
        context = {**views_model.base(db, session), "area": area, "wrong": False}
        return page(request, "consult/key.html", context)
    return page(request, f"consult/{area}.html", _context(request, db, session, area))


def _claim(request: Request, db: Session, session_id: str, area: Area, form: Any) -> Response:
    check_login_csrf(request, form)
    session = snapshots.load_session(db, session_id)
    key = forms.text(form, "key").strip().lstrip("#")
    facilitator = area == "facilitate"
    if not link_matches(session, key, facilitator=facilitator):
        if facilitator or not link_matches(session, key, facilitator=True):
            context = {**views_model.base(db, session), "area": area, "wrong": True}
            return page(request, "consult/key.html", context, status_code=403)
        facilitator = True  # the facilitator's link opens the moderators' page too
    response = RedirectResponse(f"/consult/s/{session_id}/{area}", status_code=303)
    cookie = FACILITATOR_COOKIE if facilitator else MODERATOR_COOKIE
    set_token(request, response, session_id, cookie, key)
    return response


@router.get("/{session_id}/facilitate", response_class=HTMLResponse)
def facilitate(request: Request, db: SessionDep, session_id: SessionId) -> Response:
    """The facilitator's page (or, before the link's key is known, the form that takes it)."""
    return _runner_page(request, db, session_id, "facilitate")


@router.get("/{session_id}/moderate", response_class=HTMLResponse)
def moderate(request: Request, db: SessionDep, session_id: SessionId) -> Response:
    """A moderator's page: the queue of questions, oldest first."""
    return _runner_page(request, db, session_id, "moderate")


@router.post("/{session_id}/facilitate/key", response_class=HTMLResponse)
def facilitator_key(
    request: Request, db: SessionDep, session_id: SessionId, form: FormDep
) -> Response:
    return _claim(request, db, session_id, "facilitate", form)


@router.post("/{session_id}/moderate/key", response_class=HTMLResponse)
def moderator_key(
    request: Request, db: SessionDep, session_id: SessionId, form: FormDep
) -> Response:
    return _claim(request, db, session_id, "moderate", form)


@router.get("/{session_id}/facilitate/part/{name}", response_class=HTMLResponse)
def facilitator_part(
    request: Request, db: SessionDep, session_id: SessionId, name: str
) -> Response:
    session = _running(db, request, session_id, "facilitate")
    context = _context(request, db, session, "facilitate")
    return fragment(request, "facilitate", name, PARTS["facilitate"], context)


@router.get("/{session_id}/moderate/part/{name}", response_class=HTMLResponse)
def moderator_part(request: Request, db: SessionDep, session_id: SessionId, name: str) -> Response:
    session = _running(db, request, session_id, "moderate")
    context = _context(request, db, session, "moderate")
    return fragment(request, "moderate", name, PARTS["moderate"], context)


def _facilitator(request: Request, db: Session, session_id: str, form: Any) -> ConsultSession:
    check_login_csrf(request, form)
    return _running(db, request, session_id, "facilitate")


def _back(session_id: str, anchor: str) -> str:
    return f"/consult/s/{session_id}/facilitate#{anchor}"


@router.post("/{session_id}/facilitate/polls", response_class=HTMLResponse)
def create_poll(request: Request, db: SessionDep, session_id: SessionId, form: FormDep) -> Response:
    """Write a poll; it stays a draft until it is opened."""
    session = _facilitator(request, db, session_id, form)
    kind = forms.text(form, "kind")
    spec = PollSpec(
        kind=cast(PollKind, kind),  # checked (and converted) by PollSpec itself
        question=forms.text(form, "question"),
        options=tuple(forms.lines(form, "options")) if kind in {"single", "multiple"} else (),
        max_choices=forms.integer(form, "max_choices", 1),
        scale_min=forms.integer(form, "scale_min", 1),
        scale_max=forms.integer(form, "scale_max", 5),
        max_words=forms.integer(form, "max_words", 1),
    )
    poll = poll_service.create_poll(db, session, spec)
    return done(
        request, _back(session_id, f"poll-{poll.id}"), N_("The poll is written."), pollId=poll.id
    )


@router.post("/{session_id}/facilitate/polls/{poll_id}/{action}", response_class=HTMLResponse)
def poll_status(
    request: Request,
    *,
    db: SessionDep,
    session_id: SessionId,
    poll_id: PollId,
    action: str,
    form: FormDep,
) -> Response:
    """Open a draft poll, or close an open one."""
    session = _facilitator(request, db, session_id, form)
    if action not in {"open", "close"}:
        raise NotFoundError(f"action {action}: a poll is opened or closed")
    poll_service.change_status(db, views_model.bus(request), session, poll_id, action)
    message = N_("The poll is open.") if action == "open" else N_("The poll is closed.")
    return done(request, _back(session_id, f"poll-{poll_id}"), message)


@router.post("/{session_id}/facilitate/seating", response_class=HTMLResponse)
def seating(request: Request, db: SessionDep, session_id: SessionId, form: FormDep) -> Response:
    """Seat everyone present at mixed tables, moving as few people as possible."""
    _facilitator(request, db, session_id, form)
    session_service.seat_everyone(db, views_model.bus(request), session_id)
    return done(request, _back(session_id, "tables"), N_("Everyone present has a table."))


@router.post("/{session_id}/facilitate/tables/{table}/note", response_class=HTMLResponse)
def table_note(
    request: Request,
    db: SessionDep,
    session_id: SessionId,
    table: TableNumber,
    form: FormDep,
) -> Response:
    """Write a table's notes; they are published in the summary."""
    session = _facilitator(request, db, session_id, form)
    session_service.set_table_note(db, session, table, forms.text(form, "text"))
    return done(request, _back(session_id, f"table-{table}"), N_("The notes are saved."))


@router.post("/{session_id}/facilitate/end", response_class=HTMLResponse)
def end(request: Request, db: SessionDep, session_id: SessionId, form: FormDep) -> Response:
    """End the session: open polls close; nobody joins, votes or asks any more."""
    _facilitator(request, db, session_id, form)
    session_service.end_session(db, views_model.bus(request), session_id)
    return done(request, _back(session_id, "session"), N_("The session has ended."))


@router.post("/{session_id}/facilitate/summary", response_class=HTMLResponse)
def publish(request: Request, db: SessionDep, session_id: SessionId, form: FormDep) -> Response:
    """Publish the summary of the ended session (and attach it to its proposal, if any)."""
    _facilitator(request, db, session_id, form)
    summaries.publish(db, views_model.bus(request), session_id)
    return done(request, _back(session_id, "session"), N_("The summary is published."))


def _moderate(
    request: Request,
    db: Session,
    session_id: str,
    *,
    area: Area,
    question_id: int,
    form: Any,
) -> Response:
    check_login_csrf(request, form)
    session = _running(db, request, session_id, area)
    action = forms.text(form, "action")
    bus = views_model.bus(request)
    if action == "merge":
        target = forms.integer(form, "into")
        question_service.merge(db, bus, session, question_id, target)
        message = N_("The question is merged into the one it repeats.")
    elif action in _ACTIONS:
        question_service.decide(db, bus, session, question_id, _ACTIONS[action])
        message = {
            "approve": N_("The question is approved; everyone sees it."),
            "reject": N_("The question is rejected."),
            "answer": N_("The question is marked answered."),
        }[action]
    else:
        raise NotFoundError(f"action {action}: approve, reject, answer or merge")
    return done(request, f"/consult/s/{session_id}/{area}#queue", message)


@router.post("/{session_id}/facilitate/questions/{question_id}", response_class=HTMLResponse)
def facilitator_decides(
    request: Request,
    db: SessionDep,
    session_id: SessionId,
    question_id: QuestionId,
    form: FormDep,
) -> Response:
    return _moderate(request, db, session_id, area="facilitate", question_id=question_id, form=form)


@router.post("/{session_id}/moderate/questions/{question_id}", response_class=HTMLResponse)
def moderator_decides(
    request: Request,
    db: SessionDep,
    session_id: SessionId,
    question_id: QuestionId,
    form: FormDep,
) -> Response:
    return _moderate(request, db, session_id, area="moderate", question_id=question_id, form=form)
