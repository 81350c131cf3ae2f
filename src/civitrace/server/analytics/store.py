"""Reading published releases and the ledger back, for the downloads and ``civitrace stats show``.

Everything served comes from ``dp_releases.document``, the JSON of a ``Release`` as
``civitrace.analytics`` produced it (noisy, post-processed cells with intervals), and from the
ledger's public lines. No function here computes anything from case data.
"""

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from civitrace.analytics.errors import LedgerError
from civitrace.analytics.ledger import PrivacyBudget, Spend
from civitrace.analytics.model import Release
from civitrace.server.analytics.errors import UnknownReleaseError
from civitrace.server.db.analytics_models import LedgerRecord, PrivacyPeriod, StoredRelease

MAX_LISTED = 1000  # releases in one listing at most (a few are published per week)


@dataclass(frozen=True)
class PublishedRelease:
    """A stored release and when it was published."""

    release: Release
    published_at: datetime

    def to_json(self) -> dict[str, Any]:
        return {**self.release.to_json(), "published_at": self.published_at.isoformat()}


@dataclass(frozen=True)
class ReleaseSummary:
    """One line of the listing: what, when, which window, at what privacy cost."""

    release_id: str
    kind: str
    period: str
    window_start: date
    window_end: date
    granularity: str
    epsilon: float
    delta: float
    derived_from: tuple[str, ...]
    published_at: datetime

    def to_json(self) -> dict[str, Any]:
        return {
            "release_id": self.release_id,
            "kind": self.kind,
            "period": self.period,
            "window": {"start": self.window_start.isoformat(), "end": self.window_end.isoformat()},
            "granularity": self.granularity,
            "epsilon": self.epsilon,
            "delta": self.delta,
            "derived_from": list(self.derived_from),
            "published_at": self.published_at.isoformat(),
            "json": f"/stats/releases/{self.release_id}.json",
            "csv": f"/stats/releases/{self.release_id}.csv",
        }


@dataclass(frozen=True)
class PeriodSpend:
    """A period's budget and what its releases spent (basic composition)."""

    period: str
    budget: PrivacyBudget
    spent: Spend
    releases: int

    def to_json(self) -> dict[str, Any]:
        return {
            "period": self.period,
            "budget": {"epsilon": self.budget.epsilon, "delta": self.budget.delta},
            "spent": {"epsilon": self.spent.epsilon, "delta": self.spent.delta},
            "releases": self.releases,
        }


def _published(row: StoredRelease) -> PublishedRelease:
    try:
        document = json.loads(row.document)
    except json.JSONDecodeError:
        raise LedgerError(f"stored release {row.release_id} is not valid JSON") from None
    return PublishedRelease(Release.from_json(document), row.published_at)


def get_release(session: Session, release_id: str) -> PublishedRelease:
    """The release with this id, or :class:`UnknownReleaseError`."""
    row = session.get(StoredRelease, release_id)
    if row is None:
        raise UnknownReleaseError(f"release: no release {release_id!r} was published")
    return _published(row)


def latest_release(session: Session, kind: str) -> PublishedRelease:
    """The most recently published release of ``kind``, or :class:`UnknownReleaseError`."""
    row = session.scalars(
        select(StoredRelease)
        .where(StoredRelease.kind == kind)
        .order_by(StoredRelease.published_at.desc(), StoredRelease.release_id)
        .limit(1)
    ).first()
    if row is None:
        raise UnknownReleaseError(f"kind: no {kind} release was published yet")
    return _published(row)


def list_releases(
    session: Session, kind: str | None = None, limit: int = MAX_LISTED
) -> list[ReleaseSummary]:
    """The newest releases first, optionally of one kind."""
    query = select(StoredRelease).order_by(
        StoredRelease.published_at.desc(), StoredRelease.release_id
    )
    if kind is not None:
        query = query.where(StoredRelease.kind == kind)
    return [
        ReleaseSummary(
            release_id=row.release_id,
            kind=row.kind,
            period=row.period,
            window_start=row.window_start,
            window_end=row.window_end,
            granularity=row.granularity,
            epsilon=row.epsilon,
            delta=row.delta,
            derived_from=tuple(i for i in row.derived_from.split(",") if i),
            published_at=row.published_at,
        )
        for row in session.scalars(query.limit(min(limit, MAX_LISTED)))
    ]


def ledger_periods(session: Session) -> list[PeriodSpend]:
    """Every period with a budget, newest first, with what its releases spent."""
    spent = {
        period: (epsilon, delta, count)
        for period, epsilon, delta, count in session.execute(
            select(
                LedgerRecord.period,
                func.sum(LedgerRecord.epsilon),
                func.sum(LedgerRecord.delta),
                func.count(),
            ).group_by(LedgerRecord.period)
        )
    }
    periods = session.scalars(select(PrivacyPeriod).order_by(PrivacyPeriod.period.desc()))
    result = []
    for row in periods:
        epsilon, delta, count = spent.get(row.period, (0.0, 0.0, 0))
        result.append(
            PeriodSpend(
                row.period,
                PrivacyBudget(row.epsilon, row.delta),
                Spend(float(epsilon), float(delta)),
                int(count),
            )
        )
    return result
