"""Prometheus metrics: request counts and latencies, publish and verification outcomes.

Labels never identify a device: no client address, no user agent, no header, no raw path
(route *templates* only, ``/exports/{region}/{name}``), methods from a fixed list, error codes
from the server's own vocabulary. Chaff requests are answered before this middleware sees them,
so they are never counted.

``GET /metrics`` needs an ADMIN API key (``X-API-Key`` or ``Authorization: Bearer``): live
upload counters next to a person's encrypted traffic would tell a real upload from chaff, so
they are for the health authority's monitoring, not for the public.

Each process has its own registry (one per :func:`~civitrace.server.app.create_app`); with
several processes, scrape each one (counters are per process, as Prometheus expects).
"""

import json
import re
import time
from collections.abc import Mapping
from typing import Annotated, Any, Final

from fastapi import APIRouter, Security
from fastapi.responses import Response
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    ProcessCollector,
    disable_created_metrics,
    generate_latest,
)
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from civitrace.server.apikeys import authenticate
from civitrace.server.db.models import ApiKeyType
from civitrace.server.deps import SessionDep
from civitrace.server.verification.schemas import ErrorResponse

METRICS_PATH: Final = "/metrics"
UNMATCHED_ROUTE: Final = "(unmatched)"  # requests no route template matched (404s, chaff-free)
KNOWN_METHODS: Final = frozenset(
    {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT"}
)
OTHER: Final = "other"  # any label value outside the known vocabulary
LATENCY_BUCKETS: Final = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

PUBLISH_ROUTE: Final = "/v1/publish"
ISSUE_ROUTE: Final = "/api/issue"
VERIFY_ROUTE: Final = "/api/verify"
CERTIFICATE_ROUTE: Final = "/api/certificate"
BATCH_ISSUE_ROUTE: Final = "/api/batch-issue"
CODE_STATUS_ROUTE: Final = "/api/checkcodestatus"
EXPIRE_CODE_ROUTE: Final = "/api/expirecode"
OUTCOME_ROUTES: Final = frozenset(
    {
        PUBLISH_ROUTE,
        ISSUE_ROUTE,
        VERIFY_ROUTE,
        CERTIFICATE_ROUTE,
        BATCH_ISSUE_ROUTE,
        CODE_STATUS_ROUTE,
        EXPIRE_CODE_ROUTE,
    }
)
MAX_CAPTURED_BYTES: Final = 64 * 1024  # outcome bodies are ~3 KB (padding); never buffer more

_ERROR_CODE: Final = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


class ServerMetrics:
    """The collectors of one app, in their own registry."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        # Process-wide: a ``_created`` series would stamp when a label set (an error code)
        # was first seen, a timing detail monitoring does not need.
        disable_created_metrics()  # type: ignore[no-untyped-call]
        self.registry = registry if registry is not None else CollectorRegistry()
        ProcessCollector(registry=self.registry)
        reg = self.registry
        self.requests = Counter(
            "civitrace_http_requests",
            "HTTP requests by method, route template and status",
            ["method", "route", "status"],
            registry=reg,
        )
        self.latency = Histogram(
            "civitrace_http_request_duration_seconds",
            "HTTP request latency by method, route template and status",
            ["method", "route", "status"],
            buckets=LATENCY_BUCKETS,
            registry=reg,
        )
        self.publishes = Counter(
            "civitrace_publish_requests",
            "POST /v1/publish by outcome: success, partial_failure or error",
            ["outcome"],
            registry=reg,
        )
        self.inserted_keys = Counter(
            "civitrace_publish_inserted_keys",
            "Temporary exposure keys inserted by POST /v1/publish",
            registry=reg,
        )
        self.publish_errors = Counter(
            "civitrace_publish_errors",
            "Refused POST /v1/publish by error code",
            ["code"],
            registry=reg,
        )
        self.codes_issued = Counter(
            "civitrace_verification_codes_issued",
            "Verification codes issued (POST /api/issue and each code of /api/batch-issue)",
            registry=reg,
        )
        self.codes_verified = Counter(
            "civitrace_verification_codes_verified",
            "Verification codes exchanged for a token (POST /api/verify)",
            registry=reg,
        )
        self.certificates = Counter(
            "civitrace_verification_certificates_issued",
            "Verification certificates signed (POST /api/certificate)",
            registry=reg,
        )
        self.verification_errors = Counter(
            "civitrace_verification_errors",
            "Refused verification-API requests by route template and error code",
            ["route", "code"],
            registry=reg,
        )

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        labels = (method if method in KNOWN_METHODS else OTHER, route, str(status))
        self.requests.labels(*labels).inc()
        self.latency.labels(*labels).observe(seconds)

    def observe_outcome(self, route: str, status: int, body: bytes) -> None:
        """Count what a response of one of :data:`OUTCOME_ROUTES` says."""
        document = _json_object(body)
        if route == PUBLISH_ROUTE:
            if status == 200:
                inserted = document.get("insertedExposures")
                if isinstance(inserted, int) and inserted > 0:
                    self.inserted_keys.inc(inserted)
                partial = document.get("code") == "partial_failure"
                self.publishes.labels("partial_failure" if partial else "success").inc()
            else:
                self.publishes.labels("error").inc()
                self.publish_errors.labels(_code(document.get("code"))).inc()
            return
        if route == BATCH_ISSUE_ROUTE:
            self._observe_batch(status, document)
        elif status != 200:
            self.verification_errors.labels(route, _code(document.get("errorCode"))).inc()
        elif route == ISSUE_ROUTE:
            self.codes_issued.inc()
        elif route == VERIFY_ROUTE:
            self.codes_verified.inc()
        elif route == CERTIFICATE_ROUTE:
            self.certificates.inc()

    def _observe_batch(self, status: int, document: Mapping[str, Any]) -> None:
        """A batch counts each issued code, and each refused one under its own error code."""
        results = document.get("codes")
        if not isinstance(results, list) or not results:
            if status != 200:
                self.verification_errors.labels(
                    BATCH_ISSUE_ROUTE, _code(document.get("errorCode"))
                ).inc()
            return
        for result in results:
            if not isinstance(result, dict):
                continue
            if "errorCode" in result:
                self.verification_errors.labels(
                    BATCH_ISSUE_ROUTE, _code(result.get("errorCode"))
                ).inc()
            else:
                self.codes_issued.inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)


def _json_object(body: bytes) -> Mapping[str, Any]:
    try:
        document = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return {}
    return document if isinstance(document, dict) else {}


def _code(value: object) -> str:
    return value if isinstance(value, str) and _ERROR_CODE.match(value) else OTHER


def route_template(scope: Scope) -> str:
    """The template of the route that handled the request, never the concrete path."""
    path = getattr(scope.get("route"), "path", None)
    return path if isinstance(path, str) and path else UNMATCHED_ROUTE


class MetricsMiddleware:
    """Pure ASGI: times every HTTP request and reads the outcome of the API's POSTs."""

    def __init__(self, app: ASGIApp, metrics: ServerMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500
        capture = scope["method"] == "POST" and scope["path"] in OUTCOME_ROUTES
        chunks: list[bytes] = []
        captured = 0

        async def watch(message: Message) -> None:
            nonlocal status, captured
            if message["type"] == "http.response.start":
                status = int(message["status"])
            elif capture and message["type"] == "http.response.body":
                chunk = message.get("body", b"")
                if captured + len(chunk) <= MAX_CAPTURED_BYTES:
                    chunks.append(chunk)
                captured += len(chunk)
            await send(message)

        try:
            await self.app(scope, receive, watch)
        finally:
            route = route_template(scope)
            self.metrics.observe_request(
                scope["method"], route, status, time.perf_counter() - started
            )
            if capture and route in OUTCOME_ROUTES:
                self.metrics.observe_outcome(route, status, b"".join(chunks))


_api_key = APIKeyHeader(name="X-API-Key", auto_error=False, description="ADMIN key")
_bearer = HTTPBearer(auto_error=False, description="ADMIN key as a bearer token")


def metrics_router(metrics: ServerMetrics) -> APIRouter:
    """``GET /metrics`` for ``metrics``, behind an ADMIN API key."""
    router = APIRouter(tags=["operations"])

    @router.get(
        METRICS_PATH,
        response_class=Response,
        responses={
            200: {
                "description": "Prometheus text exposition format",
                "content": {CONTENT_TYPE_LATEST.split(";")[0]: {"schema": {"type": "string"}}},
            },
            401: {"model": ErrorResponse, "description": "missing or non-ADMIN API key"},
        },
        summary="Prometheus metrics (monitoring, ADMIN key)",
    )
    def prometheus_metrics(
        session: SessionDep,
        api_key: Annotated[str | None, Security(_api_key)],
        bearer: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)],
    ) -> Response:
        authenticate(session, api_key or (bearer.credentials if bearer else None), ApiKeyType.ADMIN)
        return Response(content=metrics.render(), media_type=CONTENT_TYPE_LATEST)

    return router
