"""The console's route class: its errors become pages, not the APIs' JSON.

The APIs' one error mapping (:mod:`civitrace.server.errors`) answers JSON; a person at a
browser needs a page in their language that says what went wrong. Every console and
follow-up route uses :class:`PageRoute`, which renders the console's errors, the errors of
the services it calls (verification, presence) and malformed requests as HTML with the right
status, and turns :class:`~civitrace.web.console.auth.LoginRequired` into a redirect to the
sign-in page.
"""

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from civitrace.server.console.errors import ConsoleError
from civitrace.server.errors import ApiError, describe_validation_errors
from civitrace.web.console.auth import LoginRequired
from civitrace.web.console.pages import error_page

Handler = Callable[[Request], Coroutine[Any, Any, Response]]


def login_redirect(request: Request, next_path: str) -> RedirectResponse:
    language = request.query_params.get("lang")
    query = f"lang={language}&" if language else ""
    return RedirectResponse(f"/console/login?{query}next={next_path}", status_code=303)


class PageRoute(APIRoute):
    """An APIRoute whose expected failures are answered with HTML pages."""

    def get_route_handler(self) -> Handler:
        original = super().get_route_handler()

        async def handler(request: Request) -> Response:
            try:
                return await original(request)
            except LoginRequired as signal:
                return login_redirect(request, signal.next_path)
            except ConsoleError as exc:
                return error_page(request, exc.status, exc.message, _staff(request))
            except ApiError as exc:
                return error_page(request, exc.status, exc.message, _staff(request))
            except RequestValidationError as exc:
                detail = describe_validation_errors(exc.errors())
                return error_page(request, 400, detail, _staff(request))

        return handler


def _staff(request: Request) -> Any:
    return getattr(request.state, "staff", None)
