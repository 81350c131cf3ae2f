"""schemathesis over every ``/consult/api`` operation, on SQLite and on PostgreSQL.

The same checks as ``test_schemathesis.py`` (never a 5xx; status, media type, headers and body
as documented; schema-violating requests refused with a 4xx; every 4xx a JSON error that names
the field), with and without credentials. "With credentials" sends what the operation needs
(the staff key, the facilitator's, the moderator's or a participant's token) and, half of the
time, the ids of a real session, poll and question, so positive cases reach the service code and
not only the 404 of an unknown id. The event stream is only fuzzed with generated ids: on a
real session it never ends.
"""

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.python.asgi import shutdown_lifespans

from civitrace.server.app import create_app
from civitrace.server.consult.views import PREFIX, router
from civitrace.server.settings import Settings
from tests.consult.client import ConsultApi
from tests.server.conftest import Authority, TestClient
from tests.server.test_schemathesis import CHECKS, assert_error_names_the_problem

MAX_EXAMPLES = 25
EVENTS = f"{PREFIX}/sessions/{{session_id}}/events"


@pytest.fixture(scope="module")
def app(settings: Settings) -> Any:
    return create_app(settings)


@pytest.fixture(scope="module")
def schema(app: Any) -> Iterator[Any]:
    loaded = schemathesis.openapi.from_asgi("/openapi.json", app)
    yield loaded
    shutdown_lifespans()


def _documented_operations() -> list[tuple[str, str]]:
    bare = FastAPI()
    bare.include_router(router)
    return sorted(
        (method.upper(), path)
        for path, operations in bare.openapi()["paths"].items()
        for method in operations
    )


OPERATIONS = _documented_operations()


@pytest.fixture(scope="module")
def _setup_http(settings: Settings) -> Iterator[TestClient]:
    """Another app over the same database, to build the data the fuzzed one is asked about."""
    with TestClient(create_app(settings)) as http:
        yield http


@pytest.fixture
def world(_setup_http: TestClient, client: TestClient, authority: Authority) -> dict[str, Any]:
    """A session with a participant, an open poll and a pending question; and credentials."""
    api = ConsultApi(_setup_http, authority.admin_key)
    room = api.room()
    member = api.join(room, "Ada", "public")
    poll = api.poll(room)
    question = api.ask(room, member, "Who keeps the data?")
    return {
        "ids": {
            "consultation_id": room.consultation,
            "session_id": room.id,
            "poll_id": poll["id"],
            "question_id": question,
            "table": 1,
        },
        "staff": {"X-API-Key": authority.admin_key},
        "facilitator": room.facilitator,
        "moderator": room.moderator,
        "participant": member.headers,
    }


PARTICIPANT_SUFFIXES = ("/participants", "/me", "/votes", "/upvote")


def _credentials(method: str, path: str, world: dict[str, Any]) -> dict[str, str] | None:
    if path.endswith(("/consultations", "/sessions")) and method == "POST":
        return dict(world["staff"])
    if method == "GET" and not path.endswith(("/facilitation", "/pending", "/me")):
        return None  # public
    if path.endswith(PARTICIPANT_SUFFIXES) or (method == "POST" and path.endswith("/questions")):
        return dict(world["participant"])
    if path.endswith(("/approve", "/reject", "/merge", "/answer", "/pending")):
        return dict(world["moderator"])
    return dict(world["facilitator"])


def _strategy(operation: Any, headers: dict[str, str] | None, ids: dict[str, Any] | None) -> Any:
    kwargs: dict[str, Any] = {"headers": headers} if headers else {}
    strategies = [
        operation.as_strategy(GenerationMode.POSITIVE, **kwargs),
        operation.as_strategy(GenerationMode.NEGATIVE, **kwargs),
    ]
    if ids is not None and operation.path != EVENTS:
        wanted = {p.name for p in operation.path_parameters}
        fixed = {name: ids[name] for name in wanted}
        if fixed:  # twice as often as random ids: real ids reach the service code
            for mode in (GenerationMode.POSITIVE, GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                strategies.append(operation.as_strategy(mode, path_parameters=fixed, **kwargs))
    return st.one_of(strategies)


@pytest.mark.parametrize("with_keys", [True, False], ids=["with-keys", "without-keys"])
@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_operation_conforms(
    schema: Any, world: dict[str, Any], method: str, path: str, with_keys: bool
) -> None:
    operation = schema[path][method]
    headers = _credentials(method, path, world) if with_keys else None
    ids = world["ids"] if with_keys else None

    @settings(
        max_examples=MAX_EXAMPLES,
        phases=[Phase.explicit, Phase.generate],  # no shrinking: a failure reports at once
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=_strategy(operation, headers, ids))
    def check(case: Any) -> None:
        response = case.call()
        case.validate_response(response, checks=CHECKS)
        assert_error_names_the_problem(response, f"{method} {path}")

    check()


def test_every_consult_operation_is_fuzzed(schema: Any) -> None:
    documented = {
        (operation.ok().method.upper(), operation.ok().path)
        for operation in schema.get_all_operations()
        if operation.ok().path.startswith(PREFIX)
    }
    assert documented == set(OPERATIONS)
