"""The 20-byte service data a device advertises under the 16-bit UUID 0xFD6F."""

import struct
from dataclasses import dataclass

from civitrace.en.constants import BLE_PAYLOAD_LENGTH, BLE_SERVICE_UUID, KEY_LENGTH
from civitrace.en.errors import InvalidKeyError

_AD_SERVICE_DATA_16 = 0x16  # GAP AD type "Service Data - 16-bit UUID"
_AD_HEADER = struct.pack("<BBH", 1 + 2 + BLE_PAYLOAD_LENGTH, _AD_SERVICE_DATA_16, BLE_SERVICE_UUID)


@dataclass(frozen=True, slots=True)
class BlePayload:
    """RPI || AEM, exactly as carried in the advertisement's service data."""

    rpi: bytes
    aem: bytes

    def __post_init__(self) -> None:
        if not isinstance(self.rpi, bytes) or len(self.rpi) != KEY_LENGTH:
            raise InvalidKeyError(f"rpi must be {KEY_LENGTH} bytes")
        if not isinstance(self.aem, bytes) or len(self.aem) != BLE_PAYLOAD_LENGTH - KEY_LENGTH:
            raise InvalidKeyError(f"aem must be {BLE_PAYLOAD_LENGTH - KEY_LENGTH} bytes")

    def encode(self) -> bytes:
        """The 20 service-data bytes."""
        return self.rpi + self.aem

    def advertising_structure(self) -> bytes:
        """The full AD structure: length, type 0x16, UUID 0xFD6F little-endian, payload."""
        return _AD_HEADER + self.encode()

    @classmethod
    def decode(cls, raw: bytes) -> "BlePayload":
        """Accept the 20 service-data bytes or the full 24-byte AD structure."""
        if not isinstance(raw, bytes | bytearray):
            raise InvalidKeyError("BLE payload must be bytes")
        raw = bytes(raw)
        if len(raw) == len(_AD_HEADER) + BLE_PAYLOAD_LENGTH:
            if raw[: len(_AD_HEADER)] != _AD_HEADER:
                raise InvalidKeyError("not an exposure-notification (0xFD6F) service data field")
            raw = raw[len(_AD_HEADER) :]
        if len(raw) != BLE_PAYLOAD_LENGTH:
            raise InvalidKeyError(f"BLE payload must be {BLE_PAYLOAD_LENGTH} bytes, got {len(raw)}")
        return cls(rpi=raw[:KEY_LENGTH], aem=raw[KEY_LENGTH:])
