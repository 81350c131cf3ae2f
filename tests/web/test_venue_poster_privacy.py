"""The poster endpoint keeps nothing: after posters and a preview are rendered, the venue's name,
address and payload are in no table, no file of the data directory and no log line, on SQLite
and on PostgreSQL."""

import logging
import uuid
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import MetaData, select
from starlette.exceptions import StarletteDeprecationWarning

from civitrace.presence.payload import TraceLocationType, Venue
from civitrace.presence.url import b64url_encode
from civitrace.server.app import create_app
from civitrace.server.db import make_engine
from civitrace.server.settings import Settings
from tests.server.conftest import data_dir, database_url, make_settings, settings  # noqa: F401

with warnings.catch_warnings():
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient


@pytest.fixture
def app_client(settings: Settings) -> Iterator[TestClient]:  # noqa: F811 - the imported fixture
    with TestClient(create_app(settings)) as client:
        yield client


def _table_dump(url: str) -> str:
    engine = make_engine(url)
    metadata = MetaData()
    metadata.reflect(engine)
    rows = []
    with engine.connect() as connection:
        for table in metadata.sorted_tables:
            rows.extend(repr(tuple(row)) for row in connection.execute(select(table)))
    engine.dispose()
    return "\n".join(rows)


def _files(folder: Path) -> bytes:
    return b"".join(path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file())


def test_nothing_of_the_venue_is_kept(
    app_client: TestClient,
    database_url: str,  # noqa: F811
    data_dir: Path,  # noqa: F811
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    tag = uuid.uuid4().hex[:12]
    name, address = f"Marker Café {tag}", f"Marker Lane {tag[::-1]}"
    venue = Venue.create(
        name, address, type=TraceLocationType.PERMANENT_RETAIL, default_check_in_length_minutes=20
    )
    payload = b64url_encode(venue.raw)
    for body in (
        {"payload": payload, "format": "qr"},
        {"payload": payload, "format": "svg", "languages": ["en", "ar"]},
        {"payload": payload, "format": "pdf", "paper": "letter", "languages": ["ta", "zh-Hant"]},
        {"payload": payload, "languages": ["xx"]},  # a refusal keeps nothing either
    ):
        response = app_client.post("/venue/poster", json=body)
        assert response.status_code in {200, 400}
    markers = [name, address, tag, payload, venue.location_id.hex(), venue.location_id_hash.hex()]
    logs = "\n".join(f"{record.getMessage()} {record.__dict__}" for record in caplog.records)
    out, err = capfd.readouterr()
    stored = _table_dump(database_url)
    files = _files(data_dir)
    if database_url.startswith("sqlite"):
        files += _files(Path(database_url.removeprefix("sqlite:///")).parent)
    assert any(record.name == "civitrace.server.access" for record in caplog.records)
    for marker in markers:
        assert marker not in logs, marker
        assert marker not in out + err, marker
        assert marker not in stored, marker
        assert marker.encode() not in files, marker
