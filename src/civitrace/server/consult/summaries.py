"""Building, publishing and reading a session's summary.

:func:`build_summary` reads the session as it is; :func:`publish` stores that snapshot once the
session has ended (publishing is final: later deletions of participants' data by the retention
job do not change what was published); :func:`published` reads it back.

When the session's consultation is about a governance proposal, publishing also attaches the
summary's public page to that proposal (:func:`attach_to_proposal`): a proposal that widens
what is collected takes effect only once it has one.
"""

import json
import logging
from datetime import datetime
from typing import Final

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from civitrace.consult.errors import ConsultStateError
from civitrace.consult.groups import GROUPS
from civitrace.consult.polls import PollStatus
from civitrace.consult.questions import QuestionStatus
from civitrace.consult.summary import PollSummary, QuestionSummary, Summary, TableNote
from civitrace.governance.constants import SYSTEM_ACTOR
from civitrace.governance.errors import ProposalError
from civitrace.governance.proposals import attach_consultation_summary
from civitrace.server.consult import snapshots
from civitrace.server.consult.bus import EventBus
from civitrace.server.consult.clock import now
from civitrace.server.consult.errors import NotFoundError
from civitrace.server.consult.events import Notice, Topic
from civitrace.server.consult.locks import lock_row
from civitrace.server.db.consult_models import (
    Consultation,
    ConsultSession,
    Participant,
    SessionStatus,
    SessionSummary,
)

SUMMARY_PAGE: Final = "/consult/s/{session_id}/summary"
"""The public summary page (``civitrace.web.consult``), the address a proposal links to."""

_log = logging.getLogger("civitrace.server.consult")


def attach_to_proposal(db: Session, proposal_id: int, session_id: str, when: datetime) -> bool:
    """Attach the summary page of ``session_id`` to the proposal it consulted on, in the
    caller's transaction; False (and nothing changed) when the proposal does not wait for one
    (a narrowing proposal, one in force already, withdrawn, or unknown)."""
    url = SUMMARY_PAGE.format(session_id=session_id)
    try:
        with db.begin_nested():
            attach_consultation_summary(db, proposal_id, url, actor=SYSTEM_ACTOR, now=when)
    except ProposalError as exc:
        _log.info("consultation summary %s not attached: %s", session_id, exc)
        return False
    return True


def build_summary(db: Session, session: ConsultSession) -> Summary:
    """The summary of ``session`` from its current data (everyone who took part is counted,
    also those who left early)."""
    consultation = db.get(Consultation, session.consultation_id)
    assert consultation is not None
    counted = dict(
        db.execute(
            select(Participant.stakeholder_group, func.count())
            .where(Participant.session_id == session.id)
            .group_by(Participant.stakeholder_group)
        ).all()
    )
    polls = tuple(
        PollSummary(poll.question, PollStatus(poll.status), snapshots.poll_results(db, poll))
        for poll in snapshots.polls(db, session.id, drafts=False)
    )
    questions = tuple(
        QuestionSummary(q["text"], q["upvotes"], q["status"] == QuestionStatus.ANSWERED.value)
        for q in snapshots.accepted_questions(db, session.id)
    )
    notes = tuple(
        TableNote(note["table"], note["text"])
        for note in snapshots.table_notes(db, session.id)
        if note["text"]
    )
    return Summary(
        consultation_title=consultation.title,
        session_title=session.title,
        proposal_id=consultation.proposal_id,
        held_at=session.starts_at or session.created_at,
        published_at=now(),
        participants=tuple((group, int(counted.get(group.value, 0))) for group in GROUPS),
        table_count=session.table_count,
        polls=polls,
        questions=questions,
        notes=notes,
    )


def publish(db: Session, bus: EventBus, session_id: str) -> Summary:
    """Store the summary of an ended session, once."""
    if not lock_row(db, ConsultSession.table_count, ConsultSession.id == session_id):
        raise NotFoundError(f"session {session_id}: no such session")
    session = db.get(ConsultSession, session_id, populate_existing=True)
    assert session is not None
    if session.status != SessionStatus.ENDED:
        db.rollback()
        raise ConsultStateError("session: end the session before publishing its summary")
    if db.get(SessionSummary, session_id) is not None:
        db.rollback()
        raise ConsultStateError("session: the summary is already published")
    summary = build_summary(db, session)
    db.add(
        SessionSummary(
            session_id=session_id,
            document=json.dumps(summary.to_json(), ensure_ascii=False),
            published_at=summary.published_at,
        )
    )
    if summary.proposal_id is not None:
        attach_to_proposal(db, summary.proposal_id, session_id, summary.published_at)
    bus.notify(db, Notice(session_id, Topic.SESSION))
    db.commit()
    return summary


def published(db: Session, session_id: str) -> Summary:
    """The published summary, or a 404 saying it is not published (yet)."""
    snapshots.load_session(db, session_id)
    row = db.get(SessionSummary, session_id)
    if row is None:
        raise NotFoundError(f"session {session_id}: no summary published yet")
    return Summary.from_json(json.loads(row.document))
