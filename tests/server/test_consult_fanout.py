"""Live updates fan out across server processes through PostgreSQL LISTEN/NOTIFY.

Two uvicorn processes (``civitrace.server.app:create_app``) serve one PostgreSQL
database. A client subscribed to process A sees a vote cast on process B, and a question
approved on B; a client of B sees a poll opened on A. No state is shared between the processes
but the database.
"""

import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx
import pytest

from civitrace.server.apikeys import create_api_key
from civitrace.server.authorities import create_health_authority
from civitrace.server.db import make_engine, migrate, session_factory
from civitrace.server.db.models import ApiKeyType
from civitrace.server.keyring import ServerSecrets
from civitrace.server.settings import Settings
from tests.consult.client import ConsultApi
from tests.consult.live import Listener
from tests.server.test_e2e_http import _child_env, _free_port, empty_database

pytestmark = pytest.mark.slow

START_TIMEOUT = 90.0  # seconds; two cold Python processes on a busy 2-core machine


def _admin_key(url: str, data_dir: Path) -> str:
    migrate(url)
    ServerSecrets.load(data_dir)  # both processes must share the same secret files
    engine = make_engine(url)
    with session_factory(engine)() as session:
        settings = Settings(data_dir=data_dir, database_url=url)
        authority = create_health_authority(session, settings, "Fan-out HA", ["ZZ"])
        key = create_api_key(session, authority, ApiKeyType.ADMIN, "staff").plaintext
        session.commit()
    engine.dispose()
    return key


@contextmanager
def uvicorn_process(
    url: str, data_dir: Path, log: Path
) -> Iterator[tuple[str, Callable[[], None]]]:
    """Start a server; yields its URL and a function that waits until it is healthy."""
    port = _free_port()
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "civitrace.server.app:create_app",
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--timeout-graceful-shutdown",
        "2",
    ]
    base = f"http://127.0.0.1:{port}"
    with log.open("wb") as output:
        process = subprocess.Popen(
            command,
            env=_child_env(url, data_dir),
            stdout=output,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        try:
            yield base, lambda: _wait_healthy(process, base, log)
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_healthy(process: subprocess.Popen[bytes], base: str, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"uvicorn exited with {process.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(f"{base}/health", timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    pytest.fail(f"uvicorn did not become healthy:\n{log.read_text()}")


def test_updates_cross_processes(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    with ExitStack() as stack:
        url = stack.enter_context(empty_database("postgresql", tmp_path, "fanout"))
        key = _admin_key(url, data_dir)
        base_a, ready_a = stack.enter_context(uvicorn_process(url, data_dir, tmp_path / "a.log"))
        base_b, ready_b = stack.enter_context(uvicorn_process(url, data_dir, tmp_path / "b.log"))
        ready_a()
        ready_b()
        http_a = stack.enter_context(httpx.Client(base_url=base_a, timeout=30))
        http_b = stack.enter_context(httpx.Client(base_url=base_b, timeout=30))
        on_a, on_b = ConsultApi(http_a, key), ConsultApi(http_b, key)

        room = on_a.room()
        voter = on_b.join(room, "Ada", "public")
        asker = on_b.join(room, "Bo", "government")
        listen_a = Listener(base_a, room.id)
        stack.callback(listen_a.close)
        listen_b = Listener(base_b, room.id)
        stack.callback(listen_b.close)
        listen_a.wait_for("session", lambda d: d["participantTotal"] == 2)

        poll = on_a.poll(room)  # opened on A ...
        listen_b.wait_for("poll", lambda d: d["id"] == poll["id"] and d["status"] == "open")

        on_b.vote(room, poll["id"], voter, choices=[1]).raise_for_status()  # ... voted on B
        tally = listen_a.wait_for("tally", lambda d: d["results"]["ballots"] == 1, timeout=5)
        assert [row["count"] for row in tally["results"]["rows"]] == [0, 1]

        question = on_a.ask(room, asker, "Who keeps the data?")
        on_b.moderate(room, question, "approve").raise_for_status()
        accepted = listen_a.wait_for("questions", lambda d: bool(d["questions"]), timeout=5)
        assert accepted["questions"][0]["text"] == "Who keeps the data?"
