"""Shared CLI plumbing: error exits and input parsing that names the option at fault."""

import json
import sys
from pathlib import Path
from typing import Any, NoReturn

from civitrace.errors import CivitraceError


class CliError(CivitraceError):
    """Bad command-line input, reported as one line."""


def fail(message: str, code: int = 1) -> NoReturn:
    """Print ``error: message`` on one line to stderr and exit."""
    first_line = message.strip().splitlines()[0] if message.strip() else "failed"
    print(f"error: {first_line}", file=sys.stderr)
    sys.exit(code)


def parse_hex(value: str, option: str, length: int) -> bytes:
    """Hex of exactly ``length`` bytes, or a CliError naming the option."""
    try:
        raw = bytes.fromhex(value)
    except ValueError:
        raise CliError(f"{option} is not valid hex") from None
    if len(raw) != length:
        raise CliError(f"{option} must be {length} bytes ({2 * length} hex digits), got {len(raw)}")
    return raw


def read_bytes(path: Path, option: str) -> bytes:
    """File contents, or a CliError naming the option when it cannot be read."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise CliError(f"{option}: no such file: {path}") from None
    except IsADirectoryError:
        raise CliError(f"{option}: is a directory: {path}") from None
    except OSError as exc:
        raise CliError(f"{option}: cannot read {path}: {exc.strerror}") from None


def read_json(path: Path, option: str) -> Any:
    try:
        return json.loads(read_bytes(path, option))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise CliError(f"{option}: {path} is not valid JSON ({exc})") from None


def print_json(document: Any) -> None:
    print(json.dumps(document, indent=2, sort_keys=False))
