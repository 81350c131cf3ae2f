"""Everything the transparency page shows, from the live configuration and database (DESIGN
§5): what is collected, why, for how long, who can read it, the sunset date, pending proposals
with their effective dates, the audit head digest, and the access-request register and its
statistics. The HTML page (web layer) and ``GET /transparency.json`` both render
:func:`transparency_snapshot`; nothing here writes to the database.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from civitrace.governance import access_requests, audit
from civitrace.governance.inventory import Category
from civitrace.governance.proposals import Proposal, Status, effective_inventory, list_proposals
from civitrace.governance.settings import GovernanceSettings


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True, slots=True)
class TransparencySnapshot:
    """The transparency page's data at ``generated_at``; templates read the attributes."""

    generated_at: datetime
    categories: tuple[Category, ...]
    sunset_at: datetime | None
    sunset_passed: bool
    notice_period: timedelta
    pending_proposals: tuple[Proposal, ...]
    audit_head: audit.Head
    access_request_statistics: dict[str, dict[str, int]]
    access_requests: tuple[dict[str, Any], ...]

    def to_json(self) -> dict[str, Any]:
        """The document of ``GET /transparency.json``."""
        return {
            "generatedAt": _iso(self.generated_at),
            "categories": [
                {
                    "name": c.name,
                    "personal": c.personal,
                    "purposes": list(c.purposes),
                    "legalBasis": c.legal_basis,
                    "retention": c.retention_text,
                    "retentionSeconds": (
                        None if c.retention is None else int(c.retention.total_seconds())
                    ),
                    "readers": list(c.readers),
                    "description": c.description,
                }
                for c in self.categories
            ],
            "sunset": {"at": _iso(self.sunset_at), "passed": self.sunset_passed},
            "noticePeriodDays": self.notice_period.days,
            "pendingProposals": [p.to_json() for p in self.pending_proposals],
            "audit": {
                "headSequence": self.audit_head.sequence,
                "headDigest": self.audit_head.digest,
            },
            "accessRequests": {
                "statistics": self.access_request_statistics,
                "register": list(self.access_requests),
            },
        }


def transparency_snapshot(
    session: Session, settings: GovernanceSettings, now: datetime
) -> TransparencySnapshot:
    """The transparency page's data at ``now``, read from the inventory in force and the
    database."""
    inventory = effective_inventory(session, settings.configured_inventory(), now)
    pending = tuple(
        p
        for p in list_proposals(session, now)
        if p.status in {Status.PENDING, Status.AWAITING_SUMMARY}
    )
    return TransparencySnapshot(
        generated_at=now,
        categories=inventory.categories,
        sunset_at=settings.sunset_utc,
        sunset_passed=settings.sunset_passed(now),
        notice_period=settings.notice_period,
        pending_proposals=pending,
        audit_head=audit.head(session),
        access_request_statistics=access_requests.statistics(session),
        access_requests=tuple(access_requests.public_register(session)),
    )
