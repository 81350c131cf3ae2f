"""Checks every page test makes: accessible in every language, reflowing at 320 px and at 200 %
zoom, and loading nothing from another host."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

from civitrace.web.i18n import LANGUAGES
from tests.browser import assert_accessible

# (name, viewport, device scale factor): a phone, the narrowest WCAG reflow width, and a 1280 px
# desktop window at 200 % zoom (which lays out like 640 CSS px at twice the pixel density).
VIEWS = (
    ("phone", {"width": 390, "height": 844}, 1),
    ("320px", {"width": 320, "height": 640}, 1),
    ("zoom200", {"width": 640, "height": 400}, 2),
)


def with_language(url: str, tag: str) -> str:
    """``url`` with ``lang=tag`` added to its query (before any fragment)."""
    address, hash_mark, fragment = url.partition("#")
    separator = "&" if "?" in address else "?"
    return f"{address}{separator}lang={tag}{hash_mark}{fragment}"


def assert_no_horizontal_scroll(page: Any, where: str) -> None:
    """WCAG 1.4.10: content reflows; nothing needs scrolling sideways."""
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 1, f"{where}: page is {overflow}px wider than the viewport"


@contextmanager
def watched_requests(page: Any, origin: str) -> Iterator[list[str]]:
    """Collects every request the page makes to a host other than ``origin``."""
    foreign: list[str] = []
    own = urlsplit(origin).netloc

    def record(request: Any) -> None:
        parts = urlsplit(request.url)
        if parts.scheme in {"http", "https", "ws", "wss"} and parts.netloc != own:
            foreign.append(request.url)

    page.on("request", record)
    yield foreign
    page.remove_listener("request", record)


# axe runs in every language at the phone view, and at the two reflow views for one language of
# each direction; the reflow check (no sideways scrolling) runs in every language at every view.
AXE_AT_EVERY_VIEW = frozenset({"en", "ar"})


def check_page_everywhere(
    browser: Any,
    url: str,
    *,
    prepare: Callable[[Any], None] | None = None,
    languages: tuple[Any, ...] = LANGUAGES,
) -> None:
    """axe 0 violations in every language, no sideways scrolling in any language and view, and
    no foreign requests. ``prepare`` runs after loading (e.g. to open a dialog) before the
    checks."""
    for name, viewport, scale in VIEWS:
        context = browser.new_context(viewport=viewport, device_scale_factor=scale)
        try:
            page = context.new_page()
            with watched_requests(page, url) as foreign:
                for language in languages:
                    page.goto(with_language(url, language.tag))
                    if prepare is not None:
                        prepare(page)
                    where = f"{url} [{language.tag}, {name}]"
                    assert page.evaluate("() => document.documentElement.lang") == language.tag
                    assert page.evaluate("() => document.documentElement.dir") == language.direction
                    if name == VIEWS[0][0] or language.tag in AXE_AT_EVERY_VIEW:
                        assert_accessible(page, where)
                    assert_no_horizontal_scroll(page, where)
            assert foreign == [], f"requests to other hosts from {url}: {foreign}"
        finally:
            context.close()
