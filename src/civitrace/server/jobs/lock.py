"""One host at a time per batch job: a lock keyed by the job's name.

- PostgreSQL: a *session-level* ``pg_try_advisory_lock`` on a stable 64-bit key derived from the
  job name, held on a dedicated connection for the job's duration. It is released on exit, and by
  the server when the holding process dies (its connection closes).
- SQLite: an exclusive, non-blocking ``flock`` on ``<database>.<job>.lock`` next to the database
  file; the kernel releases it when the process dies. An in-memory database gets a process-local
  lock (no other process can see that database anyway).

Both fail fast: a held lock raises :class:`JobAlreadyRunningError`, whose CLI exit code is
:data:`JOB_BUSY_EXIT_CODE` (75, ``EX_TEMPFAIL``: "try again later", which schedulers understand).
"""

import fcntl
import hashlib
import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import ClassVar, Final

from sqlalchemy import Engine, text

from civitrace.server.errors import ServerError

JOB_BUSY_EXIT_CODE: Final = 75  # sysexits.h EX_TEMPFAIL: another host holds the job's lock
_NAME: Final = re.compile(r"^[a-z][a-z0-9_-]{0,62}$")
_KEY_DOMAIN: Final = b"civitrace-job-lock:"  # keeps job keys apart from other advisory locks

_memory_locks: dict[str, threading.Lock] = {}
_memory_guard = threading.Lock()


class JobAlreadyRunningError(ServerError):
    """Another process (on this or another host) holds the job's lock."""

    exit_code: ClassVar[int] = JOB_BUSY_EXIT_CODE

    def __init__(self, job: str) -> None:
        super().__init__(f"another host is running {job} (its job lock is held); try again later")
        self.job = job


def lock_key(job: str) -> int:
    """The stable signed 64-bit advisory-lock key of ``job`` (first 8 bytes of a SHA-256)."""
    digest = hashlib.sha256(_KEY_DOMAIN + job.encode("ascii")).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _check_name(job: str) -> str:
    if not _NAME.match(job):
        raise ValueError(f"job name {job!r} must match {_NAME.pattern}")
    return job


@contextmanager
def job_lock(engine: Engine, job: str) -> Iterator[None]:
    """Hold ``job``'s lock for the ``with`` block, or raise :class:`JobAlreadyRunningError`."""
    _check_name(job)
    if engine.dialect.name == "postgresql":
        with _postgres_lock(engine, job):
            yield
        return
    database = engine.url.database
    if not database or database == ":memory:":
        with _memory_lock(job):
            yield
        return
    with _file_lock(Path(f"{database}.{job}.lock"), job):
        yield


@contextmanager
def _postgres_lock(engine: Engine, job: str) -> Iterator[None]:
    key = lock_key(job)
    with engine.connect() as connection:
        got = connection.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": key})
        connection.commit()
        if not got:
            raise JobAlreadyRunningError(job)
        try:
            yield
        finally:
            try:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
                connection.commit()
            except Exception:
                # The connection broke: never hand it back to the pool; the server has
                # released the lock with the session (or will when the socket closes).
                connection.invalidate()
                raise


@contextmanager
def _file_lock(path: Path, job: str) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise JobAlreadyRunningError(job) from None
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


@contextmanager
def _memory_lock(job: str) -> Iterator[None]:
    with _memory_guard:
        lock = _memory_locks.setdefault(job, threading.Lock())
    if not lock.acquire(blocking=False):
        raise JobAlreadyRunningError(job)
    try:
        yield
    finally:
        lock.release()
