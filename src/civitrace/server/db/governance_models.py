"""Tables of governance: the hash-chained audit log, inventory proposals, data-access requests.

On the one declarative :class:`~civitrace.server.db.models.Base`. The audit log names staff
accounts (personal, kept for the ``audit_log`` retention); proposals are public documents; the
access-request register may name private individuals who asked for data, so it is personal
and its public view (:mod:`civitrace.governance.access_requests`) leaves their names out.
"""

import enum
from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Index,
    Integer,
    String,
    Text,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from civitrace.server.db.models import Base
from civitrace.server.db.types import UTCDateTime


class ProposalKind(enum.StrEnum):
    """BASELINE: the inventory first stored; IMMEDIATE: narrowing or editorial changes, in
    force at once; WIDENING: in force after the notice period and a consultation summary."""

    BASELINE = "baseline"
    IMMEDIATE = "immediate"
    WIDENING = "widening"


class RequesterType(enum.StrEnum):
    """Who asked for data, as published in the register's statistics."""

    POLICE = "police"
    MINISTRY = "ministry"
    COMPANY = "company"
    OTHER = "other"


class Decision(enum.StrEnum):
    """What the authority decided about a data-access request."""

    GRANTED = "granted"
    PARTIAL = "partial"
    REFUSED = "refused"


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(str(v)) for v in values)})"


class AuditEntry(Base):
    """One link of the audit chain: ``digest = SHA-256(canonical(this entry, prev_digest))``."""

    __tablename__ = "audit_log"
    __table_args__ = (
        CheckConstraint("sequence >= 1", name="sequence_positive"),
        CheckConstraint("length(prev_digest) = 64", name="prev_digest_is_sha256_hex"),
        CheckConstraint("length(digest) = 64", name="digest_is_sha256_hex"),
        CheckConstraint("length(actor) > 0", name="actor_not_empty"),
        CheckConstraint("length(action) > 0", name="action_not_empty"),
        {
            "comment": "Hash-chained log of staff and system actions; its head digest is public",
            "info": {"data_category": "audit_log", "retention_column": "recorded_at"},
        },
    )

    sequence: Mapped[int] = mapped_column(
        Integer, primary_key=True, autoincrement=False, comment="Position in the chain, from 1"
    )
    recorded_at: Mapped[datetime] = mapped_column(
        UTCDateTime, index=True, comment="When it was appended (UTC, whole seconds, monotonic)"
    )
    actor: Mapped[str] = mapped_column(
        String(200), comment="Who acted: a staff account and role, or 'system'"
    )
    action: Mapped[str] = mapped_column(String(100), comment="What was done, e.g. case.opened")
    object: Mapped[str] = mapped_column(
        String(300), comment="What it was done to, e.g. case:42 (may be empty)"
    )
    details: Mapped[str] = mapped_column(
        Text, comment="Canonical JSON object of further facts (never personal data of citizens)"
    )
    prev_digest: Mapped[str] = mapped_column(
        String(64), comment="Hex digest of the previous entry (64 zeros before the first)"
    )
    digest: Mapped[str] = mapped_column(
        String(64), unique=True, comment="Hex SHA-256 over the canonical encoding of this entry"
    )


class InventoryProposal(Base):
    """A change to the data inventory, public from the moment it is made."""

    __tablename__ = "inventory_proposals"
    __table_args__ = (
        CheckConstraint(_in("kind", tuple(ProposalKind)), name="kind_known"),
        CheckConstraint("effective_at >= created_at", name="effective_not_before_created"),
        CheckConstraint(
            "kind = 'widening' OR effective_at = created_at", name="only_widening_waits"
        ),
        CheckConstraint(
            "(consultation_summary_url IS NULL) = (summary_published_at IS NULL)",
            name="summary_has_time",
        ),
        CheckConstraint("length(title) > 0", name="title_not_empty"),
        Index(
            "uq_inventory_proposals_one_baseline",
            "kind",
            unique=True,
            sqlite_where=text("kind = 'baseline'"),
            postgresql_where=text("kind = 'baseline'"),
        ),
        {
            "comment": "Proposed, pending and applied changes to the data inventory (public)",
            "info": {"data_category": "inventory_proposals"},
        },
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, comment="Surrogate key")
    kind: Mapped[str] = mapped_column(String(10), comment="baseline, immediate or widening")
    title: Mapped[str] = mapped_column(String(200), comment="One-line summary for the public")
    rationale: Mapped[str] = mapped_column(
        Text, default="", server_default="", comment="Why the change is proposed"
    )
    changes: Mapped[str] = mapped_column(
        Text, comment="JSON list of changes, each classified widening, narrowing or editorial"
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, comment="When it was proposed")
    effective_at: Mapped[datetime] = mapped_column(
        UTCDateTime, comment="Earliest time it takes effect (created_at unless widening)"
    )
    consultation_summary_url: Mapped[str | None] = mapped_column(
        String(500), comment="Published summary of the consultation; a widening waits for it"
    )
    summary_published_at: Mapped[datetime | None] = mapped_column(
        UTCDateTime, comment="When the consultation summary was attached"
    )
    withdrawn_at: Mapped[datetime | None] = mapped_column(
        UTCDateTime, comment="When a pending proposal was withdrawn; it never takes effect"
    )


class AccessRequest(Base):
    """A third party's request for data held by the service, and the decision on it."""

    __tablename__ = "access_requests"
    __table_args__ = (
        CheckConstraint(_in("requester_type", tuple(RequesterType)), name="requester_type_known"),
        CheckConstraint(
            f"decision IS NULL OR {_in('decision', tuple(Decision))}", name="decision_known"
        ),
        CheckConstraint(
            "(decision IS NULL) = (decided_at IS NULL) AND (decision IS NULL) = (reason IS NULL)",
            name="decision_complete",
        ),
        CheckConstraint(
            "decided_at IS NULL OR decided_at >= received_at", name="decided_after_received"
        ),
        CheckConstraint("length(requester) > 0", name="requester_not_empty"),
        {
            "comment": "Register of third-party requests for data, published redacted",
            "info": {"data_category": "access_requests", "retention_column": "received_at"},
        },
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, comment="Surrogate key")
    received_at: Mapped[datetime] = mapped_column(
        UTCDateTime, comment="When the request was received"
    )
    requester: Mapped[str] = mapped_column(
        String(200), comment="Requesting body (or person, then never published)"
    )
    requester_type: Mapped[str] = mapped_column(
        String(20), comment="police, ministry, company or other"
    )
    requester_is_individual: Mapped[bool] = mapped_column(
        Boolean,
        default=False,
        server_default=false(),
        comment="True if the requester is a private person: the public view omits the name",
    )
    legal_basis_claimed: Mapped[str] = mapped_column(
        Text, comment="Legal basis the requester invoked"
    )
    data_requested: Mapped[str] = mapped_column(
        Text, comment="What was asked for, as received (internal; not published)"
    )
    categories_requested: Mapped[str] = mapped_column(
        String(1000), comment="Comma-separated inventory categories asked for (published)"
    )
    decision: Mapped[str | None] = mapped_column(
        String(20), comment="granted, partial or refused; NULL while undecided"
    )
    reason: Mapped[str | None] = mapped_column(Text, comment="Why it was decided so (published)")
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, comment="When it was decided")
