"""Publish API: the exposures table (published temporary exposure keys).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_REPORT_TYPES = "('', 'confirmed', 'likely', 'negative', 'user-report')"


def upgrade() -> None:
    op.create_table(
        "exposures",
        sa.Column(
            "exposure_key",
            sa.LargeBinary(length=16),
            nullable=False,
            comment="The 16-byte temporary exposure key",
        ),
        sa.Column(
            "transmission_risk",
            sa.Integer(),
            nullable=False,
            comment="Transmission risk 0..8 (backfilled from the report type when 0)",
        ),
        sa.Column(
            "health_authority_id",
            sa.Integer(),
            nullable=True,
            comment="Authority whose certificate admitted the key; NULL for federated keys",
        ),
        sa.Column(
            "regions",
            sa.String(length=200),
            nullable=False,
            comment="Comma-separated region codes (ISO 3166) the key is exported to",
        ),
        sa.Column(
            "traveler",
            sa.Boolean(),
            server_default=sa.false(),
            nullable=False,
            comment="True if the uploader travelled outside their home region",
        ),
        sa.Column(
            "interval_number",
            sa.Integer(),
            nullable=False,
            comment="ENIntervalNumber at which the key's validity starts",
        ),
        sa.Column(
            "interval_count",
            sa.Integer(),
            nullable=False,
            comment="Number of 10-minute intervals the key is valid for (1..144)",
        ),
        sa.Column(
            "created_at",
            sa.DateTime(),
            nullable=False,
            comment="Arrival truncated to the truncate window, or embargoed release time; "
            "export windows select on it",
        ),
        sa.Column(
            "local_provenance",
            sa.Boolean(),
            server_default=sa.true(),
            nullable=False,
            comment="True if published here, False if imported from a federation peer",
        ),
        sa.Column(
            "federation_source",
            sa.String(length=200),
            nullable=True,
            comment="Federation peer the key was imported from; NULL if local",
        ),
        sa.Column(
            "report_type",
            sa.String(length=20),
            server_default="",
            nullable=False,
            comment="confirmed/likely/negative/user-report, or empty if unknown",
        ),
        sa.Column(
            "days_since_symptom_onset",
            sa.Integer(),
            nullable=True,
            comment="Days from symptom onset to the key's day (-14..14), if known",
        ),
        sa.Column(
            "revised_report_type",
            sa.String(length=20),
            nullable=True,
            comment="Report type after the one allowed revision",
        ),
        sa.Column(
            "revised_at",
            sa.DateTime(),
            nullable=True,
            comment="When revised, truncated to the truncate window",
        ),
        sa.Column(
            "revised_days_since_symptom_onset",
            sa.Integer(),
            nullable=True,
            comment="Days since symptom onset after the revision",
        ),
        sa.Column(
            "revised_transmission_risk",
            sa.Integer(),
            nullable=True,
            comment="Transmission risk after the revision",
        ),
        sa.CheckConstraint(
            "length(exposure_key) = 16", name=op.f("ck_exposures_exposure_key_is_16_bytes")
        ),
        sa.CheckConstraint(
            "transmission_risk BETWEEN 0 AND 8", name=op.f("ck_exposures_transmission_risk_range")
        ),
        sa.CheckConstraint(
            "interval_number >= 0", name=op.f("ck_exposures_interval_number_not_negative")
        ),
        sa.CheckConstraint(
            "interval_count BETWEEN 1 AND 144", name=op.f("ck_exposures_interval_count_range")
        ),
        sa.CheckConstraint("length(regions) >= 2", name=op.f("ck_exposures_regions_not_empty")),
        sa.CheckConstraint(
            f"report_type IN {_REPORT_TYPES}", name=op.f("ck_exposures_report_type_known")
        ),
        sa.CheckConstraint(
            "days_since_symptom_onset IS NULL OR days_since_symptom_onset BETWEEN -14 AND 14",
            name=op.f("ck_exposures_days_since_symptom_onset_range"),
        ),
        sa.CheckConstraint(
            f"revised_report_type IS NULL OR revised_report_type IN {_REPORT_TYPES}",
            name=op.f("ck_exposures_revised_report_type_known"),
        ),
        sa.CheckConstraint(
            "revised_days_since_symptom_onset IS NULL OR revised_days_since_symptom_onset "
            "BETWEEN -14 AND 14",
            name=op.f("ck_exposures_revised_days_since_symptom_onset_range"),
        ),
        sa.CheckConstraint(
            "revised_transmission_risk IS NULL OR revised_transmission_risk BETWEEN 0 AND 8",
            name=op.f("ck_exposures_revised_transmission_risk_range"),
        ),
        sa.CheckConstraint(
            "revised_report_type IS NULL OR revised_at IS NOT NULL",
            name=op.f("ck_exposures_revision_has_time"),
        ),
        sa.CheckConstraint(
            "NOT (local_provenance AND federation_source IS NOT NULL)",
            name=op.f("ck_exposures_local_keys_not_federated"),
        ),
        sa.ForeignKeyConstraint(
            ["health_authority_id"],
            ["health_authorities.id"],
            name=op.f("fk_exposures_health_authority_id_health_authorities"),
        ),
        sa.PrimaryKeyConstraint("exposure_key", name=op.f("pk_exposures")),
        comment="Published temporary exposure keys awaiting export; nothing about senders",
    )
    with op.batch_alter_table("exposures", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_exposures_created_at"), ["created_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_exposures_health_authority_id"), ["health_authority_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_exposures_revised_at"), ["revised_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("exposures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exposures_revised_at"))
        batch_op.drop_index(batch_op.f("ix_exposures_health_authority_id"))
        batch_op.drop_index(batch_op.f("ix_exposures_created_at"))

    op.drop_table("exposures")
