"""Helpers the consultation page tests share (no tests here): sessions made straight through
the services on a server's database, and the small steps a browser takes."""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from civitrace.consult.groups import StakeholderGroup
from civitrace.consult.participants import Profile
from civitrace.consult.polls import PollKind, PollSpec
from civitrace.consult.questions import Moderation
from civitrace.server.consult import polls, questions, sessions, snapshots, summaries
from civitrace.server.consult.bus import InProcessBus
from civitrace.server.db import make_engine, session_factory


@dataclass(frozen=True)
class Made:
    """A session made for a test and its two secret links' tokens."""

    id: str
    facilitator: str
    moderator: str


@contextmanager
def database(url: str) -> Iterator[Session]:
    engine = make_engine(url)
    try:
        with session_factory(engine)() as db:
            yield db
    finally:
        engine.dispose()


def make_session(url: str, *, proposal_id: int | None = None, table_size: int = 4) -> Made:
    with database(url) as db:
        consultation = sessions.create_consultation(
            db,
            title="Venue check-in rules",
            description="Should venues keep lists?",
            proposal_id=proposal_id,
        )
        made = sessions.create_session(
            db,
            consultation.id,
            title="Evening round tables",
            table_size=table_size,
            language="en",
            starts_at=None,
        )
        return Made(made.session.id, made.facilitator_token, made.moderator_token)


def fill_session(url: str, session_id: str, *, publish: bool = False) -> None:
    """People, a poll with votes, an approved question, seating and a note; optionally end
    the session and publish its summary."""
    bus = InProcessBus()  # not started: nobody listens, notices are dropped
    with database(url) as db:
        people = [
            sessions.join(db, bus, session_id, Profile(name, StakeholderGroup(group), "en"))
            for name, group in (("Ana", "public"), ("Bo", "government"), ("Cy", "civil-society"))
        ]
        sessions.seat_everyone(db, bus, session_id)
        session = snapshots.load_session(db, session_id)
        poll = polls.create_poll(
            db, session, PollSpec(PollKind.SINGLE, "Keep paper lists?", ("Yes", "No"))
        )
        polls.change_status(db, bus, session, poll.id, "open")
        for index, joined in enumerate(people):
            polls.cast_vote(
                db, bus, joined.participant, poll.id, choices=[index % 2], value=None, words=None
            )
        asked = questions.submit(db, bus, session, people[0].participant, "Who reads the lists?")
        questions.decide(db, bus, session, asked.id, Moderation.APPROVE)
        questions.submit(db, bus, session, people[1].participant, "How long are they kept?")
        sessions.set_table_note(db, session, 1, "Most want paper lists gone.")
        if publish:
            sessions.end_session(db, bus, session_id)
            summaries.publish(db, bus, session_id)


def join_in(page: Any, base: str, session_id: str, name: str, group: str) -> None:
    """Join a session through its join page, as a person would."""
    page.goto(f"{base}/consult/s/{session_id}")
    page.fill("#display_name", name)
    page.check(f"#group-{group}")
    with page.expect_navigation():
        page.click("form button[type=submit]")
