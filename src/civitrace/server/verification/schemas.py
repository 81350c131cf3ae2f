"""JSON documents of the verification API, field for field as Google's ``pkg/api/api.go``.

Requests are validated strictly (no silent coercion of ``123`` to ``"123"``) and unknown fields
are ignored, as Go's decoder does. Responses are documented here for ``/openapi.json``; the
views build them as dicts so optional fields can be left out like Go's ``omitempty``.
"""

from pydantic import BaseModel, ConfigDict, Field

_REQUEST = ConfigDict(strict=True, extra="ignore", allow_inf_nan=False, populate_by_name=True)
_RESPONSE = ConfigDict(populate_by_name=True)

PADDING_DOC = "Random base64 padding; ignored on requests, 1-2 KiB of random bytes on responses"


class IssueCodeRequest(BaseModel):
    """``POST /api/issue`` (ADMIN key)."""

    model_config = _REQUEST

    test_type: str | None = Field(
        default=None,
        alias="testType",
        max_length=32,
        description="confirmed, likely or negative; user-report where the deployment allows it",
    )
    symptom_date: str | None = Field(
        default=None, alias="symptomDate", max_length=32, description="YYYY-MM-DD, UTC day"
    )
    test_date: str | None = Field(
        default=None, alias="testDate", max_length=32, description="YYYY-MM-DD"
    )
    tz_offset: float = Field(
        default=0.0, alias="tzOffset", ge=-1440, le=1440, description="client UTC offset in minutes"
    )
    uuid: str | None = Field(default=None, max_length=64, description="optional client-chosen UUID")
    phone: str | None = Field(
        default=None, max_length=64, description="refused if non-empty: civitrace sends no SMS"
    )
    sms_template_label: str | None = Field(default=None, alias="smsTemplateLabel", max_length=200)
    external_issuer_id: str | None = Field(
        default=None, alias="externalIssuerID", max_length=200, description="accepted, never stored"
    )
    only_generate_sms: bool | None = Field(default=None, alias="onlyGenerateSMS")
    padding: str | None = Field(default=None, description=PADDING_DOC)


class IssueCodeResponse(BaseModel):
    model_config = _RESPONSE

    uuid: str
    code: str = Field(description="short numeric code for the patient")
    long_code: str = Field(
        alias="longCode", description="civitrace extension: the long code for a link"
    )
    expires_at: str = Field(alias="expiresAt", description="RFC 1123, UTC")
    expires_at_timestamp: int = Field(alias="expiresAtTimestamp", description="Unix seconds")
    long_expires_at: str = Field(alias="longExpiresAt")
    long_expires_at_timestamp: int = Field(alias="longExpiresAtTimestamp")
    padding: str = Field(description=PADDING_DOC)


class BatchIssueCodeRequest(BaseModel):
    """``POST /api/batch-issue`` (ADMIN key): up to 10 issue requests, each handled alone."""

    model_config = _REQUEST

    codes: list[IssueCodeRequest] | None = Field(
        default=None, max_length=1000, description="the codes to issue (at most 10 are allowed)"
    )
    padding: str | None = Field(default=None, description=PADDING_DOC)


class BatchIssueCodeResult(BaseModel):
    """One element of a batch answer: an issued code, or what refused it."""

    model_config = _RESPONSE

    uuid: str | None = None
    code: str | None = None
    long_code: str | None = Field(default=None, alias="longCode")
    expires_at: str | None = Field(default=None, alias="expiresAt")
    expires_at_timestamp: int | None = Field(default=None, alias="expiresAtTimestamp")
    long_expires_at: str | None = Field(default=None, alias="longExpiresAt")
    long_expires_at_timestamp: int | None = Field(default=None, alias="longExpiresAtTimestamp")
    error: str | None = Field(default=None, description="what refused this code, naming the field")
    error_code: str | None = Field(default=None, alias="errorCode")


class BatchIssueCodeResponse(BaseModel):
    """Google's ``BatchIssueCodeResponse``: not atomic; the status and ``errorCode`` are those
    of the first refused code."""

    model_config = _RESPONSE

    codes: list[BatchIssueCodeResult] | None = None
    error: str | None = Field(default=None, description="how many codes failed, if any")
    error_code: str | None = Field(default=None, alias="errorCode")
    padding: str = Field(description=PADDING_DOC)


class CodeUuidRequest(BaseModel):
    """``POST /api/checkcodestatus`` and ``POST /api/expirecode`` (ADMIN key)."""

    model_config = _REQUEST

    uuid: str | None = Field(default=None, max_length=64, description="the code's UUID")
    padding: str | None = Field(default=None, description=PADDING_DOC)


class CheckCodeStatusResponse(BaseModel):
    model_config = _RESPONSE

    claimed: bool = Field(description="true once the code was exchanged for a token")
    expires_at_timestamp: int = Field(alias="expiresAtTimestamp", description="Unix seconds")
    long_expires_at_timestamp: int = Field(alias="longExpiresAtTimestamp")
    padding: str = Field(description=PADDING_DOC)


class ExpireCodeResponse(BaseModel):
    model_config = _RESPONSE

    expires_at_timestamp: int = Field(alias="expiresAtTimestamp", description="now, Unix seconds")
    long_expires_at_timestamp: int = Field(alias="longExpiresAtTimestamp")
    padding: str = Field(description=PADDING_DOC)


class VerifyCodeRequest(BaseModel):
    """``POST /api/verify`` (DEVICE key)."""

    model_config = _REQUEST

    code: str | None = Field(default=None, max_length=128, description="short or long code")
    accept: list[str] | None = Field(
        default=None, max_length=16, description="test types the app understands; empty = all"
    )
    nonce: str | None = Field(default=None, max_length=1024, description="user-report only; unused")
    padding: str | None = Field(default=None, description=PADDING_DOC)


class VerifyCodeResponse(BaseModel):
    model_config = _RESPONSE

    testtype: str = Field(description="test type of the code (lowercase field name, as Google)")
    symptom_date: str | None = Field(default=None, alias="symptomDate")
    test_date: str | None = Field(default=None, alias="testDate")
    token: str = Field(description="ES256 JWT, single use, for /api/certificate")
    padding: str = Field(description=PADDING_DOC)


class CertificateRequest(BaseModel):
    """``POST /api/certificate`` (DEVICE key)."""

    model_config = _REQUEST

    token: str | None = Field(
        default=None, max_length=4096, description="the token from /api/verify"
    )
    ekeyhmac: str | None = Field(
        default=None, max_length=256, description="base64 HMAC-SHA256 of the keys (32 bytes)"
    )
    padding: str | None = Field(default=None, description=PADDING_DOC)


class CertificateResponse(BaseModel):
    model_config = _RESPONSE

    certificate: str = Field(description="ES256 JWT for the key server's verificationPayload")
    padding: str = Field(description=PADDING_DOC)


class ErrorResponse(BaseModel):
    model_config = _RESPONSE

    error: str = Field(description="what is wrong, naming the field")
    error_code: str = Field(alias="errorCode", description="Google's error code string")
    error_code_legacy: str = Field(alias="error_code", description="legacy duplicate")
    padding: str = Field(description=PADDING_DOC)


class HealthResponse(BaseModel):
    model_config = _RESPONSE

    status: str
    padding: str = Field(description=PADDING_DOC)
