"""The federation signing key: ECDSA P-256, private half AES-256-GCM encrypted with the KEK.

The *oldest* active key signs, so two hosts that race to create the first key still agree on
one. Rotation creates a new key and deactivates every other in one transaction; peers must be
given the new public key first (they trust exactly one PEM).
"""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from civitrace.en import _primitives
from civitrace.server import crypto
from civitrace.server.db.federation_models import FederationSigningKey


@dataclass(frozen=True, slots=True)
class ResponseSigner:
    kid: str
    private_key: _primitives.PrivateKey


def _aad(kid: str) -> bytes:
    return f"civitrace-federation-signing-key:{kid}".encode()


def _oldest_active(session: Session) -> FederationSigningKey | None:
    return session.scalars(
        select(FederationSigningKey)
        .where(FederationSigningKey.active.is_(True))
        .order_by(FederationSigningKey.id)
        .limit(1)
    ).first()


def create_signing_key(session: Session, kek: bytes) -> FederationSigningKey:
    """A new key that becomes the only active one (rotation)."""
    key = _primitives.generate_signing_key()
    kid = f"federation-{uuid.uuid4().hex[:16]}"
    session.execute(update(FederationSigningKey).values(active=False))
    row = FederationSigningKey(
        kid=kid,
        encrypted_private_key=crypto.encrypt(kek, _primitives.private_key_pem(key), _aad(kid)),
        public_key_pem=_primitives.public_key_pem(key.public_key()).decode("ascii"),
        active=True,
        created_at=datetime.now(UTC),
    )
    session.add(row)
    session.flush()
    return row


def ensure_signing_key(session: Session, kek: bytes) -> FederationSigningKey:
    """The signing key, created on first use."""
    return _oldest_active(session) or create_signing_key(session, kek)


def signer(session: Session, kek: bytes) -> ResponseSigner:
    row = ensure_signing_key(session, kek)
    pem = crypto.decrypt(kek, row.encrypted_private_key, _aad(row.kid))
    return ResponseSigner(row.kid, _primitives.load_private_key_pem(pem))
