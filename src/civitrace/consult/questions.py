"""Moderated questions: who may do what to a question, and the order of the queue.

A participant submits a question; it is ``pending`` and only the moderators see it. A moderator
**approves** it (everyone sees it and may upvote it), **rejects** it, or **merges** it into an
approved question that asks the same thing. The facilitator marks an approved question
**answered** once it has been taken. Approved and answered questions are the "accepted"
questions of the summary.

Upvotes: once per participant per approved question, never one's own question. Merging a
duplicate moves its support to the question it joins: the duplicate's author and its upvoters
become upvoters of the target (each at most once, never the target's own author), so merging
never loses a voice.

The queue the facilitator works through (:func:`queue_order`): approved questions, most upvoted
first, then the earliest approved; answered ones follow, in the order they were approved.
"""

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from civitrace.consult.errors import ConsultInputError, ConsultStateError
from civitrace.consult.text import clean_text

MAX_QUESTION_TEXT: Final = 500  # characters: a question, not an essay


class QuestionStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    ANSWERED = "answered"
    REJECTED = "rejected"
    MERGED = "merged"


class Moderation(enum.StrEnum):
    """What a moderator (or the facilitator) does to a question."""

    APPROVE = "approve"
    REJECT = "reject"
    MERGE = "merge"
    ANSWER = "answer"


ACCEPTED: Final = frozenset({QuestionStatus.APPROVED, QuestionStatus.ANSWERED})
"""Statuses of the questions everyone sees and the summary lists."""

_NEXT: Final = {
    (Moderation.APPROVE, QuestionStatus.PENDING): QuestionStatus.APPROVED,
    (Moderation.REJECT, QuestionStatus.PENDING): QuestionStatus.REJECTED,
    (Moderation.REJECT, QuestionStatus.APPROVED): QuestionStatus.REJECTED,
    (Moderation.MERGE, QuestionStatus.PENDING): QuestionStatus.MERGED,
    (Moderation.MERGE, QuestionStatus.APPROVED): QuestionStatus.MERGED,
    (Moderation.ANSWER, QuestionStatus.APPROVED): QuestionStatus.ANSWERED,
}


def question_text(value: str) -> str:
    """The question as it will be shown, or a :class:`ConsultInputError` on ``text``."""
    return clean_text(value, "text", max_length=MAX_QUESTION_TEXT, multiline=True)


def moderate(status: QuestionStatus, action: Moderation) -> QuestionStatus:
    """The status after ``action``, or a :class:`ConsultStateError` saying why not."""
    following = _NEXT.get((action, status))
    if following is None:
        raise ConsultStateError(
            f"question: cannot {action.value} a question that is {status.value}"
        )
    return following


def check_merge_target(question_id: int, target_id: int, target_status: QuestionStatus) -> None:
    """A duplicate merges into another, approved question."""
    if question_id == target_id:
        raise ConsultInputError("into", "a question cannot be merged into itself")
    if target_status is not QuestionStatus.APPROVED:
        raise ConsultInputError(
            "into", f"question {target_id} is {target_status.value}; merge into an approved one"
        )


def check_upvote(status: QuestionStatus, *, own: bool) -> None:
    """Only approved questions are upvoted, and never by their author."""
    if status is not QuestionStatus.APPROVED:
        raise ConsultStateError(f"question: cannot upvote a question that is {status.value}")
    if own:
        raise ConsultStateError("question: you cannot upvote your own question")


def merged_supporters(
    duplicate_author: int | None,
    duplicate_upvoters: Iterable[int],
    target_author: int | None,
    target_upvoters: Iterable[int],
) -> set[int]:
    """The participants who gain an upvote on the target when a duplicate merges into it."""
    already = set(target_upvoters)
    gained = set(duplicate_upvoters)
    if duplicate_author is not None:
        gained.add(duplicate_author)
    if target_author is not None:
        gained.discard(target_author)
    return gained - already


@dataclass(frozen=True, slots=True)
class QueuedQuestion:
    """What the queue is ordered by."""

    id: int
    status: QuestionStatus
    upvotes: int
    approved_at: datetime


def queue_order(questions: Iterable[QueuedQuestion]) -> list[QueuedQuestion]:
    """Accepted questions in the facilitator's order (see the module docstring)."""
    accepted: Sequence[QueuedQuestion] = [q for q in questions if q.status in ACCEPTED]
    return sorted(
        accepted,
        key=lambda q: (
            q.status is QuestionStatus.ANSWERED,
            -q.upvotes if q.status is QuestionStatus.APPROVED else 0,
            q.approved_at,
            q.id,
        ),
    )
