"""Fetching export files from a health authority, verifying them before anything else.

A source is a local directory (every ``*.zip`` in it, or the files its ``index.txt`` lists), a
single zip file, or an HTTP(S) URL whose ``index.txt`` lists the files. Entries of an
``index.txt`` are paths relative to the directory holding it; like Google's exporter, an entry
may start with that directory's own name (``exposureKeyExport-US/1588345200-...zip`` in
``exposureKeyExport-US/index.txt``). Entries that are absolute, contain ``..`` or a URL scheme
are rejected, so an index can never make the device read outside the source or contact
another host.

Every file's signature is checked with :func:`civitrace.en.export.verify_export` against the
configured public keys before its content is used; files whose SHA-256 the device already holds
are skipped; every rejected file is reported with its reason, and one bad file never stops the
others.

Nothing about the device is sent: no cookies (a server's ``Set-Cookie`` is never returned),
no credentials from ``.netrc`` or proxies from the environment, no redirects to other hosts,
and a fixed neutral ``User-Agent``. Downloading everything and matching locally is what keeps
the server from learning who might have been exposed.
"""

import hashlib
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from types import TracebackType
from typing import Protocol
from urllib.parse import urlsplit

import httpx

from civitrace.client.document import DownloadedExport
from civitrace.client.errors import ClientError, DownloadError
from civitrace.en.errors import ENError
from civitrace.en.export import VerificationKey, verify_export

USER_AGENT = "civitrace"
"""The same for every device and version: a version string would split users into groups."""

INDEX_NAME = "index.txt"
_UNSAFE = re.compile(r"[\x00-\x1f\x7f\\]")


@dataclass(frozen=True, slots=True)
class DownloadLimits:
    """Bounds that keep a broken or hostile server from exhausting the device."""

    timeout_seconds: float = 30.0
    max_index_bytes: int = 1024 * 1024
    max_file_bytes: int = 64 * 1024 * 1024  # 500 k keys, Google's per-file maximum, is ~15 MB
    max_files: int = 10_000


@dataclass(frozen=True, slots=True)
class Rejected:
    """A file that was not used, and why."""

    name: str
    reason: str


@dataclass(frozen=True, slots=True)
class DownloadReport:
    """What one download did: verified new exports, files already held, and rejections."""

    accepted: tuple[DownloadedExport, ...]
    skipped: tuple[str, ...]
    rejected: tuple[Rejected, ...]


class FileRejectedError(Exception):
    """One listed file cannot be fetched; the download carries on with the others."""


class ExportSource(Protocol):
    """Where export files come from."""

    @property
    def location(self) -> str:
        """The directory or base URL, recorded with each download."""
        ...

    def list_files(self) -> list[str]:
        """Names of the files to fetch; raises :class:`DownloadError` if there is no listing."""
        ...

    def fetch(self, name: str) -> bytes:
        """One file's bytes; raises :class:`FileRejectedError` for this file only."""
        ...

    def close(self) -> None: ...


def parse_index(text: str, limits: DownloadLimits) -> list[str]:
    """Non-blank lines of an ``index.txt``, in order."""
    names = [line.strip() for line in text.splitlines() if line.strip()]
    if len(names) > limits.max_files:
        raise DownloadError(f"{INDEX_NAME} lists {len(names)} files, more than {limits.max_files}")
    return names


def safe_relative(name: str, root_name: str) -> PurePosixPath:
    """``name`` as a relative path inside the source, or :class:`FileRejectedError`."""
    if not name or _UNSAFE.search(name) or "://" in name or name.startswith("/"):
        raise FileRejectedError("unsafe path in the index (absolute, URL or control characters)")
    parts = name.split("/")
    if any(part in ("", ".", "..") for part in parts):
        raise FileRejectedError("unsafe path in the index (empty, '.' or '..' segment)")
    if len(parts) > 1 and root_name and parts[0] == root_name:
        parts = parts[1:]  # Google's exporter lists "root/file.zip" in root/index.txt
    return PurePosixPath(*parts)


# --- local directory ----------------------------------------------------------------------------


class DirectorySource:
    """A directory of export files, or a single export zip."""

    def __init__(self, path: Path, limits: DownloadLimits) -> None:
        path = Path(path)
        self._single = path.name if path.is_file() else None
        self._root = path.parent if path.is_file() else path
        self._limits = limits
        if not self._root.is_dir():
            raise DownloadError(f"no such export directory or file: {path}")

    @property
    def location(self) -> str:
        return str(self._root)

    def list_files(self) -> list[str]:
        if self._single is not None:
            return [self._single]
        index = self._root / INDEX_NAME
        if index.is_file():
            if index.stat().st_size > self._limits.max_index_bytes:
                raise DownloadError(f"{index} is larger than {self._limits.max_index_bytes} bytes")
            try:
                return parse_index(index.read_text(encoding="utf-8"), self._limits)
            except UnicodeDecodeError:
                raise DownloadError(f"{index} is not UTF-8 text") from None
        return sorted(p.name for p in self._root.glob("*.zip") if p.is_file())

    def fetch(self, name: str) -> bytes:
        relative = safe_relative(name, self._root.name)
        root = self._root.resolve()
        path = (root / relative).resolve()
        if not path.is_relative_to(root):
            raise FileRejectedError("the path leaves the export directory")
        try:
            if path.stat().st_size > self._limits.max_file_bytes:
                raise FileRejectedError(f"larger than {self._limits.max_file_bytes} bytes")
            return path.read_bytes()
        except FileNotFoundError:
            raise FileRejectedError("listed but not found") from None
        except OSError as exc:
            raise FileRejectedError(f"cannot read: {exc.strerror}") from None

    def close(self) -> None:
        """Nothing to release."""


# --- HTTP(S) ------------------------------------------------------------------------------------


def _strip_cookies(request: httpx.Request) -> None:
    """Never send a cookie, whatever the server set: it would link this device's requests."""
    request.headers.pop("cookie", None)


def neutral_client(limits: DownloadLimits) -> httpx.Client:
    """An HTTP client that sends nothing about the device."""
    return httpx.Client(
        headers={"User-Agent": USER_AGENT, "Accept": "*/*"},
        timeout=limits.timeout_seconds,
        follow_redirects=False,
        trust_env=False,  # no .netrc credentials, no proxy settings from the environment
        event_hooks={"request": [_strip_cookies]},
    )


class HttpSource:
    """Export files under a base URL, listed by ``{base}/index.txt`` (or a single zip URL)."""

    def __init__(
        self, url: str, limits: DownloadLimits, client: httpx.Client | None = None
    ) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise DownloadError(f"not an http(s) URL: {url}")
        if parts.query or parts.fragment:
            raise DownloadError("the export URL must not carry a query or a fragment")
        path = parts.path
        self._single: str | None = None
        if path.endswith(".zip") or path.endswith("/" + INDEX_NAME):
            path, _, last = path.rpartition("/")
            self._single = last if last.endswith(".zip") else None
        self._base = f"{parts.scheme}://{parts.netloc}{path.rstrip('/')}/"
        self._root_name = PurePosixPath(path).name
        self._limits = limits
        self._client = client or neutral_client(limits)
        self._owns_client = client is None

    @property
    def location(self) -> str:
        return self._base

    def _get(self, url: str, limit: int) -> bytes:
        with self._client.stream("GET", url) as response:
            if response.status_code != httpx.codes.OK:
                raise FileRejectedError(f"HTTP {response.status_code}")
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > limit:
                raise FileRejectedError(f"larger than {limit} bytes")
            chunks, size = [], 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > limit:
                    raise FileRejectedError(f"larger than {limit} bytes")
                chunks.append(chunk)
        return b"".join(chunks)

    def list_files(self) -> list[str]:
        if self._single is not None:
            return [self._single]
        url = self._base + INDEX_NAME
        try:
            data = self._get(url, self._limits.max_index_bytes)
        except FileRejectedError as exc:
            raise DownloadError(f"cannot get {url}: {exc}") from None
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            raise DownloadError(f"cannot get {url}: {type(exc).__name__}: {exc}") from None
        try:
            return parse_index(data.decode("utf-8"), self._limits)
        except UnicodeDecodeError:
            raise DownloadError(f"{url} is not UTF-8 text") from None

    def fetch(self, name: str) -> bytes:
        relative = safe_relative(name, self._root_name)
        try:
            return self._get(self._base + str(relative), self._limits.max_file_bytes)
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            raise FileRejectedError(f"{type(exc).__name__}: {exc}") from None

    def close(self) -> None:
        if self._owns_client:
            self._client.close()

    def __enter__(self) -> "HttpSource":
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def open_source(spec: str | Path, limits: DownloadLimits | None = None) -> ExportSource:
    """An HTTP(S) source for a URL, a directory source for anything else."""
    limits = limits or DownloadLimits()
    text = str(spec)
    if text.startswith(("http://", "https://")):
        return HttpSource(text, limits)
    return DirectorySource(Path(text), limits)


# --- the download itself ------------------------------------------------------------------------


def download_exports(
    source: ExportSource,
    trusted: Sequence[VerificationKey],
    known_sha256: Collection[str],
    now: float,
) -> DownloadReport:
    """Fetch every listed file, skip those already held, verify the rest before keeping them."""
    if not trusted:
        raise ClientError("no trusted public key: exports cannot be verified")
    accepted: list[DownloadedExport] = []
    skipped: list[str] = []
    rejected: list[Rejected] = []
    seen = set(known_sha256)
    for name in source.list_files():
        try:
            data = source.fetch(name)
        except FileRejectedError as exc:
            rejected.append(Rejected(name, str(exc)))
            continue
        digest = hashlib.sha256(data).hexdigest()
        if digest in seen:
            skipped.append(name)
            continue
        try:
            export = verify_export(data, trusted)
        except ENError as exc:
            rejected.append(Rejected(name, str(exc)))
            continue
        seen.add(digest)
        batch = export.batch
        accepted.append(
            DownloadedExport(
                sha256=digest,
                source=source.location,
                name=name,
                downloaded_at=now,
                region=batch.region,
                start_timestamp=batch.start_timestamp,
                end_timestamp=batch.end_timestamp,
                keys=batch.keys,
                revised_keys=batch.revised_keys,
            )
        )
    return DownloadReport(tuple(accepted), tuple(skipped), tuple(rejected))
