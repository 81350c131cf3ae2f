"""``civitrace presence package run|list``: the operator's contract (and ``decode`` still works)."""

import base64
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from civitrace.presence.payload import TraceLocationType, Venue
from civitrace.presence.report import fake_report
from civitrace.presence.warning_package import decode_package, hour_interval
from civitrace.server.authorities import create_health_authority
from civitrace.server.db import make_engine, migrate, session_factory
from civitrace.server.jobs import JOB_BUSY_EXIT_CODE, job_lock
from civitrace.server.presence.packages import JOB_NAME
from civitrace.server.presence.warnings import publish_warnings
from civitrace.server.settings import Settings
from tests.cli.conftest import Invoke

T0 = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=3)
H0 = hour_interval(int(T0.timestamp()))


@pytest.fixture
def server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A migrated SQLite database with one authority (ZZ) and 2 warnings published at T0."""
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    migrate(url)
    monkeypatch.setenv("CIVITRACE_DATABASE_URL", url)
    monkeypatch.setenv("CIVITRACE_DATA_DIR", str(tmp_path / "data"))
    engine = make_engine(url)
    with session_factory(engine)() as session:
        create_health_authority(session, Settings(data_dir=tmp_path), "HA", ["ZZ"])
        publish_warnings(session, ["ZZ"], [fake_report(), fake_report()], T0)
        session.commit()
    engine.dispose()
    return url


def test_run_builds_every_complete_hour(civitrace: Invoke, server: str, tmp_path: Path) -> None:
    until = (T0 + timedelta(hours=3)).isoformat()
    result = civitrace("presence", "package", "run", "--until", until)
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines[-1] == "built 3 packages"
    assert lines[0].startswith(f"ZZ {H0} {T0.isoformat()} reports=2 file=presence/ZZ/{H0}.bin")
    assert "reports=0" in lines[1]
    folder = tmp_path / "data" / "exports" / "presence" / "ZZ"
    assert (folder / "index.txt").read_text().split("\n") == [str(H0 + i) for i in range(3)]
    package = decode_package((folder / f"{H0}.bin").read_bytes())
    assert (package.interval_number, package.region, len(package.reports)) == (H0, "ZZ", 2)

    again = civitrace("presence", "package", "run", "--until", until)
    assert again.stdout.strip() == "built 0 packages"

    listed = civitrace("presence", "package", "list", "--region", "ZZ")
    assert listed.exit_code == 0, listed.stderr
    document = json.loads(listed.stdout)
    assert [p["intervalNumber"] for p in document] == [H0, H0 + 1, H0 + 2]
    assert document[0] == {
        "region": "ZZ",
        "intervalNumber": H0,
        "start": T0.isoformat(),
        "status": "complete",
        "reports": 2,
        "file": f"presence/ZZ/{H0}.bin",
    }
    assert json.loads(civitrace("presence", "package", "list", "--region", "XX").stdout) == []


def test_default_until_is_now(civitrace: Invoke, server: str) -> None:
    result = civitrace("presence", "package", "run")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "built 3 packages"  # T0 .. now - 1 hour
    assert result.stderr == ""


def test_future_until_warns(civitrace: Invoke, server: str) -> None:
    later = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
    result = civitrace("presence", "package", "run", "--until", later)
    assert result.exit_code == 0
    assert result.stderr.startswith("warning: --until is in the future")


def test_bad_until_is_one_line(civitrace: Invoke, server: str) -> None:
    result = civitrace("presence", "package", "run", "--until", "tomorrow")
    assert result.exit_code == 1
    assert result.stderr == "error: --until: 'tomorrow' is not an ISO-8601 date-time\n"


def test_a_held_lock_exits_75(civitrace: Invoke, server: str) -> None:
    engine = make_engine(server)
    with job_lock(engine, JOB_NAME):
        result = civitrace("presence", "package", "run")
    engine.dispose()
    assert result.exit_code == JOB_BUSY_EXIT_CODE
    assert result.stderr.startswith("error: another host is running presence-package")


def test_an_unmigrated_database_is_one_line(
    civitrace: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CIVITRACE_DATA_DIR", str(tmp_path / "data"))
    result = civitrace("presence", "package", "run", "--db", f"sqlite:///{tmp_path / 'new.db'}")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: database schema is at nothing")
    assert len(result.stderr.strip().splitlines()) == 1


def test_decode_still_works(civitrace: Invoke) -> None:
    venue = Venue.create(
        "Shop",
        "Road 1",
        type=TraceLocationType.PERMANENT_RETAIL,
        default_check_in_length_minutes=20,
    )
    result = civitrace("presence", "decode", base64.b64encode(venue.raw).decode())
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["locationIdHash"] == venue.location_id_hash.hex()
