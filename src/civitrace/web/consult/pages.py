"""Rendering a consultation page: the CSRF token every form carries, and the fragments the
script re-reads when the live stream says something changed."""

from collections.abc import Mapping
from typing import Any, Final

from starlette.requests import Request
from starlette.responses import HTMLResponse

from civitrace.server.consult.errors import NotFoundError
from civitrace.web.catalogs import N_
from civitrace.web.console.auth import login_csrf_token, set_login_csrf
from civitrace.web.consult.access import CSRF_PATH
from civitrace.web.consult.words import GROUP_NAMES, KIND_NAMES, POLL_STATUS_NAMES
from civitrace.web.templating import client_messages, render, request_language

SCRIPT_MESSAGES: Final = (
    N_("Live updates paused; reconnecting…"),
    N_("Live updates on."),
    N_("Sending…"),
)


def page(
    request: Request,
    template: str,
    context: Mapping[str, Any],
    *,
    status_code: int = 200,
) -> HTMLResponse:
    """A consultation page or fragment, with a CSRF token for its forms."""
    token = login_csrf_token(request)
    values = {
        "csrf_token": token,
        "group_names": GROUP_NAMES,
        "kind_names": KIND_NAMES,
        "poll_status_names": POLL_STATUS_NAMES,
        "script_messages": client_messages(request_language(request), SCRIPT_MESSAGES),
        **context,
    }
    response = render(request, template, values, status_code=status_code)
    set_login_csrf(request, response, token, CSRF_PATH)
    return response


def fragment(
    request: Request, area: str, name: str, allowed: frozenset[str], context: Mapping[str, Any]
) -> HTMLResponse:
    """One part of a page (``consult/<area>_<name>.html``), for the script to swap in."""
    if name not in allowed:
        raise NotFoundError(f"part {name}: no such part of this page")
    return page(request, f"consult/{area}_{name}.html", context)
