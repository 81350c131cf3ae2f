"""What changed in a session: the notices that travel between server processes.

A :class:`Notice` says only *what* changed (a poll's tally, the questions, the seating…), never
the new state: every process that has live subscribers for the session reads the state from the
database when it hands the change on. So a notice can be coalesced, lost on a reconnect (a
:data:`RESYNC` re-reads everything), or delivered twice without harm, and it never carries a
participant's data through the notification channel.
"""

import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Final


class Topic(StrEnum):
    """The kinds of change, each one Server-Sent Event type."""

    SESSION = "session"  # status, participant counts, summary published
    POLL = "poll"  # a poll was opened or closed (key: poll id)
    TALLY = "tally"  # a poll's counts changed (key: poll id)
    QUESTIONS = "questions"  # the accepted questions or their upvotes changed
    QUEUE = "queue"  # the number of questions awaiting moderation changed
    SEATING = "seating"  # tables were (re)assigned; participants re-read their seat
    RESYNC = "resync"  # notices may have been missed: re-read everything


@dataclass(frozen=True, slots=True)
class Notice:
    """A change in ``session`` of kind ``topic`` (``key``: the poll, where there is one)."""

    session: str
    topic: Topic
    key: int | None = None

    def encode(self) -> str:
        return json.dumps([self.session, self.topic.value, self.key], separators=(",", ":"))

    @classmethod
    def decode(cls, payload: str) -> "Notice | None":
        """The notice in ``payload``, or ``None`` for anything that is not one."""
        try:
            session, topic, key = json.loads(payload)
            return cls(str(session), Topic(topic), None if key is None else int(key))
        except (ValueError, TypeError):
            return None


RESYNC: Final = Notice("*", Topic.RESYNC)
"""Every session: the channel was (re)connected and notices may have been missed."""


def frame(event: str, data: object) -> bytes:
    """One Server-Sent Event: ``event:`` and a one-line JSON ``data:``."""
    body = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    return f"event: {event}\ndata: {body}\n\n".encode()
