"""The service worker that lets the visitor's pages open without a connection.

``web/static/sw.js`` is the worker's logic; served at ``/sw.js`` (so its scope is the whole
site) it is preceded by one generated line naming its cache version and what to precache: the
check-in, scan and list pages and every module and stylesheet they load. A new release changes
the version, so browsers install the new worker and drop the old cache.
"""

import json
from functools import cache
from importlib import resources
from typing import Final

from civitrace.web.presence.assets import STYLESHEETS, closure, module_url, version
from civitrace.web.templating import CONTENT_SECURITY_POLICY

OFFLINE_PAGES: Final = ("/?v=1", "/checkin", "/checkin/list")
OFFLINE_ENTRIES: Final = ("checkin.js", "scan.js", "list.js")
WORKER_HEADERS: Final = {
    "Cache-Control": "no-cache",  # browsers must see a new worker as soon as it is released
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
}


def precache() -> list[str]:
    """What the worker stores at install: the offline pages and everything they load."""
    modules = dict.fromkeys(name for entry in OFFLINE_ENTRIES for name in closure(entry))
    return [*OFFLINE_PAGES, *STYLESHEETS, *(module_url(name) for name in modules)]


@cache
def service_worker() -> str:
    """The worker's source with its generated first line."""
    settings = {"version": version(), "precache": precache(), "pages": list(OFFLINE_PAGES)}
    logic = (resources.files("civitrace.web") / "static" / "sw.js").read_text(encoding="utf-8")
    return f"self.CIVITRACE = {json.dumps(settings, separators=(',', ':'))};\n{logic}"
