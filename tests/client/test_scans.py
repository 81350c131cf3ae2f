"""The JSON-lines scan feed: every good form parses, every bad line names its line and field."""

import contextlib
import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from civitrace.client.document import ObservedSighting
from civitrace.client.errors import ClientError, ScanFeedError
from civitrace.client.scans import (
    ScanFeed,
    feed_line,
    parse_line,
    parse_scan_feed,
    parse_scan_text,
    read_scan_feed,
)
from civitrace.en.ble import BlePayload

RPI = bytes(range(16))
AEM = b"\xa0\xa1\xa2\xa3"
PAYLOAD = (RPI + AEM).hex()
AD_STRUCTURE = BlePayload(RPI, AEM).advertising_structure().hex()


def test_a_feed_with_every_accepted_form() -> None:
    text = "\n".join(
        [
            json.dumps({"time": 1_700_000_000, "payload": PAYLOAD, "rssi": -61}),
            "",
            "   ",
            json.dumps({"time": 1_700_000_000.25, "payload": PAYLOAD.upper(), "attenuation": 52}),
            json.dumps({"time": "2023-11-14T22:13:20Z", "payload": AD_STRUCTURE, "rssi": -70}),
            json.dumps(
                {
                    "time": "2023-11-14T23:13:20+01:00",
                    "payload": PAYLOAD,
                    "rssi": 0,
                    "kind": "sighting",
                }
            ),
            json.dumps({"time": 1_700_000_300, "kind": "scan"}) + "\r",
            "",
        ]
    )
    feed = parse_scan_text(text)
    assert feed.sightings == (
        ObservedSighting(1_700_000_000.0, RPI, AEM, rssi=-61),
        ObservedSighting(1_700_000_000.25, RPI, AEM, attenuation=52),
        ObservedSighting(1_700_000_000.0, RPI, AEM, rssi=-70),
        ObservedSighting(1_700_000_000.0, RPI, AEM, rssi=0),
    )
    assert feed.scan_times == (1_700_000_300.0,)


def test_an_empty_feed() -> None:
    assert parse_scan_text("") == ScanFeed()
    assert parse_scan_feed([]) == ScanFeed()


def test_feed_line_round_trips() -> None:
    for sighting in (
        ObservedSighting(12.5, RPI, AEM, rssi=-1),
        ObservedSighting(12.5, RPI, AEM, attenuation=200),
    ):
        assert parse_line(json.dumps(feed_line(sighting))) == sighting


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ("{", "line"),
        ("[1, 2]", "line"),
        ('"text"', "line"),
        ("NaN", "line"),
        ('{"payload": "PAYLOAD", "rssi": -1}', "time"),
        ('{"time": true, "payload": "PAYLOAD", "rssi": -1}', "time"),
        ('{"time": -1, "payload": "PAYLOAD", "rssi": -1}', "time"),
        ('{"time": 1e400, "payload": "PAYLOAD", "rssi": -1}', "time"),
        ('{"time": NaN, "payload": "PAYLOAD", "rssi": -1}', "time"),
        ('{"time": 99999999999999, "payload": "PAYLOAD", "rssi": -1}', "time"),
        ('{"time": "2023-11-14T22:13:20", "payload": "PAYLOAD", "rssi": -1}', "time"),
        ('{"time": "2023-11-14", "payload": "PAYLOAD", "rssi": -1}', "time"),
        ('{"time": "yesterday", "payload": "PAYLOAD", "rssi": -1}', "time"),
        ('{"time": "0001-01-01T00:00:00+01:00", "payload": "PAYLOAD", "rssi": -1}', "time"),
        ('{"time": [], "payload": "PAYLOAD", "rssi": -1}', "time"),
        ('{"time": 1, "rssi": -1}', "payload"),
        ('{"time": 1, "payload": "abc", "rssi": -1}', "payload"),
        (('{"time": 1, "payload": "' + "zz" * 20 + '", "rssi": -1}'), "payload"),
        (('{"time": 1, "payload": "' + PAYLOAD[:-2] + " 0" + '", "rssi": -1}'), "payload"),
        (('{"time": 1, "payload": "' + "00" * 24 + '", "rssi": -1}'), "payload"),  # not 0xFD6F
        ('{"time": 1, "payload": 12, "rssi": -1}', "payload"),
        ('{"time": 1, "payload": "PAYLOAD"}', "rssi"),
        ('{"time": 1, "payload": "PAYLOAD", "rssi": -1, "attenuation": 3}', "rssi"),
        ('{"time": 1, "payload": "PAYLOAD", "rssi": -129}', "rssi"),
        ('{"time": 1, "payload": "PAYLOAD", "rssi": -50.5}', "rssi"),
        ('{"time": 1, "payload": "PAYLOAD", "rssi": false}', "rssi"),
        ('{"time": 1, "payload": "PAYLOAD", "attenuation": 256}', "attenuation"),
        ('{"time": 1, "payload": "PAYLOAD", "attenuation": "5"}', "attenuation"),
        ('{"time": 1, "payload": "PAYLOAD", "rsi": -1}', "rsi"),
        ('{"time": 1, "kind": "beacon"}', "kind"),
        ('{"time": 1, "kind": "scan", "rssi": -1}', "rssi"),
        ('{"kind": "scan"}', "time"),
        ("[" * 100_000, "line"),
        ("x" * 70_000, "line"),
    ],
)
def test_bad_lines_name_line_and_field(line: str, field: str) -> None:
    good = json.dumps({"time": 1, "payload": PAYLOAD, "rssi": -1})
    bad = line.replace("PAYLOAD", PAYLOAD)
    with pytest.raises(ScanFeedError) as caught:
        parse_scan_text(f"{good}\n\n{bad}\n{good}")
    assert caught.value.line == 3
    assert caught.value.field == field
    assert str(caught.value).startswith(f"line 3: {field}: ")


def test_reading_a_file(tmp_path: Path) -> None:
    path = tmp_path / "feed.jsonl"
    line = json.dumps({"time": 5, "payload": PAYLOAD, "rssi": -40})
    path.write_bytes(("\ufeff" + line + "\r\n" + line + "\n").encode("utf-8"))
    assert len(read_scan_feed(path).sightings) == 2


def test_a_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "feed.jsonl"
    path.write_bytes(b'{"time": 1, "kind": "scan"}\n\xff\xfe\n')
    with pytest.raises(ScanFeedError, match="line 2: line: is not UTF-8"):
        read_scan_feed(path)


def test_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ClientError, match="no such scan feed"):
        read_scan_feed(tmp_path / "absent.jsonl")
    with pytest.raises(ClientError, match="directory"):
        read_scan_feed(tmp_path)


@settings(max_examples=400)
@given(st.text())
def test_arbitrary_text_raises_only_scan_feed_errors(text: str) -> None:
    with contextlib.suppress(ScanFeedError):
        parse_scan_text(text)


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=60),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)
_field_values = _json_values | st.sampled_from(
    [PAYLOAD, AD_STRUCTURE, "2023-11-14T22:13:20Z", "sighting", "scan", -61, 52, 1.7e9]
)


@settings(max_examples=400)
@given(
    st.dictionaries(
        st.sampled_from(["time", "payload", "rssi", "attenuation", "kind", "other"]),
        _field_values,
    )
)
def test_arbitrary_objects_parse_or_raise_scan_feed_errors(obj: dict[str, object]) -> None:
    try:
        line = json.dumps(obj)
    except ValueError:
        return
    error: ScanFeedError | None = None
    try:
        parsed = parse_line(line, 7)
    except ScanFeedError as exc:
        error = exc
    if error is not None:
        assert error.line == 7
    else:
        assert isinstance(parsed, ObservedSighting | float)


@settings(max_examples=200)
@given(st.binary())
def test_arbitrary_bytes_in_a_file_raise_only_scan_feed_errors(data: bytes) -> None:
    with tempfile.NamedTemporaryFile(suffix=".jsonl") as handle:
        handle.write(data)
        handle.flush()
        with contextlib.suppress(ScanFeedError):
            read_scan_feed(Path(handle.name))
