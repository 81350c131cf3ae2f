"""``civitrace admin …`` and ``civitrace serve``'s set-up: the operator's contract.

The server itself runs over real HTTP in ``tests/server/test_e2e_http.py``; here the commands
run in-process on a migrated SQLite database named by the environment.
"""

import json
import socket
from pathlib import Path

import pytest
from sqlalchemy import select

from civitrace.cli import serve
from civitrace.server.apikeys import authenticate
from civitrace.server.db import make_engine, migrate, session_factory
from civitrace.server.db.export_models import ExportConfig, ExportSigningKey
from civitrace.server.db.models import ApiKey, ApiKeyType, HealthAuthority
from civitrace.server.demo import DEMO_AUTHORITY, seed_demo
from civitrace.server.errors import UnauthorizedError
from civitrace.server.exports.settings import ExportSettings
from civitrace.server.runtime import server_settings
from tests.cli.conftest import Invoke, Result


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    migrate(url)
    monkeypatch.setenv("CIVITRACE_DATABASE_URL", url)
    monkeypatch.setenv("CIVITRACE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("CIVITRACE_CONFIG_FILE", raising=False)
    return url


def ok(result: Result) -> Result:
    assert result.exit_code == 0, result.stderr
    return result


def one_line_error(result: Result, mentions: str) -> None:
    assert result.exit_code != 0
    assert mentions in result.stderr, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_authorities(civitrace: Invoke, database: str) -> None:
    created = ok(
        civitrace(
            "admin", "authority", "create", "--name", "Gesundheitsamt", "--region", "de,DE-BY"
        )
    )
    assert "DE,DE-BY" in created.stdout
    ok(civitrace("admin", "authority", "create", "--name", "Other", "--region", "FR"))
    ok(
        civitrace(
            "admin",
            "authority",
            "update",
            "--authority",
            "Gesundheitsamt",
            "--region",
            "AT",
            "--audience",
            "keys.example",
        )
    )
    listed = ok(civitrace("admin", "authority", "list")).stdout
    assert "Gesundheitsamt" in listed
    assert "keys.example" in listed
    assert "AT" in listed
    assert "DE-BY" not in listed
    assert "Other" in listed


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["authority", "create", "--name", "X", "--region", "Bavaria"], "ISO 3166"),
        (["authority", "create", "--name", " ", "--region", "DE"], "name must not be empty"),
        (["authority", "update", "--authority", "nobody", "--region", "DE"], "no health auth"),
        (["authority", "update", "--authority", "1"], "nothing to change"),
        (["api-key", "create", "--authority", "9", "--type", "admin", "--name", "x"], "no health"),
        (["api-key", "create", "--authority", "HA", "--type", "root", "--name", "x"], "--type"),
        (["api-key", "revoke", "civ_00000000"], "no API key"),
        (["signing-key", "rotate", "--purpose", "export"], "--purpose"),
        (["signing-key", "retire", "token-nope"], "no signing key"),
    ],
)
def test_bad_input_is_one_line(
    civitrace: Invoke, database: str, args: list[str], message: str
) -> None:
    ok(civitrace("admin", "authority", "create", "--name", "HA", "--region", "ZZ"))
    one_line_error(civitrace("admin", *args), message)


def test_duplicate_authority_is_refused(civitrace: Invoke, database: str) -> None:
    ok(civitrace("admin", "authority", "create", "--name", "HA", "--region", "ZZ"))
    one_line_error(
        civitrace("admin", "authority", "create", "--name", "HA", "--region", "ZZ"), "exists"
    )


def test_api_keys_are_shown_once_and_revocable(civitrace: Invoke, database: str) -> None:
    ok(civitrace("admin", "authority", "create", "--name", "HA", "--region", "ZZ"))
    created = ok(
        civitrace(
            "admin", "api-key", "create", "--authority", "HA", "--type", "admin", "--name", "staff"
        )
    )
    key = created.stdout.strip()
    assert key.startswith("civ_")
    assert len(created.stdout.strip().splitlines()) == 1
    assert "cannot be shown again" in created.stderr
    prefix, secret = key.split(".", 1)
    ok(
        civitrace(
            "admin", "api-key", "create", "--authority", "1", "--type", "DEVICE", "--name", "app"
        )
    )

    listed = ok(civitrace("admin", "api-key", "list")).stdout
    assert prefix in listed
    assert secret not in listed
    assert secret[:8] not in listed
    assert "DEVICE" in listed

    engine = make_engine(database)
    try:
        with session_factory(engine)() as session:
            assert authenticate(session, key, ApiKeyType.ADMIN).prefix == prefix
        ok(civitrace("admin", "api-key", "revoke", prefix))
        with session_factory(engine)() as session, pytest.raises(UnauthorizedError):
            authenticate(session, key, ApiKeyType.ADMIN)
    finally:
        engine.dispose()
    again = ok(civitrace("admin", "api-key", "revoke", key))  # the whole key works too
    assert "already revoked" in again.stdout


def test_signing_key_rotation(civitrace: Invoke, database: str) -> None:
    first = ok(civitrace("admin", "signing-key", "rotate", "--purpose", "token")).stdout.split()[-1]
    second = ok(civitrace("admin", "signing-key", "rotate", "--purpose", "token")).stdout.split()[
        -1
    ]
    ok(civitrace("admin", "signing-key", "rotate", "--purpose", "certificate"))
    listed = ok(civitrace("admin", "signing-key", "list", "--purpose", "token")).stdout
    assert first in listed
    assert second in listed
    assert "certificate-" not in listed
    one_line_error(civitrace("admin", "signing-key", "retire", second), "is active")
    ok(civitrace("admin", "signing-key", "retire", first))
    listed = ok(civitrace("admin", "signing-key", "list")).stdout
    assert "UTC" in listed.split(first, 1)[1].splitlines()[0]  # the retired date


def test_flags_override_the_environment(civitrace: Invoke, database: str, tmp_path: Path) -> None:
    other = f"sqlite:///{tmp_path / 'other.sqlite3'}"
    one_line_error(
        civitrace("admin", "authority", "list", "--db", other), "database schema is at nothing"
    )
    migrated = ok(civitrace("admin", "migrate", "--db", other))
    assert "is at revision" in migrated.stdout
    ok(
        civitrace(
            "admin", "authority", "create", "--db", other, "--name", "Elsewhere", "--region", "ZZ"
        )
    )
    assert "Elsewhere" in ok(civitrace("admin", "authority", "list", "--db", other)).stdout
    assert "Elsewhere" not in ok(civitrace("admin", "authority", "list")).stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--port", "70000"], "--port"),
        (["--db", "postgresql+psycopg://postgres@127.0.0.1:1/none"], "database"),
        (["--db", "mysql://x/y"], "database_url"),
    ],
)
def test_serve_refuses_bad_input(
    civitrace: Invoke, database: str, args: list[str], message: str
) -> None:
    one_line_error(civitrace("serve", *args), message)


def test_serve_refuses_a_port_in_use(civitrace: Invoke, database: str) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        one_line_error(civitrace("serve", "--port", port), "cannot listen on 127.0.0.1:")


def test_base_url() -> None:
    assert serve.base_url("127.0.0.1", 8080) == "http://127.0.0.1:8080"
    assert serve.base_url("0.0.0.0", 1) == "http://127.0.0.1:1"
    assert serve.base_url("::1", 2) == "http://[::1]:2"
    assert serve.base_url("localhost", 3) == "http://localhost:3"


def test_demo_seeding_is_idempotent_and_rotates_lost_keys(database: str, tmp_path: Path) -> None:
    settings = server_settings()
    engine = make_engine(database)
    try:
        first = seed_demo(engine, settings, ExportSettings(), "http://127.0.0.1:1")
        path = tmp_path / "data" / "demo.json"
        assert first.path == path
        assert path.stat().st_mode & 0o777 == 0o600
        assert first.rotated_api_keys
        document = json.loads(path.read_text())
        assert document["health_authority_id"] == DEMO_AUTHORITY
        assert document["region"] == "ZZ"
        assert "BEGIN PUBLIC KEY" in document["export_public_key_pem"]

        again = seed_demo(engine, settings, ExportSettings(), "http://127.0.0.1:2")
        assert not again.rotated_api_keys
        assert again.info.admin_api_key == first.info.admin_api_key
        assert again.info.export_public_key_pem == first.info.export_public_key_pem
        assert json.loads(path.read_text())["base_url"] == "http://127.0.0.1:2"

        path.unlink()
        rotated = seed_demo(engine, settings, ExportSettings(), "http://127.0.0.1:3")
        assert rotated.rotated_api_keys
        assert rotated.info.admin_api_key != first.info.admin_api_key
        with session_factory(engine)() as session:
            assert len(session.scalars(select(HealthAuthority)).all()) == 1
            assert len(session.scalars(select(ExportSigningKey)).all()) == 1
            assert [c.region for c in session.scalars(select(ExportConfig))] == ["ZZ"]
            keys = session.scalars(select(ApiKey)).all()
            assert sum(k.revoked_at is None for k in keys) == 2
            with pytest.raises(UnauthorizedError):
                authenticate(session, first.info.admin_api_key, ApiKeyType.ADMIN)
            assert authenticate(session, rotated.info.device_api_key, ApiKeyType.DEVICE)
    finally:
        engine.dispose()
