"""``POST /venue/poster``: a venue's poster (PDF or SVG) or QR preview, rendered and forgotten.

The owner's browser made the payload; this endpoint only draws it. It writes nothing to the
database or to disk and logs nothing of the request (the access log records the route
template, status and duration, as for every request); a test searches the database and every
log line for the venue's name after rendering. Refusals are 4xx JSON naming the field.

Rendering a poster with Chinese, Korean or every language costs seconds of CPU (the CJK fonts
are large), so at most :data:`MAX_CONCURRENT_RENDERS` run at once; a request that cannot get a
turn within :data:`RENDER_WAIT_SECONDS` is answered 503 with ``Retry-After``.
"""

import io
import threading
from enum import StrEnum
from typing import Annotated, Final

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from civitrace.presence._fonts import MissingFontError
from civitrace.presence.errors import PayloadFormatError, PosterError, ValidationError
from civitrace.presence.payload import Venue
from civitrace.presence.poster import (
    MAX_LANGUAGES,
    QR_BORDER_MODULES,
    Paper,
    PosterGlyphError,
    PosterLanguageError,
    qr_code,
    render_pdf,
    render_svg,
)
from civitrace.presence.url import MAX_TEXT_LENGTH, b64_decode_any, check_in_url
from civitrace.server.errors import ApiError

POSTER_PATH: Final = "/venue/poster"
MAX_CONCURRENT_RENDERS: Final = 2  # the machine's cores; more would only queue inside fpdf2
RENDER_WAIT_SECONDS: Final = 20.0
RETRY_AFTER_SECONDS: Final = "10"
MAX_HOST_LENGTH: Final = 262  # a DNS name (253) and a port
_SVG_POLICY: Final = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"

router = APIRouter(include_in_schema=False)
_turns = threading.BoundedSemaphore(MAX_CONCURRENT_RENDERS)


class PosterRequestError(ApiError):
    """The request names no drawable venue, no known language, or a bad host."""

    status, code = 400, "invalid_poster_request"


class PosterUnavailableError(ApiError):
    """The server cannot draw posters now: fonts are missing, or every turn is taken."""

    status, code = 503, "poster_unavailable"


class PosterFormat(StrEnum):
    PDF = "pdf"
    SVG = "svg"
    QR = "qr"  # the QR code alone, as SVG: the page's preview


Language = Annotated[str, StringConstraints(strict=True, min_length=1, max_length=16)]


class PosterRequest(BaseModel):
    """What the page sends: the payload it made and how the poster should look."""

    model_config = ConfigDict(extra="forbid")

    payload: Annotated[
        str, StringConstraints(strict=True, min_length=1, max_length=MAX_TEXT_LENGTH)
    ]
    languages: Annotated[list[Language], Field(min_length=1, max_length=MAX_LANGUAGES)] = ["en"]
    paper: Paper = Paper.A4
    format: PosterFormat = PosterFormat.PDF
    host: (
        Annotated[str, StringConstraints(strict=True, min_length=1, max_length=MAX_HOST_LENGTH)]
        | None
    ) = None


def _venue(payload: str) -> Venue:
    try:
        return Venue.from_bytes(b64_decode_any(payload))
    except ValidationError as exc:
        raise PosterRequestError(f"payload: {exc}") from None
    except PayloadFormatError as exc:
        raise PosterRequestError(f"payload: {exc}") from None


def _url(venue: Venue, host: str) -> str:
    try:
        return check_in_url(venue.raw, host)
    except PayloadFormatError as exc:
        raise PosterRequestError(f"host: {exc}") from None


def _qr_svg(url: str) -> bytes:
    """The poster's QR code alone: the same segno code, a standalone SVG on white."""
    out = io.BytesIO()
    qr_code(url).save(out, kind="svg", border=QR_BORDER_MODULES, scale=4, light="#fff")
    return out.getvalue()


def _render(body: PosterRequest, venue: Venue, host: str) -> tuple[bytes, str, str]:
    """(content, media type, file name) of what was asked for."""
    languages = [language.strip() for language in body.languages]
    if body.format is PosterFormat.QR:
        return _qr_svg(_url(venue, host)), "image/svg+xml", "check-in-qr.svg"
    name = f"poster-{body.paper.value}.{body.format.value}"
    try:
        if body.format is PosterFormat.SVG:
            svg = render_svg(venue, languages, body.paper, host=host)
            return svg.encode(), "image/svg+xml", name
        return render_pdf(venue, languages, body.paper, host=host), "application/pdf", name
    except MissingFontError as exc:
        raise PosterUnavailableError(f"fonts: {exc}") from None
    except PosterLanguageError as exc:
        raise PosterRequestError(f"languages: {exc}") from None
    except PosterGlyphError as exc:
        field = f"payload.{exc.subject}" if exc.subject in {"description", "address"} else None
        raise PosterRequestError(f"{field or 'languages'}: {exc}") from None
    except PosterError as exc:  # the texts do not fit: fewer languages will
        raise PosterRequestError(f"languages: {exc}") from None


@router.post(POSTER_PATH)
def poster(body: PosterRequest, request: Request) -> Response:
    """The poster or preview of ``body.payload``; nothing about it is kept."""
    venue = _venue(body.payload)
    host = body.host if body.host is not None else request.url.netloc
    _url(venue, host)  # a bad host is the client's error whatever the format
    if not _turns.acquire(timeout=RENDER_WAIT_SECONDS):
        raise PosterUnavailableError(
            "poster: the server is busy making other posters; try again in a moment",
            headers={"Retry-After": RETRY_AFTER_SECONDS},
        )
    try:
        content, media_type, name = _render(body, venue, host)
    finally:
        _turns.release()
    headers = {
        "Content-Disposition": f'attachment; filename="{name}"',
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
    }
    if media_type == "image/svg+xml":
        headers["Content-Security-Policy"] = _SVG_POLICY
    return Response(content, media_type=media_type, headers=headers)
