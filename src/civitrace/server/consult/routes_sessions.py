"""A session: read it, join and leave it, seat everyone, write table notes, end it."""

from typing import Annotated

from fastapi import APIRouter, Path
from sqlalchemy import select

from civitrace.consult.groups import StakeholderGroup
from civitrace.consult.participants import Profile
from civitrace.consult.seating import Person, balance_problems
from civitrace.server.consult import sessions as service
from civitrace.server.consult import snapshots
from civitrace.server.consult._docs import errors
from civitrace.server.consult.auth import Caller, Facilitator, ParticipantDep, Role, SessionId
from civitrace.server.consult.errors import ForbiddenError
from civitrace.server.consult.runtime import Bus
from civitrace.server.consult.schemas import (
    Facilitation,
    Joined,
    JoinRequest,
    Left,
    Me,
    NoteRequest,
    NoteSaved,
    SeatingOut,
    SessionOut,
    TablesOut,
)
from civitrace.server.consult.snapshots import Document
from civitrace.server.db.consult_models import Participant
from civitrace.server.deps import SessionDep

router = APIRouter()

TableNumber = Annotated[int, Path(ge=1, le=100_000, description="Round table number")]


@router.get(
    "/sessions/{session_id}",
    response_model=SessionOut,
    responses=errors(404),
    summary="A session: status, tables, participants per stakeholder group (public)",
)
def get_session(session_id: SessionId, db: SessionDep) -> Document:
    return snapshots.session_document(db, snapshots.load_session(db, session_id))


@router.post(
    "/sessions/{session_id}/participants",
    status_code=201,
    response_model=Joined,
    responses=errors(404, 409),
    summary="Join a session: a display name, a stakeholder group, a language; nothing else",
)
def join(session_id: SessionId, body: JoinRequest, db: SessionDep, bus: Bus) -> Document:
    profile = Profile(body.display_name, StakeholderGroup(body.group), body.language)
    joined = service.join(db, bus, session_id, profile)
    return {
        "participantId": joined.participant.id,
        "token": joined.token,
        "table": joined.participant.table_number,
    }


@router.get(
    "/sessions/{session_id}/me",
    response_model=Me,
    responses=errors(401, 403, 404),
    summary="The caller's own seat, table-mates, votes and questions (participant)",
)
def me(session_id: SessionId, db: SessionDep, participant: ParticipantDep) -> Document:
    return snapshots.participant_view(db, participant)


@router.delete(
    "/sessions/{session_id}/me",
    response_model=Left,
    responses=errors(401, 403, 404),
    summary="Leave the session: the seat is freed, votes already cast stay counted",
)
def leave(session_id: SessionId, db: SessionDep, bus: Bus, participant: ParticipantDep) -> Document:
    service.leave(db, bus, participant)
    return {"status": "left"}


@router.post(
    "/sessions/{session_id}/seating",
    response_model=SeatingOut,
    responses=errors(401, 403, 404, 409),
    summary="Seat everyone present at balanced round tables, moving as few as possible",
)
def seat_everyone(session_id: SessionId, db: SessionDep, bus: Bus, _: Facilitator) -> Document:
    arrangement = service.seat_everyone(db, bus, session_id)
    return {
        "tableCount": arrangement.table_count,
        "moves": [
            {"participantId": m.participant, "fromTable": m.from_table, "toTable": m.to_table}
            for m in arrangement.moves
        ],
    }


@router.get(
    "/sessions/{session_id}/tables",
    response_model=TablesOut,
    responses=errors(404),
    summary="Every table's size, its mix of stakeholder groups (counts) and notes (public)",
)
def tables(session_id: SessionId, db: SessionDep) -> Document:
    return snapshots.tables_document(db, snapshots.load_session(db, session_id))


@router.put(
    "/sessions/{session_id}/tables/{table}/note",
    response_model=NoteSaved,
    responses=errors(401, 403, 404, 409),
    summary="Write a table's notes (the facilitator, or a participant seated at it)",
)
def write_note(
    session_id: SessionId, table: TableNumber, body: NoteRequest, db: SessionDep, who: Caller
) -> Document:
    session, role = who
    if isinstance(role, Participant):
        if role.table_number != table:
            raise ForbiddenError(f"table {table}: only people seated at it may write its notes")
    elif role is not Role.FACILITATOR:
        raise ForbiddenError("Authorization: only the facilitator or the table may write notes")
    service.set_table_note(db, session, table, body.text)
    notes = {n["table"]: n["text"] for n in snapshots.table_notes(db, session.id)}
    return {"table": table, "text": notes.get(table, "")}


@router.post(
    "/sessions/{session_id}/end",
    response_model=SessionOut,
    responses=errors(401, 403, 404, 409),
    summary="End the session: open polls close, nobody joins, votes or asks any more",
)
def end(session_id: SessionId, db: SessionDep, bus: Bus, _: Facilitator) -> Document:
    return snapshots.session_document(db, service.end_session(db, bus, session_id))


@router.get(
    "/sessions/{session_id}/facilitation",
    response_model=Facilitation,
    responses=errors(401, 403, 404),
    summary="The facilitator's view: every poll, both question queues, who sits where",
)
def facilitation(session_id: SessionId, db: SessionDep, session: Facilitator) -> Document:
    people = list(
        db.scalars(
            select(Participant)
            .where(Participant.session_id == session_id, Participant.left_at.is_(None))
            .order_by(Participant.id)
        )
    )
    seating = [Person(p.id, StakeholderGroup(p.stakeholder_group), p.table_number) for p in people]
    return {
        "session": snapshots.session_document(db, session),
        "polls": [
            snapshots.poll_document(db, p) for p in snapshots.polls(db, session_id, drafts=True)
        ],
        "pendingQuestions": snapshots.pending_questions(db, session_id),
        "questions": snapshots.accepted_questions(db, session_id),
        "participants": [
            {
                "id": p.id,
                "displayName": p.display_name,
                "group": p.stakeholder_group,
                "table": p.table_number,
            }
            for p in people
        ],
        "balanceProblems": balance_problems(seating, session.table_size)
        if session.table_count
        else [],
    }
