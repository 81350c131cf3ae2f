"""Tables of export batches: per-region configuration, signing keys, batches built, padding.

On the one declarative :class:`~civitrace.server.db.models.Base`. Nothing here identifies an
uploader: batches hold counts and file names; padding keys are random bytes with metadata copied
from real keys. Export signing keys are stored only encrypted with the server's KEK.
"""

import enum
from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from civitrace.server.db.models import REPORT_TYPES, Base
from civitrace.server.db.types import UTCDateTime


class BatchStatus(enum.StrEnum):
    """A batch is PENDING from the moment its padding is fixed until its files are written."""

    PENDING = "pending"
    COMPLETE = "complete"


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(str(v)) for v in values)})"


class ExportConfig(Base):
    """How one region's keys are batched: window length, release delay, padding, file size."""

    __tablename__ = "export_configs"
    __table_args__ = (
        CheckConstraint(
            "period_seconds BETWEEN 1 AND 86400 AND 86400 % period_seconds = 0",
            name="period_divides_day",
        ),
        CheckConstraint("min_window_age_seconds >= 0", name="min_window_age_not_negative"),
        CheckConstraint("min_records >= 0", name="min_records_not_negative"),
        CheckConstraint("padding_range >= 0", name="padding_range_not_negative"),
        CheckConstraint("max_records >= 1", name="max_records_positive"),
        CheckConstraint("length(region) >= 2", name="region_not_empty"),
        {
            "comment": "Export batch configuration per region",
            "info": {"data_category": "operational"},
        },
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, comment="Surrogate key")
    region: Mapped[str] = mapped_column(
        String(10), unique=True, comment="Region code (ISO 3166) whose keys are exported"
    )
    period_seconds: Mapped[int] = mapped_column(
        Integer, comment="Window length in seconds; divides 24 h, windows align to UTC midnight"
    )
    min_window_age_seconds: Mapped[int] = mapped_column(
        Integer, comment="Seconds a window must be past its end before it is built"
    )
    min_records: Mapped[int] = mapped_column(
        Integer, comment="Batches with fewer real keys are padded to this (plus a random range)"
    )
    padding_range: Mapped[int] = mapped_column(
        Integer, comment="Padding target is min_records + rand[0, padding_range]"
    )
    max_records: Mapped[int] = mapped_column(
        Integer, comment="Most keys in one export file; larger batches are split"
    )
    start_at: Mapped[datetime] = mapped_column(
        UTCDateTime, comment="Start of the first window to build (aligned to the period)"
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, comment="When it was created")


class ExportSigningKey(Base):
    """An ECDSA P-256 key that signs export files; every active key signs every file."""

    __tablename__ = "export_signing_keys"
    __table_args__ = (
        UniqueConstraint("key_id", "key_version"),
        {
            "comment": "Keys signing export files; private halves AES-GCM encrypted with the KEK",
            "info": {"data_category": "operational"},
        },
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, comment="Surrogate key")
    key_id: Mapped[str] = mapped_column(
        String(64), comment="verification_key_id devices are configured with (may be empty)"
    )
    key_version: Mapped[str] = mapped_column(
        String(64), comment="verification_key_version devices are configured with"
    )
    encrypted_private_key: Mapped[bytes] = mapped_column(
        LargeBinary, comment="12-byte nonce || AES-256-GCM(KEK, PKCS#8 PEM), AAD = id and version"
    )
    public_key_pem: Mapped[str] = mapped_column(Text, comment="SubjectPublicKeyInfo PEM")
    active: Mapped[bool] = mapped_column(
        Boolean,
        default=False,
        server_default=false(),
        comment="True while it signs new export files",
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, comment="When it was generated")


class ExportBatchRecord(Base):
    """One window of one region, built (or being built) once."""

    __tablename__ = "export_batches"
    __table_args__ = (
        UniqueConstraint("region", "start_at"),
        CheckConstraint("end_at > start_at", name="window_not_empty"),
        CheckConstraint(_in("status", tuple(BatchStatus)), name="status_known"),
        CheckConstraint(
            "key_count >= 0 AND padding_count >= 0 AND revised_key_count >= 0",
            name="counts_not_negative",
        ),
        Index("ix_export_batches_end_at", "end_at"),
        {
            "comment": "Export windows built per region, so that none is built twice",
            "info": {"data_category": "operational"},
        },
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, comment="Surrogate key")
    region: Mapped[str] = mapped_column(String(10), comment="Region code of the batch")
    start_at: Mapped[datetime] = mapped_column(UTCDateTime, comment="Window start (inclusive)")
    end_at: Mapped[datetime] = mapped_column(UTCDateTime, comment="Window end (exclusive)")
    status: Mapped[str] = mapped_column(String(10), comment="pending or complete")
    key_count: Mapped[int] = mapped_column(Integer, comment="Real keys in the batch")
    padding_count: Mapped[int] = mapped_column(Integer, comment="Fake keys added as padding")
    revised_key_count: Mapped[int] = mapped_column(Integer, comment="Keys in revised_keys")
    file_names: Mapped[str] = mapped_column(
        Text, default="", comment="Newline-separated storage names of the batch's files"
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, comment="When the batch was begun")
    completed_at: Mapped[datetime | None] = mapped_column(
        UTCDateTime, comment="When its files were written; NULL while pending"
    )

    @property
    def files(self) -> list[str]:
        return [n for n in self.file_names.split("\n") if n]


class ExportPaddingKey(Base):
    """A fake key of a batch, kept so a rebuilt batch carries the same padding.

    A second version of a window with different fakes would reveal the real keys as the
    intersection of the two; persisting the padding makes a rebuild identical in its keys.
    """

    __tablename__ = "export_padding_keys"
    __table_args__ = (
        CheckConstraint("length(exposure_key) = 16", name="exposure_key_is_16_bytes"),
        CheckConstraint(_in("report_type", REPORT_TYPES), name="report_type_known"),
        {
            "comment": "Random padding keys of export batches, metadata cloned from real keys",
            "info": {"data_category": "operational"},
        },
    )

    exposure_key: Mapped[bytes] = mapped_column(
        LargeBinary(16), primary_key=True, comment="16 random bytes"
    )
    batch_id: Mapped[int] = mapped_column(
        ForeignKey("export_batches.id", ondelete="CASCADE"),
        index=True,
        comment="Batch the key pads",
    )
    transmission_risk: Mapped[int] = mapped_column(Integer, comment="Copied from a real key")
    interval_number: Mapped[int] = mapped_column(Integer, comment="Copied from a real key")
    interval_count: Mapped[int] = mapped_column(Integer, comment="Copied from a real key")
    report_type: Mapped[str] = mapped_column(String(20), comment="Copied from a real key")
    days_since_symptom_onset: Mapped[int | None] = mapped_column(
        Integer, comment="Copied from a real key"
    )
