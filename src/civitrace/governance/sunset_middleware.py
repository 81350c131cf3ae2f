"""After the sunset, public endpoints answer 410 Gone with an explanation (DESIGN §5).

Pure ASGI, reading no client address and storing nothing. API paths (and any client not
asking for HTML) get a JSON error body; a browser gets a short page in its language (the
page's ``?lang=``, the ``lang`` cookie, ``Accept-Language``, then English, as every page
chooses), rendered by the web layer (:mod:`civitrace.web.governance.sunset_page`). What stays
open: the transparency page and its data, the proposals and the governance JSON, static assets
those pages need, and the operations endpoints (health, metrics). WebSocket handshakes
are refused.

The JSON body is not padded: after the sunset every response of a path is the same, so its
size says nothing.
"""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Final

from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from civitrace.governance.settings import GovernanceSettings
from civitrace.web.governance.sunset_page import gone_page, gone_page_in
from civitrace.web.i18n import Language

OPEN_PREFIXES: Final = (
    "/transparency",
    "/proposals",
    "/governance/",
    "/static/",
    "/health",
    "/metrics",
)
"""Paths that still answer after the sunset: what explains it, and operations."""
API_PREFIXES: Final = ("/api/", "/v1/", "/federation/", "/exports/", "/console/api/")
"""Paths of machine clients: always JSON."""
SUNSET_CODE: Final = "service_ended"
TRANSPARENCY_PATH: Final = "/transparency"


def _utcnow() -> datetime:
    return datetime.now(UTC)


def is_open(path: str) -> bool:
    """True for the paths that keep answering after the sunset."""
    return path.startswith(OPEN_PREFIXES)


def wants_json(path: str, accept: str) -> bool:
    """API paths, ``.json`` paths and clients that do not accept HTML get JSON."""
    if path.startswith(API_PREFIXES) or path.endswith(".json"):
        return True
    return "text/html" not in accept.lower()


def gone_json(sunset: datetime) -> Response:
    """The 410 body of API clients (the API's error shape, with the sunset time)."""
    day = sunset.astimezone(UTC).date().isoformat()
    message = f"this service ended on {day}; all personal data it held has been deleted"
    body = {
        "error": message,
        "errorCode": SUNSET_CODE,
        "error_code": SUNSET_CODE,
        "code": SUNSET_CODE,
        "sunsetAt": sunset.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "transparency": TRANSPARENCY_PATH,
    }
    return JSONResponse(body, status_code=410)


def gone_html(sunset: datetime, language: Language) -> Response:
    """The 410 page of browsers, in ``language`` (rendered by the web layer)."""
    return gone_page_in(language, sunset)


class SunsetMiddleware:
    """Answers 410 on every non-open path once ``settings.sunset_at`` has passed."""

    def __init__(
        self,
        app: ASGIApp,
        settings: GovernanceSettings,
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        self.app = app
        self.settings = settings
        self.clock = clock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        sunset = self.settings.sunset_utc
        if (
            scope["type"] not in {"http", "websocket"}
            or sunset is None
            or self.clock() < sunset
            or is_open(scope["path"])
        ):
            await self.app(scope, receive, send)
            return
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008, "reason": "service ended"})
            return
        connection = HTTPConnection(scope)
        accept = connection.headers.get("accept", "")
        if wants_json(scope["path"], accept):
            response = gone_json(sunset)
        else:
            response = gone_page(Request(scope), sunset)
        await response(scope, receive, send)
