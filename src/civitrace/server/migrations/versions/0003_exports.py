"""Export batches: per-region configuration, signing keys, batches built, padding keys.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_REPORT_TYPES = "('', 'confirmed', 'likely', 'negative', 'user-report')"


def upgrade() -> None:
    op.create_table(
        "export_configs",
        sa.Column("id", sa.Integer(), nullable=False, comment="Surrogate key"),
        sa.Column(
            "region",
            sa.String(length=10),
            nullable=False,
            comment="Region code (ISO 3166) whose keys are exported",
        ),
        sa.Column(
            "period_seconds",
            sa.Integer(),
            nullable=False,
            comment="Window length in seconds; divides 24 h, windows align to UTC midnight",
        ),
        sa.Column(
            "min_window_age_seconds",
            sa.Integer(),
            nullable=False,
            comment="Seconds a window must be past its end before it is built",
        ),
        sa.Column(
            "min_records",
            sa.Integer(),
            nullable=False,
            comment="Batches with fewer real keys are padded to this (plus a random range)",
        ),
        sa.Column(
            "padding_range",
            sa.Integer(),
            nullable=False,
            comment="Padding target is min_records + rand[0, padding_range]",
        ),
        sa.Column(
            "max_records",
            sa.Integer(),
            nullable=False,
            comment="Most keys in one export file; larger batches are split",
        ),
        sa.Column(
            "start_at",
            sa.DateTime(),
            nullable=False,
            comment="Start of the first window to build (aligned to the period)",
        ),
        sa.Column("created_at", sa.DateTime(), nullable=False, comment="When it was created"),
        sa.CheckConstraint(
            "period_seconds BETWEEN 1 AND 86400 AND 86400 % period_seconds = 0",
            name=op.f("ck_export_configs_period_divides_day"),
        ),
        sa.CheckConstraint(
            "min_window_age_seconds >= 0",
            name=op.f("ck_export_configs_min_window_age_not_negative"),
        ),
        sa.CheckConstraint(
            "min_records >= 0", name=op.f("ck_export_configs_min_records_not_negative")
        ),
        sa.CheckConstraint(
            "padding_range >= 0", name=op.f("ck_export_configs_padding_range_not_negative")
        ),
        sa.CheckConstraint("max_records >= 1", name=op.f("ck_export_configs_max_records_positive")),
        sa.CheckConstraint("length(region) >= 2", name=op.f("ck_export_configs_region_not_empty")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_export_configs")),
        sa.UniqueConstraint("region", name=op.f("uq_export_configs_region")),
        comment="Export batch configuration per region",
    )
    op.create_table(
        "export_signing_keys",
        sa.Column("id", sa.Integer(), nullable=False, comment="Surrogate key"),
        sa.Column(
            "key_id",
            sa.String(length=64),
            nullable=False,
            comment="verification_key_id devices are configured with (may be empty)",
        ),
        sa.Column(
            "key_version",
            sa.String(length=64),
            nullable=False,
            comment="verification_key_version devices are configured with",
        ),
        sa.Column(
            "encrypted_private_key",
            sa.LargeBinary(),
            nullable=False,
            comment="12-byte nonce || AES-256-GCM(KEK, PKCS#8 PEM), AAD = id and version",
        ),
        sa.Column("public_key_pem", sa.Text(), nullable=False, comment="SubjectPublicKeyInfo PEM"),
        sa.Column(
            "active",
            sa.Boolean(),
            server_default=sa.false(),
            nullable=False,
            comment="True while it signs new export files",
        ),
        sa.Column("created_at", sa.DateTime(), nullable=False, comment="When it was generated"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_export_signing_keys")),
        sa.UniqueConstraint("key_id", "key_version", name=op.f("uq_export_signing_keys_key_id")),
        comment="Keys signing export files; private halves AES-GCM encrypted with the KEK",
    )
    op.create_table(
        "export_batches",
        sa.Column("id", sa.Integer(), nullable=False, comment="Surrogate key"),
        sa.Column(
            "region", sa.String(length=10), nullable=False, comment="Region code of the batch"
        ),
        sa.Column("start_at", sa.DateTime(), nullable=False, comment="Window start (inclusive)"),
        sa.Column("end_at", sa.DateTime(), nullable=False, comment="Window end (exclusive)"),
        sa.Column("status", sa.String(length=10), nullable=False, comment="pending or complete"),
        sa.Column("key_count", sa.Integer(), nullable=False, comment="Real keys in the batch"),
        sa.Column(
            "padding_count", sa.Integer(), nullable=False, comment="Fake keys added as padding"
        ),
        sa.Column(
            "revised_key_count", sa.Integer(), nullable=False, comment="Keys in revised_keys"
        ),
        sa.Column(
            "file_names",
            sa.Text(),
            nullable=False,
            comment="Newline-separated storage names of the batch's files",
        ),
        sa.Column("created_at", sa.DateTime(), nullable=False, comment="When the batch was begun"),
        sa.Column(
            "completed_at",
            sa.DateTime(),
            nullable=True,
            comment="When its files were written; NULL while pending",
        ),
        sa.CheckConstraint("end_at > start_at", name=op.f("ck_export_batches_window_not_empty")),
        sa.CheckConstraint(
            "status IN ('pending', 'complete')", name=op.f("ck_export_batches_status_known")
        ),
        sa.CheckConstraint(
            "key_count >= 0 AND padding_count >= 0 AND revised_key_count >= 0",
            name=op.f("ck_export_batches_counts_not_negative"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_export_batches")),
        sa.UniqueConstraint("region", "start_at", name=op.f("uq_export_batches_region")),
        comment="Export windows built per region, so that none is built twice",
    )
    with op.batch_alter_table("export_batches", schema=None) as batch_op:
        batch_op.create_index("ix_export_batches_end_at", ["end_at"], unique=False)

    op.create_table(
        "export_padding_keys",
        sa.Column(
            "exposure_key", sa.LargeBinary(length=16), nullable=False, comment="16 random bytes"
        ),
        sa.Column("batch_id", sa.Integer(), nullable=False, comment="Batch the key pads"),
        sa.Column(
            "transmission_risk", sa.Integer(), nullable=False, comment="Copied from a real key"
        ),
        sa.Column(
            "interval_number", sa.Integer(), nullable=False, comment="Copied from a real key"
        ),
        sa.Column("interval_count", sa.Integer(), nullable=False, comment="Copied from a real key"),
        sa.Column(
            "report_type", sa.String(length=20), nullable=False, comment="Copied from a real key"
        ),
        sa.Column(
            "days_since_symptom_onset",
            sa.Integer(),
            nullable=True,
            comment="Copied from a real key",
        ),
        sa.CheckConstraint(
            "length(exposure_key) = 16",
            name=op.f("ck_export_padding_keys_exposure_key_is_16_bytes"),
        ),
        sa.CheckConstraint(
            f"report_type IN {_REPORT_TYPES}",
            name=op.f("ck_export_padding_keys_report_type_known"),
        ),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["export_batches.id"],
            name=op.f("fk_export_padding_keys_batch_id_export_batches"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("exposure_key", name=op.f("pk_export_padding_keys")),
        comment="Random padding keys of export batches, metadata cloned from real keys",
    )
    with op.batch_alter_table("export_padding_keys", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_export_padding_keys_batch_id"), ["batch_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("export_padding_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_export_padding_keys_batch_id"))
    op.drop_table("export_padding_keys")
    with op.batch_alter_table("export_batches", schema=None) as batch_op:
        batch_op.drop_index("ix_export_batches_end_at")
    op.drop_table("export_batches")
    op.drop_table("export_signing_keys")
    op.drop_table("export_configs")
