"""Reading a Server-Sent Events stream in tests: ``(event, data)`` pairs as they arrive."""

import json
from collections.abc import Iterator
from typing import Any


def events(lines: Iterator[str]) -> Iterator[tuple[str, Any]]:
    """Parse SSE lines (as ``httpx.Response.iter_lines`` gives them) into events."""
    name, data = "message", []
    for line in lines:
        if not line:
            if data:
                yield name, json.loads("\n".join(data))
            name, data = "message", []
        elif line.startswith(":"):
            continue
        elif line.startswith("event:"):
            name = line[len("event:") :].strip()
        elif line.startswith("data:"):
            data.append(line[len("data:") :].strip())
