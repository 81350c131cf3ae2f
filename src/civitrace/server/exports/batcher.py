"""The export batcher: every pending window of every region to signed, padded files.

Per window, in this order, so a crash at any point leaves nothing half-published:

1. one transaction selects the window's real keys, draws the padding and records the batch as
   *pending* together with its padding keys (a unique (region, start) forbids a second batch);
2. the files are built and written to the storage;
3. the batch is marked *complete* with its file names, and ``{region}/index.txt`` is rewritten.

A run that finds a pending batch (an earlier run died between 1 and 3) rebuilds it from the same
real keys and the *persisted* padding, so no two versions of a window ever differ in their fake
keys (their intersection would otherwise be exactly the real keys). On PostgreSQL a run holds an
advisory lock, so two hosts never build at once; on SQLite the unique constraint suffices.
"""

import gc
import logging
import math
import secrets
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final, NamedTuple

from sqlalchemy import Engine, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from civitrace.en.errors import ENError
from civitrace.en.export import ExportBatch, ExportSigner, build_export
from civitrace.en.keys import ReportType, TemporaryExposureKey
from civitrace.en.publish_json import REPORT_TYPE_NAMES
from civitrace.server.db.engine import session_factory
from civitrace.server.db.export_models import (
    BatchStatus,
    ExportBatchRecord,
    ExportConfig,
    ExportPaddingKey,
)
from civitrace.server.db.models import Exposure
from civitrace.server.exports.config import Window, ensure_export_configs, pending_windows
from civitrace.server.exports.config import region_filter as _in_region
from civitrace.server.exports.settings import ExportSettings
from civitrace.server.exports.signing import active_signers
from civitrace.server.exports.storage import (
    INDEX_CONTENT_TYPE,
    ZIP_CONTENT_TYPE,
    ExportStorage,
)
from civitrace.server.jobs import job_lock

JOB_NAME: Final = "export"  # the job lock shared by every host that runs `export run`
INDEX_NAME: Final = "index.txt"

_log = logging.getLogger("civitrace.server.exports")


class KeyMeta(NamedTuple):
    """What an export says about a key besides its bytes; padding clones these."""

    transmission_risk: int
    interval_number: int
    interval_count: int
    report_type: str
    days_since_symptom_onset: int | None


KeyRow = tuple[bytes, int, int, int, str, int | None]
"""A key as selected: bytes, then the fields of :class:`KeyMeta` in order."""


@dataclass(frozen=True, slots=True)
class BuiltBatch:
    """What one window became."""

    region: str
    start: datetime
    end: datetime
    files: tuple[str, ...]
    key_count: int
    padding_count: int
    revised_key_count: int


@dataclass(frozen=True, slots=True)
class _Begun:
    record_id: int
    keys: list[KeyRow]  # real and padding


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a window is built.

    A window holds up to millions of key objects at once; every full collection walks all of
    them although none is in a reference cycle (rows, tuples, frozen dataclasses: freed by
    reference counting when the window is done). Measured: a third of the batcher's CPU time.
    Collection resumes afterwards, as it was.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def index_name(region: str) -> str:
    return f"{region}/{INDEX_NAME}"


def file_name(window: Window, file_num: int) -> str:
    """Google's ``{root}/{start}-{end}-{fileNum:05d}.zip``, file numbers from 1."""
    return f"{window.region}/{window.start_timestamp}-{window.end_timestamp}-{file_num:05d}.zip"


def padding_count(real: int, min_records: int, padding_range: int) -> int:
    """Fake keys for a batch of ``real`` keys: none for an empty or large enough batch;
    otherwise up to ``min_records + rand[0, padding_range]``, and at least one per real key so
    that every real key's metadata is cloned."""
    if real == 0:
        return 0
    target = min_records + secrets.randbelow(padding_range + 1)
    if real >= target:
        return 0
    return max(target - real, real)


def make_padding(real: Sequence[KeyMeta], count: int) -> list[KeyRow]:
    """``count`` random keys cycling through the real keys' metadata in a random order."""
    if not real or count <= 0:
        return []
    order = list(real)
    secrets.SystemRandom().shuffle(order)
    return [(secrets.token_bytes(16), *order[i % len(order)]) for i in range(count)]


def _tek(row: KeyRow) -> TemporaryExposureKey:
    key, risk, start, count, report_type, dsos = row
    return TemporaryExposureKey(
        key_data=key,
        rolling_start_number=start,
        rolling_period=count,
        transmission_risk_level=risk,
        report_type=REPORT_TYPE_NAMES.get(report_type, ReportType.UNKNOWN),
        days_since_onset_of_symptoms=dsos,
    )


def _real_keys(session: Session, window: Window) -> list[KeyRow]:
    """The window's keys as plain tuples (a Core query: no ORM objects for a million rows)."""
    rows = session.connection().execute(
        select(
            Exposure.exposure_key,
            Exposure.transmission_risk,
            Exposure.interval_number,
            Exposure.interval_count,
            Exposure.report_type,
            Exposure.days_since_symptom_onset,
        ).where(
            Exposure.created_at >= window.start,
            Exposure.created_at < window.end,
            _in_region(window.region),
        )
    )
    return rows.all()  # type: ignore[return-value]  # Rows are tuples of these types


def _revised_keys(session: Session, window: Window) -> list[KeyRow]:
    """Keys revised in the window, with their revised metadata (not padded, as Google)."""
    rows = session.execute(
        select(
            Exposure.exposure_key,
            Exposure.revised_transmission_risk,
            Exposure.transmission_risk,
            Exposure.interval_number,
            Exposure.interval_count,
            Exposure.revised_report_type,
            Exposure.revised_days_since_symptom_onset,
            Exposure.days_since_symptom_onset,
        ).where(
            Exposure.revised_at >= window.start,
            Exposure.revised_at < window.end,
            Exposure.revised_report_type.is_not(None),
            _in_region(window.region),
        )
    )
    return [
        (
            key,
            risk if risk is not None else old_risk,
            start,
            count,
            report_type or "",
            dsos if dsos is not None else old_dsos,
        )
        for key, risk, old_risk, start, count, report_type, dsos, old_dsos in rows
    ]


def _padding_of(session: Session, batch_id: int) -> list[KeyRow]:
    rows = session.connection().execute(
        select(
            ExportPaddingKey.exposure_key,
            ExportPaddingKey.transmission_risk,
            ExportPaddingKey.interval_number,
            ExportPaddingKey.interval_count,
            ExportPaddingKey.report_type,
            ExportPaddingKey.days_since_symptom_onset,
        ).where(ExportPaddingKey.batch_id == batch_id)
    )
    return rows.all()  # type: ignore[return-value]


def _teks(keys: Sequence[KeyRow]) -> list[TemporaryExposureKey]:
    teks = []
    for row in keys:
        try:
            teks.append(_tek(row))
        except ENError as exc:  # a row the export format cannot carry; never log the key
            _log.warning("skipping a key that cannot be exported: %s", exc)
    return teks


def build_files(
    window: Window,
    keys: Sequence[TemporaryExposureKey],
    revised: Sequence[TemporaryExposureKey],
    signers: Sequence[ExportSigner],
    max_records: int,
) -> list[tuple[str, bytes]]:
    """The window's files: keys ordered by their bytes, split into files of at most
    ``max_records`` records (keys first, then revised keys); file *i* (from 0) has
    ``end_timestamp + i`` so that (start, end, batch_num) stays unique, as Google's exporter does.

    Key bytes are uniformly random (real and fake alike), so ordering by them is a uniformly
    random permutation of the upload order: it shuffles, for free, what a shuffle would, and
    which file a key lands in says nothing about when or with whom it was uploaded.
    """
    # one file: build_export sorts it anyway, so sorting here too would be paid twice
    ordered = (
        list(keys) if len(keys) + len(revised) <= max_records else sorted(keys, key=_key_bytes)
    )
    count = max(1, math.ceil((len(ordered) + len(revised)) / max_records))
    files = []
    for i in range(count):
        low, high = i * max_records, (i + 1) * max_records  # over keys, then revised keys
        batch = ExportBatch(
            region=window.region,
            start_timestamp=window.start_timestamp,
            end_timestamp=window.end_timestamp + i,
            keys=tuple(ordered[low:high]),
            revised_keys=tuple(revised[max(0, low - len(ordered)) : max(0, high - len(ordered))]),
        )
        files.append((file_name(window, i + 1), build_export(batch, signers)))
    return files


def _key_bytes(key: TemporaryExposureKey) -> bytes:
    return key.key_data


class ExportBatcher:
    """Builds pending windows; one instance per run (or per process, it holds no state)."""

    def __init__(
        self,
        engine: Engine,
        storage: ExportStorage,
        settings: ExportSettings,
        kek: bytes,
    ) -> None:
        self._engine = engine
        self._sessions = session_factory(engine)
        self._storage = storage
        self._settings = settings
        self._kek = kek

    def run(self, until: datetime | None = None) -> list[BuiltBatch]:
        """Build every window, of every configured region (and every region a health
        authority serves), that ended before ``until`` (default now) minus its minimum age."""
        until = until or datetime.now(UTC)
        if until.tzinfo is None:
            raise ValueError("until must be an aware datetime")
        built: list[BuiltBatch] = []
        with job_lock(self._engine, JOB_NAME):
            with self._sessions() as session:
                configs = ensure_export_configs(session, self._settings)
                session.commit()
                signers = active_signers(session, self._kek)
            for config in configs:
                built.extend(self._run_region(config, signers, until))
        return built

    def _run_region(
        self, config: ExportConfig, signers: Sequence[ExportSigner], until: datetime
    ) -> list[BuiltBatch]:
        built = []
        with self._sessions() as session:
            rows = session.scalars(
                select(ExportBatchRecord)
                .where(ExportBatchRecord.region == config.region)
                .order_by(ExportBatchRecord.start_at)
            ).all()
        pending = [r for r in rows if r.status == BatchStatus.PENDING]
        last_end = max((r.end_at for r in rows), default=None)
        for record in pending:
            window = Window(record.region, record.start_at, record.end_at)
            with cyclic_gc_paused():
                built.append(self._finish(record.id, window, config, signers))
        for window in pending_windows(config, last_end, until):
            with cyclic_gc_paused():
                begun = self._begin(window, config)
                if begun is not None:
                    built.append(self._finish(begun.record_id, window, config, signers, begun.keys))
        write_index(self._sessions, self._storage, config.region)
        return built

    def _begin(self, window: Window, config: ExportConfig) -> _Begun | None:
        """Step 1: fix the padding and record the batch as pending; None if another run did."""
        with self._sessions() as session:
            real = _real_keys(session, window)
            count = padding_count(len(real), config.min_records, config.padding_range)
            padding = make_padding([KeyMeta(*row[1:]) for row in real], count) if count else []
            record = ExportBatchRecord(
                region=window.region,
                start_at=window.start,
                end_at=window.end,
                status=BatchStatus.PENDING.value,
                key_count=len(real),
                padding_count=len(padding),
                revised_key_count=0,
                file_names="",
                created_at=datetime.now(UTC),
            )
            session.add(record)
            try:
                session.flush()
            except IntegrityError:
                session.rollback()
                return None
            if padding:
                session.execute(
                    insert(ExportPaddingKey),
                    [
                        {
                            "exposure_key": row[0],
                            "batch_id": record.id,
                            **KeyMeta(*row[1:])._asdict(),
                        }
                        for row in padding
                    ],
                )
            session.commit()
            return _Begun(record.id, real + padding)

    def _finish(
        self,
        record_id: int,
        window: Window,
        config: ExportConfig,
        signers: Sequence[ExportSigner],
        keys: Sequence[KeyRow] | None = None,
    ) -> BuiltBatch:
        """Steps 2 and 3: build and write the files, then mark the batch complete. ``keys``
        (real and padding) are re-read from the database when not handed over by step 1."""
        with self._sessions() as session:
            if keys is None:
                keys = _real_keys(session, window) + _padding_of(session, record_id)
            revised = _teks(_revised_keys(session, window))
        files = build_files(window, _teks(keys), revised, signers, config.max_records)
        for name, data in files:
            self._storage.put(name, data, ZIP_CONTENT_TYPE)
        with self._sessions() as session:
            record = session.get_one(ExportBatchRecord, record_id)
            record.status = BatchStatus.COMPLETE.value
            record.file_names = "\n".join(name for name, _ in files)
            record.revised_key_count = len(revised)
            record.completed_at = datetime.now(UTC)
            session.commit()
            return BuiltBatch(
                region=record.region,
                start=record.start_at,
                end=record.end_at,
                files=tuple(record.files),
                key_count=record.key_count,
                padding_count=record.padding_count,
                revised_key_count=record.revised_key_count,
            )


def write_index(sessions: sessionmaker[Session], storage: ExportStorage, region: str) -> str:
    """(Re)write ``{region}/index.txt``: every complete batch's files, oldest first, one per
    line (Google's format: names joined by newlines)."""
    with sessions() as session:
        rows = session.scalars(
            select(ExportBatchRecord)
            .where(
                ExportBatchRecord.region == region,
                ExportBatchRecord.status == BatchStatus.COMPLETE.value,
            )
            .order_by(ExportBatchRecord.start_at)
        ).all()
    content = "\n".join(name for row in rows for name in row.files)
    storage.put(index_name(region), content.encode("utf-8"), INDEX_CONTENT_TYPE)
    return content
