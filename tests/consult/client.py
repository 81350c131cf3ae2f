"""A thin client of ``/consult/api`` for tests and the benchmark's checks.

It wraps anything with httpx's ``request`` method (httpx.Client, Starlette's TestClient), so the
same calls run in-process and against a real server.
"""

from dataclasses import dataclass
from typing import Any, Protocol

BASE = "/consult/api"
GROUPS = (
    "civil-society",
    "private-sector",
    "government",
    "technical-community",
    "intergovernmental",
    "public",
)


class Http(Protocol):
    def request(self, method: str, url: str, **kwargs: Any) -> Any: ...


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@dataclass
class Member:
    """A participant as the tests hold them: their id, token and what they joined with."""

    id: int
    token: str
    name: str
    group: str
    table: int | None

    @property
    def headers(self) -> dict[str, str]:
        return bearer(self.token)


@dataclass
class Room:
    """A session and its two secret links."""

    consultation: str
    id: str
    facilitator_token: str
    moderator_token: str

    @property
    def facilitator(self) -> dict[str, str]:
        return bearer(self.facilitator_token)

    @property
    def moderator(self) -> dict[str, str]:
        return bearer(self.moderator_token)


class ConsultApi:
    def __init__(self, http: Http, admin_key: str) -> None:
        self.http = http
        self.staff = {"X-API-Key": admin_key}

    def call(self, method: str, path: str, expect: int | None = None, **kwargs: Any) -> Any:
        response = self.http.request(method, f"{BASE}{path}", **kwargs)
        if expect is not None:
            assert response.status_code == expect, (
                method,
                path,
                response.status_code,
                response.text,
            )
        return response

    def room(
        self, *, table_size: int = 4, proposal_id: int | None = 7, title: str = "Session"
    ) -> Room:
        consultation = self.call(
            "POST",
            "/consultations",
            201,
            json={"title": "Venue check-in law", "proposalId": proposal_id},
            headers=self.staff,
        ).json()["id"]
        created = self.call(
            "POST",
            f"/consultations/{consultation}/sessions",
            201,
            json={"title": title, "tableSize": table_size},
            headers=self.staff,
        ).json()
        return Room(
            consultation, created["id"], created["facilitatorToken"], created["moderatorToken"]
        )

    def join(self, room: Room, name: str, group: str, language: str = "en") -> Member:
        body = self.call(
            "POST",
            f"/sessions/{room.id}/participants",
            201,
            json={"displayName": name, "group": group, "language": language},
        ).json()
        return Member(body["participantId"], body["token"], name, group, body["table"])

    def crowd(self, room: Room, count: int) -> list[Member]:
        return [self.join(room, f"Person {i}", GROUPS[i % len(GROUPS)]) for i in range(count)]

    def poll(self, room: Room, open_it: bool = True, **fields: Any) -> dict[str, Any]:
        body = {"kind": "single", "question": "Mandatory check-in?", "options": ["Yes", "No"]}
        body.update(fields)
        poll: dict[str, Any] = self.call(
            "POST", f"/sessions/{room.id}/polls", 201, json=body, headers=room.facilitator
        ).json()
        if open_it:
            poll = self.call(
                "POST",
                f"/sessions/{room.id}/polls/{poll['id']}/open",
                200,
                headers=room.facilitator,
            ).json()
        return poll

    def vote(self, room: Room, poll_id: int, member: Member, **ballot: Any) -> Any:
        return self.call(
            "POST",
            f"/sessions/{room.id}/polls/{poll_id}/votes",
            json=ballot,
            headers=member.headers,
        )

    def results(self, room: Room, poll_id: int) -> dict[str, Any]:
        poll: dict[str, Any] = self.call("GET", f"/sessions/{room.id}/polls/{poll_id}", 200).json()
        results: dict[str, Any] = poll["results"]
        return results

    def ask(self, room: Room, member: Member, text: str) -> int:
        body = self.call(
            "POST",
            f"/sessions/{room.id}/questions",
            201,
            json={"text": text},
            headers=member.headers,
        ).json()
        return int(body["id"])

    def moderate(self, room: Room, question: int, action: str, **body: Any) -> Any:
        return self.call(
            "POST",
            f"/sessions/{room.id}/questions/{question}/{action}",
            json=body or None,
            headers=room.moderator,
        )
