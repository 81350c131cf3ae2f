"""Padded JSON responses: every answer carries 1024 + rand[0, 1024) random bytes.

Padding makes a response's size independent of what it says, so an observer of the encrypted
traffic cannot tell a successful upload from a failure or from chaff.
"""

import base64
import json
import secrets
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from fastapi.responses import Response

if TYPE_CHECKING:
    from civitrace.server.settings import Settings


def padding(settings: "Settings") -> str:
    """Base64 of ``min + rand[0, range)`` random bytes."""
    size = settings.response_padding_min_bytes + secrets.randbelow(
        settings.response_padding_range_bytes
    )
    return base64.b64encode(secrets.token_bytes(size)).decode("ascii")


def padded_json(
    document: Mapping[str, Any],
    settings: "Settings",
    *,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """``document`` without its ``None`` fields (Go's ``omitempty``), plus ``padding``."""
    body = {key: value for key, value in document.items() if value is not None}
    body["padding"] = padding(settings)
    return Response(
        content=json.dumps(body, separators=(",", ":")).encode("utf-8"),
        status_code=status_code,
        headers=dict(headers or {}),
        media_type="application/json",
    )
