"""The whole exposure-notification loop over real HTTP, on SQLite and on PostgreSQL.

``civitrace serve --demo`` runs in a subprocess on a free loopback port; a staff system issues a
code, the reference device verifies it, gets a certificate for the HMAC of its keys and
publishes them; ``civitrace export run`` (another subprocess, same database and data directory)
builds the signed export; the export is fetched and verified over HTTP; a second reference
device that heard the first one's broadcasts downloads from the server and finds the exposure.
Finally SIGTERM stops the server cleanly.
"""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from sqlalchemy import make_url

from civitrace.client.consent import Consent, prepare_upload
from civitrace.client.device import Device
from civitrace.client.document import DAY_SECONDS
from civitrace.client.scans import parse_scan_text
from civitrace.client.simulate import Meeting, observe_device, to_jsonl
from civitrace.client.store import Passphrase, ScryptParams
from civitrace.en.constants import TEK_ROLLING_PERIOD
from civitrace.en.export import VerificationKey, verify_export
from civitrace.en.intervals import utc_day
from tests.conftest import require
from tests.server.conftest import POSTGRES_URL, _admin_dsn, _postgres_available

pytestmark = pytest.mark.slow

FAST_SCRYPT = ScryptParams(log2_n=10, r=8, p=1)
START_TIMEOUT = 90.0  # a loaded 2-core machine can take long to import and migrate


def civitrace_command() -> list[str]:
    """``python -m civitrace`` with this interpreter (the installed console script may be
    missing in a scratch environment)."""
    return [sys.executable, "-m", "civitrace"]


def _child_env(database_url: str, data_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    src = str(Path(__file__).resolve().parents[2] / "src")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (src, env.get("PYTHONPATH", "")) if p)
    env["CIVITRACE_DATABASE_URL"] = database_url
    env["CIVITRACE_DATA_DIR"] = str(data_dir)
    env.pop("CIVITRACE_CONFIG_FILE", None)
    return env


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def empty_database(kind: str, tmp_path: Path, label: str) -> Iterator[str]:
    """An empty database for a ``serve`` subprocess (it migrates): a SQLite file, or a fresh
    PostgreSQL database dropped afterwards (missing PostgreSQL fails in CI)."""
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / f'{label}.sqlite3'}"
        return
    require(_postgres_available(), f"PostgreSQL at {POSTGRES_URL}")
    name = f"civitrace_{label}_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(_admin_dsn(POSTGRES_URL), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(_admin_dsn(POSTGRES_URL), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with empty_database(request.param, tmp_path, "e2e") as url:
        yield url


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    base_url: str
    data_dir: Path
    env: dict[str, str]
    stdout: Path
    stderr: Path

    def demo(self) -> dict[str, Any]:
        document: dict[str, Any] = json.loads((self.data_dir / "demo.json").read_text())
        return document

    def logs(self) -> str:
        return self.stdout.read_text() + self.stderr.read_text()


def _wait_healthy(server: Server) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            pytest.fail(
                f"civitrace serve exited with {server.process.returncode}:\n{server.logs()}"
            )
        try:
            if httpx.get(f"{server.base_url}/health", timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    pytest.fail(f"civitrace serve did not become healthy in {START_TIMEOUT} s:\n{server.logs()}")


@pytest.fixture
def server(database_url: str, tmp_path: Path) -> Iterator[Server]:
    data_dir = tmp_path / "data"
    port = _free_port()
    env = _child_env(database_url, data_dir)
    out, err = tmp_path / "serve.out", tmp_path / "serve.err"
    with out.open("wb") as stdout, err.open("wb") as stderr:
        process = subprocess.Popen(
            [*civitrace_command(), "serve", "--demo", "--port", str(port)],
            env=env,
            stdout=stdout,
            stderr=stderr,
            stdin=subprocess.DEVNULL,
        )
    running = Server(process, f"http://127.0.0.1:{port}", data_dir, env, out, err)
    try:
        _wait_healthy(running)
        yield running
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


def _post(client: httpx.Client, path: str, body: dict[str, Any], key: str | None = None) -> Any:
    headers = {"X-API-Key": key} if key else {}
    response = client.post(path, json=body, headers=headers)
    assert response.status_code == 200, f"{path}: {response.status_code} {response.text[:300]}"
    return response.json()


def _devices(workdir: Path) -> tuple[Device, Device, Meeting]:
    """Alice (set up yesterday morning) and Bob, who heard her for 40 minutes yesterday."""
    now = time.time()
    yesterday = (utc_day(now) - 1) * DAY_SECONDS
    clock: dict[str, float] = {"now": yesterday + 8 * 3600.0}
    alice = Device.create(
        workdir / "alice.store",
        Passphrase("alice-e2e"),
        clock=lambda: clock["now"],
        scrypt=FAST_SCRYPT,
    )
    bob = Device.create(
        workdir / "bob.store", Passphrase("bob-e2e"), clock=lambda: clock["now"], scrypt=FAST_SCRYPT
    )
    clock["now"] = now
    alice.ensure_todays_key()
    bob.ensure_todays_key()
    meeting = Meeting(yesterday + 14 * 3600, 40 * 60, rssi=-45)
    bob.ingest_scans(parse_scan_text(to_jsonl(observe_device(alice, [meeting], seed=3))))
    return alice, bob, meeting


def _run(command: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=60, check=False)


def test_issue_verify_certify_publish_export_download_match(server: Server, tmp_path: Path) -> None:
    started = time.monotonic()
    demo = server.demo()
    assert set(demo) >= {
        "base_url",
        "health_authority_id",
        "region",
        "admin_api_key",
        "device_api_key",
        "export_public_key_pem",
    }
    assert demo["base_url"] == server.base_url
    assert demo["region"] == "ZZ"
    assert (server.data_dir / "demo.json").stat().st_mode & 0o777 == 0o600

    alice, bob, meeting = _devices(tmp_path)
    try:
        with httpx.Client(base_url=server.base_url, timeout=10.0) as http:
            symptom_day = datetime.fromtimestamp(meeting.start, UTC).date().isoformat()
            issued = _post(
                http,
                "/api/issue",
                {"testType": "confirmed", "symptomDate": symptom_day},
                demo["admin_api_key"],
            )
            verified = _post(http, "/api/verify", {"code": issued["code"]}, demo["device_api_key"])
            assert verified["testtype"] == "confirmed"

            upload = prepare_upload(
                alice,
                Consent(share_diagnosis_keys=True, days=14),
                health_authority_id=demo["health_authority_id"],
                symptom_onset_interval=utc_day(meeting.start) * TEK_ROLLING_PERIOD,
            )
            certificate = _post(
                http,
                "/api/certificate",
                {"token": verified["token"], "ekeyhmac": upload.ekeyhmac},
                demo["device_api_key"],
            )
            body = {**upload.body, "verificationPayload": certificate["certificate"]}
            published = _post(http, "/v1/publish", body)
            assert published["insertedExposures"] == len(upload.keys) >= 1
            assert "code" not in published

            until = (datetime.now(UTC) + timedelta(hours=4)).isoformat()
            built = _run([*civitrace_command(), "export", "run", "--until", until], server.env)
            assert built.returncode == 0, built.stderr
            assert f"keys={len(upload.keys)} " in built.stdout, built.stdout

            index = http.get("/exports/ZZ/index.txt")
            assert index.status_code == 200
            names = [line for line in index.text.splitlines() if line.strip()]
            assert names
            trusted = [
                VerificationKey.from_pem(
                    demo["export_public_key_pem"].encode("ascii"),
                    demo.get("export_key_id", ""),
                    demo.get("export_key_version", ""),
                )
            ]
            shared = {key.key_data for key in upload.keys}
            found = set()
            for name in names:
                zipped = http.get(f"/exports/{name}")
                assert zipped.status_code == 200, name
                assert zipped.headers["content-type"] == "application/zip"
                export = verify_export(zipped.content, trusted)
                assert export.batch.region == "ZZ"
                found |= shared & {key.key_data for key in export.batch.keys}
            assert found == shared

            metrics = http.get("/metrics", headers={"X-API-Key": demo["admin_api_key"]})
            assert metrics.status_code == 200
            assert "civitrace_verification_codes_issued_total 1.0" in metrics.text
            assert f"civitrace_publish_inserted_keys_total {float(len(shared))}" in metrics.text

        report = bob.download(f"{server.base_url}/exports/ZZ", trusted)
        assert report.accepted, report.rejected
        assert not report.rejected
        result = bob.check_exposures()
        assert result.exposed
        assert sum(w.duration_seconds for w in result.windows) >= 30 * 60
    finally:
        alice.close()
        bob.close()

    server.process.send_signal(signal.SIGTERM)
    assert server.process.wait(timeout=15) == 0
    assert "stopped by SIGTERM" in server.stdout.read_text()
    logs = server.logs()
    assert "Application shutdown complete" in logs
    assert "Traceback" not in logs
    assert "127.0.0.1:" not in server.stderr.read_text().replace(
        f"Uvicorn running on {server.base_url}", ""
    )  # no client address (port of the peer) in the logs
    assert time.monotonic() - started < 40
