"""Structured JSON logs that cannot carry personal data.

The formatter writes a fixed set of fields; anything else a caller attaches to a record is
dropped, so a careless ``extra=`` cannot leak a header. The access log records only the method,
the route template (``/api/verify``, never a concrete URL with its query), the status and the
duration: no client address, no user agent, no header.
"""

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any, Final

ACCESS_LOGGER: Final = "civitrace.server.access"
ALLOWED_FIELDS: Final = ("method", "route", "status", "duration_ms", "error_type")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and the allowed fields."""

    def format(self, record: logging.LogRecord) -> str:
        document: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in ALLOWED_FIELDS:
            if hasattr(record, name):
                document[name] = getattr(record, name)
        if record.exc_info and record.exc_info[0] is not None:
            document["error_type"] = record.exc_info[0].__name__
            document["traceback"] = self.formatException(record.exc_info)
        return json.dumps(document, separators=(",", ":"))


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes each record to ``sys.stderr`` as it is at that moment, so a process that swaps
    its stderr (a test capturing output, a daemon redirecting it) never logs into a closed
    stream."""

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        """``StreamHandler`` assigns its stream once; ours is looked up on every record."""


def configure_logging(level: str = "INFO") -> None:
    """JSON lines on stderr for the ``civitrace`` loggers (idempotent)."""
    logger = logging.getLogger("civitrace")
    logger.setLevel(level)
    if not any(getattr(h, "_civitrace", False) for h in logger.handlers):
        handler = _StderrHandler()
        handler.setFormatter(JsonFormatter())
        handler._civitrace = True  # type: ignore[attr-defined]
        logger.addHandler(handler)


def uvicorn_log_config(level: str = "INFO") -> dict[str, Any]:
    """A ``log_config`` for uvicorn: its access log is off (it records client addresses),
    its error log is JSON. Pass ``access_log=False`` to uvicorn as well."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": f"{__name__}.JsonFormatter"}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stderr",
            }
        },
        "loggers": {
            "uvicorn": {"handlers": ["stderr"], "level": level, "propagate": False},
            "uvicorn.error": {"handlers": ["stderr"], "level": level, "propagate": False},
            "uvicorn.access": {"handlers": [], "level": "CRITICAL", "propagate": False},
        },
    }
