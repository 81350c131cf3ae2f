"""Presence tracing: encrypted check-in reports from positive tests, published warnings.

Also the no-smartphone kiosk slips, the certificates spent on submissions, the hourly warning
packages built, and the deployment-wide counter of failed slip lookups.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 11:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_HASH_COMMENT = "SHA-256 of the venue's location ID (random for fake reports)"
_RECORD_COMMENT = "AES-256-CBC ciphertext of the CheckInRecord (1 or 2 blocks)"


def _report_columns() -> list[sa.Column[bytes]]:
    """The four fields of a ``CheckInProtectedReport``, as both report tables hold them."""
    return [
        sa.Column(
            "location_id_hash", sa.LargeBinary(length=32), nullable=False, comment=_HASH_COMMENT
        ),
        sa.Column("iv", sa.LargeBinary(length=16), nullable=False, comment="AES-256-CBC IV"),
        sa.Column(
            "encrypted_check_in_record",
            sa.LargeBinary(length=32),
            nullable=False,
            comment=_RECORD_COMMENT,
        ),
        sa.Column(
            "mac",
            sa.LargeBinary(length=32),
            nullable=False,
            comment="HMAC-SHA256 over iv || record",
        ),
    ]


def _report_checks(table: str) -> list[sa.CheckConstraint]:
    return [
        sa.CheckConstraint(
            "length(encrypted_check_in_record) IN (16, 32)",
            name=op.f(f"ck_{table}_record_is_one_or_two_blocks"),
        ),
        sa.CheckConstraint("length(iv) = 16", name=op.f(f"ck_{table}_iv_is_16_bytes")),
        sa.CheckConstraint(
            "length(location_id_hash) = 32",
            name=op.f(f"ck_{table}_location_id_hash_is_32_bytes"),
        ),
        sa.CheckConstraint("length(mac) = 32", name=op.f(f"ck_{table}_mac_is_32_bytes")),
    ]


def upgrade() -> None:
    op.create_table(
        "checkin_submissions",
        sa.Column(
            "id",
            sa.String(length=36),
            nullable=False,
            comment="Random UUID, the handle staff act on",
        ),
        sa.Column(
            "health_authority_id",
            sa.Integer(),
            nullable=False,
            comment="Authority whose certificate admitted the upload; it reviews the submission",
        ),
        sa.Column(
            "status",
            sa.String(length=10),
            nullable=False,
            comment="pending, approved or rejected",
        ),
        sa.Column(
            "report_type",
            sa.String(length=20),
            nullable=False,
            comment="Test type from the certificate (confirmed, likely, user-report)",
        ),
        sa.Column(
            "report_count",
            sa.Integer(),
            nullable=False,
            comment="Reports uploaded, real and fake alike (they cannot be told apart)",
        ),
        sa.Column(
            "submitted_at",
            sa.DateTime(),
            nullable=False,
            comment="Arrival truncated to the publish truncate window",
        ),
        sa.Column(
            "decided_at",
            sa.DateTime(),
            nullable=True,
            comment="Review time truncated to the hour; NULL while pending",
        ),
        sa.CheckConstraint(
            "(status = 'pending') = (decided_at IS NULL)",
            name=op.f("ck_checkin_submissions_decided_unless_pending"),
        ),
        sa.CheckConstraint(
            "report_type IN ('confirmed', 'likely', 'negative', 'user-report')",
            name=op.f("ck_checkin_submissions_report_type_known"),
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'approved', 'rejected')",
            name=op.f("ck_checkin_submissions_status_known"),
        ),
        sa.CheckConstraint(
            "report_count >= 0", name=op.f("ck_checkin_submissions_report_count_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["health_authority_id"],
            ["health_authorities.id"],
            name=op.f("fk_checkin_submissions_health_authority_id_health_authorities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checkin_submissions")),
        comment="Check-in report uploads after a positive test, awaiting or past review",
    )
    with op.batch_alter_table("checkin_submissions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_checkin_submissions_health_authority_id"),
            ["health_authority_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_checkin_submissions_submitted_at"), ["submitted_at"], unique=False
        )

    op.create_table(
        "checkin_reports",
        sa.Column("id", sa.Integer(), nullable=False, comment="Surrogate key"),
        sa.Column(
            "submission_id",
            sa.String(length=36),
            nullable=False,
            comment="Submission the report came in",
        ),
        *_report_columns(),
        sa.Column(
            "submitted_at",
            sa.DateTime(),
            nullable=False,
            comment="The submission's truncated arrival time (retention counts from it)",
        ),
        *_report_checks("checkin_reports"),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["checkin_submissions.id"],
            name=op.f("fk_checkin_reports_submission_id_checkin_submissions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checkin_reports")),
        comment="Encrypted check-in reports of pending submissions (opaque to the server)",
    )
    with op.batch_alter_table("checkin_reports", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_checkin_reports_submission_id"), ["submission_id"], unique=False
        )

    op.create_table(
        "venue_warnings",
        sa.Column("id", sa.Integer(), nullable=False, comment="Surrogate key"),
        sa.Column(
            "region",
            sa.String(length=10),
            nullable=False,
            comment="Region code (ISO 3166) whose packages carry the warning",
        ),
        *_report_columns(),
        sa.Column(
            "published_at",
            sa.DateTime(),
            nullable=False,
            comment="Hour of approval (truncated); retention counts from it",
        ),
        sa.Column(
            "package_interval",
            sa.Integer(),
            nullable=True,
            comment="Hour (since the epoch) of the package carrying it; NULL until packaged",
        ),
        *_report_checks("venue_warnings"),
        sa.CheckConstraint("length(region) >= 2", name=op.f("ck_venue_warnings_region_not_empty")),
        sa.CheckConstraint(
            "package_interval IS NULL OR package_interval >= 0",
            name=op.f("ck_venue_warnings_package_interval_range"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_venue_warnings")),
        comment="Published venue warnings (encrypted check-in reports) per region",
    )
    with op.batch_alter_table("venue_warnings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_venue_warnings_published_at"), ["published_at"], unique=False
        )
        batch_op.create_index(
            "ix_venue_warnings_region_package_interval",
            ["region", "package_interval"],
            unique=False,
        )

    op.create_table(
        "kiosk_slips",
        sa.Column(
            "slip_id",
            sa.LargeBinary(length=32),
            nullable=False,
            comment="HKDF(PBKDF2(code)): the lookup id; the code cannot be recovered from it",
        ),
        sa.Column(
            "ciphertext",
            sa.LargeBinary(length=1052),
            nullable=False,
            comment="nonce || AES-256-GCM(key from the code, padded check-in), fixed size",
        ),
        sa.Column(
            "uploaded_at",
            sa.DateTime(),
            nullable=False,
            comment="UTC midnight of the upload day; nothing finer",
        ),
        sa.CheckConstraint(
            "length(ciphertext) = 1052", name=op.f("ck_kiosk_slips_ciphertext_fixed_size")
        ),
        sa.CheckConstraint("length(slip_id) = 32", name=op.f("ck_kiosk_slips_slip_id_is_32_bytes")),
        sa.PrimaryKeyConstraint("slip_id", name=op.f("pk_kiosk_slips")),
        comment="Encrypted kiosk check-in slips; only the printed code decrypts them",
    )
    with op.batch_alter_table("kiosk_slips", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_kiosk_slips_uploaded_at"), ["uploaded_at"], unique=False
        )

    op.create_table(
        "presence_spent_certificates",
        sa.Column(
            "certificate_hash",
            sa.LargeBinary(length=32),
            nullable=False,
            comment="SHA-256 of the JWT's header.payload",
        ),
        sa.Column(
            "expires_at",
            sa.DateTime(),
            nullable=False,
            comment="The certificate's exp; the row is useless after it",
        ),
        sa.CheckConstraint(
            "length(certificate_hash) = 32",
            name=op.f("ck_presence_spent_certificates_certificate_hash_is_sha256"),
        ),
        sa.PrimaryKeyConstraint("certificate_hash", name=op.f("pk_presence_spent_certificates")),
        comment="Certificates spent on check-in report submissions, until they expire",
    )
    with op.batch_alter_table("presence_spent_certificates", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_presence_spent_certificates_expires_at"), ["expires_at"], unique=False
        )

    op.create_table(
        "warning_packages",
        sa.Column("id", sa.Integer(), nullable=False, comment="Surrogate key"),
        sa.Column(
            "region", sa.String(length=10), nullable=False, comment="Region code of the package"
        ),
        sa.Column(
            "interval_number",
            sa.Integer(),
            nullable=False,
            comment="Hours since the epoch of the hour the package covers",
        ),
        sa.Column("status", sa.String(length=10), nullable=False, comment="pending or complete"),
        sa.Column(
            "report_count", sa.Integer(), nullable=False, comment="Warnings the package carries"
        ),
        sa.Column("created_at", sa.DateTime(), nullable=False, comment="When it was begun"),
        sa.Column(
            "completed_at",
            sa.DateTime(),
            nullable=True,
            comment="When its file was written; NULL while pending",
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'complete')", name=op.f("ck_warning_packages_status_known")
        ),
        sa.CheckConstraint(
            "interval_number >= 0", name=op.f("ck_warning_packages_interval_number_not_negative")
        ),
        sa.CheckConstraint(
            "length(region) >= 2", name=op.f("ck_warning_packages_region_not_empty")
        ),
        sa.CheckConstraint(
            "report_count >= 0", name=op.f("ck_warning_packages_report_count_not_negative")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_warning_packages")),
        sa.UniqueConstraint("region", "interval_number", name=op.f("uq_warning_packages_region")),
        comment="Hourly warning packages built per region, so none is built twice",
    )

    op.create_table(
        "slip_lookup_failures",
        sa.Column(
            "window_start", sa.DateTime(), nullable=False, comment="Start of the time bucket"
        ),
        sa.Column(
            "count", sa.Integer(), nullable=False, comment="Lookups that found no slip in it"
        ),
        sa.CheckConstraint("count >= 0", name=op.f("ck_slip_lookup_failures_count_not_negative")),
        sa.PrimaryKeyConstraint("window_start", name=op.f("pk_slip_lookup_failures")),
        comment="Failed slip lookups per time window, for a global rate limit",
    )


def downgrade() -> None:
    op.drop_table("slip_lookup_failures")
    op.drop_table("warning_packages")
    with op.batch_alter_table("presence_spent_certificates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_presence_spent_certificates_expires_at"))
    op.drop_table("presence_spent_certificates")
    with op.batch_alter_table("kiosk_slips", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_kiosk_slips_uploaded_at"))
    op.drop_table("kiosk_slips")
    with op.batch_alter_table("venue_warnings", schema=None) as batch_op:
        batch_op.drop_index("ix_venue_warnings_region_package_interval")
        batch_op.drop_index(batch_op.f("ix_venue_warnings_published_at"))
    op.drop_table("venue_warnings")
    with op.batch_alter_table("checkin_reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_checkin_reports_submission_id"))
    op.drop_table("checkin_reports")
    with op.batch_alter_table("checkin_submissions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_checkin_submissions_submitted_at"))
        batch_op.drop_index(batch_op.f("ix_checkin_submissions_health_authority_id"))
    op.drop_table("checkin_submissions")
