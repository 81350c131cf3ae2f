"""The server's JSON log handler follows the process's stderr."""

import io
import json
import logging
import sys

import pytest

from civitrace.server.logs import configure_logging


def test_records_go_to_the_stderr_of_the_moment(monkeypatch: pytest.MonkeyPatch) -> None:
    """A stderr swapped and closed (as pytest's capture does between tests) must not turn later
    records into "I/O operation on closed file" tracebacks."""
    configure_logging()
    logger = logging.getLogger("civitrace.test_logs")
    first = io.StringIO()
    monkeypatch.setattr(sys, "stderr", first)
    logger.warning("one")
    first.close()
    second = io.StringIO()
    monkeypatch.setattr(sys, "stderr", second)
    monkeypatch.setattr(logging, "raiseExceptions", True)
    logger.warning("two")
    assert json.loads(second.getvalue())["message"] == "two"
