"""Moderated questions: the status machine, merging support, the queue order."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from civitrace.consult.errors import ConsultInputError, ConsultStateError
from civitrace.consult.questions import (
    ACCEPTED,
    Moderation,
    QuestionStatus,
    QueuedQuestion,
    check_merge_target,
    check_upvote,
    merged_supporters,
    moderate,
    question_text,
    queue_order,
)

ALLOWED = {
    (Moderation.APPROVE, QuestionStatus.PENDING): QuestionStatus.APPROVED,
    (Moderation.REJECT, QuestionStatus.PENDING): QuestionStatus.REJECTED,
    (Moderation.REJECT, QuestionStatus.APPROVED): QuestionStatus.REJECTED,
    (Moderation.MERGE, QuestionStatus.PENDING): QuestionStatus.MERGED,
    (Moderation.MERGE, QuestionStatus.APPROVED): QuestionStatus.MERGED,
    (Moderation.ANSWER, QuestionStatus.APPROVED): QuestionStatus.ANSWERED,
}


@pytest.mark.parametrize("action", list(Moderation))
@pytest.mark.parametrize("status", list(QuestionStatus))
def test_every_moderation_in_every_status(action: Moderation, status: QuestionStatus) -> None:
    expected = ALLOWED.get((action, status))
    if expected is None:
        with pytest.raises(ConsultStateError, match=f"cannot {action.value}"):
            moderate(status, action)
    else:
        assert moderate(status, action) is expected


def test_question_text_is_cleaned_and_bounded() -> None:
    assert question_text("  Who sees\r\nthe data?  ") == "Who sees\nthe data?"
    with pytest.raises(ConsultInputError, match="text: must not be empty"):
        question_text(" \n ")
    with pytest.raises(ConsultInputError, match="at most 500"):
        question_text("x" * 501)
    with pytest.raises(ConsultInputError, match="control character"):
        question_text("evil\u202eexe.txt")


def test_merge_targets_and_upvotes() -> None:
    check_merge_target(1, 2, QuestionStatus.APPROVED)
    with pytest.raises(ConsultInputError, match="into: a question cannot be merged into itself"):
        check_merge_target(2, 2, QuestionStatus.APPROVED)
    with pytest.raises(ConsultInputError, match="into: question 2 is pending"):
        check_merge_target(1, 2, QuestionStatus.PENDING)
    check_upvote(QuestionStatus.APPROVED, own=False)
    with pytest.raises(ConsultStateError, match="own question"):
        check_upvote(QuestionStatus.APPROVED, own=True)
    with pytest.raises(ConsultStateError, match="answered"):
        check_upvote(QuestionStatus.ANSWERED, own=False)


people = st.integers(1, 30)


@given(people, st.sets(people), people, st.sets(people))
def test_merging_moves_support_without_duplicates(
    dup_author: int, dup_voters: set[int], target_author: int, target_voters: set[int]
) -> None:
    target_voters.discard(target_author)  # nobody upvotes their own question
    gained = merged_supporters(dup_author, dup_voters, target_author, target_voters)
    after = target_voters | gained
    assert target_author not in gained
    assert not gained & target_voters
    expected = (dup_voters | {dup_author}) - {target_author}
    assert after == target_voters | expected


def test_merging_a_question_whose_author_left() -> None:
    assert merged_supporters(None, {3}, 1, {2}) == {3}


def test_the_queue_puts_most_upvoted_first_and_answered_last() -> None:
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    questions = [
        QueuedQuestion(1, QuestionStatus.APPROVED, 2, t0),
        QueuedQuestion(2, QuestionStatus.APPROVED, 5, t0 + timedelta(minutes=1)),
        QueuedQuestion(3, QuestionStatus.ANSWERED, 9, t0 - timedelta(minutes=1)),
        QueuedQuestion(4, QuestionStatus.APPROVED, 2, t0 - timedelta(minutes=2)),
        QueuedQuestion(5, QuestionStatus.PENDING, 0, t0),
        QueuedQuestion(6, QuestionStatus.REJECTED, 0, t0),
    ]
    assert [q.id for q in queue_order(questions)] == [2, 4, 1, 3]
    assert {QuestionStatus.APPROVED, QuestionStatus.ANSWERED} == ACCEPTED
