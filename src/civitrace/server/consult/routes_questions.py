"""Questions: participants ask and upvote, moderators approve, reject and merge, the
facilitator marks them answered; anyone reads the accepted ones."""

from typing import Annotated

from fastapi import APIRouter, Path

from civitrace.consult.questions import Moderation
from civitrace.server.consult import questions as service
from civitrace.server.consult import snapshots
from civitrace.server.consult._docs import errors
from civitrace.server.consult.auth import Moderator, ParticipantDep, SessionId
from civitrace.server.consult.runtime import Bus
from civitrace.server.consult.schemas import (
    MAX_ROW_ID,
    MergeRequest,
    PendingList,
    QuestionList,
    QuestionRequest,
    QuestionState,
    Upvoted,
)
from civitrace.server.consult.snapshots import Document
from civitrace.server.deps import SessionDep

router = APIRouter()

QuestionId = Annotated[int, Path(ge=1, le=MAX_ROW_ID, description="The question's id")]
_MODERATED = errors(401, 403, 404, 409)


@router.post(
    "/sessions/{session_id}/questions",
    status_code=201,
    response_model=QuestionState,
    responses=errors(401, 403, 404, 409),
    summary="Ask a question; it waits for a moderator (participant)",
)
def ask(
    session_id: SessionId,
    body: QuestionRequest,
    db: SessionDep,
    bus: Bus,
    participant: ParticipantDep,
) -> Document:
    session = snapshots.load_session(db, session_id)
    question = service.submit(db, bus, session, participant, body.text)
    return {"id": question.id, "status": question.status}


@router.get(
    "/sessions/{session_id}/questions",
    response_model=QuestionList,
    responses=errors(404),
    summary="Accepted questions in the facilitator's order, with upvotes (public)",
)
def accepted(session_id: SessionId, db: SessionDep) -> Document:
    snapshots.load_session(db, session_id)
    return snapshots.questions_document(db, session_id)


@router.get(
    "/sessions/{session_id}/questions/pending",
    response_model=PendingList,
    responses=errors(401, 403, 404),
    summary="Questions awaiting moderation, oldest first (moderator or facilitator)",
)
def pending(session_id: SessionId, db: SessionDep, _: Moderator) -> Document:
    return {"questions": snapshots.pending_questions(db, session_id)}


def _decide(
    db: SessionDep, bus: Bus, session_id: str, question_id: int, action: Moderation
) -> Document:
    session = snapshots.load_session(db, session_id)
    question = service.decide(db, bus, session, question_id, action)
    return {"id": question.id, "status": question.status}


@router.post(
    "/sessions/{session_id}/questions/{question_id}/approve",
    response_model=QuestionState,
    responses=_MODERATED,
    summary="Approve a pending question: everyone sees it and may upvote it (moderator)",
)
def approve(
    session_id: SessionId, question_id: QuestionId, db: SessionDep, bus: Bus, _: Moderator
) -> Document:
    return _decide(db, bus, session_id, question_id, Moderation.APPROVE)


@router.post(
    "/sessions/{session_id}/questions/{question_id}/reject",
    response_model=QuestionState,
    responses=_MODERATED,
    summary="Reject a pending or approved question (moderator)",
)
def reject(
    session_id: SessionId, question_id: QuestionId, db: SessionDep, bus: Bus, _: Moderator
) -> Document:
    return _decide(db, bus, session_id, question_id, Moderation.REJECT)


@router.post(
    "/sessions/{session_id}/questions/{question_id}/answer",
    response_model=QuestionState,
    responses=_MODERATED,
    summary="Mark an approved question answered (moderator or facilitator)",
)
def answer(
    session_id: SessionId, question_id: QuestionId, db: SessionDep, bus: Bus, _: Moderator
) -> Document:
    return _decide(db, bus, session_id, question_id, Moderation.ANSWER)


@router.post(
    "/sessions/{session_id}/questions/{question_id}/merge",
    response_model=QuestionState,
    responses=_MODERATED,
    summary="Merge a duplicate into an approved question; its support moves along (moderator)",
)
def merge(
    session_id: SessionId,
    question_id: QuestionId,
    body: MergeRequest,
    db: SessionDep,
    bus: Bus,
    _: Moderator,
) -> Document:
    session = snapshots.load_session(db, session_id)
    service.merge(db, bus, session, question_id, body.into)
    return {"id": question_id, "status": "merged"}


@router.post(
    "/sessions/{session_id}/questions/{question_id}/upvote",
    response_model=Upvoted,
    responses=_MODERATED,
    summary="Upvote an approved question, once (participant; not one's own)",
)
def upvote(
    session_id: SessionId,
    question_id: QuestionId,
    db: SessionDep,
    bus: Bus,
    participant: ParticipantDep,
) -> Document:
    session = snapshots.load_session(db, session_id)
    service.upvote(db, bus, session, participant, question_id)
    return {"questionId": question_id, "status": "upvoted"}
