"""Moderated questions in storage: submit, approve, reject, merge, answer, upvote.

Status changes are compare-and-set (``UPDATE … WHERE status = <what the moderator saw>``), so
two moderators acting on one question at once cannot both succeed; the loser gets a 409 and
reloads. An upvote is a row whose primary key ``(question, participant)`` is the "once per
participant" rule, exactly like a vote.
"""

from sqlalchemy import delete, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from civitrace.consult.errors import AlreadyUpvotedError, ConsultStateError
from civitrace.consult.questions import (
    Moderation,
    QuestionStatus,
    check_merge_target,
    check_upvote,
    merged_supporters,
    moderate,
    question_text,
)
from civitrace.server.consult.bus import EventBus
from civitrace.server.consult.clock import now
from civitrace.server.consult.errors import NotFoundError
from civitrace.server.consult.events import Notice, Topic
from civitrace.server.consult.locks import lock_row
from civitrace.server.db.consult_models import (
    ConsultSession,
    Participant,
    Question,
    QuestionUpvote,
    SessionStatus,
)


def load_question(db: Session, session_id: str, question_id: int) -> Question:
    question = db.get(Question, question_id)
    if question is None or question.session_id != session_id:
        raise NotFoundError(f"question {question_id}: no such question in this session")
    return question


def _require_open(session: ConsultSession) -> None:
    if session.status != SessionStatus.OPEN:
        raise ConsultStateError(f"session: session {session.id} has ended")


def submit(
    db: Session, bus: EventBus, session: ConsultSession, author: Participant, text: str
) -> Question:
    _require_open(session)
    question = Question(
        session_id=session.id,
        author_id=author.id,
        text=question_text(text),
        status=QuestionStatus.PENDING.value,
        submitted_at=now(),
    )
    db.add(question)
    db.flush()
    bus.notify(db, Notice(session.id, Topic.QUEUE))
    db.commit()
    return question


def _claim(db: Session, question: Question, seen: QuestionStatus) -> None:
    """Lock ``question`` if it still has the status the moderator acted on."""
    if not lock_row(db, Question.status, Question.id == question.id, Question.status == seen.value):
        db.rollback()
        raise ConsultStateError(f"question: question {question.id} changed meanwhile; reload it")
    db.refresh(question)


def decide(
    db: Session, bus: EventBus, session: ConsultSession, question_id: int, action: Moderation
) -> Question:
    """Approve, reject or mark answered (merging is :func:`merge`)."""
    _require_open(session)
    question = load_question(db, session.id, question_id)
    seen = QuestionStatus(question.status)
    following = moderate(seen, action)
    _claim(db, question, seen)
    question.status = following.value
    if following is QuestionStatus.APPROVED:
        question.approved_at = now()
    if action is not Moderation.ANSWER:
        question.decided_at = now()
    if seen is QuestionStatus.PENDING:
        bus.notify(db, Notice(session.id, Topic.QUEUE))
    if following is not QuestionStatus.REJECTED or seen is QuestionStatus.APPROVED:
        bus.notify(db, Notice(session.id, Topic.QUESTIONS))
    db.commit()
    return question


def merge(
    db: Session, bus: EventBus, session: ConsultSession, question_id: int, target_id: int
) -> Question:
    """Merge a duplicate into an approved question; its support moves along."""
    _require_open(session)
    duplicate = load_question(db, session.id, question_id)
    target = load_question(db, session.id, target_id)
    seen = QuestionStatus(duplicate.status)
    moderate(seen, Moderation.MERGE)
    check_merge_target(duplicate.id, target.id, QuestionStatus(target.status))
    claims = {duplicate.id: (duplicate, seen), target.id: (target, QuestionStatus.APPROVED)}
    for key in sorted(claims):  # always in id order: two merges never wait on each other
        _claim(db, *claims[key])
    check_merge_target(duplicate.id, target.id, QuestionStatus(target.status))
    gained = merged_supporters(
        duplicate.author_id,
        _upvoters(db, duplicate.id),
        target.author_id,
        _upvoters(db, target.id),
    )
    if gained:
        joined = dict(
            db.execute(
                select(Participant.id, Participant.joined_at).where(Participant.id.in_(gained))
            ).all()
        )
        dialect = postgresql if db.get_bind().dialect.name == "postgresql" else sqlite
        db.execute(
            dialect.insert(QuestionUpvote)
            .values(
                [
                    {"question_id": target.id, "participant_id": pid, "joined_at": joined[pid]}
                    for pid in sorted(joined)
                ]
            )
            .on_conflict_do_nothing()
        )
    db.execute(delete(QuestionUpvote).where(QuestionUpvote.question_id == duplicate.id))
    duplicate.status = QuestionStatus.MERGED.value
    duplicate.merged_into_id = target.id
    duplicate.decided_at = now()
    bus.notify(db, Notice(session.id, Topic.QUESTIONS))
    if seen is QuestionStatus.PENDING:
        bus.notify(db, Notice(session.id, Topic.QUEUE))
    db.commit()
    return target


def _upvoters(db: Session, question_id: int) -> list[int]:
    return list(
        db.scalars(
            select(QuestionUpvote.participant_id).where(QuestionUpvote.question_id == question_id)
        )
    )


def upvote(
    db: Session, bus: EventBus, session: ConsultSession, participant: Participant, question_id: int
) -> None:
    """One upvote of an approved question by someone other than its author."""
    _require_open(session)
    question = load_question(db, session.id, question_id)
    own = question.author_id == participant.id
    status = db.scalar(  # PostgreSQL: a share lock taken before the insert, as merge() locks
        select(Question.status).where(Question.id == question_id).with_for_update(read=True)
    )
    check_upvote(QuestionStatus(status or QuestionStatus.REJECTED), own=own)
    try:
        db.execute(
            insert(QuestionUpvote).values(
                question_id=question_id,
                participant_id=participant.id,
                joined_at=participant.joined_at,
            )
        )
    except IntegrityError:
        db.rollback()
        raise AlreadyUpvotedError(
            f"question: you have already upvoted question {question_id}"
        ) from None
    status = db.scalar(select(Question.status).where(Question.id == question_id))
    if status != QuestionStatus.APPROVED.value:  # SQLite: changed before our write lock
        db.rollback()
        check_upvote(QuestionStatus(status or QuestionStatus.REJECTED), own=own)
    bus.notify(db, Notice(session.id, Topic.QUESTIONS))
    db.commit()
