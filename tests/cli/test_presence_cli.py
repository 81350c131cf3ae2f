"""The CLI contract of ``civitrace presence`` and ``civitrace venue`` (scripts depend on it)."""

import base64
import json
from pathlib import Path

import pytest

from civitrace.presence._fonts import find_fonts
from civitrace.presence.errors import PosterError
from civitrace.presence.payload import TraceLocationType, Venue
from civitrace.presence.url import b64url_encode
from tests.cli.conftest import Invoke
from tests.conftest import require
from tests.vectors import load_vectors

CASES = load_vectors("cwa_presence.json")["location_id"]["cases"]


@pytest.fixture
def fonts() -> None:
    try:
        find_fonts()
    except PosterError:
        require(False, "DejaVu Sans fonts")


@pytest.fixture
def real_venue() -> Venue:
    """A CWA-shaped payload with a 16-byte seed, as real codes carry."""
    return Venue.create(
        "Icecream Shop",
        "Main Street 1",
        type=TraceLocationType.PERMANENT_OTHER,
        default_check_in_length_minutes=10,
        seed=bytes(range(16)),
    )


def test_decode_a_real_cwa_url(civitrace: Invoke, real_venue: Venue) -> None:
    result = civitrace(
        "presence", "decode", f"https://e.coronawarn.app?v=1#{b64url_encode(real_venue.raw)}"
    )
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == {
        "description": "Icecream Shop",
        "address": "Main Street 1",
        "type": 1,
        "typeName": "permanent-other",
        "defaultCheckInLengthInMinutes": 10,
        "startTimestamp": 0,
        "endTimestamp": 0,
        "locationId": base64.b64encode(real_venue.location_id).decode(),
        "locationIdHash": real_venue.location_id_hash.hex(),
    }


@pytest.mark.parametrize("case", CASES, ids=lambda c: c["description"])
def test_decode_vectors(civitrace: Invoke, case: dict[str, str]) -> None:
    """The published test payloads carry a 4-byte seed: refused by default, shown leniently."""
    refused = civitrace("presence", "decode", case["qr_code_payload_base64"])
    assert refused.exit_code == 1
    assert refused.stderr.strip().startswith("error: rule seed.length broken")
    shown = civitrace("presence", "decode", "--lenient", case["qr_code_payload_base64"])
    assert shown.exit_code == 0, shown.stderr
    document = json.loads(shown.stdout)
    assert document["description"] == case["description"]
    assert document["locationId"] == case["location_id_base64"]
    assert document["locationIdHash"] == case["location_id_hash_hex"]


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("not base64!", "not valid base64"),
        ("http://example.org/?v=1#CAES", "https"),
        ("https://example.org/?v=2#CAES", "v=1"),
        ("AAAA", "not a valid protobuf"),
        (b64url_encode(b"\x08\x01"), "rule description.non-empty"),
    ],
)
def test_decode_bad_input(civitrace: Invoke, code: str, message: str) -> None:
    result = civitrace("presence", "decode", code)
    assert result.exit_code == 1
    assert message in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.usefixtures("fonts")
def test_venue_create_then_decode_then_poster(civitrace: Invoke, tmp_path: Path) -> None:
    out = tmp_path / "poster.pdf"
    created = civitrace(
        "venue",
        "create",
        "--description",
        "Café Linde",
        "--address",
        "Hauptstraße 1",
        "--type",
        "permanent-food-service",
        "--length",
        "45",
        "--host",
        "checkin.example.org",
        "--lang",
        "en,de",
        "--out",
        str(out),
    )
    assert created.exit_code == 0, created.stderr
    url = created.stdout.strip()
    assert url.startswith("https://checkin.example.org/?v=1#")
    assert out.read_bytes().startswith(b"%PDF")
    decoded = json.loads(civitrace("presence", "decode", url).stdout)
    assert (decoded["description"], decoded["type"], decoded["defaultCheckInLengthInMinutes"]) == (
        "Café Linde",
        4,
        45,
    )
    svg = tmp_path / "again.svg"
    again = civitrace("venue", "poster", url, "--out", str(svg), "--paper", "letter")
    assert again.exit_code == 0, again.stderr
    assert again.stdout.strip() == url  # the same code, byte for byte
    assert "Café Linde" in svg.read_text()


@pytest.mark.usefixtures("fonts")
def test_venue_create_temporary_event(civitrace: Invoke, tmp_path: Path) -> None:
    result = civitrace(
        "venue",
        "create",
        "--description",
        "Choir concert",
        "--address",
        "Town hall",
        "--type",
        "9",
        "--start",
        "2024-05-01T18:00+02:00",
        "--end",
        "2024-05-01T20:00+02:00",
        "--out",
        str(tmp_path / "p.svg"),
    )
    assert result.exit_code == 0, result.stderr
    decoded = json.loads(civitrace("presence", "decode", result.stdout.strip()).stdout)
    assert decoded["startTimestamp"] == 1_714_579_200
    assert decoded["endTimestamp"] == 1_714_586_400
    assert decoded["defaultCheckInLengthInMinutes"] == 120


@pytest.mark.usefixtures("fonts")
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--type", "shop"], "rule type.known broken"),
        (["--type", "permanent-retail", "--length", "2000"], "--length"),
        (["--type", "temporary-private-event"], "rule temporary.times broken"),
        (
            ["--type", "9", "--start", "2024-05-01T18:00", "--end", "2024-05-01T20:00Z"],
            "UTC offset",
        ),
        (["--type", "9", "--start", "tomorrow"], "ISO 8601"),
        (["--type", "1", "--lang", "ar,ar"], "chosen twice"),
        (["--type", "1", "--lang", "en,es,ar,ko,ms,ta,zh-Hans,zh-Hant,de"], "at most 8"),
        (["--type", "1", "--lang", "xx"], "no poster text"),
        (["--type", "1", "--out", "/tmp/poster.png"], ".pdf or .svg"),
    ],
)
def test_venue_create_bad_input(
    civitrace: Invoke, tmp_path: Path, args: list[str], message: str
) -> None:
    base = ["venue", "create", "--description", "X", "--address", "Y"]
    if "--out" not in args:
        args = [*args, "--out", str(tmp_path / "p.pdf")]
    result = civitrace(*base, *args)
    assert result.exit_code == 1, result.stdout
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_venue_create_description_too_long(civitrace: Invoke, tmp_path: Path) -> None:
    result = civitrace(
        "venue",
        "create",
        "--description",
        "x" * 101,
        "--address",
        "Y",
        "--type",
        "1",
        "--out",
        str(tmp_path / "p.pdf"),
    )
    assert result.exit_code == 1
    assert "rule description.max-length broken" in result.stderr
    assert not (tmp_path / "p.pdf").exists()
