"""No IP address, user agent, cookie or identifying header reaches a table or a log line."""

import logging
import uuid

import pytest
from sqlalchemy import MetaData

from civitrace.server.db import make_engine
from tests.server.conftest import Api


def _markers() -> dict[str, str]:
    tag = uuid.uuid4().hex[:10]
    return {
        "X-Forwarded-For": f"203.0.113.77, marker-xff-{tag}",
        "X-Real-IP": f"marker-xrealip-{tag}",
        "Forwarded": f"for=marker-forwarded-{tag};proto=https",
        "User-Agent": f"marker-useragent-{tag}",
        "Cookie": f"session=marker-cookie-{tag}",
        "Referer": f"https://marker-referer-{tag}.example/",
        "X-Device-Id": f"marker-deviceid-{tag}",
    }


def test_no_identifying_data_in_tables_or_logs(
    api: Api, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    markers = _markers()
    caplog.set_level(logging.DEBUG)
    client = api.client
    original = dict(client.headers)
    client.headers.update(markers)
    try:
        code = api.issued()["code"]
        token = api.verify(code).json()["token"]
        assert api.certificate(token).status_code == 200
        api.verify("00000000")  # a failed guess is stored too
        client.post("/api/verify", content=b"{bad", headers={"X-Chaff": "1"})
        client.post("/api/issue", content=b"{bad", headers=api.authority.admin)
        client.get("/health")
    finally:
        client.headers.clear()
        client.headers.update(original)

    engine = make_engine(database_url)
    metadata = MetaData()
    metadata.reflect(engine)
    dump = []
    with engine.connect() as connection:
        for table in metadata.sorted_tables:
            for row in connection.execute(table.select()):
                dump.append(repr(tuple(row)))
    engine.dispose()
    assert len(dump) > 5  # the flow stored rows
    logs = "\n".join(f"{record.getMessage()} {record.__dict__}" for record in caplog.records)
    assert "/api/verify" in logs  # the access log did log the requests
    haystack = "\n".join(dump) + logs
    for header, value in markers.items():
        marker = value.split("marker-")[1].split(";")[0].split("/")[0].split(".")[0]
        assert f"marker-{marker}" not in haystack, header
    assert "203.0.113.77" not in haystack
    assert "testclient" not in haystack  # the test client's own address


def test_access_log_fields_are_fixed(api: Api, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="civitrace.server.access")
    api.verify("00000000")
    records = [r for r in caplog.records if r.name == "civitrace.server.access"]
    assert records
    record = records[-1]
    assert (record.method, record.route, record.status) == ("POST", "/api/verify", 400)  # type: ignore[attr-defined]
    assert record.duration_ms >= 0  # type: ignore[attr-defined]
