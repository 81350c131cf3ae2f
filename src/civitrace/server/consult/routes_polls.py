"""Polls: the facilitator writes, opens and closes them; participants vote; anyone reads
the results (counts only)."""

from typing import Annotated

from fastapi import APIRouter, Path, Request

from civitrace.consult.polls import PollKind, PollSpec, PollStatus
from civitrace.server.consult import polls as service
from civitrace.server.consult import snapshots
from civitrace.server.consult._docs import errors
from civitrace.server.consult.auth import Bearer, Facilitator, SessionId, participant
from civitrace.server.consult.errors import NotFoundError
from civitrace.server.consult.runtime import Bus, ConsultRuntime
from civitrace.server.consult.schemas import (
    MAX_ROW_ID,
    NewPoll,
    PollList,
    PollOut,
    VoteCounted,
    VoteRequest,
)
from civitrace.server.consult.snapshots import Document
from civitrace.server.deps import SessionDep

router = APIRouter()

PollId = Annotated[int, Path(ge=1, le=MAX_ROW_ID, description="The poll's id")]


@router.post(
    "/sessions/{session_id}/polls",
    status_code=201,
    response_model=PollOut,
    responses=errors(401, 403, 404, 409),
    summary="Write a poll (a draft until it is opened; facilitator)",
)
def create_poll(
    session_id: SessionId, body: NewPoll, db: SessionDep, session: Facilitator
) -> Document:
    spec = PollSpec(
        kind=PollKind(body.kind),
        question=body.question,
        options=tuple(body.options),
        max_choices=body.max_choices,
        scale_min=body.scale_min,
        scale_max=body.scale_max,
        max_words=body.max_words,
    )
    return snapshots.poll_document(db, service.create_poll(db, session, spec))


@router.get(
    "/sessions/{session_id}/polls",
    response_model=PollList,
    responses=errors(404),
    summary="Every opened poll with its results (public)",
)
def list_polls(session_id: SessionId, db: SessionDep) -> Document:
    snapshots.load_session(db, session_id)
    return {
        "polls": [
            snapshots.poll_document(db, poll)
            for poll in snapshots.polls(db, session_id, drafts=False)
        ]
    }


@router.get(
    "/sessions/{session_id}/polls/{poll_id}",
    response_model=PollOut,
    responses=errors(404),
    summary="One opened poll with its results (public)",
)
def get_poll(session_id: SessionId, poll_id: PollId, db: SessionDep) -> Document:
    snapshots.load_session(db, session_id)
    poll = snapshots.load_poll(db, session_id, poll_id)
    if poll.status == PollStatus.DRAFT:
        raise NotFoundError(f"poll {poll_id}: no such poll in this session")
    return snapshots.poll_document(db, poll)


@router.post(
    "/sessions/{session_id}/polls/{poll_id}/open",
    response_model=PollOut,
    responses=errors(401, 403, 404, 409),
    summary="Open a draft poll: votes are taken and results shown live (facilitator)",
)
def open_poll(
    session_id: SessionId, poll_id: PollId, db: SessionDep, bus: Bus, session: Facilitator
) -> Document:
    return snapshots.poll_document(db, service.change_status(db, bus, session, poll_id, "open"))


@router.post(
    "/sessions/{session_id}/polls/{poll_id}/close",
    response_model=PollOut,
    responses=errors(401, 403, 404, 409),
    summary="Close an open poll for good (facilitator)",
)
def close_poll(
    session_id: SessionId, poll_id: PollId, db: SessionDep, bus: Bus, session: Facilitator
) -> Document:
    return snapshots.poll_document(db, service.change_status(db, bus, session, poll_id, "close"))


@router.post(
    "/sessions/{session_id}/polls/{poll_id}/votes",
    status_code=201,
    response_model=VoteCounted,
    responses=errors(401, 403, 404, 409),
    summary="Vote once in an open poll; a vote is final (participant)",
)
def vote(
    session_id: SessionId,
    poll_id: PollId,
    body: VoteRequest,
    request: Request,
    credentials: Bearer,
) -> Document:
    # The hot path of a live poll: one worker thread does it all (the token check included)
    # instead of one thread hop per dependency.
    runtime: ConsultRuntime = request.app.state.consult
    with request.app.state.sessions() as db:
        voter = participant(db, session_id, credentials)
        service.cast_vote(
            db,
            runtime.bus,
            voter,
            poll_id,
            choices=body.choices,
            value=body.value,
            words=body.words,
        )
    return {"pollId": poll_id, "status": "counted"}
