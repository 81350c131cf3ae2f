"""The on-device store: one encrypted file holding a :class:`StoreDocument`.

The file format and the cryptography live in :mod:`civitrace.client.sealed`; this module adds
what makes the file safe to use: a passphrase or a 32-byte device key file, atomic writes
(a temporary file in the same directory, fsync, ``os.replace``; mode 0600), an advisory lock so
that two processes never overwrite each other's changes, and retention: whenever the store is
opened or saved, everything older than 14 days is deleted. The clock is injectable so that
tests can prove retention without waiting two weeks.
"""

import contextlib
import fcntl
import json
import os
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from civitrace.client.document import Settings, StoreDocument
from civitrace.client.errors import (
    StoreBusyError,
    StoreCorruptError,
    StoreExistsError,
    StoreLockedError,
    StoreNotFoundError,
)
from civitrace.client.sealed import (
    DEVICE_KEY_LENGTH,
    Credential,
    Passphrase,
    RawKey,
    ScryptParams,
    Sealer,
)

Clock = Callable[[], float]
"""Unix seconds now; ``time.time`` unless a test or a demo supplies its own."""

DEFAULT_TX_POWER = -10
"""dBm written into every AEM unless the device is configured otherwise.

A device's calibrated TX power depends on its model (GAEN ships a per-model calibration table);
-10 dBm is a mid-range value of that table, good enough for a reference device and simulations.
"""

__all__ = [
    "DEFAULT_TX_POWER",
    "Clock",
    "KeyFile",
    "Passphrase",
    "ScryptParams",
    "Secret",
    "Store",
]


@dataclass(frozen=True, slots=True)
class KeyFile:
    """A file holding the 32-byte device key; created (mode 0600) with a new store if absent."""

    path: Path


Secret = Passphrase | KeyFile


def _lock_path(path: Path) -> Path:
    return path.with_name(path.name + ".lock")


def _acquire_lock(path: Path) -> int:
    """An exclusive, non-blocking advisory lock on ``<store>.lock`` (a file descriptor)."""
    fd = os.open(_lock_path(path), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise StoreBusyError(f"the store {path} is open in another process") from None
    except BaseException:
        os.close(fd)
        raise
    return fd


def _release_lock(fd: int) -> None:
    with contextlib.suppress(OSError):
        fcntl.flock(fd, fcntl.LOCK_UN)
    os.close(fd)


def _fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_private_file(path: Path, data: bytes) -> None:
    """Replace ``path`` atomically with ``data``, readable by the owner only (mode 0600).

    Readers see either the old or the new content, never a torn write, even after a crash.
    """
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    _fsync_directory(path.parent)


def _read_key_file(path: Path) -> RawKey:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise StoreLockedError(f"key file not found: {path}") from None
    except IsADirectoryError:
        raise StoreLockedError(f"key file is a directory: {path}") from None
    if len(data) != DEVICE_KEY_LENGTH:
        raise StoreLockedError(f"key file {path} must hold exactly {DEVICE_KEY_LENGTH} bytes")
    return RawKey(data)


def _create_key_file(path: Path) -> RawKey:
    """A fresh random device key, written with O_EXCL so an existing key is never replaced."""
    data = secrets.token_bytes(DEVICE_KEY_LENGTH)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as stream:
        stream.write(data)
        stream.flush()
        os.fsync(stream.fileno())
    return RawKey(data)


class Store:
    """An open store: its document in memory, the key to seal it, and the file lock.

    Use :meth:`create` or :meth:`open`, change :attr:`document`, call :meth:`save`, and
    :meth:`close` (or use it as a context manager).
    """

    def __init__(
        self, path: Path, sealer: Sealer, document: StoreDocument, clock: Clock, lock_fd: int
    ) -> None:
        self.path = path
        self.document = document
        self.clock = clock
        self._sealer = sealer
        self._lock_fd: int | None = lock_fd

    # --- lifecycle ------------------------------------------------------------------------------

    @classmethod
    def create(
        cls,
        path: Path,
        secret: Secret,
        *,
        tx_power: int = DEFAULT_TX_POWER,
        clock: Clock = time.time,
        scrypt: ScryptParams | None = None,
    ) -> "Store":
        """A new, empty store at ``path``; an existing store is never overwritten."""
        path = Path(path)
        if not -128 <= tx_power <= 127:
            raise ValueError("tx_power must fit a signed byte (dBm)")
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        lock_fd = _acquire_lock(path)
        created_key_file: Path | None = None
        try:
            if path.exists():
                raise StoreExistsError(f"a store already exists at {path}; it is never overwritten")
            credential: Credential
            if isinstance(secret, KeyFile):
                if secret.path.exists():
                    credential = _read_key_file(secret.path)
                else:
                    credential = _create_key_file(secret.path)
                    created_key_file = secret.path
            else:
                credential = secret
            sealer = Sealer.new(credential, scrypt)
            settings = Settings(
                tx_power=tx_power,
                created_at=clock(),
                # absolute, so that deleting the data later works from any directory
                created_key_file=os.path.abspath(created_key_file) if created_key_file else None,
            )
            store = cls(path, sealer, StoreDocument(settings), clock, lock_fd)
            store.save()
        except BaseException:
            if created_key_file is not None:
                created_key_file.unlink(missing_ok=True)
            _release_lock(lock_fd)
            raise
        return store

    @classmethod
    def open(cls, path: Path, secret: Secret, *, clock: Clock = time.time) -> "Store":
        """Unlock the store at ``path``; expired data is deleted (and the file rewritten)."""
        path = Path(path)
        if not path.is_file():
            raise StoreNotFoundError(f"no store at {path}; create one with `civitrace client init`")
        credential = _read_key_file(secret.path) if isinstance(secret, KeyFile) else secret
        lock_fd = _acquire_lock(path)
        try:
            blob = path.read_bytes()
            sealer = Sealer.for_blob(blob, credential)
            plaintext = sealer.unseal(blob)
            try:
                content = json.loads(plaintext)
            except (ValueError, RecursionError) as exc:
                raise StoreCorruptError(f"the store's content is not JSON: {exc}") from None
            store = cls(path, sealer, StoreDocument.from_json(content), clock, lock_fd)
            if store.document.prune(clock()):
                store.save()
        except BaseException:
            _release_lock(lock_fd)
            raise
        return store

    def close(self) -> None:
        """Release the lock; the store must be saved before, as :meth:`close` does not write."""
        if self._lock_fd is not None:
            _release_lock(self._lock_fd)
            self._lock_fd = None

    def __enter__(self) -> "Store":
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    # --- use ------------------------------------------------------------------------------------

    def now(self) -> float:
        return self.clock()

    def save(self) -> None:
        """Apply retention, then seal the document with a fresh nonce and replace the file."""
        if self._lock_fd is None:
            raise StoreBusyError("the store was closed; open it again to save")
        self.document.prune(self.clock())
        plaintext = json.dumps(self.document.to_json(), separators=(",", ":")).encode("utf-8")
        write_private_file(self.path, self._sealer.seal(plaintext))

    def destroy(self) -> list[Path]:
        """Delete the store file, the key file it created (if any), and its lock file.

        With a key file this is also cryptographic erasure: without the key, copies of the
        store left on flash are unreadable. Returns the paths removed.
        """
        removed = []
        candidates = [self.path]
        if self.document.settings.created_key_file:
            candidates.append(Path(self.document.settings.created_key_file))
        for candidate in candidates:
            with contextlib.suppress(FileNotFoundError):
                candidate.unlink()
                removed.append(candidate)
        lock = _lock_path(self.path)
        self.close()
        lock.unlink(missing_ok=True)
        return removed
