"""Live-poll benchmark: simulated participants voting in one poll, on PostgreSQL, over loopback.

    python bench/consult.py [--quick] [--db URL] [--participants N] [--wave W] [--workers K]
    (with civitrace importable, e.g. PYTHONPATH=src)

Creates a fresh database (``civitrace_bench_<random>``) on the PostgreSQL server of ``--db``
(default ``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``; only host, port and user are
taken from it), migrates it, creates a health authority with an ADMIN key, and drops the
database at the end. A real server runs as a subprocess:
``uvicorn civitrace.server.app:create_app --factory --workers K`` on 127.0.0.1.

Set-up (not timed): a consultation and a session, N participants join (``POST
.../participants``), a single-choice poll with four options is opened, and every participant
opens the session's event stream (``GET .../events``, Server-Sent Events, one raw asyncio
socket each, as N browsers would) and waits for the poll's initial state.

Timed: every participant votes once, in waves of W simultaneous votes (httpx, W connections).
After each wave the bench waits until every stream shows the wave's ballots, then starts the
next. **Vote-to-display latency** is measured per vote and per *other* participant's stream:
from the moment the vote's request is sent to the moment that stream first shows a tally that
counts every ballot of the vote's wave. That is an upper bound of the true latency (a stream may
show the vote earlier, with part of its wave), never an underestimate. p50/p99/max are over all
N x (N - 1) pairs. Also measured: the vote requests' own round trip, the server's resident
memory (VmRSS of uvicorn and its workers, idle after start-up and the peak while voting, sampled
every 100 ms), the server's CPU time per vote while voting (user + system of uvicorn and its
workers, the fan-out to every stream included: the figure that does not depend on what else the
machine runs; the load average at the start is printed with it), and, as the baseline in the
same run, the round trip of a plain ``GET`` of the poll's results on the same server before
the streams are opened.

Target: vote-to-display p99 < 1 s with 500 participants on 2 cores. ``--quick`` (200
participants) finishes in under a minute. The last line is one JSON object.
"""

import argparse
import asyncio
import json
import os
import platform
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg
from sqlalchemy import make_url

from civitrace.server.apikeys import create_api_key
from civitrace.server.authorities import create_health_authority
from civitrace.server.db import make_engine, migrate, session_factory
from civitrace.server.db.models import ApiKeyType
from civitrace.server.keyring import ServerSecrets
from civitrace.server.settings import Settings

DEFAULT_DB = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
API = "/consult/api"
GROUPS = (
    "civil-society",
    "private-sector",
    "government",
    "technical-community",
    "intergovernmental",
    "public",
)
START_TIMEOUT = 120.0
WAVE_TIMEOUT = 30.0
TARGET_P99_MS = 1000.0


# -- the database and the server -----------------------------------------------------------


def _admin_dsn(url: str) -> str:
    return (
        make_url(url)
        .set(drivername="postgresql", database="postgres")
        .render_as_string(hide_password=False)
    )


@contextmanager
def fresh_database(base_url: str) -> Iterator[str]:
    name = f"civitrace_bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(_admin_dsn(base_url), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = make_url(base_url).set(database=name, drivername="postgresql+psycopg")
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with psycopg.connect(_admin_dsn(base_url), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def seed(url: str, data_dir: Path) -> str:
    """Migrate, create the shared secrets, and return a fresh ADMIN API key."""
    migrate(url)
    ServerSecrets.load(data_dir)
    engine = make_engine(url)
    with session_factory(engine)() as session:
        settings = Settings(data_dir=data_dir, database_url=url)
        authority = create_health_authority(session, settings, "Bench HA", ["ZZ"])
        key = create_api_key(session, authority, ApiKeyType.ADMIN, "bench").plaintext
        session.commit()
    engine.dispose()
    return key


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    base_url: str
    port: int


@contextmanager
def server(url: str, data_dir: Path, workers: int) -> Iterator[Server]:
    port = _free_port()
    env = dict(os.environ)
    env.update(CIVITRACE_DATABASE_URL=url, CIVITRACE_DATA_DIR=str(data_dir))
    env.pop("CIVITRACE_CONFIG_FILE", None)
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
        "--workers",
        str(workers),
        "--log-level",
        "warning",
        "--no-access-log",
        "--timeout-graceful-shutdown",
        "2",
        "--backlog",
        "4096",
        "--timeout-keep-alive",
        "120",  # the bench's pooled connections sit idle between waves
    ]
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            command, env=env, stdout=log, stderr=log, stdin=subprocess.DEVNULL
        )
        running = Server(process, f"http://127.0.0.1:{port}", port)
        yield from _supervise(running, log)


def _supervise(running: Server, log: Any) -> Iterator[Server]:
    process = running.process
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if process.poll() is not None:
                log.seek(0)
                raise SystemExit(f"server exited: {log.read().decode(errors='replace')}")
            with suppress(httpx.TransportError):
                if httpx.get(f"{running.base_url}/health", timeout=1).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise SystemExit("server did not start")
            time.sleep(0.2)
        yield running
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with suppress(OSError):
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def _tree(pid: int) -> list[int]:
    out, stack = [], [pid]
    while stack:
        current = stack.pop()
        out.append(current)
        stack.extend(_children(current))
    return out


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) used so far by ``pid`` and its descendants."""
    ticks = 0
    for member in _tree(pid):
        with suppress(OSError):
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    """Resident memory of ``pid`` and its descendants (uvicorn's workers), in MiB."""
    total_kb = 0
    for member in _tree(pid):
        with suppress(OSError):
            for line in Path(f"/proc/{member}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total_kb += int(line.split()[1])
    return total_kb / 1024


# -- participants ---------------------------------------------------------------------------


@dataclass
class Stream:
    """One participant's event stream: when each ballot count was first shown."""

    participant: int
    poll_id: int
    shown: list[tuple[float, int]] = field(default_factory=list)  # (time, ballots), rising
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def ballots(self) -> int:
        return self.shown[-1][1] if self.shown else -1

    def handle(self, frame: bytes, now: float) -> None:
        name, data = b"message", b""
        for line in frame.split(b"\n"):
            if line.startswith(b"event:"):
                name = line[6:].strip()
            elif line.startswith(b"data:"):
                data = line[5:].strip()
        if name not in (b"poll", b"tally") or not data:
            return
        document = json.loads(data)
        poll = document.get("id", document.get("pollId"))
        results = document.get("results")
        if poll != self.poll_id or results is None:
            return
        ballots = int(results["ballots"])
        if ballots > self.ballots:
            self.shown.append((now, ballots))
            self.changed.set()
        self.ready.set()

    def first_shown(self, ballots: int) -> float | None:
        for moment, count in self.shown:
            if count >= ballots:
                return moment
        return None


async def listen(port: int, session_id: str, stream: Stream) -> None:
    """Read the event stream over a raw socket (chunked transfer encoding), forever."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=1 << 20)
    writer.write(
        f"GET {API}/sessions/{session_id}/events HTTP/1.1\r\nHost: bench\r\n"
        "Accept: text/event-stream\r\n\r\n".encode()
    )
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    if b" 200 " not in head.split(b"\r\n", 1)[0]:
        raise RuntimeError(f"events: {head[:200]!r}")
    chunked = b"transfer-encoding: chunked" in head.lower()
    buffer = b""
    try:
        while True:
            if chunked:
                size = int((await reader.readline()).strip() or b"0", 16)
                if size == 0:
                    return
                chunk = (await reader.readexactly(size + 2))[:-2]
            else:
                chunk = await reader.read(65536)
                if not chunk:
                    return
            buffer += chunk
            now = time.perf_counter()
            while b"\n\n" in buffer:
                frame, buffer = buffer.split(b"\n\n", 1)
                stream.handle(frame, now)
    finally:
        writer.close()


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def summary_ms(values: list[float]) -> dict[str, float]:
    return {
        "p50": round(percentile(values, 50) * 1000, 2),
        "p99": round(percentile(values, 99) * 1000, 2),
        "max": round(max(values) * 1000, 2) if values else float("nan"),
        "count": len(values),
    }


async def _vote(
    http: httpx.AsyncClient,
    path: str,
    index: int,
    token: str,
    sent: dict[int, float],
    requests: list[float],
) -> bool:
    """One participant's vote; records when it was sent and its round trip."""
    sent[index] = time.perf_counter()
    response = await http.post(
        path, json={"choices": [index % 4]}, headers={"Authorization": f"Bearer {token}"}
    )
    requests.append(time.perf_counter() - sent[index])
    return response.status_code == 201


async def run(
    base_url: str, port: int, server_pid: int, key: str, args: argparse.Namespace
) -> dict[str, Any]:
    limits = httpx.Limits(
        max_connections=max(args.wave, 20), max_keepalive_connections=max(args.wave, 20)
    )
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=60.0) as http:
        staff = {"X-API-Key": key}
        consultation = (
            await http.post(f"{API}/consultations", json={"title": "Bench"}, headers=staff)
        ).json()["id"]
        room = (
            await http.post(
                f"{API}/consultations/{consultation}/sessions",
                json={"title": "Bench session", "tableSize": 8},
                headers=staff,
            )
        ).json()
        session_id = room["id"]
        facilitator = {"Authorization": f"Bearer {room['facilitatorToken']}"}

        gate = asyncio.Semaphore(20)

        async def join(index: int) -> str:
            async with gate:
                response = await http.post(
                    f"{API}/sessions/{session_id}/participants",
                    json={"displayName": f"P{index}", "group": GROUPS[index % len(GROUPS)]},
                )
                response.raise_for_status()
                return str(response.json()["token"])

        joined_at = time.perf_counter()
        tokens = await asyncio.gather(*(join(i) for i in range(args.participants)))
        join_seconds = time.perf_counter() - joined_at
        poll = (
            await http.post(
                f"{API}/sessions/{session_id}/polls",
                json={
                    "kind": "single",
                    "question": "Which option?",
                    "options": ["A", "B", "C", "D"],
                },
                headers=facilitator,
            )
        ).json()
        poll_id = poll["id"]
        (
            await http.post(
                f"{API}/sessions/{session_id}/polls/{poll_id}/open", headers=facilitator
            )
        ).raise_for_status()

        baseline = []
        for _ in range(args.baseline):
            started = time.perf_counter()
            (await http.get(f"{API}/sessions/{session_id}/polls/{poll_id}")).raise_for_status()
            baseline.append(time.perf_counter() - started)
        idle_rss = rss_mb(server_pid)

        streams = [Stream(i, poll_id) for i in range(args.participants)]
        listeners = []
        for index, stream in enumerate(streams):
            listeners.append(asyncio.create_task(listen(port, session_id, stream)))
            if index % 50 == 49:
                await asyncio.sleep(0.05)
        await asyncio.wait_for(asyncio.gather(*(s.ready.wait() for s in streams)), 60)
        connected_rss = rss_mb(server_pid)

        peak = [connected_rss]
        sampling = True

        async def sample() -> None:
            while sampling:
                peak.append(rss_mb(server_pid))
                await asyncio.sleep(0.1)

        sampler = asyncio.create_task(sample())
        latencies: list[float] = []
        requests: list[float] = []
        errors = missing = 0
        counted = 0
        cpu_before = cpu_seconds(server_pid)
        voting_started = time.perf_counter()
        for start in range(0, args.participants, args.wave):
            wave = list(range(start, min(start + args.wave, args.participants)))
            sent: dict[int, float] = {}
            path = f"{API}/sessions/{session_id}/polls/{poll_id}/votes"
            outcomes = await asyncio.gather(
                *(_vote(http, path, i, tokens[i], sent, requests) for i in wave)
            )
            errors += outcomes.count(False)
            counted += outcomes.count(True)
            target = counted
            deadline = time.perf_counter() + WAVE_TIMEOUT
            for stream in streams:
                while stream.ballots < target and time.perf_counter() < deadline:
                    stream.changed.clear()
                    with suppress(TimeoutError):
                        await asyncio.wait_for(
                            stream.changed.wait(), deadline - time.perf_counter()
                        )
            for stream in streams:
                shown = stream.first_shown(target)
                if shown is None:
                    missing += len([i for i in wave if i != stream.participant])
                    continue
                latencies.extend(shown - sent[i] for i in wave if i != stream.participant)
        voting_seconds = time.perf_counter() - voting_started
        voting_cpu = cpu_seconds(server_pid) - cpu_before
        sampling = False
        await sampler
        for task in listeners:
            task.cancel()
        await asyncio.gather(*listeners, return_exceptions=True)
        final = (await http.get(f"{API}/sessions/{session_id}/polls/{poll_id}")).json()["results"]
    return {
        "latencies": latencies,
        "requests": requests,
        "baseline": baseline,
        "errors": errors,
        "missing": missing,
        "ballots": final["ballots"],
        "join_seconds": join_seconds,
        "voting_seconds": voting_seconds,
        "voting_cpu_seconds": voting_cpu,
        "rss_idle_mb": idle_rss,
        "rss_connected_mb": connected_rss,
        "rss_peak_mb": max(peak),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="200 participants, < 60 s")
    parser.add_argument("--db", default=DEFAULT_DB, help="PostgreSQL server (host, port, user)")
    parser.add_argument("--participants", type=int, default=None)
    parser.add_argument("--wave", type=int, default=25, help="votes sent at once")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument("--baseline", type=int, default=200, help="baseline GET requests")
    args = parser.parse_args()
    if args.participants is None:
        args.participants = 200 if args.quick else 500
    began = time.perf_counter()
    load_at_start = os.getloadavg()
    with tempfile.TemporaryDirectory() as folder, fresh_database(args.db) as url:
        data_dir = Path(folder)
        key = seed(url, data_dir)
        with server(url, data_dir, args.workers) as running:
            result = asyncio.run(
                run(running.base_url, running.port, running.process.pid, key, args)
            )
    display = summary_ms(result["latencies"])
    document = {
        "bench": "consult",
        "participants": args.participants,
        "wave": args.wave,
        "workers": args.workers,
        "vote_to_display_ms": display,
        "vote_request_ms": summary_ms(result["requests"]),
        "baseline_get_ms": summary_ms(result["baseline"]),
        "server_rss_mb": {
            "idle": round(result["rss_idle_mb"], 1),
            "streams_open": round(result["rss_connected_mb"], 1),
            "peak": round(result["rss_peak_mb"], 1),
        },
        "ballots_counted": result["ballots"],
        "errors": result["errors"],
        "missing": result["missing"],
        "server_cpu_ms_per_vote": round(result["voting_cpu_seconds"] * 1000 / args.participants, 2),
        "join_s": round(result["join_seconds"], 2),
        "voting_s": round(result["voting_seconds"], 2),
        "target_p99_ms": TARGET_P99_MS,
        "meets_target": display["p99"] < TARGET_P99_MS
        and result["errors"] == 0
        and result["missing"] == 0
        and result["ballots"] == args.participants,
        "cpus": os.cpu_count(),
        "load_average": [round(value, 1) for value in load_at_start],
        "python": platform.python_version(),
        "duration_s": round(time.perf_counter() - began, 1),
        "run": secrets.token_hex(4),
    }
    print(
        f"{args.participants} participants, waves of {args.wave}, {args.workers} worker(s): "
        f"vote-to-display p50 {display['p50']} ms, p99 {display['p99']} ms, "
        f"max {display['max']} ms over {display['count']} (vote, stream) pairs"
    )
    print(
        f"vote request p50 {document['vote_request_ms']['p50']} ms, "
        f"baseline GET p50 {document['baseline_get_ms']['p50']} ms; "
        f"server RSS idle {document['server_rss_mb']['idle']} MiB, "
        f"peak {document['server_rss_mb']['peak']} MiB; errors {result['errors']}, "
        f"missing {result['missing']}; server CPU {document['server_cpu_ms_per_vote']} ms per "
        f"vote (fan-out included); load average {document['load_average']}"
    )
    print(json.dumps(document, separators=(",", ":")))


if __name__ == "__main__":
    main()
