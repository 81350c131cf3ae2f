"""Live consultation updates over real HTTP (uvicorn), on SQLite and on PostgreSQL.

Server-Sent Events carry poll openings, tallies, accepted questions and upvotes, joins and
seating to a subscribed client; one vote per participant holds when the same participant
votes many times at once; concurrent ballots of many participants are all counted.
"""

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from civitrace.server.app import create_app
from civitrace.server.settings import Settings
from tests.consult.client import ConsultApi, Room
from tests.consult.live import Listener, serve_in_thread
from tests.server.conftest import Authority, TestClient


@pytest.fixture(scope="module")
def base_url(settings: Settings) -> Iterator[str]:
    with serve_in_thread(create_app(settings)) as url:
        yield url


@pytest.fixture
def api(base_url: str, client: TestClient, authority: Authority) -> Iterator[ConsultApi]:
    """The API over real HTTP, on an emptied database."""
    with httpx.Client(base_url=base_url, timeout=30.0) as http:
        yield ConsultApi(http, authority.admin_key)


@pytest.fixture
def room(api: ConsultApi) -> Room:
    return api.room(table_size=3)


@pytest.fixture
def listener(base_url: str, room: Room) -> Iterator[Listener]:
    listening = Listener(base_url, room.id)
    yield listening
    listening.close()


def test_events_follow_the_session(api: ConsultApi, room: Room, listener: Listener) -> None:
    first = listener.wait_for("session")
    assert first["participantTotal"] == 0
    assert first["status"] == "open"
    assert listener.wait_for("questions") == {"questions": []}
    assert listener.wait_for("queue") == {"pending": 0}

    people = api.crowd(room, 4)
    listener.wait_for("session", lambda d: d["participantTotal"] == 4)
    api.call("POST", f"/sessions/{room.id}/seating", 200, headers=room.facilitator)
    listener.wait_for("seating", lambda d: d["tableCount"] == 2 and d["table"] is None)

    poll = api.poll(room, open_it=False)
    api.call("POST", f"/sessions/{room.id}/polls/{poll['id']}/open", 200, headers=room.facilitator)
    opened = listener.wait_for("poll", lambda d: d["id"] == poll["id"])
    assert opened["status"] == "open"
    assert opened["results"]["ballots"] == 0
    api.vote(room, poll["id"], people[0], choices=[1]).raise_for_status()
    tally = listener.wait_for("tally", lambda d: d["results"]["ballots"] == 1)
    assert tally["pollId"] == poll["id"]
    assert [row["count"] for row in tally["results"]["rows"]] == [0, 1]
    assert "Person" not in str(tally)  # counts, never voters

    question = api.ask(room, people[1], "Who keeps the data?")
    listener.wait_for("queue", lambda d: d["pending"] == 1)
    api.moderate(room, question, "approve").raise_for_status()
    listener.wait_for("questions", lambda d: [q["id"] for q in d["questions"]] == [question])
    api.call(
        "POST", f"/sessions/{room.id}/questions/{question}/upvote", 200, headers=people[2].headers
    )
    upvoted = listener.wait_for(
        "questions", lambda d: bool(d["questions"]) and d["questions"][0]["upvotes"] == 1
    )
    assert upvoted["questions"][0]["text"] == "Who keeps the data?"

    late = api.join(room, "Late", "public")
    listener.wait_for("seating", lambda d: d["table"] == late.table)
    api.call("POST", f"/sessions/{room.id}/polls/{poll['id']}/close", 200, headers=room.facilitator)
    listener.wait_for("poll", lambda d: d["id"] == poll["id"] and d["status"] == "closed")
    api.call("POST", f"/sessions/{room.id}/end", 200, headers=room.facilitator)
    listener.wait_for("session", lambda d: d["status"] == "ended")


def test_a_new_subscriber_starts_from_the_current_state(
    api: ConsultApi, base_url: str, room: Room
) -> None:
    member = api.join(room, "Ada", "public")
    poll = api.poll(room)
    api.vote(room, poll["id"], member, choices=[0]).raise_for_status()
    late = Listener(base_url, room.id)
    try:
        state = late.wait_for("poll", lambda d: d["id"] == poll["id"])
        assert state["results"]["ballots"] == 1
    finally:
        late.close()


def test_events_of_an_unknown_session_are_a_404(api: ConsultApi) -> None:
    response = api.call("GET", f"/sessions/{'Z' * 22}/events")
    assert response.status_code == 404
    assert response.json()["errorCode"] == "not_found"


def test_one_vote_per_participant_under_concurrency(api: ConsultApi, room: Room) -> None:
    member = api.join(room, "Ada", "public")
    poll = api.poll(room)
    with ThreadPoolExecutor(max_workers=16) as pool:
        statuses = list(
            pool.map(
                lambda i: api.vote(room, poll["id"], member, choices=[i % 2]).status_code, range(16)
            )
        )
    assert sorted(statuses) == [201] + [409] * 15
    results = api.results(room, poll["id"])
    assert results["ballots"] == 1
    assert sum(row["count"] for row in results["rows"]) == 1


def test_concurrent_ballots_are_all_counted(
    api: ConsultApi, room: Room, listener: Listener
) -> None:
    people = api.crowd(room, 30)
    poll = api.poll(room, kind="multiple", options=["a", "b", "c"], maxChoices=2)
    ballots = [[i % 3] if i % 2 else [i % 3, (i + 1) % 3] for i in range(30)]
    with ThreadPoolExecutor(max_workers=12) as pool:
        statuses = list(
            pool.map(
                lambda pair: api.vote(room, poll["id"], pair[0], choices=pair[1]).status_code,
                zip(people, ballots, strict=True),
            )
        )
    assert statuses == [201] * 30
    expected = [sum(1 for b in ballots if option in b) for option in range(3)]
    assert [r["count"] for r in api.results(room, poll["id"])["rows"]] == expected
    final = listener.wait_for("tally", lambda d: d["results"]["ballots"] == 30)
    assert [r["count"] for r in final["results"]["rows"]] == expected
