"""Tables of analytics, on the one declarative :class:`~civitrace.server.db.models.Base`.

What the server holds for the differentially private statistics (DESIGN §6), and nothing more:

- ``privacy_budgets``: the ε/δ budget of each period (an ISO week), fixed by its first release;
  its row is also what concurrent releases of the period lock, so they cannot overspend;
- ``privacy_ledger``: one line per charged release (mechanism, ε, δ, sensitivity, window);
- ``dp_releases``: the published (noised, post-processed) tables, as the JSON the public
  downloads serve. No un-noised count, no record, no pseudonym is ever stored here;
- ``usage_report_counts``: per UTC day and flag, how many randomized-response reports arrived
  and how many said "yes". Never a row per device, no identifier, no time finer than the day.

The first three hold nothing about any person (category ``privacy_ledger``, public). Usage counts
are tagged ``usage_reports`` (personal in the inventory, kept 30 days from ``day``), although
they are aggregates of answers that were randomized on the devices.
"""

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from civitrace.analytics.constants import KINDS
from civitrace.server.db.models import Base
from civitrace.server.db.types import UTCDateTime

PRIVACY_LEDGER = "privacy_ledger"  # inventory category of the budget, ledger and releases
USAGE_REPORTS = "usage_reports"  # inventory category of the usage counts

PERIOD_LENGTH = 8  # "2026-W03"
RELEASE_ID_LENGTH = 32  # hex ids; the analytics package draws 16 hex digits


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


_PERIOD_SHAPE = "length(period) = 8"


class PrivacyPeriod(Base):
    """The budget of one period; the row concurrent releases of that period lock."""

    __tablename__ = "privacy_budgets"
    __table_args__ = (
        CheckConstraint(_PERIOD_SHAPE, name="period_is_iso_week"),
        CheckConstraint("epsilon > 0", name="epsilon_positive"),
        CheckConstraint("delta >= 0 AND delta < 1", name="delta_range"),
        {
            "comment": "Privacy budget of each period (ISO week) of DP statistics",
            "info": {"data_category": PRIVACY_LEDGER},
        },
    )

    period: Mapped[str] = mapped_column(
        String(PERIOD_LENGTH), primary_key=True, comment="ISO week, e.g. 2026-W03"
    )
    epsilon: Mapped[float] = mapped_column(
        Float, comment="Total ε the period's releases may spend (basic composition)"
    )
    delta: Mapped[float] = mapped_column(Float, comment="Total δ the period's releases may spend")
    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime, comment="When the first release of the period fixed this budget"
    )


class LedgerRecord(Base):
    """One release as charged to its period's budget, before any noise was drawn."""

    __tablename__ = "privacy_ledger"
    __table_args__ = (
        CheckConstraint("epsilon > 0", name="epsilon_positive"),
        CheckConstraint("delta >= 0 AND delta < 1", name="delta_range"),
        CheckConstraint("sensitivity >= 1", name="sensitivity_positive"),
        CheckConstraint("window_end >= window_start", name="window_ordered"),
        {
            "comment": "Privacy budget ledger: one line per DP release charged to a period",
            "info": {"data_category": PRIVACY_LEDGER},
        },
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, comment="Surrogate key, in order")
    release_id: Mapped[str] = mapped_column(
        String(RELEASE_ID_LENGTH), unique=True, comment="Id of the release that was charged"
    )
    period: Mapped[str] = mapped_column(
        ForeignKey("privacy_budgets.period"),
        index=True,
        comment="Budget period (ISO week) the release was charged to",
    )
    kind: Mapped[str] = mapped_column(String(40), comment="What was counted (cases, tests, ...)")
    mechanism: Mapped[str] = mapped_column(String(200), comment="Noise mechanism, as OpenDP's")
    epsilon: Mapped[float] = mapped_column(Float, comment="ε OpenDP's privacy map gave")
    delta: Mapped[float] = mapped_column(Float, comment="δ of the mechanism (0 for pure DP)")
    sensitivity: Mapped[int] = mapped_column(
        Integer, comment="L1 sensitivity of the counts: records one person may add"
    )
    window_start: Mapped[date] = mapped_column(Date, comment="First day of the data window")
    window_end: Mapped[date] = mapped_column(Date, comment="Last day of the data window")
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, comment="When it was charged")


class StoredRelease(Base):
    """A published table: the release document exactly as served, and what lists it."""

    __tablename__ = "dp_releases"
    __table_args__ = (
        CheckConstraint(_in("kind", KINDS), name="kind_known"),
        CheckConstraint(_PERIOD_SHAPE, name="period_is_iso_week"),
        CheckConstraint("epsilon > 0", name="epsilon_positive"),
        CheckConstraint("window_end >= window_start", name="window_ordered"),
        CheckConstraint("granularity IN ('day', 'week')", name="granularity_known"),
        {
            "comment": "Published DP statistics (noised, post-processed), as served",
            "info": {"data_category": PRIVACY_LEDGER},
        },
    )

    release_id: Mapped[str] = mapped_column(
        String(RELEASE_ID_LENGTH), primary_key=True, comment="Public id of the release"
    )
    kind: Mapped[str] = mapped_column(
        String(20), index=True, comment="Table released: cases, age_bands, test_positivity, ..."
    )
    period: Mapped[str] = mapped_column(
        String(PERIOD_LENGTH), index=True, comment="Budget period (ISO week) of the data"
    )
    window_start: Mapped[date] = mapped_column(Date, comment="First day of the data window")
    window_end: Mapped[date] = mapped_column(Date, comment="Last day of the data window")
    granularity: Mapped[str] = mapped_column(String(4), comment="day or week cells")
    epsilon: Mapped[float] = mapped_column(
        Float, comment="ε of the release; of a derived ratio, the sum of its sources' ε"
    )
    delta: Mapped[float] = mapped_column(Float, comment="δ of the release")
    derived_from: Mapped[str] = mapped_column(
        String(200),
        default="",
        server_default="",
        comment="Comma-separated ids a derived release was computed from; empty if charged",
    )
    published_at: Mapped[datetime] = mapped_column(
        UTCDateTime, index=True, comment="When it was published"
    )
    document: Mapped[str] = mapped_column(
        Text, comment="The release as JSON: cells, intervals, suppression, ε, δ, window"
    )


class UsageCount(Base):
    """Randomized-response answers about one flag on one UTC day, as two counters."""

    __tablename__ = "usage_report_counts"
    __table_args__ = (
        CheckConstraint("reports >= 0", name="reports_not_negative"),
        CheckConstraint("yes BETWEEN 0 AND reports", name="yes_within_reports"),
        CheckConstraint("epsilon > 0", name="epsilon_positive"),
        {
            "comment": "Per-day totals of randomized usage answers; never a row per device",
            "info": {"data_category": USAGE_REPORTS, "retention_column": "day"},
        },
    )

    day: Mapped[date] = mapped_column(
        Date, primary_key=True, comment="UTC day the reports arrived; retention counts from it"
    )
    flag: Mapped[str] = mapped_column(
        String(40), primary_key=True, comment="Declared flag, e.g. uploaded_keys"
    )
    epsilon: Mapped[float] = mapped_column(
        Float, primary_key=True, comment="ε of the devices' randomized response for the flag"
    )
    reports: Mapped[int] = mapped_column(Integer, comment="Reports that answered the flag")
    yes: Mapped[int] = mapped_column(Integer, comment="Of those, randomized answers that said yes")
