"""Arbitrary JSON to every endpoint: never a 5xx, every 4xx names the problem."""

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.server.conftest import Authority, TestClient

_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
)
_json = st.recursive(
    _scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)
_field_values = _json | st.sampled_from(
    ["confirmed", "likely", "user-report", "2024-01-01", "", "12345678", "AAAA", "a.b.c"]
)


def _bodies(fields: list[str]) -> st.SearchStrategy[Any]:
    """Mostly objects with the endpoint's own fields (so validation runs deep), some anything."""
    shaped = st.fixed_dictionaries({}, optional=dict.fromkeys(fields, _field_values))
    return shaped | _json


ENDPOINTS = {
    "/api/issue": (
        "admin",
        ["testType", "symptomDate", "testDate", "tzOffset", "uuid", "phone", "padding"],
    ),
    "/api/verify": ("device", ["code", "accept", "nonce", "padding"]),
    "/api/certificate": ("device", ["token", "ekeyhmac", "padding"]),
}


@pytest.mark.parametrize("path", sorted(ENDPOINTS))
def test_fuzz_json_bodies(client: TestClient, authority: Authority, path: str) -> None:
    role, fields = ENDPOINTS[path]
    headers = authority.admin if role == "admin" else authority.device

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(body=_bodies(fields))
    def check(body: Any) -> None:
        response = client.post(path, json=body, headers=headers)
        assert response.status_code < 500, response.text
        document = response.json()
        assert len(document["padding"]) > 1000
        if response.status_code >= 400:
            assert document["error"], document
            assert document["errorCode"], document

    check()


@pytest.mark.parametrize("literal", [b"NaN", b"Infinity", b"-Infinity"])
def test_non_json_numbers(client: TestClient, authority: Authority, literal: bytes) -> None:
    body = b'{"testType": "confirmed", "symptomDate": "2024-01-01", "tzOffset": ' + literal + b"}"
    response = client.post(
        "/api/issue", content=body, headers={**authority.admin, "Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert "tzOffset" in response.json()["error"]
