"""Gzip for pages and their assets only.

API responses are JSON padded to hide how many keys or reports a request carried; compressing
them would shrink the random padding and undo that, and exports are zip files already. So
compression is decided by content type: JSON and binary bodies are never compressed, pages,
styles, scripts, SVG and CSV are.
"""

from typing import Final

from starlette.middleware.gzip import DEFAULT_EXCLUDED_CONTENT_TYPES

NEVER_COMPRESSED: Final = (
    *DEFAULT_EXCLUDED_CONTENT_TYPES,
    "application/json",
    "application/problem+json",
    "application/octet-stream",
    "application/x-protobuf",
)
