"""The presence pages' scripts: which modules each page loads, and the version of them all.

Each page has one entry module under ``web/static/presence/``; the modules it imports (``from
'./x.js'``) are found by reading the files, so a page can announce its whole module graph with
``<link rel="modulepreload">`` (one round trip instead of one per import level on a slow
connection), its messages can be gathered per module, and the service worker can cache exactly
what the offline pages need. The version is a hash of every file the pages are built from, so
a new release gives the service worker a new cache.
"""

import base64
import hashlib
import re
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Final

STATIC_URL: Final = "/static/presence/"
STYLESHEETS: Final = ("/static/civitrace.css", "/static/presence/presence.css")
_IMPORT: Final = re.compile(r"""(?:\bfrom|^import)\s+['"]\./([a-z0-9_-]+\.js)['"]""", re.MULTILINE)
_WEB: Final = resources.files("civitrace.web")


def _folder() -> Traversable:
    return _WEB / "static" / "presence"


@cache
def module_source(name: str) -> str:
    """The text of one module of ``web/static/presence``."""
    return (_folder() / name).read_text(encoding="utf-8")


@cache
def imports(name: str) -> tuple[str, ...]:
    """The modules ``name`` imports directly, in the order it names them."""
    return tuple(dict.fromkeys(_IMPORT.findall(module_source(name))))


@cache
def closure(entry: str) -> tuple[str, ...]:
    """``entry`` and every module it loads, directly or not (entry first, no repeats)."""
    seen: dict[str, None] = {}
    pending = [entry]
    while pending:
        name = pending.pop(0)
        if name not in seen:
            seen[name] = None
            pending.extend(imports(name))
    return tuple(seen)


def module_url(name: str) -> str:
    return f"{STATIC_URL}{name}"


@cache
def inline_css() -> str:
    """Both stylesheets as one text, for a page that carries its styles inline."""
    parts = [
        (_WEB / "static" / path.removeprefix("/static/")).read_text(encoding="utf-8")
        for path in STYLESHEETS
    ]
    return "\n".join(parts)


def style_source(css: str) -> str:
    """The CSP source that admits exactly the inline style ``css`` (its SHA-256)."""
    digest = base64.b64encode(hashlib.sha256(css.encode("utf-8")).digest()).decode("ascii")
    return f"'sha256-{digest}'"


def _files() -> list[Traversable]:
    """Every file the visitor's pages are made of, in a fixed order."""
    found: list[Traversable] = [_WEB / "static" / "civitrace.css", _WEB / "static" / "sw.js"]
    found.extend(sorted(_folder().iterdir(), key=lambda entry: entry.name))
    found.extend(sorted((_WEB / "templates" / "presence").iterdir(), key=lambda entry: entry.name))
    found.append(_WEB / "templates" / "base.html")
    for locale in sorted((_WEB / "locales").iterdir(), key=lambda entry: entry.name):
        for area in ("common.po", "presence.po"):
            catalog = locale / "LC_MESSAGES" / area
            if catalog.is_file():
                found.append(catalog)
    return [entry for entry in found if entry.is_file()]


def version_of(files: list[Traversable]) -> str:
    """A short hash of the names and contents of ``files``."""
    digest = hashlib.sha256()
    for entry in files:
        digest.update(entry.name.encode())
        digest.update(len(entry.read_bytes()).to_bytes(8, "big"))
        digest.update(entry.read_bytes())
    return digest.hexdigest()[:16]


@cache
def version() -> str:
    """The version of the pages: it changes whenever a page could look or behave differently."""
    return version_of(_files())
