"""What the presence server never holds: client addresses, user agents, identifying headers,
location IDs (not even the one an on-behalf warning hands it), check-in times in the clear,
venue names; searched for in every table and every log line after the whole flow."""

import base64
import logging
import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import MetaData

from civitrace.server.db import make_engine
from civitrace.server.db.presence_models import (
    CheckInReport,
    CheckInSubmission,
    KioskSlip,
    SlipLookupFailure,
    SpentCertificate,
    VenueWarning,
    WarningPackageRecord,
)
from civitrace.server.presence import slip_format
from civitrace.server.presence.packages import PackageBuilder, hour_start
from civitrace.server.presence.settings import PresenceSettings
from civitrace.server.settings import Settings
from tests.server.conftest import Authority
from tests.server.test_presence_support import (
    PresenceApi,
    TestClient,
    b64,
    make_presence,
    make_venue,
    open_client,
    reports_for,
    slip_keys,
    stay,
    two_days_ago_at_noon,
)

PRESENCE_TABLES = [
    CheckInSubmission,
    CheckInReport,
    VenueWarning,
    KioskSlip,
    SpentCertificate,
    WarningPackageRecord,
    SlipLookupFailure,
]


@pytest.fixture(scope="module")
def presence_client(settings: Settings) -> Iterator[TestClient]:
    yield from open_client(settings)


@pytest.fixture
def presence(presence_client: TestClient, client: TestClient, authority: Authority) -> PresenceApi:
    return make_presence(presence_client, authority)


def _markers() -> dict[str, str]:
    tag = uuid.uuid4().hex[:10]
    return {
        "X-Forwarded-For": f"198.51.100.23, marker-xff-{tag}",
        "X-Real-IP": f"marker-xrealip-{tag}",
        "Forwarded": f"for=marker-forwarded-{tag};proto=https",
        "User-Agent": f"marker-useragent-{tag}",
        "Cookie": f"session=marker-cookie-{tag}",
        "Referer": f"https://marker-referer-{tag}.example/",
        "X-Device-Id": f"marker-deviceid-{tag}",
    }


def _encodings(data: bytes) -> list[str]:
    """Every form a byte string could take in a dump or a log line."""
    return [
        repr(data)[2:-1],
        data.hex(),
        base64.b64encode(data).decode(),
        base64.urlsafe_b64encode(data).decode().rstrip("="),
    ]


def test_nothing_identifying_in_tables_or_logs(
    presence: PresenceApi,
    database_url: str,
    settings: Settings,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    markers = _markers()
    venue = make_venue("Marker Venue Zebra")
    warned_venue = make_venue("Marker Venue Okapi")
    noon = two_days_ago_at_noon()
    infected = stay(venue, noon, 75)
    reports = reports_for([infected])
    body = presence.body(reports)  # the verification calls happen before the markers
    keys = slip_keys()
    slip = slip_format.SlipCheckIn(warned_venue.location_id, 1_771_000_123, 1_771_003_723, "Okapi")

    client = presence.client
    original = dict(client.headers)
    client.headers.update(markers)
    try:
        assert presence.submit(body).status_code == 200
        (submission_id,) = presence.pending_ids()
        assert presence.decide(submission_id, "approve").status_code == 200
        warned = presence.warn(
            venue=b64(warned_venue.raw),
            startTime=(noon + timedelta(hours=3)).isoformat(),
            endTime=(noon + timedelta(hours=4)).isoformat(),
            transmissionRiskLevel=5,
        )
        assert warned.status_code == 200
        assert presence.upload_slip(keys.id_hex, slip_format.seal(keys, slip)).status_code == 200
        assert presence.get_slip(keys.id_hex).status_code == 200
        assert presence.get_slip("ab" * 32).status_code == 404
        client.post("/v1/presence/reports", content=b"{bad", headers={"X-Chaff": "1"})
        client.post("/v1/presence/reports", content=b"{bad")
        hour = warned.json()["intervalNumber"]
        engine = make_engine(database_url)
        storage = client.app.state.export_storage  # type: ignore[attr-defined]
        PackageBuilder(engine, storage, PresenceSettings()).run(hour_start(hour + 1))
        assert client.get(f"/presence/warnings/ZZ/{hour}.bin").status_code == 200
        assert client.get("/presence/warnings/ZZ/index.txt").status_code == 200
    finally:
        client.headers.clear()
        client.headers.update(original)

    metadata = MetaData()
    metadata.reflect(engine)
    dump = []
    filled = set()
    with engine.connect() as connection:
        for table in metadata.sorted_tables:
            for row in connection.execute(table.select()):
                dump.append(repr(tuple(row)))
                filled.add(table.name)
    engine.dispose()
    emptied = {CheckInReport.__tablename__}  # approval moved its reports into venue_warnings
    assert {m.__tablename__ for m in PRESENCE_TABLES} - emptied <= filled
    logs = "\n".join(f"{record.getMessage()} {record.__dict__}" for record in caplog.records)
    assert "/v1/presence/reports" in logs  # the access log did log the requests
    haystack = "\n".join(dump) + "\n" + logs + "\n" + repr(storage.list())

    for header, value in markers.items():
        marker = value.split("marker-")[1].split(";")[0].split("/")[0].split(".")[0]
        assert f"marker-{marker}" not in haystack, header
    assert "198.51.100.23" not in haystack
    assert "testclient" not in haystack
    for secret in (venue.location_id, warned_venue.location_id, venue.raw, warned_venue.raw):
        for form in _encodings(secret):
            assert form not in haystack
    for name in ("Marker Venue Zebra", "Marker Venue Okapi", "Okapi"):
        assert name not in haystack
    for moment in (infected.start, infected.end, slip.start, slip.end):
        assert str(moment) not in haystack
    for text in (body["hmacKey"], body["verificationPayload"]):
        assert text not in haystack
    assert keys.key.hex() not in haystack


def test_no_presence_column_can_hold_client_metadata() -> None:
    forbidden = {"ip", "addr", "address", "agent", "header", "cookie", "location", "name"}
    for model in PRESENCE_TABLES:
        for column in model.__table__.columns:
            words = set(column.name.split("_"))
            allowed = column.name == "location_id_hash"  # the public hash, as published
            assert allowed or not words & forbidden, f"{model.__tablename__}.{column.name}"
