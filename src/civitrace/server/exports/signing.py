"""Export signing keys: ECDSA P-256, private halves encrypted at rest with the server's KEK.

Devices are configured with a (``verification_key_id``, ``verification_key_version``) and its
public key; every *active* key signs every new file, so a rotation is: create the new version,
register it with the device platforms, then deactivate the old one. Files keep one signature
per active key (DESIGN §3).
"""

import re
from datetime import UTC, datetime
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from civitrace.en import _primitives
from civitrace.en.errors import SigningKeyError
from civitrace.en.export import ExportSigner, VerificationKey
from civitrace.server import crypto
from civitrace.server.db.export_models import ExportSigningKey
from civitrace.server.exports.errors import ExportSigningKeyError

_NAME: Final = re.compile(r"^[A-Za-z0-9._:-]{0,64}$")  # what fits a GAEN key id or version


def _aad(key_id: str, key_version: str) -> bytes:
    return f"civitrace-export-signing-key:{key_id}:{key_version}".encode()


def _find(session: Session, key_id: str, key_version: str) -> ExportSigningKey | None:
    return session.scalars(
        select(ExportSigningKey).where(
            ExportSigningKey.key_id == key_id, ExportSigningKey.key_version == key_version
        )
    ).one_or_none()


def create_signing_key(
    session: Session,
    kek: bytes,
    key_id: str,
    key_version: str,
    *,
    private_key_pem: bytes | None = None,
    active: bool = True,
) -> ExportSigningKey:
    """Generate (or import from PEM) a P-256 key and store it encrypted; active by default."""
    if not _NAME.match(key_id) or not _NAME.match(key_version) or not key_version:
        raise ExportSigningKeyError(
            "key id and key version must be up to 64 of A-Z a-z 0-9 . _ : - (version non-empty)"
        )
    if _find(session, key_id, key_version) is not None:
        raise ExportSigningKeyError(f"export signing key {key_id!r} {key_version!r} exists")
    try:
        key = (
            _primitives.load_private_key_pem(private_key_pem)
            if private_key_pem is not None
            else _primitives.generate_signing_key()
        )
    except SigningKeyError as exc:
        raise ExportSigningKeyError(str(exc)) from None
    pem = _primitives.private_key_pem(key)
    row = ExportSigningKey(
        key_id=key_id,
        key_version=key_version,
        encrypted_private_key=crypto.encrypt(kek, pem, _aad(key_id, key_version)),
        public_key_pem=_primitives.public_key_pem(key.public_key()).decode("ascii"),
        active=active,
        created_at=datetime.now(UTC),
    )
    session.add(row)
    session.flush()
    return row


def set_active(session: Session, key_id: str, key_version: str, active: bool) -> ExportSigningKey:
    """Start or stop signing new files with a key (files already written keep its signature)."""
    row = _find(session, key_id, key_version)
    if row is None:
        raise ExportSigningKeyError(f"no export signing key {key_id!r} {key_version!r}")
    row.active = active
    session.flush()
    return row


def list_signing_keys(session: Session) -> list[ExportSigningKey]:
    return list(
        session.scalars(
            select(ExportSigningKey).order_by(ExportSigningKey.key_id, ExportSigningKey.key_version)
        )
    )


def active_signers(session: Session, kek: bytes) -> list[ExportSigner]:
    """An :class:`ExportSigner` per active key, or an error when there is none."""
    rows = [row for row in list_signing_keys(session) if row.active]
    if not rows:
        raise ExportSigningKeyError(
            "no active export signing key: create one with 'civitrace export keys create'"
        )
    return [
        ExportSigner.from_pem(
            crypto.decrypt(kek, row.encrypted_private_key, _aad(row.key_id, row.key_version)),
            row.key_id,
            row.key_version,
        )
        for row in rows
    ]


def verification_keys(session: Session) -> list[VerificationKey]:
    """Public keys of every stored export signing key, as a device would trust them."""
    return [
        VerificationKey.from_pem(row.public_key_pem.encode("ascii"), row.key_id, row.key_version)
        for row in list_signing_keys(session)
    ]
