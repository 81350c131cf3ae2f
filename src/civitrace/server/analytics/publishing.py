"""Publishing one release: read the cases, pseudonymize, charge, noise, store, in one transaction.

The steps, for a :class:`ReleaseRequest`:

1. read the window's records from the :class:`~civitrace.server.analytics.sources.CaseSource`
   and replace every case id by its weekly pseudonym (``pseudonyms``); no identity goes further;
2. run the ``civitrace.analytics`` release function, which bounds each person's contribution and
   charges the :class:`~civitrace.server.analytics.ledger.DatabaseLedger` before drawing noise
   (an over-budget release is refused there: nothing noised, nothing stored);
3. store the released tables (``dp_releases``) and commit, ledger lines and tables together.

Only the releases' JSON (noisy, post-processed cells, intervals, parameters) is stored.
"""

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final, Literal

from sqlalchemy.orm import Session

from civitrace.analytics.errors import ParameterError
from civitrace.analytics.ledger import PrivacyBudget
from civitrace.analytics.model import Release
from civitrace.analytics.records import Window
from civitrace.analytics.regions import RegionSet
from civitrace.analytics.release import (
    release_age_bands,
    release_case_counts,
    release_test_positivity,
    release_venue_warnings,
)
from civitrace.server.analytics.ledger import Clock, DatabaseLedger
from civitrace.server.analytics.pseudonyms import WeeklyPseudonyms
from civitrace.server.analytics.sources import CaseSource
from civitrace.server.db.analytics_models import StoredRelease

RELEASE_KINDS: Final = ("cases", "age_bands", "venue_warnings", "test_positivity")
"""What can be requested; ``test_positivity`` also stores its two counts (positives, tests)."""

Granularity = Literal["day", "week"]


@dataclass(frozen=True)
class ReleaseRequest:
    """What a statistician asks for. ``epsilon`` is the release's whole cost: positivity splits
    it evenly between its two counts. ``budget`` is the period's, if it has none yet."""

    kind: str
    window: Window
    epsilon: float
    contributions: int = 1
    granularity: Granularity = "day"
    by_age: bool = True
    budget: PrivacyBudget | None = None

    def __post_init__(self) -> None:
        if self.kind not in RELEASE_KINDS:
            raise ParameterError(f"kind must be one of {', '.join(RELEASE_KINDS)}")


def _now() -> datetime:
    return datetime.now(UTC)


def _noised(
    request: ReleaseRequest,
    source: CaseSource,
    pseudonyms: WeeklyPseudonyms,
    regions: RegionSet,
    ledger: DatabaseLedger,
) -> tuple[Release, ...]:
    """The analytics release functions, fed pseudonymized records; first the headline table."""
    window, epsilon, k = request.window, request.epsilon, request.contributions
    if request.kind == "test_positivity":
        tests = pseudonyms.test_results(source.tests(window))
        return release_test_positivity(
            tests, regions, window, epsilon / 2, ledger,
            contributions_per_person=k, granularity=request.granularity,
        )  # fmt: skip
    if request.kind == "venue_warnings":
        warnings = pseudonyms.events(source.venue_warnings(window))
        return (
            release_venue_warnings(
                warnings, regions, window, epsilon, ledger,
                contributions_per_person=k, granularity=request.granularity,
            ),
        )  # fmt: skip
    cases = pseudonyms.events(source.cases(window))
    if request.kind == "age_bands":
        return (
            release_age_bands(
                cases, window, epsilon, ledger,
                contributions_per_person=k, granularity=request.granularity,
            ),
        )  # fmt: skip
    return (
        release_case_counts(
            cases, regions, window, epsilon, ledger,
            contributions_per_person=k, granularity=request.granularity, by_age=request.by_age,
        ),
    )  # fmt: skip


def stored_release(release: Release, published_at: datetime) -> StoredRelease:
    """The row of a release: its JSON document and the columns the listing needs."""
    return StoredRelease(
        release_id=release.release_id,
        kind=release.kind,
        period=release.period,
        window_start=release.window_start,
        window_end=release.window_end,
        granularity=release.granularity,
        epsilon=release.epsilon,
        delta=release.delta,
        derived_from=",".join(release.derived_from),
        published_at=published_at,
        document=json.dumps(release.to_json(), separators=(",", ":")),
    )


def publish_release(
    session: Session,
    request: ReleaseRequest,
    *,
    source: CaseSource,
    pseudonyms: WeeklyPseudonyms,
    regions: RegionSet,
    clock: Clock = _now,
) -> tuple[Release, ...]:
    """Release, store and commit; on any error roll back (nothing charged, nothing stored).

    Call it on a session with no write pending: the ledger's lock must be the transaction's
    first write (see :mod:`civitrace.server.analytics.ledger`).
    """
    ledger = DatabaseLedger(session, request.budget, clock=clock)
    try:
        releases = _noised(request, source, pseudonyms, regions, ledger)
        published_at = clock()
        session.add_all(stored_release(r, published_at) for r in releases)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return releases


def period_spend(session: Session, period: str) -> tuple[float, PrivacyBudget]:
    """ε spent by a period's releases and its budget (for messages after a release)."""
    ledger = DatabaseLedger(session)
    return ledger.spent(period).epsilon, ledger.budget(period)
