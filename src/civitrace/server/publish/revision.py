"""Revision tokens: what lets the uploader of keys (and nobody else) revise them once.

A token is ``base64(version || nonce || AES-256-GCM(K, entries, AAD))``; each entry is the
22 bytes ``key(16) || intervalNumber(uint32 BE) || intervalCount(uint16 BE)``, padded with
all-zero entries up to a minimum count so the token's length does not reveal how many keys were
uploaded. ``K`` is derived with HKDF-SHA256 from the server's key-encryption key (info
``civitrace/revision-token/v1``), so every host sharing the secrets accepts every token and no
new secret file is needed. This is Google's ``RevisionTokenData`` with a fixed-width encoding in
place of protobuf (which would make the size depend on the interval numbers' varint lengths).
"""

import base64
import binascii
import struct
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from civitrace.server import crypto
from civitrace.server.errors import InvalidRevisionTokenError, StorageError

VERSION: Final = b"\x01"  # first byte of every token of this format
AAD: Final = b"civitrace-revision-token-v1"  # binds the ciphertext to its purpose
HKDF_INFO: Final = b"civitrace/revision-token/v1"  # domain separation from the KEK's other uses
_ENTRY: Final = struct.Struct(">16sIH")
_EMPTY: Final = bytes(16)


@dataclass(frozen=True, slots=True, order=True)
class RevisableKey:
    """A key a token holder may revise, as it was first published."""

    key: bytes
    interval_number: int
    interval_count: int


def derive_key(kek: bytes) -> bytes:
    return crypto.derive_key(kek, HKDF_INFO)


@dataclass(frozen=True)
class RevisionTokens:
    """Seals and opens revision tokens under one derived key."""

    key: bytes
    min_keys: int

    def seal(self, keys: Iterable[RevisableKey]) -> str:
        entries = sorted(set(keys))
        body = b"".join(
            _ENTRY.pack(k.key, k.interval_number, k.interval_count) for k in entries
        ) + _ENTRY.pack(_EMPTY, 0, 0) * max(0, self.min_keys - len(entries))
        sealed = VERSION + crypto.encrypt(self.key, body, AAD)
        return base64.b64encode(sealed).decode("ascii")

    def open(self, token: str) -> list[RevisableKey]:
        """The keys in ``token``, or :class:`InvalidRevisionTokenError`."""
        try:
            raw = base64.b64decode(token, validate=True)
        except (binascii.Error, ValueError):
            raise InvalidRevisionTokenError("revisionToken: is not valid base64") from None
        if raw[:1] != VERSION:
            raise InvalidRevisionTokenError("revisionToken: unknown token version")
        try:
            body = crypto.decrypt(self.key, raw[1:], AAD)
        except StorageError:
            raise InvalidRevisionTokenError("revisionToken: cannot be decrypted") from None
        if len(body) % _ENTRY.size:
            raise InvalidRevisionTokenError("revisionToken: malformed contents")
        keys = []
        for key, number, count in _ENTRY.iter_unpack(body):
            if key != _EMPTY:
                keys.append(RevisableKey(key, number, count))
        return keys
