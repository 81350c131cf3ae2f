"""The encrypted store: round trip, wrong secrets, tampering, key files, locking, retention."""

import json
import stat
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from civitrace.client.document import (
    ConsentRecord,
    DownloadedExport,
    ExposureResult,
    ObservedSighting,
    OwnKey,
    StoreDocument,
    UploadRecord,
)
from civitrace.client.errors import (
    StoreBusyError,
    StoreCorruptError,
    StoreError,
    StoreExistsError,
    StoreLockedError,
    StoreNotFoundError,
)
from civitrace.client.sealed import HEADER_LENGTH, MAGIC, PREFIX_LENGTH, ScryptParams
from civitrace.client.store import KeyFile, Passphrase, Store
from civitrace.en.keys import ReportType, TemporaryExposureKey
from civitrace.en.risk import (
    Classification,
    DailySummariesConfig,
    ExposureWindow,
    Infectiousness,
    ScanInstance,
    daily_summaries,
)
from civitrace.errors import CivitraceError
from tests.client.conftest import DAY, DAY_SECONDS, FAST_SCRYPT, NOW, PASSPHRASE, FakeClock

WINDOW = ExposureWindow(
    day=DAY,
    scan_instances=(ScanInstance(40, 35, 300), ScanInstance(52, 50, 120)),
    report_type=ReportType.CONFIRMED_TEST,
    infectiousness=Infectiousness.HIGH,
)


def _full_document(store: Store) -> None:
    """Put one record of every kind into the store's document."""
    document = store.document
    key = TemporaryExposureKey(b"\x01" * 16, DAY * 144, 144, 3, ReportType.CONFIRMED_TEST, -2)
    document.own_keys.append(OwnKey(key, NOW - 3600))
    document.sightings.append(ObservedSighting(NOW - 60, b"\x02" * 16, b"\x03" * 4, rssi=-61))
    document.sightings.append(ObservedSighting(NOW - 30, b"\x04" * 16, b"\x05" * 4, attenuation=48))
    document.scan_times.append(NOW - 300.5)
    document.downloads.append(
        DownloadedExport("ab" * 32, "https://example.org/x/", "1.zip", NOW, "DE", 1, 2, (key,))
    )
    summaries = daily_summaries([WINDOW], DailySummariesConfig(), DAY + 1)
    document.results.append(
        ExposureResult(NOW, 10, 2, (WINDOW,), tuple(summaries), Classification(1, "high", DAY))
    )
    document.consents.append(ConsentRecord(NOW, "share-diagnosis-keys", "yes", 14, "ha"))
    document.uploads.append(UploadRecord(NOW, "ha", 1, (DAY * 144,)))


def test_round_trip_keeps_every_record(tmp_path: Path, clock: FakeClock) -> None:
    path = tmp_path / "device.store"
    with Store.create(path, PASSPHRASE, clock=clock, scrypt=FAST_SCRYPT) as store:
        _full_document(store)
        store.save()
        saved = store.document.to_json()
    with Store.open(path, PASSPHRASE, clock=clock) as reopened:
        assert reopened.document.to_json() == saved
        assert reopened.document.results[0].windows == (WINDOW,)
        assert reopened.document == StoreDocument.from_json(json.loads(json.dumps(saved)))


def test_file_is_private_encrypted_and_rewritten_with_a_fresh_nonce(
    tmp_path: Path, clock: FakeClock
) -> None:
    path = tmp_path / "device.store"
    with Store.create(path, PASSPHRASE, clock=clock, scrypt=FAST_SCRYPT) as store:
        _full_document(store)
        store.save()
        first = path.read_bytes()
        store.save()
        second = path.read_bytes()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert first.startswith(MAGIC)
    assert first[:HEADER_LENGTH] == second[:HEADER_LENGTH]  # same salt and key check
    assert first[HEADER_LENGTH:PREFIX_LENGTH] != second[HEADER_LENGTH:PREFIX_LENGTH]  # nonce
    for plaintext in (b"share-diagnosis-keys", b"example.org", b"AQEBAQEBAQEBAQEBAQEBAQ=="):
        assert plaintext not in first
    assert not list(tmp_path.glob(".*.tmp"))  # no temporary file left behind


def test_wrong_passphrase_is_a_clear_error(tmp_path: Path, clock: FakeClock) -> None:
    path = tmp_path / "device.store"
    Store.create(path, PASSPHRASE, clock=clock, scrypt=FAST_SCRYPT).close()
    with pytest.raises(StoreLockedError, match="wrong passphrase"):
        Store.open(path, Passphrase("incorrect horse"), clock=clock)
    # and the lock was released: the right passphrase still opens it
    Store.open(path, PASSPHRASE, clock=clock).close()


def test_passphrase_is_unicode_normalized(tmp_path: Path, clock: FakeClock) -> None:
    path = tmp_path / "device.store"
    Store.create(path, Passphrase("caf\u00e9"), clock=clock, scrypt=FAST_SCRYPT).close()
    Store.open(path, Passphrase("cafe\u0301"), clock=clock).close()


def test_empty_passphrase_is_refused(tmp_path: Path, clock: FakeClock) -> None:
    with pytest.raises(StoreLockedError, match="empty"):
        Store.create(tmp_path / "s", Passphrase(""), clock=clock, scrypt=FAST_SCRYPT)
    assert not (tmp_path / "s").exists()


def test_existing_store_is_never_overwritten(tmp_path: Path, clock: FakeClock) -> None:
    path = tmp_path / "device.store"
    Store.create(path, PASSPHRASE, clock=clock, scrypt=FAST_SCRYPT).close()
    before = path.read_bytes()
    with pytest.raises(StoreExistsError):
        Store.create(path, PASSPHRASE, clock=clock, scrypt=FAST_SCRYPT)
    assert path.read_bytes() == before


def test_missing_store(tmp_path: Path) -> None:
    with pytest.raises(StoreNotFoundError, match="civitrace client init"):
        Store.open(tmp_path / "nothing.store", PASSPHRASE)


def test_a_store_is_opened_by_one_process_at_a_time(tmp_path: Path, clock: FakeClock) -> None:
    path = tmp_path / "device.store"
    with (
        Store.create(path, PASSPHRASE, clock=clock, scrypt=FAST_SCRYPT),
        pytest.raises(StoreBusyError),
    ):
        Store.open(path, PASSPHRASE, clock=clock)
    Store.open(path, PASSPHRASE, clock=clock).close()


def test_key_file_mode(tmp_path: Path, clock: FakeClock, key_file: KeyFile) -> None:
    path = tmp_path / "device.store"
    with Store.create(path, key_file, clock=clock) as store:
        assert store.document.settings.created_key_file == str(key_file.path)
    assert len(key_file.path.read_bytes()) == 32
    assert stat.S_IMODE(key_file.path.stat().st_mode) == 0o600
    Store.open(path, key_file, clock=clock).close()
    with pytest.raises(StoreLockedError, match="key file"):
        Store.open(path, PASSPHRASE, clock=clock)
    other = tmp_path / "other.key"
    other.write_bytes(bytes(32))
    with pytest.raises(StoreLockedError, match="wrong passphrase or key file"):
        Store.open(path, KeyFile(other), clock=clock)


def test_an_existing_key_file_is_used_and_kept(tmp_path: Path, clock: FakeClock) -> None:
    key = tmp_path / "mine.key"
    key.write_bytes(b"k" * 32)
    with Store.create(tmp_path / "s", KeyFile(key), clock=clock) as store:
        assert store.document.settings.created_key_file is None
        removed = store.destroy()
    assert removed == [tmp_path / "s"]
    assert key.read_bytes() == b"k" * 32


@pytest.mark.parametrize("content", [b"", b"short", b"x" * 33])
def test_key_file_of_the_wrong_size(tmp_path: Path, clock: FakeClock, content: bytes) -> None:
    key = tmp_path / "bad.key"
    key.write_bytes(content)
    with pytest.raises(StoreLockedError, match="32 bytes"):
        Store.create(tmp_path / "s", KeyFile(key), clock=clock)
    assert not (tmp_path / "s").exists()


def test_missing_key_file_on_open(tmp_path: Path, clock: FakeClock, key_file: KeyFile) -> None:
    Store.create(tmp_path / "s", key_file, clock=clock).close()
    key_file.path.unlink()
    with pytest.raises(StoreLockedError, match="not found"):
        Store.open(tmp_path / "s", key_file, clock=clock)


def test_passphrase_store_refuses_a_key_file(
    tmp_path: Path, clock: FakeClock, key_file: KeyFile
) -> None:
    Store.create(tmp_path / "s", PASSPHRASE, clock=clock, scrypt=FAST_SCRYPT).close()
    key_file.path.parent.mkdir()
    key_file.path.write_bytes(bytes(32))
    with pytest.raises(StoreLockedError, match="passphrase, not a key file"):
        Store.open(tmp_path / "s", key_file, clock=clock)


def test_destroy_removes_store_key_file_and_lock(
    tmp_path: Path, clock: FakeClock, key_file: KeyFile
) -> None:
    path = tmp_path / "device.store"
    store = Store.create(path, key_file, clock=clock)
    assert set(store.destroy()) == {path, key_file.path}
    assert not path.exists()
    assert not key_file.path.exists()
    assert not (tmp_path / "device.store.lock").exists()


# --- tampering ----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def sealed_stores(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[bytes, object]]:
    """One passphrase store and one key-file store, as bytes, with the secret that opens each."""
    directory = tmp_path_factory.mktemp("sealed")
    clock = FakeClock()
    result: dict[str, tuple[bytes, object]] = {}
    for name, secret in (
        ("passphrase", PASSPHRASE),
        ("key-file", KeyFile(directory / "device.key")),
    ):
        path = directory / f"{name}.store"
        with Store.create(path, secret, clock=clock, scrypt=FAST_SCRYPT) as store:
            _full_document(store)
            store.save()
        result[name] = (path.read_bytes(), secret)
    return result


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(kind=st.sampled_from(["passphrase", "key-file"]), data=st.data())
def test_flipping_any_byte_is_detected(
    sealed_stores: dict[str, tuple[bytes, object]], kind: str, data: st.DataObject
) -> None:
    blob, secret = sealed_stores[kind]
    position = data.draw(st.integers(0, len(blob) - 1), label="position")
    mask = data.draw(st.integers(1, 255), label="mask")
    tampered = bytearray(blob)
    tampered[position] ^= mask
    assert isinstance(secret, Passphrase | KeyFile)
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "tampered.store"
        path.write_bytes(bytes(tampered))
        with pytest.raises((StoreCorruptError, StoreLockedError)):
            Store.open(path, secret, clock=FakeClock())


@pytest.mark.parametrize(
    ("mutate", "error"),
    [
        (lambda b: b[:10], StoreCorruptError),  # truncated header
        (lambda b: b[:-1], StoreCorruptError),  # truncated tag
        (lambda b: b + b"\x00", StoreCorruptError),  # appended byte
        (lambda b: b"", StoreCorruptError),
        (lambda b: b"NOTSTORE" + b[8:], StoreCorruptError),
    ],
)
def test_truncated_or_foreign_files(
    sealed_stores: dict[str, tuple[bytes, object]], tmp_path: Path, mutate: object, error: type
) -> None:
    blob, secret = sealed_stores["passphrase"]
    assert callable(mutate)
    assert isinstance(secret, Passphrase)
    path = tmp_path / "bad.store"
    path.write_bytes(mutate(blob))
    with pytest.raises(error):
        Store.open(path, secret)


def test_decrypted_content_that_is_not_a_document_is_corrupt(
    tmp_path: Path, clock: FakeClock
) -> None:
    path = tmp_path / "device.store"
    with Store.create(path, PASSPHRASE, clock=clock, scrypt=FAST_SCRYPT) as store:
        sealer = store._sealer
        for plaintext in (b"not json", b"[]", b'{"version": 99}', b'{"version": 1}'):
            path.write_bytes(sealer.seal(plaintext))
            store.close()
            with pytest.raises(StoreCorruptError):
                Store.open(path, PASSPHRASE, clock=clock)


def test_hostile_scrypt_parameters_are_refused_before_deriving(
    sealed_stores: dict[str, tuple[bytes, object]], tmp_path: Path
) -> None:
    blob, secret = sealed_stores["passphrase"]
    assert isinstance(secret, Passphrase)
    tampered = bytearray(blob)
    tampered[10] = 30  # log2 N = 30: 128 GiB of memory
    path = tmp_path / "hostile.store"
    path.write_bytes(bytes(tampered))
    with pytest.raises(StoreCorruptError, match="damaged"):
        Store.open(path, secret)
    with pytest.raises(ValueError, match="memory"):
        ScryptParams(log2_n=22, r=8)


def test_any_store_error_is_a_civitrace_error() -> None:
    assert issubclass(StoreError, CivitraceError)


# --- retention ----------------------------------------------------------------------------------


def test_old_data_is_deleted_on_open_and_on_save(tmp_path: Path) -> None:
    clock = FakeClock(NOW)
    path = tmp_path / "device.store"
    key_end = (DAY + 1) * DAY_SECONDS  # the own key (of DAY) ended 9 h before NOW
    with Store.create(path, PASSPHRASE, clock=clock, scrypt=FAST_SCRYPT) as store:
        _full_document(store)  # records from around NOW; the key and window on DAY
        old = ObservedSighting(NOW - 10 * DAY_SECONDS, b"\x09" * 16, b"\x09" * 4, rssi=-70)
        store.document.sightings.append(old)
        store.save()

    clock.now = NOW + 4 * DAY_SECONDS - 1  # the old sighting is 14 days old, to the second
    with Store.open(path, PASSPHRASE, clock=clock) as store:
        assert old in store.document.sightings

    clock.now = NOW + 4 * DAY_SECONDS + 1
    with Store.open(path, PASSPHRASE, clock=clock) as store:
        assert old not in store.document.sightings
        assert len(store.document.sightings) == 2
        assert len(store.document.own_keys) == 1

    clock.now = key_end + 14 * DAY_SECONDS + 1  # the key and DAY's window and summaries expire
    with Store.open(path, PASSPHRASE, clock=clock) as store:
        document = store.document
        assert document.own_keys == []
        assert document.downloads[0].keys == ()
        assert document.results[0].windows == ()
        assert document.results[0].summaries == ()
        assert document.results[0].classification is None
        assert len(document.sightings) == 2
        assert len(document.consents) == 1

    clock.now = NOW + 14 * DAY_SECONDS + 1  # and then everything else
    with Store.open(path, PASSPHRASE, clock=clock) as store:
        document = store.document
        assert (document.sightings, document.scan_times, document.downloads) == ([], [], [])
        assert (document.results, document.consents, document.uploads) == ([], [], [])

    clock.now = NOW  # pruning was written to disk: turning the clock back brings nothing back
    with Store.open(path, PASSPHRASE, clock=clock) as store:
        assert store.document.sightings == []


def test_save_applies_retention_with_the_injected_clock(tmp_path: Path) -> None:
    clock = FakeClock(NOW)
    with Store.create(tmp_path / "s", PASSPHRASE, clock=clock, scrypt=FAST_SCRYPT) as store:
        store.document.sightings.append(
            ObservedSighting(NOW - 15 * DAY_SECONDS, b"\x01" * 16, b"\x01" * 4, rssi=-50)
        )
        store.save()
        assert store.document.sightings == []


def test_a_relative_key_file_is_deleted_from_any_directory(
    tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    store = Store.create(Path("device.store"), KeyFile(Path("device.key")), clock=clock)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    store.path = tmp_path / "device.store"
    assert tmp_path / "device.key" in store.destroy()
    assert not (tmp_path / "device.key").exists()
