"""The only module of ``civitrace.presence`` that touches ``cryptography.hazmat``.

The scheme needs nothing but SHA-256, HMAC-SHA256 and AES-256-CBC with PKCS#7 padding (all
of them in every browser's WebCrypto), and they all sit here.
"""

import hashlib
import hmac
import secrets

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

_BLOCK_BITS = 128


def sha256(*parts: bytes) -> bytes:
    """SHA-256 of the concatenation of ``parts``."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part)
    return digest.digest()


def hmac_sha256(key: bytes, message: bytes) -> bytes:
    return hmac.new(key, message, hashlib.sha256).digest()


def hmac_sha256_verify(key: bytes, message: bytes, tag: bytes) -> bool:
    """Constant-time comparison of ``tag`` with HMAC-SHA256(key, message)."""
    return hmac.compare_digest(hmac_sha256(key, message), tag)


def aes256_cbc_encrypt(key: bytes, iv: bytes, plaintext: bytes) -> bytes:
    """AES-256-CBC over PKCS#7-padded ``plaintext``."""
    padder = padding.PKCS7(_BLOCK_BITS).padder()
    padded = padder.update(plaintext) + padder.finalize()
    encryptor = Cipher(algorithms.AES256(key), modes.CBC(iv)).encryptor()
    return encryptor.update(padded) + encryptor.finalize()


def aes256_cbc_decrypt(key: bytes, iv: bytes, ciphertext: bytes) -> bytes:
    """Inverse of :func:`aes256_cbc_encrypt`; raises ``ValueError`` on bad length or padding.

    Callers check the MAC first, so a padding error can never serve as an oracle.
    """
    decryptor = Cipher(algorithms.AES256(key), modes.CBC(iv)).decryptor()
    padded = decryptor.update(ciphertext) + decryptor.finalize()
    unpadder = padding.PKCS7(_BLOCK_BITS).unpadder()
    return unpadder.update(padded) + unpadder.finalize()


def random_bytes(length: int) -> bytes:
    return secrets.token_bytes(length)
