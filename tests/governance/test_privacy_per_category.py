"""A privacy test per table that retention applies to: create data, advance the clock past
the declared retention, enforce, and prove it is gone (and that nothing younger went).

Driven by the metadata: every table of a personal category, or declaring a retention column,
is a case. A table without a factory fails, naming itself, so new tables are covered as they
land (see ``factories.py``). Exposure keys are also followed into the export files.
"""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, and_, func, select

from civitrace.en.export import read_export_zip
from civitrace.governance.enforce import enforce
from civitrace.governance.inventory import shipped_inventory
from civitrace.governance.settings import GovernanceSettings
from civitrace.governance.tags import TableTag, table_tags
from civitrace.server.db import Base, session_factory
from civitrace.server.exports.batcher import ExportBatcher
from civitrace.server.exports.config import create_export_config
from civitrace.server.exports.settings import ExportSettings
from civitrace.server.exports.signing import create_signing_key
from civitrace.server.exports.storage import MemoryStorage
from tests.governance.factories import load_factories

T0 = datetime(2026, 3, 2, tzinfo=UTC)  # midnight: a date column's clock starts exactly here
SECOND = timedelta(seconds=1)
YOUNGER = timedelta(days=1)  # the second record is a day younger (a date column's resolution)


def _enforced(tag: TableTag) -> bool:
    category = shipped_inventory().get(tag.category or "")
    return tag.retention_column is not None or category is None or category.personal


TAGS = {tag.table.name: tag for tag in table_tags(Base.metadata)}
ENFORCED = sorted(name for name, tag in TAGS.items() if _enforced(tag))


def _exists(engine: Engine, table: str, key: dict[str, Any]) -> bool:
    columns = Base.metadata.tables[table].c
    condition = and_(*(columns[name] == value for name, value in key.items()))
    with session_factory(engine)() as session:
        count = session.scalar(select(func.count()).select_from(columns[0].table).where(condition))
    return bool(count)


def test_every_personal_table_is_a_case() -> None:
    for tag in table_tags(Base.metadata):
        category = shipped_inventory().get(tag.category or "")
        if category is not None and category.personal:
            assert tag.table.name in ENFORCED


@pytest.mark.parametrize("table", ENFORCED)
def test_nothing_outlives_its_declared_retention(engine: Engine, table: str) -> None:
    factory = load_factories().get(table)
    if factory is None:
        pytest.fail(
            f"table {table} is enforced (category {TAGS[table].category!r}) but has no privacy "
            "factory: add one to tests/governance/factories.py or a "
            "tests/<area>/governance_factories.py"
        )
    category = shipped_inventory().get(TAGS[table].category or "")
    if category is None:
        pytest.fail(f"table {table}: category {TAGS[table].category!r} is not in the inventory")
    if category.retention is None:
        pytest.fail(f"table {table}: category {category.name!r} declares no retention")
    retention = category.retention
    with session_factory(engine)() as session:
        old = factory(session, T0)
        young = factory(session, T0 + YOUNGER)
        session.commit()
    governance = GovernanceSettings()

    enforce(engine, governance, now=T0 + retention - SECOND)
    assert _exists(engine, table, old), "deleted before its retention ended"

    report = enforce(engine, governance, now=T0 + retention + SECOND)
    assert not _exists(engine, table, old), f"{table} kept a record past {category.retention_text}"
    assert _exists(engine, table, young), "a younger record was deleted"
    assert report.deleted[table] >= 1
    assert not [p for p in report.problems if f"table {table}:" in p]

    after_sunset = GovernanceSettings(sunset_at=T0 + retention)
    enforce(engine, after_sunset, now=T0 + retention + 2 * SECOND)
    assert _exists(engine, table, young) is not category.personal, "sunset"


EXPORTS = ExportSettings(debug_allow_unsafe_batches=True, min_records=0, padding_range=0)
KEK = bytes(range(32))


def _keys_in_files(storage: MemoryStorage) -> set[bytes]:
    return {
        key.key_data
        for name in storage.list()
        if name.endswith(".zip")
        for key in read_export_zip(storage.get(name)).batch.keys
    }


def test_exposure_keys_leave_the_export_files_with_the_database(engine: Engine) -> None:
    factory = load_factories()["exposures"]
    with session_factory(engine)() as session:
        create_export_config(session, EXPORTS, "ZZ", start_at=T0 - timedelta(hours=9))
        create_signing_key(session, KEK, "310", "v1")
        # the old key and the one 50 minutes younger share the 00:00-01:00 window's file
        old = factory(session, T0)["exposure_key"]
        young = factory(session, T0 + timedelta(minutes=50))["exposure_key"]
        later = factory(session, T0 + timedelta(hours=2))["exposure_key"]
        session.commit()
    storage = MemoryStorage()
    ExportBatcher(engine, storage, EXPORTS, KEK).run(T0 + timedelta(hours=6))
    assert {old, young, later} <= _keys_in_files(storage)
    retention = shipped_inventory().get("exposure_keys").retention  # type: ignore[union-attr]
    assert retention == timedelta(days=14)

    report = enforce(
        engine, GovernanceSettings(), now=T0 + retention + SECOND, storage=storage, exports=EXPORTS
    )
    assert report.deleted["export_files"] >= 1
    in_files = _keys_in_files(storage)
    assert old not in in_files, "an export file still carries a key past its retention"
    assert later in in_files, "a file of younger keys only was deleted"
    assert not _exists(engine, "exposures", {"exposure_key": old})
    assert _exists(engine, "exposures", {"exposure_key": young})

    enforce(
        engine,
        GovernanceSettings(sunset_at=T0 + retention),
        now=T0 + retention + 2 * SECOND,
        storage=storage,
        exports=EXPORTS,
    )
    assert _keys_in_files(storage) == set()
    assert not _exists(engine, "exposures", {"exposure_key": later})
