"""Weight and speed of the check-in page on a slow mobile connection, beside a bare HTML page.

    python bench/checkin_page.py [--quick]      (civitrace importable: installed, or PYTHONPATH=src)

civitrace (a fresh SQLite database in a temporary directory) is served by uvicorn on loopback
and the page a venue's QR code opens (``/?v=1#<payload>``) is loaded in Debian's Chromium through
Playwright, in a fresh profile (empty cache), with the network emulated through the DevTools
protocol (``Network.emulateNetworkConditions``: 400 kbit/s each way, 400 ms latency). For each
load (median of 5; 2 with ``--quick``):

- **bytes**: ``encodedDataLength`` of every response the page needs (headers + gzip bodies),
  and the gzip bodies alone; what the service worker downloads in the background once the page
  is shown (``/sw.js`` and the other offline pages and their scripts) is counted apart;
- **third-party requests**: any request to a host other than the server (must be 0);
- **first render**: first contentful paint; **venue shown**: the moment the script has decoded
  the payload and shows the venue with its Check in button (``performance.mark``).

A repeat visit is not timed: the page's scripts then come from the service worker, whose own
fetches DevTools does not throttle, so the figure would flatter the page.

The baseline is a bare HTML page (one heading, a sentence; no CSS, no script) served by the same
server under the same emulation: the floor that one round trip sets.
Targets: ≤ 30 KB gzip, 0 third-party requests, first render < 1 s. JSON line last.
"""

import argparse
import json
import os
import re
import socket
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import uvicorn
from fastapi import FastAPI
from fastapi.responses import HTMLResponse

from civitrace.presence.payload import TraceLocationType, Venue
from civitrace.presence.url import b64url_encode
from civitrace.server.app import create_app
from civitrace.server.runtime import open_database, server_settings

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]
KBIT = 1000 / 8  # bytes per second in a kbit/s
SLOW_MOBILE = {
    "offline": False,
    "latency": 400,  # ms added to every request
    "downloadThroughput": 400 * KBIT,
    "uploadThroughput": 400 * KBIT,
}
BARE_PATH = "/bench/bare"
BARE_PAGE = (
    "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
    "<meta name='viewport' content='width=device-width'><title>Bare</title></head>"
    "<body><h1>Check in</h1><p>A bare page: one request, nothing else.</p></body></html>"
)
VENUE_SHOWN = "civitrace:venue-shown"
BUDGET_BYTES = 30 * 1024
RENDER_TARGET_MS = 1000


def venue_fragment(name: str) -> str:
    venue = Venue.create(
        name,
        "Harbour Road 7, Springfield",
        type=TraceLocationType.PERMANENT_FOOD_SERVICE,
        default_check_in_length_minutes=60,
    )
    return b64url_encode(venue.raw)


@contextmanager
def running_server() -> Iterator[str]:
    """civitrace plus the bare page, on a free loopback port, for the duration of the block."""
    with tempfile.TemporaryDirectory() as folder:
        data_dir = Path(folder)
        settings = server_settings(f"sqlite:///{data_dir / 'bench.sqlite3'}", data_dir)
        with open_database(settings, migrate_first=True):
            pass
        app: FastAPI = create_app(settings)
        app.add_api_route(BARE_PATH, lambda: HTMLResponse(BARE_PAGE), include_in_schema=False)
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.05)
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            server.should_exit = True
            thread.join(timeout=10)


class Traffic:
    """What one page's DevTools session saw: each response's URL, size and body size."""

    def __init__(self, cdp: Any) -> None:
        self.urls: dict[str, str] = {}
        self.encoded: dict[str, int] = {}
        self.body: dict[str, int] = {}
        cdp.on("Network.requestWillBeSent", self._sent)
        cdp.on("Network.loadingFinished", self._finished)
        cdp.on("Network.responseReceived", self._received)

    def _sent(self, event: dict[str, Any]) -> None:
        self.urls[event["requestId"]] = event["request"]["url"]

    def _received(self, event: dict[str, Any]) -> None:
        self.urls.setdefault(event["requestId"], event["response"]["url"])

    def _finished(self, event: dict[str, Any]) -> None:
        self.encoded[event["requestId"]] = int(event["encodedDataLength"])

    def summary(self, origin: str) -> dict[str, Any]:
        own = urlsplit(origin).netloc
        foreign = [
            url
            for url in self.urls.values()
            if urlsplit(url).scheme in {"http", "https"} and urlsplit(url).netloc != own
        ]
        return {"bytes": sum(self.encoded.values()), "foreign": foreign}


def _timings(page: Any, mark: str | None) -> dict[str, float]:
    for name in ("first-contentful-paint", mark):
        if name:
            page.wait_for_function(f"() => performance.getEntriesByName('{name}').length > 0")
    return dict(
        page.evaluate(
            """(mark) => ({
              fcp: performance.getEntriesByName('first-contentful-paint')[0].startTime,
              shown: mark ? performance.getEntriesByName(mark)[0].startTime : null,
            })""",
            mark,
        )
    )


def _emulated_page(browser: Any) -> tuple[Any, Any, Traffic]:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", SLOW_MOBILE)
    return context, page, Traffic(cdp)


def load_check_in(browser: Any, origin: str) -> dict[str, Any]:
    """A first visit of the check-in page, in a fresh profile."""
    context, page, traffic = _emulated_page(browser)
    try:
        page.goto(f"{origin}/?v=1#{venue_fragment('Bench Café')}", wait_until="load")
        return {**traffic.summary(origin), **_timings(page, VENUE_SHOWN)}
    finally:
        context.close()


def load_bare(browser: Any, origin: str) -> dict[str, Any]:
    context, page, traffic = _emulated_page(browser)
    try:
        page.goto(f"{origin}{BARE_PATH}", wait_until="load")
        return {**traffic.summary(origin), **_timings(page, None)}
    finally:
        context.close()


def gzip_bodies(origin: str) -> tuple[int, int]:
    """Gzip body bytes of the check-in page and everything it loads, as the server sends them,
    and of what the service worker adds for offline use (``/sw.js``, the other pages and their
    modules). Asking for them also warms the server (templates, catalogs) before timing."""
    headers = {"Accept-Encoding": "gzip"}
    with httpx.Client(base_url=origin, headers=headers) as client:
        client.get(BARE_PATH)

        def size(url: str) -> int:
            response = client.get(url)
            return int(response.headers.get("content-length", len(response.content)))

        page = client.get("/?v=1")
        urls = re.findall(r'<link rel="(?:stylesheet|modulepreload)" href="([^"]+)">', page.text)
        worker = client.get("/sw.js")
        setup = json.loads(worker.text.partition("\n")[0].removeprefix("self.CIVITRACE = ")[:-1])
        extra = [url for url in setup["precache"] if url not in {"/?v=1", *urls}]
        page_bytes = int(page.headers.get("content-length", len(page.content)))
        worker_bytes = int(worker.headers.get("content-length", len(worker.content)))
        return page_bytes + sum(map(size, urls)), worker_bytes + sum(map(size, extra))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 loads of each page, not 5")
    runs = 2 if parser.parse_args().quick else 5
    from playwright.sync_api import sync_playwright  # noqa: PLC0415

    with running_server() as origin, sync_playwright() as playwright:
        body_bytes, offline_bytes = gzip_bodies(origin)
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS
        )
        checkins = [load_check_in(browser, origin) for _ in range(runs)]
        bares = [load_bare(browser, origin) for _ in range(runs)]
        browser.close()

    def median(rows: list[dict[str, Any]], key: str) -> float:
        return round(statistics.median(float(row[key]) for row in rows), 1)

    foreign = sorted({url for row in checkins + bares for url in row["foreign"]})
    result = {
        "bench": "checkin_page",
        "network": {"kbit_s": 400, "latency_ms": SLOW_MOBILE["latency"]},
        "runs": runs,
        "load_average_1min": round(os.getloadavg()[0], 1),  # the machine is shared
        "checkin_bytes_transferred": int(median(checkins, "bytes")),
        "checkin_gzip_body_bytes": body_bytes,
        "offline_cache_gzip_bytes": offline_bytes,
        "third_party_requests": len(foreign),
        "checkin_first_render_ms": median(checkins, "fcp"),
        "checkin_venue_shown_ms": median(checkins, "shown"),
        "bare_bytes_transferred": int(median(bares, "bytes")),
        "bare_first_render_ms": median(bares, "fcp"),
        "targets_met": {
            "bytes": median(checkins, "bytes") <= BUDGET_BYTES,
            "third_party": not foreign,
            "first_render": median(checkins, "fcp") < RENDER_TARGET_MS,
        },
    }
    for name, value in result.items():
        if name not in {"bench", "targets_met", "network"}:
            print(f"{name:30} {value}", file=sys.stderr)
    if foreign:
        print(f"foreign requests: {foreign}", file=sys.stderr)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
