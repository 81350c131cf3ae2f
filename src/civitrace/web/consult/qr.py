"""The join link as a QR code: an inline SVG made on the server (segno), so the projector and
the facilitator's page load no image and call no other service."""

from urllib.parse import urlsplit

import segno
from markupsafe import Markup
from starlette.requests import Request

from civitrace.web.consult.access import session_path


def join_url(request: Request, session_id: str) -> str:
    """The absolute join link of a session, on the host the page was asked for."""
    base = urlsplit(str(request.base_url))
    return f"{base.scheme}://{base.netloc}{session_path(session_id)}"


def qr_svg(url: str) -> Markup:
    """``url`` as a QR code, an ``<svg>`` element (no text of a person goes into it)."""
    svg = segno.make(url, error="m").svg_inline(scale=5, omitsize=False, border=4)
    return Markup(svg)  # noqa: S704 - segno's own SVG of our own URL
