"""Enforcement is generic over the metadata: it reads each table's declaration, honours
NULL (clock not started) and date columns, reports what it cannot enforce without stopping,
wipes undeclared categories and, after the sunset, every personal table."""

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import (
    Column,
    Date,
    Engine,
    ForeignKey,
    Integer,
    MetaData,
    Table,
    func,
    insert,
    select,
)

from civitrace.governance.enforce import JOB_NAME, enforce
from civitrace.governance.settings import GovernanceSettings
from civitrace.server.db import Base, make_engine, session_factory
from civitrace.server.db.models import HealthAuthority
from civitrace.server.db.types import UTCDateTime
from civitrace.server.jobs.lock import JobAlreadyRunningError, job_lock
from tests.governance.factories import load_factories

T0 = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
DAY = timedelta(days=1)
GOVERNANCE = GovernanceSettings()

metadata = MetaData()
notes = Table(
    "notes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("closed_at", UTCDateTime, nullable=True),
    info={"data_category": "cases", "retention_column": "closed_at"},
)
diary = Table(
    "diary",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("day", Date),
    info={"data_category": "quarantine_followups", "retention_column": "day"},
)
ops = Table(
    "ops",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("created_at", UTCDateTime),
    info={"data_category": "operational"},
)
untagged = Table("untagged", metadata, Column("id", Integer, primary_key=True))
ghost = Table(
    "ghost",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", UTCDateTime),
    info={"data_category": "gossip", "retention_column": "at"},
)
parent = Table(
    "parent",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", UTCDateTime),
    info={"data_category": "staff_sessions", "retention_column": "at"},
)
child = Table(
    "child",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("parent_id", ForeignKey("parent.id", ondelete="RESTRICT")),
    info={"data_category": "operational"},
)


@pytest.fixture
def scratch(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'scratch.sqlite3'}")
    metadata.create_all(engine)
    Base.metadata.create_all(
        engine,
        tables=[Base.metadata.tables["inventory_proposals"], Base.metadata.tables["audit_log"]],
    )
    yield engine
    engine.dispose()


def _count(engine: Engine, table: Table) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(select(func.count()).select_from(table)) or 0)


def test_the_declarations_drive_what_is_deleted(scratch: Engine) -> None:
    with scratch.begin() as connection:
        connection.execute(
            insert(notes),
            [
                {"closed_at": T0 - 31 * DAY},  # past 30 days
                {"closed_at": T0 - 29 * DAY},
                {"closed_at": None},  # still open: the clock has not started
            ],
        )
        connection.execute(
            insert(diary),
            [
                {"day": date(2026, 1, 30)},  # started 31 days and 9.5 h ago
                {"day": date(2026, 1, 31)},  # started 30 days and 9.5 h ago: past too
                {"day": date(2026, 2, 1)},  # started 29 days and 9.5 h ago
            ],
        )
        connection.execute(insert(ops), [{"created_at": T0 - 900 * DAY}])
        connection.execute(insert(ghost), [{"at": T0}])
        connection.execute(
            insert(parent), [{"id": 1, "at": T0 - 10 * DAY}, {"id": 2, "at": T0 - 10 * DAY}]
        )
        connection.execute(insert(child), [{"parent_id": 1}])
    report = enforce(scratch, GOVERNANCE, now=T0, metadata=metadata)
    assert report.deleted["notes"] == 1
    assert report.deleted["diary"] == 2
    assert report.deleted["ghost"] == 1  # its category is not declared: nothing is kept
    assert "ops" not in report.deleted
    assert _count(scratch, notes) == 2
    assert _count(scratch, ops) == 1
    assert any(p.startswith("table untagged: declares no data_category") for p in report.problems)
    assert any(p.startswith("table parent: not enforced") for p in report.problems)
    assert _count(scratch, parent) == 2  # the whole table's delete was rolled back...
    assert _count(scratch, diary) == 1  # ...and the other tables were still enforced


def test_after_the_sunset_every_personal_record_goes(engine: Engine) -> None:
    factories = load_factories()
    with session_factory(engine)() as session:
        for table in ("exposures", "verification_codes", "audit_log", "access_requests"):
            factories[table](session, T0)
        session.commit()
    sunset = GovernanceSettings(sunset_at=T0 + DAY)
    before = enforce(engine, sunset, now=T0 + DAY - timedelta(seconds=1))
    assert not before.sunset
    assert before.deleted.get("exposures", 0) == 0
    report = enforce(engine, sunset, now=T0 + DAY)
    assert report.sunset
    with session_factory(engine)() as session:
        for table in ("exposures", "verification_codes", "access_requests"):
            model = Base.metadata.tables[table]
            assert session.scalar(select(func.count()).select_from(model)) == 0, table
        audit = Base.metadata.tables["audit_log"]
        assert list(session.execute(select(audit.c.actor, audit.c.action))) == [
            ("system", "audit.pruned")
        ]
        assert (session.scalar(select(func.count()).select_from(HealthAuthority)) or 0) >= 1
    again = enforce(engine, sunset, now=T0 + 2 * DAY)
    assert set(again.deleted.values()) == {0}


def test_one_host_at_a_time_and_an_aware_clock(engine: Engine) -> None:
    with job_lock(engine, JOB_NAME), pytest.raises(JobAlreadyRunningError):
        enforce(engine, GOVERNANCE, now=T0)
    with pytest.raises(ValueError, match="aware"):
        enforce(engine, GOVERNANCE, now=datetime(2026, 3, 2))
