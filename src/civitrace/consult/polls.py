"""Live polls: what a poll asks, what a ballot may say, and what the results show.

Four kinds: a **single** choice, a **multiple** choice (up to ``max_choices`` options), a
**scale** (one whole number from ``scale_min`` to ``scale_max``) and a **word cloud** (up to
``max_words`` short words or phrases each).

A poll is a ``draft`` until the facilitator opens it, ``open`` while votes are taken, and
``closed`` for good once the facilitator closes it (a closed poll is not reopened: its numbers
are what the summary publishes).

**One vote per participant per poll, and a vote is final**: a second ballot in the same poll is
refused (:class:`~civitrace.consult.errors.AlreadyVotedError`), not swapped in. Refusing keeps
the live numbers only ever growing on the projector, and it means nothing links a person to
their choices even inside the database: storage keeps *that* someone voted apart from *what*
was chosen, and a replaced vote would need the link to take the old choices back out.

A ballot is reduced to the **counter keys** it adds one to (:meth:`PollSpec.ballot`); results
(:meth:`PollSpec.results`) are built from those counters alone, so they can only ever show
counts, never voters.
"""

import enum
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from civitrace.consult.errors import ConsultInputError, ConsultStateError
from civitrace.consult.text import clean_text

MAX_QUESTION: Final = 300  # characters of the poll's question: one projector line or two
MAX_OPTION: Final = 100  # characters of one option
MIN_OPTIONS, MAX_OPTIONS = 2, 12
MIN_SCALE, MAX_SCALE = -10, 10  # bounds of a scale's ends
MAX_SCALE_STEPS: Final = 11  # 0..10 is the widest scale people answer reliably
MAX_WORDS_PER_BALLOT: Final = 3
MAX_WORD: Final = 30  # characters of one word-cloud entry
CLOUD_SIZE: Final = 50  # words shown in a word cloud's results, most frequent first
BALLOTS_KEY: Final = "#ballots"
"""The counter of ballots cast (no option or word can be spelt with ``#``)."""

_WORD: Final = re.compile(r"^[\w][\w' -]*$")


class PollKind(enum.StrEnum):
    SINGLE = "single"
    MULTIPLE = "multiple"
    SCALE = "scale"
    WORDCLOUD = "wordcloud"


class PollStatus(enum.StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"


_NEXT: Final = {
    ("open", PollStatus.DRAFT): PollStatus.OPEN,
    ("close", PollStatus.OPEN): PollStatus.CLOSED,
}


def transition(status: PollStatus, action: str) -> PollStatus:
    """The status after the facilitator's ``action`` (``open``/``close``), or a state error."""
    following = _NEXT.get((action, status))
    if following is None:
        raise ConsultStateError(f"poll: cannot {action} a poll that is {status.value}")
    return following


@dataclass(frozen=True, slots=True)
class ResultRow:
    """One bar of the results: an option (or a scale value, or a word) and its count."""

    label: str
    count: int


@dataclass(frozen=True, slots=True)
class Results:
    """Counts only: ``ballots`` cast and one row per option, value or (top) word."""

    kind: PollKind
    ballots: int
    rows: tuple[ResultRow, ...]
    mean: float | None = None  # scale polls only, None without ballots

    def to_json(self) -> dict[str, object]:
        document: dict[str, object] = {
            "ballots": self.ballots,
            "rows": [{"label": row.label, "count": row.count} for row in self.rows],
        }
        if self.kind is PollKind.SCALE:
            document["mean"] = None if self.mean is None else round(self.mean, 2)
        return document


@dataclass(frozen=True, slots=True)
class PollSpec:
    """What a poll asks; checked and normalized at construction."""

    kind: PollKind
    question: str
    options: tuple[str, ...] = ()
    max_choices: int = 1
    scale_min: int = 1
    scale_max: int = 5
    max_words: int = 1

    def __post_init__(self) -> None:
        try:
            kind = PollKind(self.kind)
        except ValueError:
            names = ", ".join(k.value for k in PollKind)
            raise ConsultInputError("kind", f"must be one of {names}") from None
        object.__setattr__(self, "kind", kind)
        object.__setattr__(
            self, "question", clean_text(self.question, "question", max_length=MAX_QUESTION)
        )
        object.__setattr__(self, "options", tuple(self.options))
        if kind in {PollKind.SINGLE, PollKind.MULTIPLE}:
            self._check_options()
        elif self.options:
            raise ConsultInputError("options", f"a {kind.value} poll has no options")
        if kind is PollKind.MULTIPLE:
            if not 1 <= self.max_choices <= len(self.options):
                raise ConsultInputError(
                    "max_choices", f"must be 1..{len(self.options)} (the number of options)"
                )
        else:
            object.__setattr__(self, "max_choices", 1)
        if kind is PollKind.SCALE:
            self._check_scale()
        if kind is PollKind.WORDCLOUD:
            if not 1 <= self.max_words <= MAX_WORDS_PER_BALLOT:
                raise ConsultInputError("max_words", f"must be 1..{MAX_WORDS_PER_BALLOT}")
        else:
            object.__setattr__(self, "max_words", 1)

    def _check_options(self) -> None:
        if not MIN_OPTIONS <= len(self.options) <= MAX_OPTIONS:
            raise ConsultInputError("options", f"must list {MIN_OPTIONS}..{MAX_OPTIONS} options")
        cleaned = tuple(
            clean_text(option, f"options.{index}", max_length=MAX_OPTION)
            for index, option in enumerate(self.options)
        )
        folded = [option.casefold() for option in cleaned]
        if len(set(folded)) != len(folded):
            raise ConsultInputError("options", "must not repeat an option")
        object.__setattr__(self, "options", cleaned)

    def _check_scale(self) -> None:
        low, high = self.scale_min, self.scale_max
        if not MIN_SCALE <= low <= MAX_SCALE:
            raise ConsultInputError("scale_min", f"must be {MIN_SCALE}..{MAX_SCALE}")
        if not MIN_SCALE <= high <= MAX_SCALE:
            raise ConsultInputError("scale_max", f"must be {MIN_SCALE}..{MAX_SCALE}")
        if not low < high or high - low + 1 > MAX_SCALE_STEPS:
            raise ConsultInputError(
                "scale_max", f"must be above scale_min by 1..{MAX_SCALE_STEPS - 1}"
            )

    def ballot(
        self,
        *,
        choices: Sequence[int] | None = None,
        value: int | None = None,
        words: Sequence[str] | None = None,
    ) -> tuple[str, ...]:
        """The counter keys one ballot adds one to (sorted, without :data:`BALLOTS_KEY`).

        A choice poll takes ``choices`` (option indexes from 0), a scale ``value``, a word cloud
        ``words``; anything else is a :class:`ConsultInputError` naming the field.
        """
        given = {"choices": choices, "value": value, "words": words}
        wanted = {
            PollKind.SINGLE: "choices",
            PollKind.MULTIPLE: "choices",
            PollKind.SCALE: "value",
            PollKind.WORDCLOUD: "words",
        }[self.kind]
        for name, content in given.items():
            if name != wanted and content is not None:
                raise ConsultInputError(
                    name, f"a {self.kind.value} poll takes {wanted}, not {name}"
                )
        if given[wanted] is None:
            raise ConsultInputError(wanted, f"is required for a {self.kind.value} poll")
        if self.kind is PollKind.SCALE:
            assert value is not None
            if not self.scale_min <= value <= self.scale_max:
                raise ConsultInputError("value", f"must be {self.scale_min}..{self.scale_max}")
            return (str(value),)
        if self.kind is PollKind.WORDCLOUD:
            assert words is not None
            return self._words(words)
        assert choices is not None
        return self._choices(choices)

    def _choices(self, choices: Sequence[int]) -> tuple[str, ...]:
        limit = 1 if self.kind is PollKind.SINGLE else self.max_choices
        if not 1 <= len(choices) <= limit:
            raise ConsultInputError(
                "choices",
                "must hold exactly one option" if limit == 1 else f"must hold 1..{limit} options",
            )
        if len(set(choices)) != len(choices):
            raise ConsultInputError("choices", "must not repeat an option")
        for choice in choices:
            if not 0 <= choice < len(self.options):
                raise ConsultInputError(
                    "choices", f"{choice} is not an option (0..{len(self.options) - 1})"
                )
        return tuple(sorted(str(choice) for choice in choices))

    def _words(self, words: Sequence[str]) -> tuple[str, ...]:
        if not 1 <= len(words) <= self.max_words:
            raise ConsultInputError("words", f"must hold 1..{self.max_words} words")
        normalized = {normalize_word(word, f"words.{index}") for index, word in enumerate(words)}
        return tuple(sorted(normalized))

    def results(self, counters: Mapping[str, int]) -> Results:
        """The results from the poll's counters (keys from :meth:`ballot` and the ballots)."""
        ballots = counters.get(BALLOTS_KEY, 0)
        if self.kind is PollKind.WORDCLOUD:
            words = sorted(
                ((word, count) for word, count in counters.items() if word != BALLOTS_KEY),
                key=lambda item: (-item[1], item[0]),
            )
            rows = tuple(ResultRow(word, count) for word, count in words[:CLOUD_SIZE])
            return Results(self.kind, ballots, rows)
        if self.kind is PollKind.SCALE:
            values = range(self.scale_min, self.scale_max + 1)
            rows = tuple(ResultRow(str(v), counters.get(str(v), 0)) for v in values)
            weighted = sum(v * counters.get(str(v), 0) for v in values)
            counted = sum(row.count for row in rows)
            mean = weighted / counted if counted else None
            return Results(self.kind, ballots, rows, mean)
        rows = tuple(
            ResultRow(option, counters.get(str(index), 0))
            for index, option in enumerate(self.options)
        )
        return Results(self.kind, ballots, rows)

    def labels(self) -> tuple[str, ...]:
        """The labels a choice or scale poll shows, in order (empty for a word cloud)."""
        if self.kind is PollKind.SCALE:
            return tuple(str(v) for v in range(self.scale_min, self.scale_max + 1))
        return self.options


def normalize_word(value: str, field: str = "words") -> str:
    """A word-cloud entry in its counted form: NFKC, case-folded, single spaces.

    Letters, digits, spaces, hyphens and apostrophes only, so "Privacy" and " privacy " count
    as one word and no entry can look like markup.
    """
    word = " ".join(unicodedata.normalize("NFKC", value).casefold().split())
    if not word:
        raise ConsultInputError(field, "must not be empty")
    if len(word) > MAX_WORD:
        raise ConsultInputError(field, f"must be at most {MAX_WORD} characters")
    if not _WORD.match(word) or "_" in word:
        raise ConsultInputError(
            field, "may hold letters, digits, spaces, hyphens and apostrophes only"
        )
    return word
