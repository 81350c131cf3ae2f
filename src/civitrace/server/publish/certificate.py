"""Checking a verification certificate on publish (Google's ``internal/verification``).

The certificate is an ES256 JWT signed by one of this server's certificate signing keys (looked
up by ``kid`` among the versions not retired); ``iss`` and ``aud`` must be the health
authority's configured issuer and audience; ``exp``, ``iat`` and ``nbf`` are checked against the
injected clock with a small leeway; ``reportType`` must be a known test type; ``tekmac`` must be
the HMAC of the uploaded keys under ``hmacKey`` (:func:`civitrace.en.tekmac.matches`).
"""

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import jwt
from sqlalchemy.orm import Session

from civitrace.en import tekmac
from civitrace.en.keys import TemporaryExposureKey
from civitrace.server import crypto
from civitrace.server.db.models import TEST_TYPES, HealthAuthority, SigningKeyPurpose
from civitrace.server.errors import CertificateInvalidError
from civitrace.server.keyring import SigningKeyRing


@dataclass(frozen=True, slots=True)
class Claims:
    """What publish takes from a verified certificate."""

    report_type: str
    symptom_onset_interval: int | None


def decode_base64(value: str) -> bytes | None:
    """Standard or URL-safe base64, padded or not (Go's ``base64util.DecodeString``)."""
    text = value.strip()
    padded = text + "=" * (-len(text) % 4)
    for alphabet in (b"+/", b"-_"):
        try:
            return base64.b64decode(padded, altchars=alphabet, validate=True)
        except (binascii.Error, ValueError):
            continue
    return None


def _fail(message: str) -> CertificateInvalidError:
    return CertificateInvalidError(f"verificationPayload: {message}")


def _time_claim(claims: dict[str, Any], name: str, *, required: bool) -> int | None:
    value = claims.get(name)
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _fail(f"claim {name} must be a number")
    return int(value)


def _signed_claims(
    session: Session,
    keyring: SigningKeyRing,
    authority: HealthAuthority,
    payload: str | None,
    *,
    now: datetime,
    leeway: timedelta,
) -> dict[str, Any]:
    """The claims of a certificate with a trusted signature, issuer, audience and times."""
    if not payload:
        raise _fail("is required")
    try:
        header = jwt.get_unverified_header(payload)
    except jwt.InvalidTokenError:
        raise _fail("is not a JWT") from None
    if header.get("alg") != "ES256":
        raise _fail("must be signed with ES256")
    kid = header.get("kid")
    trusted = keyring.public_keys(session, SigningKeyPurpose.CERTIFICATE)
    if not isinstance(kid, str) or kid not in trusted:
        raise _fail("signed by an unknown key (kid)")
    try:
        claims: dict[str, Any] = jwt.decode(
            payload,
            crypto.load_public_key(trusted[kid]),
            algorithms=["ES256"],
            audience=authority.certificate_audience,
            issuer=authority.certificate_issuer,
            options={
                "require": ["exp", "iat", "iss", "aud"],
                "verify_exp": False,  # checked below against the injected clock
                "verify_iat": False,
                "verify_nbf": False,
            },
        )
    except jwt.InvalidAudienceError:
        raise _fail("audience (aud) is not this health authority's key server") from None
    except jwt.InvalidIssuerError:
        raise _fail("issuer (iss) is not this health authority's") from None
    except jwt.InvalidTokenError as exc:
        raise _fail(str(exc)) from None
    moment, slack = now.timestamp(), leeway.total_seconds()
    expires = _time_claim(claims, "exp", required=True)
    assert expires is not None
    if moment > expires + slack:
        raise _fail("certificate has expired")
    for name in ("iat", "nbf"):
        start = _time_claim(claims, name, required=name == "iat")
        if start is not None and start > moment + slack:
            raise _fail(f"certificate is not valid yet ({name})")
    return claims


def verify_certificate(
    session: Session,
    keyring: SigningKeyRing,
    authority: HealthAuthority,
    *,
    payload: str | None,
    hmac_key: str | None,
    keys: Sequence[TemporaryExposureKey],
    now: datetime,
    leeway: timedelta,
) -> Claims:
    """The certificate's claims, or :class:`CertificateInvalidError` saying what failed."""
    claims = _signed_claims(session, keyring, authority, payload, now=now, leeway=leeway)
    report_type = claims.get("reportType")
    if report_type not in TEST_TYPES:
        raise _fail(f"reportType must be one of {list(TEST_TYPES)}")
    onset = claims.get("symptomOnsetInterval")
    if onset is not None and (isinstance(onset, bool) or not isinstance(onset, int) or onset < 0):
        raise _fail("symptomOnsetInterval must be a non-negative integer")
    mac_text = claims.get("tekmac")
    mac = decode_base64(mac_text) if isinstance(mac_text, str) else None
    if mac is None or len(mac) != tekmac.HMAC_LENGTH:
        raise _fail(f"tekmac must be base64 of {tekmac.HMAC_LENGTH} bytes")
    secret = decode_base64(hmac_key) if hmac_key else None
    if not secret:
        raise CertificateInvalidError("hmacKey: must be non-empty base64")
    if not tekmac.matches(secret, keys, mac):
        raise _fail("tekmac does not match the HMAC of the keys under hmacKey")
    assert isinstance(report_type, str)
    return Claims(report_type, onset)
