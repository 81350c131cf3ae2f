"""Pure ASGI middleware: the access log, the body-size cap and chaff.

None of them reads a client address, a user agent or any other identifying header.
"""

import logging
import time
from typing import Final

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from civitrace.server.errors import (
    PUBLISH_API_VERSION,
    PUBLISH_PREFIX,
    RequestTooLargeError,
    error_response,
)
from civitrace.server.logs import ACCESS_LOGGER
from civitrace.server.responses import padded_json
from civitrace.server.settings import Settings

CHAFF_HEADER: Final = b"x-chaff"  # any value: a fake request from an app hiding its real one

_access = logging.getLogger(ACCESS_LOGGER)


class AccessLogMiddleware:
    """Logs method, route template, status and duration of each HTTP request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def capture(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, capture)
        finally:
            route = getattr(scope.get("route"), "path", None) or "(unmatched)"
            _access.info(
                "request",
                extra={
                    "method": scope["method"],
                    "route": route,
                    "status": status,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                },
            )


class BodyLimitMiddleware:
    """Refuses request bodies larger than ``max_body_bytes`` with 413, before any parsing.

    The body is read (at most the limit plus one chunk) and replayed to the app, so a client that
    streams without ``Content-Length`` is capped too.
    """

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.settings.max_body_bytes
        chunks: list[bytes] = []
        received = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            received += len(chunk)
            if received > limit:
                error = RequestTooLargeError(f"body: larger than {limit} bytes")
                response = error_response(
                    scope["path"], self.settings, error.status, error.message, error.code
                )
                await response(scope, receive, send)
                return
            chunks.append(chunk)
            more = bool(message.get("more_body", False))
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


CHAFF_PREFIXES: Final = ("/api/", PUBLISH_PREFIX)  # the verification and key-server APIs


class ChaffMiddleware:
    """Answers ``POST /api/*`` and ``POST /v1/*`` carrying ``X-Chaff`` with a padded fake,
    touching nothing.

    Apps send chaff so an observer cannot tell when a real upload happens; the answer is the same
    size class as a real one and must not be parsed by the client.
    """

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["method"] == "POST"
            and scope["path"].startswith(CHAFF_PREFIXES)
            and any(name.lower() == CHAFF_HEADER for name, _ in scope["headers"])
        ):
            publish = scope["path"].startswith(PUBLISH_PREFIX)
            response = padded_json(
                {}, self.settings, headers=PUBLISH_API_VERSION if publish else None
            )
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)
