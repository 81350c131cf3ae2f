"""The scan feed: what the Bluetooth scanner hands the device, one JSON object per line.

A sighting line::

    {"time": 1700000000.5, "payload": "<40 hex digits>", "rssi": -61}
    {"time": "2023-11-14T22:13:20+00:00", "payload": "<48 hex digits>", "attenuation": 52}

- ``time``: unix seconds (a number) or an ISO-8601 string *with* a timezone; a scanner that
  writes local times without an offset would shift every sighting by hours, so that is refused.
- ``payload``: the 20-byte service data (RPI || AEM) as 40 hex digits, or the full 24-byte
  advertising-data structure (length, type 0x16, UUID 0xFD6F, service data) as 48.
- exactly one of ``rssi`` (dBm, -128..127, as measured and calibrated by the scanner) or
  ``attenuation`` (dB, 0..255, when the scanner computed it itself).

A scan-log line, ``{"time": ..., "kind": "scan"}``, records that the device scanned then, even
if it saw nothing; with a scan log the matching engine knows how long each scan instance
stands for instead of falling back to the 2-minute default for the first one. Sighting lines
may say ``"kind": "sighting"``. Blank lines are ignored; any other field is refused (a typo such
as ``"rsi"`` would otherwise silently drop data). Every bad line raises :class:`ScanFeedError`
with its 1-based line number and the field at fault, and nothing else ever escapes the parser.
"""

import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from civitrace.client.document import MAX_ATTENUATION_DB, ObservedSighting
from civitrace.client.errors import ClientError, ScanFeedError
from civitrace.en.ble import BlePayload
from civitrace.en.errors import InvalidKeyError

MAX_TIME = 253_402_300_799  # 9999-12-31T23:59:59Z: anything later is a broken clock
MAX_LINE_CHARS = 64 * 1024  # a valid line is under 200 characters
_HEX_PAYLOAD = re.compile(r"[0-9a-fA-F]{40}|[0-9a-fA-F]{48}")
_SIGHTING_FIELDS = frozenset({"time", "payload", "rssi", "attenuation", "kind"})
_SCAN_FIELDS = frozenset({"time", "kind"})
_KINDS = ("sighting", "scan")


@dataclass(frozen=True, slots=True)
class ScanFeed:
    """A parsed feed: the sightings, and the times of scans from the scan log (if any)."""

    sightings: tuple[ObservedSighting, ...] = ()
    scan_times: tuple[float, ...] = ()


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _parse_time(value: object, line: int) -> float:
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise ScanFeedError(line, "time", "is not an ISO-8601 date-time") from None
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ScanFeedError(line, "time", "an ISO-8601 time needs a timezone (e.g. +00:00)")
        try:
            seconds = moment.timestamp()
        except (OverflowError, ValueError, OSError):
            raise ScanFeedError(line, "time", "is out of range") from None
    elif _is_int(value) or isinstance(value, float):
        seconds = float(value)  # type: ignore[arg-type]
    else:
        raise ScanFeedError(line, "time", "must be unix seconds or an ISO-8601 string")
    if not math.isfinite(seconds) or not 0 <= seconds <= MAX_TIME:
        raise ScanFeedError(line, "time", "must be between 1970 and 9999")
    return seconds


def _parse_payload(value: object, line: int) -> BlePayload:
    if not isinstance(value, str) or not _HEX_PAYLOAD.fullmatch(value):
        raise ScanFeedError(line, "payload", "must be 40 hex digits (RPI || AEM) or 48 (AD)")
    try:
        return BlePayload.decode(bytes.fromhex(value))
    except InvalidKeyError as exc:
        raise ScanFeedError(line, "payload", str(exc)) from None


def _parse_level(obj: Mapping[str, Any], line: int) -> tuple[int | None, int | None]:
    has_rssi, has_attenuation = "rssi" in obj, "attenuation" in obj
    if has_rssi == has_attenuation:
        raise ScanFeedError(line, "rssi", "give exactly one of rssi (dBm) and attenuation (dB)")
    if has_rssi:
        rssi = obj["rssi"]
        if not _is_int(rssi) or not -128 <= rssi <= 127:
            raise ScanFeedError(line, "rssi", "must be an integer dBm in -128..127")
        return int(rssi), None
    attenuation = obj["attenuation"]
    if not _is_int(attenuation) or not 0 <= attenuation <= MAX_ATTENUATION_DB:
        raise ScanFeedError(
            line, "attenuation", f"must be an integer dB in 0..{MAX_ATTENUATION_DB}"
        )
    return None, int(attenuation)


def parse_line(text: str, line: int = 1) -> ObservedSighting | float | None:
    """One line: a sighting, a scan time (float), or ``None`` for a blank line."""
    if not text.strip():
        return None
    if len(text) > MAX_LINE_CHARS:
        raise ScanFeedError(line, "line", f"is longer than {MAX_LINE_CHARS} characters")
    try:
        obj = json.loads(text)
    except (ValueError, RecursionError):
        raise ScanFeedError(line, "line", "is not valid JSON") from None
    if not isinstance(obj, dict):
        raise ScanFeedError(line, "line", "must be a JSON object")
    kind = obj.get("kind", "sighting")
    if kind not in _KINDS:
        raise ScanFeedError(line, "kind", f"must be one of {', '.join(_KINDS)}")
    allowed = _SCAN_FIELDS if kind == "scan" else _SIGHTING_FIELDS
    unknown = sorted(str(name) for name in obj if name not in allowed)
    if unknown:
        raise ScanFeedError(line, unknown[0], f"is not a field of a {kind} line")
    if "time" not in obj:
        raise ScanFeedError(line, "time", "is required")
    timestamp = _parse_time(obj["time"], line)
    if kind == "scan":
        return timestamp
    if "payload" not in obj:
        raise ScanFeedError(line, "payload", "is required")
    payload = _parse_payload(obj["payload"], line)
    rssi, attenuation = _parse_level(obj, line)
    return ObservedSighting(timestamp, payload.rpi, payload.aem, rssi, attenuation)


def parse_scan_feed(lines: Iterable[str]) -> ScanFeed:
    """Parse JSON lines (with or without their line endings); the first bad line raises."""
    sightings: list[ObservedSighting] = []
    scan_times: list[float] = []
    for number, raw in enumerate(lines, start=1):
        text = raw.lstrip("\ufeff") if number == 1 else raw
        parsed = parse_line(text.rstrip("\r\n"), number)
        if isinstance(parsed, ObservedSighting):
            sightings.append(parsed)
        elif parsed is not None:
            scan_times.append(parsed)
    return ScanFeed(tuple(sightings), tuple(scan_times))


def parse_scan_text(text: str) -> ScanFeed:
    """A whole feed as one string; only ``\\n`` (and ``\\r\\n``) end a line, as in JSON lines."""
    return parse_scan_feed(text.split("\n"))


def _decoded_lines(data: bytes) -> Iterable[str]:
    for number, raw in enumerate(data.split(b"\n"), start=1):
        try:
            yield raw.decode("utf-8")
        except UnicodeDecodeError:
            raise ScanFeedError(number, "line", "is not UTF-8") from None


def read_scan_feed(path: Path) -> ScanFeed:
    """Read and parse a feed file; a file that cannot be read is a :class:`ClientError`."""
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise ClientError(f"no such scan feed: {path}") from None
    except IsADirectoryError:
        raise ClientError(f"the scan feed is a directory: {path}") from None
    except OSError as exc:
        raise ClientError(f"cannot read the scan feed {path}: {exc.strerror}") from None
    return parse_scan_feed(_decoded_lines(data))


def feed_line(sighting: ObservedSighting) -> dict[str, Any]:
    """The feed form of a sighting (``payload`` as 40 hex digits), as a scanner would write it."""
    line: dict[str, Any] = {
        "time": sighting.timestamp,
        "payload": (sighting.rpi + sighting.aem).hex(),
    }
    if sighting.rssi is not None:
        line["rssi"] = sighting.rssi
    else:
        line["attenuation"] = sighting.attenuation
    return line
