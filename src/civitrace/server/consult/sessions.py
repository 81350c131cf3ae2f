"""Consultations and sessions: create them, join and leave, seat people, end a session.

Every function that changes something commits its own transaction and announces the change on
the bus inside it, so the announcement goes out exactly when the change is visible.
"""

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from civitrace.consult.errors import ConsultInputError, ConsultStateError
from civitrace.consult.groups import StakeholderGroup
from civitrace.consult.participants import Profile, parse_language
from civitrace.consult.seating import Arrangement, Person, arrange, check_table_size, seat_latecomer
from civitrace.consult.text import clean_text
from civitrace.server.consult.bus import EventBus
from civitrace.server.consult.clock import now
from civitrace.server.consult.errors import NotFoundError
from civitrace.server.consult.events import Notice, Topic
from civitrace.server.consult.locks import lock_row
from civitrace.server.consult.polls import close_open_polls
from civitrace.server.consult.tokens import (
    FACILITATOR_PREFIX,
    MODERATOR_PREFIX,
    PARTICIPANT_PREFIX,
    new_id,
    new_token,
    token_hash,
)
from civitrace.server.db.consult_models import (
    Consultation,
    ConsultSession,
    Participant,
    SessionStatus,
    SessionSummary,
    TableNote,
)

MAX_TITLE = 200
MAX_DESCRIPTION = 5000


def create_consultation(
    db: Session, *, title: str, description: str, proposal_id: int | None
) -> Consultation:
    consultation = Consultation(
        id=new_id(),
        title=clean_text(title, "title", max_length=MAX_TITLE),
        description=clean_text(
            description, "description", max_length=MAX_DESCRIPTION, multiline=True, min_length=0
        ),
        proposal_id=proposal_id,
        created_at=now(),
    )
    db.add(consultation)
    db.commit()
    return consultation


@dataclass(frozen=True, slots=True)
class NewSession:
    """A created session and its two secret links' tokens, shown once."""

    session: ConsultSession
    facilitator_token: str
    moderator_token: str


def create_session(
    db: Session,
    consultation_id: str,
    *,
    title: str,
    table_size: int,
    language: str,
    starts_at: datetime | None,
) -> NewSession:
    if db.get(Consultation, consultation_id) is None:
        raise NotFoundError(f"consultation {consultation_id}: no such consultation")
    if starts_at is not None and starts_at.tzinfo is None:
        raise ConsultInputError("starts_at", "must name its time zone (e.g. end with Z)")
    facilitator, moderator = new_token(FACILITATOR_PREFIX), new_token(MODERATOR_PREFIX)
    session = ConsultSession(
        id=new_id(),
        consultation_id=consultation_id,
        title=clean_text(title, "title", max_length=MAX_TITLE),
        language=parse_language(language),
        table_size=check_table_size(table_size),
        table_count=0,
        status=SessionStatus.OPEN,
        facilitator_token_hash=token_hash(facilitator),
        moderator_token_hash=token_hash(moderator),
        starts_at=starts_at.astimezone(UTC) if starts_at is not None else None,
        created_at=now(),
    )
    db.add(session)
    db.commit()
    return NewSession(session, facilitator, moderator)


def _lock_open_session(db: Session, session_id: str) -> ConsultSession:
    """Lock the session row (see :mod:`.locks`) and return it, if it is open."""
    if not lock_row(db, ConsultSession.table_count, ConsultSession.id == session_id):
        raise NotFoundError(f"session {session_id}: no such session")
    session = db.get(ConsultSession, session_id, populate_existing=True)
    assert session is not None
    if session.status != SessionStatus.OPEN:
        db.rollback()
        raise ConsultStateError(f"session: session {session_id} has ended")
    return session


def present(db: Session, session_id: str) -> list[Person]:
    """The participants present, in arrival order, as the seating sees them."""
    rows = db.execute(
        select(Participant.id, Participant.stakeholder_group, Participant.table_number)
        .where(Participant.session_id == session_id, Participant.left_at.is_(None))
        .order_by(Participant.id)
    ).all()
    return [Person(pid, StakeholderGroup(group), table) for pid, group, table in rows]


@dataclass(frozen=True, slots=True)
class Joined:
    participant: Participant
    token: str


def join(db: Session, bus: EventBus, session_id: str, profile: Profile) -> Joined:
    """Register a participant; once tables are set, seat them as a latecomer."""
    session = _lock_open_session(db, session_id)
    table = None
    if session.table_count > 0:
        table = seat_latecomer(
            present(db, session_id), profile.group, session.table_size, session.table_count
        )
        session.table_count = max(session.table_count, table)
    token = new_token(PARTICIPANT_PREFIX)
    participant = Participant(
        session_id=session_id,
        display_name=profile.display_name,
        stakeholder_group=profile.group.value,
        language=profile.language,
        table_number=table,
        token_hash=token_hash(token),
        joined_at=now(),
    )
    db.add(participant)
    db.flush()
    bus.notify(db, Notice(session_id, Topic.SESSION))
    if table is not None:
        bus.notify(db, Notice(session_id, Topic.SEATING, table))
    db.commit()
    return Joined(participant, token)


def leave(db: Session, bus: EventBus, participant: Participant) -> None:
    """The participant goes: their seat is freed, nobody moves, their votes stay counted."""
    table = participant.table_number
    participant.table_number = None
    participant.left_at = now()
    bus.notify(db, Notice(participant.session_id, Topic.SESSION))
    if table is not None:
        bus.notify(db, Notice(participant.session_id, Topic.SEATING, table))
    db.commit()


def seat_everyone(db: Session, bus: EventBus, session_id: str) -> Arrangement:
    """Seat everyone present with the balance guarantee, moving as few as possible."""
    session = _lock_open_session(db, session_id)
    people = present(db, session_id)
    arrangement = arrange(people, session.table_size)
    for move in arrangement.moves:
        participant = db.get(Participant, move.participant)
        assert participant is not None
        participant.table_number = move.to_table
    session.table_count = arrangement.table_count
    bus.notify(db, Notice(session_id, Topic.SEATING))
    db.commit()
    return arrangement


def end_session(db: Session, bus: EventBus, session_id: str) -> ConsultSession:
    """End the session: no more joins, votes or questions; open polls are closed."""
    session = _lock_open_session(db, session_id)
    close_open_polls(db, bus, session_id)
    session.status = SessionStatus.ENDED
    session.ended_at = now()
    bus.notify(db, Notice(session_id, Topic.SESSION))
    db.commit()
    return session


def set_table_note(db: Session, session: ConsultSession, table: int, text: str) -> None:
    """Write (or replace) a table's notes; they are published in the summary."""
    if db.get(SessionSummary, session.id) is not None:
        raise ConsultStateError("table: the summary is published; notes can no longer change")
    if not 1 <= table <= max(session.table_count, 0):
        raise NotFoundError(f"table {table}: no such table in this session")
    cleaned = clean_text(text, "text", max_length=MAX_DESCRIPTION, multiline=True, min_length=0)
    note = db.get(TableNote, (session.id, table))
    if note is None:
        db.add(TableNote(session_id=session.id, table_number=table, text=cleaned, updated_at=now()))
    else:
        note.text, note.updated_at = cleaned, now()
    db.commit()
