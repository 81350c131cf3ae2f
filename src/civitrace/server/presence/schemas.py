"""JSON documents of the presence API.

Requests are strict (no coercion of ``"1"`` to ``1``) and refuse unknown fields, naming them, as
the key server's publish API does; every field is bounded so nothing absurd is parsed. Field
names follow the wire schema (``presence.proto``): ``locationIdHash``, ``encryptedCheckInRecord``.
Responses are documented here for ``/openapi.json``; the views build them as dicts.
"""

from typing import Final

from pydantic import BaseModel, ConfigDict, Field

from civitrace.server.presence.settings import MAX_REPORTS_LIMIT

_REQUEST = ConfigDict(strict=True, extra="forbid", allow_inf_nan=False, populate_by_name=False)
_RESPONSE = ConfigDict(populate_by_name=True)

PADDING_DOC: Final = "Random base64 padding; ignored on requests, 1-2 KiB random on responses"
B64_FIELD_MAX: Final = 100  # characters: base64 of the largest report field (32 bytes) is 44
UUID_PATTERN: Final = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
SLIP_ID_PATTERN: Final = r"^[0-9a-f]{64}$"


class ReportDocument(BaseModel):
    """One ``CheckInProtectedReport``, its bytes in standard or URL-safe base64."""

    model_config = _REQUEST

    location_id_hash: str = Field(
        alias="locationIdHash", max_length=B64_FIELD_MAX, description="32 bytes"
    )
    iv: str = Field(max_length=B64_FIELD_MAX, description="16 bytes")
    encrypted_check_in_record: str = Field(
        alias="encryptedCheckInRecord", max_length=B64_FIELD_MAX, description="16 or 32 bytes"
    )
    mac: str = Field(max_length=B64_FIELD_MAX, description="32 bytes")


class SubmissionRequest(BaseModel):
    """``POST /v1/presence/reports``: a person who tested positive shares check-ins."""

    model_config = _REQUEST

    health_authority_id: str = Field(
        alias="healthAuthorityID", max_length=200, description="name of the health authority"
    )
    verification_payload: str = Field(
        alias="verificationPayload",
        max_length=4096,
        description="the verification certificate (ES256 JWT) whose tekmac binds the reports",
    )
    hmac_key: str = Field(
        alias="hmacKey", max_length=128, description="base64 of the 16..64-byte HMAC key"
    )
    check_in_protected_reports: list[ReportDocument] = Field(
        alias="checkInProtectedReports",
        max_length=MAX_REPORTS_LIMIT,
        description="real and fake reports, shuffled; at least 20 (padded by the device)",
    )
    padding: str | None = Field(default=None, max_length=8192, description=PADDING_DOC)


class SubmissionResponse(BaseModel):
    model_config = _RESPONSE

    inserted_reports: int = Field(alias="insertedReports", description="reports stored")
    padding: str = Field(description=PADDING_DOC)


class PresenceErrorResponse(BaseModel):
    """The key server's error document: every presence route is under ``/v1/``."""

    model_config = _RESPONSE

    error: str = Field(description="what is wrong, naming the field")
    code: str = Field(description="error code string")
    padding: str = Field(description=PADDING_DOC)


class SubmissionSummary(BaseModel):
    """What staff see of a submission: counts and dates, never the reports' content (which
    the server cannot decrypt either: only someone holding a venue's QR code can)."""

    model_config = _RESPONSE

    id: str = Field(description="submission id")
    status: str = Field(description="pending, approved or rejected")
    report_type: str = Field(alias="reportType", description="test type of the certificate")
    report_count: int = Field(alias="reportCount", description="reports, real and fake alike")
    submitted_at: str = Field(alias="submittedAt", description="arrival, truncated (ISO 8601)")
    decided_at: str | None = Field(
        default=None, alias="decidedAt", description="review hour (ISO 8601)"
    )


class SubmissionListResponse(BaseModel):
    model_config = _RESPONSE

    submissions: list[SubmissionSummary]
    padding: str = Field(description=PADDING_DOC)


class DecisionResponse(BaseModel):
    model_config = _RESPONSE

    id: str
    status: str = Field(description="approved or rejected")
    published_warnings: int = Field(
        alias="publishedWarnings", description="warning rows published (reports x regions)"
    )
    interval_number: int | None = Field(
        default=None,
        alias="intervalNumber",
        description="hour (since the epoch) the warnings were published in; none if rejected",
    )
    padding: str = Field(description=PADDING_DOC)


class VenueWarningRequest(BaseModel):
    """``POST /v1/presence/warnings``: staff warn a venue's guests on the owner's behalf."""

    model_config = _REQUEST

    venue: str = Field(
        min_length=1,
        max_length=4096,
        description="the venue's check-in URL or its QR payload in base64/base64url; used to "
        "encrypt the warning, then discarded",
    )
    start_time: str = Field(
        alias="startTime", max_length=64, description="ISO 8601 with a UTC offset"
    )
    end_time: str = Field(alias="endTime", max_length=64, description="ISO 8601 with a UTC offset")
    transmission_risk_level: int = Field(
        alias="transmissionRiskLevel",
        ge=3,
        le=8,
        description="3..8 (levels 1 and 2 weigh 0 and would warn nobody)",
    )
    padding: str | None = Field(default=None, max_length=8192, description=PADDING_DOC)


class VenueWarningResponse(BaseModel):
    model_config = _RESPONSE

    description: str = Field(description="the venue's description, to confirm the right venue")
    address: str = Field(description="the venue's address")
    location_id_hash: str = Field(
        alias="locationIdHash", description="hex; what devices look up (public in packages)"
    )
    records: int = Field(description="check-in records (the window split at UTC midnight)")
    published_warnings: int = Field(alias="publishedWarnings", description="records x regions")
    interval_number: int = Field(alias="intervalNumber", description="hour of publication")
    padding: str = Field(description=PADDING_DOC)


class SlipUploadRequest(BaseModel):
    """``POST /v1/presence/slips``: a kiosk stores an encrypted check-in under its id."""

    model_config = _REQUEST

    id: str = Field(
        pattern=SLIP_ID_PATTERN, description="hex of the 32-byte id derived from the printed code"
    )
    ciphertext: str = Field(
        max_length=2000, description="base64 of nonce || AES-256-GCM ciphertext (1052 bytes)"
    )
    padding: str | None = Field(default=None, max_length=8192, description=PADDING_DOC)


class SlipUploadResponse(BaseModel):
    model_config = _RESPONSE

    expires_at: str = Field(
        alias="expiresAt", description="when the slip is deleted (ISO 8601, UTC midnight)"
    )
    padding: str = Field(description=PADDING_DOC)


class SlipResponse(BaseModel):
    model_config = _RESPONSE

    ciphertext: str = Field(description="base64 of the stored ciphertext")
    uploaded_on: str = Field(alias="uploadedOn", description="UTC day of upload (YYYY-MM-DD)")
    expires_at: str = Field(alias="expiresAt", description="when the slip is deleted")
    padding: str = Field(description=PADDING_DOC)
