"""The ASGI application factory."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import Response

from civitrace.governance.proposals import ensure_baseline
from civitrace.governance.sunset_middleware import SunsetMiddleware
from civitrace.governance.views import router as governance_router
from civitrace.server.analytics.views import router as stats_router
from civitrace.server.consult import install_consult
from civitrace.server.db import current_revision, head_revision, make_engine, session_factory
from civitrace.server.errors import StorageError, install_error_handlers
from civitrace.server.exports.views import router as exports_router
from civitrace.server.federation.views import router as federation_router
from civitrace.server.keyring import ServerSecrets, SigningKeyRing
from civitrace.server.metrics import MetricsMiddleware, ServerMetrics, metrics_router
from civitrace.server.middleware import AccessLogMiddleware, BodyLimitMiddleware, ChaffMiddleware
from civitrace.server.presence.views import router as presence_router
from civitrace.server.publish.revision import RevisionTokens, derive_key
from civitrace.server.publish.service import Publisher
from civitrace.server.publish.views import router as publish_router
from civitrace.server.responses import padded_json
from civitrace.server.scheduler import retention_timer
from civitrace.server.settings import Settings, load_settings
from civitrace.server.verification.schemas import HealthResponse
from civitrace.server.verification.service import Verifier, health_check
from civitrace.server.verification.views import router as verification_router
from civitrace.web.routes import install_web

API_TITLE = "civitrace server"
API_VERSION = "0.1.0"


def _document_400_not_422(app: FastAPI) -> None:
    """FastAPI documents its own 422 validation error; this API answers 400 instead."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            spec = generate()
            for operations in spec.get("paths", {}).values():
                for operation in operations.values():
                    operation.get("responses", {}).pop("422", None)
            schemas = spec.get("components", {}).get("schemas", {})
            for name in ("HTTPValidationError", "ValidationError"):
                schemas.pop(name, None)
            app.openapi_schema = spec
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def create_app(settings: Settings | None = None) -> FastAPI:
    """A FastAPI app for ``settings`` (read from the environment when omitted).

    The database must already be migrated (:func:`civitrace.server.db.migrate`); the app checks
    this at start-up and refuses to serve an outdated schema.
    """
    settings = settings or load_settings()
    engine = make_engine(settings.database_url, echo=settings.debug_log_sql)
    secrets = ServerSecrets.load(settings.data_dir)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        found, wanted = current_revision(engine), head_revision()
        if found != wanted:
            raise StorageError(
                f"database schema is at {found or 'nothing'}, expected {wanted}: migrate first"
            )
        with app.state.sessions() as session:  # the inventory in force is the stored one
            ensure_baseline(session, settings.governance.configured_inventory(), datetime.now(UTC))
            session.commit()
        async with retention_timer(engine, settings):  # deletion needs no cron
            yield
        engine.dispose()

    app = FastAPI(
        title=API_TITLE,
        version=API_VERSION,
        summary="Google-compatible exposure-notification verification and publish APIs",
        openapi_url="/openapi.json",
        docs_url=None,  # the Swagger page loads scripts from a CDN: not on a privacy service
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = session_factory(engine)
    keyring = SigningKeyRing(secrets.kek)
    app.state.verifier = Verifier(settings.verification, secrets, keyring)
    app.state.publisher = Publisher(
        settings.publish,
        keyring,
        RevisionTokens(derive_key(secrets.kek), settings.publish.revision_token_min_keys),
    )
    install_error_handlers(app)
    app.include_router(verification_router)
    app.include_router(exports_router)
    app.include_router(publish_router)
    app.include_router(federation_router)
    app.include_router(presence_router)
    app.include_router(stats_router)
    app.include_router(governance_router)
    app.state.metrics = ServerMetrics()
    app.include_router(metrics_router(app.state.metrics))

    @app.get("/health", response_model=HealthResponse, tags=["operations"])
    def health(request: Request) -> Response:
        """``ok`` when the database answers, 503 otherwise."""
        healthy = health_check(request.app.state.engine)
        return padded_json(
            {"status": "ok" if healthy else "unavailable"},
            settings,
            status_code=200 if healthy else 503,
        )

    install_consult(app)  # the consultation API and its live updates
    install_web(app)  # pages and their assets; gzip for those only
    _document_400_not_422(app)
    app.add_middleware(MetricsMiddleware, metrics=app.state.metrics)  # inside chaff: never counted
    app.add_middleware(ChaffMiddleware, settings=settings)
    app.add_middleware(BodyLimitMiddleware, settings=settings)
    app.add_middleware(SunsetMiddleware, settings=settings.governance)
    app.add_middleware(AccessLogMiddleware)
    return app
