"""Server secrets and the versioned ES256 signing keys of tokens and certificates.

Two 32-byte secrets live in files under ``<data_dir>/secrets/``: the key-encryption key (KEK)
and the key that HMACs verification codes. Signing keys live in the ``signing_keys`` table,
their private halves encrypted with AES-256-GCM under the KEK, so every server process sharing
the database signs with the same active version and a rotation is one transaction.
"""

import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from civitrace.server import crypto
from civitrace.server.db.models import SigningKey, SigningKeyPurpose
from civitrace.server.errors import StorageError

SECRETS_DIR: Final = "secrets"  # under data_dir, mode 0700
KEK_FILE: Final = "key-encryption.key"  # AES-256 key that encrypts signing keys in the DB
CODE_HMAC_FILE: Final = "code-hmac.key"  # HMAC-SHA256 key of verification codes


@dataclass(frozen=True, slots=True)
class ServerSecrets:
    """The two file-held secrets of a deployment; every host must share the same files."""

    kek: bytes
    code_hmac_key: bytes

    @classmethod
    def load(cls, data_dir: Path) -> "ServerSecrets":
        folder = data_dir / SECRETS_DIR
        return cls(
            kek=crypto.load_or_create_secret(folder / KEK_FILE),
            code_hmac_key=crypto.load_or_create_secret(folder / CODE_HMAC_FILE),
        )

    def __repr__(self) -> str:
        return "ServerSecrets(<redacted>)"


@dataclass(frozen=True, slots=True)
class ActiveKey:
    kid: str
    private_key: crypto.PrivateKey


def _aad(kid: str) -> bytes:
    return f"civitrace-signing-key:{kid}".encode()


class SigningKeyRing:
    """Signing keys by purpose: create, rotate, sign with the active one, verify with any."""

    def __init__(self, kek: bytes) -> None:
        self._kek = kek
        self._private: dict[str, crypto.PrivateKey] = {}  # kid -> key; rows never change
        self._lock = threading.Lock()

    def create(self, session: Session, purpose: SigningKeyPurpose) -> SigningKey:
        """A new version that becomes the active one; the previous one still verifies."""
        key = crypto.generate_es256_key()
        kid = f"{purpose.value}-{uuid.uuid4().hex[:16]}"
        row = SigningKey(
            purpose=purpose.value,
            kid=kid,
            encrypted_private_key=crypto.encrypt(self._kek, crypto.private_key_pem(key), _aad(kid)),
            public_key_pem=crypto.public_key_pem(key.public_key()),
            active=True,
            created_at=datetime.now(UTC),
        )
        session.execute(
            update(SigningKey)
            .where(SigningKey.purpose == purpose.value, SigningKey.active.is_(True))
            .values(active=False)
        )
        session.add(row)
        session.flush()
        return row

    def retire(self, session: Session, kid: str) -> None:
        """Stop trusting a non-active version (tokens and certificates it signed fail)."""
        row = session.scalars(select(SigningKey).where(SigningKey.kid == kid)).one_or_none()
        if row is None:
            raise StorageError(f"no signing key {kid}")
        if row.active:
            raise StorageError(f"signing key {kid} is active; rotate before retiring it")
        row.retired_at = datetime.now(UTC)

    def active(self, session: Session, purpose: SigningKeyPurpose) -> ActiveKey:
        """The active version, created on first use (concurrent creators settle on one)."""
        row = self._active_row(session, purpose)
        if row is None:
            try:
                with session.begin_nested():
                    row = self.create(session, purpose)
            except IntegrityError:
                row = self._active_row(session, purpose)
            if row is None:
                raise StorageError(f"no active {purpose.value} signing key")
        return ActiveKey(row.kid, self._decrypt(row))

    def public_keys(self, session: Session, purpose: SigningKeyPurpose) -> dict[str, str]:
        """PEM public keys of every trusted (not retired) version, by kid."""
        rows = session.scalars(
            select(SigningKey).where(
                SigningKey.purpose == purpose.value, SigningKey.retired_at.is_(None)
            )
        )
        return {row.kid: row.public_key_pem for row in rows}

    @staticmethod
    def _active_row(session: Session, purpose: SigningKeyPurpose) -> SigningKey | None:
        return session.scalars(
            select(SigningKey).where(
                SigningKey.purpose == purpose.value, SigningKey.active.is_(True)
            )
        ).one_or_none()

    def _decrypt(self, row: SigningKey) -> crypto.PrivateKey:
        with self._lock:
            cached = self._private.get(row.kid)
        if cached is not None:
            return cached
        pem = crypto.decrypt(self._kek, row.encrypted_private_key, _aad(row.kid))
        key = crypto.load_private_key(pem)
        with self._lock:
            self._private[row.kid] = key
        return key
