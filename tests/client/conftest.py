"""Shared fixtures of the reference-device tests: a controllable clock, cheap devices,
a signing authority that writes export directories, and a local HTTP server."""

import dataclasses
import http.server
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from civitrace.client.device import Device
from civitrace.client.store import KeyFile, Passphrase, ScryptParams, Secret
from civitrace.en import _primitives
from civitrace.en.constants import INTERVAL_SECONDS
from civitrace.en.export import (
    ExportBatch,
    ExportSigner,
    SignatureInfo,
    VerificationKey,
    build_export,
)
from civitrace.en.keys import ReportType, TemporaryExposureKey

DAY = 20_000  # 2024-10-04, UTC days since the epoch
DAY_SECONDS = 86_400
NOW = (DAY + 1) * DAY_SECONDS + 9 * 3600  # "today" 09:00 UTC; the meetings are "yesterday"
YESTERDAY = DAY * DAY_SECONDS
FAST_SCRYPT = ScryptParams(log2_n=10, r=8, p=1)  # tests need speed, not brute-force resistance
PASSPHRASE = Passphrase("correct horse battery staple")


class FakeClock:
    """A clock tests move by hand."""

    def __init__(self, now: float = NOW) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


MakeDevice = Callable[..., Device]


@pytest.fixture
def make_device(tmp_path: Path, clock: FakeClock) -> Iterator[MakeDevice]:
    """Create devices in ``tmp_path`` with a fast KDF; each is closed after the test.

    The device is created as of yesterday 06:00 so that it has a key for yesterday (when the
    tests' meetings happen), then gets today's key at the fixture clock's time.
    """
    opened: list[Device] = []

    def make(name: str = "device", secret: Secret | None = None, **options: Any) -> Device:
        created_at = clock.now
        clock.now = YESTERDAY + 6 * 3600
        try:
            device = Device.create(
                tmp_path / f"{name}.store",
                secret or PASSPHRASE,
                clock=clock,
                scrypt=FAST_SCRYPT,
                **options,
            )
        finally:
            clock.now = created_at
        device.ensure_todays_key()
        opened.append(device)
        return device

    yield make
    for device in opened:
        device.close()


@pytest.fixture
def key_file(tmp_path: Path) -> KeyFile:
    return KeyFile(tmp_path / "keys" / "device.key")


@dataclass
class Authority:
    """A health authority's signing key and the exports it writes."""

    private_key: _primitives.PrivateKey
    signer: ExportSigner
    trusted: VerificationKey
    counter: list[int] = field(default_factory=lambda: [0])

    def export(
        self,
        keys: Sequence[TemporaryExposureKey],
        *,
        revised: Sequence[TemporaryExposureKey] = (),
        signer: ExportSigner | None = None,
    ) -> bytes:
        start = min((k.rolling_start_number for k in keys), default=0) * INTERVAL_SECONDS
        end = max((k.end_interval for k in keys), default=0) * INTERVAL_SECONDS
        self.counter[0] += 1
        batch = ExportBatch("TEST", start, end + self.counter[0], tuple(keys), tuple(revised))
        return build_export(batch, [signer or self.signer])

    def publish(self, directory: Path, name: str, keys: Sequence[TemporaryExposureKey]) -> Path:
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / name
        path.write_bytes(self.export(keys))
        return path


def _authority(key_id: str) -> Authority:
    private = _primitives.generate_signing_key()
    return Authority(
        private,
        ExportSigner(private, SignatureInfo(key_id, "v1")),
        VerificationKey(private.public_key(), key_id, "v1"),
    )


@pytest.fixture(scope="session")
def authority() -> Authority:
    return _authority("310")


@pytest.fixture(scope="session")
def impostor() -> Authority:
    """Someone else's key: their exports must be rejected."""
    return _authority("310")


def confirmed(
    keys: Sequence[TemporaryExposureKey], onset_day: int | None = None
) -> list[TemporaryExposureKey]:
    """Keys as the key server exports them after a confirmed test."""
    return [
        dataclasses.replace(
            k,
            report_type=ReportType.CONFIRMED_TEST,
            days_since_onset_of_symptoms=None
            if onset_day is None
            else k.rolling_start_number // 144 - onset_day,
        )
        for k in keys
    ]


@dataclass
class Served:
    """A directory served over HTTP on 127.0.0.1, and the headers of every request."""

    url: str
    directory: Path
    requests: list[dict[str, str]]


class _RecordingHandler(http.server.SimpleHTTPRequestHandler):
    requests: list[dict[str, str]]

    def do_GET(self) -> None:
        self.requests.append({k.lower(): v for k, v in self.headers.items()} | {"path": self.path})
        super().do_GET()

    def end_headers(self) -> None:
        self.send_header("Set-Cookie", "tracking=device-42; Path=/")
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        """Silence: a test server should not print."""


@pytest.fixture
def http_exports(tmp_path: Path) -> Iterator[Served]:
    directory = tmp_path / "served"
    directory.mkdir()
    requests: list[dict[str, str]] = []
    handler = type("Handler", (_RecordingHandler,), {"requests": requests})
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), partial(handler, directory=str(directory))
    )
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        host, port = server.server_address[:2]
        yield Served(f"http://{host!s}:{port}", directory, requests)
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
