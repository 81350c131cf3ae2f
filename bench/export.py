"""Export batcher benchmark: database rows to signed export files, against the codec's floor.

    python bench/export.py [--quick] [--db URL]     (with civitrace importable)

Loads N keys (1,000,000; quick: 100,000) into the ``exposures`` table of a fresh, migrated database
(SQLite in a temporary directory by default, or the PostgreSQL ``--db`` URL, whose exposure and
export tables are emptied first), all in one region and one 1-hour window, with Google's default of
at most 500,000 keys per file. Timed: ``ExportBatcher.run`` — select the rows, build keys, shuffle,
split, serialize, zip, sign with one P-256 key and write the files and ``index.txt`` to a local
directory. The floor, in the same process on the same keys held in memory as plain values: make
``TemporaryExposureKey`` objects (the codec's input), split them the same way and call
``civitrace.en.export.build_export`` per file (sort + serialize + zip + sign), nothing else — no
database, no storage — with Python's cyclic GC paused, as the batcher pauses it while it builds a
window (like for like: the pause saves both about a third). Each is run in 3 interleaved rounds;
figures are the best round. The last line is one JSON object with ``keys``, ``seconds``,
``floor_seconds``, ``ratio`` (target <= 2); ``codec_only_seconds`` is the floor without
constructing the ``TemporaryExposureKey`` objects from the in-memory values. ``cpu_seconds``,
``floor_cpu_seconds`` and ``cpu_ratio`` are the same rounds in this process's CPU time, which a
machine shared with other jobs disturbs less than wall time (with SQLite, the whole batcher runs in
this process; with PostgreSQL the server's share is not in it, so use the wall ratio).
"""

import argparse
import json
import math
import platform
import secrets
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, insert

from civitrace.en.export import ExportBatch, ExportSigner, build_export
from civitrace.en.keys import ReportType, TemporaryExposureKey
from civitrace.server.db import make_engine, migrate, session_factory
from civitrace.server.db.export_models import ExportBatchRecord, ExportConfig, ExportSigningKey
from civitrace.server.db.models import Exposure
from civitrace.server.exports.batcher import ExportBatcher, cyclic_gc_paused
from civitrace.server.exports.config import create_export_config
from civitrace.server.exports.settings import ExportSettings
from civitrace.server.exports.signing import active_signers, create_signing_key
from civitrace.server.exports.storage import LocalDirectoryStorage

T0 = datetime(2026, 11, 2, 10, tzinfo=UTC)
KEK = secrets.token_bytes(32)
MAX_RECORDS = 500_000
SETTINGS = ExportSettings()
Raw = tuple[bytes, int, int, int, int]  # key, rolling start, risk, days since onset, index


def load(engine: object, n: int) -> list[Raw]:
    rows = []
    raw: list[Raw] = []
    for i in range(n):
        key = secrets.token_bytes(16)
        start = 2_950_000 - 144 * (i % 14)
        risk = 1 + i % 8
        dsos = (i % 9) - 4
        rows.append(
            {
                "exposure_key": key,
                "transmission_risk": risk,
                "regions": "ZZ",
                "interval_number": start,
                "interval_count": 144,
                "created_at": T0 + timedelta(minutes=i % 60),
                "report_type": "confirmed",
                "days_since_symptom_onset": dsos,
            }
        )
        raw.append((key, start, risk, dsos, i))
    sessions = session_factory(engine)  # type: ignore[arg-type]
    with sessions() as session:
        for table in (ExportBatchRecord, ExportConfig, ExportSigningKey, Exposure):
            session.execute(delete(table))
        for i in range(0, n, 50_000):
            session.execute(insert(Exposure), rows[i : i + 50_000])
        session.commit()
    return raw


def reset_batches(engine: object) -> None:
    with session_factory(engine)() as session:  # type: ignore[arg-type]
        session.execute(delete(ExportBatchRecord))
        session.commit()


def floor(
    raw: list[Raw], signers: list[ExportSigner], *, prebuilt: bool = False
) -> tuple[float, float]:
    """Keys held in memory as plain values -> TemporaryExposureKey -> build_export per file;
    wall and CPU seconds. With ``prebuilt`` the keys are constructed outside the timed part
    (the codec alone)."""
    teks: list[TemporaryExposureKey] = []
    if prebuilt:
        teks = [
            TemporaryExposureKey(k, s, 144, r, ReportType.CONFIRMED_TEST, d)
            for k, s, r, d, _ in raw
        ]
    with cyclic_gc_paused():  # as the batcher builds a window: like for like
        return _floor(raw, signers, teks, prebuilt=prebuilt)


def _floor(
    raw: list[Raw],
    signers: list[ExportSigner],
    teks: list[TemporaryExposureKey],
    *,
    prebuilt: bool,
) -> tuple[float, float]:
    began, cpu = time.perf_counter(), time.process_time()
    if not prebuilt:
        teks = [
            TemporaryExposureKey(k, s, 144, r, ReportType.CONFIRMED_TEST, d)
            for k, s, r, d, _ in raw
        ]
    start, end = int(T0.timestamp()), int((T0 + timedelta(hours=1)).timestamp())
    for i in range(math.ceil(len(teks) / MAX_RECORDS)):
        chunk = tuple(teks[i * MAX_RECORDS : (i + 1) * MAX_RECORDS])
        build_export(ExportBatch("ZZ", start, end + i, chunk), signers)
    return time.perf_counter() - began, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100k keys instead of 1M")
    parser.add_argument("--db", default="", help="database URL (default: a temporary SQLite)")
    args = parser.parse_args()
    n = 100_000 if args.quick else 1_000_000
    rounds = 3
    with tempfile.TemporaryDirectory() as tmp:
        url = args.db or f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        migrate(url)
        engine = make_engine(url)
        began = time.perf_counter()
        raw = load(engine, n)
        load_seconds = time.perf_counter() - began
        with session_factory(engine)() as session:
            create_export_config(session, SETTINGS, "ZZ", start_at=T0, max_records=MAX_RECORDS)
            create_signing_key(session, KEK, "310", "v1")
            session.commit()
            signers = active_signers(session, KEK)
        storage = LocalDirectoryStorage(Path(tmp) / "exports")
        batcher = ExportBatcher(engine, storage, SETTINGS, KEK)
        runs, floors, codec, run_cpu, floor_cpu = [], [], [], [], []
        for _ in range(rounds):
            reset_batches(engine)
            began, cpu = time.perf_counter(), time.process_time()
            built = batcher.run(T0 + timedelta(hours=3))
            runs.append(time.perf_counter() - began)
            run_cpu.append(time.process_time() - cpu)
            assert sum(b.key_count for b in built) == n, built
            assert sum(b.padding_count for b in built) == 0
            wall, used = floor(raw, signers)
            floors.append(wall)
            floor_cpu.append(used)
            codec.append(floor(raw, signers, prebuilt=True)[0])
            print(
                f"round: batcher {runs[-1]:.2f} s ({run_cpu[-1]:.2f} s CPU), floor "
                f"{floors[-1]:.2f} s ({floor_cpu[-1]:.2f} s CPU), codec alone {codec[-1]:.2f} s",
                file=sys.stderr,
            )
        engine.dispose()
    seconds, floor_seconds = min(runs), min(floors)
    print(
        json.dumps(
            {
                "benchmark": "export",
                "keys": n,
                "files": math.ceil(n / MAX_RECORDS),
                "seconds": round(seconds, 3),
                "floor_seconds": round(floor_seconds, 3),
                "ratio": round(seconds / floor_seconds, 3),
                "cpu_seconds": round(min(run_cpu), 3),
                "floor_cpu_seconds": round(min(floor_cpu), 3),
                "cpu_ratio": round(min(run_cpu) / min(floor_cpu), 3),
                "codec_only_seconds": round(min(codec), 3),
                "ratio_to_codec_only": round(seconds / min(codec), 3),
                "keys_per_s": round(n / seconds),
                "load_seconds": round(load_seconds, 3),
                "database": "postgresql" if url.startswith("postgresql") else "sqlite",
                "quick": args.quick,
                "python": platform.python_version(),
            }
        )
    )


if __name__ == "__main__":
    main()
