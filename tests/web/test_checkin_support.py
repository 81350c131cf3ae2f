"""Support for the presence page tests (holds no tests): a live civitrace with the presence API
and demo data on loopback, venues and their QR URLs, and the staff side (codes, approvals,
on-behalf warnings, the hourly package job) called in-process against the same database.

Until ``server/app.py`` registers the presence router, :func:`presence_app` adds it to the real
``create_app`` (same middleware, error handlers and state); once registered, it adds nothing.
The server is shared by every test module that uses :func:`shared_server` and stops when the
test process ends; :func:`serve` starts a private one a test may stop (the offline test).
"""

import atexit
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from sqlalchemy import Engine

from civitrace.presence.payload import TraceLocationType, Venue
from civitrace.presence.url import b64url_encode
from civitrace.server.app import create_app
from civitrace.server.db import make_engine
from civitrace.server.demo import seed_demo
from civitrace.server.exports.storage import LOCAL_EXPORTS_DIR, LocalDirectoryStorage
from civitrace.server.presence.packages import BuiltPackage, PackageBuilder
from civitrace.server.presence.settings import presence_settings
from civitrace.server.presence.views import router as presence_router
from civitrace.server.runtime import open_database, server_settings
from civitrace.server.settings import Settings

REPORTS_PATH = "/v1/presence/reports"
HOUR = timedelta(hours=1)


def presence_app(settings: Settings, storage: LocalDirectoryStorage) -> FastAPI:
    """``create_app(settings)`` with the presence routes and the given package storage."""
    app = create_app(settings)
    if not any(getattr(route, "path", "") == REPORTS_PATH for route in app.routes):
        app.include_router(presence_router)  # until server/app.py includes it
    app.state.export_storage = storage
    return app


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serve(app: FastAPI, port: int) -> Iterator[uvicorn.Server]:
    """``app`` served by uvicorn in a thread on loopback until the block ends (or a test sets
    ``should_exit`` earlier)."""
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the live server did not start")
        time.sleep(0.05)
    try:
        yield server
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def make_venue(
    description: str = "Café Lindenhof",
    address: str = "Lindenstraße 4, Springfield",
    minutes: int = 60,
) -> Venue:
    return Venue.create(
        description,
        address,
        type=TraceLocationType.PERMANENT_FOOD_SERVICE,
        default_check_in_length_minutes=minutes,
    )


def fragment(venue: Venue) -> str:
    return b64url_encode(venue.raw)


@dataclass
class PresenceServer:
    """A running civitrace with demo data, and the staff side of presence tracing."""

    url: str
    data_dir: Path
    settings: Settings
    engine: Engine
    storage: LocalDirectoryStorage
    demo: dict[str, Any]
    _built_until: datetime = field(default_factory=lambda: datetime.now(UTC))

    def checkin_url(self, venue: Venue, path: str = "/") -> str:
        """The URL a venue's QR code opens (on this server), or ``path`` with the payload."""
        return f"{self.url}{path}?v=1#{fragment(venue)}"

    def _admin(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        response = httpx.request(
            method,
            f"{self.url}{path}",
            json=body,
            headers={"X-API-Key": self.demo["admin_api_key"]},
            timeout=30,
        )
        assert response.status_code == 200, response.text
        return response.json()

    def issue_code(self, symptom_date: date | None = None, test_date: date | None = None) -> str:
        """A verification code, as the staff system issues one with a positive result."""
        body: dict[str, Any] = {"testType": "confirmed", "tzOffset": 0}
        if symptom_date is not None:
            body["symptomDate"] = symptom_date.isoformat()
        body["testDate"] = (test_date or datetime.now(UTC).date()).isoformat()
        return str(self._admin("POST", "/api/issue", body)["code"])

    def submissions(self, status: str | None = None) -> list[dict[str, Any]]:
        query = f"?status={status}" if status else ""
        return list(self._admin("GET", f"/v1/presence/submissions{query}")["submissions"])

    def approve_pending(self) -> int:
        """Approve every pending submission (staff); the number of warnings published."""
        published = 0
        for submission in self.submissions("pending"):
            path = f"/v1/presence/submissions/{submission['id']}/approve"
            published += int(self._admin("POST", path)["publishedWarnings"])
        return published

    def warn(self, venue: Venue, start: datetime, end: datetime, level: int = 8) -> Any:
        """Staff warn a venue's guests on its owner's behalf."""
        body = {
            "venue": fragment(venue),
            "startTime": start.isoformat(),
            "endTime": end.isoformat(),
            "transmissionRiskLevel": level,
        }
        return self._admin("POST", "/v1/presence/warnings", body)

    def publish_packages(self) -> list[BuiltPackage]:
        """Run the hourly package job so that every warning published so far is packaged.

        Warnings carry the hour they were published in, and the job builds hours that have
        ended; each run therefore builds up to one hour past the last run (and past now).
        """
        until = max(datetime.now(UTC), self._built_until) + HOUR
        self._built_until = until
        builder = PackageBuilder(self.engine, self.storage, presence_settings(self.settings))
        return builder.run(until)


def start_server(data_dir: Path, port: int | None = None) -> tuple[PresenceServer, FastAPI, int]:
    """Migrate and seed a fresh SQLite database in ``data_dir``; the app to serve and port."""
    port = port or _free_port()
    url = f"http://127.0.0.1:{port}"
    settings = server_settings(f"sqlite:///{data_dir / 'civitrace.sqlite3'}", data_dir)
    with open_database(settings, migrate_first=True) as engine:
        seeded = seed_demo(engine, settings, settings.exports, url)
    storage = LocalDirectoryStorage(data_dir / LOCAL_EXPORTS_DIR)
    app = presence_app(settings, storage)
    server = PresenceServer(
        url,
        data_dir,
        settings,
        make_engine(settings.database_url),
        storage,
        seeded.info.to_json(),
    )
    return server, app, port


_SHARED: list[PresenceServer] = []


def shared_server(factory: pytest.TempPathFactory) -> PresenceServer:
    """One server for the whole test process, started by the first module that asks."""
    if not _SHARED:
        server, app, port = start_server(factory.mktemp("presence"))
        context = serve(app, port)
        context.__enter__()
        atexit.register(context.__exit__, None, None, None)
        _SHARED.append(server)
    return _SHARED[0]


# -- the visitor's side, in a browser page ---------------------------------------------------

VISITOR_TIMEZONE = "Asia/Kuala_Lumpur"  # not UTC: local times in forms must be converted
WARNINGS_DONE = (
    "() => ['none', 'found', 'failed'].includes("
    "document.getElementById('warnings-status')?.dataset.state)"
)


@contextmanager
def visitor(browser: Any, **options: Any) -> Iterator[Any]:
    """A fresh browser profile (its own IndexedDB) and page, in the visitor's time zone."""
    context = browser.new_context(timezone_id=VISITOR_TIMEZONE, **options)
    try:
        yield context.new_page()
    finally:
        context.close()


def open_venue(page: Any, url: str) -> None:
    page.goto(url)
    page.wait_for_selector("#venue h2")


def check_in(page: Any, server: PresenceServer, venue: Venue, others: int = 0) -> None:
    """Scan (open the QR URL), add ``others`` people, tap Check in."""
    open_venue(page, server.checkin_url(venue))
    for _ in range(others):
        page.click("#add")
    page.click("#check-in")
    page.wait_for_selector("#check-out")


def open_list(page: Any, server: PresenceServer) -> str:
    """My check-ins and warnings, once the warnings check has ended; its outcome."""
    page.goto(f"{server.url}/checkin/list")
    page.wait_for_function(WARNINGS_DONE)
    return str(page.get_attribute("#warnings-status", "data-state"))


def local_input(moment: datetime) -> str:
    """What a datetime-local input shows for ``moment`` in the visitor's time zone."""
    from zoneinfo import ZoneInfo  # noqa: PLC0415

    return moment.astimezone(ZoneInfo(VISITOR_TIMEZONE)).strftime("%Y-%m-%dT%H:%M")


def change_times(page: Any, description: str, start: datetime, end: datetime) -> None:
    """On the list page: Change times, type both, Save."""
    entry = page.locator("li.entry", has_text=description).first
    entry.locator("button", has_text="Change times").click()
    entry.locator("input[id$='-start']").fill(local_input(start))
    entry.locator("input[id$='-end']").fill(local_input(end))
    entry.locator("button[type=submit]").click()
    page.wait_for_selector(f"li.entry:has-text('{description}') >> text=Change times")


def stored_check_ins(page: Any) -> list[dict[str, Any]]:
    """The check-ins this browser profile keeps, decrypted by the page's own module."""
    return list(
        page.evaluate("async () => (await import('/static/presence/store.js')).listCheckIns()")
    )
