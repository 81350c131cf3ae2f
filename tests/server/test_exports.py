"""Export batches on SQLite and PostgreSQL: windows, age, padding, order, signing, splitting."""

import secrets
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from civitrace.en.export import ExportFile, VerificationKey, read_export_zip, verify_export
from civitrace.en.keys import ReportType
from civitrace.server.authorities import create_health_authority
from civitrace.server.db import Base, make_engine, session_factory
from civitrace.server.db.export_models import ExportBatchRecord, ExportConfig, ExportPaddingKey
from civitrace.server.db.models import Exposure
from civitrace.server.exports.batcher import (
    ExportBatcher,
    KeyMeta,
    make_padding,
    padding_count,
)
from civitrace.server.exports.cleanup import cleanup_exports
from civitrace.server.exports.config import align, create_export_config, pending_windows
from civitrace.server.exports.errors import (
    ExportConfigError,
    ExportSigningKeyError,
    ObjectNotFoundError,
)
from civitrace.server.exports.settings import ExportSettings
from civitrace.server.exports.signing import create_signing_key, set_active, verification_keys
from civitrace.server.exports.storage import MemoryStorage, open_storage

T0 = datetime(2026, 11, 2, tzinfo=UTC)  # a Monday, 00:00 UTC
HOUR = timedelta(hours=1)
KEK = bytes(range(32))
SETTINGS = ExportSettings(debug_allow_unsafe_batches=True, min_records=0, padding_range=0)


@dataclass
class Env:
    engine: Engine
    storage: MemoryStorage

    def session(self) -> Any:
        return session_factory(self.engine)()

    def config(self, region: str = "ZZ", **values: Any) -> ExportConfig:
        values.setdefault("start_at", T0)
        values.setdefault("min_records", 0)
        values.setdefault("padding_range", 0)
        with self.session() as session:
            row = create_export_config(session, SETTINGS, region, **values)
            session.commit()
            return row

    def signing_key(self, key_id: str = "310", version: str = "v1") -> VerificationKey:
        with self.session() as session:
            row = create_signing_key(session, KEK, key_id, version)
            session.commit()
            return VerificationKey.from_pem(row.public_key_pem.encode(), key_id, version)

    def add(self, created_at: datetime, count: int = 1, **values: Any) -> list[bytes]:
        keys = []
        with self.session() as session:
            for i in range(count):
                key = secrets.token_bytes(16)
                row: dict[str, Any] = {
                    "exposure_key": key,
                    "transmission_risk": (i % 8) + 1,
                    "regions": "ZZ",
                    "interval_number": 2_950_000 - 144 * (i % 14),
                    "interval_count": 144,
                    "created_at": created_at,
                    "report_type": "confirmed",
                    "days_since_symptom_onset": (i % 5) - 2,
                }
                row.update(values)
                session.add(Exposure(**row))
                keys.append(key)
            session.commit()
        return keys

    def run(self, until: datetime, settings: ExportSettings = SETTINGS) -> list[Any]:
        return ExportBatcher(self.engine, self.storage, settings, KEK).run(until)

    def files(self, region: str = "ZZ") -> list[ExportFile]:
        index = self.storage.get(f"{region}/index.txt").decode()
        return [read_export_zip(self.storage.get(name)) for name in index.split("\n") if name]


@pytest.fixture
def env(database_url: str) -> Iterator[Env]:
    engine = make_engine(database_url)
    with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            if table.name != "signing_keys":
                connection.execute(table.delete())
    yield Env(engine, MemoryStorage())
    engine.dispose()


def meta(key: Any) -> tuple[Any, ...]:
    return (
        key.transmission_risk_level,
        key.rolling_start_number,
        key.rolling_period,
        key.report_type,
        key.days_since_onset_of_symptoms,
    )


# --- windows ----------------------------------------------------------------------------------


def _config(period: timedelta, age: timedelta, start: datetime) -> ExportConfig:
    return ExportConfig(
        region="ZZ",
        period_seconds=int(period.total_seconds()),
        min_window_age_seconds=int(age.total_seconds()),
        start_at=start,
    )


def test_windows_are_aligned_to_the_period_and_utc_midnight() -> None:
    assert align(T0 + timedelta(hours=5, minutes=59), 4 * HOUR) == T0 + 4 * HOUR
    assert align(T0 + timedelta(minutes=29), timedelta(minutes=15)) == T0 + timedelta(minutes=15)
    config = _config(4 * HOUR, 2 * HOUR, T0 + timedelta(hours=1, minutes=7))
    windows = pending_windows(config, None, T0 + 14 * HOUR)
    assert [(w.start - T0, w.end - T0) for w in windows] == [
        (timedelta(0), 4 * HOUR),
        (4 * HOUR, 8 * HOUR),
        (8 * HOUR, 12 * HOUR),
    ]


def test_windows_wait_for_the_minimum_age() -> None:
    config = _config(HOUR, 2 * HOUR, T0)
    assert pending_windows(config, None, T0 + 2 * HOUR + timedelta(minutes=59)) == []
    assert len(pending_windows(config, None, T0 + 3 * HOUR)) == 1
    assert pending_windows(config, T0 + HOUR, T0 + 3 * HOUR) == []


def test_unsafe_configs_are_refused() -> None:
    with pytest.raises(ValueError, match="min_window_age"):
        ExportSettings(min_window_age=timedelta(minutes=5))
    with pytest.raises(ValueError, match="min_records"):
        ExportSettings(min_records=10)
    with pytest.raises(ValueError, match="divide 24 h"):
        ExportSettings(period=timedelta(hours=7))
    with pytest.raises(ValueError, match="s3_bucket"):
        ExportSettings(storage="s3")


def test_config_refuses_bad_region_and_period(env: Env) -> None:
    with env.session() as session:
        with pytest.raises(ExportConfigError, match="region"):
            create_export_config(session, SETTINGS, "zz")
        with pytest.raises(ExportConfigError, match="period"):
            create_export_config(session, SETTINGS, "ZZ", period=timedelta(minutes=7))
        with pytest.raises(ExportConfigError, match="min_records"):
            create_export_config(session, ExportSettings(), "ZZ", min_records=5)


# --- the batcher ------------------------------------------------------------------------------


def test_minimum_age_and_never_twice(env: Env) -> None:
    env.config()
    trusted = env.signing_key()
    key = env.add(T0 + 2 * HOUR)[0]
    built = env.run(T0 + 4 * HOUR + timedelta(minutes=30))  # cutoff 2:30: windows 0-1, 1-2
    assert [(b.start - T0, b.key_count) for b in built] == [(timedelta(0), 0), (HOUR, 0)]
    assert all(key not in [k.key_data for k in f.batch.keys] for f in env.files())
    built = env.run(T0 + 5 * HOUR)
    assert [(b.start - T0, b.key_count) for b in built] == [(2 * HOUR, 1)]
    assert env.run(T0 + 5 * HOUR) == []
    assert env.run(T0 + 5 * HOUR + timedelta(minutes=59)) == []
    with env.session() as session:
        assert session.scalar(select(func.count()).select_from(ExportBatchRecord)) == 3
    files = env.files()
    assert [len(f.batch.keys) for f in files] == [0, 0, 1]
    assert files[2].batch.keys[0].key_data == key
    for name in env.storage.list("ZZ/"):
        if name.endswith(".zip"):
            verify_export(env.storage.get(name), [trusted])


def test_a_crashed_batch_is_rebuilt_with_the_same_padding(env: Env) -> None:
    env.config(min_records=30)
    env.signing_key()
    real = set(env.add(T0, 5))
    batcher = ExportBatcher(env.engine, env.storage, SETTINGS, KEK)
    with env.session() as session:
        config = session.scalars(select(ExportConfig)).one()
    window = pending_windows(config, None, T0 + 3 * HOUR)[0]
    begun = batcher._begin(window, config)  # the run dies after step 1
    assert begun is not None
    record_id = begun.record_id
    assert batcher._begin(window, config) is None  # nobody builds the window twice
    with env.session() as session:
        persisted = set(
            session.scalars(
                select(ExportPaddingKey.exposure_key).where(ExportPaddingKey.batch_id == record_id)
            )
        )
    assert len(persisted) == 25
    built = env.run(T0 + 3 * HOUR)
    assert [b.start for b in built] == [T0]
    assert {k.key_data for k in env.files()[0].batch.keys} == real | persisted


def test_padding_clones_every_real_key_and_looks_real(env: Env) -> None:
    env.config(min_records=50)
    env.signing_key()
    real_keys = env.add(T0, 7)
    env.run(T0 + 3 * HOUR)
    (export,) = env.files()
    real = [k for k in export.batch.keys if k.key_data in real_keys]
    fakes = [k for k in export.batch.keys if k.key_data not in real_keys]
    assert len(real) == 7
    assert len(fakes) == 43
    fake_meta = Counter(meta(k) for k in fakes)
    assert set(fake_meta) == {meta(k) for k in real}  # every real key cloned, nothing else
    assert all(count >= 1 for count in fake_meta.values())
    assert all(k.report_type == ReportType.CONFIRMED_TEST for k in fakes)


def test_padding_count_rules() -> None:
    assert padding_count(0, 1000, 100) == 0
    assert padding_count(2000, 1000, 100) == 0
    assert padding_count(900, 1000, 0) == 900  # at least one clone per real key
    for _ in range(50):
        assert 1000 <= 10 + padding_count(10, 1000, 100) <= 1100
    real = [KeyMeta(i % 8, 2_950_000, 144, "likely", None) for i in range(5)]
    fakes = make_padding(real, 12)
    assert len({row[0] for row in fakes}) == 12
    assert Counter(KeyMeta(*row[1:]) for row in fakes).keys() == set(real)


def test_padding_with_a_random_range(env: Env) -> None:
    env.config(min_records=40, padding_range=20)
    env.signing_key()
    env.add(T0, 3)
    (built,) = env.run(T0 + 3 * HOUR)
    assert 40 <= built.key_count + built.padding_count <= 60


def test_order_is_sorted_and_independent_of_insertion(env: Env) -> None:
    env.config("ZZ")
    env.config("DE")
    env.signing_key()
    keys = [secrets.token_bytes(16) for _ in range(30)]
    with env.session() as session:
        for region, order in (("ZZ", keys), ("DE", list(reversed(keys)))):
            for key in order:
                session.add(
                    Exposure(
                        exposure_key=key if region == "ZZ" else bytes(reversed(key)),
                        transmission_risk=3,
                        regions=region,
                        interval_number=2_950_000,
                        interval_count=144,
                        created_at=T0,
                        report_type="confirmed",
                    )
                )
        session.commit()
    env.run(T0 + 3 * HOUR)
    zz = [k.key_data for k in env.files("ZZ")[0].batch.keys]
    de = [bytes(reversed(k.key_data)) for k in env.files("DE")[0].batch.keys]
    assert zz == sorted(keys)
    assert sorted(de) == sorted(keys)
    assert [k.key_data for k in env.files("DE")[0].batch.keys] == sorted(
        bytes(reversed(k)) for k in keys
    )


def test_regions_match_exactly(env: Env) -> None:
    env.config("ZZ")
    env.config("DE")
    env.signing_key()
    both = env.add(T0, 1, regions="DE,ZZ")[0]
    de_only = env.add(T0, 1, regions="DE")[0]
    env.run(T0 + 3 * HOUR)
    assert [k.key_data for k in env.files("ZZ")[0].batch.keys] == [both]
    assert {k.key_data for k in env.files("DE")[0].batch.keys} == {both, de_only}


def test_revised_keys_carry_the_revision(env: Env) -> None:
    env.config()
    env.signing_key()
    key = env.add(
        T0,
        1,
        report_type="likely",
        revised_report_type="confirmed",
        revised_at=T0 + HOUR,
        revised_transmission_risk=6,
    )[0]
    env.run(T0 + 4 * HOUR)
    first, second = env.files()
    assert [(k.key_data, k.report_type) for k in first.batch.keys] == [
        (key, ReportType.CONFIRMED_CLINICAL_DIAGNOSIS)
    ]
    assert first.batch.revised_keys == ()
    assert second.batch.keys == ()
    (revised,) = second.batch.revised_keys
    assert (revised.key_data, revised.report_type, revised.transmission_risk_level) == (
        key,
        ReportType.CONFIRMED_TEST,
        6,
    )


def test_rotation_signs_with_every_active_key(env: Env) -> None:
    env.config()
    old = env.signing_key("310", "v1")
    new = env.signing_key("310", "v2")
    env.add(T0, 3)
    env.run(T0 + 3 * HOUR)
    (export,) = env.files()
    assert [
        (s.info.verification_key_id, s.info.verification_key_version) for s in export.signatures
    ] == [("310", "v1"), ("310", "v2")]
    data = env.storage.get(env.storage.get("ZZ/index.txt").decode())
    verify_export(data, [old])
    verify_export(data, [new])
    with env.session() as session:
        set_active(session, "310", "v1", False)
        session.commit()
        assert len(verification_keys(session)) == 2
    env.run(T0 + 4 * HOUR)
    assert [s.info.verification_key_version for s in env.files()[1].signatures] == ["v2"]


def test_no_active_signing_key_is_an_error(env: Env) -> None:
    env.config()
    with pytest.raises(ExportSigningKeyError, match="no active export signing key"):
        env.run(T0 + 3 * HOUR)
    with env.session() as session, pytest.raises(ExportSigningKeyError, match="version"):
        create_signing_key(session, KEK, "310", "")


def test_large_batches_are_split(env: Env) -> None:
    env.config(max_records=10)
    trusted = env.signing_key()
    keys = set(env.add(T0, 25))
    (built,) = env.run(T0 + 3 * HOUR)
    start, end = int(T0.timestamp()), int((T0 + HOUR).timestamp())
    assert built.files == tuple(f"ZZ/{start}-{end}-{n:05d}.zip" for n in (1, 2, 3))
    files = env.files()
    assert [len(f.batch.keys) for f in files] == [10, 10, 5]
    assert [f.batch.end_timestamp for f in files] == [end, end + 1, end + 2]
    assert all((f.batch.batch_num, f.batch.batch_size) == (1, 1) for f in files)
    assert {k.key_data for f in files for k in f.batch.keys} == keys
    for name in built.files:
        verify_export(env.storage.get(name), [trusted])


def test_index_lists_every_file_oldest_first(env: Env) -> None:
    env.config(max_records=2)
    env.signing_key()
    env.add(T0 + HOUR, 3)
    built = env.run(T0 + 4 * HOUR)
    names = [name for b in built for name in b.files]
    assert len(names) == 1 + 2  # an empty window, then 3 keys in files of 2
    assert env.storage.get("ZZ/index.txt").decode() == "\n".join(names)
    assert env.storage.list("ZZ/") == sorted([*names, "ZZ/index.txt"])


def test_default_configs_for_authority_regions(env: Env, settings: Any) -> None:
    with env.session() as session:
        create_health_authority(session, settings, "Test HA", ["XA"])
        session.commit()
    env.signing_key()
    env.add(T0 + 30 * timedelta(minutes=1), 2, regions="XA")
    built = env.run(T0 + 3 * HOUR, ExportSettings(debug_allow_unsafe_batches=True, min_records=0))
    assert [(b.region, b.start, b.key_count) for b in built] == [("XA", T0, 2)]


def test_cleanup_deletes_old_files_records_and_padding(env: Env) -> None:
    env.config(min_records=5)
    env.signing_key()
    env.add(T0, 1)
    env.add(T0 + 20 * HOUR, 1)
    built = env.run(T0 + 23 * HOUR)
    old = built[0].files[0]
    deleted = cleanup_exports(
        env.engine, env.storage, timedelta(days=14), T0 + timedelta(days=14, hours=1, minutes=1)
    )
    assert deleted == 1
    with pytest.raises(ObjectNotFoundError):
        env.storage.get(old)
    index = env.storage.get("ZZ/index.txt").decode().split("\n")
    assert old not in index
    assert len(index) == len(built) - 1
    with env.session() as session:
        assert session.scalar(select(func.count()).select_from(ExportBatchRecord)) == len(built) - 1
        assert session.scalar(select(func.count()).select_from(ExportPaddingKey)) == 4
    env.storage.put(
        f"ZZ/{int(T0.timestamp()) - 3600}-{int(T0.timestamp())}-00001.zip", b"x", "application/zip"
    )
    assert cleanup_exports(env.engine, env.storage, timedelta(days=14), T0 + timedelta(days=15)) > 1
    assert [n for n in env.storage.list() if n.endswith(".zip")] == [
        n for b in built if b.end > T0 + timedelta(days=1) for n in b.files
    ]


def test_local_storage_run_writes_under_data_dir(env: Env, tmp_path: Path) -> None:
    env.config()
    env.signing_key()
    storage = open_storage(SETTINGS, tmp_path)
    ExportBatcher(env.engine, storage, SETTINGS, KEK).run(T0 + 3 * HOUR)
    assert (tmp_path / "exports" / "ZZ" / "index.txt").is_file()
