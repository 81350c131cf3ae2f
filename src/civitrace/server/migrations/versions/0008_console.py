"""Console: staff accounts, sessions, cases, and voluntary quarantine follow-up.

Also the deployment-wide counter of failed sign-ins (never per client) and the link between a
case and the check-in report submissions staff attached to it. No table holds a location, a
name, an address or a phone number.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 11:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "staff_login_failures",
        sa.Column(
            "window_start",
            sa.DateTime(),
            nullable=False,
            comment="Start of the time bucket",
        ),
        sa.Column("count", sa.Integer(), nullable=False, comment="Failed sign-ins in it"),
        sa.CheckConstraint("count >= 0", name=op.f("ck_staff_login_failures_count_not_negative")),
        sa.PrimaryKeyConstraint("window_start", name=op.f("pk_staff_login_failures")),
        comment="Failed console sign-ins per time window, for a global throttle",
    )
    op.create_table(
        "cases",
        sa.Column("id", sa.Integer(), nullable=False, comment="Surrogate key"),
        sa.Column(
            "health_authority_id",
            sa.Integer(),
            nullable=False,
            comment="Authority handling the case",
        ),
        sa.Column(
            "reference",
            sa.String(length=16),
            nullable=False,
            comment="Random pseudonymous reference, e.g. C-7K3M9Q2X",
        ),
        sa.Column("test_type", sa.String(length=20), nullable=False, comment="confirmed or likely"),
        sa.Column("test_date", sa.Date(), nullable=False, comment="Day of the positive test"),
        sa.Column(
            "symptom_onset",
            sa.Date(),
            nullable=True,
            comment="First day of symptoms; NULL without symptoms",
        ),
        sa.Column("status", sa.String(length=10), nullable=False, comment="open or closed"),
        sa.Column(
            "opened_at",
            sa.DateTime(),
            nullable=False,
            comment="When it was opened",
        ),
        sa.Column(
            "closed_at",
            sa.DateTime(),
            nullable=True,
            comment="When it was closed; retention counts from it",
        ),
        sa.Column(
            "code_uuid",
            sa.String(length=36),
            nullable=True,
            comment="uuid of the last verification code issued for it (not the code)",
        ),
        sa.Column(
            "code_issued_at",
            sa.DateTime(),
            nullable=True,
            comment="When that code was issued",
        ),
        sa.CheckConstraint(
            "(status = 'closed') = (closed_at IS NOT NULL)", name=op.f("ck_cases_closed_has_time")
        ),
        sa.CheckConstraint("status IN ('open', 'closed')", name=op.f("ck_cases_status_known")),
        sa.CheckConstraint(
            "test_type IN ('confirmed', 'likely')", name=op.f("ck_cases_test_type_known")
        ),
        sa.CheckConstraint("length(reference) >= 8", name=op.f("ck_cases_reference_length")),
        sa.ForeignKeyConstraint(
            ["health_authority_id"],
            ["health_authorities.id"],
            name=op.f("fk_cases_health_authority_id_health_authorities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cases")),
        sa.UniqueConstraint("reference", name=op.f("uq_cases_reference")),
        comment="Pseudonymous cases: test type and date, symptom onset, workflow state",
    )
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cases_closed_at"), ["closed_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_cases_health_authority_id"), ["health_authority_id"], unique=False
        )

    op.create_table(
        "quarantine_followups",
        sa.Column("id", sa.Integer(), nullable=False, comment="Surrogate key"),
        sa.Column(
            "health_authority_id",
            sa.Integer(),
            nullable=False,
            comment="Authority offering the follow-up",
        ),
        sa.Column(
            "reference",
            sa.String(length=16),
            nullable=False,
            comment="Random reference case workers note, e.g. F-4KM7Q2XZ",
        ),
        sa.Column(
            "token_hash",
            sa.LargeBinary(length=32),
            nullable=False,
            comment="SHA-256 of the secret code in the person's link (the code is not stored)",
        ),
        sa.Column(
            "enrolled_at",
            sa.DateTime(),
            nullable=False,
            comment="When it was set up",
        ),
        sa.Column(
            "ends_at",
            sa.DateTime(),
            nullable=False,
            comment="End of the follow-up (planned, or when stopped); retention counts from it",
        ),
        sa.Column(
            "stopped",
            sa.Boolean(),
            server_default=sa.false(),
            nullable=False,
            comment="True if the person or a case worker ended it before the planned end",
        ),
        sa.CheckConstraint(
            "ends_at >= enrolled_at", name=op.f("ck_quarantine_followups_ends_after_enrolled")
        ),
        sa.CheckConstraint(
            "length(token_hash) = 32", name=op.f("ck_quarantine_followups_token_hash_is_sha256")
        ),
        sa.ForeignKeyConstraint(
            ["health_authority_id"],
            ["health_authorities.id"],
            name=op.f("fk_quarantine_followups_health_authority_id_health_authorities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quarantine_followups")),
        sa.UniqueConstraint("reference", name=op.f("uq_quarantine_followups_reference")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_quarantine_followups_token_hash")),
        comment="Voluntary quarantine follow-up of a contact; never a location",
    )
    with op.batch_alter_table("quarantine_followups", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_quarantine_followups_ends_at"), ["ends_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_quarantine_followups_health_authority_id"),
            ["health_authority_id"],
            unique=False,
        )

    op.create_table(
        "staff_accounts",
        sa.Column("id", sa.Integer(), nullable=False, comment="Surrogate key"),
        sa.Column(
            "health_authority_id",
            sa.Integer(),
            nullable=False,
            comment="Authority the staff member works for",
        ),
        sa.Column(
            "username",
            sa.String(length=64),
            nullable=False,
            comment="Sign-in name (lower case letters, digits, . _ -)",
        ),
        sa.Column(
            "role",
            sa.String(length=20),
            nullable=False,
            comment="admin, case-worker, venue-tracer, statistician or auditor",
        ),
        sa.Column(
            "password_hash",
            sa.String(length=256),
            nullable=False,
            comment="argon2id hash in PHC string format",
        ),
        sa.Column(
            "totp_secret",
            sa.LargeBinary(),
            nullable=True,
            comment="nonce || AES-256-GCM(KEK, TOTP secret), AAD = account id; or NULL",
        ),
        sa.Column(
            "totp_confirmed_at",
            sa.DateTime(),
            nullable=True,
            comment="When the TOTP secret was confirmed; sign-in needs it from then on",
        ),
        sa.Column(
            "totp_last_step",
            sa.Integer(),
            nullable=True,
            comment="Time step of the last TOTP code accepted (a code is used once)",
        ),
        sa.Column(
            "failed_logins",
            sa.Integer(),
            server_default="0",
            nullable=False,
            comment="Wrong passwords or codes since the last successful sign-in",
        ),
        sa.Column(
            "locked_until",
            sa.DateTime(),
            nullable=True,
            comment="Sign-in refused until then after too many failures",
        ),
        sa.Column(
            "created_at",
            sa.DateTime(),
            nullable=False,
            comment="When it was created",
        ),
        sa.Column(
            "disabled_at",
            sa.DateTime(),
            nullable=True,
            comment="When it was disabled; retention counts from it; NULL while active",
        ),
        sa.CheckConstraint(
            "role IN ('admin', 'case-worker', 'venue-tracer', 'statistician', 'auditor')",
            name=op.f("ck_staff_accounts_role_known"),
        ),
        sa.CheckConstraint(
            "failed_logins >= 0", name=op.f("ck_staff_accounts_failed_logins_not_negative")
        ),
        sa.CheckConstraint(
            "length(username) BETWEEN 3 AND 64", name=op.f("ck_staff_accounts_username_length")
        ),
        sa.CheckConstraint(
            "totp_confirmed_at IS NULL OR totp_secret IS NOT NULL",
            name=op.f("ck_staff_accounts_confirmed_totp_has_secret"),
        ),
        sa.ForeignKeyConstraint(
            ["health_authority_id"],
            ["health_authorities.id"],
            name=op.f("fk_staff_accounts_health_authority_id_health_authorities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_accounts")),
        sa.UniqueConstraint("username", name=op.f("uq_staff_accounts_username")),
        comment="Staff accounts of the console: user name, role, password hash, TOTP",
    )
    with op.batch_alter_table("staff_accounts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_staff_accounts_health_authority_id"),
            ["health_authority_id"],
            unique=False,
        )

    op.create_table(
        "case_submissions",
        sa.Column("case_id", sa.Integer(), nullable=False, comment="The case"),
        sa.Column(
            "submission_id",
            sa.String(length=36),
            nullable=False,
            comment="The submission (it belongs to one case at most)",
        ),
        sa.Column(
            "linked_at",
            sa.DateTime(),
            nullable=False,
            comment="When it was attached; retention counts from it",
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_case_submissions_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["checkin_submissions.id"],
            name=op.f("fk_case_submissions_submission_id_checkin_submissions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("case_id", "submission_id", name=op.f("pk_case_submissions")),
        sa.UniqueConstraint("submission_id", name=op.f("uq_case_submissions_submission_id")),
        comment="Which shared check-in report submission belongs to which case",
    )
    op.create_table(
        "quarantine_checkins",
        sa.Column("id", sa.Integer(), nullable=False, comment="Surrogate key"),
        sa.Column("followup_id", sa.Integer(), nullable=False, comment="The follow-up answered"),
        sa.Column(
            "day", sa.Date(), nullable=False, comment="UTC day answered; retention counts from it"
        ),
        sa.Column(
            "feeling",
            sa.String(length=12),
            nullable=False,
            comment="well, okay, unwell or very-unwell",
        ),
        sa.Column(
            "symptoms",
            sa.String(length=200),
            server_default="",
            nullable=False,
            comment="Comma-separated symptoms from a fixed list (fever, cough, ...); no free text",
        ),
        sa.Column(
            "needs_food",
            sa.Boolean(),
            server_default=sa.false(),
            nullable=False,
            comment="Asked for food",
        ),
        sa.Column(
            "needs_medicine",
            sa.Boolean(),
            server_default=sa.false(),
            nullable=False,
            comment="Asked for medicine",
        ),
        sa.Column(
            "needs_help",
            sa.Boolean(),
            server_default=sa.false(),
            nullable=False,
            comment="Asked to be called for help",
        ),
        sa.Column(
            "handled_at",
            sa.DateTime(),
            nullable=True,
            comment="When a case worker marked the request for help as dealt with",
        ),
        sa.CheckConstraint(
            "feeling IN ('well', 'okay', 'unwell', 'very-unwell')",
            name=op.f("ck_quarantine_checkins_feeling_known"),
        ),
        sa.ForeignKeyConstraint(
            ["followup_id"],
            ["quarantine_followups.id"],
            name=op.f("fk_quarantine_checkins_followup_id_quarantine_followups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quarantine_checkins")),
        sa.UniqueConstraint("followup_id", "day", name=op.f("uq_quarantine_checkins_followup_id")),
        comment="Daily answers of people in voluntary follow-up; never a location",
    )
    with op.batch_alter_table("quarantine_checkins", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_quarantine_checkins_followup_id"), ["followup_id"], unique=False
        )

    op.create_table(
        "staff_sessions",
        sa.Column("id", sa.Integer(), nullable=False, comment="Surrogate key"),
        sa.Column(
            "token_hash",
            sa.LargeBinary(length=32),
            nullable=False,
            comment="SHA-256 of the session cookie's token",
        ),
        sa.Column("account_id", sa.Integer(), nullable=False, comment="Staff account signed in"),
        sa.Column(
            "stage",
            sa.String(length=20),
            nullable=False,
            comment="second-factor (awaiting a TOTP code) or active",
        ),
        sa.Column(
            "csrf_token",
            sa.String(length=64),
            nullable=False,
            comment="Synchronizer token every form of this session must carry",
        ),
        sa.Column(
            "created_at",
            sa.DateTime(),
            nullable=False,
            comment="Sign-in time",
        ),
        sa.Column(
            "last_seen_at",
            sa.DateTime(),
            nullable=False,
            comment="Last request; the session ends after the idle timeout",
        ),
        sa.Column(
            "ends_at",
            sa.DateTime(),
            nullable=False,
            comment="Absolute expiry, or sign-out time; retention counts from it",
        ),
        sa.CheckConstraint(
            "stage IN ('second-factor', 'active')", name=op.f("ck_staff_sessions_stage_known")
        ),
        sa.CheckConstraint(
            "ends_at >= created_at", name=op.f("ck_staff_sessions_ends_after_created")
        ),
        sa.CheckConstraint(
            "length(token_hash) = 32", name=op.f("ck_staff_sessions_token_hash_is_sha256")
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["staff_accounts.id"],
            name=op.f("fk_staff_sessions_account_id_staff_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_staff_sessions_token_hash")),
        comment="Console sessions: cookie hash, CSRF token, idle and absolute expiry",
    )
    with op.batch_alter_table("staff_sessions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_staff_sessions_account_id"), ["account_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_staff_sessions_ends_at"), ["ends_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("staff_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staff_sessions_ends_at"))
        batch_op.drop_index(batch_op.f("ix_staff_sessions_account_id"))

    op.drop_table("staff_sessions")
    with op.batch_alter_table("quarantine_checkins", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quarantine_checkins_followup_id"))

    op.drop_table("quarantine_checkins")
    op.drop_table("case_submissions")
    with op.batch_alter_table("staff_accounts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staff_accounts_health_authority_id"))

    op.drop_table("staff_accounts")
    with op.batch_alter_table("quarantine_followups", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quarantine_followups_health_authority_id"))
        batch_op.drop_index(batch_op.f("ix_quarantine_followups_ends_at"))

    op.drop_table("quarantine_followups")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cases_health_authority_id"))
        batch_op.drop_index(batch_op.f("ix_cases_closed_at"))

    op.drop_table("cases")
    op.drop_table("staff_login_failures")
