"""The page browsers get after the sunset (410 Gone), rendered like every other page.

:class:`civitrace.governance.sunset_middleware.SunsetMiddleware` answers every public path
that is not kept open with this page: the stylesheet, the language switcher (each link another
410 in that language) and the security headers of the web layer, and the texts of
:mod:`civitrace.governance.sunset_text`, which every page language has. It has its own layout
rather than ``base.html``'s because that one links to pages that no longer exist.
"""

from datetime import UTC, datetime
from typing import Final

from starlette.requests import Request
from starlette.responses import HTMLResponse

from civitrace.governance.sunset_text import long_date, sunset_text
from civitrace.web.i18n import Language
from civitrace.web.templating import render, request_language

GONE: Final = 410


def gone_page(request: Request, sunset: datetime) -> HTMLResponse:
    """The 410 page for ``request``, in its language (``?lang=``, cookie, browser, English)."""
    language = request_language(request)
    text = sunset_text(language)
    when = long_date(sunset.astimezone(UTC).date(), language)
    context = {"text": text, "body": text.body.format(date=when)}
    return render(request, "governance/sunset.html", context, status_code=GONE)


def gone_page_in(language: Language, sunset: datetime) -> HTMLResponse:
    """The 410 page in ``language`` without a request (as if ``/?lang=TAG`` was asked)."""
    scope = {
        "type": "http",
        "method": "GET",
        "scheme": "http",
        "path": "/",
        "root_path": "",
        "query_string": f"lang={language.tag}".encode("ascii"),
        "headers": [],
        "server": ("localhost", 80),
    }
    return gone_page(Request(scope), sunset)
