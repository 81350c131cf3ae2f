"""schemathesis over ``/openapi.json``: every operation, with and without valid credentials.

The schema is loaded from the ASGI app itself (``schemathesis.openapi.from_asgi``), so what is
fuzzed is exactly what the server documents. For each operation, schemathesis generates both
schema-valid (positive) and schema-violating (negative) requests, and every response must pass:

- ``not_a_server_error``: never a 5xx;
- ``status_code_conformance``, ``content_type_conformance``, ``response_headers_conformance``,
  ``response_schema_conformance``: status, media type, headers and body are the documented ones;
- ``negative_data_rejection``: a request that violates the schema is refused with a 4xx;
- every 4xx is a JSON object whose ``error`` is a non-empty string that is neither a bare HTTP
  reason phrase nor a framework's generic message, and, for every refusal of the request's
  content (all 4xx but 404/405, which name the resource), has the ``field: problem`` shape
  (DESIGN §9). This includes ``/exports/…``: its 200s are ``text/plain`` (``index.txt``) or
  ``application/zip``, but a refusal (404, 405) is the API's JSON error body like everywhere
  else, so a client never has to guess the shape of an error from the path.

Credentials: "with keys" injects what the operation needs (an ADMIN key for ``/api/issue``,
``/api/batch-issue``, ``/api/checkcodestatus``, ``/api/expirecode`` and ``/metrics``, a DEVICE
key for ``/api/verify`` and ``/api/certificate``, a federation grant's bearer credential for
``/federation/v1/fetch``); "without keys" sends whatever schemathesis
generates (usually nothing), so the refusal paths are fuzzed too.

Bounded and reproducible: ``derandomize=True`` (the examples are a function of the test), no
example database, no shrinking (a failure is reported at once, with schemathesis' reproduction),
``MAX_EXAMPLES`` per operation and credential mode (≈ 12 s per database on 2 cores). Runs on
both databases of the conftest. Bugs it found are pinned by ``test_undecodable_body_is_named``.
"""

import re
from collections.abc import Iterator
from http import HTTPStatus
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.python.asgi import shutdown_lifespans
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from civitrace.server.app import create_app
from civitrace.server.consult.views import PREFIX as CONSULT_PREFIX
from civitrace.server.db import make_engine, session_factory
from civitrace.server.federation.peers import create_grant
from civitrace.server.settings import Settings
from tests.server.conftest import Authority, TestClient
from tests.server.test_presence_support import PRESENCE_OPERATIONS

MAX_EXAMPLES = 50

OPERATIONS = [
    ("POST", "/api/issue"),
    ("POST", "/api/batch-issue"),
    ("POST", "/api/checkcodestatus"),
    ("POST", "/api/expirecode"),
    ("POST", "/api/verify"),
    ("POST", "/api/certificate"),
    ("POST", "/v1/publish"),
    ("POST", "/federation/v1/fetch"),
    ("GET", "/exports/{region}/{name}"),
    ("GET", "/metrics"),
    ("GET", "/health"),
    ("GET", "/transparency.json"),
    ("GET", "/governance/proposals.json"),
    ("GET", "/governance/access-requests.json"),
    ("GET", "/stats/releases.json"),
    ("GET", "/stats/releases/{release_id}.json"),
    ("GET", "/stats/releases/{release_id}.csv"),
    ("GET", "/stats/latest.json"),
    ("GET", "/stats/latest.csv"),
    ("GET", "/stats/usage.json"),
    ("POST", "/v1/usage"),
]


@schemathesis.check
def negative_data_refused(ctx: Any, response: Any, case: Any) -> bool | None:
    """schemathesis's ``negative_data_rejection``, counting 413 as a refusal too: a
    schema-violating body over the size cap is refused before it is parsed."""
    if response.status_code == 413:
        return None
    result: bool | None = negative_data_rejection(ctx, response, case)
    return result


CHECKS = [
    negative_data_refused,
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]

EXPORT_REGION = "XS"  # a region no other test uses; its index.txt is written below


@pytest.fixture(scope="module")
def schema(settings: Settings) -> Iterator[Any]:
    """The schema of a fresh app over the conftest database (one per backend)."""
    app = create_app(settings)
    loaded = schemathesis.openapi.from_asgi("/openapi.json", app)
    yield loaded
    shutdown_lifespans()


@pytest.fixture
def credentials(
    client: TestClient, authority: Authority, database_url: str, settings: Settings
) -> dict[str, dict[str, str]]:
    """Headers that authenticate each operation (the database was just emptied)."""
    engine = make_engine(database_url)
    with session_factory(engine)() as session:
        grant = create_grant(session, "schemathesis peer", ["ZZ"])
        session.commit()
    engine.dispose()
    index = settings.data_dir / "exports" / EXPORT_REGION / "index.txt"
    index.parent.mkdir(parents=True, exist_ok=True)
    index.write_text(f"{EXPORT_REGION}/1700000000-1700003600-00001.zip\n")
    return {
        "/api/issue": authority.admin,
        "/api/batch-issue": authority.admin,
        "/api/checkcodestatus": authority.admin,
        "/api/expirecode": authority.admin,
        "/metrics": authority.admin,
        "/api/verify": authority.device,
        "/api/certificate": authority.device,
        "/federation/v1/fetch": {"Authorization": f"Bearer {grant.credential}"},
    }


GENERIC_MESSAGES = {phrase.phrase.lower() for phrase in HTTPStatus} | {
    "there was an error parsing the body",  # FastAPI's default for an undecodable body
}
"""Messages that say that something is wrong but not what: never acceptable."""

NAMES_A_FIELD = re.compile(r"^.+?: \S", re.DOTALL)
"""``field: problem``, the shape of every refusal of the client's input (DESIGN §9)."""

NAMED_RESOURCE_STATUSES = {404, 405}
"""Statuses about the URL or method rather than a field: the message names the resource."""


def assert_error_names_the_problem(response: Any, label: str) -> None:
    """A 4xx is a JSON object whose ``error`` is a non-empty, specific message; refusals of
    the request's content (every 4xx but 404/405) name the field as ``field: problem``."""
    status = response.status_code
    if not 400 <= status < 500:
        return
    try:
        body = response.json()
    except ValueError:
        pytest.fail(f"{label}: {status} is not JSON: {response.text[:200]!r}")
    assert isinstance(body, dict), f"{label}: {status} body {body!r}"
    error = body.get("error")
    assert isinstance(error, str), f"{label}: {status} without error: {body!r}"
    assert error.strip(), f"{label}: {status} with an empty error: {body!r}"
    assert error.strip().lower() not in GENERIC_MESSAGES, f"{label}: {status} says only {error!r}"
    if status not in NAMED_RESOURCE_STATUSES:
        assert NAMES_A_FIELD.match(error), f"{label}: {status} names no field: {error!r}"


def _strategy(operation: Any, headers: dict[str, str] | None) -> Any:
    kwargs: dict[str, Any] = {"headers": headers} if headers else {}
    strategies = [
        operation.as_strategy(GenerationMode.POSITIVE, **kwargs),
        operation.as_strategy(GenerationMode.NEGATIVE, **kwargs),
    ]
    if "{region}" in operation.path:
        for name in ("index.txt", "1700000000-1700003600-00001.zip"):
            fixed = {"region": EXPORT_REGION, "name": name}
            strategies.append(
                operation.as_strategy(GenerationMode.POSITIVE, path_parameters=fixed, **kwargs)
            )
    return st.one_of(strategies)


@pytest.mark.parametrize("with_keys", [True, False], ids=["with-keys", "without-keys"])
@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_operation_conforms(
    schema: Any,
    credentials: dict[str, dict[str, str]],
    method: str,
    path: str,
    with_keys: bool,
) -> None:
    operation = schema[path][method]
    headers = credentials.get(path) if with_keys else None

    @settings(
        max_examples=MAX_EXAMPLES,
        phases=[Phase.explicit, Phase.generate],  # no shrinking: a failure reports at once
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=_strategy(operation, headers))
    def check(case: Any) -> None:
        response = case.call()
        case.validate_response(response, checks=CHECKS)
        assert_error_names_the_problem(response, f"{method} {path}")

    check()


def test_every_documented_operation_is_fuzzed(schema: Any) -> None:
    documented = {
        (operation.ok().method.upper(), operation.ok().path)
        for operation in schema.get_all_operations()
    }
    consultations = {op for op in documented if op[1].startswith(CONSULT_PREFIX)}
    # test_consult_schemathesis.py fuzzes the consultation API with its own credentials
    assert documented - consultations == set(OPERATIONS) | set(PRESENCE_OPERATIONS)


UNDECODABLE_BODIES = {
    "binary": b"\xe3k<\x05\x8e\xbc",
    "latin-1-in-json": b'{"testType": "\xe3"}',
    "nested-arrays": b"[" * 30_000 + b"]" * 30_000,  # under the 64 000-byte cap
    "nested-objects": b'{"a":' * 10_000 + b"1" + b"}" * 10_000,
}
UNPARSABLE_CODES = {
    "/api/issue": ("errorCode", "unparsable_request"),
    "/api/batch-issue": ("errorCode", "unparsable_request"),
    "/api/checkcodestatus": ("errorCode", "unparsable_request"),
    "/api/expirecode": ("errorCode", "unparsable_request"),
    "/api/verify": ("errorCode", "unparsable_request"),
    "/api/certificate": ("errorCode", "token_invalid"),  # Google's code for a bad body there
    "/v1/publish": ("code", "bad_request"),
    "/federation/v1/fetch": ("errorCode", "unparsable_request"),
}


@pytest.mark.parametrize("kind", sorted(UNDECODABLE_BODIES))
@pytest.mark.parametrize("path", sorted(UNPARSABLE_CODES))
def test_undecodable_body_is_named(
    client: TestClient, credentials: dict[str, dict[str, str]], path: str, kind: str
) -> None:
    """Found by schemathesis: FastAPI answered a body that is not UTF-8 (and, found while
    fixing that, JSON nested past Python's recursion limit) with its generic "There was an
    error parsing the body", and with ``unparsable_request`` instead of ``token_invalid`` on
    /api/certificate."""
    headers = {**credentials.get(path, {}), "Content-Type": "application/json"}
    response = client.post(path, content=UNDECODABLE_BODIES[kind], headers=headers)
    assert response.status_code == 400, response.text
    document = response.json()
    field, code = UNPARSABLE_CODES[path]
    assert document[field] == code, document
    assert document["error"].startswith("body: is not valid JSON"), document["error"]
