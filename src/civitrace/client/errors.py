"""Exceptions of the reference device, one class per thing a user can do something about.

Every class derives from :class:`civitrace.errors.CivitraceError`, so the CLI's single error
edge turns each into a one-line message. Messages never contain key material, passphrases or
observed identifiers: they may end up in a terminal scroll-back or a bug report.
"""

from civitrace.errors import CivitraceError


class ClientError(CivitraceError):
    """Anything the reference device refuses or cannot do."""


class StoreError(ClientError):
    """The on-device store cannot be created, opened or written."""


class StoreNotFoundError(StoreError):
    """There is no store at the given path (run ``civitrace client init`` first)."""


class StoreExistsError(StoreError):
    """A store already exists where a new one was to be created; it is never overwritten."""


class StoreLockedError(StoreError):
    """The passphrase or key file does not unlock the store."""


class StoreCorruptError(StoreError):
    """The store file is damaged or was tampered with: its authentication does not hold."""


class StoreBusyError(StoreError):
    """Another process has the store open; writing now could lose its changes."""


class ConsentRequiredError(ClientError):
    """Data would leave the device, but the person has not explicitly said yes."""


class DownloadError(ClientError):
    """An export source cannot be listed at all (single files that fail are only reported)."""


class ScanFeedError(ClientError, ValueError):
    """A line of a JSON-lines scan feed is invalid; ``line`` is 1-based, ``field`` the culprit."""

    def __init__(self, line: int, field: str, message: str) -> None:
        super().__init__(f"line {line}: {field}: {message}")
        self.line = line
        self.field = field
