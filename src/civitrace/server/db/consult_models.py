"""Tables of public consultations, on the one declarative :class:`~civitrace.server.db.models.Base`.

Two data categories (the governance inventory):

- ``consultations`` (public, nothing about a person): ``consultations``, ``consult_sessions``,
  ``consult_polls``, ``consult_poll_counts``, ``consult_table_notes``, ``consult_summaries``.
- ``consultation_participants`` (personal, deleted by the retention job):
  ``consultation_participants`` (display name, stakeholder group, language, table),
  ``consult_poll_voters`` (*that* someone voted), ``consult_questions``,
  ``consult_question_upvotes``.

What someone voted is stored nowhere next to who they are: a ballot adds one to counters in
``consult_poll_counts`` (no participant, no time) and records the participant in
``consult_poll_voters`` (no choice, no vote time — its retention column is the participant's
join time), so even a database reader cannot tell how a person voted. Tokens are stored as
SHA-256 hashes only. No column holds an IP address, a user agent or a header.
"""

import enum
from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from civitrace.consult.groups import GROUPS
from civitrace.consult.polls import PollKind, PollStatus
from civitrace.consult.questions import QuestionStatus
from civitrace.server.db.models import Base
from civitrace.server.db.types import UTCDateTime

PUBLIC = "consultations"  # data category: sessions, polls, counts, notes, summaries
PARTICIPANTS = "consultation_participants"  # data category: people, their votes and questions

ID_LENGTH = 22  # characters of a random consultation or session id (16 bytes, base64url)
TOKEN_HASH_LENGTH = 32  # SHA-256
COUNTER_SHARDS = 16  # rows per poll counter (see PollCount)


class SessionStatus(enum.StrEnum):
    """A session takes participants, votes and questions while OPEN; ENDED is final."""

    OPEN = "open"
    ENDED = "ended"


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(str(v)) for v in values)})"


class Consultation(Base):
    """A public consultation, on a governance proposal or on its own."""

    __tablename__ = "consultations"
    __table_args__ = (
        CheckConstraint("length(title) > 0", name="title_not_empty"),
        {
            "comment": "Public consultations, each optionally on a governance proposal",
            "info": {"data_category": PUBLIC},
        },
    )

    id: Mapped[str] = mapped_column(
        String(ID_LENGTH), primary_key=True, comment="Random id (base64url of 16 bytes)"
    )
    title: Mapped[str] = mapped_column(String(200), comment="Public title")
    description: Mapped[str] = mapped_column(
        Text, default="", server_default="", comment="What is consulted on, for participants"
    )
    proposal_id: Mapped[int | None] = mapped_column(
        Integer, index=True, comment="Governance proposal consulted on (inventory_proposals.id)"
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, comment="When staff created it")


class ConsultSession(Base):
    """One meeting of a consultation: round tables, polls and questions, then a summary."""

    __tablename__ = "consult_sessions"
    __table_args__ = (
        CheckConstraint("length(title) > 0", name="title_not_empty"),
        CheckConstraint(_in("status", tuple(SessionStatus)), name="status_known"),
        CheckConstraint("table_size BETWEEN 2 AND 50", name="table_size_range"),
        CheckConstraint("table_count >= 0", name="table_count_not_negative"),
        CheckConstraint(
            f"length(facilitator_token_hash) = {TOKEN_HASH_LENGTH}",
            name="facilitator_token_hash_is_sha256",
        ),
        CheckConstraint(
            f"length(moderator_token_hash) = {TOKEN_HASH_LENGTH}",
            name="moderator_token_hash_is_sha256",
        ),
        CheckConstraint("(status = 'ended') = (ended_at IS NOT NULL)", name="ended_has_time"),
        {
            "comment": "Consultation sessions: round tables, live polls, moderated questions",
            "info": {"data_category": PUBLIC},
        },
    )

    id: Mapped[str] = mapped_column(
        String(ID_LENGTH), primary_key=True, comment="Random id, in the join link and QR code"
    )
    consultation_id: Mapped[str] = mapped_column(
        ForeignKey("consultations.id", ondelete="CASCADE"),
        index=True,
        comment="Consultation the session belongs to",
    )
    title: Mapped[str] = mapped_column(String(200), comment="Public title")
    language: Mapped[str] = mapped_column(String(35), comment="Main language (BCP 47 tag)")
    table_size: Mapped[int] = mapped_column(Integer, comment="Seats per round table")
    table_count: Mapped[int] = mapped_column(
        Integer,
        default=0,
        server_default="0",
        comment="Round tables in use (1..n); 0 until the facilitator seats everyone",
    )
    status: Mapped[str] = mapped_column(String(10), comment="open or ended")
    facilitator_token_hash: Mapped[bytes] = mapped_column(
        LargeBinary(TOKEN_HASH_LENGTH),
        unique=True,
        comment="SHA-256 of the facilitator link's secret token",
    )
    moderator_token_hash: Mapped[bytes] = mapped_column(
        LargeBinary(TOKEN_HASH_LENGTH),
        unique=True,
        comment="SHA-256 of the moderator link's secret token",
    )
    starts_at: Mapped[datetime | None] = mapped_column(
        UTCDateTime, comment="Announced start, if any"
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, comment="When staff created it")
    ended_at: Mapped[datetime | None] = mapped_column(
        UTCDateTime, comment="When the facilitator ended it; NULL while open"
    )


class Participant(Base):
    """Someone who joined a session: a display name, a group, a language, a seat."""

    __tablename__ = "consultation_participants"
    __table_args__ = (
        CheckConstraint(_in("stakeholder_group", GROUPS), name="stakeholder_group_known"),
        CheckConstraint("length(display_name) > 0", name="display_name_not_empty"),
        CheckConstraint(f"length(token_hash) = {TOKEN_HASH_LENGTH}", name="token_hash_is_sha256"),
        CheckConstraint("table_number IS NULL OR table_number >= 1", name="table_number_range"),
        {
            "comment": "Session participants: display name, stakeholder group, language, seat",
            "info": {"data_category": PARTICIPANTS, "retention_column": "joined_at"},
        },
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, comment="Surrogate key")
    session_id: Mapped[str] = mapped_column(
        ForeignKey("consult_sessions.id", ondelete="CASCADE"),
        index=True,
        comment="Session joined",
    )
    display_name: Mapped[str] = mapped_column(
        String(60), comment="Name shown to the table and moderators; may be a pseudonym"
    )
    stakeholder_group: Mapped[str] = mapped_column(
        String(30), comment="One of the six stakeholder groups"
    )
    language: Mapped[str] = mapped_column(String(35), comment="Preferred language (BCP 47)")
    table_number: Mapped[int | None] = mapped_column(
        Integer, comment="Round table seated at; NULL before seating or after leaving"
    )
    token_hash: Mapped[bytes] = mapped_column(
        LargeBinary(TOKEN_HASH_LENGTH),
        unique=True,
        comment="SHA-256 of the join token the participant's browser holds",
    )
    joined_at: Mapped[datetime] = mapped_column(
        UTCDateTime, index=True, comment="When they joined; retention counts from it"
    )
    left_at: Mapped[datetime | None] = mapped_column(
        UTCDateTime, comment="When they left the session; NULL while present"
    )


class Poll(Base):
    """A live poll of a session; its results live in ``consult_poll_counts``."""

    __tablename__ = "consult_polls"
    __table_args__ = (
        CheckConstraint(_in("kind", tuple(PollKind)), name="kind_known"),
        CheckConstraint(_in("status", tuple(PollStatus)), name="status_known"),
        CheckConstraint("length(question) > 0", name="question_not_empty"),
        CheckConstraint("(status = 'draft') = (opened_at IS NULL)", name="opened_has_time"),
        CheckConstraint("(status = 'closed') = (closed_at IS NOT NULL)", name="closed_has_time"),
        {
            "comment": "Live polls of consultation sessions (public)",
            "info": {"data_category": PUBLIC},
        },
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, comment="Surrogate key")
    session_id: Mapped[str] = mapped_column(
        ForeignKey("consult_sessions.id", ondelete="CASCADE"),
        index=True,
        comment="Session the poll belongs to",
    )
    kind: Mapped[str] = mapped_column(String(10), comment="single, multiple, scale or wordcloud")
    question: Mapped[str] = mapped_column(String(300), comment="What the poll asks")
    options: Mapped[str] = mapped_column(
        Text, default="[]", server_default="[]", comment="JSON list of options (choice polls)"
    )
    max_choices: Mapped[int] = mapped_column(Integer, comment="Options a ballot may tick")
    scale_min: Mapped[int] = mapped_column(Integer, comment="Lowest value of a scale poll")
    scale_max: Mapped[int] = mapped_column(Integer, comment="Highest value of a scale poll")
    max_words: Mapped[int] = mapped_column(Integer, comment="Entries per word-cloud ballot")
    status: Mapped[str] = mapped_column(String(10), comment="draft, open or closed")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, comment="When it was written")
    opened_at: Mapped[datetime | None] = mapped_column(
        UTCDateTime, comment="When the facilitator opened it"
    )
    closed_at: Mapped[datetime | None] = mapped_column(
        UTCDateTime, comment="When the facilitator closed it"
    )


class PollCount(Base):
    """One slice of a counter of a poll: an option, a scale value, a word, or ``#ballots``.

    Each counter is split into :data:`COUNTER_SHARDS` rows and a ballot adds to a random one,
    so simultaneous ballots seldom wait for the same row lock; a count is the sum of its
    slices. The slice is drawn at random, never derived from the voter.
    """

    __tablename__ = "consult_poll_counts"
    __table_args__ = (
        CheckConstraint("count >= 0", name="count_not_negative"),
        CheckConstraint(f"shard BETWEEN 0 AND {COUNTER_SHARDS - 1}", name="shard_range"),
        {
            "comment": "Poll results as counters; no voter, no time",
            "info": {"data_category": PUBLIC},
        },
    )

    poll_id: Mapped[int] = mapped_column(
        ForeignKey("consult_polls.id", ondelete="CASCADE"),
        primary_key=True,
        comment="Poll counted",
    )
    value: Mapped[str] = mapped_column(
        String(40),
        primary_key=True,
        comment="Option index, scale value, normalized word, or #ballots",
    )
    shard: Mapped[int] = mapped_column(
        Integer,
        primary_key=True,
        comment="Random slice (0..15) of the counter, so concurrent ballots rarely wait",
    )
    count: Mapped[int] = mapped_column(Integer, comment="Ballots that chose it")


class PollVoter(Base):
    """That a participant voted in a poll (what they chose is not here)."""

    __tablename__ = "consult_poll_voters"
    __table_args__ = (
        {
            "comment": "Who has voted in which poll, for one vote each; never the choice",
            "info": {"data_category": PARTICIPANTS, "retention_column": "joined_at"},
        },
    )

    poll_id: Mapped[int] = mapped_column(
        ForeignKey("consult_polls.id", ondelete="CASCADE"),
        primary_key=True,
        comment="Poll voted in",
    )
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("consultation_participants.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
        comment="Participant who voted",
    )
    joined_at: Mapped[datetime] = mapped_column(
        UTCDateTime,
        comment="The participant's join time (retention counts from it); no vote time is kept",
    )


class Question(Base):
    """A participant's question, through moderation."""

    __tablename__ = "consult_questions"
    __table_args__ = (
        CheckConstraint(_in("status", tuple(QuestionStatus)), name="status_known"),
        CheckConstraint("length(text) > 0", name="text_not_empty"),
        CheckConstraint(
            "(status = 'merged') = (merged_into_id IS NOT NULL)", name="merged_has_target"
        ),
        {
            "comment": "Participants' questions: pending, approved, answered, rejected, merged",
            "info": {"data_category": PARTICIPANTS, "retention_column": "submitted_at"},
        },
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, comment="Surrogate key")
    session_id: Mapped[str] = mapped_column(
        ForeignKey("consult_sessions.id", ondelete="CASCADE"),
        index=True,
        comment="Session asked in",
    )
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("consultation_participants.id", ondelete="SET NULL"),
        index=True,
        comment="Participant who asked; never shown to anyone",
    )
    text: Mapped[str] = mapped_column(Text, comment="The question")
    status: Mapped[str] = mapped_column(
        String(10), comment="pending, approved, answered, rejected or merged"
    )
    merged_into_id: Mapped[int | None] = mapped_column(
        ForeignKey("consult_questions.id", ondelete="CASCADE"),
        comment="Question a duplicate was merged into (deleted with it)",
    )
    submitted_at: Mapped[datetime] = mapped_column(
        UTCDateTime, comment="When it was asked; retention counts from it"
    )
    approved_at: Mapped[datetime | None] = mapped_column(
        UTCDateTime, comment="When a moderator approved it (queue order)"
    )
    decided_at: Mapped[datetime | None] = mapped_column(
        UTCDateTime, comment="When it was approved, rejected or merged"
    )


class QuestionUpvote(Base):
    """One participant's upvote of one approved question."""

    __tablename__ = "consult_question_upvotes"
    __table_args__ = (
        {
            "comment": "Upvotes of approved questions, one per participant and question",
            "info": {"data_category": PARTICIPANTS, "retention_column": "joined_at"},
        },
    )

    question_id: Mapped[int] = mapped_column(
        ForeignKey("consult_questions.id", ondelete="CASCADE"),
        primary_key=True,
        comment="Question upvoted",
    )
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("consultation_participants.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
        comment="Participant who upvoted",
    )
    joined_at: Mapped[datetime] = mapped_column(
        UTCDateTime, comment="The participant's join time (retention counts from it)"
    )


class TableNote(Base):
    """What a round table wrote down; published in the summary."""

    __tablename__ = "consult_table_notes"
    __table_args__ = (
        CheckConstraint("table_number >= 1", name="table_number_range"),
        {
            "comment": "Notes of each round table, published in the summary; no author kept",
            "info": {"data_category": PUBLIC},
        },
    )

    session_id: Mapped[str] = mapped_column(
        ForeignKey("consult_sessions.id", ondelete="CASCADE"),
        primary_key=True,
        comment="Session of the table",
    )
    table_number: Mapped[int] = mapped_column(
        Integer, primary_key=True, comment="Round table number"
    )
    text: Mapped[str] = mapped_column(Text, comment="The notes")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, comment="Last change")


class SessionSummary(Base):
    """A published summary: a JSON snapshot, rendered to HTML and PDF on request."""

    __tablename__ = "consult_summaries"
    __table_args__ = (
        {
            "comment": "Published session summaries (JSON snapshots; public)",
            "info": {"data_category": PUBLIC},
        },
    )

    session_id: Mapped[str] = mapped_column(
        ForeignKey("consult_sessions.id", ondelete="CASCADE"),
        primary_key=True,
        comment="Session summarized",
    )
    document: Mapped[str] = mapped_column(Text, comment="The summary as JSON")
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, comment="When it was published")
