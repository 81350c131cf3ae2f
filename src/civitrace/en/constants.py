"""Constants of the GAEN Cryptography Specification v1.2 and the export format, one per line."""

from typing import Final

INTERVAL_SECONDS: Final = 600  # one ENIntervalNumber lasts 10 minutes
TEK_ROLLING_PERIOD: Final = 144  # intervals a TEK is valid for: one day
MAX_ROLLING_PERIOD: Final = 144  # the largest rolling period a key may declare
KEY_LENGTH: Final = 16  # bytes in a TEK, an RPIK, an AEMK and an RPI
METADATA_LENGTH: Final = 4  # bytes of BLE metadata: version, TX power, 2 reserved
BLE_PAYLOAD_LENGTH: Final = KEY_LENGTH + METADATA_LENGTH  # RPI || AEM in the service data
BLE_SERVICE_UUID: Final = 0xFD6F  # 16-bit service UUID of exposure notification
METADATA_VERSION_1_0: Final = 0b0100_0000  # major 1, minor 0 in the version byte

RPIK_INFO: Final = b"EN-RPIK"  # HKDF info for the rolling proximity identifier key
AEMK_INFO: Final = b"EN-AEMK"  # HKDF info for the associated encrypted metadata key
RPI_PREFIX: Final = b"EN-RPI" + bytes(6)  # first 12 bytes of the padded data block

MATCH_TOLERANCE_SECONDS: Final = 2 * 3600  # a sighting may be 2 h off its interval
KEY_RETENTION_DAYS: Final = 14  # days a device keeps keys, scans and results
MAX_DAYS_SINCE_ONSET: Final = 14  # |days since symptom onset| the format can carry

EXPORT_HEADER: Final = b"EK Export v1    "  # 16 bytes that open every export.bin
EXPORT_BIN_NAME: Final = "export.bin"  # zip entry holding header + TemporaryExposureKeyExport
EXPORT_SIG_NAME: Final = "export.sig"  # zip entry holding the TEKSignatureList
ECDSA_P256_SHA256_OID: Final = "1.2.840.10045.4.3.2"  # signature_algorithm for ES256
MAX_TRANSMISSION_RISK: Final = 8  # transmission risk levels run 0..8
