"""Constants of the CWA event-registration (presence tracing) scheme, one per line."""

from typing import Final

PAYLOAD_VERSION: Final = 1  # version written into QRCodePayload and its sub-messages
URL_VERSION: Final = "1"  # the ``v`` query parameter of a check-in URL
CWA_HOST: Final = "e.coronawarn.app"  # host of real Corona-Warn-App event QR codes
DEFAULT_HOST: Final = "checkin.civitrace.example"  # placeholder host until a deployment sets one

MAX_TEXT_LENGTH: Final = 100  # characters allowed in a description or an address
SEED_LENGTH: Final = 16  # bytes of cryptographicSeed
MAX_CHECK_IN_LENGTH_MINUTES: Final = 1440  # a permanent venue's default stay: 1..1440 minutes

LOCATION_ID_PREFIX: Final = b"CWA-GUID"  # locationId = SHA-256(prefix || raw payload)
ENCRYPTION_KEY_PREFIX: Final = b"CWA-ENCRYPTION-KEY"  # encKey = SHA-256(prefix || locationId)
MAC_KEY_PREFIX: Final = b"CWA-MAC-KEY"  # macKey = SHA-256(prefix || locationId)
LOCATION_ID_LENGTH: Final = 32  # bytes of a location ID and of its hash
IV_LENGTH: Final = 16  # bytes of the AES-CBC initialisation vector
MAC_LENGTH: Final = 32  # bytes of the HMAC-SHA256 tag
ENCRYPTED_RECORD_LENGTH: Final = 16  # one AES block holds any realistic CheckInRecord

INTERVAL_SECONDS: Final = 600  # check-in records count 10-minute intervals since the epoch
WARNING_PACKAGE_SECONDS: Final = 3600  # a TraceWarningPackage covers one hour
DAY_SECONDS: Final = 86_400  # records are split at UTC midnight

CHECK_IN_RETENTION_DAYS: Final = 15  # days a device keeps its check-ins
WARNING_LOOKBACK_DAYS: Final = 10  # warnings consider check-ins up to this many days old

MIN_STAY_MINUTES: Final = 10  # stays shorter than this are not shared
MAX_DECAY_MINUTES: Final = 30  # aerosol decay extends a stay by its length, at most this much

MIN_TRANSMISSION_RISK_LEVEL: Final = 1  # transmission risk levels run 1..8
MAX_TRANSMISSION_RISK_LEVEL: Final = 8
DEFAULT_TRANSMISSION_RISK_LEVEL: Final = 1  # used when days since onset fall outside the table
TRANSMISSION_RISK_VALUES: Final = {  # level -> weight applied to overlapping minutes
    1: 0.0,
    2: 0.0,
    3: 0.6,
    4: 0.8,
    5: 1.0,
    6: 1.2,
    7: 1.4,
    8: 1.6,
}
HIGH_RISK_NORMALIZED_MINUTES: Final = 10.0  # per day: below is low risk, at or above is high

MIN_SUBMITTED_REPORTS: Final = 20  # a submission is padded with fake reports up to this count
MAX_EXTRA_FAKE_REPORTS: Final = 10  # then 0..this many more, so the count reveals nothing
