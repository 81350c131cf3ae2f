"""Live updates of one server process: notices in, Server-Sent Events out.

The bus hands every committed :class:`~civitrace.server.consult.events.Notice` to
:meth:`LiveHub.on_notice`. The hub keeps only notices of sessions that have subscribers *in this
process*, waits a short window (50 ms, longer the more subscribers it has to write to, at most
250 ms) so that a burst (hundreds of votes in a second) becomes one update, reads the current
state of each changed thing once from the database (:mod:`~civitrace.server.consult.snapshots`,
in a worker thread), encodes it once, and hands the same bytes to every subscriber of the
session.

Each subscriber keeps the newest frame per thing (a tally, the questions…), never a backlog: a
slow browser skips intermediate tallies instead of falling behind, and memory per subscriber is
bounded by the number of polls. Frames are whole states, so a reconnecting browser (and
``EventSource`` reconnects by itself) is up to date with the first frames it gets.

The database is the only shared state: a hub holds nothing another process would need.
"""

import asyncio
import contextlib
import logging
from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass
from typing import Final

import anyio.to_thread
from sqlalchemy.orm import Session, sessionmaker

from civitrace.consult.polls import PollStatus
from civitrace.server.consult import snapshots
from civitrace.server.consult.events import Notice, Topic, frame
from civitrace.server.db.consult_models import ConsultSession, Poll

COALESCE: Final = 0.05  # seconds a burst of notices is gathered before one update, at least
COALESCE_PER_SUBSCRIBER: Final = 0.0003  # plus this per local subscriber: fewer, larger updates
COALESCE_MAX: Final = 0.25  # seconds; never more, whatever the crowd
KEEPALIVE: Final = 15.0  # seconds between comments on an idle stream (proxies cut silent ones)
RETRY_MS: Final = 2000  # what EventSource waits before reconnecting

_log = logging.getLogger("civitrace.server.consult")

FrameKey = tuple[str, int | None]


class _Subscriber:
    """One open event stream: the newest frame per thing, and a flag to wake its writer."""

    __slots__ = ("closed", "pending", "wake")

    def __init__(self) -> None:
        self.pending: dict[FrameKey, bytes] = {}
        self.wake = asyncio.Event()
        self.closed = False

    def push(self, key: FrameKey, data: bytes) -> None:
        self.pending[key] = data
        self.wake.set()

    def take(self) -> bytes:
        data = b"".join(self.pending.values())
        self.pending.clear()
        self.wake.clear()
        return data


class LiveHub:
    """The subscribers of this process and the coalescing loop that feeds them."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        coalesce: float = COALESCE,
        keepalive: float = KEEPALIVE,
    ) -> None:
        self._sessions = sessions
        self._coalesce = coalesce
        self._keepalive = keepalive
        self._subscribers: dict[str, set[_Subscriber]] = defaultdict(set)
        self._dirty: set[Notice] = set()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def subscriber_count(self) -> int:
        return sum(len(group) for group in self._subscribers.values())

    def window(self) -> float:
        """How long a burst is gathered: longer with more subscribers here, since each update
        is written to every one of them (50 ms alone, 200 ms for 500, 250 ms at most)."""
        return min(COALESCE_MAX, self._coalesce + COALESCE_PER_SUBSCRIBER * self.subscriber_count)

    def start(self) -> None:
        self._wake = asyncio.Event()
        self._task = asyncio.create_task(self._run(), name="consult-hub")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        for group in self._subscribers.values():
            for subscriber in group:
                subscriber.closed = True
                subscriber.wake.set()

    def on_notice(self, notice: Notice) -> None:
        """Take a notice (in the event loop); only sessions watched here are kept."""
        if notice.topic is Topic.RESYNC:
            for session in self._subscribers:
                self._dirty.add(Notice(session, Topic.RESYNC))
        elif notice.session in self._subscribers:
            self._dirty.add(notice)
        else:
            return
        self._wake.set()

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            await asyncio.sleep(self.window())
            dirty, self._dirty = self._dirty, set()
            self._wake.clear()
            try:
                frames = await anyio.to_thread.run_sync(self._render, dirty)
            except Exception:  # a database hiccup must not end live updates for good
                _log.exception("consult live updates: reading the changes failed")
                self._dirty |= dirty
                self._wake.set()
                await asyncio.sleep(1.0)
                continue
            for session, key, data in frames:
                for subscriber in self._subscribers.get(session, ()):
                    subscriber.push(key, data)

    def _render(self, notices: Iterable[Notice]) -> list[tuple[str, FrameKey, bytes]]:
        """The frames for ``notices``, each read once (runs in a worker thread)."""
        wanted: set[Notice] = set()
        for notice in notices:
            if notice.topic is Topic.RESYNC:
                wanted.update(
                    Notice(notice.session, topic)
                    for topic in (Topic.SESSION, Topic.QUESTIONS, Topic.QUEUE, Topic.SEATING)
                )
                wanted.add(Notice(notice.session, Topic.POLL))  # every poll
            else:
                wanted.add(notice)
        with self._sessions() as db:
            out: list[tuple[str, FrameKey, bytes]] = []
            for notice in sorted(wanted, key=_order):
                out.extend((notice.session, key, data) for key, data in _frames(db, notice))
            return out

    async def subscribe(self, session_id: str) -> "Subscription | None":
        """Register a subscriber and read the session's current state for it; ``None`` (and
        nothing registered) if there is no such session. Registering first means no change
        can fall between the state read and the first notice delivered."""
        subscriber = _Subscriber()
        self._subscribers[session_id].add(subscriber)
        try:
            initial = await anyio.to_thread.run_sync(
                self._render, [Notice(session_id, Topic.RESYNC)]
            )
        except BaseException:
            self._forget(session_id, subscriber)
            raise
        if not initial:
            self._forget(session_id, subscriber)
            return None
        first = b"".join(data for _, _, data in initial)
        return Subscription(session_id, subscriber, first)

    async def stream(self, subscription: "Subscription") -> AsyncIterator[bytes]:
        """The event stream: the state read at subscription, then every change."""
        subscriber = subscription.subscriber
        try:
            yield f"retry: {RETRY_MS}\n\n".encode() + subscription.initial
            while not subscriber.closed:
                try:
                    await asyncio.wait_for(subscriber.wake.wait(), self._keepalive)
                except TimeoutError:
                    yield b": keep-alive\n\n"
                    continue
                data = subscriber.take()
                if data:
                    yield data
        finally:
            self._forget(subscription.session_id, subscriber)

    def _forget(self, session_id: str, subscriber: _Subscriber) -> None:
        group = self._subscribers.get(session_id)
        if group is not None:
            group.discard(subscriber)
            if not group:
                del self._subscribers[session_id]


@dataclass(frozen=True, slots=True)
class Subscription:
    """A registered subscriber and the first frames of its stream."""

    session_id: str
    subscriber: _Subscriber
    initial: bytes


_TOPIC_ORDER: Final = {topic: index for index, topic in enumerate(Topic)}


def _order(notice: Notice) -> tuple[int, int]:
    return _TOPIC_ORDER[notice.topic], notice.key or 0


_SESSION_WIDE: Final[dict[Topic, Callable[[Session, ConsultSession], snapshots.Document]]] = {
    Topic.SESSION: snapshots.session_document,
    Topic.QUESTIONS: lambda db, session: snapshots.questions_document(db, session.id),
    Topic.QUEUE: lambda db, session: {"pending": snapshots.pending_count(db, session.id)},
}


def _frames(db: Session, notice: Notice) -> list[tuple[FrameKey, bytes]]:
    """The frame(s) that show the current state of what ``notice`` says changed."""
    session = db.get(ConsultSession, notice.session)
    if session is None:
        return []
    topic = notice.topic
    render = _SESSION_WIDE.get(topic)
    if render is not None:
        return [((topic, None), frame(topic, render(db, session)))]
    if topic is Topic.SEATING:  # key: the table that changed; None: every table
        data = {**snapshots.seating_document(session), "table": notice.key}
        return [((topic, notice.key), frame(topic, data))]
    return _poll_frames(db, session, notice)


def _poll_frames(
    db: Session, session: ConsultSession, notice: Notice
) -> list[tuple[FrameKey, bytes]]:
    if notice.key is None:  # every poll (a resync)
        return [
            ((Topic.POLL, poll.id), frame(Topic.POLL, snapshots.poll_document(db, poll)))
            for poll in snapshots.polls(db, session.id, drafts=False)
        ]
    poll = db.get(Poll, notice.key)
    if poll is None or poll.session_id != session.id or poll.status == PollStatus.DRAFT:
        return []
    if notice.topic is Topic.POLL:
        return [((Topic.POLL, poll.id), frame(Topic.POLL, snapshots.poll_document(db, poll)))]
    return [((Topic.TALLY, poll.id), frame(Topic.TALLY, snapshots.tally_document(db, poll)))]
