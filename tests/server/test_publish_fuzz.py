"""Arbitrary bodies to ``/v1/publish``: never a 5xx; every 4xx is JSON naming the problem."""

import base64
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.server.conftest import Authority, TestClient

_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**40), max_value=2**40)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=24)
)
_json = st.recursive(
    _scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)
_b64 = st.binary(min_size=0, max_size=20).map(lambda b: base64.b64encode(b).decode())
_key = st.fixed_dictionaries(
    {},
    optional={
        "key": _b64 | _json,
        "rollingStartNumber": st.integers(min_value=-(2**32), max_value=2**32) | _json,
        "rollingPeriod": st.integers(min_value=-2, max_value=300) | _json,
        "transmissionRisk": st.integers(min_value=-2, max_value=10) | _json,
    },
)
_body = st.fixed_dictionaries(
    {},
    optional={
        "temporaryExposureKeys": st.lists(_key, max_size=5) | _json,
        "healthAuthorityID": st.sampled_from(["Demo Health Authority", "", "x"]) | _json,
        "verificationPayload": st.sampled_from(["a.b.c", "", "eyJhbGciOiJFUzI1NiJ9.e30.AA"])
        | _json,
        "hmacKey": _b64 | _json,
        "symptomOnsetInterval": st.integers(min_value=-(2**32), max_value=2**32) | _json,
        "traveler": st.booleans() | _json,
        "revisionToken": _b64 | _json,
        "padding": _b64 | _json,
    },
)


def test_fuzz_publish_bodies(client: TestClient, authority: Authority) -> None:
    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(body=_body | _json)
    def check(body: Any) -> None:
        response = client.post("/v1/publish", json=body)
        assert response.status_code < 500, response.text
        assert response.headers["x-api-version"] == "v1"
        document = response.json()
        assert len(document["padding"]) > 1000
        assert response.status_code >= 400  # nothing random carries a valid certificate
        assert document["code"], document
        problem = document["error"]
        assert ":" in problem, problem  # "<field>: <what is wrong>"

    check()


def test_fuzz_raw_bytes(client: TestClient) -> None:
    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(raw=st.binary(max_size=200))
    def check(raw: bytes) -> None:
        response = client.post(
            "/v1/publish", content=raw, headers={"Content-Type": "application/json"}
        )
        assert 400 <= response.status_code < 500, response.text
        assert response.json()["code"] == "bad_request"

    check()
