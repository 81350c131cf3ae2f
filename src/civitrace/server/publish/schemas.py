"""JSON documents of ``POST /v1/publish``, field for field as Google's ``verifyapi.Publish``.

Requests are strict: no coercion of ``"1"`` to ``1``, and an unknown field is refused naming it,
as Google's decoder (``DisallowUnknownFields``) does. Field names match case-insensitively, as
Go's ``encoding/json`` matches them (``hmackey`` is ``hmacKey``). Only the shape is checked here;
each key's content is checked per key by the service, so one bad key drops only that key.
"""

import functools
from typing import Any, Final

from pydantic import BaseModel, ConfigDict, Field, model_validator

_REQUEST = ConfigDict(strict=True, extra="forbid", allow_inf_nan=False, populate_by_name=False)
_RESPONSE = ConfigDict(populate_by_name=True)

INT32_MIN: Final = -(2**31)
INT32_MAX: Final = 2**31 - 1
PADDING_DOC: Final = "Random base64 padding; ignored on requests, 1-2 KiB random on responses"


@functools.cache
def _aliases(model: type[BaseModel]) -> tuple[dict[str, str], frozenset[str]]:
    """``model``'s lower-cased alias -> alias, and the aliases (computed once per model)."""
    names = [info.alias or name for name, info in model.model_fields.items()]
    return {name.lower(): name for name in names}, frozenset(names)


def _fold_case(model: type[BaseModel], data: Any) -> Any:
    """Rename fields matching an alias case-insensitively to the alias (Go's decoder rule)."""
    if not isinstance(data, dict):
        return data
    aliases, exact = _aliases(model)
    if data.keys() <= exact:
        return data  # the usual case: every field spelled as Google does
    folded: dict[Any, Any] = {}
    for key, value in data.items():
        name = aliases.get(key.lower(), key) if isinstance(key, str) else key
        folded[name] = value
    return folded


class ExposureKeyDocument(BaseModel):
    """One ``ExposureKey``; missing or invalid content drops only this key."""

    model_config = _REQUEST

    key: str | None = Field(
        default=None, max_length=256, description="standard base64 (padded) of 16 bytes"
    )
    rolling_start_number: int | None = Field(
        default=None,
        alias="rollingStartNumber",
        ge=INT32_MIN,
        le=INT32_MAX,
        description="ENIntervalNumber at which the key starts",
    )
    rolling_period: int | None = Field(
        default=None,
        alias="rollingPeriod",
        ge=INT32_MIN,
        le=INT32_MAX,
        description="1..144 intervals; 144 when omitted",
    )
    transmission_risk: int | None = Field(
        default=None,
        alias="transmissionRisk",
        ge=INT32_MIN,
        le=INT32_MAX,
        description="0..8; 0 means backfill from the report type",
    )

    @model_validator(mode="before")
    @classmethod
    def _fold(cls, data: Any) -> Any:
        return _fold_case(cls, data)


class PublishRequest(BaseModel):
    """``POST /v1/publish``."""

    model_config = _REQUEST

    temporary_exposure_keys: list[ExposureKeyDocument] | None = Field(
        default=None, alias="temporaryExposureKeys", max_length=1000, description="the keys"
    )
    health_authority_id: str | None = Field(
        default=None,
        alias="healthAuthorityID",
        max_length=200,
        description="name of the health authority registered on this server",
    )
    verification_payload: str | None = Field(
        default=None,
        alias="verificationPayload",
        max_length=16_000,
        description="the ES256 certificate from /api/certificate",
    )
    hmac_key: str | None = Field(
        default=None,
        alias="hmacKey",
        max_length=1024,
        description="base64 of the secret the keys' HMAC (tekmac) was computed with",
    )
    symptom_onset_interval: int | None = Field(
        default=None,
        alias="symptomOnsetInterval",
        ge=INT32_MIN,
        le=INT32_MAX,
        description="ENIntervalNumber of symptom onset; overrides the certificate's",
    )
    traveler: bool | None = Field(default=None, description="the uploader travelled abroad")
    revision_token: str | None = Field(
        default=None,
        alias="revisionToken",
        max_length=16_000,
        description="token of an earlier publish of the same keys",
    )
    padding: str | None = Field(default=None, description=PADDING_DOC)

    @model_validator(mode="before")
    @classmethod
    def _fold(cls, data: Any) -> Any:
        return _fold_case(cls, data)


class PublishResponse(BaseModel):
    """Google's ``PublishResponse``; absent fields are left out (``omitempty``)."""

    model_config = _RESPONSE

    revision_token: str | None = Field(default=None, alias="revisionToken")
    inserted_exposures: int | None = Field(default=None, alias="insertedExposures")
    error: str | None = Field(default=None, description="what is wrong, naming the field")
    code: str | None = Field(default=None, description="Google's error code string")
    padding: str = Field(description=PADDING_DOC)
    warnings: list[str] | None = None
