"""The consultation pages over HTTP (in-process, fresh SQLite): status codes, bad input answered
with 4xx pages or JSON (never a 500), who may open what, what each page names, and publishing a
summary attaching it to the governance proposal it consulted on."""

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from civitrace.governance.proposals import Status, list_proposals
from civitrace.server.db.consult_models import Participant
from civitrace.server.db.governance_models import ProposalKind
from tests.web.conftest import TestClient
from tests.web.test_consult_support import Made, fill_session, make_session
from tests.web.test_governance_pages_support import seed_governance

SCRIPT = {"X-Consult-Fetch": "1"}
UNKNOWN = "A" * 22


def database_url(client: TestClient) -> str:
    return str(client.app.state.settings.database_url)  # type: ignore[attr-defined]


@pytest.fixture
def made(client: TestClient) -> Made:
    return make_session(database_url(client))


def csrf(client: TestClient, path: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text)
    assert found, path
    return found.group(1)


def join(client: TestClient, made: Made, name: str = "Ana", group: str = "public") -> Any:
    token = csrf(client, f"/consult/s/{made.id}")
    return client.post(
        f"/consult/s/{made.id}",
        data={"csrf_token": token, "display_name": name, "group": group, "language": "es"},
        follow_redirects=False,
    )


def open_link(client: TestClient, made: Made, area: str, key: str) -> Any:
    token = csrf(client, f"/consult/s/{made.id}/{area}")
    return client.post(
        f"/consult/s/{made.id}/{area}/key",
        data={"csrf_token": token, "key": key},
        follow_redirects=False,
    )


def test_status_codes_of_the_public_pages(client: TestClient, made: Made) -> None:
    assert client.get("/consult").status_code == 200
    assert client.get(f"/consult/s/{made.id}").status_code == 200
    assert client.get(f"/consult/s/{made.id}/screen").status_code == 200
    assert client.get(f"/consult/s/{made.id}/summary").status_code == 404  # not published yet
    for path in ("", "/screen", "/summary", "/facilitate", "/moderate", "/me"):
        assert client.get(f"/consult/s/{UNKNOWN}{path}").status_code == 404, path
        assert client.get(f"/consult/s/not-an-id{path}").status_code == 400, path
    assert client.get(f"/consult/s/{made.id}/screen/part/nope").status_code == 404
    me = client.get(f"/consult/s/{made.id}/me", follow_redirects=False)
    assert me.status_code == 303
    assert me.headers["location"] == f"/consult/s/{made.id}"


@pytest.mark.parametrize(
    ("name", "group", "status"),
    [
        ("", "public", 400),
        ("x" * 61, "public", 400),
        ("Eve\u202e", "public", 400),
        ("Eve", "aliens", 400),
        ("Eve", "", 400),
        ("x" * 20_000, "public", 400),
    ],
)
def test_joining_refuses_bad_input(
    client: TestClient, made: Made, name: str, group: str, status: int
) -> None:
    response = join(client, made, name, group)
    assert response.status_code == status
    assert 'role="alert"' in response.text


def test_joining_keeps_only_the_declared_data(client: TestClient, made: Made) -> None:
    page = client.get(f"/consult/s/{made.id}").text
    fields = set(re.findall(r'<(?:input|select|textarea)[^>]* name="([^"]+)"', page))
    assert fields == {"csrf_token", "display_name", "group", "language"}
    response = join(client, made, "  Ana  ", "public")
    assert response.status_code == 303
    assert response.headers["location"] == f"/consult/s/{made.id}/me?lang=es"
    cookie = response.headers["set-cookie"]
    assert "ct_participant=ctp_" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie
    assert f"Path=/consult/s/{made.id}" in cookie
    with client.app.state.sessions() as db:  # type: ignore[attr-defined]
        person = db.scalars(select(Participant)).one()
        assert (person.display_name, person.stakeholder_group, person.language) == (
            "Ana",
            "public",
            "es",
        )
        assert len(person.token_hash) == 32  # only the hash of the token


def test_no_csrf_token_no_join(client: TestClient, made: Made) -> None:
    response = client.post(f"/consult/s/{made.id}", data={"display_name": "Eve", "group": "public"})
    assert response.status_code == 403


def test_participant_actions_answer_4xx_for_bad_input(client: TestClient, made: Made) -> None:
    fill_session(database_url(client), made.id)  # poll 1 open; question 1 approved (by Ana)
    token = csrf(client, f"/consult/s/{made.id}")
    vote = f"/consult/s/{made.id}/me/polls/1/vote"
    assert client.post(vote, data={"csrf_token": token, "choice": "0"}).status_code == 401
    assert join(client, made, "Dee", "government").status_code == 303
    token = csrf(client, f"/consult/s/{made.id}/me")
    cases = [
        (vote, {"choice": "x"}, 400),
        (vote, {"choice": ""}, 400),
        (vote, {"choice": "7"}, 400),
        (vote, {"choice": "99999999999"}, 400),
        (f"/consult/s/{made.id}/me/polls/999/vote", {"choice": "0"}, 404),
        (f"/consult/s/{made.id}/me/polls/0/vote", {"choice": "0"}, 400),
        (vote, {"choice": "1"}, 200),
        (vote, {"choice": "1"}, 409),  # a vote is final
        (f"/consult/s/{made.id}/me/questions", {"text": ""}, 400),
        (f"/consult/s/{made.id}/me/questions", {"text": "x" * 501}, 400),
        (f"/consult/s/{made.id}/me/questions/1/upvote", {}, 200),
        (f"/consult/s/{made.id}/me/questions/1/upvote", {}, 409),
        (f"/consult/s/{made.id}/me/questions/2/upvote", {}, 409),  # still pending
        (f"/consult/s/{made.id}/me/questions/77/upvote", {}, 404),
    ]
    for path, data, status in cases:
        response = client.post(path, data={"csrf_token": token, **data}, headers=SCRIPT)
        assert response.status_code == status, (path, data, response.text)
        assert response.json()["ok"] is (status == 200)
    page = client.post(vote, data={"csrf_token": token, "choice": "x"})
    assert page.status_code == 400
    assert page.headers["content-type"].startswith("text/html")


def test_the_links_open_only_their_pages(client: TestClient, made: Made) -> None:
    key_form = client.get(f"/consult/s/{made.id}/facilitate")
    assert key_form.status_code == 200
    assert 'name="key"' in key_form.text
    assert open_link(client, made, "facilitate", "ctf_wrong").status_code == 403
    assert open_link(client, made, "facilitate", made.moderator).status_code == 403
    token = csrf(client, f"/consult/s/{made.id}")
    poll = {"csrf_token": token, "kind": "single", "question": "Q?", "options": "A\nB"}
    assert client.post(f"/consult/s/{made.id}/facilitate/polls", data=poll).status_code == 401
    assert open_link(client, made, "moderate", made.moderator).status_code == 303
    assert "Write a poll" not in client.get(f"/consult/s/{made.id}/facilitate").text
    assert client.post(f"/consult/s/{made.id}/facilitate/polls", data=poll).status_code == 401
    assert client.get(f"/consult/s/{made.id}/moderate/part/queue").status_code == 200
    assert open_link(client, made, "facilitate", made.facilitator).status_code == 303
    assert client.post(f"/consult/s/{made.id}/facilitate/polls", data=poll).status_code == 200


@pytest.mark.parametrize(
    "fields",
    [
        {"kind": "pie", "question": "Q?"},
        {"kind": "single", "question": "Q?", "options": "only one"},
        {"kind": "scale", "question": "Q?", "scale_min": "5", "scale_max": "1"},
        {"kind": "scale", "question": "Q?", "scale_min": "one"},
        {"kind": "wordcloud", "question": "", "max_words": "2"},
        {"kind": "multiple", "question": "Q?", "options": "A\nB", "max_choices": "3"},
    ],
)
def test_bad_polls_are_400(client: TestClient, made: Made, fields: dict[str, str]) -> None:
    assert open_link(client, made, "facilitate", made.facilitator).status_code == 303
    token = csrf(client, f"/consult/s/{made.id}/facilitate")
    response = client.post(
        f"/consult/s/{made.id}/facilitate/polls", data={"csrf_token": token, **fields}
    )
    assert response.status_code == 400, response.text


def test_public_pages_name_nobody(client: TestClient, made: Made) -> None:
    fill_session(database_url(client), made.id, publish=True)
    for path in ("/screen", "/summary", ""):
        text = client.get(f"/consult/s/{made.id}{path}").text
        for name in ("Ana", "Bo", "Cy"):
            assert f">{name}<" not in text, (path, name)
            assert f" {name} " not in text, (path, name)
    assert open_link(client, made, "facilitate", made.facilitator).status_code == 303
    assert "Ana" in client.get(f"/consult/s/{made.id}/facilitate").text  # the facilitator's eyes


@pytest.fixture
def governed_client(client: TestClient) -> Iterator[TestClient]:
    """The client's server with a pending widening proposal."""
    with client.app.state.sessions() as db:  # type: ignore[attr-defined]
        seed_governance(db, client.app.state.settings.governance)  # type: ignore[attr-defined]
    return client


def _widening(client: TestClient) -> Any:
    with client.app.state.sessions() as db:  # type: ignore[attr-defined]
        return next(
            p for p in list_proposals(db, datetime.now(UTC)) if p.kind == ProposalKind.WIDENING
        )


def test_publishing_attaches_the_summary_to_its_proposal(governed_client: TestClient) -> None:
    client = governed_client
    proposal = _widening(client)
    assert proposal.consultation_summary_url is None
    assert proposal.status is Status.PENDING
    made = make_session(database_url(client), proposal_id=proposal.id)
    assert open_link(client, made, "facilitate", made.facilitator).status_code == 303
    token = csrf(client, f"/consult/s/{made.id}/facilitate")
    for action in ("end", "summary"):
        response = client.post(
            f"/consult/s/{made.id}/facilitate/{action}", data={"csrf_token": token}, headers=SCRIPT
        )
        assert response.status_code == 200, response.text
    attached = _widening(client)
    assert attached.consultation_summary_url == f"/consult/s/{made.id}/summary"
    assert attached.summary_published_at is not None
    public = client.get(f"/proposals/{proposal.id}").text
    assert f'href="/consult/s/{made.id}/summary"' in public
    assert client.get(f"/consult/s/{made.id}/summary").status_code == 200


def test_a_summary_without_a_waiting_proposal_still_publishes(
    governed_client: TestClient,
) -> None:
    made = make_session(database_url(governed_client), proposal_id=1)  # the baseline
    assert open_link(governed_client, made, "facilitate", made.facilitator).status_code == 303
    token = csrf(governed_client, f"/consult/s/{made.id}/facilitate")
    for action in ("end", "summary"):
        response = governed_client.post(
            f"/consult/s/{made.id}/facilitate/{action}", data={"csrf_token": token}
        )
        assert response.status_code == 200, response.text
    assert governed_client.get(f"/consult/s/{made.id}/summary").status_code == 200
