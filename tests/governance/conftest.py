"""Fixtures of the governance tests: the server's databases (SQLite and PostgreSQL), a clean
engine per test, a controllable clock, and an app serving the governance routes."""

import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from starlette.exceptions import StarletteDeprecationWarning

from civitrace.governance.settings import GovernanceSettings
from civitrace.governance.sunset_middleware import SunsetMiddleware
from civitrace.governance.views import router
from civitrace.server.app import create_app
from civitrace.server.db import make_engine, session_factory
from civitrace.server.settings import Settings
from tests.server import conftest as server_fixtures
from tests.server.conftest import _wipe

with warnings.catch_warnings():
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient

# The server tests' fixtures: SQLite and PostgreSQL databases, data directory, settings.
database_url = server_fixtures.database_url
data_dir = server_fixtures.data_dir
make_settings = server_fixtures.make_settings
settings = server_fixtures.settings

T0 = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)  # a Monday morning: "now" unless a test moves it


@dataclass
class Clock:
    """A clock tests move by hand."""

    now: datetime = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> datetime:
        self.now += delta
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on an emptied database (signing keys survive)."""
    _wipe(database_url)
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with session_factory(engine)() as session:
        yield session


@dataclass
class GovernanceApp:
    """The real app, serving the governance routes under ``governance`` settings and ``clock``."""

    client: TestClient
    clock: Clock
    governance: GovernanceSettings
    opened: list[TestClient] = field(default_factory=list)


def build_app(settings: Settings, governance: GovernanceSettings, clock: Clock) -> Any:
    """``create_app`` with the governance router and the sunset middleware, added here only
    when the app does not have them yet (before they are registered in ``create_app``)."""
    if "governance" in type(settings).model_fields:  # once the section is hooked in
        settings = settings.model_copy(update={"governance": governance})
    app = create_app(settings)
    if not any(getattr(route, "path", "") == "/transparency.json" for route in app.routes):
        app.include_router(router)
    if not any(getattr(m, "cls", None) is SunsetMiddleware for m in app.user_middleware):
        app.add_middleware(SunsetMiddleware, settings=governance, clock=clock)
    app.state.governance = governance
    app.state.governance_clock = clock
    return app


@pytest.fixture
def governance_app(
    settings: Settings, engine: Engine, clock: Clock
) -> Iterator[Callable[..., TestClient]]:
    """Build apps (``governance`` settings as keywords) over the emptied database."""
    opened: list[TestClient] = []

    def build(**values: Any) -> TestClient:
        client = TestClient(build_app(settings, GovernanceSettings(**values), clock))
        client.__enter__()
        opened.append(client)
        return client

    yield build
    for client in opened:
        client.__exit__(None, None, None)


@pytest.fixture
def inventory_file(tmp_path: Path) -> Callable[[str], Path]:
    """Write TOML text to a file and return its path."""

    def write(text: str) -> Path:
        path = tmp_path / f"inventory-{len(list(tmp_path.iterdir()))}.toml"
        path.write_text(text, encoding="utf-8")
        return path

    return write
