"""The optional TOTP second factor (RFC 6238, pyotp): secrets, codes used once, enrolment QR.

The secret is stored encrypted with AES-256-GCM under the server's key-encryption key, bound to
the account id by the associated data (a ciphertext moved to another account does not open).
A code is accepted for the current 30-second step and one step either side (clock drift), and
only for a step later than the last one accepted, so an overheard code cannot be replayed.
"""

import hmac
from datetime import datetime
from typing import Final

import pyotp
import segno

from civitrace.server import crypto

ISSUER: Final = "civitrace"  # shown by authenticator apps next to the account
DRIFT_STEPS: Final = 1  # steps of 30 s accepted either side of now
CODE_DIGITS: Final = 6


def new_secret() -> str:
    """A fresh base32 secret of 160 bits (RFC 4226's recommended length)."""
    return pyotp.random_base32(length=32)


def _aad(account_id: int) -> bytes:
    return f"civitrace-totp:{account_id}".encode()


def seal(kek: bytes, account_id: int, secret: str) -> bytes:
    """``secret`` encrypted for storage in the account's row."""
    return crypto.encrypt(kek, secret.encode("ascii"), _aad(account_id))


def unseal(kek: bytes, account_id: int, blob: bytes) -> str:
    """The stored secret in the clear (StorageError if it was tampered with or moved)."""
    return crypto.decrypt(kek, blob, _aad(account_id)).decode("ascii")


def provisioning_uri(secret: str, username: str) -> str:
    """The ``otpauth://`` URI authenticator apps read from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """The enrolment QR code as an inline SVG element (no image request, nothing external)."""
    return str(segno.make(uri, error="m").svg_inline(scale=4, omitsize=False, border=4))


def normalize(code: str) -> str:
    """The digits of a typed code (spaces and dashes people add are ignored)."""
    return "".join(ch for ch in code if ch.isdigit())


def matching_step(secret: str, code: str, now: datetime, after: int | None) -> int | None:
    """The time step ``code`` is valid for near ``now`` and later than ``after``, or None."""
    digits = normalize(code)
    if len(digits) != CODE_DIGITS:
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    found = None
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        expected = totp.generate_otp(step)
        if hmac.compare_digest(expected, digits) and (after is None or step > after):
            found = step  # no early exit: the same work whatever matches
    return found
