"""API keys: ``civ_<prefix>.<secret>``; only the SHA-256 of the whole string is stored.

The secret is 32 random bytes, so a plain SHA-256 cannot be brute-forced and lookups need no
server secret. The prefix is not secret: it lets operators tell keys apart in listings.
"""

import base64
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from civitrace.server import crypto
from civitrace.server.db.models import ApiKey, ApiKeyType, HealthAuthority
from civitrace.server.errors import UnauthorizedError

KEY_PREFIX: Final = "civ_"  # marks a civitrace API key in logs of the caller, scanners…
MAX_KEY_LENGTH: Final = 200  # longer header values are refused without hashing


@dataclass(frozen=True, slots=True)
class IssuedKey:
    """A freshly created key: ``plaintext`` is shown once and never stored."""

    row: ApiKey
    plaintext: str


def create_api_key(
    session: Session, authority: HealthAuthority, key_type: ApiKeyType, name: str
) -> IssuedKey:
    prefix = secrets.token_hex(4)
    secret = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode("ascii").rstrip("=")
    plaintext = f"{KEY_PREFIX}{prefix}.{secret}"
    row = ApiKey(
        health_authority_id=authority.id,
        name=name,
        key_type=key_type.value,
        prefix=f"{KEY_PREFIX}{prefix}",
        key_hash=crypto.sha256(plaintext.encode("ascii")),
        created_at=datetime.now(UTC),
    )
    session.add(row)
    session.flush()
    return IssuedKey(row, plaintext)


def authenticate(session: Session, header: str | None, required: ApiKeyType) -> ApiKey:
    """The key row for ``X-API-Key``, or :class:`UnauthorizedError` (missing, unknown, revoked, or
    of the wrong type: an app's key never issues codes, a staff key never verifies them)."""
    if not header:
        raise UnauthorizedError("X-API-Key: missing API key")
    if len(header) > MAX_KEY_LENGTH or not header.isascii():
        raise UnauthorizedError("X-API-Key: invalid API key")
    row = session.scalars(
        select(ApiKey).where(ApiKey.key_hash == crypto.sha256(header.encode("ascii")))
    ).one_or_none()
    if row is None or row.revoked_at is not None:
        raise UnauthorizedError("X-API-Key: invalid API key")
    if row.key_type != required.value:
        raise UnauthorizedError(f"X-API-Key: this endpoint needs a {required.value} API key")
    return row


def revoke(session: Session, prefix: str) -> None:
    row = session.scalars(select(ApiKey).where(ApiKey.prefix == prefix)).one_or_none()
    if row is not None and row.revoked_at is None:
        row.revoked_at = datetime.now(UTC)
