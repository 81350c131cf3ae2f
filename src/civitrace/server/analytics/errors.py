"""Exceptions of the server's statistics: unknown releases and refused usage reports."""

from civitrace.server.errors import ServerError, UnparsableRequestError


class StatsError(ServerError):
    """Any error of ``civitrace.server.analytics`` that is not already an analytics error."""


class UnknownReleaseError(StatsError, LookupError):
    """No stored release has this id (or no release of this kind was published yet)."""


class UsageReportError(UnparsableRequestError):
    """A usage report that the estimates could not use; the message names the field."""
