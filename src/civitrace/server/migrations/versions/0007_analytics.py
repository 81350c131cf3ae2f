"""Analytics: the privacy-budget ledger of differentially private releases.

The budget of each period (ISO week), the ledger of charged releases, the published release
tables, and the per-day totals of randomized-response usage reports.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 11:00:00.000000
"""

from collections.abc import Sequence
from datetime import date

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_KINDS = "'cases', 'age_bands', 'venue_warnings', 'test_positivity', 'positives', 'tests'"


def _window() -> list[sa.Column[date]]:
    return [
        sa.Column(
            "window_start", sa.Date(), nullable=False, comment="First day of the data window"
        ),
        sa.Column("window_end", sa.Date(), nullable=False, comment="Last day of the data window"),
    ]


def upgrade() -> None:
    op.create_table(
        "privacy_budgets",
        sa.Column("period", sa.String(length=8), nullable=False, comment="ISO week, e.g. 2026-W03"),
        sa.Column(
            "epsilon",
            sa.Float(),
            nullable=False,
            comment="Total ε the period's releases may spend (basic composition)",
        ),
        sa.Column(
            "delta",
            sa.Float(),
            nullable=False,
            comment="Total δ the period's releases may spend",
        ),
        sa.Column(
            "created_at",
            sa.DateTime(),
            nullable=False,
            comment="When the first release of the period fixed this budget",
        ),
        sa.CheckConstraint("delta >= 0 AND delta < 1", name=op.f("ck_privacy_budgets_delta_range")),
        sa.CheckConstraint("epsilon > 0", name=op.f("ck_privacy_budgets_epsilon_positive")),
        sa.CheckConstraint(
            "length(period) = 8", name=op.f("ck_privacy_budgets_period_is_iso_week")
        ),
        sa.PrimaryKeyConstraint("period", name=op.f("pk_privacy_budgets")),
        comment="Privacy budget of each period (ISO week) of DP statistics",
    )
    op.create_table(
        "privacy_ledger",
        sa.Column("id", sa.Integer(), nullable=False, comment="Surrogate key, in order"),
        sa.Column(
            "release_id",
            sa.String(length=32),
            nullable=False,
            comment="Id of the release that was charged",
        ),
        sa.Column(
            "period",
            sa.String(length=8),
            nullable=False,
            comment="Budget period (ISO week) the release was charged to",
        ),
        sa.Column(
            "kind",
            sa.String(length=40),
            nullable=False,
            comment="What was counted (cases, tests, ...)",
        ),
        sa.Column(
            "mechanism",
            sa.String(length=200),
            nullable=False,
            comment="Noise mechanism, as OpenDP's",
        ),
        sa.Column("epsilon", sa.Float(), nullable=False, comment="ε OpenDP's privacy map gave"),
        sa.Column(
            "delta", sa.Float(), nullable=False, comment="δ of the mechanism (0 for pure DP)"
        ),
        sa.Column(
            "sensitivity",
            sa.Integer(),
            nullable=False,
            comment="L1 sensitivity of the counts: records one person may add",
        ),
        *_window(),
        sa.Column("recorded_at", sa.DateTime(), nullable=False, comment="When it was charged"),
        sa.CheckConstraint("delta >= 0 AND delta < 1", name=op.f("ck_privacy_ledger_delta_range")),
        sa.CheckConstraint("epsilon > 0", name=op.f("ck_privacy_ledger_epsilon_positive")),
        sa.CheckConstraint("sensitivity >= 1", name=op.f("ck_privacy_ledger_sensitivity_positive")),
        sa.CheckConstraint(
            "window_end >= window_start", name=op.f("ck_privacy_ledger_window_ordered")
        ),
        sa.ForeignKeyConstraint(
            ["period"],
            ["privacy_budgets.period"],
            name=op.f("fk_privacy_ledger_period_privacy_budgets"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_privacy_ledger")),
        sa.UniqueConstraint("release_id", name=op.f("uq_privacy_ledger_release_id")),
        comment="Privacy budget ledger: one line per DP release charged to a period",
    )
    with op.batch_alter_table("privacy_ledger", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_privacy_ledger_period"), ["period"], unique=False)
    op.create_table(
        "dp_releases",
        sa.Column(
            "release_id",
            sa.String(length=32),
            nullable=False,
            comment="Public id of the release",
        ),
        sa.Column(
            "kind",
            sa.String(length=20),
            nullable=False,
            comment="Table released: cases, age_bands, test_positivity, ...",
        ),
        sa.Column(
            "period",
            sa.String(length=8),
            nullable=False,
            comment="Budget period (ISO week) of the data",
        ),
        *_window(),
        sa.Column("granularity", sa.String(length=4), nullable=False, comment="day or week cells"),
        sa.Column(
            "epsilon",
            sa.Float(),
            nullable=False,
            comment="ε of the release; of a derived ratio, the sum of its sources' ε",
        ),
        sa.Column("delta", sa.Float(), nullable=False, comment="δ of the release"),
        sa.Column(
            "derived_from",
            sa.String(length=200),
            server_default="",
            nullable=False,
            comment="Comma-separated ids a derived release was computed from; empty if charged",
        ),
        sa.Column("published_at", sa.DateTime(), nullable=False, comment="When it was published"),
        sa.Column(
            "document",
            sa.Text(),
            nullable=False,
            comment="The release as JSON: cells, intervals, suppression, ε, δ, window",
        ),
        sa.CheckConstraint(
            "granularity IN ('day', 'week')", name=op.f("ck_dp_releases_granularity_known")
        ),
        sa.CheckConstraint(f"kind IN ({_KINDS})", name=op.f("ck_dp_releases_kind_known")),
        sa.CheckConstraint("epsilon > 0", name=op.f("ck_dp_releases_epsilon_positive")),
        sa.CheckConstraint("length(period) = 8", name=op.f("ck_dp_releases_period_is_iso_week")),
        sa.CheckConstraint(
            "window_end >= window_start", name=op.f("ck_dp_releases_window_ordered")
        ),
        sa.PrimaryKeyConstraint("release_id", name=op.f("pk_dp_releases")),
        comment="Published DP statistics (noised, post-processed), as served",
    )
    with op.batch_alter_table("dp_releases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dp_releases_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_dp_releases_period"), ["period"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_dp_releases_published_at"), ["published_at"], unique=False
        )
    op.create_table(
        "usage_report_counts",
        sa.Column(
            "day",
            sa.Date(),
            nullable=False,
            comment="UTC day the reports arrived; retention counts from it",
        ),
        sa.Column(
            "flag",
            sa.String(length=40),
            nullable=False,
            comment="Declared flag, e.g. uploaded_keys",
        ),
        sa.Column(
            "epsilon",
            sa.Float(),
            nullable=False,
            comment="ε of the devices' randomized response for the flag",
        ),
        sa.Column(
            "reports", sa.Integer(), nullable=False, comment="Reports that answered the flag"
        ),
        sa.Column(
            "yes",
            sa.Integer(),
            nullable=False,
            comment="Of those, randomized answers that said yes",
        ),
        sa.CheckConstraint("epsilon > 0", name=op.f("ck_usage_report_counts_epsilon_positive")),
        sa.CheckConstraint(
            "reports >= 0", name=op.f("ck_usage_report_counts_reports_not_negative")
        ),
        sa.CheckConstraint(
            "yes BETWEEN 0 AND reports", name=op.f("ck_usage_report_counts_yes_within_reports")
        ),
        sa.PrimaryKeyConstraint("day", "flag", "epsilon", name=op.f("pk_usage_report_counts")),
        comment="Per-day totals of randomized usage answers; never a row per device",
    )


def downgrade() -> None:
    op.drop_table("usage_report_counts")
    with op.batch_alter_table("dp_releases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dp_releases_published_at"))
        batch_op.drop_index(batch_op.f("ix_dp_releases_period"))
        batch_op.drop_index(batch_op.f("ix_dp_releases_kind"))
    op.drop_table("dp_releases")
    with op.batch_alter_table("privacy_ledger", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_privacy_ledger_period"))
    op.drop_table("privacy_ledger")
    op.drop_table("privacy_budgets")
