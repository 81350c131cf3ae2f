"""A session's summary: what is published next to the proposal once the session has ended.

It holds poll results (counts only), the accepted questions with their upvotes, the table notes,
and how many people of each stakeholder group took part — never a name, never who voted what.
The summary is a snapshot: :meth:`Summary.to_json` is what storage keeps when the facilitator
publishes it, so the published page does not change when participants' data is later deleted
by the retention job. :mod:`civitrace.consult.render_html` and
:mod:`civitrace.consult.render_pdf` render it.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from civitrace.consult.groups import GROUPS, StakeholderGroup
from civitrace.consult.polls import PollKind, PollStatus, ResultRow, Results


@dataclass(frozen=True, slots=True)
class PollSummary:
    question: str
    status: PollStatus
    results: Results


@dataclass(frozen=True, slots=True)
class QuestionSummary:
    text: str
    upvotes: int
    answered: bool


@dataclass(frozen=True, slots=True)
class TableNote:
    table: int
    text: str


@dataclass(frozen=True, slots=True)
class Summary:
    """Everything a published summary says, in display order."""

    consultation_title: str
    session_title: str
    proposal_id: int | None
    held_at: datetime
    published_at: datetime
    participants: tuple[tuple[StakeholderGroup, int], ...]
    table_count: int
    polls: tuple[PollSummary, ...]
    questions: tuple[QuestionSummary, ...]
    notes: tuple[TableNote, ...]

    @property
    def participant_total(self) -> int:
        return sum(count for _, count in self.participants)

    def to_json(self) -> dict[str, Any]:
        """A JSON document that :meth:`from_json` reads back to an equal summary."""
        return {
            "consultationTitle": self.consultation_title,
            "sessionTitle": self.session_title,
            "proposalId": self.proposal_id,
            "heldAt": self.held_at.isoformat(),
            "publishedAt": self.published_at.isoformat(),
            "participants": {group.value: count for group, count in self.participants},
            "tableCount": self.table_count,
            "polls": [
                {
                    "question": poll.question,
                    "kind": poll.results.kind.value,
                    "status": poll.status.value,
                    "results": poll.results.to_json(),
                }
                for poll in self.polls
            ],
            "questions": [
                {"text": q.text, "upvotes": q.upvotes, "answered": q.answered}
                for q in self.questions
            ],
            "notes": [{"table": note.table, "text": note.text} for note in self.notes],
        }

    @classmethod
    def from_json(cls, document: Mapping[str, Any]) -> "Summary":
        counts = document["participants"]
        return cls(
            consultation_title=document["consultationTitle"],
            session_title=document["sessionTitle"],
            proposal_id=document["proposalId"],
            held_at=datetime.fromisoformat(document["heldAt"]),
            published_at=datetime.fromisoformat(document["publishedAt"]),
            participants=tuple((group, int(counts.get(group.value, 0))) for group in GROUPS),
            table_count=int(document["tableCount"]),
            polls=tuple(_poll_from_json(poll) for poll in document["polls"]),
            questions=tuple(
                QuestionSummary(q["text"], int(q["upvotes"]), bool(q["answered"]))
                for q in document["questions"]
            ),
            notes=tuple(TableNote(int(n["table"]), n["text"]) for n in document["notes"]),
        )


def _poll_from_json(poll: Mapping[str, Any]) -> PollSummary:
    kind = PollKind(poll["kind"])
    results = poll["results"]
    mean = results.get("mean")
    return PollSummary(
        poll["question"],
        PollStatus(poll["status"]),
        Results(
            kind,
            int(results["ballots"]),
            tuple(ResultRow(row["label"], int(row["count"])) for row in results["rows"]),
            None if mean is None else float(mean),
        ),
    )
