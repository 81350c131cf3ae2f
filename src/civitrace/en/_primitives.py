"""The only module of ``civitrace.en`` that touches ``cryptography.hazmat``.

Every raw primitive the protocol needs sits here, so the rest of the package reads as the
specification does and an auditor has one short file to check.
"""

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from civitrace.en.errors import SigningKeyError

PrivateKey = ec.EllipticCurvePrivateKey
PublicKey = ec.EllipticCurvePublicKey


def hkdf_sha256(ikm: bytes, info: bytes, length: int = 16) -> bytes:
    """HKDF-SHA256 with no salt, as the spec derives RPIK and AEMK from a TEK."""
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=None, info=info).derive(ikm)


def aes128_ecb_encrypt(key: bytes, blocks: bytes) -> bytes:
    """AES-128 in ECB mode over whole blocks: each RPI is one independent block."""
    encryptor = Cipher(algorithms.AES(key), modes.ECB()).encryptor()  # noqa: S305 - spec
    return encryptor.update(blocks) + encryptor.finalize()


def aes128_ctr(key: bytes, iv: bytes, data: bytes) -> bytes:
    """AES-128-CTR; encryption and decryption are the same operation."""
    cipher = Cipher(algorithms.AES(key), modes.CTR(iv)).encryptor()
    return cipher.update(data) + cipher.finalize()


def generate_signing_key() -> PrivateKey:
    """A fresh ECDSA P-256 key, the only curve GAEN devices accept."""
    return ec.generate_private_key(ec.SECP256R1())


def load_private_key_pem(pem: bytes) -> PrivateKey:
    """Load a PEM private key and insist it is P-256."""
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError) as exc:
        raise SigningKeyError(f"not a PEM private key: {exc}") from exc
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1":
        raise SigningKeyError("the signing key must be an ECDSA P-256 (secp256r1) key")
    return key


def load_public_key_pem(pem: bytes) -> PublicKey:
    """Load a PEM public key and insist it is P-256."""
    try:
        key = serialization.load_pem_public_key(pem)
    except (ValueError, TypeError) as exc:
        raise SigningKeyError(f"not a PEM public key: {exc}") from exc
    if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name != "secp256r1":
        raise SigningKeyError("the verification key must be an ECDSA P-256 (secp256r1) key")
    return key


def private_key_pem(key: PrivateKey) -> bytes:
    """PKCS#8 PEM without encryption: the operator protects the file."""
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def public_key_pem(key: PublicKey) -> bytes:
    """SubjectPublicKeyInfo PEM, the form GAEN apps are configured with."""
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def ecdsa_sign(key: PrivateKey, message: bytes) -> bytes:
    """ECDSA P-256 over SHA-256(message), DER-encoded (X9.62), as Google's exporter signs."""
    return key.sign(message, ec.ECDSA(hashes.SHA256()))


def ecdsa_verify(key: PublicKey, signature: bytes, message: bytes) -> bool:
    """True when ``signature`` is a valid DER ECDSA P-256/SHA-256 signature of ``message``."""
    try:
        key.verify(signature, message, ec.ECDSA(hashes.SHA256()))
    except (InvalidSignature, ValueError):
        return False
    return True
