"""Publish API benchmark: concurrent ``POST /v1/publish`` against raw SQL inserts, on PostgreSQL.

    python bench/publish.py [--quick] [--db URL] [--workers W] [--clients C]
    (with civitrace importable, e.g. PYTHONPATH=src)

Creates a fresh database (``civitrace_bench_<random>``) on the PostgreSQL server of ``--db``
(default ``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``; only host, port and user are
taken from it), migrates it, seeds the demo health authority (``civitrace serve --demo``'s seeding)
and drops the database at the end. A real server runs as a subprocess:
``uvicorn civitrace.server.app:create_app --factory --workers W`` on 127.0.0.1 (a free port).

Uploads are prepared before timing: 14 random keys each (one per UTC day of the last 14 days,
risk 0) and a certificate signed with the server's own active certificate key (ES256, the demo
authority's issuer and audience, ``reportType`` confirmed, the ``tekmac`` of the keys under a
fresh ``hmacKey``) — exactly what ``/api/certificate`` hands out, without its rate-limited
issue/verify round trips. Every upload is new, so every publish inserts 14 rows.

Timed, in interleaved rounds (quick: 2, full: 3), the same duration each:

* **publish**: C threads, each with its own keep-alive HTTP/1.1 connection (``http.client``:
  the load generator shares the cores, so it must cost little), post uploads until the
  round's time is up (or the prepared uploads run out). Each request's latency is taken with
  ``time.perf_counter`` around ``client.post``. An error is anything but a 200 whose
  ``insertedExposures`` is 14.
* **raw**: the same C threads, each with its own psycopg connection, ``executemany`` an INSERT
  of 14 rows of the same shape as a publish stores them (every column the server fills) into the
  same ``exposures`` table, and commit — one transaction per 14 rows, as a publish has.

``publishes_per_s`` and ``raw_inserts_per_s`` (transactions of 14 rows per second) are the best
round of each; ``ratio`` = their quotient (target >= 0.30). Latency percentiles are over every
timed request of every round (target p99 < 100 ms); ``errors`` counts every round (target 0).
The last line is one JSON object.
"""

import argparse
import base64
import http.client
import json
import os
import platform
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import jwt
import psycopg
from sqlalchemy import make_url, select

from civitrace.en import tekmac
from civitrace.en.intervals import en_interval_number, rolling_start
from civitrace.en.keys import TemporaryExposureKey
from civitrace.server.db import make_engine, migrate, session_factory
from civitrace.server.db.models import HealthAuthority, SigningKeyPurpose
from civitrace.server.demo import DEMO_AUTHORITY, seed_demo
from civitrace.server.keyring import ServerSecrets, SigningKeyRing
from civitrace.server.runtime import server_settings

DEFAULT_DB = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
KEYS_PER_PUBLISH = 14
DAY = 144
START_TIMEOUT = 120.0  # a machine shared with other jobs can be slow to start a server
REQUEST_TIMEOUT = 10.0
COLUMNS = (
    "exposure_key, transmission_risk, health_authority_id, regions, traveler, interval_number, "
    "interval_count, created_at, local_provenance, federation_source, report_type, "
    "days_since_symptom_onset"
)
JSON_HEADERS = {"Content-Type": "application/json"}
RAW_INSERT = f"INSERT INTO exposures ({COLUMNS}) VALUES ({', '.join(['%s'] * 12)})"


@dataclass
class Round:
    kind: str
    count: int = 0
    errors: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    error_samples: list[str] = field(default_factory=list)
    postgres_ticks: int = 0  # raw rounds: CPU of their PostgreSQL backends

    @property
    def rate(self) -> float:
        return self.count / self.seconds if self.seconds else 0.0


def _admin_conninfo(url: str, database: str = "postgres") -> str:
    parsed = make_url(url)
    parts = {
        "host": parsed.host or "127.0.0.1",
        "port": str(parsed.port or 5432),
        "user": parsed.username or "postgres",
        "dbname": database,
    }
    if parsed.password:
        parts["password"] = str(parsed.password)
    return " ".join(f"{k}={v}" for k, v in parts.items())


@contextmanager
def fresh_database(base: str) -> Iterator[str]:
    name = f"civitrace_bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(_admin_conninfo(base), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = make_url(base).set(drivername="postgresql+psycopg", database=name)
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with psycopg.connect(_admin_conninfo(base), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def server(url: str, data_dir: Path, workers: int, log: Path) -> Iterator[tuple[str, int]]:
    port = _free_port()
    env = dict(os.environ)
    src = str(Path(__file__).resolve().parents[1] / "src")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (src, env.get("PYTHONPATH", "")) if p)
    env.update(
        CIVITRACE_DATABASE_URL=url, CIVITRACE_DATA_DIR=str(data_dir), CIVITRACE_LOG_LEVEL="WARNING"
    )
    env.pop("CIVITRACE_CONFIG_FILE", None)
    command = [
        sys.executable, "-m", "uvicorn", "civitrace.server.app:create_app", "--factory",
        "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
        "--no-access-log", "--no-server-header", "--log-level", "warning",
    ]  # fmt: skip
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if process.poll() is not None:
                raise SystemExit(f"the server exited with {process.returncode}:\n{log.read_text()}")
            if time.monotonic() > deadline:
                raise SystemExit(f"the server did not start in {START_TIMEOUT} s")
            try:
                if httpx.get(f"{base_url}/health", timeout=1.0).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        yield base_url, process.pid
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


def prepare_uploads(url: str, data_dir: Path, count: int) -> list[bytes]:
    """``count`` request bodies, each with 14 new keys and a valid certificate."""
    engine = make_engine(url)
    with session_factory(engine)() as session:
        authority = session.scalars(
            select(HealthAuthority).where(HealthAuthority.name == DEMO_AUTHORITY)
        ).one()
        ring = SigningKeyRing(ServerSecrets.load(data_dir).kek)
        signer = ring.active(session, SigningKeyPurpose.CERTIFICATE)
        session.commit()
        issuer, audience = authority.certificate_issuer, authority.certificate_audience
    engine.dispose()
    now = int(time.time())
    first = rolling_start(en_interval_number(now))
    bodies = []
    for _ in range(count):
        keys = [
            TemporaryExposureKey(secrets.token_bytes(16), first - DAY * d, DAY, 0)
            for d in range(1, KEYS_PER_PUBLISH + 1)
        ]
        secret = secrets.token_bytes(32)
        claims = {
            "reportType": "confirmed",
            "tekmac": base64.b64encode(tekmac.compute(secret, keys)).decode(),
            "iss": issuer,
            "aud": audience,
            "iat": now,
            "nbf": now,
            "exp": now + 3600,
        }
        certificate = jwt.encode(
            claims, signer.private_key, algorithm="ES256", headers={"kid": signer.kid}
        )
        body = {
            "temporaryExposureKeys": [
                {
                    "key": base64.b64encode(k.key_data).decode(),
                    "rollingStartNumber": k.rolling_start_number,
                    "rollingPeriod": k.rolling_period,
                    "transmissionRisk": k.transmission_risk_level,
                }
                for k in keys
            ],
            "healthAuthorityID": DEMO_AUTHORITY,
            "verificationPayload": certificate,
            "hmacKey": base64.b64encode(secret).decode(),
            "padding": base64.b64encode(secrets.token_bytes(100)).decode(),
        }
        bodies.append(json.dumps(body).encode())
    return bodies


class Feed:
    """Hands out prepared items to threads, once each."""

    def __init__(self, items: list[Any]) -> None:
        self._items = iter(items)
        self._lock = threading.Lock()

    def next(self) -> Any:
        with self._lock:
            return next(self._items, None)


def run_threads(threads: int, work: Any) -> float:
    ready = threading.Barrier(threads + 1)
    pool = [threading.Thread(target=work, args=(ready,)) for _ in range(threads)]
    for thread in pool:
        thread.start()
    ready.wait()
    began = time.perf_counter()
    for thread in pool:
        thread.join()
    return time.perf_counter() - began


class _Connection:
    """One keep-alive HTTP/1.1 connection of the standard library, reopened after a failure.

    The load generator shares the machine's cores with the server and PostgreSQL, so it must
    be cheap: ``http.client`` costs a fraction of the CPU per request that ``httpx`` does (see
    ``cpu_ms_per_publish.client``), and the raw rounds' client (psycopg) is C code too.
    """

    def __init__(self, base_url: str) -> None:
        parsed = urlsplit(base_url)
        self._host, self._port = parsed.hostname or "127.0.0.1", parsed.port or 80
        self._conn: http.client.HTTPConnection | None = None

    def post(self, path: str, body: bytes) -> tuple[int, bytes]:
        if self._conn is None:
            self._conn = http.client.HTTPConnection(self._host, self._port, timeout=REQUEST_TIMEOUT)
        try:
            self._conn.request("POST", path, body=body, headers=JSON_HEADERS)
            response = self._conn.getresponse()
            return response.status, response.read()
        except (OSError, http.client.HTTPException):
            self.close()
            raise

    def get(self, path: str) -> int:
        if self._conn is None:
            self._conn = http.client.HTTPConnection(self._host, self._port, timeout=REQUEST_TIMEOUT)
        self._conn.request("GET", path)
        response = self._conn.getresponse()
        response.read()
        return response.status

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def _publish_problem(status: int, body: bytes) -> str | None:
    """``None`` for a 200 that inserted every key, else what went wrong."""
    if status == 200:
        with suppress(ValueError):
            if json.loads(body).get("insertedExposures") == KEYS_PER_PUBLISH:
                return None
    return f"{status} {body[:200]!r}"


def publish_round(base_url: str, feed: Feed, threads: int, seconds: float) -> Round:
    result = Round("publish")
    lock = threading.Lock()

    def work(ready: threading.Barrier) -> None:
        latencies, count, errors, samples = [], 0, 0, []
        client = _Connection(base_url)
        client.get("/health")  # open the connection outside the timed part
        ready.wait()
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            body = feed.next()
            if body is None:
                break
            began = time.perf_counter()
            try:
                problem = _publish_problem(*client.post("/v1/publish", body))
            except (OSError, http.client.HTTPException) as exc:
                problem = repr(exc)
            latencies.append(time.perf_counter() - began)
            count += 1
            if problem is not None:
                errors += 1
                samples.append(problem)
        client.close()
        with lock:
            result.latencies.extend(latencies)
            result.count += count - errors
            result.errors += errors
            result.error_samples.extend(samples[:3])

    result.seconds = run_threads(threads, work)
    return result


def raw_rows(health_authority_id: int, count: int) -> list[list[tuple[Any, ...]]]:
    """``count`` batches of 14 rows with the values a publish of the prepared uploads stores."""
    now = datetime.now(UTC)
    created = now.replace(minute=0, second=0, microsecond=0, tzinfo=None)
    first = rolling_start(en_interval_number(now.timestamp()))
    onset_days_ago = 4  # the server's default onset when none is given
    return [
        [
            (
                secrets.token_bytes(16),
                2,
                health_authority_id,
                "ZZ",
                False,
                first - DAY * d,
                DAY,
                created,
                True,
                None,
                "confirmed",
                onset_days_ago - d,
            )
            for d in range(1, KEYS_PER_PUBLISH + 1)
        ]
        for _ in range(count)
    ]


def preload(url: str, health_authority_id: int, count: int) -> None:
    """``count`` keys already stored (a server holds 14 days of uploads), then ANALYZE, so that
    the planner sees a table of a realistic size rather than a new, empty one."""
    conninfo = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo) as connection, connection.cursor() as cursor:
        with cursor.copy(f"COPY exposures ({COLUMNS}) FROM STDIN") as copy:
            for start in range(0, count, 10_000):
                for batch in raw_rows(health_authority_id, min(10_000, count - start) // 14 + 1):
                    for row in batch:
                        copy.write_row(row)
        connection.commit()
        connection.autocommit = True
        cursor.execute("ANALYZE exposures")


def raw_round(url: str, feed: Feed, threads: int, seconds: float) -> Round:
    result = Round("raw")
    lock = threading.Lock()
    conninfo = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)

    def work(ready: threading.Barrier) -> None:
        count = 0
        with psycopg.connect(conninfo) as connection, connection.cursor() as cursor:
            backend = connection.info.backend_pid
            started = _ticks(backend)
            ready.wait()
            deadline = time.perf_counter() + seconds
            while time.perf_counter() < deadline:
                batch = feed.next()
                if batch is None:
                    break
                cursor.executemany(RAW_INSERT, batch)
                connection.commit()
                count += 1
            backend_ticks = _ticks(backend) - started  # read before the backend exits
        with lock:
            result.count += count
            result.postgres_ticks += backend_ticks

    result.seconds = run_threads(threads, work)
    return result


def _ticks(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])  # utime + stime


def _tree(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            with suppress(OSError):
                todo.extend(int(c) for c in task.read_text().split())
    return found


def _backend_pids(url: str) -> list[int]:
    """PostgreSQL backends connected to the benchmark's database (the server's pool), so other
    databases' work on a shared server is not counted."""
    conninfo = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as connection:
        rows = connection.execute(
            "SELECT pid FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchall()
    return [int(row[0]) for row in rows]


def cpu_ticks(server_pid: int, url: str) -> dict[str, dict[int, int]]:
    """CPU ticks so far of the server's processes, of the database's PostgreSQL backends and
    of this (client) process, by pid (Linux ``/proc``; PostgreSQL only when on this machine)."""
    return {
        "server": {p: _ticks(p) for p in _tree(server_pid)},
        "postgres": {p: _ticks(p) for p in _backend_pids(url)},
        "client": {os.getpid(): _ticks(os.getpid())},
    }


def cpu_used(
    before: dict[str, dict[int, int]], after: dict[str, dict[int, int]]
) -> dict[str, float]:
    """CPU seconds per part between two readings; a process that appeared in between counts
    from its start."""
    tick = os.sysconf("SC_CLK_TCK")
    return {
        part: sum(t - before[part].get(p, 0) for p, t in after[part].items()) / tick
        for part in after
    }


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 rounds of 6 s (under 60 s)")
    parser.add_argument("--db", default=DEFAULT_DB, help="PostgreSQL server (a database is made)")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    parser.add_argument("--clients", type=int, default=8, help="concurrent client threads")
    parser.add_argument(
        "--preload", type=int, default=200_000, help="keys stored before timing (then ANALYZE)"
    )
    parser.add_argument("--seconds", type=float, default=0, help="seconds per round")
    args = parser.parse_args()
    rounds = 2 if args.quick else 3
    seconds = args.seconds or (6.0 if args.quick else 15.0)
    most = int(seconds * 800)  # bounds every round's count: far above any measured rate
    with tempfile.TemporaryDirectory() as tmp, fresh_database(args.db) as url:
        data_dir = Path(tmp) / "data"
        settings = server_settings(url, data_dir)
        migrate(url)
        engine = make_engine(url)
        seed_demo(engine, settings, settings.exports, "http://127.0.0.1")
        with session_factory(engine)() as session:
            authority_id = session.scalars(
                select(HealthAuthority.id).where(HealthAuthority.name == DEMO_AUTHORITY)
            ).one()
        engine.dispose()
        began = time.perf_counter()
        uploads = prepare_uploads(url, data_dir, 50 + rounds * most)
        batches = raw_rows(authority_id, rounds * most)
        preload(url, authority_id, args.preload)
        prepare_seconds = time.perf_counter() - began
        uploads_feed, raw_feed = Feed(uploads), Feed(batches)
        results: list[Round] = []
        cpu: dict[str, float] = {"server": 0.0, "postgres": 0.0, "client": 0.0}
        raw_cpu: dict[str, float] = {"postgres": 0.0, "client": 0.0}
        with server(url, data_dir, args.workers, Path(tmp) / "server.log") as (base_url, pid):
            warm = publish_round(base_url, Feed(uploads[:50]), min(args.clients, 4), 5.0)
            if warm.errors:
                raise SystemExit(f"warm-up publishes failed: {warm.error_samples}")
            uploads_feed = Feed(uploads[50:])
            for _ in range(rounds):
                for kind in ("publish", "raw"):
                    if kind == "publish":
                        before = cpu_ticks(pid, url)
                        done = publish_round(base_url, uploads_feed, args.clients, seconds)
                        used = cpu_used(before, cpu_ticks(pid, url))
                        for part in cpu:
                            cpu[part] += used[part]
                    else:
                        client_before = os.times()
                        done = raw_round(url, raw_feed, args.clients, seconds)
                        client_after = os.times()
                        raw_cpu["client"] += (client_after.user + client_after.system) - (
                            client_before.user + client_before.system
                        )
                        raw_cpu["postgres"] += done.postgres_ticks / os.sysconf("SC_CLK_TCK")
                    results.append(done)
                    extra = ""
                    if kind == "publish":
                        extra = (
                            f", p50 {percentile(done.latencies, 0.5) * 1e3:.1f} ms, "
                            f"p99 {percentile(done.latencies, 0.99) * 1e3:.1f} ms, "
                            f"errors {done.errors}"
                        )
                    print(f"round: {kind} {done.rate:.0f}/s ({done.count}){extra}", file=sys.stderr)
    publishes = [r for r in results if r.kind == "publish"]
    raws = [r for r in results if r.kind == "raw"]
    latencies = [x for r in publishes for x in r.latencies]
    errors = sum(r.errors for r in publishes)
    for sample in [s for r in publishes for s in r.error_samples][:5]:
        print(f"error: {sample}", file=sys.stderr)
    published = sum(r.count + r.errors for r in publishes)
    best, best_raw = max(r.rate for r in publishes), max(r.rate for r in raws)
    print(
        json.dumps(
            {
                "benchmark": "publish",
                "publishes_per_s": round(best, 1),
                "p50_ms": round(percentile(latencies, 0.5) * 1e3, 2),
                "p99_ms": round(percentile(latencies, 0.99) * 1e3, 2),
                "errors": errors,
                "raw_inserts_per_s": round(best_raw, 1),
                "ratio": round(best / best_raw, 3),
                "keys_per_publish": KEYS_PER_PUBLISH,
                "cpu_ms_per_publish": {
                    part: round(used * 1e3 / max(1, published), 2) for part, used in cpu.items()
                },
                "cpu_ms_per_raw_tx": {
                    part: round(used * 1e3 / max(1, sum(r.count for r in raws)), 2)
                    for part, used in raw_cpu.items()
                },
                "publishes": sum(r.count for r in publishes),
                "publish_rates": [round(r.rate, 1) for r in publishes],
                "raw_rates": [round(r.rate, 1) for r in raws],
                "rounds": rounds,
                "seconds_per_round": seconds,
                "clients": args.clients,
                "workers": args.workers,
                "preloaded_keys": args.preload,
                "prepare_seconds": round(prepare_seconds, 2),
                "quick": args.quick,
                "python": platform.python_version(),
            }
        )
    )


if __name__ == "__main__":
    main()
