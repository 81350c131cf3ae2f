"""Tables of the verification slice: one declarative base, every column commented.

Nothing here holds an IP address, a user agent, a request header, a phone number or a name of a
person. Codes and API keys are stored only as hashes; signing keys only encrypted.
"""

import enum
from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    false,
    text,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from civitrace.server.db.types import UTCDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
"""Deterministic constraint names, so migrations name them the same on every backend."""

TEST_TYPES = ("confirmed", "likely", "negative", "user-report")
"""Google's test types, in the order of increasing doubt (user-report last)."""


class ApiKeyType(enum.StrEnum):
    """Who may use an API key: staff systems (ADMIN) or apps on phones (DEVICE)."""

    ADMIN = "ADMIN"
    DEVICE = "DEVICE"


class SigningKeyPurpose(enum.StrEnum):
    """What an ES256 key signs: verification tokens or verification certificates."""

    TOKEN = "token"  # noqa: S105 - a purpose name, not a secret
    CERTIFICATE = "certificate"


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(str(v)) for v in values)})"


class Base(DeclarativeBase):
    """The one declarative base of civitrace's server tables."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class HealthAuthority(Base):
    """A public-health authority (Google's "realm"): issues codes and certificates."""

    __tablename__ = "health_authorities"
    __table_args__ = (
        CheckConstraint("length(name) > 0", name="name_not_empty"),
        CheckConstraint("length(regions) >= 2", name="regions_not_empty"),
        {
            "comment": "Health authorities that issue verification codes and certificates",
            "info": {"data_category": "operational"},
        },
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, comment="Surrogate key")
    name: Mapped[str] = mapped_column(
        String(200), unique=True, comment="Display name of the authority, unique"
    )
    regions: Mapped[str] = mapped_column(
        String(200), comment="Comma-separated region codes (ISO 3166) the authority serves"
    )
    certificate_issuer: Mapped[str] = mapped_column(
        String(200), comment="iss claim of the certificates it signs"
    )
    certificate_audience: Mapped[str] = mapped_column(
        String(200), comment="aud claim of its certificates: the key server that accepts them"
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, comment="When it was registered")

    @property
    def region_list(self) -> list[str]:
        return [r for r in self.regions.split(",") if r]


class ApiKey(Base):
    """An API key, stored as SHA-256 of its 32-byte random secret, never in the clear."""

    __tablename__ = "api_keys"
    __table_args__ = (
        CheckConstraint(_in("key_type", tuple(ApiKeyType)), name="key_type_known"),
        CheckConstraint("length(key_hash) = 32", name="key_hash_is_sha256"),
        {
            "comment": "API keys of staff systems and apps; only hashes are stored",
            "info": {"data_category": "operational"},
        },
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, comment="Surrogate key")
    health_authority_id: Mapped[int] = mapped_column(
        ForeignKey("health_authorities.id", ondelete="CASCADE"),
        index=True,
        comment="Authority the key acts for",
    )
    name: Mapped[str] = mapped_column(
        String(200), comment="Operator's label for the key (a system, an app), never a person"
    )
    key_type: Mapped[str] = mapped_column(String(10), comment="ADMIN or DEVICE")
    prefix: Mapped[str] = mapped_column(
        String(16), unique=True, comment="Non-secret first characters, to identify the key"
    )
    key_hash: Mapped[bytes] = mapped_column(
        LargeBinary(32), unique=True, comment="SHA-256 of the whole key string"
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, comment="When it was created")
    revoked_at: Mapped[datetime | None] = mapped_column(
        UTCDateTime, comment="When it was revoked; revoked keys are refused"
    )


class SigningKey(Base):
    """One version of an ES256 signing key; the private key is AES-GCM encrypted."""

    __tablename__ = "signing_keys"
    __table_args__ = (
        CheckConstraint(_in("purpose", tuple(SigningKeyPurpose)), name="purpose_known"),
        CheckConstraint("NOT (active AND retired_at IS NOT NULL)", name="active_not_retired"),
        Index(
            "uq_signing_keys_one_active",
            "purpose",
            unique=True,
            sqlite_where=text("active"),
            postgresql_where=text("active"),
        ),
        {
            "comment": "ES256 keys that sign tokens and certificates, one active per purpose",
            "info": {"data_category": "operational"},
        },
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, comment="Surrogate key")
    purpose: Mapped[str] = mapped_column(String(20), comment="token or certificate")
    kid: Mapped[str] = mapped_column(
        String(64), unique=True, comment="Key id put in the JWT header (kid)"
    )
    encrypted_private_key: Mapped[bytes] = mapped_column(
        LargeBinary, comment="12-byte nonce || AES-256-GCM(KEK, PKCS#8 PEM), AAD = kid"
    )
    public_key_pem: Mapped[str] = mapped_column(Text, comment="SubjectPublicKeyInfo PEM")
    active: Mapped[bool] = mapped_column(
        Boolean,
        default=False,
        server_default=false(),
        comment="True for the one version that signs now",
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, comment="When it was generated")
    retired_at: Mapped[datetime | None] = mapped_column(
        UTCDateTime, comment="When it stopped verifying; NULL while still trusted"
    )


class VerificationCode(Base):
    """An issued code: only HMACs of the short and long code, the test facts and expiry."""

    __tablename__ = "verification_codes"
    __table_args__ = (
        CheckConstraint(_in("test_type", TEST_TYPES), name="test_type_known"),
        CheckConstraint("long_expires_at >= expires_at", name="long_outlives_short"),
        CheckConstraint("length(code_hmac) = 32", name="code_hmac_is_sha256"),
        CheckConstraint("length(long_code_hmac) = 32", name="long_code_hmac_is_sha256"),
        {
            "comment": "Verification codes as HMACs; no phone number, no name",
            "info": {
                "data_category": "verification_codes",
                "retention_column": "long_expires_at",
            },
        },
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, comment="Surrogate key")
    uuid: Mapped[str] = mapped_column(
        String(36), unique=True, comment="Public id of the code (client- or server-chosen)"
    )
    health_authority_id: Mapped[int] = mapped_column(
        ForeignKey("health_authorities.id", ondelete="CASCADE"),
        index=True,
        comment="Authority that issued it",
    )
    code_hmac: Mapped[bytes] = mapped_column(
        LargeBinary(32), unique=True, comment="HMAC-SHA256(server secret, short code)"
    )
    long_code_hmac: Mapped[bytes] = mapped_column(
        LargeBinary(32), unique=True, comment="HMAC-SHA256(server secret, long code)"
    )
    test_type: Mapped[str] = mapped_column(String(20), comment="confirmed/likely/negative/...")
    symptom_date: Mapped[date | None] = mapped_column(Date, comment="Symptom onset day, if known")
    test_date: Mapped[date | None] = mapped_column(Date, comment="Test day, if known")
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, comment="Short code expiry")
    long_expires_at: Mapped[datetime] = mapped_column(UTCDateTime, comment="Long code expiry")
    claimed: Mapped[bool] = mapped_column(
        Boolean,
        default=False,
        server_default=false(),
        comment="True once exchanged for a token (single use)",
    )


class Token(Base):
    """A verification token handed to a device; single use, exchanged for a certificate."""

    __tablename__ = "tokens"
    __table_args__ = (
        CheckConstraint(_in("test_type", TEST_TYPES), name="test_type_known"),
        {
            "comment": "Verification tokens (JWT ids) awaiting exchange for a certificate",
            "info": {"data_category": "verification_tokens", "retention_column": "expires_at"},
        },
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, comment="Surrogate key")
    jti: Mapped[str] = mapped_column(String(64), unique=True, comment="JWT id of the token")
    health_authority_id: Mapped[int] = mapped_column(
        ForeignKey("health_authorities.id", ondelete="CASCADE"),
        index=True,
        comment="Authority whose code it came from",
    )
    test_type: Mapped[str] = mapped_column(String(20), comment="Test type of the code")
    symptom_date: Mapped[date | None] = mapped_column(Date, comment="Symptom onset day, if known")
    test_date: Mapped[date | None] = mapped_column(Date, comment="Test day, if known")
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, comment="Token expiry")
    claimed: Mapped[bool] = mapped_column(
        Boolean,
        default=False,
        server_default=false(),
        comment="True once a certificate was signed for it",
    )


class FailedGuess(Base):
    """Wrong codes tried with one API key in one time window (never per IP)."""

    __tablename__ = "failed_guesses"
    __table_args__ = (
        CheckConstraint("count >= 0", name="count_not_negative"),
        {
            "comment": "Failed code guesses per API key per time window, for rate limiting",
            "info": {"data_category": "rate_limits", "retention_column": "window_start"},
        },
    )

    api_key_id: Mapped[int] = mapped_column(
        ForeignKey("api_keys.id", ondelete="CASCADE"),
        primary_key=True,
        comment="API key that made the guesses",
    )
    window_start: Mapped[datetime] = mapped_column(
        UTCDateTime, primary_key=True, comment="Start of the time bucket"
    )
    count: Mapped[int] = mapped_column(Integer, comment="Wrong guesses in the bucket")


REPORT_TYPES = ("", *TEST_TYPES)
"""An exposure's report type: a test type, or empty when the certificate named none."""

MAX_DAYS_SINCE_ONSET = 14
"""Keys further than this from symptom onset are dropped on publish (Google's default)."""


class Exposure(Base):
    """A published temporary exposure key, with what exports need and nothing about its sender.

    No device, person or request is identifiable from a row: no IP address, user agent,
    certificate, HMAC key, verification code or exact arrival time (``created_at`` is truncated).
    """

    __tablename__ = "exposures"
    __table_args__ = (
        CheckConstraint("length(exposure_key) = 16", name="exposure_key_is_16_bytes"),
        CheckConstraint("transmission_risk BETWEEN 0 AND 8", name="transmission_risk_range"),
        CheckConstraint("interval_number >= 0", name="interval_number_not_negative"),
        CheckConstraint("interval_count BETWEEN 1 AND 144", name="interval_count_range"),
        CheckConstraint("length(regions) >= 2", name="regions_not_empty"),
        CheckConstraint(_in("report_type", REPORT_TYPES), name="report_type_known"),
        CheckConstraint(
            "days_since_symptom_onset IS NULL OR days_since_symptom_onset "
            f"BETWEEN -{MAX_DAYS_SINCE_ONSET} AND {MAX_DAYS_SINCE_ONSET}",
            name="days_since_symptom_onset_range",
        ),
        CheckConstraint(
            f"revised_report_type IS NULL OR {_in('revised_report_type', REPORT_TYPES)}",
            name="revised_report_type_known",
        ),
        CheckConstraint(
            "revised_days_since_symptom_onset IS NULL OR revised_days_since_symptom_onset "
            f"BETWEEN -{MAX_DAYS_SINCE_ONSET} AND {MAX_DAYS_SINCE_ONSET}",
            name="revised_days_since_symptom_onset_range",
        ),
        CheckConstraint(
            "revised_transmission_risk IS NULL OR revised_transmission_risk BETWEEN 0 AND 8",
            name="revised_transmission_risk_range",
        ),
        CheckConstraint(
            "revised_report_type IS NULL OR revised_at IS NOT NULL", name="revision_has_time"
        ),
        CheckConstraint(
            "NOT (local_provenance AND federation_source IS NOT NULL)",
            name="local_keys_not_federated",
        ),
        {
            "comment": "Published temporary exposure keys awaiting export; nothing about senders",
            "info": {"data_category": "exposure_keys", "retention_column": "created_at"},
        },
    )

    exposure_key: Mapped[bytes] = mapped_column(
        LargeBinary(16), primary_key=True, comment="The 16-byte temporary exposure key"
    )
    transmission_risk: Mapped[int] = mapped_column(
        Integer, comment="Transmission risk 0..8 (backfilled from the report type when 0)"
    )
    health_authority_id: Mapped[int | None] = mapped_column(
        ForeignKey("health_authorities.id"),
        index=True,
        comment="Authority whose certificate admitted the key; NULL for federated keys",
    )
    regions: Mapped[str] = mapped_column(
        String(200), comment="Comma-separated region codes (ISO 3166) the key is exported to"
    )
    traveler: Mapped[bool] = mapped_column(
        Boolean,
        default=False,
        server_default=false(),
        comment="True if the uploader travelled outside their home region",
    )
    interval_number: Mapped[int] = mapped_column(
        Integer, comment="ENIntervalNumber at which the key's validity starts"
    )
    interval_count: Mapped[int] = mapped_column(
        Integer, comment="Number of 10-minute intervals the key is valid for (1..144)"
    )
    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime,
        index=True,
        comment="Arrival truncated to the truncate window, or embargoed release time; "
        "export windows select on it",
    )
    local_provenance: Mapped[bool] = mapped_column(
        Boolean,
        default=True,
        server_default=true(),
        comment="True if published here, False if imported from a federation peer",
    )
    federation_source: Mapped[str | None] = mapped_column(
        String(200), comment="Federation peer the key was imported from; NULL if local"
    )
    report_type: Mapped[str] = mapped_column(
        String(20),
        default="",
        server_default="",
        comment="confirmed/likely/negative/user-report, or empty if unknown",
    )
    days_since_symptom_onset: Mapped[int | None] = mapped_column(
        Integer, comment="Days from symptom onset to the key's day (-14..14), if known"
    )
    revised_report_type: Mapped[str | None] = mapped_column(
        String(20), comment="Report type after the one allowed revision"
    )
    revised_at: Mapped[datetime | None] = mapped_column(
        UTCDateTime, index=True, comment="When revised, truncated to the truncate window"
    )
    revised_days_since_symptom_onset: Mapped[int | None] = mapped_column(
        Integer, comment="Days since symptom onset after the revision"
    )
    revised_transmission_risk: Mapped[int | None] = mapped_column(
        Integer, comment="Transmission risk after the revision"
    )
