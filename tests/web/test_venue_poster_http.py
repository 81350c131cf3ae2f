"""``POST /venue/poster`` over HTTP: what it answers, and that bad input of any shape gets a 4xx
JSON error naming the field, never a 5xx (hypothesis fuzzes the body)."""

import json
import warnings
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.exceptions import StarletteDeprecationWarning

from civitrace.presence.payload import (
    CrowdNotifierData,
    CWALocationData,
    QRCodePayload,
    TraceLocation,
    TraceLocationType,
    Venue,
)
from civitrace.presence.poster import qr_code
from civitrace.presence.url import b64url_encode, check_in_url
from tests.presence.test_poster_support import qr_matrix, read_pdf

with warnings.catch_warnings():
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient

PATH = "/venue/poster"
FIELDS = {"payload", "languages", "paper", "format", "host", "body"}
SHOP = Venue.create(
    "Icecream Shop",
    "Main Street 1",
    type=TraceLocationType.PERMANENT_FOOD_SERVICE,
    default_check_in_length_minutes=30,
    seed=bytes(range(16)),
)
PAYLOAD = b64url_encode(SHOP.raw)


def _raw(description: str, address: str = "Main Street 1", kind: int = 4, length: int = 30) -> str:
    """A payload that may break the rules (Venue.create would refuse it)."""
    payload = QRCodePayload(
        TraceLocation(description, address),
        CrowdNotifierData(bytes(16)),
        CWALocationData(kind, length),
    )
    return b64url_encode(payload.encode())


def _error(response: Any) -> str:
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:300])
    assert response.headers["content-type"].startswith("application/json")
    return str(response.json()["error"])


def test_pdf_poster(client: TestClient) -> None:
    response = client.post(
        PATH,
        json={
            "payload": PAYLOAD,
            "languages": ["ko", "en"],
            "paper": "letter",
            "host": "x.example",
        },
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == 'attachment; filename="poster-letter.pdf"'
    assert response.headers["cache-control"] == "no-store"
    page = read_pdf(response.content)
    assert page.lines[0] == "여기에서 체크인"
    expected = qr_code(check_in_url(SHOP.raw, "x.example")).matrix
    assert qr_matrix(page) == [[1 if dark else 0 for dark in row] for row in expected]


def test_svg_poster_and_preview_default_to_the_requests_host(client: TestClient) -> None:
    svg = client.post(PATH, json={"payload": PAYLOAD, "format": "svg"})
    assert svg.status_code == 200
    assert svg.headers["content-type"].startswith("image/svg+xml")
    assert "default-src 'none'" in svg.headers["content-security-policy"]
    root = ET.fromstring(svg.content)
    assert check_in_url(SHOP.raw, "testserver") in (
        root.findtext("{http://www.w3.org/2000/svg}desc") or ""
    )
    preview = client.post(PATH, json={"payload": PAYLOAD, "format": "qr"})
    assert preview.status_code == 200
    assert preview.headers["content-disposition"] == 'attachment; filename="check-in-qr.svg"'
    ET.fromstring(preview.content)


@pytest.mark.parametrize(
    ("body", "field", "detail"),
    [
        ({}, "payload", "Field required"),
        ({"payload": 5}, "payload", "string"),
        ({"payload": ""}, "payload", "at least 1"),
        ({"payload": "%%%"}, "payload", "base64"),
        ({"payload": "AAAA"}, "payload", ""),
        ({"payload": _raw(" ")}, "payload", "rule description.non-empty"),
        ({"payload": _raw("x" * 101)}, "payload", "rule description.max-length"),
        ({"payload": _raw("a\u2028b")}, "payload", "rule description.single-line"),
        ({"payload": _raw("Shop", kind=0)}, "payload", "rule type.known"),
        ({"payload": _raw("Shop", length=0)}, "payload", "rule permanent.check-in-length"),
        ({"payload": _raw("Shop", kind=9)}, "payload", "rule temporary.times"),
        ({"payload": _raw("ร้านกาแฟ")}, "payload.description", "no poster font"),
        ({"payload": _raw("Shop", address="🦄")}, "payload.address", "no poster font"),
        ({"payload": PAYLOAD, "languages": []}, "languages", "at least 1"),
        ({"payload": PAYLOAD, "languages": "en"}, "languages", "list"),
        ({"payload": PAYLOAD, "languages": ["xx"]}, "languages", "no poster text"),
        ({"payload": PAYLOAD, "languages": ["en", "en"]}, "languages", "twice"),
        ({"payload": PAYLOAD, "languages": ["en"] * 9}, "languages", "at most 8"),
        ({"payload": PAYLOAD, "paper": "a3"}, "paper", "a4"),
        ({"payload": PAYLOAD, "format": "png"}, "format", "pdf"),
        ({"payload": PAYLOAD, "host": "evil.example/path"}, "host", "not a host name"),
        ({"payload": PAYLOAD, "host": ""}, "host", ""),
        ({"payload": PAYLOAD, "colour": "red"}, "colour", "Extra inputs"),
    ],
)
def test_bad_input_names_the_field(
    client: TestClient, body: dict[str, Any], field: str, detail: str
) -> None:
    message = _error(client.post(PATH, json=body))
    assert message.startswith(f"{field}: "), message
    assert detail in message


@pytest.mark.parametrize(
    ("content", "content_type"),
    [(b"{", "application/json"), (b"\xff\xfe", "application/json"), (b"[]", "application/json")],
)
def test_unreadable_bodies(client: TestClient, content: bytes, content_type: str) -> None:
    message = _error(client.post(PATH, content=content, headers={"content-type": content_type}))
    assert message.split(":", 1)[0] in FIELDS


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=10,
)
BODIES = st.fixed_dictionaries(
    {},
    optional={
        "payload": st.one_of(st.just(PAYLOAD), st.text(max_size=60), JSON),
        "languages": st.one_of(
            st.lists(st.sampled_from(["en", "ar", "ta", "xx", ""]), max_size=3), JSON
        ),
        "paper": st.one_of(st.sampled_from(["a4", "letter", "A4"]), JSON),
        "format": st.one_of(st.sampled_from(["svg", "qr", "pdf", "gif"]), JSON),
        "host": st.one_of(st.sampled_from(["a.example", "a b", "x:99999999"]), JSON),
    },
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=st.one_of(BODIES, JSON))
def test_fuzzed_bodies_never_fail_the_server(client: TestClient, body: Any) -> None:
    response = client.post(
        PATH, content=json.dumps(body), headers={"content-type": "application/json"}
    )
    assert response.status_code < 500, response.text[:300]
    if response.status_code != 200:
        field = _error(response).split(":", 1)[0].split(".")[0]
        assert field in FIELDS | (set(body) if isinstance(body, dict) else set()), field
