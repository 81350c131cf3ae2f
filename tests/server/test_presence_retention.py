"""Retention of presence data: tables declare their inventory category and retention column;
packages, their files and the bookkeeping go on time; settings refuse longer retentions; the
migration goes down and up again."""

import importlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic.migration import MigrationContext
from alembic.operations import Operations
from pydantic import ValidationError
from sqlalchemy import Engine, inspect, select

from civitrace.presence.report import fake_report
from civitrace.presence.warning_package import hour_interval
from civitrace.server.db import Base, make_engine, migrate, session_factory
from civitrace.server.db.presence_models import (
    CheckInReport,
    CheckInSubmission,
    KioskSlip,
    SlipLookupFailure,
    SpentCertificate,
    VenueWarning,
    WarningPackageRecord,
)
from civitrace.server.db.types import UTCDateTime
from civitrace.server.exports.storage import MemoryStorage
from civitrace.server.presence.cleanup import PACKAGE_FILES, cleanup_presence
from civitrace.server.presence.packages import PackageBuilder, index_name, package_name
from civitrace.server.presence.settings import PresenceSettings, shorter_retentions
from civitrace.server.presence.warnings import publish_warnings
from tests.server.conftest import _wipe

NOW = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)

TAGS = {
    CheckInSubmission: ("checkin_reports", "submitted_at"),
    CheckInReport: ("checkin_reports", "submitted_at"),
    VenueWarning: ("venue_warnings", "published_at"),
    KioskSlip: ("kiosk_slips", "uploaded_at"),
    SpentCertificate: ("operational", None),
    WarningPackageRecord: ("operational", None),
    SlipLookupFailure: ("operational", None),
}


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    _wipe(database_url)
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.mark.parametrize("model", list(TAGS), ids=lambda m: m.__tablename__)
def test_every_table_declares_its_category(model: type[Base]) -> None:
    category, column = TAGS[model]
    table = Base.metadata.tables[model.__tablename__]
    assert table.info.get("data_category") == category
    assert table.info.get("retention_column") == column
    if column is not None:
        assert isinstance(table.columns[column].type, UTCDateTime)


def test_settings_hand_the_enforcement_only_shorter_retentions() -> None:
    section = PresenceSettings(report_retention=3 * DAY)
    assert shorter_retentions(section) == {
        "checkin_reports": 3 * DAY,
        "venue_warnings": 15 * DAY,
        "kiosk_slips": 14 * DAY,
    }


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        ("report_retention", 16 * DAY, "report_retention must be 1..15 days"),
        ("warning_retention", 9 * DAY, "warning_retention must be 10..15 days"),
        ("slip_retention", 16 * DAY, "slip_retention must be whole days"),
        ("slip_retention", DAY + timedelta(hours=1), "slip_retention must be whole days"),
        ("slip_lookup_window", timedelta(minutes=7), "slip_lookup_window"),
        ("slip_max_failed_lookups", 0, "slip_max_failed_lookups"),
        ("max_reports_per_submission", 19, "max_reports_per_submission must be 20..1000"),
    ],
)
def test_unsafe_settings_are_refused(field: str, value: object, problem: str) -> None:
    with pytest.raises(ValidationError, match=problem):
        PresenceSettings.model_validate({field: value})


def _package_hours(engine: Engine) -> list[int]:
    with session_factory(engine)() as session:
        return sorted(session.scalars(select(WarningPackageRecord.interval_number)))


def test_packages_and_their_files_go_once_their_hour_is_past_retention(engine: Engine) -> None:
    storage = MemoryStorage()
    settings = PresenceSettings()
    first = NOW - 17 * DAY
    with session_factory(engine)() as session:
        publish_warnings(session, ["ZZ"], [fake_report()], first)
        session.commit()
    PackageBuilder(engine, storage, PresenceSettings()).run(first + 3 * timedelta(hours=1))
    start = hour_interval(int(first.timestamp()))
    assert _package_hours(engine) == [start, start + 1, start + 2]
    storage.put(package_name("ZZ", start - 5), b"left by a crashed run", "x")

    edge = datetime.fromtimestamp((start + 2) * 3600, UTC) + settings.warning_retention
    counts = cleanup_presence(engine, settings, edge, storage)  # start+1 ended just then: kept
    assert counts["warning_packages"] == 1
    assert counts[PACKAGE_FILES] == 2  # its file and the stray one
    assert _package_hours(engine) == [start + 1, start + 2]
    assert storage.get(index_name("ZZ")) == f"{start + 1}\n{start + 2}".encode()
    assert set(storage.list("presence/")) == {
        index_name("ZZ"),
        package_name("ZZ", start + 1),
        package_name("ZZ", start + 2),
    }
    cleanup_presence(engine, settings, edge + timedelta(hours=1), storage)
    assert _package_hours(engine) == [start + 2]
    cleanup_presence(engine, settings, edge + timedelta(hours=1, seconds=1), storage)
    assert _package_hours(engine) == []
    assert storage.get(index_name("ZZ")) == b""


def test_spent_certificates_and_lookup_counts_go_a_day_later(engine: Engine) -> None:
    with session_factory(engine)() as session:
        session.add_all(
            [
                SpentCertificate(certificate_hash=b"a" * 32, expires_at=NOW - DAY - timedelta(1)),
                SpentCertificate(certificate_hash=b"b" * 32, expires_at=NOW - DAY + timedelta(1)),
                SlipLookupFailure(window_start=NOW - 2 * DAY, count=4),
                SlipLookupFailure(window_start=NOW - timedelta(hours=23), count=4),
            ]
        )
        session.commit()
    counts = cleanup_presence(engine, PresenceSettings(), NOW)
    assert counts["presence_spent_certificates"] == 1
    assert counts["slip_lookup_failures"] == 1
    with session_factory(engine)() as session:
        assert session.scalars(select(SpentCertificate.certificate_hash)).all() == [b"b" * 32]
        assert len(session.scalars(select(SlipLookupFailure)).all()) == 1


def test_naive_now_is_refused(engine: Engine) -> None:
    with pytest.raises(ValueError, match="aware"):
        cleanup_presence(engine, PresenceSettings(), datetime(2026, 3, 1))


def test_the_migration_goes_down_and_up(tmp_path: Path) -> None:
    """0005 alone, at 0004: upgrade creates the seven tables, downgrade removes them."""
    url = f"sqlite:///{tmp_path / 'presence.sqlite3'}"
    migrate(url, "0004")
    module = importlib.import_module("civitrace.server.migrations.versions.0005_presence")
    engine = make_engine(url)
    names = {model.__tablename__ for model in TAGS}
    with engine.begin() as connection:
        with Operations.context(MigrationContext.configure(connection, opts={"as_sql": False})):
            module.upgrade()
        assert names <= set(inspect(connection).get_table_names())
        with Operations.context(MigrationContext.configure(connection)):
            module.downgrade()
        assert not names & set(inspect(connection).get_table_names())
    engine.dispose()
