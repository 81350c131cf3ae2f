"""Adding consultations to the ASGI app: routes, the error mapping, and live updates that
start and stop with the app."""

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from fastapi import FastAPI

from civitrace.server.consult.errors import install_consult_error_handler
from civitrace.server.consult.runtime import ConsultRuntime
from civitrace.server.consult.views import router


def install_consult(app: FastAPI) -> FastAPI:
    """Install the consultation API on ``app`` (made by ``create_app``); calling it again on the
    same app changes nothing. Live updates (the bus and the hub) start after the app's own
    start-up and stop before its own shutdown."""
    if getattr(app.state, "consult", None) is not None:
        return app
    runtime = ConsultRuntime.for_engine(app.state.engine, app.state.sessions)
    app.state.consult = runtime
    install_consult_error_handler(app)
    app.include_router(router)
    inner: Callable[[Any], AbstractAsyncContextManager[Any]] = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(asgi_app: Any) -> AsyncIterator[Any]:
        async with inner(asgi_app) as state:
            await runtime.start()
            try:
                yield state
            finally:
                await runtime.stop()

    app.router.lifespan_context = lifespan
    return app
