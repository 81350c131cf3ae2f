"""A participant's own page: their table and table-mates, the polls to vote in, the questions
to ask and upvote. Every action is a form post authenticated by the participant's cookie."""

from typing import Any, Final

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from civitrace.consult.errors import ConsultInputError
from civitrace.consult.polls import PollKind
from civitrace.server.consult import polls as poll_service
from civitrace.server.consult import questions as question_service
from civitrace.server.consult import sessions as session_service
from civitrace.server.consult import snapshots
from civitrace.server.consult.auth import SessionId
from civitrace.server.consult.routes_polls import PollId
from civitrace.server.consult.routes_questions import QuestionId
from civitrace.server.db.consult_models import Participant
from civitrace.server.deps import SessionDep
from civitrace.server.errors import UnauthorizedError
from civitrace.web.catalogs import N_
from civitrace.web.console.auth import FormDep, check_login_csrf
from civitrace.web.consult import forms, views_model
from civitrace.web.consult.access import PARTICIPANT_COOKIE, forget_token, participant_of
from civitrace.web.consult.pages import fragment, page
from civitrace.web.consult.routing import ConsultRoute, done

router = APIRouter(prefix="/consult/s", include_in_schema=False, route_class=ConsultRoute)

PARTS: Final = frozenset({"seat", "polls", "questions", "status"})


def _me(db: Session, request: Request, session_id: str) -> Participant:
    found = participant_of(db, request, session_id)
    if found is None:
        snapshots.load_session(db, session_id)  # an unknown session is a 404 first
        raise UnauthorizedError("participant: join the session first (or join it again)")
    return found


def _context(db: Session, participant: Participant) -> dict[str, Any]:
    session = snapshots.load_session(db, participant.session_id)
    return {**views_model.base(db, session), **views_model.participant_context(db, participant)}


@router.get("/{session_id}/me", response_class=HTMLResponse)
def own_page(request: Request, db: SessionDep, session_id: SessionId) -> Response:
    """The participant's page; without a join cookie, the way to the join form."""
    participant = participant_of(db, request, session_id)
    if participant is None:
        snapshots.load_session(db, session_id)
        return RedirectResponse(f"/consult/s/{session_id}", status_code=303)
    return page(request, "consult/participant.html", _context(db, participant))


@router.get("/{session_id}/me/part/{name}", response_class=HTMLResponse)
def own_part(request: Request, db: SessionDep, session_id: SessionId, name: str) -> Response:
    participant = _me(db, request, session_id)
    return fragment(request, "participant", name, PARTS, _context(db, participant))


def _ballot(kind: PollKind, form: Any) -> dict[str, Any]:
    """The ballot's fields as the vote service takes them, from the form of a poll ``kind``."""
    if kind is PollKind.SINGLE:
        if not forms.text(form, "choice").strip():
            raise ConsultInputError("choices", "choose one option")
        return {"choices": [forms.integer(form, "choice")], "value": None, "words": None}
    if kind is PollKind.MULTIPLE:
        chosen = forms.integers(form, "choices")
        if not chosen:
            raise ConsultInputError("choices", "choose at least one option")
        return {"choices": chosen, "value": None, "words": None}
    if kind is PollKind.SCALE:
        if not forms.text(form, "value").strip():
            raise ConsultInputError("value", "choose a value")
        return {"choices": None, "value": forms.integer(form, "value"), "words": None}
    return {"choices": None, "value": None, "words": forms.words(form, "words")}


@router.post("/{session_id}/me/polls/{poll_id}/vote", response_class=HTMLResponse)
def vote(
    request: Request, db: SessionDep, session_id: SessionId, poll_id: PollId, form: FormDep
) -> Response:
    """One final vote in an open poll."""
    check_login_csrf(request, form)
    participant = _me(db, request, session_id)
    kind = PollKind(snapshots.load_poll(db, session_id, poll_id).kind)
    ballot = _ballot(kind, form)
    poll_service.cast_vote(db, views_model.bus(request), participant, poll_id, **ballot)
    return done(request, f"/consult/s/{session_id}/me#poll-{poll_id}", N_("Your vote is counted."))


@router.post("/{session_id}/me/questions", response_class=HTMLResponse)
def ask(request: Request, db: SessionDep, session_id: SessionId, form: FormDep) -> Response:
    """A question for the moderators; everyone sees it once it is approved."""
    check_login_csrf(request, form)
    participant = _me(db, request, session_id)
    session = snapshots.load_session(db, session_id)
    question = question_service.submit(
        db, views_model.bus(request), session, participant, forms.text(form, "text")
    )
    return done(
        request,
        f"/consult/s/{session_id}/me?asked=1#ask",
        N_("Thank you. A moderator will read your question before everyone sees it."),
        questionId=question.id,
    )


@router.post("/{session_id}/me/questions/{question_id}/upvote", response_class=HTMLResponse)
def upvote(
    request: Request,
    db: SessionDep,
    session_id: SessionId,
    question_id: QuestionId,
    form: FormDep,
) -> Response:
    """Support an approved question (once; not one's own)."""
    check_login_csrf(request, form)
    participant = _me(db, request, session_id)
    session = snapshots.load_session(db, session_id)
    question_service.upvote(db, views_model.bus(request), session, participant, question_id)
    return done(
        request,
        f"/consult/s/{session_id}/me#questions",
        N_("Your support is counted."),
        questionId=question_id,
    )


@router.post("/{session_id}/me/leave", response_class=HTMLResponse)
def leave(request: Request, db: SessionDep, session_id: SessionId, form: FormDep) -> Response:
    """Leave the session: the seat is freed, votes already cast stay counted."""
    check_login_csrf(request, form)
    participant = _me(db, request, session_id)
    session_service.leave(db, views_model.bus(request), participant)
    response = RedirectResponse(f"/consult/s/{session_id}?left=1", status_code=303)
    forget_token(request, response, session_id, PARTICIPANT_COOKIE)
    return response
