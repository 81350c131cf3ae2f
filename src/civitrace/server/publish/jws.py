"""Compact ES256 JWS parsing for verification certificates.

PyJWT checks every base64url segment character by character in Python, and a certificate was
parsed twice per upload (header for the ``kid``, then the whole token): a tenth of a publish's
CPU. Here the token is split and decoded once, the alphabet checked by one regular expression,
and the signature verified with PyJWT's own ES256 algorithm (raw ``r || s`` as RFC 7518 says).
Claim rules (issuer, audience, times) are the caller's, against its own clock.
"""

import base64
import binascii
import json
import re
from dataclasses import dataclass
from typing import Any, Final

from jwt.algorithms import ECAlgorithm

from civitrace.server import crypto

ES256: Final = "ES256"
MAX_TOKEN_CHARS: Final = 16_000  # the publish schema's bound on verificationPayload
_SEGMENT: Final = re.compile(r"[A-Za-z0-9_-]*")
_VERIFIER: Final = ECAlgorithm(ECAlgorithm.SHA256)


class JwsError(ValueError):
    """The token is not a well-formed compact JWS (the message says what is wrong)."""


@dataclass(frozen=True, slots=True)
class CompactJws:
    """A decoded token whose signature is not checked yet."""

    header: dict[str, Any]
    claims: dict[str, Any]
    signing_input: bytes
    signature: bytes

    @property
    def kid(self) -> str | None:
        kid = self.header.get("kid")
        return kid if isinstance(kid, str) else None

    def verifies(self, key: crypto.PublicKey) -> bool:
        """Whether the ES256 signature is ``key``'s over the header and payload."""
        return bool(_VERIFIER.verify(self.signing_input, key, self.signature))


def _segment(text: str) -> bytes:
    if _SEGMENT.fullmatch(text) is None or len(text) % 4 == 1:
        raise JwsError("is not a JWT")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):  # pragma: no cover - the alphabet was checked
        raise JwsError("is not a JWT") from None


def _json_object(data: bytes, part: str) -> dict[str, Any]:
    try:
        document = json.loads(data)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise JwsError(f"is not a JWT ({part} is not JSON)") from None
    if not isinstance(document, dict):
        raise JwsError(f"is not a JWT ({part} is not a JSON object)")
    return document


def parse(token: str) -> CompactJws:
    """``header.payload.signature``, decoded; refuses anything but an ES256 JWS without
    critical extensions (``crit``: this server understands none)."""
    if len(token) > MAX_TOKEN_CHARS or token.count(".") != 2:
        raise JwsError("is not a JWT")
    header_text, payload_text, signature_text = token.split(".")
    header = _json_object(_segment(header_text), "header")
    if header.get("alg") != ES256:
        raise JwsError("must be signed with ES256")
    if "crit" in header:
        raise JwsError("has critical header extensions (crit), which are not supported")
    claims = _json_object(_segment(payload_text), "payload")
    return CompactJws(
        header=header,
        claims=claims,
        signing_input=f"{header_text}.{payload_text}".encode("ascii"),
        signature=_segment(signature_text),
    )
