"""The consultation API over the real app, on SQLite and on PostgreSQL.

A whole session (join, seating, polls, questions, notes, end, summary), every refusal as a 4xx
JSON body naming the field, who may do what, and what the public answers never contain.
"""

import itertools
import re
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import inspect

from civitrace.server.app import create_app
from civitrace.server.db import make_engine
from civitrace.server.db.consult_models import PollCount, PollVoter
from civitrace.server.settings import Settings
from tests.consult.client import GROUPS, ConsultApi, Member, Room
from tests.consult.pdftext import pdf_strings
from tests.server.conftest import Authority, TestClient, assert_error


@pytest.fixture(scope="module")
def _consult_http(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as http:
        yield http


@pytest.fixture
def api(_consult_http: TestClient, client: TestClient, authority: Authority) -> ConsultApi:
    """The consultation API over an emptied database (``client`` empties it)."""
    return ConsultApi(_consult_http, authority.admin_key)


@pytest.fixture
def room(api: ConsultApi) -> Room:
    return api.room(table_size=4)


def test_a_whole_session(api: ConsultApi, room: Room) -> None:
    people = api.crowd(room, 10)
    assert all(p.table is None for p in people)  # nobody is seated before the deal
    seating = api.call("POST", f"/sessions/{room.id}/seating", 200, headers=room.facilitator).json()
    assert seating["tableCount"] == 3
    assert len(seating["moves"]) == 10
    late = api.join(room, "Late Lou", "public")
    assert late.table is not None

    poll = api.poll(room, kind="multiple", options=["Name", "Place", "Time"], maxChoices=2)
    for person, choices in zip(people, [[0], [0, 1], [1], [0, 2], [2]], strict=False):
        api.vote(room, poll["id"], person, choices=choices).raise_for_status()
    scale = api.poll(room, kind="scale", question="Trust?", options=[], scaleMin=1, scaleMax=5)
    for person, value in zip(people, [5, 4, 4], strict=False):
        api.vote(room, scale["id"], person, value=value).raise_for_status()
    cloud = api.poll(room, kind="wordcloud", question="One word", options=[], maxWords=2)
    api.vote(room, cloud["id"], people[0], words=["Privacy", "trust"]).raise_for_status()
    api.vote(room, cloud["id"], people[1], words=["privacy "]).raise_for_status()

    results = api.results(room, poll["id"])
    assert results["ballots"] == 5
    assert [(r["label"], r["count"]) for r in results["rows"]] == [
        ("Name", 3),
        ("Place", 2),
        ("Time", 2),
    ]
    assert api.results(room, scale["id"])["mean"] == pytest.approx(13 / 3, abs=0.01)
    assert api.results(room, cloud["id"])["rows"][0] == {"label": "privacy", "count": 2}

    first = api.ask(room, people[0], "Who reads the check-ins?")
    dup = api.ask(room, people[1], "Who can read check-ins?")
    rejected = api.ask(room, people[2], "spam spam")
    api.moderate(room, first, "approve").raise_for_status()
    api.moderate(room, dup, "merge", into=first).raise_for_status()
    api.moderate(room, rejected, "reject").raise_for_status()
    for person in people[3:6]:
        api.call(
            "POST", f"/sessions/{room.id}/questions/{first}/upvote", 200, headers=person.headers
        )
    queue = api.call("GET", f"/sessions/{room.id}/questions", 200).json()["questions"]
    assert queue == [
        {"id": first, "text": "Who reads the check-ins?", "status": "approved", "upvotes": 4}
    ]  # 3 upvotes + the duplicate's author
    api.moderate(room, first, "answer").raise_for_status()

    api.call(
        "PUT",
        f"/sessions/{room.id}/tables/1/note",
        200,
        json={"text": "Sunset date wanted."},
        headers=room.facilitator,
    )
    api.call("POST", f"/sessions/{room.id}/summary", 409, headers=room.facilitator)  # not ended
    ended = api.call("POST", f"/sessions/{room.id}/end", 200, headers=room.facilitator).json()
    assert ended["status"] == "ended"
    assert ended["participantTotal"] == 11
    summary = api.call("POST", f"/sessions/{room.id}/summary", 200, headers=room.facilitator).json()
    assert summary["participants"] == dict.fromkeys(GROUPS, 2) | {"intergovernmental": 1}
    assert summary["polls"][0]["results"]["rows"][0] == {"label": "Name", "count": 3}
    assert summary["questions"] == [
        {"text": "Who reads the check-ins?", "upvotes": 4, "answered": True}
    ]
    assert summary["notes"] == [{"table": 1, "text": "Sunset date wanted."}]
    assert api.call("GET", f"/sessions/{room.id}/summary", 200).json() == summary
    api.call("POST", f"/sessions/{room.id}/summary", 409, headers=room.facilitator)

    page = api.call("GET", f"/sessions/{room.id}/summary.html", 200)
    assert page.headers["content-type"].startswith("text/html")
    assert re.search(r'<th scope="row">Name</th><td class="count">3</td>', page.text)
    pdf = api.call("GET", f"/sessions/{room.id}/summary.pdf", 200)
    assert pdf.headers["content-type"] == "application/pdf"
    strings = pdf_strings(pdf.content)
    assert ("Name", "3") in set(itertools.pairwise(strings))
    assert "Who reads the check-ins?" in strings


def test_participant_counts_in_the_summary_are_per_group(api: ConsultApi, room: Room) -> None:
    api.crowd(room, 7)  # groups in order: the first group twice
    api.call("POST", f"/sessions/{room.id}/end", 200, headers=room.facilitator)
    summary = api.call("POST", f"/sessions/{room.id}/summary", 200, headers=room.facilitator).json()
    assert summary["participants"] == dict.fromkeys(GROUPS, 1) | {"civil-society": 2}


BAD_JOINS = [
    ({"displayName": "", "group": "public"}, "displayName"),
    ({"displayName": "x" * 61, "group": "public"}, "displayName"),
    ({"displayName": "Ada", "group": "press"}, "group"),
    ({"displayName": "Ada", "group": "public", "language": "klingon!"}, "language"),
    ({"displayName": 7, "group": "public"}, "displayName"),
    ({"group": "public"}, "displayName"),
    ({"displayName": "Ada", "group": "public", "email": "a@b.c"}, "email"),
]


@pytest.mark.parametrize(("body", "field"), BAD_JOINS)
def test_bad_joins_name_the_field(api: ConsultApi, room: Room, body: Any, field: str) -> None:
    response = api.call("POST", f"/sessions/{room.id}/participants", json=body)
    assert response.status_code == 400, response.text
    assert response.json()["error"].startswith(f"{field}"), response.json()


BAD_POLLS = [
    ({"kind": "ranking", "question": "q"}, "kind"),
    ({"kind": "single", "question": "q", "options": ["a"]}, "options"),
    ({"kind": "single", "question": "q", "options": ["a", "a"]}, "options"),
    ({"kind": "single", "question": "", "options": ["a", "b"]}, "question"),
    ({"kind": "multiple", "question": "q", "options": ["a", "b"], "maxChoices": 3}, "maxChoices"),
    ({"kind": "scale", "question": "q", "scaleMin": 3, "scaleMax": 1}, "scaleMax"),
    ({"kind": "wordcloud", "question": "q", "maxWords": 9}, "maxWords"),
    ({"kind": "single", "question": "q", "options": "ab"}, "options"),
]


@pytest.mark.parametrize(("body", "field"), BAD_POLLS)
def test_bad_polls_name_the_field(api: ConsultApi, room: Room, body: Any, field: str) -> None:
    response = api.call("POST", f"/sessions/{room.id}/polls", json=body, headers=room.facilitator)
    assert response.status_code == 400, response.text
    assert response.json()["error"].startswith(field), response.json()


BAD_BALLOTS = [
    ({}, "choices"),
    ({"choices": [2]}, "choices"),
    ({"choices": [0, 1]}, "choices"),
    ({"choices": ["0"]}, "choices"),
    ({"value": 1}, "value"),
    ({"choices": [0], "words": ["x"]}, "words"),
]


@pytest.mark.parametrize(("ballot", "field"), BAD_BALLOTS)
def test_bad_ballots_name_the_field(api: ConsultApi, room: Room, ballot: Any, field: str) -> None:
    member = api.join(room, "Ada", "public")
    poll = api.poll(room)
    response = api.vote(room, poll["id"], member, **ballot)
    assert_error(response, 400, response.json()["errorCode"], mentions=field)
    assert response.json()["error"].startswith(field)
    assert api.results(room, poll["id"])["ballots"] == 0  # a refused ballot counts nothing


def test_malformed_bodies_and_ids(api: ConsultApi, room: Room) -> None:
    response = api.http.post(
        f"/consult/api/sessions/{room.id}/participants",
        content=b"{not json",
        headers={"Content-Type": "application/json"},
    )
    assert_error(response, 400, "unparsable_request", mentions="body")
    assert_error(api.call("GET", "/sessions/short"), 400, "unparsable_request", "session_id")
    assert_error(api.call("GET", f"/sessions/{'A' * 22}"), 404, "not_found", "session")
    assert_error(api.call("GET", f"/sessions/{room.id}/polls/999"), 404, "not_found", "poll 999")
    assert_error(
        api.call("GET", f"/sessions/{room.id}/polls/0"), 400, "unparsable_request", "poll_id"
    )
    assert_error(api.call("GET", f"/sessions/{room.id}/summary"), 404, "not_found", "summary")


def test_who_may_do_what(api: ConsultApi, room: Room) -> None:
    member = api.join(room, "Ada", "public")
    other = api.room()
    stranger = api.join(other, "Bo", "government")
    poll_path = f"/sessions/{room.id}/polls"
    body = {"kind": "single", "question": "q", "options": ["a", "b"]}
    assert_error(api.call("POST", poll_path, json=body), 401, "unauthorized", "Authorization")
    assert_error(api.call("POST", poll_path, json=body, headers=member.headers), 403, "forbidden")
    assert_error(api.call("POST", poll_path, json=body, headers=room.moderator), 403, "forbidden")
    assert_error(
        api.call("POST", poll_path, json=body, headers=other.facilitator), 401, "unauthorized"
    )
    poll = api.poll(room)
    assert_error(api.vote(room, poll["id"], stranger, choices=[0]), 401, "unauthorized")
    assert_error(
        api.call(
            "POST",
            f"{poll_path}/{poll['id']}/votes",
            json={"choices": [0]},
            headers=room.facilitator,
        ),
        403,
        "forbidden",
    )
    assert_error(
        api.call("POST", "/consultations", json={"title": "x"}), 401, "unauthorized", "X-API-Key"
    )
    assert_error(
        api.call("GET", f"/sessions/{room.id}/questions/pending", headers=member.headers),
        403,
        "forbidden",
    )
    api.call("GET", f"/sessions/{room.id}/questions/pending", 200, headers=room.moderator)
    api.call("GET", f"/sessions/{room.id}/questions/pending", 200, headers=room.facilitator)
    assert_error(
        api.call(
            "PUT", f"/sessions/{room.id}/tables/1/note", json={"text": "x"}, headers=member.headers
        ),
        403,
        "forbidden",
        "table 1",
    )


def test_one_vote_per_participant(api: ConsultApi, room: Room) -> None:
    member = api.join(room, "Ada", "public")
    poll = api.poll(room)
    api.vote(room, poll["id"], member, choices=[1]).raise_for_status()
    second = api.vote(room, poll["id"], member, choices=[0])
    assert_error(second, 409, "already_voted", "poll")
    assert [r["count"] for r in api.results(room, poll["id"])["rows"]] == [0, 1]
    me = api.call("GET", f"/sessions/{room.id}/me", 200, headers=member.headers).json()
    assert me["votedPolls"] == [poll["id"]]


def test_polls_take_votes_only_while_open(api: ConsultApi, room: Room) -> None:
    member, late = api.join(room, "Ada", "public"), api.join(room, "Bo", "public")
    draft = api.poll(room, open_it=False)
    assert_error(api.vote(room, draft["id"], member, choices=[0]), 409, "invalid_state", "draft")
    assert_error(api.call("GET", f"/sessions/{room.id}/polls/{draft['id']}"), 404, "not_found")
    api.call("POST", f"/sessions/{room.id}/polls/{draft['id']}/open", 200, headers=room.facilitator)
    api.vote(room, draft["id"], member, choices=[0]).raise_for_status()
    api.call(
        "POST", f"/sessions/{room.id}/polls/{draft['id']}/close", 200, headers=room.facilitator
    )
    assert_error(api.vote(room, draft["id"], late, choices=[0]), 409, "invalid_state", "closed")
    assert_error(
        api.call("POST", f"/sessions/{room.id}/polls/{draft['id']}/open", headers=room.facilitator),
        409,
        "invalid_state",
        "cannot open",
    )


def test_an_ended_session_takes_nothing_more(api: ConsultApi, room: Room) -> None:
    member = api.join(room, "Ada", "public")
    poll = api.poll(room)
    api.call("POST", f"/sessions/{room.id}/end", 200, headers=room.facilitator)
    assert api.results(room, poll["id"]) is not None
    assert (
        api.call("GET", f"/sessions/{room.id}/polls/{poll['id']}", 200).json()["status"] == "closed"
    )
    assert_error(
        api.call(
            "POST",
            f"/sessions/{room.id}/participants",
            json={"displayName": "x", "group": "public"},
        ),
        409,
        "invalid_state",
        "ended",
    )
    assert_error(api.vote(room, poll["id"], member, choices=[0]), 409, "invalid_state")
    assert_error(
        api.call(
            "POST", f"/sessions/{room.id}/questions", json={"text": "q?"}, headers=member.headers
        ),
        409,
        "invalid_state",
    )
    assert_error(
        api.call("POST", f"/sessions/{room.id}/end", headers=room.facilitator), 409, "invalid_state"
    )


def test_questions_moderation_rules(api: ConsultApi, room: Room) -> None:
    asker, voter = api.join(room, "Ada", "public"), api.join(room, "Bo", "government")
    question = api.ask(room, asker, "Who keeps the data?")
    upvote = f"/sessions/{room.id}/questions/{question}/upvote"
    assert_error(api.call("POST", upvote, headers=voter.headers), 409, "invalid_state", "pending")
    pending = api.call("GET", f"/sessions/{room.id}/questions/pending", 200, headers=room.moderator)
    assert pending.json()["questions"][0]["text"] == "Who keeps the data?"
    assert "author" not in pending.text.lower()
    assert "Ada" not in pending.text
    api.moderate(room, question, "approve").raise_for_status()
    assert_error(api.moderate(room, question, "approve"), 409, "invalid_state", "cannot approve")
    assert_error(
        api.call("POST", upvote, headers=asker.headers), 409, "invalid_state", "own question"
    )
    api.call("POST", upvote, 200, headers=voter.headers)
    assert_error(api.call("POST", upvote, headers=voter.headers), 409, "already_upvoted")
    other = api.ask(room, voter, "Same?")
    assert_error(api.moderate(room, other, "merge", into=other), 400, "invalid_field", "into")
    assert_error(api.moderate(room, other, "merge", into=999), 404, "not_found", "question 999")
    merge = f"/sessions/{room.id}/questions/{other}/merge"
    missing = api.call("POST", merge, json={}, headers=room.moderator)
    assert_error(missing, 400, "unparsable_request", "into")
    me = api.call("GET", f"/sessions/{room.id}/me", 200, headers=asker.headers).json()
    assert me["questions"] == [
        {"id": question, "text": "Who keeps the data?", "status": "approved", "mergedInto": None}
    ]


def test_latecomers_and_leavers(api: ConsultApi, room: Room) -> None:
    people = api.crowd(room, 8)  # table size 4: two tables
    api.call("POST", f"/sessions/{room.id}/seating", 200, headers=room.facilitator)
    before = {
        p.id: api.call("GET", f"/sessions/{room.id}/me", 200, headers=p.headers).json()["table"]
        for p in people
    }
    leaver = people[0]
    api.call("DELETE", f"/sessions/{room.id}/me", 200, headers=leaver.headers)
    assert_error(
        api.call("GET", f"/sessions/{room.id}/me", headers=leaver.headers), 401, "unauthorized"
    )
    late = api.join(room, "Late", leaver.group)
    assert late.table == before[leaver.id]  # the freed seat, where their group is missing
    third = api.join(room, "Third table", "public")
    assert third.table == 3  # both tables were full
    for person in people[1:]:
        me = api.call("GET", f"/sessions/{room.id}/me", 200, headers=person.headers).json()
        assert me["table"] == before[person.id]  # nobody moved
    tables = api.call("GET", f"/sessions/{room.id}/tables", 200).json()
    assert [t["size"] for t in tables["tables"]] == [4, 4, 1]
    view = api.call(
        "GET", f"/sessions/{room.id}/facilitation", 200, headers=room.facilitator
    ).json()
    assert view["balanceProblems"]  # three tables for nine people of size 4 is off balance
    again = api.call("POST", f"/sessions/{room.id}/seating", 200, headers=room.facilitator).json()
    assert again["tableCount"] == 3
    view = api.call(
        "GET", f"/sessions/{room.id}/facilitation", 200, headers=room.facilitator
    ).json()
    assert view["balanceProblems"] == []
    mates = api.call("GET", f"/sessions/{room.id}/me", 200, headers=late.headers).json()[
        "tableMates"
    ]
    assert all(set(m) == {"displayName", "group"} for m in mates)


def _public_answers(api: ConsultApi, room: Room, polls: list[int]) -> str:
    paths = [
        f"/sessions/{room.id}",
        f"/sessions/{room.id}/polls",
        f"/sessions/{room.id}/questions",
        f"/sessions/{room.id}/tables",
        f"/sessions/{room.id}/summary",
        f"/sessions/{room.id}/summary.html",
        f"/consultations/{room.consultation}",
        *(f"/sessions/{room.id}/polls/{p}" for p in polls),
    ]
    return "\n".join(api.call("GET", path, 200).text for path in paths)


def test_results_never_expose_voters(api: ConsultApi, room: Room, database_url: str) -> None:
    people: list[Member] = [api.join(room, f"Voter{i:02d}x", GROUPS[i % 6]) for i in range(6)]
    poll = api.poll(room)
    for index, person in enumerate(people):
        api.vote(room, poll["id"], person, choices=[index % 2]).raise_for_status()
    question = api.ask(room, people[0], "A question?")
    api.moderate(room, question, "approve").raise_for_status()
    api.call(
        "POST", f"/sessions/{room.id}/questions/{question}/upvote", 200, headers=people[1].headers
    )
    api.call("POST", f"/sessions/{room.id}/end", 200, headers=room.facilitator)
    api.call("POST", f"/sessions/{room.id}/summary", 200, headers=room.facilitator)
    public = _public_answers(api, room, [poll["id"]])
    for person in people:
        assert person.name not in public
        assert person.token not in public
    assert "participantId" not in public
    # Storage keeps "that someone voted" and "what was chosen" apart, with nothing to join on.
    engine = make_engine(database_url)
    columns = {
        table: {c["name"] for c in inspect(engine).get_columns(table)}
        for table in (PollCount.__tablename__, PollVoter.__tablename__)
    }
    engine.dispose()
    assert columns[PollCount.__tablename__] == {"poll_id", "value", "shard", "count"}
    assert columns[PollVoter.__tablename__] == {"poll_id", "participant_id", "joined_at"}
