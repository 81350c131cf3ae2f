"""Rolling Proximity Identifiers and Associated Encrypted Metadata (spec v1.2, section 3).

These are the readable, one-key-at-a-time derivations. The matching engine uses the batched
native path in :mod:`civitrace.en.fast`, which tests hold equal to these.
"""

import struct
from dataclasses import dataclass

from civitrace.en import _primitives
from civitrace.en.constants import (
    AEMK_INFO,
    KEY_LENGTH,
    METADATA_LENGTH,
    METADATA_VERSION_1_0,
    RPI_PREFIX,
    RPIK_INFO,
)
from civitrace.en.errors import InvalidKeyError


def _check(name: str, value: bytes, length: int) -> None:
    if not isinstance(value, bytes) or len(value) != length:
        raise InvalidKeyError(f"{name} must be {length} bytes")


def padded_data(interval: int) -> bytes:
    """PaddedData = "EN-RPI" || 6 zero bytes || ENIntervalNumber (uint32 little-endian)."""
    if not 0 <= interval < 2**32:
        raise InvalidKeyError("interval must fit an unsigned 32-bit integer")
    return RPI_PREFIX + struct.pack("<I", interval)


def derive_rpik(tek: bytes) -> bytes:
    """RPIK = HKDF(TEK, salt=None, info="EN-RPIK", 16)."""
    _check("tek", tek, KEY_LENGTH)
    return _primitives.hkdf_sha256(tek, RPIK_INFO)


def derive_aemk(tek: bytes) -> bytes:
    """AEMK = HKDF(TEK, salt=None, info="EN-AEMK", 16)."""
    _check("tek", tek, KEY_LENGTH)
    return _primitives.hkdf_sha256(tek, AEMK_INFO)


def rpis_from_rpik(rpik: bytes, first_interval: int, count: int) -> list[bytes]:
    """RPIs for ``count`` consecutive intervals, in one AES-ECB call."""
    _check("rpik", rpik, KEY_LENGTH)
    if count < 0:
        raise InvalidKeyError("count must not be negative")
    blocks = b"".join(padded_data(first_interval + i) for i in range(count))
    out = _primitives.aes128_ecb_encrypt(rpik, blocks)
    return [out[i : i + KEY_LENGTH] for i in range(0, len(out), KEY_LENGTH)]


def derive_rpis(tek: bytes, first_interval: int, count: int = 1) -> list[bytes]:
    """RPI_j = AES-128-ECB(RPIK, PaddedData_j) for ``count`` intervals from ``first_interval``."""
    return rpis_from_rpik(derive_rpik(tek), first_interval, count)


@dataclass(frozen=True, slots=True)
class Metadata:
    """The 4 plaintext metadata bytes: version, calibrated TX power (dBm), 2 reserved."""

    tx_power: int
    version: int = METADATA_VERSION_1_0
    reserved: bytes = b"\x00\x00"

    def __post_init__(self) -> None:
        if not -128 <= self.tx_power <= 127:
            raise InvalidKeyError("tx_power must fit a signed byte")
        if not 0 <= self.version <= 255:
            raise InvalidKeyError("version must fit a byte")
        _check("reserved", self.reserved, 2)

    def encode(self) -> bytes:
        return struct.pack("<Bb", self.version, self.tx_power) + self.reserved

    @classmethod
    def decode(cls, raw: bytes) -> "Metadata":
        _check("metadata", raw, METADATA_LENGTH)
        version, tx_power = struct.unpack("<Bb", raw[:2])
        return cls(tx_power=tx_power, version=version, reserved=raw[2:])


def encrypt_metadata(aemk: bytes, rpi: bytes, metadata: bytes) -> bytes:
    """AEM = AES-128-CTR(AEMK, IV=RPI, metadata)."""
    _check("aemk", aemk, KEY_LENGTH)
    _check("rpi", rpi, KEY_LENGTH)
    _check("metadata", metadata, METADATA_LENGTH)
    return _primitives.aes128_ctr(aemk, rpi, metadata)


def decrypt_metadata(aemk: bytes, rpi: bytes, aem: bytes) -> bytes:
    """CTR is its own inverse: decrypting an AEM is encrypting it again."""
    _check("aem", aem, METADATA_LENGTH)
    return encrypt_metadata(aemk, rpi, aem)
