"""The payload codec, the rules, the URL, and malformed input."""

import base64
import contextlib
import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from civitrace.presence.errors import PayloadFormatError, PresenceError, ValidationError
from civitrace.presence.payload import (
    CrowdNotifierData,
    CWALocationData,
    QRCodePayload,
    TraceLocation,
    TraceLocationType,
    Venue,
    decode_payload,
    validate_payload,
)
from civitrace.presence.url import b64url_encode, check_in_url, host_of, parse_qr_text
from tests.vectors import load_vectors

CWA_CASE = load_vectors("cwa_presence.json")["location_id"]["cases"][1]
CWA_RAW = base64.b64decode(CWA_CASE["qr_code_payload_base64"])

texts = st.text(min_size=0, max_size=40)
payloads = st.builds(
    QRCodePayload,
    location=st.builds(
        TraceLocation,
        description=texts,
        address=texts,
        start_timestamp=st.integers(0, 2**64 - 1),
        end_timestamp=st.integers(0, 2**64 - 1),
        version=st.integers(0, 2**32 - 1),
    ),
    crowd_notifier=st.builds(
        CrowdNotifierData,
        cryptographic_seed=st.binary(max_size=20),
        public_key=st.binary(max_size=70),
        type=st.integers(0, 2**32 - 1),
        version=st.integers(0, 2**32 - 1),
    ),
    vendor=st.builds(
        CWALocationData,
        type=st.integers(0, 12),
        default_check_in_length_minutes=st.integers(0, 2**32 - 1),
        version=st.integers(0, 2**32 - 1),
    ),
    version=st.integers(0, 2**32 - 1),
)


@given(payloads)
def test_payload_round_trip(payload: QRCodePayload) -> None:
    raw = payload.encode()
    decoded = decode_payload(raw)
    assert decoded == payload
    assert decoded.encode() == raw


@given(payloads, st.sampled_from(["example.org", "checkin.example.org:8443", "e.coronawarn.app"]))
def test_url_round_trip(payload: QRCodePayload, host: str) -> None:
    raw = payload.encode()
    url = check_in_url(raw, host)
    assert url.startswith(f"https://{host}/?v=1#")
    assert "=" not in url.partition("#")[2]
    assert parse_qr_text(url) == raw
    assert host_of(url) == host
    assert parse_qr_text(b64url_encode(raw)) == raw
    assert parse_qr_text(base64.b64encode(raw).decode()) == raw


@given(st.text(max_size=300))
def test_any_text_parses_or_raises_our_error(text: str) -> None:
    try:
        raw = parse_qr_text(text)
        Venue.from_bytes(raw)
    except PresenceError:
        pass


@given(st.binary(max_size=300))
def test_any_bytes_decode_or_raise_our_error(raw: bytes) -> None:
    with contextlib.suppress(PresenceError):
        Venue.from_bytes(raw)


@given(st.integers(0, len(CWA_RAW) - 1), st.integers(1, 255))
def test_corrupted_real_payload_parses_or_raises_our_error(position: int, delta: int) -> None:
    tampered = bytearray(CWA_RAW)
    tampered[position] ^= delta
    try:
        venue = Venue.from_bytes(bytes(tampered), validate=False)
    except PayloadFormatError:
        return
    assert venue.location_id != Venue.from_bytes(CWA_RAW, validate=False).location_id


def test_real_cwa_url_form() -> None:
    url = f"https://e.coronawarn.app?v=1#{b64url_encode(CWA_RAW)}"
    assert parse_qr_text(url) == CWA_RAW
    assert host_of(url) == "e.coronawarn.app"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "not base64!",
        "A",
        "http://example.org/?v=1#CAES",
        "https://example.org/?v=2#CAES",
        "https://example.org/#CAES",
        "https://example.org/?v=1",
        "https://example.org/?v=1#",
        "https:///?v=1#CAES",
        "https://[::1/?v=1#CAES",
        "A" * 5000,
    ],
)
def test_malformed_text_raises_payload_format_error(text: str) -> None:
    with pytest.raises(PayloadFormatError):
        parse_qr_text(text)


def test_location_id_is_over_the_original_bytes(shop: Venue) -> None:
    """An unknown field survives decoding but not re-encoding: the ID must not change."""
    raw = shop.raw + b"\x50\x01"  # field 10, varint 1: unknown to the schema
    venue = Venue.from_bytes(raw)
    assert venue.payload.encode() != raw
    assert venue.location_id == hashlib.sha256(b"CWA-GUID" + raw).digest()
    assert venue.location_id != shop.location_id


def test_created_venue_is_valid_and_fresh() -> None:
    first = Venue.create(
        "A", "B", type=TraceLocationType.PERMANENT_RETAIL, default_check_in_length_minutes=15
    )
    second = Venue.create(
        "A", "B", type=TraceLocationType.PERMANENT_RETAIL, default_check_in_length_minutes=15
    )
    assert len(first.payload.crowd_notifier.cryptographic_seed) == 16
    assert first.location_id != second.location_id
    assert Venue.from_bytes(first.raw) == first


def _with(
    venue: Venue,
    *,
    description: str | None = None,
    address: str | None = None,
    seed: bytes | None = None,
    kind: int | None = None,
    length: int | None = None,
    start: int | None = None,
    end: int | None = None,
) -> QRCodePayload:
    p = venue.payload
    loc = p.location
    return QRCodePayload(
        TraceLocation(
            loc.description if description is None else description,
            loc.address if address is None else address,
            loc.start_timestamp if start is None else start,
            loc.end_timestamp if end is None else end,
        ),
        CrowdNotifierData(p.crowd_notifier.cryptographic_seed if seed is None else seed),
        CWALocationData(
            p.vendor.type if kind is None else kind,
            p.vendor.default_check_in_length_minutes if length is None else length,
        ),
    )


@pytest.mark.parametrize(
    ("changes", "rule"),
    [
        ({"description": ""}, "description.non-empty"),
        ({"description": "  "}, "description.non-empty"),
        ({"description": "a\nb"}, "description.single-line"),
        ({"description": "x" * 101}, "description.max-length"),
        ({"address": ""}, "address.non-empty"),
        ({"address": "a\rb"}, "address.single-line"),
        ({"address": "x" * 101}, "address.max-length"),
        ({"seed": b"1234"}, "seed.length"),
        ({"seed": bytes(17)}, "seed.length"),
        ({"kind": 0}, "type.known"),
        ({"kind": 13}, "type.known"),
        ({"length": 0}, "permanent.check-in-length"),
        ({"length": 1441}, "permanent.check-in-length"),
        ({"start": 10, "end": 20}, "permanent.no-times"),
        ({"start": 20, "end": 10}, "time.order"),
    ],
)
def test_permanent_rules(shop: Venue, changes: dict[str, object], rule: str) -> None:
    payload = _with(shop, **changes)  # type: ignore[arg-type]
    with pytest.raises(ValidationError) as caught:
        validate_payload(payload)
    assert caught.value.rule == rule
    assert rule in str(caught.value)
    with pytest.raises(ValidationError):
        Venue.from_bytes(payload.encode())


@pytest.mark.parametrize(
    ("changes", "rule"),
    [
        ({"start": 0, "end": 0}, "temporary.times"),
        ({"start": 5, "end": 5}, "temporary.times"),
        ({"start": 6, "end": 5}, "time.order"),
    ],
)
def test_temporary_rules(party: Venue, changes: dict[str, int], rule: str) -> None:
    with pytest.raises(ValidationError) as caught:
        validate_payload(_with(party, **changes))  # type: ignore[arg-type]
    assert caught.value.rule == rule


def test_boundaries_are_accepted(shop: Venue) -> None:
    validate_payload(_with(shop, description="x" * 100, address="y" * 100, length=1440))
    validate_payload(_with(shop, length=1))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("permanent-retail", TraceLocationType.PERMANENT_RETAIL),
        ("TEMPORARY_PRIVATE_EVENT", TraceLocationType.TEMPORARY_PRIVATE_EVENT),
        ("LOCATION_TYPE_PERMANENT_CRAFT", TraceLocationType.PERMANENT_CRAFT),
        ("9", TraceLocationType.TEMPORARY_CULTURAL_EVENT),
    ],
)
def test_type_names(text: str, expected: TraceLocationType) -> None:
    assert TraceLocationType.parse(text) is expected


@pytest.mark.parametrize("text", ["", "shop", "13", "-1", "0x3"])
def test_unknown_type_names(text: str) -> None:
    with pytest.raises(ValidationError, match=r"type\.known"):
        TraceLocationType.parse(text)


def test_out_of_range_values_raise_our_error(shop: Venue) -> None:
    with pytest.raises(PayloadFormatError):
        _with(shop, start=2**64).encode()
