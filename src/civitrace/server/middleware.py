"""Pure ASGI middleware: the access log, the body-size cap and chaff (with latency mimicry).

None of them reads a client address, a user agent or any other identifying header.
"""

import asyncio
import logging
import random
import time
from collections import deque
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
LATENCY_SAMPLES: Final = 256  # recent real latencies kept per route (and per API)
MAX_CHAFF_DELAY: Final = 10.0  # seconds; a chaff answer never waits longer
FALLBACK_DELAY: Final = (0.02, 0.08)  # seconds, uniform, until a real request was answered


class LatencySampler:
    """Recent latencies of real, successful API requests, in memory only, by route and by API.

    Nothing about a request is kept but how long it took; the deques are bounded, and only
    paths that answered 200 (real routes) get their own, so their number is bounded too.
    """

    def __init__(self, size: int = LATENCY_SAMPLES) -> None:
        self._size = size
        self._samples: dict[str, deque[float]] = {}
        self._random = random.SystemRandom()

    @staticmethod
    def _api(path: str) -> str:
        return PUBLISH_PREFIX if path.startswith(PUBLISH_PREFIX) else CHAFF_PREFIXES[0]

    def record(self, path: str, seconds: float) -> None:
        for key in (path, self._api(path)):
            samples = self._samples.get(key)
            if samples is None:
                samples = self._samples[key] = deque(maxlen=self._size)
            samples.append(seconds)

    def sample(self, path: str) -> float:
        """A recent real latency of ``path``, else of its API, else a plausible default."""
        samples = self._samples.get(path) or self._samples.get(self._api(path))
        if samples:
            return min(self._random.choice(samples), MAX_CHAFF_DELAY)
        return self._random.uniform(*FALLBACK_DELAY)


def _is_chaff(scope: Scope) -> bool:
    return any(name.lower() == CHAFF_HEADER for name, _ in scope["headers"])


class ChaffMiddleware:
    """Answers ``POST /api/*`` and ``POST /v1/*`` carrying ``X-Chaff`` with a padded fake,
    touching nothing, after as long as a recent real request to the same route took.

    Apps send chaff so an observer cannot tell when a real upload happens; the answer is the same
    size class as a real one (padding) and, by sleeping for a latency sampled from recent real
    successful requests of that route, the same timing class. The sleep is an ``asyncio`` wait,
    so chaff holds no thread and no database connection. Clients must not parse the answer.
    """

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings
        self.latencies = LatencySampler()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] != "POST"
            or not scope["path"].startswith(CHAFF_PREFIXES)
        ):
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        if _is_chaff(scope):
            await asyncio.sleep(self.latencies.sample(path))
            publish = path.startswith(PUBLISH_PREFIX)
            response = padded_json(
                {}, self.settings, headers=PUBLISH_API_VERSION if publish else None
            )
            await response(scope, receive, send)
            return
        started = time.perf_counter()
        status = 0

        async def watch(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        await self.app(scope, receive, watch)
        if status == 200:
            self.latencies.record(path, time.perf_counter() - started)
