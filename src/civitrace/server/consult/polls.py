"""Polls in storage: write one, open and close it, and cast a ballot.

Casting a ballot is one short transaction, the same on both databases:

0. check the ballot against the poll's definition (cached: it never changes once written);
1. insert ``(poll, participant)`` into ``consult_poll_voters`` — its primary key is the "one
   vote per participant per poll" rule, so a second ballot fails here even when both arrive at
   the same instant (the second insert waits for the first to commit, then conflicts);
2. re-read the poll's status under a share lock (``FOR SHARE`` on PostgreSQL; on SQLite the
   insert already holds the write lock) — a ballot racing the facilitator's "close" is either
   counted before the close or refused;
3. announce a new tally on the bus (delivered at commit);
4. add one to each chosen counter and to ``#ballots`` in ``consult_poll_counts`` — one upsert,
   in sorted key order so two ballots never wait on each other's rows in opposite orders, into
   one of 16 slices of each counter drawn at random, so simultaneous ballots seldom wait for
   the same row at all — and commit at once: the only locks another ballot may wait for are
   held for one statement and the commit.

Nothing in the transaction links the participant to the counters they touched.
"""

import json
import secrets
import threading
from collections import OrderedDict
from typing import Final, cast

from sqlalchemy import Connection, Table, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from civitrace.consult.errors import AlreadyVotedError, ConsultStateError
from civitrace.consult.polls import BALLOTS_KEY, PollSpec, PollStatus, transition
from civitrace.server.consult.bus import EventBus
from civitrace.server.consult.clock import now
from civitrace.server.consult.errors import NotFoundError
from civitrace.server.consult.events import Notice, Topic
from civitrace.server.consult.locks import lock_row
from civitrace.server.consult.snapshots import load_poll, spec_of
from civitrace.server.db.consult_models import (
    COUNTER_SHARDS,
    ConsultSession,
    Participant,
    Poll,
    PollCount,
    PollVoter,
    SessionStatus,
)


def create_poll(db: Session, session: ConsultSession, spec: PollSpec) -> Poll:
    """A draft poll; participants see it once the facilitator opens it."""
    if session.status != SessionStatus.OPEN:
        raise ConsultStateError(f"session: session {session.id} has ended")
    poll = Poll(
        session_id=session.id,
        kind=spec.kind.value,
        question=spec.question,
        options=json.dumps(list(spec.options), ensure_ascii=False),
        max_choices=spec.max_choices,
        scale_min=spec.scale_min,
        scale_max=spec.scale_max,
        max_words=spec.max_words,
        status=PollStatus.DRAFT.value,
        created_at=now(),
    )
    db.add(poll)
    db.commit()
    return poll


def change_status(
    db: Session, bus: EventBus, session: ConsultSession, poll_id: int, action: str
) -> Poll:
    """Open a draft or close an open poll (compare-and-set, so two clicks cannot both win)."""
    poll = load_poll(db, session.id, poll_id)
    if session.status != SessionStatus.OPEN:
        raise ConsultStateError(f"session: session {session.id} has ended")
    current = PollStatus(poll.status)
    following = transition(current, action)
    stamp = {"opened_at": now()} if following is PollStatus.OPEN else {"closed_at": now()}
    if not lock_row(db, Poll.status, Poll.id == poll.id, Poll.status == current.value):
        db.rollback()
        raise ConsultStateError(f"poll: poll {poll_id} changed meanwhile; reload it")
    db.refresh(poll)
    poll.status = following.value
    for name, value in stamp.items():
        setattr(poll, name, value)
    bus.notify(db, Notice(session.id, Topic.POLL, poll.id))
    db.commit()
    return poll


def close_open_polls(db: Session, bus: EventBus, session_id: str) -> None:
    """Close every open poll of a session (when it ends), inside the caller's transaction."""
    for poll in db.scalars(
        select(Poll).where(Poll.session_id == session_id, Poll.status == PollStatus.OPEN.value)
    ):
        poll.status = PollStatus.CLOSED.value
        poll.closed_at = now()
        bus.notify(db, Notice(session_id, Topic.POLL, poll.id))


def cast_vote(
    db: Session,
    bus: EventBus,
    participant: Participant,
    poll_id: int,
    *,
    choices: list[int] | None,
    value: int | None,
    words: list[str] | None,
) -> None:
    """Count one ballot of ``participant`` (see the module docstring for how)."""
    session_id, participant_id, joined_at = (
        participant.session_id,
        participant.id,
        participant.joined_at,
    )
    keys = _definition(db, session_id, poll_id).ballot(choices=choices, value=value, words=words)
    connection = db.connection()  # Core statements: the hot path skips the ORM's bookkeeping
    try:
        connection.execute(
            insert(_VOTERS).values(
                poll_id=poll_id, participant_id=participant_id, joined_at=joined_at
            )
        )
    except IntegrityError:
        db.rollback()
        if db.get(PollVoter, (poll_id, participant_id)) is None:  # the poll itself is gone
            raise NotFoundError(f"poll {poll_id}: no such poll in this session") from None
        raise AlreadyVotedError(f"poll: you have already voted in poll {poll_id}") from None
    status = connection.execute(
        select(_POLLS.c.status).where(_POLLS.c.id == poll_id).with_for_update(read=True)
    ).scalar()
    if status != PollStatus.OPEN.value:
        db.rollback()
        _require_open(status or "", poll_id)
    bus.notify(db, Notice(session_id, Topic.TALLY, poll_id))  # sent at commit; before the
    _count(connection, poll_id, sorted((*keys, BALLOTS_KEY)))  # counters: short locks
    db.commit()


_VOTERS: Final = cast(Table, PollVoter.__table__)
_POLLS: Final = cast(Table, Poll.__table__)
_COUNTS: Final = cast(Table, PollCount.__table__)


_DEFINITIONS: "OrderedDict[tuple[str, int], PollSpec]" = OrderedDict()
_DEFINITIONS_LOCK = threading.Lock()
DEFINITION_CACHE_SIZE = 1024


def _definition(db: Session, session_id: str, poll_id: int) -> PollSpec:
    """The poll's question and options, cached per process: a poll's definition never
    changes once written (its status does, and is always read from the database). The key
    holds the session too, so an id SQLite reuses after a session is deleted is never
    mistaken for the old poll."""
    key = (session_id, poll_id)
    with _DEFINITIONS_LOCK:
        known = _DEFINITIONS.get(key)
        if known is not None:
            _DEFINITIONS.move_to_end(key)
            return known
    spec = spec_of(load_poll(db, session_id, poll_id))
    with _DEFINITIONS_LOCK:
        _DEFINITIONS[key] = spec
        while len(_DEFINITIONS) > DEFINITION_CACHE_SIZE:
            _DEFINITIONS.popitem(last=False)
    return spec


def _require_open(status: str, poll_id: int) -> None:
    if status != PollStatus.OPEN.value:
        raise ConsultStateError(f"poll: poll {poll_id} is {status or 'gone'}, not open")


def _count(connection: Connection, poll_id: int, keys: list[str]) -> None:
    """Add one to each counter in ``keys`` (a slice created at one when new), all in one
    random slice: drawn by chance, it says nothing about the voter."""
    shard = secrets.randbelow(COUNTER_SHARDS)
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(_COUNTS).values(
        [{"poll_id": poll_id, "value": key, "shard": shard, "count": 1} for key in keys]
    )
    connection.execute(
        statement.on_conflict_do_update(
            index_elements=[_COUNTS.c.poll_id, _COUNTS.c.value, _COUNTS.c.shard],
            set_={"count": _COUNTS.c.count + 1},
        )
    )
