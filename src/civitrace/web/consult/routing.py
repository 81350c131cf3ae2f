"""The consultation pages' route class and how an action answers.

Every failure a person can cause (a bad form, a closed poll, a stale page, an unknown session)
becomes a page with the right 4xx status in their language — or, for the script's requests
(header ``X-Consult-Fetch: 1``), a small JSON document the script shows in the page. Never a
500 for bad input.
"""

from collections.abc import Callable, Coroutine
from typing import Any, Final

from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from civitrace.consult.errors import ConsultError
from civitrace.server.console.errors import ConsoleError
from civitrace.server.consult.errors import to_api_error
from civitrace.server.errors import ApiError, describe_validation_errors
from civitrace.web.console.auth import LoginRequired
from civitrace.web.console.pages import STATUS_TITLES, error_page
from civitrace.web.console.routing import login_redirect
from civitrace.web.i18n import gettext
from civitrace.web.templating import request_language

Handler = Callable[[Request], Coroutine[Any, Any, Response]]
FETCH_HEADER: Final = "x-consult-fetch"


def from_script(request: Request) -> bool:
    """Whether the page's script sent this request (and wants JSON, not a page)."""
    return request.headers.get(FETCH_HEADER) == "1"


def failure(request: Request, status: int, detail: str) -> Response:
    """A refusal: the error page, or JSON for the script."""
    if from_script(request):
        language = request_language(request)
        title = STATUS_TITLES.get(status, STATUS_TITLES[400])
        return JSONResponse(
            {"ok": False, "status": status, "title": gettext(language, title), "detail": detail},
            status_code=status,
            headers={"Cache-Control": "no-store"},
        )
    return error_page(request, status, detail, getattr(request.state, "staff", None))


def done(request: Request, to: str, message: str, **extra: Any) -> Response:
    """A successful action: back to the page (``to``), or JSON with the translated
    ``message`` for the script, which then refreshes what changed."""
    if from_script(request):
        text = gettext(request_language(request), message)
        return JSONResponse(
            {"ok": True, "message": text, **extra}, headers={"Cache-Control": "no-store"}
        )
    return RedirectResponse(to, status_code=303)


class ConsultRoute(APIRoute):
    """An APIRoute whose expected failures are answered by :func:`failure`."""

    def get_route_handler(self) -> Handler:
        original = super().get_route_handler()

        async def handler(request: Request) -> Response:
            try:
                return await original(request)
            except LoginRequired as signal:
                return login_redirect(request, signal.next_path)
            except ConsultError as exc:
                api = to_api_error(exc)
                return failure(request, api.status, api.message)
            except (ConsoleError, ApiError) as exc:
                return failure(request, exc.status, exc.message)
            except RequestValidationError as exc:
                return failure(request, 400, describe_validation_errors(exc.errors()))

        return handler
