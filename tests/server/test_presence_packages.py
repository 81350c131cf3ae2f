"""The hourly package job, the files it serves, and the whole loop end to end in-process:
venue → check-ins → encrypted reports → certificate → submission → approval → package →
download → local matching finds the visitor."""

import base64
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select, update

from civitrace.presence.checkin import CheckInRecord
from civitrace.presence.matching import RiskLevel, find_matches, risk_by_day
from civitrace.presence.report import CheckInProtectedReport, encrypt_record, fake_report
from civitrace.presence.warning_package import decode_package, hour_interval
from civitrace.server.apikeys import create_api_key
from civitrace.server.authorities import create_health_authority
from civitrace.server.db import make_engine, session_factory
from civitrace.server.db.models import ApiKeyType
from civitrace.server.db.presence_models import VenueWarning, WarningPackageRecord
from civitrace.server.exports.storage import ExportStorage, MemoryStorage
from civitrace.server.jobs import JobAlreadyRunningError, job_lock
from civitrace.server.presence.packages import JOB_NAME, PackageBuilder, hour_start
from civitrace.server.presence.settings import PresenceSettings
from civitrace.server.presence.warnings import publish_warnings
from civitrace.server.settings import Settings
from tests.server.conftest import Authority
from tests.server.test_presence_support import (
    PresenceApi,
    TestClient,
    make_presence,
    make_venue,
    open_client,
    reports_for,
    stay,
    two_days_ago_at_noon,
)

HOUR = timedelta(hours=1)
T0 = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)  # a fixed hour for the job's own tests
H0 = hour_interval(int(T0.timestamp()))


@pytest.fixture(scope="module")
def presence_client(settings: Settings) -> Iterator[TestClient]:
    yield from open_client(settings)


@pytest.fixture
def presence(presence_client: TestClient, client: TestClient, authority: Authority) -> PresenceApi:
    return make_presence(presence_client, authority)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def storage(presence: PresenceApi) -> ExportStorage:
    found: ExportStorage = presence.client.app.state.export_storage  # type: ignore[attr-defined]
    return found


def builder(engine: Engine, storage: ExportStorage) -> PackageBuilder:
    return PackageBuilder(engine, storage, PresenceSettings())


def publish(engine: Engine, reports: list[CheckInProtectedReport], at: datetime) -> None:
    with session_factory(engine)() as session:
        publish_warnings(session, ["ZZ"], reports, at)
        session.commit()


def test_end_to_end_the_visitor_finds_the_warning(
    presence: PresenceApi, engine: Engine, storage: ExportStorage
) -> None:
    venue, elsewhere = make_venue("Café Lindenhof"), make_venue("Bäckerei Sonne")
    noon = two_days_ago_at_noon()
    infected = stay(venue, noon, 120)  # 12:00-14:00, at the highest transmission risk
    visitor = stay(venue, noon + timedelta(minutes=30), 60)
    later_guest = stay(venue, noon + timedelta(hours=6), 60)
    other_venue_guest = stay(elsewhere, noon, 120)

    reports = reports_for([infected])
    presence.submitted(reports)
    (submission_id,) = presence.pending_ids()
    approved = presence.decide(submission_id, "approve").json()
    hour = approved["intervalNumber"]

    built = builder(engine, storage).run(hour_start(hour + 1))
    assert [(b.region, b.interval_number) for b in built] == [("ZZ", hour)]
    assert built[0].report_count == len(reports)

    index = presence.client.get("/presence/warnings/ZZ/index.txt")
    assert index.status_code == 200, index.text
    assert index.text.split("\n") == [str(hour)]
    download = presence.client.get(f"/presence/warnings/ZZ/{hour}.bin")
    assert download.status_code == 200, download.text
    assert download.headers["content-type"] == "application/octet-stream"
    assert "cwa-empty-pkg" not in download.headers
    assert "immutable" in download.headers["cache-control"]
    package = decode_package(download.content)
    assert (package.interval_number, package.region) == (hour, "ZZ")
    assert {r.mac for r in package.reports} == {r.mac for r in reports}

    now = int(datetime.now(UTC).timestamp())
    matches = find_matches([visitor, later_guest, other_venue_guest], [package], now)
    assert {m.check_in for m in matches} == {visitor}
    assert sum(m.overlap_seconds for m in matches) == 60 * 60
    (day,) = risk_by_day(matches)
    assert day.level is RiskLevel.HIGH  # 60 min x 1.6 (level 8) is far above 10


def test_on_behalf_warning_reaches_the_guests(
    presence: PresenceApi, engine: Engine, storage: ExportStorage
) -> None:
    venue = make_venue("Jazzkeller")
    start = two_days_ago_at_noon() + timedelta(hours=7)
    guest = stay(venue, start + timedelta(minutes=20), 90)
    response = presence.warn(
        venue=base64.b64encode(venue.raw).decode(),
        startTime=start.isoformat(),
        endTime=(start + timedelta(hours=3)).isoformat(),
        transmissionRiskLevel=7,
    )
    assert response.status_code == 200, response.text
    hour = response.json()["intervalNumber"]
    builder(engine, storage).run(hour_start(hour + 1))
    package = decode_package(presence.client.get(f"/presence/warnings/ZZ/{hour}.bin").content)
    (match,) = find_matches([guest], [package], int(datetime.now(UTC).timestamp()))
    assert match.overlap_seconds == 90 * 60
    assert match.record.transmission_risk_level == 7


def test_every_complete_hour_gets_a_package(
    presence: PresenceApi, engine: Engine, storage: ExportStorage
) -> None:
    publish(engine, [fake_report() for _ in range(3)], T0 + timedelta(minutes=25))
    first = builder(engine, storage).run(T0 + 4 * HOUR + timedelta(minutes=5))
    assert [(b.interval_number, b.report_count) for b in first] == [
        (H0, 3),
        (H0 + 1, 0),
        (H0 + 2, 0),
        (H0 + 3, 0),
    ]
    assert builder(engine, storage).run(T0 + 4 * HOUR + timedelta(minutes=59)) == []
    (later,) = builder(engine, storage).run(T0 + 5 * HOUR)
    assert later.interval_number == H0 + 4
    index = presence.client.get("/presence/warnings/ZZ/index.txt")
    assert index.headers["content-type"].startswith("text/plain")
    assert index.text == "\n".join(str(H0 + i) for i in range(5))
    for hour in range(H0 + 1, H0 + 5):
        empty = presence.client.get(f"/presence/warnings/ZZ/{hour}.bin")
        assert empty.headers["cwa-empty-pkg"] == "1"
        package = decode_package(empty.content)
        assert (package.interval_number, package.region, package.reports) == (hour, "ZZ", ())


def test_first_run_without_warnings_builds_the_last_complete_hour(
    engine: Engine, storage: ExportStorage, presence: PresenceApi
) -> None:
    built = builder(engine, storage).run(T0 + timedelta(minutes=1))
    assert [b.interval_number for b in built] == [H0 - 1]


def test_a_warning_committed_after_its_hour_was_built_goes_in_the_next_package(
    engine: Engine, storage: ExportStorage, presence: PresenceApi
) -> None:
    builder(engine, storage).run(T0 + HOUR)  # builds H0
    late = fake_report()
    publish(engine, [late], T0 + timedelta(minutes=59))  # its hour, H0, is already out
    (built,) = builder(engine, storage).run(T0 + 2 * HOUR)
    assert built.interval_number == H0 + 1
    package = decode_package(storage.get(built.name))
    assert [r.mac for r in package.reports] == [late.mac]


def test_a_pending_package_is_rebuilt_to_the_same_bytes(
    engine: Engine, storage: ExportStorage, presence: PresenceApi
) -> None:
    publish(engine, [fake_report() for _ in range(40)], T0)
    (built,) = builder(engine, storage).run(T0 + HOUR)
    original = storage.get(built.name)
    package = decode_package(original)
    assert [r.mac for r in package.reports] == sorted(r.mac for r in package.reports)
    with session_factory(engine)() as session:  # as if the run died before step 3
        session.execute(update(WarningPackageRecord).values(status="pending", completed_at=None))
        session.commit()
    storage.delete(built.name)
    (rebuilt,) = builder(engine, storage).run(T0 + HOUR)
    assert rebuilt.interval_number == built.interval_number
    assert storage.get(rebuilt.name) == original
    with session_factory(engine)() as session:
        (record,) = session.scalars(select(WarningPackageRecord)).all()
    assert (record.status, record.report_count) == ("complete", 40)


def test_warnings_older_than_the_retention_are_not_packaged(
    engine: Engine, storage: ExportStorage, presence: PresenceApi
) -> None:
    publish(engine, [fake_report()], T0 - timedelta(days=16))
    fresh = fake_report()
    publish(engine, [fresh], T0 - timedelta(days=2))
    built = builder(engine, storage).run(T0)
    assert built[0].interval_number == hour_interval(int((T0 - timedelta(days=2)).timestamp()))
    carried = [r.mac for b in built for r in decode_package(storage.get(b.name)).reports]
    assert carried == [fresh.mac]


def test_every_region_of_the_authority_gets_the_warnings(
    engine: Engine, storage: ExportStorage, presence: PresenceApi, settings: Settings
) -> None:
    with session_factory(engine)() as session:
        authority = create_health_authority(session, settings, "Border Authority", ["XA", "XB"])
        create_api_key(session, authority, ApiKeyType.ADMIN, "console")
        record = CheckInRecord(hour_interval(int(T0.timestamp())) * 6, 6, 7)
        report = encrypt_record(bytes(32), record)
        publish_warnings(session, authority.region_list, [report], T0)
        session.commit()
    built = builder(engine, storage).run(T0 + HOUR)
    by_region = {b.region: b for b in built}
    assert {"XA", "XB", "ZZ"} <= set(by_region)
    for region in ("XA", "XB"):
        (carried,) = decode_package(storage.get(by_region[region].name)).reports
        assert carried.mac == report.mac
    assert by_region["ZZ"].report_count == 0


def test_the_job_takes_its_lock(engine: Engine, storage: ExportStorage) -> None:
    with job_lock(engine, JOB_NAME), pytest.raises(JobAlreadyRunningError):
        builder(engine, storage).run(T0)


def test_naive_until_is_refused(engine: Engine) -> None:
    with pytest.raises(ValueError, match="aware"):
        builder(engine, MemoryStorage()).run(datetime(2026, 3, 1, 10))


@pytest.mark.parametrize(
    "path",
    [
        "/presence/warnings/ZZ/1.bin",
        "/presence/warnings/zz/index.txt",
        "/presence/warnings/ZZ/index.html",
        "/presence/warnings/ZZ/..%2Fsecrets",
        "/presence/warnings/ZZ/-1.bin",
        "/presence/warnings/ZZ/12345678901.bin",
    ],
)
def test_nothing_else_is_served(presence: PresenceApi, path: str) -> None:
    response = presence.client.get(path)
    assert response.status_code == 404, response.text
    document: dict[str, Any] = response.json()
    assert document["errorCode"] == "not_found"
    if "%2F" not in path:  # a decoded slash matches no route at all: Starlette's own 404
        assert document["error"] == "no such warning package"


def test_warnings_are_claimed_once(
    engine: Engine, storage: ExportStorage, presence: PresenceApi
) -> None:
    publish(engine, [fake_report() for _ in range(5)], T0)
    builder(engine, storage).run(T0 + 3 * HOUR)
    with session_factory(engine)() as session:
        intervals = set(session.scalars(select(VenueWarning.package_interval)))
    assert intervals == {H0}
