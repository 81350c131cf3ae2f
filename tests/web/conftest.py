"""A live civitrace (SQLite, demo data) on loopback for the browser tests, and page helpers.

uvicorn runs in a thread of the test process: one server per test worker, started once.
"""

import socket
import threading
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from starlette.exceptions import StarletteDeprecationWarning

from civitrace.server.app import create_app
from civitrace.server.demo import seed_demo
from civitrace.server.runtime import open_database, server_settings

with warnings.catch_warnings():
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient


@dataclass(frozen=True)
class LiveServer:
    """A running server: its base URL, data directory and demo credentials."""

    url: str
    data_dir: Path
    database_url: str
    demo: dict[str, Any]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """civitrace with demo data, served by uvicorn on a free loopback port."""
    data_dir = tmp_path_factory.mktemp("live")
    database_url = f"sqlite:///{data_dir / 'civitrace.sqlite3'}"
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    settings = server_settings(database_url, data_dir)
    with open_database(settings, migrate_first=True) as engine:
        seeded = seed_demo(engine, settings, settings.exports, url)
    config = uvicorn.Config(
        create_app(settings), host="127.0.0.1", port=port, log_level="warning", lifespan="on"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the live server did not start")
        time.sleep(0.05)
    yield LiveServer(url, data_dir, database_url, seeded.info.to_json())
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    """An in-process client of a fresh migrated SQLite server (no demo data)."""
    settings = server_settings(f"sqlite:///{tmp_path / 'civitrace.sqlite3'}", tmp_path)
    with open_database(settings, migrate_first=True):
        pass
    with TestClient(create_app(settings)) as test_client:
        yield test_client
