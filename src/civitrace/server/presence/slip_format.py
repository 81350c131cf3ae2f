"""The kiosk slip: a printed code, the keys derived from it, and the encrypted check-in.

This module is the reference of the format the kiosk page and the lookup page implement in the
browser with WebCrypto (PBKDF2, HKDF, AES-GCM), and the tests' client; the server itself only
checks sizes (:data:`SLIP_ID_LENGTH`, :data:`CIPHERTEXT_LENGTH`) and never decrypts a slip.

- **Code**: 12 symbols of ``23456789ABCDEFGHJKLMNPQRSTUVWXYZ`` (32 symbols without 0/O and 1/I,
  so 60 random bits), printed as ``XXXX-XXXX-XXXX``. Input is upper-cased and stripped of
  spaces and dashes before use.
- **Keys**: ``master = PBKDF2-HMAC-SHA256(code, salt = "civitrace-kiosk-slip-v1", 600 000
  iterations, 32 bytes)``; ``id = HKDF-SHA256(master, salt = none, info = "civitrace slip id
  v1", 32)``; ``key = HKDF-SHA256(master, salt = none, info = "civitrace slip key v1", 32)``.
  The server learns ``id`` only; ``key`` never leaves the browser. The slow PBKDF2 makes every
  guess of a code cost ~0.3 s of CPU, offline (against a stolen table) as online.
- **Plaintext**: UTF-8 JSON ``{"v": 1, "locationId": base64, "start": unix s, "end": unix s,
  "description": text}`` padded with spaces to exactly 1024 bytes, so every slip is the same size.
- **Ciphertext**: ``nonce(12) || AES-256-GCM(key, nonce, plaintext, aad = id)`` = 1052 bytes.
"""

import base64
import binascii
import hashlib
import json
import secrets
from dataclasses import dataclass
from typing import Final

from civitrace.presence.constants import LOCATION_ID_LENGTH
from civitrace.server import crypto
from civitrace.server.db.presence_models import SLIP_CIPHERTEXT_LENGTH, SLIP_ID_LENGTH
from civitrace.server.errors import StorageError
from civitrace.server.presence.errors import SlipFormatError

CODE_ALPHABET: Final = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, no 1/I: nothing to confuse
CODE_LENGTH: Final = 12  # symbols; 12 x 5 bits = 60 bits
CODE_GROUP: Final = 4  # printed in groups of four, joined by dashes
PBKDF2_SALT: Final = b"civitrace-kiosk-slip-v1"
PBKDF2_ITERATIONS: Final = 600_000  # OWASP's 2023 figure for PBKDF2-HMAC-SHA256
ID_INFO: Final = b"civitrace slip id v1"
KEY_INFO: Final = b"civitrace slip key v1"
PLAINTEXT_LENGTH: Final = 1024  # bytes after padding
NONCE_LENGTH: Final = crypto.NONCE_LENGTH
TAG_LENGTH: Final = 16
CIPHERTEXT_LENGTH: Final = NONCE_LENGTH + PLAINTEXT_LENGTH + TAG_LENGTH
FORMAT_VERSION: Final = 1

assert CIPHERTEXT_LENGTH == SLIP_CIPHERTEXT_LENGTH  # the table's check constraint agrees
assert SLIP_ID_LENGTH == 32


@dataclass(frozen=True, slots=True)
class SlipKeys:
    """What a code gives: the id the server files the slip under, and the key it never sees."""

    slip_id: bytes
    key: bytes

    @property
    def id_hex(self) -> str:
        return self.slip_id.hex()


@dataclass(frozen=True, slots=True)
class SlipCheckIn:
    """The check-in a slip carries: enough to match warnings locally, nothing more."""

    location_id: bytes
    start: int
    end: int
    description: str = ""

    def __post_init__(self) -> None:
        if len(self.location_id) != LOCATION_ID_LENGTH:
            raise SlipFormatError(f"a location ID must be {LOCATION_ID_LENGTH} bytes")
        if not 0 <= self.start <= self.end < 2**53:
            raise SlipFormatError("a slip needs 0 <= start <= end (unix seconds)")


def new_code() -> str:
    """A fresh random code, printed form."""
    symbols = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(symbols[i : i + CODE_GROUP] for i in range(0, CODE_LENGTH, CODE_GROUP))


def normalize_code(text: str) -> str:
    """The 12 symbols of a typed code (case, spaces and dashes do not matter)."""
    symbols = "".join(text.split()).replace("-", "").upper()
    if len(symbols) != CODE_LENGTH or any(s not in CODE_ALPHABET for s in symbols):
        raise SlipFormatError(
            f"a slip code has {CODE_LENGTH} characters from {CODE_ALPHABET} (dashes optional)"
        )
    return symbols


def derive_keys(code: str) -> SlipKeys:
    """The id and key of a code (slow on purpose: PBKDF2 with 600 000 iterations)."""
    master = hashlib.pbkdf2_hmac(
        "sha256", normalize_code(code).encode("ascii"), PBKDF2_SALT, PBKDF2_ITERATIONS, 32
    )
    return SlipKeys(crypto.derive_key(master, ID_INFO), crypto.derive_key(master, KEY_INFO))


def encode_plaintext(check_in: SlipCheckIn) -> bytes:
    document = {
        "v": FORMAT_VERSION,
        "locationId": base64.b64encode(check_in.location_id).decode("ascii"),
        "start": check_in.start,
        "end": check_in.end,
        "description": check_in.description,
    }
    text = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    if len(text) > PLAINTEXT_LENGTH:
        raise SlipFormatError("the slip's description is too long to fit the fixed size")
    return text + b" " * (PLAINTEXT_LENGTH - len(text))


def decode_plaintext(data: bytes) -> SlipCheckIn:
    try:
        document = json.loads(data.decode("utf-8"))
        location_id = base64.b64decode(document["locationId"], validate=True)
        check_in = SlipCheckIn(
            location_id, int(document["start"]), int(document["end"]), document["description"]
        )
    except (ValueError, KeyError, TypeError, binascii.Error) as exc:
        raise SlipFormatError(f"the slip's plaintext is malformed: {exc}") from None
    if document.get("v") != FORMAT_VERSION or not isinstance(check_in.description, str):
        raise SlipFormatError("the slip's plaintext has an unknown version")
    return check_in


def seal(keys: SlipKeys, check_in: SlipCheckIn) -> bytes:
    """The ciphertext a kiosk uploads: nonce || AES-256-GCM, bound to the id."""
    return crypto.encrypt(keys.key, encode_plaintext(check_in), keys.slip_id)


def open_slip(keys: SlipKeys, ciphertext: bytes) -> SlipCheckIn:
    """The check-in back, on the visitor's computer; a wrong code or any change fails."""
    if len(ciphertext) != CIPHERTEXT_LENGTH:
        raise SlipFormatError(f"a slip's ciphertext is {CIPHERTEXT_LENGTH} bytes")
    try:
        plaintext = crypto.decrypt(keys.key, ciphertext, keys.slip_id)
    except StorageError:
        raise SlipFormatError("the slip does not decrypt with this code") from None
    return decode_plaintext(plaintext)
