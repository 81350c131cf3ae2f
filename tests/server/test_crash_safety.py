"""Crash safety: SIGKILL the server during concurrent uploads; every acknowledged upload is
exported exactly once.

``civitrace serve --demo`` runs in a subprocess (PostgreSQL, fresh database; and SQLite). Worker
threads each run whole uploads with fresh keys, as a phone and a staff system would: issue a
code, verify it, get a certificate for the HMAC of the keys, publish. While they run, the server
is killed with SIGKILL and restarted on the same database and data directory. Clients retry
what a real app retries:

- a connection error before the publish restarts the verification from a new code (a code or
  token that may have been spent is never re-sent: that would count as a failed guess);
- a connection error on the publish re-sends the same publish (same keys, same certificate)
  until it gets an answer. A publish that got a 200 is never re-sent.

A re-sent publish whose first attempt committed before the kill (the response was lost) is
answered ``400 missing_revision_token``: the keys are stored. So each upload ends as

- *acknowledged* (200): all its keys must be in the exports, each exactly once;
- *committed, answer lost* (re-send refused with ``missing_revision_token``): the same;
- anything else is a failure of the test (no 5xx, no other refusal is expected), and such an
  upload's keys must not be exported.

Then ``civitrace export run --until <now + 4 h>`` builds every window; every file listed in
``index.txt`` is downloaded over HTTP, its signature verified with ``demo.json``'s key, and the
keys counted.
"""

import base64
import secrets
import signal
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from civitrace.en import tekmac
from civitrace.en.constants import TEK_ROLLING_PERIOD
from civitrace.en.export import VerificationKey, verify_export
from civitrace.en.intervals import utc_day
from civitrace.en.keys import TemporaryExposureKey
from tests.server.test_e2e_http import (
    Server,
    _child_env,
    _free_port,
    _run,
    _wait_healthy,
    civitrace_command,
    empty_database,
)

pytestmark = pytest.mark.slow

WORKERS = 8
UPLOADS = 64  # in all, shared by the workers
KEYS_PER_UPLOAD = 3  # yesterday and the two days before: past keys, no same-day embargo
KILL_AFTER = 16  # acknowledged publishes before the SIGKILL
DOWN_SECONDS = 0.5  # the server stays dead this long: clients see refused connections
UPLOAD_DEADLINE = 45.0  # seconds for all uploads, restart included
MISSING_REVISION_TOKEN = "missing_revision_token"


@pytest.fixture(params=["postgresql", "sqlite"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with empty_database(request.param, tmp_path, "crash") as url:
        yield url


def _start(env: dict[str, str], data_dir: Path, port: int, logs: Path, run: int) -> Server:
    out, err = logs / f"serve-{run}.out", logs / f"serve-{run}.err"
    with out.open("wb") as stdout, err.open("wb") as stderr:
        process = subprocess.Popen(
            [*civitrace_command(), "serve", "--demo", "--port", str(port)],
            env=env,
            stdout=stdout,
            stderr=stderr,
            stdin=subprocess.DEVNULL,
        )
    server = Server(process, f"http://127.0.0.1:{port}", data_dir, env, out, err)
    try:
        _wait_healthy(server)
    except BaseException:
        process.kill()
        process.wait(timeout=10)
        raise
    return server


@dataclass
class Upload:
    """One device's upload and what became of it."""

    keys: list[TemporaryExposureKey]
    hmac_secret: bytes
    outcome: str = "not published"  # "acknowledged", "committed, answer lost", or a failure
    publish_attempts: int = 0
    publish_body: dict[str, Any] = field(default_factory=dict)

    @property
    def key_data(self) -> list[bytes]:
        return [key.key_data for key in self.keys]

    @property
    def stored(self) -> bool:
        return self.outcome in {"acknowledged", "committed, answer lost"}


@dataclass
class Run:
    """State shared by the workers and the test thread."""

    demo: dict[str, Any]
    base_url: str
    deadline: float
    lock: threading.Lock = field(default_factory=threading.Lock)
    next_upload: int = 0
    acknowledged: int = 0
    publishing: int = 0  # publishes sent and not yet answered
    connection_errors: int = 0
    acknowledged_before_kill: int | None = None
    uploads: list[Upload] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def claim(self) -> bool:
        with self.lock:
            if self.next_upload >= UPLOADS:
                return False
            self.next_upload += 1
            return True

    def note(self, problem: str) -> None:
        with self.lock:
            self.problems.append(problem)


def _new_upload() -> Upload:
    today = utc_day(time.time())
    keys = [
        TemporaryExposureKey(
            secrets.token_bytes(16), (today - days) * TEK_ROLLING_PERIOD, TEK_ROLLING_PERIOD, 0
        )
        for days in range(1, KEYS_PER_UPLOAD + 1)
    ]
    return Upload(keys, secrets.token_bytes(32))


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


class ConnectionLostError(Exception):
    """No answer: the server died (or is still down) while this request was under way."""


def _post(run: Run, http: httpx.Client, path: str, body: dict[str, Any], key: str = "") -> Any:
    headers = {"X-API-Key": key} if key else {}
    try:
        return http.post(f"{run.base_url}{path}", json=body, headers=headers)
    except httpx.TransportError as exc:
        with run.lock:
            run.connection_errors += 1
        raise ConnectionLostError(str(exc)) from exc


def _backoff() -> None:
    time.sleep(0.05 + secrets.randbelow(100) / 1000)


def _certificate(run: Run, http: httpx.Client, upload: Upload) -> str | None:
    """issue → verify → certificate, from a new code after any connection error."""
    demo = run.demo
    symptom_day = (datetime.now(UTC).date() - timedelta(days=2)).isoformat()
    ekeyhmac = _b64(tekmac.compute(upload.hmac_secret, upload.keys))
    while time.monotonic() < run.deadline:
        try:
            issued = _post(
                run,
                http,
                "/api/issue",
                {"testType": "confirmed", "symptomDate": symptom_day},
                demo["admin_api_key"],
            )
            if issued.status_code != 200:
                run.note(f"issue: {issued.status_code} {issued.text[:200]}")
                return None
            verified = _post(
                run, http, "/api/verify", {"code": issued.json()["code"]}, demo["device_api_key"]
            )
            if verified.status_code != 200:
                run.note(f"verify: {verified.status_code} {verified.text[:200]}")
                return None
            certified = _post(
                run,
                http,
                "/api/certificate",
                {"token": verified.json()["token"], "ekeyhmac": ekeyhmac},
                demo["device_api_key"],
            )
            if certified.status_code != 200:
                run.note(f"certificate: {certified.status_code} {certified.text[:200]}")
                return None
            return str(certified.json()["certificate"])
        except ConnectionLostError:
            _backoff()
    run.note("no certificate before the deadline")
    return None


def _publish(run: Run, http: httpx.Client, upload: Upload, certificate: str) -> None:
    """Publish; re-send the same publish after a connection error, never after an answer."""
    body = {
        "temporaryExposureKeys": [
            {
                "key": _b64(key.key_data),
                "rollingStartNumber": key.rolling_start_number,
                "rollingPeriod": key.rolling_period,
                "transmissionRisk": key.transmission_risk_level,
            }
            for key in upload.keys
        ],
        "healthAuthorityID": run.demo["health_authority_id"],
        "hmacKey": _b64(upload.hmac_secret),
        "verificationPayload": certificate,
    }
    upload.publish_body = body
    while time.monotonic() < run.deadline:
        upload.publish_attempts += 1
        with run.lock:
            run.publishing += 1
        try:
            response = _post(run, http, "/v1/publish", body)
        except ConnectionLostError:
            _backoff()
            continue
        finally:
            with run.lock:
                run.publishing -= 1
        document = response.json()
        if response.status_code == 200 and document.get("insertedExposures") == len(upload.keys):
            upload.outcome = "acknowledged"
            with run.lock:
                run.acknowledged += 1
        elif (
            response.status_code == 400
            and upload.publish_attempts > 1
            and document.get("code") == MISSING_REVISION_TOKEN
        ):
            upload.outcome = "committed, answer lost"
        else:
            upload.outcome = f"publish: {response.status_code} {response.text[:200]}"
            run.note(upload.outcome)
        return
    upload.outcome = "publish: no answer before the deadline"
    run.note(upload.outcome)


def _worker(run: Run) -> None:
    try:
        with httpx.Client(timeout=10.0) as http:
            while run.claim():
                upload = _new_upload()
                with run.lock:
                    run.uploads.append(upload)
                certificate = _certificate(run, http, upload)
                if certificate is not None:
                    _publish(run, http, upload, certificate)
    except Exception as exc:  # a bug in the test or an unreadable answer: report, never hang
        run.note(f"worker crashed: {exc!r}")


def _exported_keys(base_url: str, demo: dict[str, Any], region: str) -> Counter[bytes]:
    """Every key of every file in the region's index, counted, signatures verified."""
    trusted = [
        VerificationKey.from_pem(
            demo["export_public_key_pem"].encode("ascii"),
            demo.get("export_key_id", ""),
            demo.get("export_key_version", ""),
        )
    ]
    counts: Counter[bytes] = Counter()
    with httpx.Client(base_url=base_url, timeout=10.0) as http:
        index = http.get(f"/exports/{region}/index.txt")
        assert index.status_code == 200, index.text
        names = [line.strip() for line in index.text.splitlines() if line.strip()]
        assert names, "the index lists no export file"
        for name in names:
            response = http.get(f"/exports/{name}")
            assert response.status_code == 200, name
            export = verify_export(response.content, trusted)
            assert export.batch.region == region
            counts.update(key.key_data for key in export.batch.keys)
            counts.update(key.key_data for key in export.batch.revised_keys)
    return counts


def _wait_for(condition: Any, run: Run, what: str) -> None:
    while not condition():
        if time.monotonic() > run.deadline:
            pytest.fail(f"timed out waiting for {what}; problems: {run.problems[:5]}")
        time.sleep(0.001)


def test_sigkill_during_uploads_loses_and_duplicates_nothing(
    database_url: str, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    env = _child_env(database_url, data_dir)
    port = _free_port()
    server = _start(env, data_dir, port, tmp_path, 1)
    restarted: Server | None = None
    threads: list[threading.Thread] = []
    try:
        run = Run(server.demo(), server.base_url, time.monotonic() + UPLOAD_DEADLINE)
        threads = [
            threading.Thread(target=_worker, args=(run,), name=f"upload-{n}", daemon=True)
            for n in range(WORKERS)
        ]
        for thread in threads:
            thread.start()

        # Kill while publishes are in flight, so some die mid-request.
        _wait_for(
            lambda: (run.acknowledged >= KILL_AFTER and run.publishing > 0) or run.problems,
            run,
            "publishes",
        )
        server.process.send_signal(signal.SIGKILL)
        assert server.process.wait(timeout=10) == -signal.SIGKILL
        run.acknowledged_before_kill = run.acknowledged
        time.sleep(DOWN_SECONDS)
        restarted = _start(env, data_dir, port, tmp_path, 2)
        for thread in threads:
            thread.join(timeout=max(0.0, run.deadline - time.monotonic()) + 5)
        assert not any(thread.is_alive() for thread in threads), "uploads did not finish"

        assert not run.problems, "\n".join(run.problems[:10])
        assert len(run.uploads) == UPLOADS
        assert run.acknowledged_before_kill < UPLOADS, "every upload ended before the kill"
        assert run.acknowledged > run.acknowledged_before_kill, "no upload after the restart"
        assert run.connection_errors > 0, "the kill interrupted nothing"

        # The premise of "committed, answer lost": a publish re-sent after it was stored is
        # refused with missing_revision_token and stores nothing twice (checked on one upload
        # on purpose, outside the clients' accounting).
        again = httpx.post(
            f"{restarted.base_url}/v1/publish", json=run.uploads[0].publish_body, timeout=10.0
        )
        assert again.status_code == 400, again.text
        assert again.json()["code"] == MISSING_REVISION_TOKEN

        until = (datetime.now(UTC) + timedelta(hours=4)).isoformat()
        built = _run([*civitrace_command(), "export", "run", "--until", until], env)
        assert built.returncode == 0, built.stdout + built.stderr
        exported = _exported_keys(restarted.base_url, run.demo, run.demo["region"])

        stored = [upload for upload in run.uploads if upload.stored]
        assert sum(upload.outcome == "acknowledged" for upload in stored) == run.acknowledged
        for upload in run.uploads:
            counts = [exported[key] for key in upload.key_data]
            expected = 1 if upload.stored else 0
            assert counts == [expected] * len(counts), (upload.outcome, counts)
        assert sum(exported[k] for u in run.uploads for k in u.key_data) == len(stored) * (
            KEYS_PER_UPLOAD
        )

        outcomes = Counter(upload.outcome for upload in run.uploads)
        resent = sum(upload.publish_attempts > 1 for upload in run.uploads)
        print(  # shown with -s or on failure: how hard the kill hit
            f"acknowledged before kill {run.acknowledged_before_kill}, outcomes {dict(outcomes)}, "
            f"publishes re-sent {resent}, connection errors {run.connection_errors}"
        )
        logs = restarted.logs()
        assert "Traceback" not in logs, logs[-2000:]
    finally:
        for process in (server.process, restarted.process if restarted else None):
            if process is not None and process.poll() is None:
                process.kill()
                process.wait(timeout=10)
        for thread in threads:
            thread.join(timeout=1)
