"""Routes of the visitor's presence pages; each renders a shell its script fills in.

``/`` with ``?v=`` (the QR code's URL) is the check-in page, served through :func:`checkin_page`
by the front page's route, since the fragment holding the venue never reaches the server.
``/checkin`` tells how to scan, ``/checkin/list`` lists the device's check-ins and warnings,
``/positive`` shares check-ins after a positive test, ``/kiosk`` is a venue's tablet for
visitors without a smartphone and ``/slip`` reads its printed code on any computer.
"""

from typing import Any, Final

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from civitrace.presence.constants import CHECK_IN_RETENTION_DAYS
from civitrace.server.presence.settings import presence_settings
from civitrace.web.presence.assets import closure, inline_css, module_url, style_source
from civitrace.web.presence.messages import page_messages
from civitrace.web.presence.settings import page_settings
from civitrace.web.presence.worker import WORKER_HEADERS, service_worker
from civitrace.web.templating import (
    CONTENT_SECURITY_POLICY,
    client_messages,
    render,
    request_language,
)

router = APIRouter(include_in_schema=False)
SHARED_STYLESHEET: Final = b'<link rel="stylesheet" href="/static/civitrace.css">'


def _page(
    request: Request,
    name: str,
    entry: str,
    config: dict[str, Any] | None = None,
    *,
    inline_styles: bool = False,
) -> HTMLResponse:
    """``presence/<name>.html`` with its script, module preloads, messages and settings."""
    return render(
        request,
        f"presence/{name}.html",
        {
            "inline_styles": inline_styles,
            "script": module_url(entry),
            "preloads": [module_url(module) for module in closure(entry)],
            "messages": _messages(request, entry),
            "config": config or {},
            "retention_days": CHECK_IN_RETENTION_DAYS,
        },
    )


def _messages(request: Request, entry: str) -> dict[str, str]:
    """The translations the page's scripts need; where a message reads the same (English), the
    script shows the source text and the page need not carry it twice."""
    translated = client_messages(request_language(request), page_messages(entry))
    return {source: text for source, text in translated.items() if text != source}


def _warnings_config(request: Request) -> dict[str, Any]:
    return {"regions": list(page_settings(request).regions)}


def _slip_days(request: Request) -> int:
    """How many days the server keeps a kiosk slip (what the slip and its page tell people)."""
    return presence_settings(request.app.state.settings).slip_retention.days


def with_inline_styles(response: HTMLResponse) -> HTMLResponse:
    """The page with its stylesheets carried inline instead of linked.

    On a slow mobile connection every request costs a round trip, and a stylesheet blocks the
    first render: the page a QR code opens renders from its HTML alone (measured by
    ``bench/checkin_page.py``). The shared layout links ``civitrace.css``; that one tag becomes
    a ``<style>``, and this page's CSP admits exactly that style by its hash (no other inline
    style, and still no inline script).
    """
    body = bytes(response.body)
    if SHARED_STYLESHEET not in body:
        return response
    css = inline_css()
    inlined = body.replace(SHARED_STYLESHEET, f"<style>{css}</style>".encode(), 1)
    response.body = inlined
    response.headers["content-length"] = str(len(inlined))
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY.replace(
        "style-src 'self'", f"style-src 'self' {style_source(css)}", 1
    )
    return response


def checkin_page(request: Request) -> HTMLResponse:
    """The page a venue's QR code opens (``/?v=1#<payload>``), its styles inline."""
    return with_inline_styles(_page(request, "checkin", "checkin.js", inline_styles=True))


@router.get("/checkin", response_class=HTMLResponse)
def scan_help(request: Request) -> HTMLResponse:
    """How to check in: scan the poster's code with the phone camera."""
    return _page(request, "scan", "scan.js")


@router.get("/checkin/list", response_class=HTMLResponse)
def my_check_ins(request: Request) -> HTMLResponse:
    """The device's own check-ins (to check out, correct, delete) and warnings for them."""
    return _page(request, "list", "list.js", _warnings_config(request))


@router.get("/positive", response_class=HTMLResponse)
def positive_test(request: Request) -> HTMLResponse:
    """Share check-ins after a positive test, with the code from the health authority."""
    pages = page_settings(request)
    config = {"authority": pages.health_authority_id, "apiKey": pages.device_api_key}
    return _page(request, "positive", "positive.js", config if pages.can_submit else {})


@router.get("/kiosk", response_class=HTMLResponse)
def kiosk(request: Request) -> HTMLResponse:
    """A venue's tablet: check a visitor in and print a slip with a code."""
    return _page(request, "kiosk", "kiosk.js", {"slipDays": _slip_days(request)})


@router.get("/slip", response_class=HTMLResponse)
def slip(request: Request) -> HTMLResponse:
    """Type a slip's code on any computer; the check-in is decrypted and matched here."""
    config = {**_warnings_config(request), "slipDays": _slip_days(request)}
    return _page(request, "slip", "slip.js", config)


@router.get("/sw.js")
def worker(request: Request) -> Response:
    """The service worker, served from the root so that its scope covers the pages."""
    return Response(service_worker(), media_type="text/javascript", headers=WORKER_HEADERS)
