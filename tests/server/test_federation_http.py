"""Federation between two real servers over HTTP, driven through the ``civitrace`` CLI.

Two ``civitrace serve --demo`` processes, A and B, each on its own database (both SQLite, or
both PostgreSQL). Keys are published to A over HTTP by two authorities: one serving ZZ and XA,
one serving only XA. A grants B the region ZZ; B configures A as a peer and runs
``civitrace federation pull --from <A>`` as a subprocess: only the ZZ keys arrive (their regions
cut to ZZ), a second pull imports nothing, and ``export run`` on B puts them in B's signed
exports, fetched over HTTP. The CLI's error paths (a URL no peer has, an unreachable peer, a
wrong credential) exit non-zero with one line.
"""

import base64
import json
import secrets
import subprocess
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select, update

from civitrace.en import tekmac
from civitrace.en.export import VerificationKey, verify_export
from civitrace.en.intervals import en_interval_number, rolling_start
from civitrace.en.keys import TemporaryExposureKey
from civitrace.server.db import make_engine
from civitrace.server.db.models import Exposure
from civitrace.server.publish.rules import truncate
from tests.server.test_e2e_http import (
    Server,
    _child_env,
    _free_port,
    _post,
    _run,
    _wait_healthy,
    civitrace_command,
    empty_database,
)

pytestmark = pytest.mark.slow

DAY = 144
KEYS_PER_UPLOAD = 7


@contextmanager
def _serving(database_url: str, workdir: Path) -> Iterator[Server]:
    """``civitrace serve --demo`` on a free port, killed at the end."""
    workdir.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    env = _child_env(database_url, workdir / "data")
    out, err = workdir / "serve.out", workdir / "serve.err"
    with out.open("wb") as stdout, err.open("wb") as stderr:
        process = subprocess.Popen(
            [*civitrace_command(), "serve", "--demo", "--port", str(port)],
            env=env,
            stdout=stdout,
            stderr=stderr,
            stdin=subprocess.DEVNULL,
        )
    running = Server(process, f"http://127.0.0.1:{port}", workdir / "data", env, out, err)
    try:
        _wait_healthy(running)
        yield running
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


def _cli(server: Server, *args: str) -> str:
    """Run a ``civitrace`` command against ``server``'s database; its stdout."""
    done = _run([*civitrace_command(), *args], server.env)
    assert done.returncode == 0, f"{args}: {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done.stdout


def _cli_error(server: Server, *args: str) -> str:
    """Run a command that must fail: non-zero exit, one ``error:`` line, no traceback."""
    done = _run([*civitrace_command(), *args], server.env)
    assert done.returncode != 0, done.stdout
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("error: "), lines[0]
    assert "Traceback" not in done.stderr + done.stdout
    return lines[0]


def _publish(server: Server, authority: str, admin_key: str, device_key: str) -> set[bytes]:
    """Issue → verify → certificate → publish over HTTP; the keys A stored."""
    first = rolling_start(en_interval_number(time.time()))
    keys = [
        TemporaryExposureKey(secrets.token_bytes(16), first - DAY * d, DAY, 0)
        for d in range(1, KEYS_PER_UPLOAD + 1)
    ]
    secret = secrets.token_bytes(32)
    with httpx.Client(base_url=server.base_url, timeout=10.0) as http:
        symptom = (datetime.now(UTC) - timedelta(days=2)).date().isoformat()
        issued = _post(
            http, "/api/issue", {"testType": "confirmed", "symptomDate": symptom}, admin_key
        )
        token = _post(http, "/api/verify", {"code": issued["code"]}, device_key)["token"]
        mac = base64.b64encode(tekmac.compute(secret, keys)).decode()
        certificate = _post(
            http, "/api/certificate", {"token": token, "ekeyhmac": mac}, device_key
        )["certificate"]
        body = {
            "temporaryExposureKeys": [
                {
                    "key": base64.b64encode(k.key_data).decode(),
                    "rollingStartNumber": k.rolling_start_number,
                    "rollingPeriod": k.rolling_period,
                    "transmissionRisk": 0,
                }
                for k in keys
            ],
            "healthAuthorityID": authority,
            "verificationPayload": certificate,
            "hmacKey": base64.b64encode(secret).decode(),
        }
        assert _post(http, "/v1/publish", body)["insertedExposures"] == KEYS_PER_UPLOAD
    return {k.key_data for k in keys}


def _let_time_pass(database_url: str) -> None:
    """Move A's stored keys two hours back: a source shares only keys from before its current
    truncation window (the federation rule), which would otherwise mean waiting an hour."""
    engine = make_engine(database_url)
    earlier = truncate(datetime.now(UTC) - timedelta(hours=2), timedelta(hours=1))
    with engine.begin() as connection:
        connection.execute(update(Exposure).values(created_at=earlier))
    engine.dispose()


def _federated_rows(database_url: str) -> dict[bytes, tuple[str, str | None, bool]]:
    engine = make_engine(database_url)
    with engine.connect() as connection:
        rows = connection.execute(
            select(
                Exposure.exposure_key,
                Exposure.regions,
                Exposure.federation_source,
                Exposure.local_provenance,
            )
        ).all()
    engine.dispose()
    return {row[0]: (row[1], row[2], row[3]) for row in rows}


def _exported_keys(server: Server, region: str) -> set[bytes]:
    """Every key of ``server``'s exports of ``region``, fetched over HTTP and verified."""
    demo = server.demo()
    trusted = [
        VerificationKey.from_pem(
            demo["export_public_key_pem"].encode("ascii"),
            demo["export_key_id"],
            demo["export_key_version"],
        )
    ]
    found: set[bytes] = set()
    with httpx.Client(base_url=server.base_url, timeout=10.0) as http:
        index = http.get(f"/exports/{region}/index.txt")
        assert index.status_code == 200, index.text
        for name in index.text.split():
            zipped = http.get(f"/exports/{name}")
            assert zipped.status_code == 200, name
            found |= {key.key_data for key in verify_export(zipped.content, trusted).batch.keys}
    return found


@pytest.fixture(params=["sqlite", "postgresql"])
def two_servers(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Server, ...]]:
    with ExitStack() as stack:
        urls = [
            stack.enter_context(empty_database(request.param, tmp_path, f"fed_{name}"))
            for name in ("a", "b")
        ]
        yield tuple(
            stack.enter_context(_serving(url, tmp_path / name))
            for url, name in zip(urls, ("a", "b"), strict=True)
        )


def test_pull_over_http_imports_allowed_regions_once_and_exports_them(
    two_servers: tuple[Server, Server], tmp_path: Path
) -> None:
    a, b = two_servers
    demo = a.demo()
    authority = demo["health_authority_id"]
    _cli(a, "admin", "authority", "update", "--authority", authority, "--region", "ZZ,XA")
    _cli(a, "admin", "authority", "create", "--name", "XA only", "--region", "XA")
    xa_admin, xa_device = (
        _cli(
            a,
            "admin",
            "api-key",
            "create",
            "--authority",
            "XA only",
            "--type",
            kind,
            "--name",
            kind,
        ).strip()
        for kind in ("admin", "device")
    )
    shared = _publish(a, authority, demo["admin_api_key"], demo["device_api_key"])
    not_shared = _publish(a, "XA only", xa_admin, xa_device)
    _let_time_pass(a.env["CIVITRACE_DATABASE_URL"])

    grant = json.loads(_cli(a, "federation", "grant", "add", "instance-b", "--regions", "ZZ"))
    credential, public_key = tmp_path / "credential", tmp_path / "a.pem"
    credential.write_text(grant["credential"])
    public_key.write_text(grant["publicKeyPem"])
    _cli(
        b, "federation", "peer", "add", "instance-a", "--url", a.base_url,
        "--credential-file", str(credential), "--public-key", str(public_key), "--regions", "ZZ",
    )  # fmt: skip

    first = _cli(b, "federation", "pull", "--from", a.base_url)
    assert f"inserted={len(shared)} " in first, first
    again = _cli(b, "federation", "pull", "--from", a.base_url)
    assert "inserted=0 " in again, again

    rows = _federated_rows(b.env["CIVITRACE_DATABASE_URL"])
    imported = {key for key, (_, source, _) in rows.items() if source == "instance-a"}
    assert imported == shared
    assert not rows.keys() & not_shared
    assert {rows[key] for key in imported} == {("ZZ", "instance-a", False)}  # regions cut to ZZ

    until = (datetime.now(UTC) + timedelta(hours=4)).isoformat()
    _cli(b, "export", "run", "--until", until)
    exported = _exported_keys(b, "ZZ")
    assert shared <= exported
    assert not exported & not_shared


def test_pull_errors_are_one_line(two_servers: tuple[Server, Server], tmp_path: Path) -> None:
    a, b = two_servers
    grant = json.loads(_cli(a, "federation", "grant", "add", "instance-b", "--regions", "ZZ"))
    public_key = tmp_path / "a.pem"
    public_key.write_text(grant["publicKeyPem"])
    wrong = tmp_path / "wrong-credential"
    wrong.write_text("civfed_00000000." + "A" * 43)
    _cli(
        b, "federation", "peer", "add", "instance-a", "--url", a.base_url,
        "--credential-file", str(wrong), "--public-key", str(public_key), "--regions", "ZZ",
    )  # fmt: skip
    refused = _cli_error(b, "federation", "pull", "--from", a.base_url)
    assert "401" in refused, refused

    unknown = _cli_error(b, "federation", "pull", "--from", "not a url")
    assert "not a url" in unknown, unknown

    closed = f"http://127.0.0.1:{_free_port()}"
    _cli(
        b, "federation", "peer", "add", "gone", "--url", closed,
        "--credential-file", str(wrong), "--public-key", str(public_key), "--regions", "ZZ",
    )  # fmt: skip
    unreachable = _cli_error(b, "federation", "pull", "--peer", "gone")
    assert closed in unreachable, unreachable
    assert _cli_error(b, "federation", "pull")  # neither --from nor --peer
