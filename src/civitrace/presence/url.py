"""The check-in URL a QR code carries: ``https://<host>/?v=1#<base64url payload>``.

The payload sits in the fragment, which browsers never send to a server, so the server that
serves the check-in page never learns which venue was scanned. Readers accept civitrace URLs,
real Corona-Warn-App URLs (``https://e.coronawarn.app?v=1#...``) and bare base64 or base64url.
"""

import base64
import binascii
import re
from urllib.parse import parse_qs, urlsplit

from civitrace.presence.constants import URL_VERSION
from civitrace.presence.errors import PayloadFormatError

_HOST = re.compile(r"^[A-Za-z0-9.-]+(:[0-9]{1,5})?$")
_BASE64 = re.compile(r"^[A-Za-z0-9+/_-]+={0,2}$")
MAX_TEXT_LENGTH = 4096  # far above any real payload; refuses absurd input early


def b64url_encode(data: bytes) -> str:
    """base64url without padding, as the fragment carries it."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64_decode_any(text: str) -> bytes:
    """Decode standard or URL-safe base64, padded or not; anything else raises."""
    value = text.strip()
    if not value or not _BASE64.fullmatch(value) or len(value) > MAX_TEXT_LENGTH:
        raise PayloadFormatError("the payload is not valid base64 or base64url")
    stripped = value.rstrip("=")
    if len(stripped) % 4 == 1:
        raise PayloadFormatError("the payload is not valid base64: impossible length")
    normalised = stripped.replace("-", "+").replace("_", "/")
    padded = normalised + "=" * (-len(normalised) % 4)
    try:
        return base64.b64decode(padded, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise PayloadFormatError(f"the payload is not valid base64: {exc}") from exc


def check_in_url(payload: bytes, host: str) -> str:
    """The URL for a QR code; ``host`` may carry a port but no scheme or path."""
    if not _HOST.fullmatch(host):
        raise PayloadFormatError(f"not a host name: {host!r}")
    return f"https://{host}/?v={URL_VERSION}#{b64url_encode(payload)}"


def parse_url(url: str) -> bytes:
    """The payload bytes of a check-in URL (civitrace or CWA)."""
    if len(url) > MAX_TEXT_LENGTH:
        raise PayloadFormatError("the URL is too long to be a check-in URL")
    try:
        parts = urlsplit(url.strip())
        query = parse_qs(parts.query, keep_blank_values=True, strict_parsing=False)
        host = parts.hostname
    except ValueError as exc:
        raise PayloadFormatError(f"not a valid URL: {exc}") from exc
    if parts.scheme.lower() != "https":
        raise PayloadFormatError("a check-in URL must use https")
    if not host:
        raise PayloadFormatError("the check-in URL has no host")
    if query.get("v") != [URL_VERSION]:
        raise PayloadFormatError(f"the check-in URL must carry ?v={URL_VERSION}")
    if not parts.fragment:
        raise PayloadFormatError("the check-in URL has no payload after '#'")
    return b64_decode_any(parts.fragment)


def parse_qr_text(text: str) -> bytes:
    """Payload bytes from what a QR code or a user gives: a URL or bare base64(url)."""
    if not isinstance(text, str):
        raise PayloadFormatError("a QR code text must be a string")
    value = text.strip()
    if "://" in value or value.lower().startswith("https:"):
        return parse_url(value)
    return b64_decode_any(value)


def host_of(text: str) -> str | None:
    """The host (with port, if any) of a check-in URL; ``None`` for bare base64."""
    value = text.strip()
    if "://" not in value:
        return None
    try:
        netloc = urlsplit(value).netloc
    except ValueError as exc:
        raise PayloadFormatError(f"not a valid URL: {exc}") from exc
    host = netloc.rpartition("@")[2]
    return host or None
