"""A statistician's release and its audit entry, committed in one transaction.

:func:`~civitrace.server.analytics.publishing.publish_release` charges the ledger, stores the
release and commits by itself: the ledger's lock must be the transaction's first write, so the
audit entry cannot be written before it, and the release ids it names exist only once the
release is computed. The entry is therefore appended from the session's ``before_commit``
event, listened to for this one call: ledger lines, stored tables and the audit entry commit
together, or (on any failure) none of them does. A refused release is recorded afterwards, in a
transaction of its own, since nothing of it was kept.
"""

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final

from sqlalchemy import event
from sqlalchemy.orm import Session

from civitrace.analytics.model import Release
from civitrace.analytics.regions import RegionSet
from civitrace.governance import audit
from civitrace.server.analytics.pseudonyms import WeeklyPseudonyms
from civitrace.server.analytics.publishing import ReleaseRequest, publish_release
from civitrace.server.analytics.sources import CaseSource
from civitrace.server.db.analytics_models import StoredRelease

RELEASED: Final = "stats.released"  # audit action of a published release
REFUSED: Final = "stats.release_refused"  # audit action of a release the ledger refused


def request_details(request: ReleaseRequest, synthetic: bool) -> dict[str, Any]:
    """What the audit log says of a release request (no case data: parameters only)."""
    return {
        "kind": request.kind,
        "window": f"{request.window.start.isoformat()}..{request.window.end.isoformat()}",
        "period": request.window.period,
        "epsilon": request.epsilon,
        "granularity": request.granularity,
        "contributions_per_person": request.contributions,
        "new_period_budget": None if request.budget is None else request.budget.epsilon,
        "synthetic_data": synthetic,
    }


def publish_with_audit(
    session: Session,
    request: ReleaseRequest,
    *,
    source: CaseSource,
    pseudonyms: WeeklyPseudonyms,
    regions: RegionSet,
    actor: str,
    details: Mapping[str, Any],
    now: datetime,
) -> tuple[Release, ...]:
    """Publish ``request`` and append one ``stats.released`` entry naming every stored table."""

    def record(committing: Session) -> None:
        stored = sorted(
            (item for item in committing.new if isinstance(item, StoredRelease)),
            key=lambda item: (item.derived_from == "", item.release_id),
        )
        if not stored:
            return
        audit.append(
            committing,
            actor,
            RELEASED,
            f"release:{stored[0].release_id}",
            {**details, "releases": [item.release_id for item in stored]},
            now=now,
        )

    event.listen(session, "before_commit", record)
    try:
        return publish_release(
            session, request, source=source, pseudonyms=pseudonyms, regions=regions
        )
    finally:
        event.remove(session, "before_commit", record)


def record_refusal(
    session: Session, actor: str, details: Mapping[str, Any], reason: str, now: datetime
) -> None:
    """Append and commit a ``stats.release_refused`` entry (nothing was spent or published)."""
    audit.append(session, actor, REFUSED, "", {**details, "reason": reason}, now=now)
    session.commit()
