"""Publishing stores and logs nothing identifying: no address, agent, header, secret or token."""

import base64
import logging
from datetime import UTC, datetime

import pytest
from sqlalchemy import MetaData

from civitrace.server.db import make_engine
from tests.server.conftest import Api
from tests.server.test_privacy import _markers
from tests.server.test_publish import Publishing, past_keys


def _dump(database_url: str) -> str:
    engine = make_engine(database_url)
    metadata = MetaData()
    metadata.reflect(engine)
    rows = []
    with engine.connect() as connection:
        for table in metadata.sorted_tables:
            rows.extend(repr(tuple(row)) for row in connection.execute(table.select()))
    engine.dispose()
    return "\n".join(rows)


def test_publish_leaves_no_identifying_trace(
    api: Api, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    markers = _markers()
    caplog.set_level(logging.DEBUG)
    pub = Publishing(api)
    now = datetime.now(UTC)
    keys = past_keys(now, 3)
    upload = pub.upload(keys, "likely")
    client = api.client
    original = dict(client.headers)
    client.headers.update(markers)
    try:
        first = pub.send(upload)
        assert first.status_code == 200, first.text
        revised = pub.publish(keys, "confirmed", revisionToken=first.json()["revisionToken"])
        assert revised.status_code == 200, revised.text
        pub.send(upload)  # refused re-send (missing token) is logged too
        client.post("/v1/publish", json=upload.body(), headers={"X-Chaff": "1"})
        client.post("/v1/publish", content=b"{bad", headers={"Content-Type": "application/json"})
    finally:
        client.headers.clear()
        client.headers.update(original)

    logs = "\n".join(f"{record.getMessage()} {record.__dict__}" for record in caplog.records)
    assert "/v1/publish" in logs
    haystack = _dump(database_url) + logs
    for header, value in markers.items():
        marker = value.split("marker-")[1].split(";")[0].split("/")[0].split(".")[0]
        assert f"marker-{marker}" not in haystack, header
    assert "203.0.113.77" not in haystack
    assert "testclient" not in haystack
    # nor the upload's secrets: the certificate, the hmacKey, the revision token
    secret = base64.b64decode(upload.hmac_key)
    dump = _dump(database_url)
    assert upload.certificate not in haystack
    assert upload.hmac_key not in haystack
    assert repr(secret) not in dump
    assert first.json()["revisionToken"] not in haystack
