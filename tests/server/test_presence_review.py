"""Staff review (list, approve, reject) and on-behalf warnings, behind the ADMIN API key."""

import base64
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from civitrace.presence.constants import INTERVAL_SECONDS
from civitrace.presence.payload import (
    CrowdNotifierData,
    CWALocationData,
    QRCodePayload,
    TraceLocation,
    TraceLocationType,
)
from civitrace.presence.report import CheckInProtectedReport, decrypt_report
from civitrace.presence.url import check_in_url
from civitrace.presence.warning_package import hour_interval
from civitrace.server.db import make_engine, session_factory
from civitrace.server.db.presence_models import CheckInReport, CheckInSubmission, VenueWarning
from civitrace.server.presence.on_behalf import window_records
from civitrace.server.settings import Settings
from tests.server.conftest import Authority, assert_error
from tests.server.test_presence_support import (
    PresenceApi,
    TestClient,
    assert_presence_error,
    make_presence,
    make_venue,
    open_client,
    reports_for,
    stay,
    two_days_ago_at_noon,
)


@pytest.fixture(scope="module")
def presence_client(settings: Settings) -> Iterator[TestClient]:
    yield from open_client(settings)


@pytest.fixture
def presence(presence_client: TestClient, client: TestClient, authority: Authority) -> PresenceApi:
    return make_presence(presence_client, authority)


@pytest.fixture
def submitted(presence: PresenceApi) -> tuple[str, list[Any]]:
    reports = reports_for([stay(make_venue(), two_days_ago_at_noon(), 60)])
    presence.submitted(reports)
    (submission_id,) = presence.pending_ids()
    return submission_id, reports


def _rows(database_url: str, model: Any) -> list[Any]:
    engine = make_engine(database_url)
    with session_factory(engine)() as session:
        rows = list(session.scalars(select(model)))
    engine.dispose()
    return rows


def test_listing_shows_counts_and_dates_only(
    presence: PresenceApi, submitted: tuple[str, list[Any]]
) -> None:
    submission_id, reports = submitted
    response = presence.listing()
    assert response.status_code == 200, response.text
    (entry,) = response.json()["submissions"]
    assert set(entry) == {"id", "status", "reportType", "reportCount", "submittedAt", "decidedAt"}
    assert entry["decidedAt"] is None
    assert entry["id"] == submission_id
    assert entry["status"] == "pending"
    assert entry["reportCount"] == len(reports)
    assert entry["reportType"] == "confirmed"
    assert datetime.fromisoformat(entry["submittedAt"]).minute == 0  # truncated to the hour
    assert presence.listing("approved").json()["submissions"] == []
    assert len(presence.listing(None).json()["submissions"]) == 1


def test_approve_publishes_every_report_as_a_warning(
    presence: PresenceApi, submitted: tuple[str, list[Any]], database_url: str
) -> None:
    submission_id, reports = submitted
    response = presence.decide(submission_id, "approve")
    assert response.status_code == 200, response.text
    document = response.json()
    assert document["status"] == "approved"
    assert document["publishedWarnings"] == len(reports)  # one region (ZZ)
    assert document["intervalNumber"] == hour_interval(int(datetime.now(UTC).timestamp()))
    warnings = _rows(database_url, VenueWarning)
    assert {w.mac for w in warnings} == {r.mac for r in reports}
    assert {w.region for w in warnings} == {"ZZ"}
    assert all(w.package_interval is None for w in warnings)
    assert _rows(database_url, CheckInReport) == []  # moved, not copied
    (row,) = _rows(database_url, CheckInSubmission)
    assert row.status == "approved"
    assert row.decided_at is not None
    assert row.decided_at.timestamp() % 3600 == 0
    assert presence.listing("approved").json()["submissions"][0]["decidedAt"]


def test_reject_deletes_the_reports_at_once(
    presence: PresenceApi, submitted: tuple[str, list[Any]], database_url: str
) -> None:
    submission_id, _ = submitted
    response = presence.decide(submission_id, "reject")
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "rejected"
    assert response.json()["publishedWarnings"] == 0
    assert _rows(database_url, CheckInReport) == []
    assert _rows(database_url, VenueWarning) == []


@pytest.mark.parametrize("first", ["approve", "reject"])
@pytest.mark.parametrize("second", ["approve", "reject"])
def test_a_submission_is_decided_once(
    presence: PresenceApi, submitted: tuple[str, list[Any]], first: str, second: str
) -> None:
    submission_id, _ = submitted
    assert presence.decide(submission_id, first).status_code == 200
    assert_presence_error(
        presence.decide(submission_id, second), 409, "submission_already_decided", "id:"
    )


def test_another_authority_neither_sees_nor_decides(
    presence: PresenceApi, submitted: tuple[str, list[Any]], other_authority: Authority
) -> None:
    submission_id, _ = submitted
    assert presence.listing(key=other_authority).json()["submissions"] == []
    response = presence.decide(submission_id, "approve", key=other_authority)
    assert_presence_error(response, 404, "submission_not_found", "id:")


def test_unknown_submission_is_404(presence: PresenceApi) -> None:
    response = presence.decide("00000000-0000-4000-8000-000000000000", "approve")
    assert_presence_error(response, 404, "submission_not_found", "id:")
    malformed = presence.decide("not-a-uuid", "approve")
    assert_presence_error(malformed, 400, "bad_request", "submission_id")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v1/presence/submissions"),
        ("POST", "/v1/presence/submissions/00000000-0000-4000-8000-000000000000/approve"),
        ("POST", "/v1/presence/submissions/00000000-0000-4000-8000-000000000000/reject"),
        ("POST", "/v1/presence/warnings"),
    ],
)
def test_staff_routes_need_an_admin_key(presence: PresenceApi, method: str, path: str) -> None:
    for headers in ({}, presence.authority.device, {"X-API-Key": "civ_nope.nope"}):
        response = presence.client.request(method, path, headers=headers, json={})
        assert_presence_error(response, 401, "unauthorized", "X-API-Key:")


def test_bad_listing_parameters_are_named(presence: PresenceApi) -> None:
    response = presence.client.get(
        "/v1/presence/submissions", params={"status": "lost"}, headers=presence.authority.admin
    )
    assert_presence_error(response, 400, "bad_request", "status")
    response = presence.client.get(
        "/v1/presence/submissions", params={"limit": 0}, headers=presence.authority.admin
    )
    assert_presence_error(response, 400, "bad_request", "limit")


# -- on-behalf warnings ------------------------------------------------------------------------


def _window(hours_ago: int, length: timedelta) -> tuple[str, str]:
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=hours_ago)
    return start.isoformat(), (start + length).isoformat()


def test_on_behalf_warning_is_published_and_decrypts_with_the_venue(
    presence: PresenceApi, database_url: str
) -> None:
    venue = make_venue("Jazzkeller")
    url = check_in_url(venue.raw, "checkin.example.org")
    start, end = _window(30, timedelta(hours=3))
    response = presence.warn(venue=url, startTime=start, endTime=end, transmissionRiskLevel=6)
    assert response.status_code == 200, response.text
    document = response.json()
    assert document["description"] == "Jazzkeller"
    assert document["locationIdHash"] == venue.location_id_hash.hex()
    records = document["records"]
    assert records in {1, 2}  # split at UTC midnight when the window crosses it
    assert document["publishedWarnings"] == records
    warnings = _rows(database_url, VenueWarning)
    assert len(warnings) == records
    decrypted = [decrypt_report(venue.location_id, _report(w)) for w in warnings]
    assert all(r.transmission_risk_level == 6 for r in decrypted)
    first = min(r.start for r in decrypted)
    last = max(r.end for r in decrypted)
    begin = int(datetime.fromisoformat(start).timestamp())
    finish = int(datetime.fromisoformat(end).timestamp())
    assert first == begin - begin % INTERVAL_SECONDS  # aligned outwards
    assert last >= finish > last - INTERVAL_SECONDS


def _report(row: VenueWarning) -> CheckInProtectedReport:
    return CheckInProtectedReport(
        row.location_id_hash, row.iv, row.encrypted_check_in_record, row.mac
    )


def test_on_behalf_accepts_the_bare_payload_and_offsets(presence: PresenceApi) -> None:
    venue = make_venue()
    start = (datetime.now(UTC) - timedelta(days=1)).astimezone()  # the machine's zone
    response = presence.warn(
        venue=base64.b64encode(venue.raw).decode(),
        startTime=start.isoformat(),
        endTime=(start + timedelta(minutes=45)).isoformat(),
        transmissionRiskLevel=3,
    )
    assert response.status_code == 200, response.text


def test_window_records_split_at_midnight_and_align() -> None:
    start = datetime(2026, 3, 1, 22, 55, 10, tzinfo=UTC)
    records = window_records(start, start + timedelta(hours=3), 7)
    assert [(r.start, r.end) for r in records] == [
        (
            int(datetime(2026, 3, 1, 22, 50, tzinfo=UTC).timestamp()),
            int(datetime(2026, 3, 2, tzinfo=UTC).timestamp()),
        ),
        (
            int(datetime(2026, 3, 2, tzinfo=UTC).timestamp()),
            int(datetime(2026, 3, 2, 2, 0, tzinfo=UTC).timestamp()),
        ),
    ]
    assert all(r.transmission_risk_level == 7 for r in records)


BAD_WARNINGS: list[tuple[dict[str, Any], str, str]] = [
    ({"venue": "https://example.org/?v=1#AAAA"}, "invalid_venue", "venue:"),
    ({"venue": "no venue here"}, "invalid_venue", "venue:"),
    ({"venue": ""}, "bad_request", "venue"),
    ({"startTime": "yesterday"}, "invalid_warning", "startTime:"),
    ({"startTime": "2026-03-01T10:00:00"}, "invalid_warning", "startTime: must include a UTC"),
    ({"endTime": "x"}, "invalid_warning", "endTime:"),
    ({"transmissionRiskLevel": 2}, "bad_request", "transmissionRiskLevel"),
    ({"transmissionRiskLevel": 9}, "bad_request", "transmissionRiskLevel"),
    ({"transmissionRiskLevel": "7"}, "bad_request", "transmissionRiskLevel"),
    ({"color": "red"}, "bad_request", "color"),
]


@pytest.mark.parametrize(("change", "code", "mentions"), BAD_WARNINGS)
def test_bad_warnings_are_named(
    presence: PresenceApi, change: dict[str, Any], code: str, mentions: str, database_url: str
) -> None:
    start, end = _window(5, timedelta(hours=1))
    body: dict[str, Any] = {
        "venue": check_in_url(make_venue().raw, "checkin.example.org"),
        "startTime": start,
        "endTime": end,
        "transmissionRiskLevel": 7,
        **change,
    }
    assert_presence_error(presence.warn(**body), 400, code, mentions)
    assert _rows(database_url, VenueWarning) == []


@pytest.mark.parametrize(
    ("hours_ago", "length", "mentions"),
    [
        (5, timedelta(0), "endTime: must be after startTime"),
        (5, -timedelta(hours=1), "endTime: must be after startTime"),
        (30, timedelta(hours=25), "endTime: a warning covers at most"),
        (1, timedelta(hours=2), "endTime: must not be in the future"),
        (16 * 24, timedelta(hours=1), "startTime: must be within the last 15 days"),
    ],
)
def test_warning_windows_out_of_range(
    presence: PresenceApi, hours_ago: int, length: timedelta, mentions: str
) -> None:
    start, end = _window(hours_ago, length)
    response = presence.warn(
        venue=check_in_url(make_venue().raw, "checkin.example.org"),
        startTime=start,
        endTime=end,
        transmissionRiskLevel=7,
    )
    assert_presence_error(response, 400, "invalid_warning", mentions)


def test_a_venue_breaking_a_rule_is_refused_naming_the_rule(presence: PresenceApi) -> None:
    short_seed = QRCodePayload(
        TraceLocation("Summer fair", "Town square"),
        CrowdNotifierData(b"1234"),
        CWALocationData(int(TraceLocationType.PERMANENT_OTHER), 60),
    ).encode()
    start, end = _window(5, timedelta(hours=1))
    response = presence.warn(
        venue=base64.b64encode(short_seed).decode(),
        startTime=start,
        endTime=end,
        transmissionRiskLevel=7,
    )
    assert_presence_error(response, 400, "invalid_venue", "venue: rule seed.length broken")
    truncated = presence.warn(
        venue=base64.b64encode(make_venue().raw[:-1]).decode(),
        startTime=start,
        endTime=end,
        transmissionRiskLevel=7,
    )
    assert_presence_error(truncated, 400, "invalid_venue", "venue:")


def test_the_verification_error_shape_is_unchanged(presence: PresenceApi) -> None:
    """Only ``/v1/`` routes answer the key server's shape; the verification API keeps its own."""
    assert_error(presence.verification.verify("00000000"), 400, "code_invalid")
