"""Polls: what a poll may ask, what a ballot may say, and results that hold counts only."""

from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from civitrace.consult.errors import ConsultInputError, ConsultStateError
from civitrace.consult.polls import (
    BALLOTS_KEY,
    CLOUD_SIZE,
    PollKind,
    PollSpec,
    PollStatus,
    normalize_word,
    transition,
)

CHOICE = PollSpec(PollKind.SINGLE, "Should check-in be mandatory?", ("Yes", "No", "Unsure"))
MULTI = PollSpec(PollKind.MULTIPLE, "Which data?", ("Name", "Place", "Time", "None"), max_choices=2)
SCALE = PollSpec(PollKind.SCALE, "Trust, 0 to 10", scale_min=0, scale_max=10)
CLOUD = PollSpec(PollKind.WORDCLOUD, "One word for the app", max_words=3)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"kind": "ranking", "question": "q"}, "kind"),
        ({"kind": "single", "question": "  "}, "question"),
        ({"kind": "single", "question": "q" * 301, "options": ("a", "b")}, "question"),
        ({"kind": "single", "question": "q", "options": ("only",)}, "options"),
        ({"kind": "single", "question": "q", "options": ("a", "A")}, "options"),
        ({"kind": "single", "question": "q", "options": ("a", "")}, "options.1"),
        (
            {"kind": "multiple", "question": "q", "options": ("a", "b"), "max_choices": 3},
            "max_choices",
        ),
        ({"kind": "scale", "question": "q", "options": ("a", "b")}, "options"),
        ({"kind": "scale", "question": "q", "scale_min": 5, "scale_max": 5}, "scale_max"),
        ({"kind": "scale", "question": "q", "scale_min": 0, "scale_max": 11}, "scale_max"),
        ({"kind": "scale", "question": "q", "scale_min": -11, "scale_max": 0}, "scale_min"),
        ({"kind": "wordcloud", "question": "q", "max_words": 4}, "max_words"),
    ],
)
def test_bad_polls_name_the_field(fields: dict[str, object], field: str) -> None:
    with pytest.raises(ConsultInputError) as caught:
        PollSpec(**fields)  # type: ignore[arg-type]
    assert caught.value.field == field


def test_a_poll_is_opened_once_and_closed_for_good() -> None:
    assert transition(PollStatus.DRAFT, "open") is PollStatus.OPEN
    assert transition(PollStatus.OPEN, "close") is PollStatus.CLOSED
    for status, action in [
        (PollStatus.OPEN, "open"),
        (PollStatus.CLOSED, "open"),
        (PollStatus.DRAFT, "close"),
        (PollStatus.CLOSED, "close"),
    ]:
        with pytest.raises(ConsultStateError, match=f"cannot {action}"):
            transition(status, action)


@pytest.mark.parametrize(
    ("spec", "ballot", "field"),
    [
        (CHOICE, {}, "choices"),
        (CHOICE, {"choices": [0, 1]}, "choices"),
        (CHOICE, {"choices": [3]}, "choices"),
        (CHOICE, {"choices": [-1]}, "choices"),
        (CHOICE, {"value": 1}, "value"),
        (MULTI, {"choices": [0, 1, 2]}, "choices"),
        (MULTI, {"choices": [1, 1]}, "choices"),
        (MULTI, {"choices": []}, "choices"),
        (SCALE, {"value": 11}, "value"),
        (SCALE, {"choices": [1]}, "choices"),
        (CLOUD, {"words": []}, "words"),
        (CLOUD, {"words": ["a", "b", "c", "d"]}, "words"),
        (CLOUD, {"words": ["<script>"]}, "words.0"),
        (CLOUD, {"words": ["ok", "x" * 31]}, "words.1"),
        (CLOUD, {"words": ["snake_case"]}, "words.0"),
    ],
)
def test_bad_ballots_name_the_field(spec: PollSpec, ballot: dict[str, object], field: str) -> None:
    with pytest.raises(ConsultInputError) as caught:
        spec.ballot(**ballot)  # type: ignore[arg-type]
    assert caught.value.field == field


def test_ballots_become_counter_keys() -> None:
    assert CHOICE.ballot(choices=[2]) == ("2",)
    assert MULTI.ballot(choices=[3, 0]) == ("0", "3")
    assert SCALE.ballot(value=0) == ("0",)
    assert CLOUD.ballot(words=[" Privacy ", "privacy", "Trust  me"]) == ("privacy", "trust me")


def test_words_are_counted_in_one_form() -> None:
    assert normalize_word("  ÉQUITÉ ") == "équité"
    full_width = "\uff30\uff52\uff49\uff56\uff41\uff43\uff59"  # NFKC folds it
    assert normalize_word(full_width) == "privacy"
    assert normalize_word("don't  panic") == "don't panic"
    assert BALLOTS_KEY.startswith("#")  # no word can collide with the ballot counter


def tally(spec: PollSpec, ballots: list[tuple[str, ...]]) -> dict[str, int]:
    counters = Counter(key for ballot in ballots for key in ballot)
    counters[BALLOTS_KEY] = len(ballots)
    return dict(counters)


@given(st.lists(st.lists(st.integers(0, 3), min_size=1, max_size=2, unique=True), max_size=40))
def test_choice_results_count_every_ballot(choices: list[list[int]]) -> None:
    ballots = [MULTI.ballot(choices=c) for c in choices]
    results = MULTI.results(tally(MULTI, ballots))
    assert results.ballots == len(ballots)
    assert [row.label for row in results.rows] == list(MULTI.options)
    for index, row in enumerate(results.rows):
        assert row.count == sum(1 for c in choices if index in c)


@given(st.lists(st.integers(0, 10), max_size=50))
def test_scale_results_and_mean(values: list[int]) -> None:
    results = SCALE.results(tally(SCALE, [SCALE.ballot(value=v) for v in values]))
    assert [row.label for row in results.rows] == [str(v) for v in range(11)]
    assert sum(row.count for row in results.rows) == len(values)
    if values:
        assert results.mean == pytest.approx(sum(values) / len(values))
    else:
        assert results.mean is None


def test_a_word_cloud_shows_its_most_frequent_words() -> None:
    ballots = [CLOUD.ballot(words=[f"w{i}"]) for i in range(CLOUD_SIZE + 10)]
    ballots += [CLOUD.ballot(words=["privacy"])] * 3 + [CLOUD.ballot(words=["trust"])] * 2
    results = CLOUD.results(tally(CLOUD, ballots))
    assert len(results.rows) == CLOUD_SIZE
    assert [(r.label, r.count) for r in results.rows[:2]] == [("privacy", 3), ("trust", 2)]
    assert results.ballots == len(ballots)


def test_results_json_holds_counts_only() -> None:
    document = CHOICE.results({"0": 2, "2": 1, BALLOTS_KEY: 3}).to_json()
    assert document == {
        "ballots": 3,
        "rows": [
            {"label": "Yes", "count": 2},
            {"label": "No", "count": 0},
            {"label": "Unsure", "count": 1},
        ],
    }
    assert SCALE.results({}).to_json()["mean"] is None
