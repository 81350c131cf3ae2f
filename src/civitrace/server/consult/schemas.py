"""Request and response bodies of ``/consult/api`` (JSON, camelCase, unknown fields refused).

Requests are checked for shape here (types, rough sizes, so nothing huge reaches the domain;
the largest valid body stays under the server's 64 000-byte cap even with every character
escaped); the domain checks meaning and names the field. Types are strict: ``"3"`` is not a
number and ``1`` is not a string, so a client bug is reported rather than guessed around.
"""

from datetime import datetime
from typing import Annotated, Final, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr
from pydantic.alias_generators import to_camel

from civitrace.consult.groups import GROUPS

GroupName = Literal[
    "civil-society",
    "private-sector",
    "government",
    "technical-community",
    "intergovernmental",
    "public",
]
assert set(get_args(GroupName)) == {g.value for g in GROUPS}


MAX_ROW_ID: Final = 2**31 - 1  # row ids are INTEGER on PostgreSQL: larger ones are refused


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid", alias_generator=to_camel, validate_by_name=False)


class _Response(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, validate_by_name=True)


# -- requests -------------------------------------------------------------------------------


class NewConsultation(_Request):
    title: StrictStr = Field(max_length=1000, description="Public title (1..200 characters)")
    description: StrictStr = Field(default="", max_length=8000)
    proposal_id: StrictInt | None = Field(
        default=None, ge=1, le=MAX_ROW_ID, description="Governance proposal consulted on"
    )


class NewSession(_Request):
    title: StrictStr = Field(max_length=1000)
    table_size: StrictInt = Field(default=8, ge=2, le=50, description="Seats per round table")
    language: StrictStr = Field(default="en", max_length=100, description="BCP 47 tag")
    starts_at: datetime | None = Field(default=None, description="Announced start (ISO 8601)")


class JoinRequest(_Request):
    display_name: StrictStr = Field(
        max_length=1000, description="Shown to the table and moderators; may be a pseudonym"
    )
    group: GroupName
    language: StrictStr = Field(default="en", max_length=100, description="BCP 47 tag")


class NewPoll(_Request):
    kind: Literal["single", "multiple", "scale", "wordcloud"]
    question: StrictStr = Field(max_length=2000)
    options: list[Annotated[StrictStr, Field(max_length=150)]] = Field(
        default_factory=list, max_length=20
    )
    max_choices: StrictInt = Field(default=1, ge=1, le=20)
    scale_min: StrictInt = Field(default=1, ge=-100, le=100)
    scale_max: StrictInt = Field(default=5, ge=-100, le=100)
    max_words: StrictInt = Field(default=1, ge=1, le=50)


class VoteRequest(_Request):
    """``choices`` for a choice poll (option indexes from 0), ``value`` for a scale,
    ``words`` for a word cloud."""

    choices: list[StrictInt] | None = Field(default=None, max_length=20)
    value: StrictInt | None = Field(default=None, ge=-1000, le=1000)
    words: list[Annotated[StrictStr, Field(max_length=100)]] | None = Field(
        default=None, max_length=10
    )


class QuestionRequest(_Request):
    text: StrictStr = Field(max_length=5000)


class MergeRequest(_Request):
    into: StrictInt = Field(ge=1, le=MAX_ROW_ID, description="The approved question it duplicates")


class NoteRequest(_Request):
    text: StrictStr = Field(max_length=8000)


# -- responses ------------------------------------------------------------------------------


class SessionRef(_Response):
    id: str
    title: str
    status: str
    language: str


class ConsultationOut(_Response):
    id: str
    title: str
    description: str
    proposal_id: int | None
    created_at: str
    sessions: list[SessionRef]


class SessionCreated(_Response):
    """The two secret links' tokens are shown once; only their hashes are stored."""

    id: str
    facilitator_token: str
    moderator_token: str


class SessionOut(_Response):
    id: str
    consultation_id: str
    consultation_title: str
    proposal_id: int | None
    title: str
    language: str
    status: str
    table_size: int
    table_count: int
    participants: dict[str, int]
    participant_total: int
    starts_at: str | None
    ended_at: str | None
    summary_published: bool


class Joined(_Response):
    """The join token authenticates the participant's later requests; keep it secret."""

    participant_id: int
    token: str
    table: int | None


class TableMate(_Response):
    display_name: str
    group: str


class OwnQuestion(_Response):
    id: int
    text: str
    status: str
    merged_into: int | None


class Me(_Response):
    participant_id: int
    session_id: str
    display_name: str
    group: str
    language: str
    table: int | None
    table_mates: list[TableMate]
    voted_polls: list[int]
    upvoted_questions: list[int]
    questions: list[OwnQuestion]


class Left(_Response):
    status: Literal["left"]


class ResultRowOut(_Response):
    label: str
    count: int


class ResultsOut(_Response):
    ballots: int
    rows: list[ResultRowOut]
    mean: float | None = None


class PollOut(_Response):
    id: int
    kind: str
    question: str
    options: list[str]
    max_choices: int
    scale_min: int | None
    scale_max: int | None
    max_words: int
    status: str
    results: ResultsOut | None


class PollList(_Response):
    polls: list[PollOut]


class VoteCounted(_Response):
    poll_id: int
    status: Literal["counted"]


class QuestionOut(_Response):
    id: int
    text: str
    status: str
    upvotes: int


class QuestionList(_Response):
    questions: list[QuestionOut]


class PendingQuestion(_Response):
    id: int
    text: str
    submitted_at: str


class PendingList(_Response):
    questions: list[PendingQuestion]


class QuestionState(_Response):
    id: int
    status: str


class Upvoted(_Response):
    question_id: int
    status: Literal["upvoted"]


class TableOut(_Response):
    table: int
    size: int
    groups: dict[str, int]
    note: str | None


class TablesOut(_Response):
    table_size: int
    table_count: int
    tables: list[TableOut]


class MoveOut(_Response):
    participant_id: int
    from_table: int | None
    to_table: int


class SeatingOut(_Response):
    table_count: int
    moves: list[MoveOut]


class SeatedParticipant(_Response):
    id: int
    display_name: str
    group: str
    table: int | None


class Facilitation(_Response):
    """Everything the facilitator's screen shows."""

    session: SessionOut
    polls: list[PollOut]
    pending_questions: list[PendingQuestion]
    questions: list[QuestionOut]
    participants: list[SeatedParticipant]
    balance_problems: list[str]


class NoteSaved(_Response):
    table: int
    text: str


class SummaryPollOut(_Response):
    question: str
    kind: str
    status: str
    results: ResultsOut


class SummaryQuestionOut(_Response):
    text: str
    upvotes: int
    answered: bool


class SummaryNoteOut(_Response):
    table: int
    text: str


class SummaryOut(_Response):
    consultation_title: str
    session_title: str
    proposal_id: int | None
    held_at: str
    published_at: str
    participants: dict[str, int]
    table_count: int
    polls: list[SummaryPollOut]
    questions: list[SummaryQuestionOut]
    notes: list[SummaryNoteOut]
