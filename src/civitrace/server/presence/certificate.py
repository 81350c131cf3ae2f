"""Checking the verification certificate of a check-in report submission.

The signature, issuer, audience and times are checked exactly as for ``POST /v1/publish``
(:mod:`civitrace.server.publish.certificate`): the same ES256 certificates from the same
``/api/certificate`` flow authorise both. What differs is the binding (the ``tekmac`` is the
HMAC of the reports, :mod:`.binding`), the test types (a negative test warns nobody), and that a
certificate is spent: its identity is SHA-256 of the JWT's signed part (``header.payload``), not
of the whole token, because an ECDSA signature ``(r, s)`` has a twin ``(r, n - s)`` that verifies
too, so a hash of the whole token would let one certificate be spent twice.
"""

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final

from sqlalchemy.orm import Session

from civitrace.presence.report import CheckInProtectedReport
from civitrace.server.db.models import TEST_TYPES, HealthAuthority
from civitrace.server.errors import CertificateInvalidError
from civitrace.server.keyring import SigningKeyRing
from civitrace.server.presence import binding
from civitrace.server.publish.certificate import _signed_claims, decode_base64

WARNING_TEST_TYPES: Final = tuple(t for t in TEST_TYPES if t != "negative")
"""Test types whose certificates may submit reports: a negative test is no reason to warn."""
SPENT_MEMORY_CAP_SECONDS: Final = 86_400  # bounds a spent certificate's row whatever its exp


@dataclass(frozen=True, slots=True)
class PresenceClaims:
    """What a submission takes from a verified certificate."""

    report_type: str
    expires_at: datetime
    certificate_hash: bytes


def certificate_hash(payload: str) -> bytes:
    """SHA-256 of the signed part of a JWT (everything before the last dot)."""
    signed, _, _ = payload.rpartition(".")
    return hashlib.sha256(signed.encode("ascii", "replace")).digest()


def _fail(message: str) -> CertificateInvalidError:
    return CertificateInvalidError(f"verificationPayload: {message}")


def _hmac_key(value: str) -> bytes:
    secret = decode_base64(value)
    if secret is None or not binding.MIN_KEY_LENGTH <= len(secret) <= binding.MAX_KEY_LENGTH:
        raise CertificateInvalidError(
            f"hmacKey: must be base64 of {binding.MIN_KEY_LENGTH}..{binding.MAX_KEY_LENGTH} bytes"
        )
    return secret


def verify_presence_certificate(
    session: Session,
    keyring: SigningKeyRing,
    authority: HealthAuthority,
    *,
    payload: str,
    hmac_key: str,
    reports: Sequence[CheckInProtectedReport],
    now: datetime,
    leeway: timedelta,
) -> PresenceClaims:
    """The certificate's claims, or :class:`CertificateInvalidError` saying what failed."""
    claims = _signed_claims(session, keyring, authority, payload, now=now, leeway=leeway)
    report_type = claims.get("reportType")
    if report_type not in WARNING_TEST_TYPES:
        raise _fail(
            f"reportType {str(report_type)[:32]!r} cannot warn venues; it must be one of "
            f"{list(WARNING_TEST_TYPES)}"
        )
    mac_text = claims.get("tekmac")
    mac = decode_base64(mac_text) if isinstance(mac_text, str) else None
    if mac is None or len(mac) != binding.MAC_LENGTH:
        raise _fail(f"tekmac must be base64 of {binding.MAC_LENGTH} bytes")
    if not binding.matches(_hmac_key(hmac_key), reports, mac):
        raise _fail("tekmac does not match the HMAC of the reports under hmacKey")
    # exp is present and numeric (_signed_claims requires it); a spent certificate is
    # remembered until then, but never past a day (certificates live at most an hour)
    expires = min(int(claims["exp"]), int(now.timestamp()) + SPENT_MEMORY_CAP_SECONDS)
    assert isinstance(report_type, str)
    return PresenceClaims(
        report_type=report_type,
        expires_at=datetime.fromtimestamp(expires, UTC),
        certificate_hash=certificate_hash(payload),
    )
