"""Fixtures of the server tests: every DB-backed test runs on SQLite and on PostgreSQL.

PostgreSQL: ``CIVITRACE_TEST_POSTGRES`` (default the local server); each test session gets a
fresh database that is dropped at the end. Missing PostgreSQL skips locally and fails in CI.
"""

import base64
import os
import uuid
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import make_url
from starlette.exceptions import StarletteDeprecationWarning

from civitrace.server.apikeys import create_api_key
from civitrace.server.app import create_app
from civitrace.server.authorities import create_health_authority
from civitrace.server.db import Base, make_engine, migrate, session_factory
from civitrace.server.db.models import ApiKeyType
from civitrace.server.settings import Settings, VerificationSettings
from tests.conftest import require

with warnings.catch_warnings():
    # Starlette 1.x deprecates driving its TestClient with httpx in favour of httpx2, which is
    # not a dependency here; the client works the same.
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient

POSTGRES_URL = os.environ.get(
    "CIVITRACE_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
MAX_FAILED_GUESSES = 5


def _admin_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _postgres_available() -> bool:
    try:
        with psycopg.connect(_admin_dsn(POSTGRES_URL), connect_timeout=3):
            return True
    except psycopg.Error:
        return False


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("sqlite") / "civitrace.sqlite3"
        url = f"sqlite:///{path}"
        migrate(url)
        yield url
        return
    require(_postgres_available(), f"PostgreSQL at {POSTGRES_URL}")
    name = f"civitrace_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(_admin_dsn(POSTGRES_URL), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    try:
        migrate(url)
        yield url
    finally:
        with psycopg.connect(_admin_dsn(POSTGRES_URL), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("data")


@pytest.fixture(scope="session")
def make_settings(database_url: str, data_dir: Path) -> Callable[..., Settings]:
    def build(**verification: Any) -> Settings:
        values: dict[str, Any] = {
            "max_failed_guesses": MAX_FAILED_GUESSES,
            "allow_admin_user_report": True,
        }
        values.update(verification)
        return Settings(
            data_dir=data_dir,
            database_url=database_url,
            verification=VerificationSettings(**values),
        )

    return build


@pytest.fixture(scope="session")
def settings(make_settings: Callable[..., Settings]) -> Settings:
    return make_settings()


@pytest.fixture(scope="session")
def _session_client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as client:
        yield client


def _wipe(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            if table.name != "signing_keys":
                connection.execute(table.delete())
    engine.dispose()


@pytest.fixture
def client(_session_client: TestClient, database_url: str) -> TestClient:
    """The shared app, over an emptied database (signing keys survive)."""
    _wipe(database_url)
    return _session_client


@pytest.fixture
def make_client(
    make_settings: Callable[..., Settings], client: TestClient
) -> Iterator[Callable[..., TestClient]]:
    """Another app over the same database with other verification settings."""
    opened: list[TestClient] = []

    def build(**verification: Any) -> TestClient:
        other = TestClient(create_app(make_settings(**verification)))
        other.__enter__()
        opened.append(other)
        return other

    yield build
    for other in opened:
        other.__exit__(None, None, None)


@dataclass
class Authority:
    id: int
    admin_key: str
    device_key: str

    @property
    def admin(self) -> dict[str, str]:
        return {"X-API-Key": self.admin_key}

    @property
    def device(self) -> dict[str, str]:
        return {"X-API-Key": self.device_key}


def _create_authority(url: str, settings: Settings, name: str) -> Authority:
    engine = make_engine(url)
    with session_factory(engine)() as session:
        ha = create_health_authority(session, settings, name, ["ZZ"])
        admin = create_api_key(session, ha, ApiKeyType.ADMIN, "staff system")
        device = create_api_key(session, ha, ApiKeyType.DEVICE, "app")
        session.commit()
        result = Authority(ha.id, admin.plaintext, device.plaintext)
    engine.dispose()
    return result


@pytest.fixture
def authority(client: TestClient, database_url: str, settings: Settings) -> Authority:
    return _create_authority(database_url, settings, "Demo Health Authority")


@pytest.fixture
def other_authority(authority: Authority, database_url: str, settings: Settings) -> Authority:
    return _create_authority(database_url, settings, "Other Health Authority")


def today() -> date:
    return datetime.now(UTC).date()


def days_ago(n: int) -> str:
    return (today() - timedelta(days=n)).isoformat()


class Api:
    """The three calls as an app and a staff system make them."""

    def __init__(self, client: TestClient, authority: Authority) -> None:
        self.client = client
        self.authority = authority

    def issue(self, **fields: Any) -> Any:
        body = {"testType": "confirmed", "symptomDate": days_ago(2), "padding": "AAAA"}
        body.update(fields)
        return self.client.post("/api/issue", json=body, headers=self.authority.admin)

    def issued(self, **fields: Any) -> dict[str, Any]:
        response = self.issue(**fields)
        assert response.status_code == 200, response.text
        return dict(response.json())

    def verify(self, code: str, accept: list[str] | None = None, **extra: Any) -> Any:
        body: dict[str, Any] = {"code": code, **extra}
        if accept is not None:
            body["accept"] = accept
        return self.client.post("/api/verify", json=body, headers=self.authority.device)

    def token(self, **fields: Any) -> str:
        response = self.verify(self.issued(**fields)["code"])
        assert response.status_code == 200, response.text
        return str(response.json()["token"])

    def certificate(self, token: str, ekeyhmac: str | None = None) -> Any:
        mac = ekeyhmac if ekeyhmac is not None else base64.b64encode(bytes(32)).decode()
        return self.client.post(
            "/api/certificate",
            json={"token": token, "ekeyhmac": mac},
            headers=self.authority.device,
        )


@pytest.fixture
def api(client: TestClient, authority: Authority) -> Api:
    return Api(client, authority)


def assert_error(
    response: Any, status: int, code: str, mentions: str | None = None
) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["errorCode"] == code, body
    assert body["error_code"] == code
    assert body["error"]
    if mentions is not None:
        assert mentions in body["error"], body["error"]
    return dict(body)
