"""Exceptions of federation; the API ones map to HTTP in :mod:`civitrace.server.errors`."""

from civitrace.server.errors import ApiError, ServerError


class FederationError(ServerError):
    """Any federation failure."""


class FederationConfigError(FederationError, ValueError):
    """A grant or peer is invalid, unknown or already exists."""


class PullError(FederationError):
    """A pull failed: the peer is unreachable, refused us, or sent something we do not trust.
    Nothing of the failing page was stored and the cursor did not move."""


class FederationForbiddenError(ApiError):
    """The credential is valid but asks for regions its grant does not allow."""

    status, code = 403, "forbidden"
