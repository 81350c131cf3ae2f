"""The fetch protocol between civitrace instances (version 1).

Request: ``POST /federation/v1/fetch`` with ``Authorization: Bearer <credential>`` and JSON
``{"regions": [...], "cursor": <opaque or null>}``. Response: JSON ``{"payload", "signature",
"keyId", "padding"}`` where ``payload`` is base64 of the UTF-8 JSON document

``{"version": 1, "regions": [...], "cursor": <as requested>, "keys": [...], "nextCursor": str,
"more": bool}``

and ``signature`` is base64 of the DER ECDSA P-256/SHA-256 signature over
:data:`SIGNATURE_CONTEXT` followed by the payload bytes. Signing the bytes as sent (not a
re-serialization) makes verification independent of JSON formatting; the context string keeps
a federation signature from ever being valid for anything else (an export file, a JWT), and the
echoed request (regions, cursor) keeps an old page from being replayed as the answer to a new one.

A cursor is base64url of ``<created_at unix seconds>.<key hex>``: the position after the last
key served, in (created_at, exposure_key) order.
"""

import base64
import binascii
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from civitrace.en import _primitives
from civitrace.server.db.models import MAX_DAYS_SINCE_ONSET, REPORT_TYPES

PROTOCOL_VERSION: Final = 1
FETCH_PATH: Final = "/federation/v1/fetch"
SIGNATURE_CONTEXT: Final = b"civitrace-federation-fetch-v1\n"  # domain separation of signatures
REGION: Final = re.compile(r"^[A-Z]{2}(-[A-Z0-9]{1,3})?$")  # ISO 3166-1 alpha-2 or subdivision
MAX_REGIONS: Final = 20
MAX_CURSOR_LENGTH: Final = 200
_CURSOR: Final = re.compile(r"^(\d{1,12})\.([0-9a-f]{32})$")


class WireError(ValueError):
    """A cursor, payload or key that does not follow the protocol; the message names the field."""


@dataclass(frozen=True, slots=True)
class Cursor:
    created_at: datetime
    exposure_key: bytes


@dataclass(frozen=True, slots=True)
class SharedKey:
    """A key as it crosses between instances (effective, i.e. revised, metadata)."""

    exposure_key: bytes
    interval_number: int
    interval_count: int
    transmission_risk: int
    report_type: str
    days_since_symptom_onset: int | None
    traveler: bool
    regions: tuple[str, ...]


def encode_cursor(cursor: Cursor) -> str:
    raw = f"{int(cursor.created_at.timestamp())}.{cursor.exposure_key.hex()}".encode("ascii")
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode_cursor(value: str) -> Cursor:
    """The cursor in ``value``, or :class:`WireError` naming ``cursor``."""
    if len(value) > MAX_CURSOR_LENGTH:
        raise WireError("cursor: too long")
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode("ascii")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise WireError("cursor: not a cursor this server issued") from None
    match = _CURSOR.match(raw)
    if match is None:
        raise WireError("cursor: not a cursor this server issued")
    moment = datetime.fromtimestamp(int(match[1]), UTC)
    return Cursor(moment, bytes.fromhex(match[2]))


def check_regions(regions: list[str], field: str = "regions") -> list[str]:
    """Distinct, sorted ISO 3166 region codes, or :class:`WireError` naming ``field``."""
    if not regions or len(regions) > MAX_REGIONS:
        raise WireError(f"{field}: give 1..{MAX_REGIONS} region codes")
    bad = [r for r in regions if not isinstance(r, str) or not REGION.match(r)]
    if bad:
        raise WireError(f"{field}: not ISO 3166 region codes: {', '.join(map(str, bad))}")
    return sorted(set(regions))


def key_to_json(key: SharedKey) -> dict[str, Any]:
    return {
        "key": base64.b64encode(key.exposure_key).decode("ascii"),
        "rollingStartNumber": key.interval_number,
        "rollingPeriod": key.interval_count,
        "transmissionRisk": key.transmission_risk,
        "reportType": key.report_type,
        "daysSinceOnsetOfSymptoms": key.days_since_symptom_onset,
        "traveler": key.traveler,
        "regions": list(key.regions),
    }


def _int(item: dict[str, Any], name: str, low: int, high: int) -> int:
    value = item.get(name)
    if type(value) is not int or not low <= value <= high:
        raise WireError(f"keys[].{name}: must be an integer {low}..{high}")
    return value


def key_from_json(item: Any) -> SharedKey:
    """A key sent by a peer, checked as strictly as a local upload's stored form."""
    if not isinstance(item, dict):
        raise WireError("keys[]: must be an object")
    try:
        raw = base64.b64decode(str(item.get("key", "")), validate=True)
    except (binascii.Error, ValueError):
        raise WireError("keys[].key: not base64") from None
    if len(raw) != 16:
        raise WireError("keys[].key: must be 16 bytes")
    report_type = item.get("reportType", "")
    if report_type not in REPORT_TYPES:
        raise WireError(f"keys[].reportType: must be one of {REPORT_TYPES}")
    dsos = item.get("daysSinceOnsetOfSymptoms")
    if dsos is not None:
        dsos = _int(item, "daysSinceOnsetOfSymptoms", -MAX_DAYS_SINCE_ONSET, MAX_DAYS_SINCE_ONSET)
    traveler = item.get("traveler", False)
    if not isinstance(traveler, bool):
        raise WireError("keys[].traveler: must be a boolean")
    regions = item.get("regions")
    if not isinstance(regions, list):
        raise WireError("keys[].regions: must be a list")
    return SharedKey(
        exposure_key=raw,
        interval_number=_int(item, "rollingStartNumber", 0, 2**31 - 1),
        interval_count=_int(item, "rollingPeriod", 1, 144),
        transmission_risk=_int(item, "transmissionRisk", 0, 8),
        report_type=report_type,
        days_since_symptom_onset=dsos,
        traveler=traveler,
        regions=tuple(check_regions(regions, "keys[].regions")),
    )


def sign_payload(key: _primitives.PrivateKey, document: dict[str, Any]) -> tuple[str, str]:
    """``(payload, signature)``, both base64, for a payload document."""
    payload = json.dumps(document, separators=(",", ":"), sort_keys=True).encode("utf-8")
    signature = _primitives.ecdsa_sign(key, SIGNATURE_CONTEXT + payload)
    return base64.b64encode(payload).decode("ascii"), base64.b64encode(signature).decode("ascii")


def verify_payload(public_key: _primitives.PublicKey, payload: str, signature: str) -> Any:
    """The payload document when ``signature`` holds for it, else :class:`WireError`."""
    try:
        raw = base64.b64decode(payload, validate=True)
        sig = base64.b64decode(signature, validate=True)
    except (binascii.Error, ValueError, TypeError):
        raise WireError("payload/signature: not base64") from None
    if not _primitives.ecdsa_verify(public_key, sig, SIGNATURE_CONTEXT + raw):
        raise WireError("signature: does not verify with the peer's public key")
    try:
        return json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise WireError("payload: not JSON") from None
