"""Server-rendered pages: one Jinja2 environment, gettext per request, safe response headers.

Pages render with autoescaping and the ``i18n`` extension in new-style gettext, whose callables
read the request's translations from the template context; so one shared environment serves
every language at once without per-request installation.
"""

import json
from collections.abc import Iterable, Mapping
from typing import Any, Final
from urllib.parse import urlencode

from jinja2 import Environment, PackageLoader, pass_context, select_autoescape
from jinja2.runtime import Context
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import HTMLResponse

from civitrace.web.i18n import LANG_COOKIE, LANGUAGES, Language, choose_language, translations

# Pages load nothing from any other host and run no inline script: the check-in page handles a
# secret in its URL fragment, so no third party and no injected script may ever see it.
CONTENT_SECURITY_POLICY: Final = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'; worker-src 'self'; manifest-src 'self'"
)
SECURITY_HEADERS: Final = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Permissions-Policy": "geolocation=(), microphone=(), interest-cohort=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}
LANG_COOKIE_MAX_AGE: Final = 365 * 24 * 3600  # a display preference, kept by the browser only


@pass_context
def _gettext(context: Context, message: str) -> str:
    return str(context["translations"].gettext(message))


@pass_context
def _ngettext(context: Context, singular: str, plural: str, count: int) -> str:
    return str(context["translations"].ngettext(singular, plural, count))


def _json_for_script(value: Any) -> Markup:
    """JSON safe inside ``<script type="application/json">`` (no ``</script>`` breakout)."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    escaped = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(escaped)  # noqa: S704 - every character that could end the element is escaped


def _make_environment() -> Environment:
    environment = Environment(
        loader=PackageLoader("civitrace.web", "templates"),
        autoescape=select_autoescape(default=True),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    environment.install_gettext_callables(_gettext, _ngettext, newstyle=True)  # type: ignore[attr-defined]
    environment.filters["script_json"] = _json_for_script
    return environment


ENVIRONMENT: Final = _make_environment()


def request_language(request: Request) -> Language:
    """The page language of ``request`` (see :func:`civitrace.web.i18n.choose_language`)."""
    return choose_language(
        request.query_params.get("lang"),
        request.cookies.get(LANG_COOKIE),
        request.headers.get("accept-language"),
    )


def language_links(request: Request) -> list[dict[str, Any]]:
    """The switcher's links: this page in every language, other query parameters kept."""
    kept = [(key, value) for key, value in request.query_params.multi_items() if key != "lang"]
    return [
        {
            "language": language,
            "href": f"{request.url.path}?{urlencode([*kept, ('lang', language.tag)])}",
        }
        for language in LANGUAGES
    ]


def client_messages(language: Language, messages: Iterable[str]) -> dict[str, str]:
    """Source text → translation, for the scripts of a page (embedded with ``script_json``)."""
    catalog = translations(language)
    return {message: catalog.gettext(message) for message in messages}


def render(
    request: Request,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    """Render ``template`` in the request's language, with the security headers of every page."""
    language = request_language(request)
    values = {
        "request": request,
        "lang": language,
        "languages": LANGUAGES,
        "language_links": language_links(request),
        "translations": translations(language),
        **(context or {}),
    }
    body = ENVIRONMENT.get_template(template).render(values)
    response = HTMLResponse(body, status_code=status_code)
    response.headers.update(SECURITY_HEADERS)
    response.headers["Content-Language"] = language.tag
    response.headers["Vary"] = "Accept-Language, Cookie"
    response.headers.setdefault("Cache-Control", "no-store")
    for name, value in (headers or {}).items():
        response.headers[name] = value
    chosen = request.query_params.get("lang")
    if chosen is not None and chosen.lower() == language.tag.lower():
        response.set_cookie(
            LANG_COOKIE,
            language.tag,
            max_age=LANG_COOKIE_MAX_AGE,
            samesite="lax",
            secure=request.url.scheme == "https",
        )
    return response
