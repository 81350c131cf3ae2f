"""What the public statistics page refuses: a malformed query, or a release that does not exist.

The page answers these with itself (status 400 or 404, in the visitor's language); the message
starts with the query parameter at fault, like every civitrace error.
"""

from typing import ClassVar

from civitrace.server.errors import ServerError


class StatsPageError(ServerError):
    """A request the statistics page cannot answer; ``status`` is the page's HTTP status."""

    status: ClassVar[int] = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
        self.field = message.partition(":")[0].strip()


class BadQueryError(StatsPageError, ValueError):
    """A query parameter is malformed or names something the release does not have."""


class NoReleaseError(StatsPageError, LookupError):
    """No published release has the requested id."""

    status = 404
