"""Tables of presence tracing, on the one declarative :class:`~civitrace.server.db.models.Base`.

What the server holds, and what it never holds:

- ``checkin_submissions`` and ``checkin_reports``: what a person who tested positive shared,
  awaiting staff review. Reports are opaque ``CheckInProtectedReport``\\ s (real ones and fakes
  that nobody without the venue's QR code can tell apart); no location ID, no check-in time in
  the clear, no sender. Arrival times are truncated like publish's.
- ``venue_warnings``: approved reports (and on-behalf warnings), one row per region, waiting for
  or carried by an hourly ``TraceWarningPackage``; ``published_at`` is the hour, nothing finer.
- ``kiosk_slips``: no-smartphone check-ins, encrypted in the browser under a key only the
  printed code gives; the server holds ciphertext and the day of upload.
- ``presence_spent_certificates``, ``warning_packages``, ``slip_lookup_failures``: operational
  bookkeeping (a certificate's hash so it is spent once, the packages built, a rate-limit
  counter that is never per client).

No column holds an IP address, a user agent, a header, a location ID or a person's name.
Each table names its inventory category and, for personal data, the column its retention counts
from; the governance enforcement (``civitrace retention run``) deletes what is past it.
"""

import enum
from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from civitrace.server.db.models import TEST_TYPES, Base
from civitrace.server.db.types import UTCDateTime

# Data categories of the governance inventory (``civitrace/governance/inventory.toml``):
CHECKIN_REPORTS = "checkin_reports"  # what a person who tested positive shared
VENUE_WARNINGS = "venue_warnings"  # published warnings (no person named)
KIOSK_SLIPS = "kiosk_slips"  # no-smartphone check-ins
OPERATIONAL = "operational"  # bookkeeping that holds nothing about a person

SLIP_ID_LENGTH = 32  # bytes of a slip id (a slow hash of the printed code)
SLIP_CIPHERTEXT_LENGTH = 1052  # 12-byte nonce + 1024-byte padded plaintext + 16-byte GCM tag


class SubmissionStatus(enum.StrEnum):
    """A submission is PENDING until staff APPROVE (publish) or REJECT (discard) it."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class PackageStatus(enum.StrEnum):
    """A package is PENDING from the moment its warnings are claimed until its file is written."""

    PENDING = "pending"
    COMPLETE = "complete"


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(str(v)) for v in values)})"


def _report_sizes() -> tuple[CheckConstraint, ...]:
    """The sizes of a ``CheckInProtectedReport``'s fields (new objects for each table)."""
    return (
        CheckConstraint("length(location_id_hash) = 32", name="location_id_hash_is_32_bytes"),
        CheckConstraint("length(iv) = 16", name="iv_is_16_bytes"),
        CheckConstraint(
            "length(encrypted_check_in_record) IN (16, 32)", name="record_is_one_or_two_blocks"
        ),
        CheckConstraint("length(mac) = 32", name="mac_is_32_bytes"),
    )


class CheckInSubmission(Base):
    """One upload of reports after a positive test, as staff review it: counts and dates only."""

    __tablename__ = "checkin_submissions"
    __table_args__ = (
        CheckConstraint(_in("status", tuple(SubmissionStatus)), name="status_known"),
        CheckConstraint(_in("report_type", TEST_TYPES), name="report_type_known"),
        CheckConstraint("report_count >= 0", name="report_count_not_negative"),
        CheckConstraint(
            "(status = 'pending') = (decided_at IS NULL)", name="decided_unless_pending"
        ),
        {
            "comment": "Check-in report uploads after a positive test, awaiting or past review",
            "info": {"data_category": CHECKIN_REPORTS, "retention_column": "submitted_at"},
        },
    )

    id: Mapped[str] = mapped_column(
        String(36), primary_key=True, comment="Random UUID, the handle staff act on"
    )
    health_authority_id: Mapped[int] = mapped_column(
        ForeignKey("health_authorities.id", ondelete="CASCADE"),
        index=True,
        comment="Authority whose certificate admitted the upload; it reviews the submission",
    )
    status: Mapped[str] = mapped_column(String(10), comment="pending, approved or rejected")
    report_type: Mapped[str] = mapped_column(
        String(20), comment="Test type from the certificate (confirmed, likely, user-report)"
    )
    report_count: Mapped[int] = mapped_column(
        Integer, comment="Reports uploaded, real and fake alike (they cannot be told apart)"
    )
    submitted_at: Mapped[datetime] = mapped_column(
        UTCDateTime, index=True, comment="Arrival truncated to the publish truncate window"
    )
    decided_at: Mapped[datetime | None] = mapped_column(
        UTCDateTime, comment="Review time truncated to the hour; NULL while pending"
    )


class CheckInReport(Base):
    """An encrypted check-in report of a pending submission; deleted once it is decided."""

    __tablename__ = "checkin_reports"
    __table_args__ = (
        *_report_sizes(),
        {
            "comment": "Encrypted check-in reports of pending submissions (opaque to the server)",
            "info": {"data_category": CHECKIN_REPORTS, "retention_column": "submitted_at"},
        },
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, comment="Surrogate key")
    submission_id: Mapped[str] = mapped_column(
        ForeignKey("checkin_submissions.id", ondelete="CASCADE"),
        index=True,
        comment="Submission the report came in",
    )
    location_id_hash: Mapped[bytes] = mapped_column(
        LargeBinary(32), comment="SHA-256 of the venue's location ID (random for fake reports)"
    )
    iv: Mapped[bytes] = mapped_column(LargeBinary(16), comment="AES-256-CBC IV")
    encrypted_check_in_record: Mapped[bytes] = mapped_column(
        LargeBinary(32), comment="AES-256-CBC ciphertext of the CheckInRecord (1 or 2 blocks)"
    )
    mac: Mapped[bytes] = mapped_column(LargeBinary(32), comment="HMAC-SHA256 over iv || record")
    submitted_at: Mapped[datetime] = mapped_column(
        UTCDateTime, comment="The submission's truncated arrival time (retention counts from it)"
    )


class VenueWarning(Base):
    """A published encrypted report for one region, carried by one hourly package."""

    __tablename__ = "venue_warnings"
    __table_args__ = (
        *_report_sizes(),
        CheckConstraint("length(region) >= 2", name="region_not_empty"),
        CheckConstraint(
            "package_interval IS NULL OR package_interval >= 0", name="package_interval_range"
        ),
        Index("ix_venue_warnings_region_package_interval", "region", "package_interval"),
        {
            "comment": "Published venue warnings (encrypted check-in reports) per region",
            "info": {"data_category": VENUE_WARNINGS, "retention_column": "published_at"},
        },
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, comment="Surrogate key")
    region: Mapped[str] = mapped_column(
        String(10), comment="Region code (ISO 3166) whose packages carry the warning"
    )
    location_id_hash: Mapped[bytes] = mapped_column(
        LargeBinary(32), comment="SHA-256 of the venue's location ID (random for fake reports)"
    )
    iv: Mapped[bytes] = mapped_column(LargeBinary(16), comment="AES-256-CBC IV")
    encrypted_check_in_record: Mapped[bytes] = mapped_column(
        LargeBinary(32), comment="AES-256-CBC ciphertext of the CheckInRecord (1 or 2 blocks)"
    )
    mac: Mapped[bytes] = mapped_column(LargeBinary(32), comment="HMAC-SHA256 over iv || record")
    published_at: Mapped[datetime] = mapped_column(
        UTCDateTime, index=True, comment="Hour of approval (truncated); retention counts from it"
    )
    package_interval: Mapped[int | None] = mapped_column(
        Integer, comment="Hour (since the epoch) of the package carrying it; NULL until packaged"
    )


class KioskSlip(Base):
    """A no-smartphone check-in: ciphertext addressed by a slow hash of the printed code."""

    __tablename__ = "kiosk_slips"
    __table_args__ = (
        CheckConstraint(f"length(slip_id) = {SLIP_ID_LENGTH}", name="slip_id_is_32_bytes"),
        CheckConstraint(
            f"length(ciphertext) = {SLIP_CIPHERTEXT_LENGTH}", name="ciphertext_fixed_size"
        ),
        {
            "comment": "Encrypted kiosk check-in slips; only the printed code decrypts them",
            "info": {"data_category": KIOSK_SLIPS, "retention_column": "uploaded_at"},
        },
    )

    slip_id: Mapped[bytes] = mapped_column(
        LargeBinary(SLIP_ID_LENGTH),
        primary_key=True,
        comment="HKDF(PBKDF2(code)): the lookup id; the code cannot be recovered from it",
    )
    ciphertext: Mapped[bytes] = mapped_column(
        LargeBinary(SLIP_CIPHERTEXT_LENGTH),
        comment="nonce || AES-256-GCM(key from the code, padded check-in), fixed size",
    )
    uploaded_at: Mapped[datetime] = mapped_column(
        UTCDateTime, index=True, comment="UTC midnight of the upload day; nothing finer"
    )


class SpentCertificate(Base):
    """A verification certificate already used for a submission (its signed part's hash)."""

    __tablename__ = "presence_spent_certificates"
    __table_args__ = (
        CheckConstraint("length(certificate_hash) = 32", name="certificate_hash_is_sha256"),
        {
            "comment": "Certificates spent on check-in report submissions, until they expire",
            "info": {"data_category": OPERATIONAL},
        },
    )

    certificate_hash: Mapped[bytes] = mapped_column(
        LargeBinary(32), primary_key=True, comment="SHA-256 of the JWT's header.payload"
    )
    expires_at: Mapped[datetime] = mapped_column(
        UTCDateTime, index=True, comment="The certificate's exp; the row is useless after it"
    )


class WarningPackageRecord(Base):
    """One hour of one region's warnings, built once into a ``TraceWarningPackage``."""

    __tablename__ = "warning_packages"
    __table_args__ = (
        UniqueConstraint("region", "interval_number"),
        CheckConstraint(_in("status", tuple(PackageStatus)), name="status_known"),
        CheckConstraint("interval_number >= 0", name="interval_number_not_negative"),
        CheckConstraint("report_count >= 0", name="report_count_not_negative"),
        CheckConstraint("length(region) >= 2", name="region_not_empty"),
        {
            "comment": "Hourly warning packages built per region, so none is built twice",
            "info": {"data_category": OPERATIONAL},
        },
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, comment="Surrogate key")
    region: Mapped[str] = mapped_column(String(10), comment="Region code of the package")
    interval_number: Mapped[int] = mapped_column(
        Integer, comment="Hours since the epoch of the hour the package covers"
    )
    status: Mapped[str] = mapped_column(String(10), comment="pending or complete")
    report_count: Mapped[int] = mapped_column(Integer, comment="Warnings the package carries")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, comment="When it was begun")
    completed_at: Mapped[datetime | None] = mapped_column(
        UTCDateTime, comment="When its file was written; NULL while pending"
    )


class SlipLookupFailure(Base):
    """Slip lookups that found nothing, deployment-wide per time window (never per client)."""

    __tablename__ = "slip_lookup_failures"
    __table_args__ = (
        CheckConstraint("count >= 0", name="count_not_negative"),
        {
            "comment": "Failed slip lookups per time window, for a global rate limit",
            "info": {"data_category": OPERATIONAL},
        },
    )

    window_start: Mapped[datetime] = mapped_column(
        UTCDateTime, primary_key=True, comment="Start of the time bucket"
    )
    count: Mapped[int] = mapped_column(Integer, comment="Lookups that found no slip in it")
