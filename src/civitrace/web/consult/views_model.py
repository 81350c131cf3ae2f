"""What the consultation templates show, read through the API's own snapshots so a page and
the live events never disagree."""

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.requests import Request

from civitrace.server.consult import snapshots
from civitrace.server.consult.snapshots import Document
from civitrace.server.db.consult_models import ConsultSession, Participant
from civitrace.web.consult.access import session_path


def bus(request: Request) -> Any:
    """The consultation event bus of this app (announces changes to every live page)."""
    return request.app.state.consult.bus


def base(db: Session, session: ConsultSession) -> dict[str, Any]:
    """What every page of a session shows: its public state and where its pages are."""
    document = snapshots.session_document(db, session)
    return {"session": document, "sid": session.id, "base_path": session_path(session.id)}


def polls(db: Session, session_id: str, *, drafts: bool = False) -> list[Document]:
    return [
        snapshots.poll_document(db, poll) for poll in snapshots.polls(db, session_id, drafts=drafts)
    ]


def poll_signature(items: list[Document]) -> str:
    """``id:status`` of each poll shown, so the script knows when an event brings news."""
    return " ".join(f"{poll['id']}:{poll['status']}" for poll in items)


def on_screen(items: list[Document]) -> list[Document]:
    """The projector's polls: every open one, else the last one closed."""
    opened = [poll for poll in items if poll["status"] == "open"]
    return opened or items[-1:]


def present(db: Session, session_id: str) -> list[Document]:
    """Who is present, in arrival order: display name, group, table (the facilitator's eyes)."""
    rows = db.scalars(
        select(Participant)
        .where(Participant.session_id == session_id, Participant.left_at.is_(None))
        .order_by(Participant.id)
    )
    return [
        {"id": p.id, "name": p.display_name, "group": p.stakeholder_group, "table": p.table_number}
        for p in rows
    ]


def participant_context(db: Session, participant: Participant) -> dict[str, Any]:
    """The participant's own view: seat, table-mates, polls with their votes, questions."""
    me = snapshots.participant_view(db, participant)
    items = polls(db, participant.session_id)
    return {
        "me": me,
        "polls": items,
        "poll_signature": poll_signature(items),
        "voted": set(me["votedPolls"]),
        "upvoted": set(me["upvotedQuestions"]),
        "own": {q["id"] for q in me["questions"]},
        "questions": snapshots.accepted_questions(db, participant.session_id),
    }


def runner_context(db: Session, session: ConsultSession) -> dict[str, Any]:
    """What the facilitator and moderators see: every poll, both queues, the tables."""
    items = polls(db, session.id, drafts=True)
    tables = snapshots.tables_document(db, session)
    people = present(db, session.id)
    for table in tables["tables"]:
        table["people"] = [p for p in people if p["table"] == table["table"]]
    return {
        "polls": items,
        "poll_signature": poll_signature(items),
        "pending": snapshots.pending_questions(db, session.id),
        "questions": snapshots.accepted_questions(db, session.id),
        "tables": tables,
        "unseated": [p for p in people if p["table"] is None],
    }
