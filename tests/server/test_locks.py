"""The job lock: two OS processes never hold it at once, on SQLite and on PostgreSQL."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from civitrace.server.db import make_engine
from civitrace.server.jobs import JOB_BUSY_EXIT_CODE, JobAlreadyRunningError, job_lock
from civitrace.server.jobs.lock import lock_key

SRC = str(Path(__file__).resolve().parents[2] / "src")

_HOLD = """
import sys
from civitrace.server.db import make_engine
from civitrace.server.jobs import job_lock
with job_lock(make_engine(sys.argv[1]), sys.argv[2]):
    print("locked", flush=True)
    sys.stdin.readline()
"""

_TRY = """
import sys
from civitrace.server.db import make_engine
from civitrace.server.jobs import JobAlreadyRunningError, job_lock
try:
    with job_lock(make_engine(sys.argv[1]), sys.argv[2]):
        print("ran", flush=True)
except JobAlreadyRunningError as exc:
    print(exc, file=sys.stderr)
    sys.exit(exc.exit_code)
"""


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", "")}


def _holder(url: str, job: str) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", _HOLD, url, job],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=_env(),
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "locked"
    return proc


def _close(proc: subprocess.Popen[str]) -> None:
    for stream in (proc.stdin, proc.stdout):
        if stream is not None:
            stream.close()


def _try(url: str, job: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", _TRY, url, job],
        capture_output=True,
        text=True,
        env=_env(),
        timeout=60,
        check=False,
    )


def test_second_process_fails_fast_then_succeeds(database_url: str) -> None:
    holder = _holder(database_url, "demo-job")
    try:
        started = time.monotonic()
        busy = _try(database_url, "demo-job")
        assert busy.returncode == JOB_BUSY_EXIT_CODE, busy.stderr
        assert "another host is running demo-job" in busy.stderr
        assert time.monotonic() - started < 15  # no waiting for the lock
        other = _try(database_url, "other-job")  # another job's lock is independent
        assert other.returncode == 0, other.stderr
    finally:
        assert holder.stdin is not None
        holder.stdin.write("\n")
        holder.stdin.flush()
        assert holder.wait(timeout=30) == 0
        _close(holder)
    after = _try(database_url, "demo-job")
    assert after.returncode == 0, after.stderr
    assert after.stdout.strip() == "ran"


def test_a_killed_holder_releases_the_lock(database_url: str) -> None:
    holder = _holder(database_url, "killed-job")
    assert _try(database_url, "killed-job").returncode == JOB_BUSY_EXIT_CODE
    holder.send_signal(signal.SIGKILL)
    holder.wait(timeout=30)
    _close(holder)
    deadline = time.monotonic() + 30  # PostgreSQL notices the closed socket promptly
    while (result := _try(database_url, "killed-job")).returncode != 0:
        assert time.monotonic() < deadline, result.stderr
        time.sleep(0.2)


def test_in_process_second_holder_is_refused(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        with job_lock(engine, "nested-job"):
            with pytest.raises(JobAlreadyRunningError) as caught, job_lock(engine, "nested-job"):
                pass
            assert caught.value.exit_code == JOB_BUSY_EXIT_CODE
        with job_lock(engine, "nested-job"):  # released on exit
            pass
    finally:
        engine.dispose()


def test_memory_database_lock_is_process_local() -> None:
    engine = create_engine("sqlite://")
    with (
        job_lock(engine, "memory-job"),
        pytest.raises(JobAlreadyRunningError),
        job_lock(engine, "memory-job"),
    ):
        pass
    with job_lock(engine, "memory-job"):
        pass


def test_lock_keys_are_stable_signed_64_bit_and_distinct() -> None:
    assert lock_key("retention") == lock_key("retention")
    assert lock_key("retention") != lock_key("export")
    for name in ("retention", "export", "federation-pull"):
        assert -(2**63) <= lock_key(name) < 2**63


@pytest.mark.parametrize("name", ["", "Export", "a b", "x" * 80, "../etc"])
def test_bad_job_names_are_refused(name: str) -> None:
    with pytest.raises(ValueError, match="job name"), job_lock(create_engine("sqlite://"), name):
        pass
