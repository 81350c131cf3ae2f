"""Checking a verification certificate on publish (Google's ``internal/verification``).

The certificate is an ES256 JWT signed by one of this server's certificate signing keys (looked
up by ``kid`` among the versions not retired); ``iss`` and ``aud`` must be the health
authority's configured issuer and audience; ``exp``, ``iat`` and ``nbf`` are checked against the
injected clock with a small leeway; ``reportType`` must be a known test type; ``tekmac`` must be
the HMAC of the uploaded keys under ``hmacKey`` (:func:`civitrace.en.tekmac.matches`).

The check is split so that publish can read the authority and the signing key's PEM in one
query: :func:`parse_certificate` (no I/O) gives the ``kid``, the caller reads the PEM of that
``kid`` while it is trusted (every request: a retired version stops at once on every host), and
:func:`verify_certificate` checks the rest. Parsed public keys are cached by ``kid`` and PEM.
"""

import base64
import binascii
import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final, Protocol

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from civitrace.en import tekmac
from civitrace.en.keys import TemporaryExposureKey
from civitrace.server import crypto
from civitrace.server.db.models import TEST_TYPES, SigningKey, SigningKeyPurpose
from civitrace.server.errors import CertificateInvalidError
from civitrace.server.keyring import SigningKeyRing
from civitrace.server.publish import jws
from civitrace.server.publish.jws import CompactJws

PARSED_KEY_CACHE_SIZE: Final = 64  # versions of the certificate key a process keeps parsed
REQUIRED_CLAIMS: Final = ("exp", "iat", "iss", "aud")
MAX_KID_LENGTH: Final = 64  # signing_keys.kid is VARCHAR(64)


class CertificateAudience(Protocol):
    """The two claims a health authority's certificates must carry (``HealthAuthority`` has
    them; publish reads just these columns)."""

    @property
    def certificate_issuer(self) -> str: ...

    @property
    def certificate_audience(self) -> str: ...


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


def storable_text(value: str) -> bool:
    """Whether ``value`` can be compared in SQL: PostgreSQL text holds no NUL and must be UTF-8
    (JSON lets a client send a lone surrogate). Identifiers never contain either."""
    if "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _fail(message: str) -> CertificateInvalidError:
    return CertificateInvalidError(f"verificationPayload: {message}")


def _time_claim(claims: dict[str, Any], name: str, *, required: bool) -> int | None:
    value = claims.get(name)
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _fail(f"claim {name} must be a number")
    return int(value)


TRUSTED_PEM: Final = select(SigningKey.public_key_pem).where(
    SigningKey.kid == bindparam("kid"),
    SigningKey.purpose == SigningKeyPurpose.CERTIFICATE.value,
    SigningKey.retired_at.is_(None),
)
"""The PEM of certificate key ``:kid`` while it is trusted (not retired). Built once: a
statement made per request costs more to construct than to run."""


def trusted_kid(certificate: CompactJws) -> str | None:
    """The ``kid`` to look up, or ``None`` when it cannot name a stored key."""
    kid = certificate.kid
    if kid is None or not 0 < len(kid) <= MAX_KID_LENGTH or not storable_text(kid):
        return None
    return kid


@functools.lru_cache(maxsize=PARSED_KEY_CACHE_SIZE)
def _parsed_key(kid: str, pem: str) -> crypto.PublicKey:
    """The parsed public key of a version, cached by ``kid`` *and* PEM: parsing costs more than
    the signature check, and a row read that returns another PEM can never hit a stale entry."""
    del kid  # part of the cache key only
    return crypto.load_public_key(pem)


def parse_certificate(payload: str | None) -> CompactJws:
    """The decoded certificate (signature unchecked), or :class:`CertificateInvalidError`."""
    if not payload:
        raise _fail("is required")
    try:
        return jws.parse(payload)
    except jws.JwsError as exc:
        raise _fail(str(exc)) from None


def _audiences(claims: dict[str, Any]) -> list[str]:
    value = claims["aud"]
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise _fail("audience (aud) must be a string or a list of strings")
    return values


def checked_claims(
    certificate: CompactJws,
    pem: str | None,
    authority: CertificateAudience,
    *,
    now: datetime,
    leeway: timedelta,
) -> dict[str, Any]:
    """The claims of ``certificate`` once its signature (by the trusted ``pem`` of its ``kid``,
    ``None`` when unknown or retired), issuer, audience and times check out."""
    kid = trusted_kid(certificate)
    if pem is None or kid is None:
        raise _fail("signed by an unknown key (kid)")
    if not certificate.verifies(_parsed_key(kid, pem)):
        raise _fail("Signature verification failed")
    claims = certificate.claims
    for name in REQUIRED_CLAIMS:
        if name not in claims:
            raise _fail(f'Token is missing the "{name}" claim')
    if claims["iss"] != authority.certificate_issuer:
        raise _fail("issuer (iss) is not this health authority's")
    if authority.certificate_audience not in _audiences(claims):
        raise _fail("audience (aud) is not this health authority's key server")
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


def _signed_claims(
    session: Session,
    keyring: SigningKeyRing,
    authority: CertificateAudience,
    payload: str | None,
    *,
    now: datetime,
    leeway: timedelta,
) -> dict[str, Any]:
    """The claims of a certificate with a trusted signature, issuer, audience and times, the
    key read here (for callers that have not read it with the authority, as publish does).

    ``keyring`` stays in the signature for its callers; versions are read by ``kid``.
    """
    del keyring
    certificate = parse_certificate(payload)
    kid = trusted_kid(certificate)
    pem = None
    if kid is not None:
        pem = session.connection().execute(TRUSTED_PEM, {"kid": kid}).scalar_one_or_none()
    return checked_claims(certificate, pem, authority, now=now, leeway=leeway)


def verify_certificate(
    certificate: CompactJws,
    pem: str | None,
    authority: CertificateAudience,
    *,
    hmac_key: str | None,
    keys: Sequence[TemporaryExposureKey],
    now: datetime,
    leeway: timedelta,
) -> Claims:
    """The certificate's claims, or :class:`CertificateInvalidError` saying what failed."""
    claims = checked_claims(certificate, pem, authority, now=now, leeway=leeway)
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
