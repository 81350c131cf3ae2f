"""Sharing diagnosis keys: nothing leaves the device without the person's explicit yes.

:func:`prepare_upload` is the only way keys leave a :class:`~civitrace.client.device.Device`.
Without a :class:`Consent` whose ``share_diagnosis_keys`` is literally ``True`` it raises
:class:`ConsentRequiredError` and records nothing. With it, it records the consent (what, when,
for whom) and the upload in the store, and returns:

- the body of Google's publish API v1 (``POST /v1/publish``): ``temporaryExposureKeys``,
  ``healthAuthorityID``, ``hmacKey`` (base64 of a fresh random 32-byte secret),
  ``symptomOnsetInterval`` and ``revisionToken`` when known, ``traveler`` when true, and random
  ``padding`` (1-2 KiB, as Google recommends, so the request size says nothing about how many
  keys it carries). ``verificationPayload`` is added once the certificate is back;
- ``ekeyhmac``, the HMAC of the keys under that secret, for the verification server's
  ``/api/certificate``: it binds the certificate to these keys without showing them to it.

Keys of the current UTC day are still in use; they are shared only once their rolling period
has ended, unless the caller explicitly asks for them (the key server embargoes them anyway).
"""

import base64
import secrets
from dataclasses import dataclass, field
from typing import Any

from civitrace.client.device import Device
from civitrace.client.document import ConsentRecord, UploadRecord
from civitrace.client.errors import ClientError, ConsentRequiredError
from civitrace.en import tekmac
from civitrace.en.constants import KEY_RETENTION_DAYS, TEK_ROLLING_PERIOD
from civitrace.en.intervals import en_interval_number, rolling_start
from civitrace.en.keys import TemporaryExposureKey

PURPOSE_SHARE_KEYS = "share-diagnosis-keys"
HMAC_SECRET_LENGTH = 32
PADDING_MIN_BYTES = 1024
PADDING_RANGE_BYTES = 1024


@dataclass(frozen=True, slots=True)
class Consent:
    """The person's answer to "share my diagnosis keys for the last N days?".

    Only ``share_diagnosis_keys=True`` is a yes; build it from an explicit action (a button, a
    ``--consent yes``), never from a default.
    """

    share_diagnosis_keys: bool
    days: int = KEY_RETENTION_DAYS

    @property
    def statement(self) -> str:
        return f"Share my diagnosis keys for the last {self.days} days"


@dataclass(frozen=True, slots=True)
class UploadRequest:
    """What to send: the publish body, and the HMAC for the verification certificate."""

    body: dict[str, Any]
    ekeyhmac: str
    keys: tuple[TemporaryExposureKey, ...]
    hmac_secret: bytes = field(repr=False)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def keys_to_share(
    own_keys: list[TemporaryExposureKey], now: float, days: int, *, include_current_day: bool
) -> list[TemporaryExposureKey]:
    """Own keys of the ``days`` UTC days before today; today's only if asked or already ended."""
    current = en_interval_number(now)
    first = rolling_start(current) - days * TEK_ROLLING_PERIOD
    return [
        key
        for key in own_keys
        if key.rolling_start_number >= first
        and key.rolling_start_number <= current
        and (include_current_day or key.end_interval <= current)
    ]


def _exposure_key_json(key: TemporaryExposureKey) -> dict[str, Any]:
    return {
        "key": _b64(key.key_data),
        "rollingStartNumber": key.rolling_start_number,
        "rollingPeriod": key.rolling_period,
        "transmissionRisk": key.transmission_risk_level,
    }


def _check_consent(consent: object) -> Consent:
    if not isinstance(consent, Consent) or consent.share_diagnosis_keys is not True:
        raise ConsentRequiredError(
            "sharing diagnosis keys needs the person's explicit consent; nothing was shared"
        )
    if isinstance(consent.days, bool) or not isinstance(consent.days, int):
        raise ClientError("the consent's number of days must be an integer")
    if not 1 <= consent.days <= KEY_RETENTION_DAYS:
        raise ClientError(f"keys can be shared for 1 to {KEY_RETENTION_DAYS} days")
    return consent


def prepare_upload(
    device: Device,
    consent: Consent | None,
    now: float | None = None,
    *,
    health_authority_id: str,
    symptom_onset_interval: int | None = None,
    revision_token: str | None = None,
    traveler: bool = False,
    include_current_day: bool = False,
) -> UploadRequest:
    """Record the consent and the upload; return the publish body and ``ekeyhmac``."""
    consent = _check_consent(consent)
    now = device.now() if now is None else now
    if not health_authority_id or not health_authority_id.strip():
        raise ClientError("the health authority ID must not be empty")
    if symptom_onset_interval is not None and not (
        0 <= symptom_onset_interval <= en_interval_number(now)
    ):
        raise ClientError("the symptom onset must not lie in the future")
    keys = keys_to_share(
        device.own_keys, now, consent.days, include_current_day=include_current_day
    )
    if not keys:
        raise ClientError(
            "no keys to share yet: today's key is shared once the day has ended "
            "(or ask to include it)"
        )
    secret = secrets.token_bytes(HMAC_SECRET_LENGTH)
    padding = secrets.token_bytes(PADDING_MIN_BYTES + secrets.randbelow(PADDING_RANGE_BYTES))
    body: dict[str, Any] = {
        "temporaryExposureKeys": [_exposure_key_json(k) for k in keys],
        "healthAuthorityID": health_authority_id,
        "hmacKey": _b64(secret),
    }
    if symptom_onset_interval is not None:
        body["symptomOnsetInterval"] = symptom_onset_interval
    if traveler:
        body["traveler"] = True
    if revision_token:
        body["revisionToken"] = revision_token
    body["padding"] = _b64(padding)
    document = device.document
    document.consents.append(
        ConsentRecord(
            given_at=now,
            purpose=PURPOSE_SHARE_KEYS,
            statement=consent.statement,
            days=consent.days,
            recipient=health_authority_id,
        )
    )
    document.uploads.append(
        UploadRecord(
            prepared_at=now,
            health_authority_id=health_authority_id,
            key_count=len(keys),
            rolling_start_numbers=tuple(k.rolling_start_number for k in keys),
        )
    )
    device.store.save()
    return UploadRequest(body, _b64(tekmac.compute(secret, keys)), tuple(keys), secret)
