"""Everything the web layer adds to the server's ASGI application, in one call."""

from fastapi import FastAPI
from starlette.middleware.gzip import GZipMiddleware

from civitrace.web import home
from civitrace.web.compression import NEVER_COMPRESSED
from civitrace.web.console.router import router as console_router
from civitrace.web.consult.router import router as consult_router
from civitrace.web.followup.views import router as followup_router
from civitrace.web.governance.router import router as governance_router
from civitrace.web.presence.pages import router as presence_router
from civitrace.web.static import STATIC_PATH, static_files
from civitrace.web.stats.router import router as stats_router
from civitrace.web.venue.pages import router as venue_router
from civitrace.web.venue.poster_api import router as venue_poster_router


def install_web(app: FastAPI) -> None:
    """Mount the assets, include every page router, compress pages (never the padded APIs)."""
    app.mount(STATIC_PATH, static_files(), name="static")
    app.include_router(home.router)
    app.include_router(console_router)
    app.include_router(followup_router)
    app.include_router(presence_router)
    app.include_router(venue_router)
    app.include_router(venue_poster_router)
    app.include_router(governance_router)
    app.include_router(stats_router)
    app.include_router(consult_router)
    app.add_middleware(GZipMiddleware, minimum_size=500, exclude_content_types=NEVER_COMPRESSED)
