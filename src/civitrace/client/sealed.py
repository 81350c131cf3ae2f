"""The store's file format: one AES-256-GCM sealed blob behind a self-describing header.

Layout (single bytes unless stated)::

    offset  size  field
    0       8     magic  b"CTSTORE\\x00"
    8       1     format version (1)
    9       1     key source: 1 = passphrase through Scrypt, 2 = 32-byte device key file
    10      1     Scrypt log2(N)   } zero for a key file
    11      1     Scrypt r         }
    12      1     Scrypt p         }
    13      16    Scrypt salt      } (random per store)
    29      16    key check value: HKDF(master, "civitrace store v1 key check")
    45      12    nonce (random for every write)
    57      ...   AES-256-GCM ciphertext and 16-byte tag

Bytes 0..44 (everything before the nonce) are the GCM associated data, so a changed header
fails authentication just as a changed ciphertext does. The key check value is there to tell
"wrong passphrase" apart from "damaged file": it is derived from the same master key as the
encryption key and gives an attacker nothing the GCM tag does not already give (both let them
test a passphrase guess offline, at Scrypt's cost).

Scrypt defaults to N = 2**15, r = 8, p = 1: 32 MiB of memory and about 0.15 s on one core of
the reference machines — the "interactive login" level of RFC 7914 section 2 and the
cryptography documentation. A phone unlocks its store once per session, so the delay is
acceptable, and every guess costs an attacker the same 32 MiB. Parameters read from a header
are bounded (at most 256 MiB), so a tampered header cannot make the device allocate gigabytes.
"""

import hmac
import secrets
import struct
import unicodedata
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from civitrace.client.errors import StoreCorruptError, StoreLockedError

MAGIC = b"CTSTORE\x00"
FORMAT_VERSION = 1
KEY_SOURCE_PASSPHRASE = 1
KEY_SOURCE_KEY_FILE = 2
SALT_LENGTH = 16
CHECK_LENGTH = 16
NONCE_LENGTH = 12
DEVICE_KEY_LENGTH = 32  # a key file holds exactly the 256-bit master key
MAX_SCRYPT_MEMORY = 256 * 1024 * 1024  # bytes; scrypt needs 128 * r * N

_PARAMS = struct.Struct(">8sBBBBB16s16s")
HEADER_LENGTH = _PARAMS.size  # 45 bytes: the associated data
PREFIX_LENGTH = HEADER_LENGTH + NONCE_LENGTH  # 57 bytes before the ciphertext
_ENCRYPTION_INFO = b"civitrace store v1 encryption"
_CHECK_INFO = b"civitrace store v1 key check"


@dataclass(frozen=True, slots=True)
class ScryptParams:
    """Scrypt cost parameters; see the module docstring for why these defaults."""

    log2_n: int = 15
    r: int = 8
    p: int = 1

    def __post_init__(self) -> None:
        if not (10 <= self.log2_n <= 22 and 1 <= self.r <= 32 and 1 <= self.p <= 16):
            raise ValueError("Scrypt parameters out of range (log2 N 10..22, r 1..32, p 1..16)")
        if 128 * self.r * (1 << self.log2_n) > MAX_SCRYPT_MEMORY:
            raise ValueError(f"Scrypt would need more than {MAX_SCRYPT_MEMORY} bytes of memory")


@dataclass(frozen=True, slots=True)
class Passphrase:
    """A passphrase; NFC-normalized so the same phrase typed on another keyboard unlocks too."""

    value: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class RawKey:
    """The 32 bytes of a device key file."""

    value: bytes = field(repr=False)


Credential = Passphrase | RawKey


def _hkdf(master: bytes, info: bytes, length: int) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=None, info=info).derive(master)


def _master_key(credential: Credential, params: ScryptParams | None, salt: bytes) -> bytes:
    if isinstance(credential, RawKey):
        if len(credential.value) != DEVICE_KEY_LENGTH:
            raise StoreLockedError(f"a device key must be exactly {DEVICE_KEY_LENGTH} bytes")
        return credential.value
    if params is None:  # pragma: no cover - callers pair passphrases with parameters
        raise ValueError("a passphrase needs Scrypt parameters")
    secret = unicodedata.normalize("NFC", credential.value).encode("utf-8")
    kdf = Scrypt(salt=salt, length=DEVICE_KEY_LENGTH, n=1 << params.log2_n, r=params.r, p=params.p)
    return kdf.derive(secret)


class Sealer:
    """The derived key and fixed header of one store file: seals and opens its versions."""

    def __init__(self, header: bytes, encryption_key: bytes) -> None:
        self._header = header
        self._aead = AESGCM(encryption_key)

    @classmethod
    def new(cls, credential: Credential, params: ScryptParams | None = None) -> "Sealer":
        """A sealer for a new store: fresh salt for a passphrase, none for a key file."""
        if isinstance(credential, Passphrase):
            if not credential.value:
                raise StoreLockedError("the passphrase must not be empty")
            params = params or ScryptParams()
            salt = secrets.token_bytes(SALT_LENGTH)
            source = KEY_SOURCE_PASSPHRASE
            cost = (params.log2_n, params.r, params.p)
        else:
            params, salt, source, cost = None, bytes(SALT_LENGTH), KEY_SOURCE_KEY_FILE, (0, 0, 0)
        master = _master_key(credential, params, salt)
        header = _PARAMS.pack(
            MAGIC, FORMAT_VERSION, source, *cost, salt, _hkdf(master, _CHECK_INFO, CHECK_LENGTH)
        )
        return cls(header, _hkdf(master, _ENCRYPTION_INFO, DEVICE_KEY_LENGTH))

    @classmethod
    def for_blob(cls, blob: bytes, credential: Credential) -> "Sealer":
        """The sealer of an existing file, once the credential proves to be the right one."""
        if len(blob) < PREFIX_LENGTH or not blob.startswith(MAGIC):
            raise StoreCorruptError("not a civitrace store (bad magic or truncated header)")
        header = blob[:HEADER_LENGTH]
        _magic, version, source, log2_n, r, p, salt, check = _PARAMS.unpack(header)
        if version != FORMAT_VERSION:
            raise StoreCorruptError(f"unsupported store format version {version}")
        params: ScryptParams | None = None
        if source == KEY_SOURCE_PASSPHRASE:
            if not isinstance(credential, Passphrase):
                raise StoreLockedError("this store is protected by a passphrase, not a key file")
            try:
                params = ScryptParams(log2_n, r, p)
            except ValueError as exc:
                raise StoreCorruptError(f"the store header is damaged: {exc}") from None
        elif source == KEY_SOURCE_KEY_FILE:
            if not isinstance(credential, RawKey):
                raise StoreLockedError("this store is protected by a key file, not a passphrase")
            if (log2_n, r, p) != (0, 0, 0) or any(salt):
                raise StoreCorruptError(
                    "the store header is damaged: key-file store with Scrypt data"
                )
        else:
            raise StoreCorruptError(f"the store header is damaged: unknown key source {source}")
        master = _master_key(credential, params, salt)
        if not hmac.compare_digest(_hkdf(master, _CHECK_INFO, CHECK_LENGTH), check):
            raise StoreLockedError(
                "cannot unlock the store: wrong passphrase or key file (or a damaged header)"
            )
        return cls(header, _hkdf(master, _ENCRYPTION_INFO, DEVICE_KEY_LENGTH))

    def seal(self, plaintext: bytes) -> bytes:
        """Header, a fresh random nonce, and the authenticated ciphertext."""
        nonce = secrets.token_bytes(NONCE_LENGTH)
        return self._header + nonce + self._aead.encrypt(nonce, plaintext, self._header)

    def unseal(self, blob: bytes) -> bytes:
        """The plaintext of ``blob``, which must carry this sealer's header."""
        if blob[:HEADER_LENGTH] != self._header or len(blob) < PREFIX_LENGTH:
            raise StoreCorruptError("the store header changed while it was open")
        nonce = blob[HEADER_LENGTH:PREFIX_LENGTH]
        try:
            return self._aead.decrypt(nonce, blob[PREFIX_LENGTH:], self._header)
        except InvalidTag:
            raise StoreCorruptError(
                "the store is damaged or was tampered with (authentication failed)"
            ) from None
