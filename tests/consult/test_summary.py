"""The summary: its JSON snapshot, and the HTML and PDF renderings carry the right numbers."""

import itertools
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from civitrace.consult.charts import chart_png, chart_svg
from civitrace.consult.errors import SummaryError
from civitrace.consult.groups import GROUPS
from civitrace.consult.polls import BALLOTS_KEY, PollKind, PollSpec, PollStatus
from civitrace.consult.render_html import render_html
from civitrace.consult.render_pdf import render_pdf
from civitrace.consult.summary import PollSummary, QuestionSummary, Summary, TableNote
from tests.consult.pdftext import pdf_strings

WHEN = datetime(2026, 3, 14, 15, 9, tzinfo=UTC)


def _poll(spec: PollSpec, counters: dict[str, int]) -> PollSummary:
    return PollSummary(spec.question, PollStatus.CLOSED, spec.results(counters))


@pytest.fixture
def summary() -> Summary:
    choice = PollSpec(PollKind.SINGLE, "Should check-in be <b>mandatory</b>?", ("Yes", "No"))
    scale = PollSpec(PollKind.SCALE, "Trust in the operator", scale_min=1, scale_max=5)
    cloud = PollSpec(PollKind.WORDCLOUD, "One word", max_words=2)
    return Summary(
        consultation_title="Venue check-in & you",
        session_title="Evening session",
        proposal_id=12,
        held_at=WHEN,
        published_at=WHEN,
        participants=tuple((group, index + 1) for index, group in enumerate(GROUPS)),
        table_count=3,
        polls=(
            _poll(choice, {"0": 17, "1": 4, BALLOTS_KEY: 21}),
            _poll(scale, {"2": 3, "5": 6, BALLOTS_KEY: 9}),
            _poll(cloud, {"privacy": 8, "trust": 5, BALLOTS_KEY: 11}),
        ),
        questions=(
            QuestionSummary("Who reads the check-ins?", 13, True),
            QuestionSummary("When is data deleted?", 7, False),
        ),
        notes=(TableNote(2, "Table 2 wants a sunset date.\nUnanimous."),),
    )


def _row_pairs(strings: list[str]) -> set[tuple[str, str]]:
    return set(itertools.pairwise(strings))


def test_json_snapshot_round_trips(summary: Summary) -> None:
    document = summary.to_json()
    assert Summary.from_json(document) == summary
    assert document["participants"]["public"] == 6
    assert document["polls"][0]["results"]["rows"] == [
        {"label": "Yes", "count": 17},
        {"label": "No", "count": 4},
    ]
    assert "voter" not in str(document).lower()


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.integers(0, 1000), min_size=2, max_size=6),
    st.lists(st.tuples(st.text(min_size=1, max_size=40), st.integers(0, 99)), max_size=4),
)
def test_any_summary_round_trips_through_json(
    counts: list[int], questions: list[tuple[str, int]]
) -> None:
    spec = PollSpec(PollKind.MULTIPLE, "q", tuple(f"o{i}" for i in range(len(counts))), 2)
    counters = {str(i): c for i, c in enumerate(counts)} | {BALLOTS_KEY: sum(counts)}
    summary = Summary(
        "c",
        "s",
        None,
        WHEN,
        WHEN,
        tuple((g, 0) for g in GROUPS),
        0,
        (_poll(spec, counters),),
        tuple(QuestionSummary(text, up, up % 2 == 0) for text, up in questions),
        (),
    )
    assert Summary.from_json(summary.to_json()) == summary


def test_html_carries_the_numbers_and_escapes_text(summary: Summary) -> None:
    page = render_html(summary)
    cells = re.findall(
        r"<tr><th scope=\"row\">([^<]*)</th><td class=\"count\">(\d+)</td></tr>", page
    )
    assert ("Yes", "17") in cells
    assert ("No", "4") in cells
    assert ("5", "6") in cells
    assert ("3", "0") in cells
    assert ("privacy", "8") in cells
    assert ("Public", "6") in cells
    assert "mean 4.00" in page  # (2*3 + 5*6) / 9
    assert "21 ballots" in page
    assert 'Who reads the check-ins?</td><td class="count">13</td><td>yes' in page
    assert "&lt;b&gt;mandatory&lt;/b&gt;" in page
    assert "<b>mandatory" not in page
    assert "Venue check-in &amp; you" in page
    assert "Proposal 12" in page
    assert "Table 2 wants a sunset date.\nUnanimous." in page


def test_html_is_self_contained(summary: Summary) -> None:
    page = render_html(summary)
    assert page.count("<svg") == 3
    assert "<script" not in page
    assert not re.search(r"(src|href)=\"(https?:)?//", page)
    assert "@import" not in page
    assert set(re.findall(r"url\(([^)]*)\)", page)) <= {
        f"#{i}" for i in re.findall(r' id="([^"]+)"', page)
    }
    ids = re.findall(r' id="([^"]+)"', page)
    assert len(ids) == len(set(ids)), "charts must not share element ids"
    assert render_html(summary) == page  # deterministic


def test_pdf_carries_the_numbers(summary: Summary) -> None:
    pdf = render_pdf(summary)
    assert pdf.startswith(b"%PDF-1.")
    assert pdf.rstrip().endswith(b"%%EOF")
    assert b"/FontFile2" in pdf  # DejaVu is embedded
    strings = pdf_strings(pdf)
    pairs = _row_pairs(strings)
    for row in [("Yes", "17"), ("No", "4"), ("5", "6"), ("privacy", "8"), ("Public", "6")]:
        assert row in pairs, row
    assert "Single choice · 21 ballots" in strings
    assert "Scale · 9 ballots · mean 4.00" in strings
    assert "Who reads the check-ins?" in strings
    assert ("13", "yes") in pairs
    assert "Should check-in be <b>mandatory</b>?" in " ".join(strings)
    assert strings.count("Table 2") == 1
    assert render_pdf(summary) == pdf  # deterministic


def test_pdf_marks_characters_the_font_lacks(summary: Summary) -> None:
    text = QuestionSummary("数据 — who keeps it?", 1, False)
    strings = pdf_strings(render_pdf(_with_questions(summary, (text,))))
    assert "\ufffd\ufffd — who keeps it?" in strings


def _with_questions(summary: Summary, questions: tuple[QuestionSummary, ...]) -> Summary:
    return Summary(
        summary.consultation_title,
        summary.session_title,
        summary.proposal_id,
        summary.held_at,
        summary.published_at,
        summary.participants,
        summary.table_count,
        summary.polls,
        questions,
        summary.notes,
    )


def test_pdf_without_fonts_says_what_to_install(
    summary: Summary, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CIVITRACE_SUMMARY_FONT_DIR", str(tmp_path))
    with pytest.raises(SummaryError, match="fonts-dejavu-core"):
        render_pdf(summary)


def test_an_empty_session_still_renders() -> None:
    empty = Summary("c", "s", None, WHEN, WHEN, tuple((g, 0) for g in GROUPS), 0, (), (), ())
    assert "No poll was held." in render_html(empty)
    assert "No question was accepted." in pdf_strings(render_pdf(empty))


def test_charts_are_deterministic_images(summary: Summary) -> None:
    results = summary.polls[0].results
    svg = chart_svg(results, salt="a")
    assert svg.startswith("<svg")
    assert svg == chart_svg(results, salt="a")
    assert ">17<" in svg or "17</text>" in svg  # the count is text, not paths
    assert chart_svg(results, salt="b") != svg
    assert chart_png(results).startswith(b"\x89PNG")
