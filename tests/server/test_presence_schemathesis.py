"""schemathesis over the presence routes of ``/openapi.json``, with the checks and the error
rule of ``test_schemathesis.py`` (never a 5xx; documented statuses, media types and bodies;
schema-violating requests refused; every 4xx a JSON ``field: problem``).

:data:`~tests.server.test_presence_support.PRESENCE_OPERATIONS` is what this module fuzzes;
``test_schemathesis.py`` fuzzes the rest, and its completeness test counts both lists once the
router is registered.
"""

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.python.asgi import shutdown_lifespans

from civitrace.presence.warning_package import TraceWarningPackage, encode_package
from civitrace.server.exports.storage import MemoryStorage
from civitrace.server.settings import Settings
from tests.server.conftest import Authority
from tests.server.test_presence_support import PRESENCE_OPERATIONS, TestClient, presence_app
from tests.server.test_schemathesis import CHECKS, assert_error_names_the_problem

MAX_EXAMPLES = 40

REGION = "XP"  # a region no other test uses; its files are put in the app's storage
HOUR = 480_000


@pytest.fixture(scope="module")
def schema(settings: Settings) -> Iterator[Any]:
    app = presence_app(settings)
    storage = app.state.export_storage
    assert isinstance(storage, MemoryStorage)
    storage.put(f"presence/{REGION}/index.txt", str(HOUR).encode(), "text/plain")
    empty = encode_package(TraceWarningPackage(HOUR, REGION))
    storage.put(f"presence/{REGION}/{HOUR}.bin", empty, "application/octet-stream")
    loaded = schemathesis.openapi.from_asgi("/openapi.json", app)
    yield loaded
    shutdown_lifespans()


@pytest.fixture
def credentials(client: TestClient, authority: Authority) -> dict[str, dict[str, str]]:
    """Headers for the staff routes (the database was just emptied by ``client``)."""
    return {path: authority.admin for _, path in PRESENCE_OPERATIONS if "submissions" in path} | {
        "/v1/presence/warnings": authority.admin
    }


def _strategy(operation: Any, headers: dict[str, str] | None) -> Any:
    kwargs: dict[str, Any] = {"headers": headers} if headers else {}
    strategies = [
        operation.as_strategy(GenerationMode.POSITIVE, **kwargs),
        operation.as_strategy(GenerationMode.NEGATIVE, **kwargs),
    ]
    if "{region}" in operation.path:
        for name in ("index.txt", f"{HOUR}.bin"):
            fixed = {"region": REGION, "name": name}
            strategies.append(
                operation.as_strategy(GenerationMode.POSITIVE, path_parameters=fixed, **kwargs)
            )
    return st.one_of(strategies)


@pytest.mark.parametrize("with_keys", [True, False], ids=["with-keys", "without-keys"])
@pytest.mark.parametrize(
    ("method", "path"), PRESENCE_OPERATIONS, ids=[f"{m} {p}" for m, p in PRESENCE_OPERATIONS]
)
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
        phases=[Phase.explicit, Phase.generate],
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


def test_every_presence_operation_is_fuzzed(schema: Any) -> None:
    documented = {
        (operation.ok().method.upper(), operation.ok().path)
        for operation in schema.get_all_operations()
    }
    presence = {(m, p) for m, p in documented if "presence" in p}
    assert presence == set(PRESENCE_OPERATIONS)
