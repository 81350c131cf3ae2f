"""The pages' own assets (CSS, scripts, the service worker), served from the package.

Nothing is ever loaded from a CDN: what a page needs ships with civitrace.
"""

from typing import Final

from starlette.staticfiles import StaticFiles
from starlette.types import Message, Receive, Scope, Send

STATIC_PATH: Final = "/static"
STATIC_MAX_AGE: Final = 3600  # an hour: assets change with releases, and pages revalidate


class CachedStaticFiles(StaticFiles):
    """Package static files with a cache lifetime and the no-sniff header."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((b"cache-control", f"public, max-age={STATIC_MAX_AGE}".encode()))
                headers.append((b"x-content-type-options", b"nosniff"))
                message["headers"] = headers
            await send(message)

        await super().__call__(scope, receive, send_with_headers)


def static_files() -> CachedStaticFiles:
    """The ASGI app serving ``civitrace/web/static``."""
    return CachedStaticFiles(packages=[("civitrace.web", "static")])
