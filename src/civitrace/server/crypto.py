"""The server's cryptographic primitives; the only server module that imports ``cryptography``.

- secrets in files (the key-encryption key, the code-HMAC key): 32 random bytes, mode 0600;
- AES-256-GCM to encrypt signing keys at rest, bound to their key id by the associated data;
- HKDF-SHA256 to derive purpose-bound keys from a secret (e.g. the revision-token key);
- ES256 (ECDSA P-256) key generation and PEM (de)serialization for PyJWT.
"""

import hashlib
import hmac
import os
import secrets
from pathlib import Path
from typing import Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from civitrace.server.errors import StorageError

SECRET_LENGTH: Final = 32  # bytes in every server secret (AES-256 key, HMAC-SHA256 key)
NONCE_LENGTH: Final = 12  # AES-GCM nonce

PrivateKey = ec.EllipticCurvePrivateKey
PublicKey = ec.EllipticCurvePublicKey


def load_or_create_secret(path: Path) -> bytes:
    """32 random bytes from ``path``, created (mode 0600, never overwritten) if missing."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "wb") as handle:
            handle.write(secrets.token_bytes(SECRET_LENGTH))
            handle.flush()
            os.fsync(handle.fileno())
    raw = path.read_bytes()
    if len(raw) != SECRET_LENGTH:
        raise StorageError(f"secret file {path} must hold exactly {SECRET_LENGTH} bytes")
    return raw


def hmac_sha256(key: bytes, message: bytes) -> bytes:
    return hmac.digest(key, message, hashlib.sha256)


def derive_key(secret: bytes, info: bytes, length: int = SECRET_LENGTH) -> bytes:
    """HKDF-SHA256 without salt: a key for one purpose, named by ``info``, from a server secret."""
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=None, info=info).derive(secret)


def sha256(message: bytes) -> bytes:
    return hashlib.sha256(message).digest()


def encrypt(kek: bytes, plaintext: bytes, associated_data: bytes) -> bytes:
    """``nonce || AES-256-GCM(kek, plaintext, aad)`` with a fresh random nonce."""
    nonce = secrets.token_bytes(NONCE_LENGTH)
    return nonce + AESGCM(kek).encrypt(nonce, plaintext, associated_data)


def decrypt(kek: bytes, blob: bytes, associated_data: bytes) -> bytes:
    """Inverse of :func:`encrypt`; a wrong KEK, AAD or a modified blob is a StorageError."""
    try:
        return AESGCM(kek).decrypt(blob[:NONCE_LENGTH], blob[NONCE_LENGTH:], associated_data)
    except (InvalidTag, ValueError):
        raise StorageError(
            "a signing key cannot be decrypted: wrong key-encryption key or tampered row"
        ) from None


def generate_es256_key() -> PrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def private_key_pem(key: PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def public_key_pem(key: PublicKey) -> str:
    pem = key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return pem.decode("ascii")


def load_private_key(pem: bytes) -> PrivateKey:
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1":
        raise StorageError("a stored signing key is not an ECDSA P-256 key")
    return key


def load_public_key(pem: str) -> PublicKey:
    key = serialization.load_pem_public_key(pem.encode("ascii"))
    if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name != "secp256r1":
        raise StorageError("a stored public key is not an ECDSA P-256 key")
    return key
