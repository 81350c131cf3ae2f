"""Settings of the presence server: limits, retentions, the slip-lookup rate limit.

Frozen once read, like every settings section; values that would keep data longer than the
protocol needs, or make slips guessable online, are refused at start-up. The section is read
from ``Settings.presence`` (``CIVITRACE_PRESENCE__…``) once the server's settings object
carries it; until then :func:`presence_settings` falls back to the defaults.

Retention of rows is the governance inventory's (``checkin_reports`` 14 days, ``venue_warnings``
28 days, ``kiosk_slips`` 14 days as shipped), enforced by ``civitrace retention run``. The three
retentions here can only *shorten* those (:func:`shorter_retentions` hands them to the
enforcement; narrowing applies at once, widening needs a proposal). They are also what this
package itself goes by: a slip past ``slip_retention`` is no longer served, and packages (and
their files) go once their hour is ``warning_retention`` old.
"""

from collections.abc import Mapping
from datetime import timedelta
from typing import Any, Final, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from civitrace.presence.constants import (
    CHECK_IN_RETENTION_DAYS,
    MIN_SUBMITTED_REPORTS,
    WARNING_LOOKBACK_DAYS,
)
from civitrace.server.db.presence_models import CHECKIN_REPORTS, KIOSK_SLIPS, VENUE_WARNINGS

MAX_REPORTS_LIMIT: Final = 1000  # no person has this many 10-minute-aligned stays in 15 days
MIN_WARNING_RETENTION: Final = timedelta(days=WARNING_LOOKBACK_DAYS)  # devices look back 10 days
MAX_RETENTION: Final = timedelta(days=CHECK_IN_RETENTION_DAYS)  # no device keeps check-ins longer
MAX_FAILED_LOOKUPS: Final = 100_000  # per window; more makes online code guessing cheaper


class PresenceSettings(BaseModel):
    """Check-in report submissions, warnings, packages and kiosk slips."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_reports_per_submission: int = Field(
        default=250, description="reports in one submission, real and fake together"
    )
    report_retention: timedelta = Field(
        default=timedelta(days=14),
        description="submissions and their reports, from their truncated arrival (shortens "
        "the inventory's checkin_reports)",
    )
    warning_retention: timedelta = Field(
        default=timedelta(days=15),
        description="published warnings and hourly packages, from their hour (shortens the "
        "inventory's venue_warnings)",
    )
    slip_retention: timedelta = Field(
        default=timedelta(days=14),
        description="kiosk slips, from their upload day (shortens the inventory's kiosk_slips)",
    )
    slip_lookup_window: timedelta = Field(
        default=timedelta(minutes=10), description="window of the failed-lookup rate limit"
    )
    slip_max_failed_lookups: int = Field(
        default=1000, description="failed slip lookups per window, deployment-wide"
    )

    @model_validator(mode="after")
    def _refuse_unsafe(self) -> Self:
        problems = []
        if not MIN_SUBMITTED_REPORTS <= self.max_reports_per_submission <= MAX_REPORTS_LIMIT:
            problems.append(
                f"max_reports_per_submission must be {MIN_SUBMITTED_REPORTS}..{MAX_REPORTS_LIMIT}"
            )
        if not timedelta(days=1) <= self.report_retention <= MAX_RETENTION:
            problems.append(f"report_retention must be 1..{MAX_RETENTION.days} days")
        if not MIN_WARNING_RETENTION <= self.warning_retention <= MAX_RETENTION:
            problems.append(
                f"warning_retention must be {MIN_WARNING_RETENTION.days}..{MAX_RETENTION.days} days"
            )
        if not timedelta(days=1) <= self.slip_retention <= MAX_RETENTION or (
            self.slip_retention % timedelta(days=1)
        ):
            problems.append(f"slip_retention must be whole days, 1..{MAX_RETENTION.days}")
        window = self.slip_lookup_window
        if not timedelta(minutes=1) <= window <= timedelta(hours=1) or (
            timedelta(days=1) % window != timedelta(0)
        ):
            problems.append("slip_lookup_window must be 1 min..1 h and divide a day evenly")
        if not 1 <= self.slip_max_failed_lookups <= MAX_FAILED_LOOKUPS:
            problems.append(f"slip_max_failed_lookups must be 1..{MAX_FAILED_LOOKUPS}")
        if problems:
            raise ValueError("; ".join(problems))
        return self


def presence_settings(settings: Any) -> PresenceSettings:
    """The ``presence`` section of the server's settings, or the defaults while the settings
    object has no such section."""
    section = getattr(settings, "presence", None)
    return section if isinstance(section, PresenceSettings) else PresenceSettings()


def shorter_retentions(section: PresenceSettings) -> Mapping[str, timedelta]:
    """Inventory category -> retention, for the enforcement's ``shorter`` argument."""
    return {
        CHECKIN_REPORTS: section.report_retention,
        VENUE_WARNINGS: section.warning_retention,
        KIOSK_SLIPS: section.slip_retention,
    }
