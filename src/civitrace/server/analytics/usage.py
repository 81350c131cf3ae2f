"""Usage analytics with local differential privacy (the role Google's ENPA plays).

A device that opted in sends ``{"epsilon", "flags": {name: bit}}`` with every declared flag
(``USAGE_FLAGS``) randomized on the device (``civitrace.analytics.randomized_response``). The
server adds each report to two counters per UTC day and flag, ``reports`` and ``yes``, in one
upsert, and throws the report away: no row per device, no identifier, no time of day, no
address or user agent (nothing here ever sees the request). Every report must carry all flags,
so which flags a device answered cannot single it out.

Estimates: each (day, flag, ε) total gives the unbiased share of devices whose true bit was set
(:func:`~civitrace.analytics.randomized_response.estimate_counts`); several are combined by
adding the unbiased counts and their variances. Fewer than ``USAGE_MIN_REPORTS`` reports give
no estimate: the normal interval would be wrong there. Each report costs the device ε per flag.
"""

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from civitrace.analytics.constants import (
    CONFIDENCE,
    MECHANISM_RANDOMIZED_RESPONSE,
    USAGE_EPSILON,
    USAGE_FLAGS,
    USAGE_MIN_REPORTS,
)
from civitrace.analytics.randomized_response import estimate_counts, keep_probability
from civitrace.server.analytics._upsert import insert_for
from civitrace.server.analytics.errors import UsageReportError
from civitrace.server.db.analytics_models import UsageCount

_Z95: Final = 1.959963984540054  # standard normal 97.5 % quantile (CONFIDENCE = 0.95)

NOTES: Final = (
    "Each app that opted in reports the flags below once a day at most, every answer randomly"
    " flipped on the phone (randomized response, ε per flag), so no single answer can be"
    " trusted. Estimates are unbiased shares of reporting apps, with 95 % intervals; days with"
    " fewer than {min} reports have none."
)


def record_usage(session: Session, flags: Mapping[str, bool], epsilon: float, day: date) -> None:
    """Add one randomized report to the day's totals, then commit; nothing else is kept."""
    if epsilon != USAGE_EPSILON:
        raise UsageReportError(
            f"epsilon: must be {USAGE_EPSILON:g}, the ε devices randomize with on this server"
        )
    missing = [f for f in USAGE_FLAGS if f not in flags]
    unknown = sorted(set(flags) - set(USAGE_FLAGS))
    if missing or unknown:
        raise UsageReportError(
            f"flags: must hold exactly {', '.join(USAGE_FLAGS)}"
            + (f" (missing {', '.join(missing)})" if missing else "")
            + (f" (unknown {', '.join(unknown)})" if unknown else "")
        )
    table = UsageCount.__table__
    for flag in USAGE_FLAGS:  # one order for every report: concurrent upserts cannot deadlock
        bit = flags[flag]
        if not isinstance(bit, bool):
            raise UsageReportError(f"flags.{flag}: must be true or false")
        statement = (
            insert_for(session, table)  # type: ignore[arg-type]
            .values(day=day, flag=flag, epsilon=epsilon, reports=1, yes=int(bit))
            .on_conflict_do_update(
                index_elements=["day", "flag", "epsilon"],
                set_={"reports": table.c.reports + 1, "yes": table.c.yes + int(bit)},
            )
        )
        session.execute(statement)
    session.commit()


@dataclass(frozen=True)
class Totals:
    """Randomized answers of one group of reports that share an ε."""

    reports: int
    yes: int
    epsilon: float


@dataclass(frozen=True)
class FlagEstimate:
    """How many reporting devices truly had a flag set, estimated, with a 95 % interval."""

    reports: int
    proportion: float | None  # None: fewer than USAGE_MIN_REPORTS reports
    stderr: float | None
    low: float | None
    high: float | None

    @property
    def suppressed(self) -> bool:
        return self.proportion is None

    def to_json(self) -> dict[str, Any]:
        def scaled(share: float | None) -> float | None:
            return None if share is None else round(share * self.reports, 1)

        def rounded(share: float | None) -> float | None:
            return None if share is None else round(share, 6)

        return {
            "reports": self.reports,
            "proportion": rounded(self.proportion),
            "stderr": rounded(self.stderr),
            "low": rounded(self.low),
            "high": rounded(self.high),
            "count": scaled(self.proportion),
            "count_low": scaled(self.low),
            "count_high": scaled(self.high),
            "suppressed": self.suppressed,
        }


def combine(groups: Iterable[Totals]) -> FlagEstimate:
    """One estimate from groups of totals: unbiased counts and their variances add up."""
    reports, count, variance = 0, 0.0, 0.0
    for group in groups:
        if group.reports == 0:
            continue
        part = estimate_counts(group.yes, group.reports, group.epsilon)
        reports += group.reports
        count += part.proportion * group.reports
        variance += (part.stderr * group.reports) ** 2
    if reports < USAGE_MIN_REPORTS:
        return FlagEstimate(reports, None, None, None, None)
    proportion = count / reports
    stderr = math.sqrt(variance) / reports
    low = max(0.0, proportion - _Z95 * stderr)
    high = min(1.0, proportion + _Z95 * stderr)
    return FlagEstimate(reports, proportion, stderr, low, high)


def _estimates(groups: Mapping[str, list[Totals]]) -> dict[str, Any]:
    return {flag: combine(groups.get(flag, ())).to_json() for flag in USAGE_FLAGS}


def usage_estimates(session: Session) -> dict[str, Any]:
    """``GET /stats/usage.json``: per day and over every stored day, for each flag."""
    per_day: dict[date, dict[str, list[Totals]]] = defaultdict(lambda: defaultdict(list))
    overall: dict[str, list[Totals]] = defaultdict(list)
    rows = session.scalars(select(UsageCount).order_by(UsageCount.day, UsageCount.flag))
    for row in rows:
        totals = Totals(row.reports, row.yes, row.epsilon)
        per_day[row.day][row.flag].append(totals)
        overall[row.flag].append(totals)
    days = sorted(per_day)
    return {
        "mechanism": MECHANISM_RANDOMIZED_RESPONSE,
        "epsilon_per_flag": USAGE_EPSILON,
        "keep_probability": round(keep_probability(USAGE_EPSILON), 6),
        "confidence": CONFIDENCE,
        "min_reports": USAGE_MIN_REPORTS,
        "flags": list(USAGE_FLAGS),
        "notes": NOTES.format(min=USAGE_MIN_REPORTS),
        "days": [{"day": d.isoformat(), "estimates": _estimates(per_day[d])} for d in days],
        "total": {
            "first_day": days[0].isoformat() if days else None,
            "last_day": days[-1].isoformat() if days else None,
            "estimates": _estimates(overall),
        },
    }
