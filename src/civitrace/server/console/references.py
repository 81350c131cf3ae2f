"""Random references and secret codes, in an alphabet people can read aloud and type.

Crockford's base32 alphabet leaves out I, L, O and U, so a reference read over the phone or
copied from paper is not mistaken; typed input is forgiving (lower case, spaces, dashes, and
I/L for 1, O for 0 are accepted).
"""

import hashlib
import secrets
from typing import Final

ALPHABET: Final = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_CONFUSED: Final = str.maketrans({"I": "1", "L": "1", "O": "0", "U": "V"})
REFERENCE_LENGTH: Final = 8  # 40 bits: unique enough to name records, not a secret
CODE_LENGTH: Final = 20  # 100 bits: a follow-up link code cannot be guessed online
CODE_GROUP: Final = 4


def random_symbols(count: int) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(count))


def reference(prefix: str) -> str:
    """A record reference such as ``C-7K3M9Q2X`` (``prefix`` names the kind of record)."""
    return f"{prefix}-{random_symbols(REFERENCE_LENGTH)}"


def new_code() -> str:
    """A secret code for a follow-up link, ``CODE_LENGTH`` symbols."""
    return random_symbols(CODE_LENGTH)


def normalize_code(text: str) -> str:
    """A typed code in canonical form: upper case, confusable letters mapped, no separators."""
    kept = "".join(ch for ch in text.upper() if ch.isalnum())
    return kept.translate(_CONFUSED)


def is_code(text: str) -> bool:
    return len(text) == CODE_LENGTH and all(ch in ALPHABET for ch in text)


def grouped(code: str) -> str:
    """``ABCD-EFGH-…``: how a code is printed for a person to type."""
    return "-".join(code[i : i + CODE_GROUP] for i in range(0, len(code), CODE_GROUP))


def code_hash(code: str) -> bytes:
    """What the database keeps of a code: its SHA-256 (100 random bits need no slow hash)."""
    return hashlib.sha256(code.encode("ascii")).digest()
