"""``civitrace export run`` and ``civitrace export keys``: the operator's contract."""

import json
import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from civitrace.server.authorities import create_health_authority
from civitrace.server.db import make_engine, migrate, session_factory
from civitrace.server.db.models import Exposure
from civitrace.server.settings import Settings
from tests.cli.conftest import Invoke


@pytest.fixture
def server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A migrated SQLite database with one authority (ZZ) and 3 keys 5 hours old."""
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    migrate(url)
    monkeypatch.setenv("CIVITRACE_DATABASE_URL", url)
    monkeypatch.setenv("CIVITRACE_DATA_DIR", str(tmp_path / "data"))
    created = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=5)
    engine = make_engine(url)
    with session_factory(engine)() as session:
        create_health_authority(session, Settings(data_dir=tmp_path), "HA", ["ZZ"])
        for i in range(3):
            session.add(
                Exposure(
                    exposure_key=secrets.token_bytes(16),
                    transmission_risk=2 + i,
                    regions="ZZ",
                    interval_number=2_950_000,
                    interval_count=144,
                    created_at=created,
                    report_type="confirmed",
                )
            )
        session.commit()
    engine.dispose()
    return url


def test_run_builds_signed_exports_that_verify(
    civitrace: Invoke, server: str, tmp_path: Path
) -> None:
    created = civitrace("export", "keys", "create", "--key-id", "310", "--key-version", "v1")
    assert created.exit_code == 0, created.stderr
    assert created.stdout.startswith("-----BEGIN PUBLIC KEY-----")
    public = tmp_path / "public.pem"
    public.write_text(created.stdout)

    result = civitrace("export", "run")
    assert result.exit_code == 0, result.stderr
    assert "keys=3 padding=" in result.stdout
    assert result.stdout.strip().splitlines()[-1].startswith("built ")
    index = (tmp_path / "data" / "exports" / "ZZ" / "index.txt").read_text()
    names = index.split("\n")
    assert names
    again = civitrace("export", "run")
    assert again.stdout.strip() == "built 0 batches, 0 files"

    full = [n for n in names if f"{n}".endswith(".zip")]
    checked = 0
    for name in full:
        path = tmp_path / "data" / "exports" / name
        verified = civitrace(
            "export", "verify", str(path), "--public-key", str(public), "--key-id", "310"
        )
        assert verified.exit_code == 0, verified.stderr
        document = json.loads(verified.stdout)
        assert document["region"] == "ZZ"
        if document["keys"]:
            assert len(document["keys"]) >= 1000  # padded to the default minimum
            checked += 1
    assert checked == 1


def test_flags_override_the_environment(civitrace: Invoke, server: str, tmp_path: Path) -> None:
    other = f"sqlite:///{tmp_path / 'other.sqlite3'}"
    result = civitrace("export", "run", "--db", other, "--data-dir", str(tmp_path / "d2"))
    assert result.exit_code == 1
    assert "database schema is at nothing" in result.stderr


def test_keys_rotation_commands(civitrace: Invoke, server: str) -> None:
    for version in ("v1", "v2"):
        created = civitrace("export", "keys", "create", "--key-id", "310", "--key-version", version)
        assert created.exit_code == 0, created.stderr
    listed = json.loads(civitrace("export", "keys", "list").stdout)
    assert [(k["keyVersion"], k["active"]) for k in listed] == [("v1", True), ("v2", True)]
    result = civitrace("export", "keys", "deactivate", "--key-id", "310", "--key-version", "v1")
    assert result.exit_code == 0
    listed = json.loads(civitrace("export", "keys", "list").stdout)
    assert [(k["keyVersion"], k["active"]) for k in listed] == [("v1", False), ("v2", True)]
    assert "BEGIN PUBLIC KEY" in listed[0]["publicKeyPem"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["export", "run", "--until", "yesterday"], "--until"),
        (["export", "run"], "no active export signing key"),
        (["export", "keys", "activate", "--key-id", "1", "--key-version", "v9"], "no export"),
        (["export", "keys", "create", "--key-id", "bad id"], "key id"),
    ],
)
def test_bad_input_is_one_line(
    civitrace: Invoke, server: str, args: list[str], message: str
) -> None:
    result = civitrace(*args)
    assert result.exit_code != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert len(result.stderr.strip().splitlines()) == 1
