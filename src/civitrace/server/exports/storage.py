"""Where export files go: a small interface, a local directory, S3-compatible object storage.

Object names are relative paths such as ``ZZ/index.txt`` or ``ZZ/1700000000-1700003600-00001.zip``;
every backend refuses names that could escape its root (absolute, ``..``, backslashes, anything
outside ``[A-Za-z0-9._-]`` segments). One conformance test runs against every implementation.
"""

import importlib
import os
import re
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Protocol

from civitrace.server.exports.errors import (
    ExportStorageError,
    InvalidObjectNameError,
    ObjectNotFoundError,
)

if TYPE_CHECKING:
    from civitrace.server.exports.settings import ExportSettings

LOCAL_EXPORTS_DIR: Final = "exports"  # under data_dir: root of the local backend
ZIP_CONTENT_TYPE: Final = "application/zip"
INDEX_CONTENT_TYPE: Final = "text/plain; charset=utf-8"
_SEGMENT: Final = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$")
MAX_NAME_LENGTH: Final = 512


def check_name(name: str) -> str:
    """``name`` if it is a safe relative object name, else :class:`InvalidObjectNameError`."""
    if not name or len(name) > MAX_NAME_LENGTH:
        raise InvalidObjectNameError(f"object name must be 1..{MAX_NAME_LENGTH} characters")
    segments = name.split("/")
    if any(not _SEGMENT.match(s) or s in {".", ".."} for s in segments):
        raise InvalidObjectNameError(f"invalid object name {name!r}")
    return name


def content_type(name: str) -> str:
    """The MIME type an export object is served with."""
    return ZIP_CONTENT_TYPE if name.endswith(".zip") else INDEX_CONTENT_TYPE


class ExportStorage(Protocol):
    """The four operations the batcher, cleanup and the file server need."""

    def put(self, name: str, data: bytes, content_type: str) -> None:
        """Create or replace ``name`` atomically: readers see the old or the new bytes."""

    def get(self, name: str) -> bytes:
        """The object's bytes, or :class:`ObjectNotFoundError`."""

    def list(self, prefix: str = "") -> list[str]:
        """Names starting with ``prefix``, sorted."""

    def delete(self, name: str) -> None:
        """Remove ``name``; removing a missing object is not an error."""


class MemoryStorage:
    """A dict, for tests and dry runs."""

    def __init__(self) -> None:
        self._objects: dict[str, tuple[bytes, str]] = {}
        self._lock = threading.Lock()

    def put(self, name: str, data: bytes, content_type: str) -> None:
        with self._lock:
            self._objects[check_name(name)] = (bytes(data), content_type)

    def get(self, name: str) -> bytes:
        with self._lock:
            found = self._objects.get(check_name(name))
        if found is None:
            raise ObjectNotFoundError(f"no export object {name}")
        return found[0]

    def list(self, prefix: str = "") -> list[str]:
        with self._lock:
            return sorted(n for n in self._objects if n.startswith(prefix))

    def delete(self, name: str) -> None:
        with self._lock:
            self._objects.pop(check_name(name), None)


class LocalDirectoryStorage:
    """Files under ``root`` (default ``<data_dir>/exports``), written by rename so a static
    server or the app never serves half a file."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, name: str) -> Path:
        return self.root.joinpath(*check_name(name).split("/"))

    def put(self, name: str, data: bytes, content_type: str) -> None:
        path = self._path(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".part")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(tmp, 0o644)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def get(self, name: str) -> bytes:
        path = self._path(name)
        try:
            return path.read_bytes()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise ObjectNotFoundError(f"no export object {name}") from None

    def _walk(self) -> Iterator[str]:
        if not self.root.is_dir():
            return
        for path in self.root.rglob("*"):
            if path.is_file() and not path.name.startswith(".tmp-"):
                yield path.relative_to(self.root).as_posix()

    def list(self, prefix: str = "") -> list[str]:
        return sorted(n for n in self._walk() if n.startswith(prefix))

    def delete(self, name: str) -> None:
        self._path(name).unlink(missing_ok=True)


class S3Storage:
    """Objects in an S3-compatible bucket through boto3 (imported only when used).

    ``prefix`` (e.g. ``exports``) is prepended to every name and stripped from listings, so the
    names the batcher writes into ``index.txt`` are the same on every backend.
    """

    def __init__(
        self,
        bucket: str,
        *,
        prefix: str = "",
        endpoint_url: str | None = None,
        region_name: str | None = None,
        client: Any = None,
    ) -> None:
        if not bucket:
            raise ExportStorageError("an S3 storage needs a bucket name")
        self.bucket = bucket
        self.prefix = f"{check_name(prefix.strip('/'))}/" if prefix.strip("/") else ""
        if client is None:
            try:
                boto3 = importlib.import_module("boto3")
            except ImportError:
                raise ExportStorageError("the s3 export storage needs boto3 installed") from None
            client = boto3.client("s3", endpoint_url=endpoint_url, region_name=region_name)
        self._client = client
        self._client_error: type[Exception] = importlib.import_module(
            "botocore.exceptions"
        ).ClientError

    def _key(self, name: str) -> str:
        return self.prefix + check_name(name)

    def _fail(self, action: str, name: str, exc: Exception) -> ExportStorageError:
        code = getattr(exc, "response", {}).get("Error", {}).get("Code", "")
        if code in {"NoSuchKey", "404", "NotFound"}:
            return ObjectNotFoundError(f"no export object {name}")
        return ExportStorageError(f"S3 {action} of {name} failed: {code or exc}")

    def put(self, name: str, data: bytes, content_type: str) -> None:
        key = self._key(name)
        try:
            self._client.put_object(
                Bucket=self.bucket, Key=key, Body=data, ContentType=content_type
            )
        except self._client_error as exc:
            raise self._fail("put", name, exc) from None

    def get(self, name: str) -> bytes:
        key = self._key(name)
        try:
            response = self._client.get_object(Bucket=self.bucket, Key=key)
            body: bytes = response["Body"].read()
        except self._client_error as exc:
            raise self._fail("get", name, exc) from None
        return body

    def list(self, prefix: str = "") -> list[str]:
        names: list[str] = []
        paginator = self._client.get_paginator("list_objects_v2")
        try:
            for page in paginator.paginate(Bucket=self.bucket, Prefix=self.prefix + prefix):
                names.extend(item["Key"][len(self.prefix) :] for item in page.get("Contents", []))
        except self._client_error as exc:
            raise self._fail("list", prefix or "/", exc) from None
        return sorted(names)

    def delete(self, name: str) -> None:
        key = self._key(name)
        try:
            self._client.delete_object(Bucket=self.bucket, Key=key)
        except self._client_error as exc:
            raise self._fail("delete", name, exc) from None


def open_storage(settings: "ExportSettings", data_dir: Path) -> ExportStorage:
    """The backend ``settings`` names: ``<data_dir>/exports`` or the configured bucket."""
    if settings.storage == "s3":
        return S3Storage(
            settings.s3_bucket,
            prefix=settings.s3_prefix,
            endpoint_url=settings.s3_endpoint_url or None,
            region_name=settings.s3_region or None,
        )
    return LocalDirectoryStorage(data_dir / LOCAL_EXPORTS_DIR)
