"""Consultations: sessions, participants, round tables, polls, questions, summaries.

Public tables (category ``consultations``): consultations, consult_sessions, consult_polls,
consult_poll_counts, consult_table_notes, consult_summaries. Personal tables (category
``consultation_participants``): consultation_participants, consult_poll_voters,
consult_questions, consult_question_upvotes. A ballot's choices go to counters with no voter;
that someone voted goes to consult_poll_voters with no choice.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23 11:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "consultations",
        sa.Column(
            "id", sa.String(length=22), nullable=False, comment="Random id (base64url of 16 bytes)"
        ),
        sa.Column("title", sa.String(length=200), nullable=False, comment="Public title"),
        sa.Column(
            "description",
            sa.Text(),
            server_default="",
            nullable=False,
            comment="What is consulted on, for participants",
        ),
        sa.Column(
            "proposal_id",
            sa.Integer(),
            nullable=True,
            comment="Governance proposal consulted on (inventory_proposals.id)",
        ),
        sa.Column("created_at", sa.DateTime(), nullable=False, comment="When staff created it"),
        sa.CheckConstraint("length(title) > 0", name=op.f("ck_consultations_title_not_empty")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consultations")),
        comment="Public consultations, each optionally on a governance proposal",
    )

    with op.batch_alter_table("consultations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_consultations_proposal_id"), ["proposal_id"], unique=False
        )

    op.create_table(
        "consult_sessions",
        sa.Column(
            "id",
            sa.String(length=22),
            nullable=False,
            comment="Random id, in the join link and QR code",
        ),
        sa.Column(
            "consultation_id",
            sa.String(length=22),
            nullable=False,
            comment="Consultation the session belongs to",
        ),
        sa.Column("title", sa.String(length=200), nullable=False, comment="Public title"),
        sa.Column(
            "language", sa.String(length=35), nullable=False, comment="Main language (BCP 47 tag)"
        ),
        sa.Column("table_size", sa.Integer(), nullable=False, comment="Seats per round table"),
        sa.Column(
            "table_count",
            sa.Integer(),
            server_default="0",
            nullable=False,
            comment="Round tables in use (1..n); 0 until the facilitator seats everyone",
        ),
        sa.Column("status", sa.String(length=10), nullable=False, comment="open or ended"),
        sa.Column(
            "facilitator_token_hash",
            sa.LargeBinary(length=32),
            nullable=False,
            comment="SHA-256 of the facilitator link's secret token",
        ),
        sa.Column(
            "moderator_token_hash",
            sa.LargeBinary(length=32),
            nullable=False,
            comment="SHA-256 of the moderator link's secret token",
        ),
        sa.Column("starts_at", sa.DateTime(), nullable=True, comment="Announced start, if any"),
        sa.Column("created_at", sa.DateTime(), nullable=False, comment="When staff created it"),
        sa.Column(
            "ended_at",
            sa.DateTime(),
            nullable=True,
            comment="When the facilitator ended it; NULL while open",
        ),
        sa.CheckConstraint(
            "(status = 'ended') = (ended_at IS NOT NULL)",
            name=op.f("ck_consult_sessions_ended_has_time"),
        ),
        sa.CheckConstraint(
            "status IN ('open', 'ended')", name=op.f("ck_consult_sessions_status_known")
        ),
        sa.CheckConstraint(
            "length(facilitator_token_hash) = 32",
            name=op.f("ck_consult_sessions_facilitator_token_hash_is_sha256"),
        ),
        sa.CheckConstraint(
            "length(moderator_token_hash) = 32",
            name=op.f("ck_consult_sessions_moderator_token_hash_is_sha256"),
        ),
        sa.CheckConstraint("length(title) > 0", name=op.f("ck_consult_sessions_title_not_empty")),
        sa.CheckConstraint(
            "table_count >= 0", name=op.f("ck_consult_sessions_table_count_not_negative")
        ),
        sa.CheckConstraint(
            "table_size BETWEEN 2 AND 50", name=op.f("ck_consult_sessions_table_size_range")
        ),
        sa.ForeignKeyConstraint(
            ["consultation_id"],
            ["consultations.id"],
            name=op.f("fk_consult_sessions_consultation_id_consultations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consult_sessions")),
        sa.UniqueConstraint(
            "facilitator_token_hash", name=op.f("uq_consult_sessions_facilitator_token_hash")
        ),
        sa.UniqueConstraint(
            "moderator_token_hash", name=op.f("uq_consult_sessions_moderator_token_hash")
        ),
        comment="Consultation sessions: round tables, live polls, moderated questions",
    )

    with op.batch_alter_table("consult_sessions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_consult_sessions_consultation_id"), ["consultation_id"], unique=False
        )

    op.create_table(
        "consult_polls",
        sa.Column("id", sa.Integer(), nullable=False, comment="Surrogate key"),
        sa.Column(
            "session_id",
            sa.String(length=22),
            nullable=False,
            comment="Session the poll belongs to",
        ),
        sa.Column(
            "kind",
            sa.String(length=10),
            nullable=False,
            comment="single, multiple, scale or wordcloud",
        ),
        sa.Column("question", sa.String(length=300), nullable=False, comment="What the poll asks"),
        sa.Column(
            "options",
            sa.Text(),
            server_default="[]",
            nullable=False,
            comment="JSON list of options (choice polls)",
        ),
        sa.Column("max_choices", sa.Integer(), nullable=False, comment="Options a ballot may tick"),
        sa.Column(
            "scale_min", sa.Integer(), nullable=False, comment="Lowest value of a scale poll"
        ),
        sa.Column(
            "scale_max", sa.Integer(), nullable=False, comment="Highest value of a scale poll"
        ),
        sa.Column(
            "max_words", sa.Integer(), nullable=False, comment="Entries per word-cloud ballot"
        ),
        sa.Column("status", sa.String(length=10), nullable=False, comment="draft, open or closed"),
        sa.Column("created_at", sa.DateTime(), nullable=False, comment="When it was written"),
        sa.Column(
            "opened_at", sa.DateTime(), nullable=True, comment="When the facilitator opened it"
        ),
        sa.Column(
            "closed_at", sa.DateTime(), nullable=True, comment="When the facilitator closed it"
        ),
        sa.CheckConstraint(
            "(status = 'closed') = (closed_at IS NOT NULL)",
            name=op.f("ck_consult_polls_closed_has_time"),
        ),
        sa.CheckConstraint(
            "(status = 'draft') = (opened_at IS NULL)",
            name=op.f("ck_consult_polls_opened_has_time"),
        ),
        sa.CheckConstraint(
            "kind IN ('single', 'multiple', 'scale', 'wordcloud')",
            name=op.f("ck_consult_polls_kind_known"),
        ),
        sa.CheckConstraint(
            "status IN ('draft', 'open', 'closed')", name=op.f("ck_consult_polls_status_known")
        ),
        sa.CheckConstraint(
            "length(question) > 0", name=op.f("ck_consult_polls_question_not_empty")
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["consult_sessions.id"],
            name=op.f("fk_consult_polls_session_id_consult_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consult_polls")),
        comment="Live polls of consultation sessions (public)",
    )

    with op.batch_alter_table("consult_polls", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_consult_polls_session_id"), ["session_id"], unique=False
        )

    op.create_table(
        "consult_summaries",
        sa.Column("session_id", sa.String(length=22), nullable=False, comment="Session summarized"),
        sa.Column("document", sa.Text(), nullable=False, comment="The summary as JSON"),
        sa.Column("published_at", sa.DateTime(), nullable=False, comment="When it was published"),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["consult_sessions.id"],
            name=op.f("fk_consult_summaries_session_id_consult_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("session_id", name=op.f("pk_consult_summaries")),
        comment="Published session summaries (JSON snapshots; public)",
    )

    op.create_table(
        "consult_table_notes",
        sa.Column(
            "session_id", sa.String(length=22), nullable=False, comment="Session of the table"
        ),
        sa.Column("table_number", sa.Integer(), nullable=False, comment="Round table number"),
        sa.Column("text", sa.Text(), nullable=False, comment="The notes"),
        sa.Column("updated_at", sa.DateTime(), nullable=False, comment="Last change"),
        sa.CheckConstraint(
            "table_number >= 1", name=op.f("ck_consult_table_notes_table_number_range")
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["consult_sessions.id"],
            name=op.f("fk_consult_table_notes_session_id_consult_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("session_id", "table_number", name=op.f("pk_consult_table_notes")),
        comment="Notes of each round table, published in the summary; no author kept",
    )

    op.create_table(
        "consultation_participants",
        sa.Column("id", sa.Integer(), nullable=False, comment="Surrogate key"),
        sa.Column("session_id", sa.String(length=22), nullable=False, comment="Session joined"),
        sa.Column(
            "display_name",
            sa.String(length=60),
            nullable=False,
            comment="Name shown to the table and moderators; may be a pseudonym",
        ),
        sa.Column(
            "stakeholder_group",
            sa.String(length=30),
            nullable=False,
            comment="One of the six stakeholder groups",
        ),
        sa.Column(
            "language", sa.String(length=35), nullable=False, comment="Preferred language (BCP 47)"
        ),
        sa.Column(
            "table_number",
            sa.Integer(),
            nullable=True,
            comment="Round table seated at; NULL before seating or after leaving",
        ),
        sa.Column(
            "token_hash",
            sa.LargeBinary(length=32),
            nullable=False,
            comment="SHA-256 of the join token the participant's browser holds",
        ),
        sa.Column(
            "joined_at",
            sa.DateTime(),
            nullable=False,
            comment="When they joined; retention counts from it",
        ),
        sa.Column(
            "left_at",
            sa.DateTime(),
            nullable=True,
            comment="When they left the session; NULL while present",
        ),
        sa.CheckConstraint(
            "stakeholder_group IN ('civil-society', 'private-sector', 'government', "
            "'technical-community', 'intergovernmental', 'public')",
            name=op.f("ck_consultation_participants_stakeholder_group_known"),
        ),
        sa.CheckConstraint(
            "length(display_name) > 0",
            name=op.f("ck_consultation_participants_display_name_not_empty"),
        ),
        sa.CheckConstraint(
            "length(token_hash) = 32",
            name=op.f("ck_consultation_participants_token_hash_is_sha256"),
        ),
        sa.CheckConstraint(
            "table_number IS NULL OR table_number >= 1",
            name=op.f("ck_consultation_participants_table_number_range"),
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["consult_sessions.id"],
            name=op.f("fk_consultation_participants_session_id_consult_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consultation_participants")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_consultation_participants_token_hash")),
        comment="Session participants: display name, stakeholder group, language, seat",
    )

    with op.batch_alter_table("consultation_participants", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_consultation_participants_joined_at"), ["joined_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_consultation_participants_session_id"), ["session_id"], unique=False
        )

    op.create_table(
        "consult_poll_counts",
        sa.Column("poll_id", sa.Integer(), nullable=False, comment="Poll counted"),
        sa.Column(
            "value",
            sa.String(length=40),
            nullable=False,
            comment="Option index, scale value, normalized word, or #ballots",
        ),
        sa.Column(
            "shard",
            sa.Integer(),
            nullable=False,
            comment="Random slice (0..15) of the counter, so concurrent ballots rarely wait",
        ),
        sa.Column("count", sa.Integer(), nullable=False, comment="Ballots that chose it"),
        sa.CheckConstraint("count >= 0", name=op.f("ck_consult_poll_counts_count_not_negative")),
        sa.CheckConstraint(
            "shard BETWEEN 0 AND 15", name=op.f("ck_consult_poll_counts_shard_range")
        ),
        sa.ForeignKeyConstraint(
            ["poll_id"],
            ["consult_polls.id"],
            name=op.f("fk_consult_poll_counts_poll_id_consult_polls"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("poll_id", "value", "shard", name=op.f("pk_consult_poll_counts")),
        comment="Poll results as counters; no voter, no time",
    )

    op.create_table(
        "consult_poll_voters",
        sa.Column("poll_id", sa.Integer(), nullable=False, comment="Poll voted in"),
        sa.Column("participant_id", sa.Integer(), nullable=False, comment="Participant who voted"),
        sa.Column(
            "joined_at",
            sa.DateTime(),
            nullable=False,
            comment="The participant's join time (retention counts from it); no vote time is kept",
        ),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["consultation_participants.id"],
            name=op.f("fk_consult_poll_voters_participant_id_consultation_participants"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["poll_id"],
            ["consult_polls.id"],
            name=op.f("fk_consult_poll_voters_poll_id_consult_polls"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("poll_id", "participant_id", name=op.f("pk_consult_poll_voters")),
        comment="Who has voted in which poll, for one vote each; never the choice",
    )

    with op.batch_alter_table("consult_poll_voters", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_consult_poll_voters_participant_id"), ["participant_id"], unique=False
        )

    op.create_table(
        "consult_questions",
        sa.Column("id", sa.Integer(), nullable=False, comment="Surrogate key"),
        sa.Column("session_id", sa.String(length=22), nullable=False, comment="Session asked in"),
        sa.Column(
            "author_id",
            sa.Integer(),
            nullable=True,
            comment="Participant who asked; never shown to anyone",
        ),
        sa.Column("text", sa.Text(), nullable=False, comment="The question"),
        sa.Column(
            "status",
            sa.String(length=10),
            nullable=False,
            comment="pending, approved, answered, rejected or merged",
        ),
        sa.Column(
            "merged_into_id",
            sa.Integer(),
            nullable=True,
            comment="Question a duplicate was merged into (deleted with it)",
        ),
        sa.Column(
            "submitted_at",
            sa.DateTime(),
            nullable=False,
            comment="When it was asked; retention counts from it",
        ),
        sa.Column(
            "approved_at",
            sa.DateTime(),
            nullable=True,
            comment="When a moderator approved it (queue order)",
        ),
        sa.Column(
            "decided_at",
            sa.DateTime(),
            nullable=True,
            comment="When it was approved, rejected or merged",
        ),
        sa.CheckConstraint(
            "(status = 'merged') = (merged_into_id IS NOT NULL)",
            name=op.f("ck_consult_questions_merged_has_target"),
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'approved', 'answered', 'rejected', 'merged')",
            name=op.f("ck_consult_questions_status_known"),
        ),
        sa.CheckConstraint("length(text) > 0", name=op.f("ck_consult_questions_text_not_empty")),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["consultation_participants.id"],
            name=op.f("fk_consult_questions_author_id_consultation_participants"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["merged_into_id"],
            ["consult_questions.id"],
            name=op.f("fk_consult_questions_merged_into_id_consult_questions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["consult_sessions.id"],
            name=op.f("fk_consult_questions_session_id_consult_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consult_questions")),
        comment="Participants' questions: pending, approved, answered, rejected, merged",
    )

    with op.batch_alter_table("consult_questions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_consult_questions_author_id"), ["author_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_consult_questions_session_id"), ["session_id"], unique=False
        )

    op.create_table(
        "consult_question_upvotes",
        sa.Column("question_id", sa.Integer(), nullable=False, comment="Question upvoted"),
        sa.Column(
            "participant_id", sa.Integer(), nullable=False, comment="Participant who upvoted"
        ),
        sa.Column(
            "joined_at",
            sa.DateTime(),
            nullable=False,
            comment="The participant's join time (retention counts from it)",
        ),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["consultation_participants.id"],
            name=op.f("fk_consult_question_upvotes_participant_id_consultation_participants"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["consult_questions.id"],
            name=op.f("fk_consult_question_upvotes_question_id_consult_questions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "question_id", "participant_id", name=op.f("pk_consult_question_upvotes")
        ),
        comment="Upvotes of approved questions, one per participant and question",
    )

    with op.batch_alter_table("consult_question_upvotes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_consult_question_upvotes_participant_id"),
            ["participant_id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("consult_question_upvotes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consult_question_upvotes_participant_id"))

    op.drop_table("consult_question_upvotes")

    with op.batch_alter_table("consult_questions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consult_questions_session_id"))
        batch_op.drop_index(batch_op.f("ix_consult_questions_author_id"))

    op.drop_table("consult_questions")

    with op.batch_alter_table("consult_poll_voters", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consult_poll_voters_participant_id"))

    op.drop_table("consult_poll_voters")

    op.drop_table("consult_poll_counts")

    with op.batch_alter_table("consultation_participants", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consultation_participants_session_id"))
        batch_op.drop_index(batch_op.f("ix_consultation_participants_joined_at"))

    op.drop_table("consultation_participants")

    op.drop_table("consult_table_notes")

    op.drop_table("consult_summaries")

    with op.batch_alter_table("consult_polls", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consult_polls_session_id"))

    op.drop_table("consult_polls")

    with op.batch_alter_table("consult_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consult_sessions_consultation_id"))

    op.drop_table("consult_sessions")

    with op.batch_alter_table("consultations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consultations_proposal_id"))

    op.drop_table("consultations")
