"""The export domain's exceptions (under :class:`civitrace.server.errors.ServerError`)."""

from civitrace.server.errors import ServerError


class ExportError(ServerError):
    """Any failure of the export batcher, its storage or its configuration."""


class ExportConfigError(ExportError, ValueError):
    """An export configuration is malformed or would weaken privacy."""


class ExportSigningKeyError(ExportError):
    """No active export signing key, or an unknown or duplicate one."""


class ExportStorageError(ExportError):
    """The storage backend failed or refused an object name."""


class InvalidObjectNameError(ExportStorageError, ValueError):
    """An object name is empty, absolute, has ``..`` or characters outside the safe set."""


class ObjectNotFoundError(ExportStorageError, LookupError):
    """No object of that name in the storage."""
