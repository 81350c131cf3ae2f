"""Governance: the hash-chained audit log, inventory proposals, data-access requests.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 11:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column(
            "sequence",
            sa.Integer(),
            autoincrement=False,
            nullable=False,
            comment="Position in the chain, from 1",
        ),
        sa.Column(
            "recorded_at",
            sa.DateTime(),
            nullable=False,
            comment="When it was appended (UTC, whole seconds, monotonic)",
        ),
        sa.Column(
            "actor",
            sa.String(length=200),
            nullable=False,
            comment="Who acted: a staff account and role, or 'system'",
        ),
        sa.Column(
            "action",
            sa.String(length=100),
            nullable=False,
            comment="What was done, e.g. case.opened",
        ),
        sa.Column(
            "object",
            sa.String(length=300),
            nullable=False,
            comment="What it was done to, e.g. case:42 (may be empty)",
        ),
        sa.Column(
            "details",
            sa.Text(),
            nullable=False,
            comment="Canonical JSON object of further facts (never personal data of citizens)",
        ),
        sa.Column(
            "prev_digest",
            sa.String(length=64),
            nullable=False,
            comment="Hex digest of the previous entry (64 zeros before the first)",
        ),
        sa.Column(
            "digest",
            sa.String(length=64),
            nullable=False,
            comment="Hex SHA-256 over the canonical encoding of this entry",
        ),
        sa.CheckConstraint("length(action) > 0", name=op.f("ck_audit_log_action_not_empty")),
        sa.CheckConstraint("length(actor) > 0", name=op.f("ck_audit_log_actor_not_empty")),
        sa.CheckConstraint("length(digest) = 64", name=op.f("ck_audit_log_digest_is_sha256_hex")),
        sa.CheckConstraint(
            "length(prev_digest) = 64", name=op.f("ck_audit_log_prev_digest_is_sha256_hex")
        ),
        sa.CheckConstraint("sequence >= 1", name=op.f("ck_audit_log_sequence_positive")),
        sa.PrimaryKeyConstraint("sequence", name=op.f("pk_audit_log")),
        sa.UniqueConstraint("digest", name=op.f("uq_audit_log_digest")),
        comment="Hash-chained log of staff and system actions; its head digest is public",
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_log_recorded_at"), ["recorded_at"], unique=False)

    op.create_table(
        "inventory_proposals",
        sa.Column("id", sa.Integer(), nullable=False, comment="Surrogate key"),
        sa.Column(
            "kind",
            sa.String(length=10),
            nullable=False,
            comment="baseline, immediate or widening",
        ),
        sa.Column(
            "title",
            sa.String(length=200),
            nullable=False,
            comment="One-line summary for the public",
        ),
        sa.Column(
            "rationale",
            sa.Text(),
            server_default="",
            nullable=False,
            comment="Why the change is proposed",
        ),
        sa.Column(
            "changes",
            sa.Text(),
            nullable=False,
            comment="JSON list of changes, each classified widening, narrowing or editorial",
        ),
        sa.Column("created_at", sa.DateTime(), nullable=False, comment="When it was proposed"),
        sa.Column(
            "effective_at",
            sa.DateTime(),
            nullable=False,
            comment="Earliest time it takes effect (created_at unless widening)",
        ),
        sa.Column(
            "consultation_summary_url",
            sa.String(length=500),
            nullable=True,
            comment="Published summary of the consultation; a widening waits for it",
        ),
        sa.Column(
            "summary_published_at",
            sa.DateTime(),
            nullable=True,
            comment="When the consultation summary was attached",
        ),
        sa.Column(
            "withdrawn_at",
            sa.DateTime(),
            nullable=True,
            comment="When a pending proposal was withdrawn; it never takes effect",
        ),
        sa.CheckConstraint(
            "kind = 'widening' OR effective_at = created_at",
            name=op.f("ck_inventory_proposals_only_widening_waits"),
        ),
        sa.CheckConstraint(
            "kind IN ('baseline', 'immediate', 'widening')",
            name=op.f("ck_inventory_proposals_kind_known"),
        ),
        sa.CheckConstraint(
            "(consultation_summary_url IS NULL) = (summary_published_at IS NULL)",
            name=op.f("ck_inventory_proposals_summary_has_time"),
        ),
        sa.CheckConstraint(
            "effective_at >= created_at",
            name=op.f("ck_inventory_proposals_effective_not_before_created"),
        ),
        sa.CheckConstraint(
            "length(title) > 0", name=op.f("ck_inventory_proposals_title_not_empty")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inventory_proposals")),
        comment="Proposed, pending and applied changes to the data inventory (public)",
    )
    with op.batch_alter_table("inventory_proposals", schema=None) as batch_op:
        batch_op.create_index(
            "uq_inventory_proposals_one_baseline",
            ["kind"],
            unique=True,
            sqlite_where=sa.text("kind = 'baseline'"),
            postgresql_where=sa.text("kind = 'baseline'"),
        )

    op.create_table(
        "access_requests",
        sa.Column("id", sa.Integer(), nullable=False, comment="Surrogate key"),
        sa.Column(
            "received_at", sa.DateTime(), nullable=False, comment="When the request was received"
        ),
        sa.Column(
            "requester",
            sa.String(length=200),
            nullable=False,
            comment="Requesting body (or person, then never published)",
        ),
        sa.Column(
            "requester_type",
            sa.String(length=20),
            nullable=False,
            comment="police, ministry, company or other",
        ),
        sa.Column(
            "requester_is_individual",
            sa.Boolean(),
            server_default=sa.false(),
            nullable=False,
            comment="True if the requester is a private person: the public view omits the name",
        ),
        sa.Column(
            "legal_basis_claimed",
            sa.Text(),
            nullable=False,
            comment="Legal basis the requester invoked",
        ),
        sa.Column(
            "data_requested",
            sa.Text(),
            nullable=False,
            comment="What was asked for, as received (internal; not published)",
        ),
        sa.Column(
            "categories_requested",
            sa.String(length=1000),
            nullable=False,
            comment="Comma-separated inventory categories asked for (published)",
        ),
        sa.Column(
            "decision",
            sa.String(length=20),
            nullable=True,
            comment="granted, partial or refused; NULL while undecided",
        ),
        sa.Column("reason", sa.Text(), nullable=True, comment="Why it was decided so (published)"),
        sa.Column("decided_at", sa.DateTime(), nullable=True, comment="When it was decided"),
        sa.CheckConstraint(
            "decision IS NULL OR decision IN ('granted', 'partial', 'refused')",
            name=op.f("ck_access_requests_decision_known"),
        ),
        sa.CheckConstraint(
            "requester_type IN ('police', 'ministry', 'company', 'other')",
            name=op.f("ck_access_requests_requester_type_known"),
        ),
        sa.CheckConstraint(
            "(decision IS NULL) = (decided_at IS NULL) AND (decision IS NULL) = (reason IS NULL)",
            name=op.f("ck_access_requests_decision_complete"),
        ),
        sa.CheckConstraint(
            "decided_at IS NULL OR decided_at >= received_at",
            name=op.f("ck_access_requests_decided_after_received"),
        ),
        sa.CheckConstraint(
            "length(requester) > 0", name=op.f("ck_access_requests_requester_not_empty")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_requests")),
        comment="Register of third-party requests for data, published redacted",
    )


def downgrade() -> None:
    op.drop_table("access_requests")
    with op.batch_alter_table("inventory_proposals", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_inventory_proposals_one_baseline",
            sqlite_where=sa.text("kind = 'baseline'"),
            postgresql_where=sa.text("kind = 'baseline'"),
        )
    op.drop_table("inventory_proposals")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_log_recorded_at"))
    op.drop_table("audit_log")
