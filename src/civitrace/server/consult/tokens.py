"""Secrets of the consultation API: random ids, bearer tokens and their stored hashes.

A token is 32 random bytes (base64url) behind a prefix that says what it is for, so a token
pasted in the wrong place is recognisable: ``ctp_`` a participant's join token, ``ctf_`` a
facilitator link, ``ctm_`` a moderator link. Only SHA-256 of the whole string is stored; 256
random bits need no slow hash.
"""

import hashlib
import secrets
from typing import Final

PARTICIPANT_PREFIX: Final = "ctp_"
FACILITATOR_PREFIX: Final = "ctf_"
MODERATOR_PREFIX: Final = "ctm_"
MAX_TOKEN_LENGTH: Final = 100  # longer values are refused before hashing


def new_id() -> str:
    """A random, unguessable id for a consultation or a session (22 characters)."""
    return secrets.token_urlsafe(16)


def new_token(prefix: str) -> str:
    return prefix + secrets.token_urlsafe(32)


def token_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8")).digest()
