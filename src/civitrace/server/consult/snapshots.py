"""The public state of a session as JSON documents, read from the database.

The REST answers and the live events are built by these same functions, so a browser that
reloads sees exactly what the event stream told it. Nothing here names a voter; participants
appear only as counts per stakeholder group (the table-mates' names are in
:func:`participant_view`, for the participant's own eyes).
"""

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from civitrace.consult.groups import GROUPS, StakeholderGroup
from civitrace.consult.polls import PollKind, PollSpec, PollStatus, Results
from civitrace.consult.questions import QuestionStatus, QueuedQuestion, queue_order
from civitrace.server.consult.errors import NotFoundError
from civitrace.server.db.consult_models import (
    Consultation,
    ConsultSession,
    Participant,
    Poll,
    PollCount,
    PollVoter,
    Question,
    QuestionUpvote,
    SessionSummary,
    TableNote,
)

Document = dict[str, Any]


def load_session(db: Session, session_id: str) -> ConsultSession:
    found = db.get(ConsultSession, session_id)
    if found is None:
        raise NotFoundError(f"session {session_id}: no such session")
    return found


def load_poll(db: Session, session_id: str, poll_id: int) -> Poll:
    poll = db.get(Poll, poll_id)
    if poll is None or poll.session_id != session_id:
        raise NotFoundError(f"poll {poll_id}: no such poll in this session")
    return poll


def spec_of(poll: Poll) -> PollSpec:
    """The domain view of a stored poll (already valid; checked again, cheaply)."""
    return PollSpec(
        kind=PollKind(poll.kind),
        question=poll.question,
        options=tuple(json.loads(poll.options)),
        max_choices=poll.max_choices,
        scale_min=poll.scale_min,
        scale_max=poll.scale_max,
        max_words=poll.max_words,
    )


def consultation_document(db: Session, consultation: Consultation) -> Document:
    sessions = db.scalars(
        select(ConsultSession)
        .where(ConsultSession.consultation_id == consultation.id)
        .order_by(ConsultSession.created_at, ConsultSession.id)
    )
    return {
        "id": consultation.id,
        "title": consultation.title,
        "description": consultation.description,
        "proposalId": consultation.proposal_id,
        "createdAt": consultation.created_at.isoformat(),
        "sessions": [
            {"id": s.id, "title": s.title, "status": s.status, "language": s.language}
            for s in sessions
        ],
    }


def group_counts(db: Session, session_id: str) -> dict[StakeholderGroup, int]:
    """Participants present, per stakeholder group (every group, zeros included)."""
    rows = db.execute(
        select(Participant.stakeholder_group, func.count())
        .where(Participant.session_id == session_id, Participant.left_at.is_(None))
        .group_by(Participant.stakeholder_group)
    ).all()
    found = {StakeholderGroup(group): int(count) for group, count in rows}
    return {group: found.get(group, 0) for group in GROUPS}


def session_document(db: Session, session: ConsultSession) -> Document:
    consultation = db.get(Consultation, session.consultation_id)
    assert consultation is not None
    counts = group_counts(db, session.id)
    published = db.get(SessionSummary, session.id) is not None
    return {
        "id": session.id,
        "consultationId": consultation.id,
        "consultationTitle": consultation.title,
        "proposalId": consultation.proposal_id,
        "title": session.title,
        "language": session.language,
        "status": session.status,
        "tableSize": session.table_size,
        "tableCount": session.table_count,
        "participants": {group.value: count for group, count in counts.items()},
        "participantTotal": sum(counts.values()),
        "startsAt": session.starts_at.isoformat() if session.starts_at else None,
        "endedAt": session.ended_at.isoformat() if session.ended_at else None,
        "summaryPublished": published,
    }


def poll_results(db: Session, poll: Poll) -> Results:
    rows = db.execute(
        select(PollCount.value, func.sum(PollCount.count))
        .where(PollCount.poll_id == poll.id)
        .group_by(PollCount.value)
    ).all()
    counters = {value: int(count) for value, count in rows}
    return spec_of(poll).results(counters)


def poll_document(db: Session, poll: Poll) -> Document:
    """A poll and, once it has been opened, its results (counts only)."""
    spec = spec_of(poll)
    results = None if poll.status == PollStatus.DRAFT else poll_results(db, poll).to_json()
    return {
        "id": poll.id,
        "kind": spec.kind.value,
        "question": spec.question,
        "options": list(spec.options),
        "maxChoices": spec.max_choices,
        "scaleMin": spec.scale_min if spec.kind is PollKind.SCALE else None,
        "scaleMax": spec.scale_max if spec.kind is PollKind.SCALE else None,
        "maxWords": spec.max_words,
        "status": poll.status,
        "results": results,
    }


def tally_document(db: Session, poll: Poll) -> Document:
    return {
        "pollId": poll.id,
        "status": poll.status,
        "results": poll_results(db, poll).to_json(),
    }


def polls(db: Session, session_id: str, *, drafts: bool) -> list[Poll]:
    query = select(Poll).where(Poll.session_id == session_id).order_by(Poll.id)
    if not drafts:
        query = query.where(Poll.status != PollStatus.DRAFT)
    return list(db.scalars(query))


def upvote_counts(db: Session, question_ids: Sequence[int]) -> dict[int, int]:
    if not question_ids:
        return {}
    rows = db.execute(
        select(QuestionUpvote.question_id, func.count())
        .where(QuestionUpvote.question_id.in_(question_ids))
        .group_by(QuestionUpvote.question_id)
    ).all()
    return {int(question): int(count) for question, count in rows}


def accepted_questions(db: Session, session_id: str) -> list[Document]:
    """Approved and answered questions in the facilitator's queue order; no author."""
    rows = list(
        db.scalars(
            select(Question).where(
                Question.session_id == session_id,
                Question.status.in_([QuestionStatus.APPROVED, QuestionStatus.ANSWERED]),
            )
        )
    )
    upvotes = upvote_counts(db, [q.id for q in rows])
    by_id = {q.id: q for q in rows}
    ordered = queue_order(
        QueuedQuestion(q.id, QuestionStatus(q.status), upvotes.get(q.id, 0), _approved(q))
        for q in rows
    )
    return [
        {
            "id": item.id,
            "text": by_id[item.id].text,
            "status": item.status.value,
            "upvotes": item.upvotes,
        }
        for item in ordered
    ]


def _approved(question: Question) -> datetime:
    assert question.approved_at is not None
    return question.approved_at


def questions_document(db: Session, session_id: str) -> Document:
    return {"questions": accepted_questions(db, session_id)}


def pending_count(db: Session, session_id: str) -> int:
    return int(
        db.scalar(
            select(func.count())
            .select_from(Question)
            .where(Question.session_id == session_id, Question.status == QuestionStatus.PENDING)
        )
        or 0
    )


def pending_questions(db: Session, session_id: str) -> list[Document]:
    """The moderation queue, oldest first; no author."""
    rows = db.scalars(
        select(Question)
        .where(Question.session_id == session_id, Question.status == QuestionStatus.PENDING)
        .order_by(Question.submitted_at, Question.id)
    )
    return [{"id": q.id, "text": q.text, "submittedAt": q.submitted_at.isoformat()} for q in rows]


def seating_document(session: ConsultSession) -> Document:
    return {"tableCount": session.table_count, "tableSize": session.table_size}


def participant_view(db: Session, participant: Participant) -> Document:
    """What a participant may see about themselves: their seat, table-mates, votes, questions."""
    mates = []
    if participant.table_number is not None:
        mates = [
            {"displayName": p.display_name, "group": p.stakeholder_group}
            for p in db.scalars(
                select(Participant)
                .where(
                    Participant.session_id == participant.session_id,
                    Participant.table_number == participant.table_number,
                    Participant.left_at.is_(None),
                    Participant.id != participant.id,
                )
                .order_by(Participant.id)
            )
        ]
    voted = db.scalars(
        select(PollVoter.poll_id)
        .where(PollVoter.participant_id == participant.id)
        .order_by(PollVoter.poll_id)
    ).all()
    upvoted = db.scalars(
        select(QuestionUpvote.question_id)
        .where(QuestionUpvote.participant_id == participant.id)
        .order_by(QuestionUpvote.question_id)
    ).all()
    asked = db.scalars(
        select(Question).where(Question.author_id == participant.id).order_by(Question.id)
    )
    return {
        "participantId": participant.id,
        "sessionId": participant.session_id,
        "displayName": participant.display_name,
        "group": participant.stakeholder_group,
        "language": participant.language,
        "table": participant.table_number,
        "tableMates": mates,
        "votedPolls": list(voted),
        "upvotedQuestions": list(upvoted),
        "questions": [
            {"id": q.id, "text": q.text, "status": q.status, "mergedInto": q.merged_into_id}
            for q in asked
        ],
    }


def table_notes(db: Session, session_id: str) -> list[Document]:
    rows = db.scalars(
        select(TableNote).where(TableNote.session_id == session_id).order_by(TableNote.table_number)
    )
    return [
        {"table": n.table_number, "text": n.text, "updatedAt": n.updated_at.isoformat()}
        for n in rows
    ]


def tables_document(db: Session, session: ConsultSession) -> Document:
    """Every table's size and mix (counts per group, no names) and its notes."""
    rows = db.execute(
        select(Participant.table_number, Participant.stakeholder_group, func.count())
        .where(
            Participant.session_id == session.id,
            Participant.left_at.is_(None),
            Participant.table_number.is_not(None),
        )
        .group_by(Participant.table_number, Participant.stakeholder_group)
    ).all()
    mix: dict[int, dict[str, int]] = {
        n: {g.value: 0 for g in GROUPS} for n in range(1, session.table_count + 1)
    }
    for table, group, count in rows:
        number = int(table or 0)
        mix.setdefault(number, {g.value: 0 for g in GROUPS})[group] = int(count)
    notes = {note["table"]: note["text"] for note in table_notes(db, session.id)}
    return {
        "tableSize": session.table_size,
        "tableCount": session.table_count,
        "tables": [
            {
                "table": n,
                "size": sum(mix[n].values()),
                "groups": mix[n],
                "note": notes.get(n),
            }
            for n in sorted(mix)
        ],
    }
