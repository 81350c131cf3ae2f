"""schemathesis over the statistics routes, with the project's checks (``test_schemathesis``):
never a 5xx, documented statuses, media types and bodies, schema violations refused with a 4xx
that names the field. Published releases exist, so the downloads answer 200 too."""

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.python.asgi import shutdown_lifespans
from sqlalchemy.orm import Session

from civitrace.analytics.regions import RegionSet
from civitrace.server.app import create_app
from civitrace.server.settings import Settings
from tests.analytics.server_support import publish, regions, session
from tests.server.test_schemathesis import CHECKS, assert_error_names_the_problem

__all__ = ["regions", "session"]  # fixtures the tests below use

MAX_EXAMPLES = 40

OPERATIONS = [
    ("GET", "/stats/releases.json"),
    ("GET", "/stats/releases/{release_id}.json"),
    ("GET", "/stats/releases/{release_id}.csv"),
    ("GET", "/stats/latest.json"),
    ("GET", "/stats/latest.csv"),
    ("GET", "/stats/usage.json"),
    ("POST", "/v1/usage"),
]


@pytest.fixture(scope="module")
def schema(settings: Settings) -> Iterator[Any]:
    app = create_app(settings)
    yield schemathesis.openapi.from_asgi("/openapi.json", app)
    shutdown_lifespans()


@pytest.fixture
def release_id(session: Session, regions: RegionSet) -> str:
    """A published release of every kind; the id of the cases one."""
    for kind in ("age_bands", "test_positivity", "venue_warnings"):
        publish(session, regions, kind, epsilon=0.5)
    return publish(session, regions, "cases", epsilon=0.5)[0].release_id


def test_every_statistics_operation_is_fuzzed(schema: Any) -> None:
    documented = {
        (operation.ok().method.upper(), operation.ok().path)
        for operation in schema.get_all_operations()
    }
    assert set(OPERATIONS) <= documented


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_operation_conforms(schema: Any, release_id: str, method: str, path: str) -> None:
    operation = schema[path][method]
    strategies = [
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE),
    ]
    if "{release_id}" in path:
        fixed = {"release_id": release_id}
        strategies.append(operation.as_strategy(GenerationMode.POSITIVE, path_parameters=fixed))

    @settings(
        max_examples=MAX_EXAMPLES,
        phases=[Phase.explicit, Phase.generate],
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=st.one_of(strategies))
    def check(case: Any) -> None:
        response = case.call()
        case.validate_response(response, checks=CHECKS)
        assert_error_names_the_problem(response, f"{method} {path}")

    check()
