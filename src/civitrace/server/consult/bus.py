"""How a change made in one server process reaches the live subscribers of every process.

:class:`EventBus` is the one interface the services and the hub see:

- :meth:`EventBus.notify` is called *inside* the transaction that makes a change; the notice is
  delivered only if, and once, that transaction commits.
- :meth:`EventBus.start` begins delivering every committed notice, from any process, to a
  callback in this process's event loop.

:class:`PostgresBus` (PostgreSQL, any number of processes): ``notify`` runs
``pg_notify('civitrace_consult', notice)`` in the transaction itself, so PostgreSQL delivers it
at commit to every connection listening on the channel — atomically with the change, even if
the process dies right after committing. Each process keeps one psycopg 3 async connection that
``LISTEN``\\ s, reconnects with back-off when it drops, and announces a
:data:`~civitrace.server.consult.events.RESYNC` after every (re)connect, since notices sent
while it was away are lost.

:class:`InProcessBus` (SQLite: one process): the notice waits on the SQLAlchemy session until
``after_commit`` and is then handed to the event loop; a rollback drops it.
"""

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Final, Protocol

import psycopg
from sqlalchemy import Engine, event, func, select
from sqlalchemy.orm import Session

from civitrace.server.consult.events import RESYNC, Notice

CHANNEL: Final = "civitrace_consult"
RECONNECT_DELAYS: Final = (0.2, 0.5, 1.0, 2.0, 5.0)  # seconds; the last one repeats
READY_TIMEOUT: Final = 10.0  # seconds start() waits for the first LISTEN
_PENDING: Final = "civitrace_consult_notices"

_log = logging.getLogger("civitrace.server.consult")

Deliver = Callable[[Notice], None]


class EventBus(Protocol):
    def notify(self, db: Session, notice: Notice) -> None:
        """Deliver ``notice`` everywhere once ``db``'s transaction commits."""

    async def start(self, deliver: Deliver) -> None:
        """Begin calling ``deliver`` (in the running loop) with every committed notice."""

    async def stop(self) -> None:
        """Stop delivering."""


class InProcessBus:
    """The bus of a single process (SQLite): notices go from commit to the loop directly."""

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._deliver: Deliver | None = None

    def notify(self, db: Session, notice: Notice) -> None:
        pending: list[Notice] | None = db.info.get(_PENDING)
        if pending is None:
            pending = db.info[_PENDING] = []
            event.listen(db, "after_commit", self._committed)
            event.listen(db, "after_soft_rollback", self._rolled_back)
        pending.append(notice)

    def _committed(self, db: Session) -> None:
        notices: list[Notice] = db.info.get(_PENDING) or []
        db.info[_PENDING] = []
        loop, deliver = self._loop, self._deliver
        if loop is None or deliver is None or loop.is_closed():
            return  # not serving: nobody is subscribed
        for notice in notices:
            loop.call_soon_threadsafe(deliver, notice)

    @staticmethod
    def _rolled_back(db: Session, _transaction: object) -> None:
        if db.info.get(_PENDING):
            db.info[_PENDING] = []

    async def start(self, deliver: Deliver) -> None:
        self._loop = asyncio.get_running_loop()
        self._deliver = deliver

    async def stop(self) -> None:
        self._loop = self._deliver = None


class PostgresBus:
    """LISTEN/NOTIFY on one channel; see the module docstring."""

    def __init__(self, conninfo: str) -> None:
        self._conninfo = conninfo
        self._task: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()

    def notify(self, db: Session, notice: Notice) -> None:
        db.connection().execute(select(func.pg_notify(CHANNEL, notice.encode())))

    async def start(self, deliver: Deliver) -> None:
        self._ready = asyncio.Event()
        self._task = asyncio.create_task(self._listen(deliver), name="consult-listen")
        try:
            await asyncio.wait_for(self._ready.wait(), READY_TIMEOUT)
        except TimeoutError:
            _log.warning("consult live updates: not listening yet; retrying in the background")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _listen(self, deliver: Deliver) -> None:
        failures = 0
        while True:
            try:
                connection = await psycopg.AsyncConnection.connect(self._conninfo, autocommit=True)
                async with connection:
                    await connection.execute(f"LISTEN {CHANNEL}")
                    failures = 0
                    self._ready.set()
                    deliver(RESYNC)
                    async for note in connection.notifies():
                        notice = Notice.decode(note.payload)
                        if notice is not None:
                            deliver(notice)
            except (psycopg.Error, OSError) as exc:
                delay = RECONNECT_DELAYS[min(failures, len(RECONNECT_DELAYS) - 1)]
                failures += 1
                _log.warning("consult live updates: %s; reconnecting in %.1f s", exc, delay)
                await asyncio.sleep(delay)


def bus_for(engine: Engine) -> EventBus:
    """:class:`PostgresBus` on PostgreSQL, :class:`InProcessBus` on SQLite."""
    if engine.dialect.name == "postgresql":
        url = engine.url.set(drivername="postgresql")
        return PostgresBus(url.render_as_string(hide_password=False))
    return InProcessBus()
