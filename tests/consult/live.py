"""Real HTTP for the live tests: a uvicorn server in a thread, and an SSE listener thread."""

import contextlib
import http.client
import queue
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

import uvicorn

from tests.consult.sse import events

START_TIMEOUT = 20.0


@contextmanager
def serve_in_thread(app: Any) -> Iterator[str]:
    """Serve ``app`` on a free loopback port; yields its base URL."""
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=0,
        log_level="warning",
        lifespan="on",
        timeout_graceful_shutdown=1,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + START_TIMEOUT
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)


class Listener:
    """Reads one session's event stream in a background thread (``http.client``, so that
    :meth:`close` can shut the socket down and end a blocked read at once)."""

    def __init__(self, base_url: str, session_id: str) -> None:
        parsed = urlsplit(base_url)
        self.path = f"/consult/api/sessions/{session_id}/events"
        self.received: queue.Queue[tuple[str, Any]] = queue.Queue()
        self.seen: list[tuple[str, Any]] = []
        self._stop = threading.Event()
        self._connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=30)
        self._connection.request("GET", self.path, headers={"Accept": "text/event-stream"})
        response = self._connection.getresponse()
        if response.status != 200:
            raise RuntimeError(f"{self.path}: {response.status} {response.read()[:200]!r}")
        assert response.getheader("content-type", "").startswith("text/event-stream")
        self._connection.sock.settimeout(None)
        self._thread = threading.Thread(target=self._run, args=(response,), daemon=True)
        self._thread.start()

    def _run(self, response: http.client.HTTPResponse) -> None:
        def lines() -> Iterator[str]:
            while not self._stop.is_set():
                line = response.readline()
                if not line:
                    return
                yield line.decode("utf-8").rstrip("\r\n")

        try:
            for item in events(lines()):
                self.received.put(item)
        except (OSError, ValueError, http.client.HTTPException):
            if not self._stop.is_set():
                raise

    def wait_for(
        self, event: str, matches: Callable[[Any], bool] = lambda _: True, timeout: float = 10.0
    ) -> Any:
        """The first event named ``event`` whose data ``matches``, waiting up to ``timeout``."""
        for name, data in self.seen:
            if name == event and matches(data):
                return data
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                name, data = self.received.get(timeout=left)
            except queue.Empty:
                break
            self.seen.append((name, data))
            if name == event and matches(data):
                return data
        raise AssertionError(f"no {event!r} event matched within {timeout} s; saw {self.seen}")

    def close(self) -> None:
        self._stop.set()
        sock = self._connection.sock
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        self._thread.join(timeout=5)
        self._connection.close()
