"""The console's exceptions, under :class:`civitrace.server.errors.ServerError`.

Each carries the HTTP status the pages answer with; the message starts with the form field at
fault (``username: …``) so the page can show it next to that field. The console's routes render
them as HTML pages (:mod:`civitrace.web.console.routing`); the CLI prints them as one line.
"""

from typing import ClassVar

from civitrace.server.errors import ServerError


class ConsoleError(ServerError):
    """Anything the console refuses; ``status`` is the HTTP status of the page."""

    status: ClassVar[int] = 400

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field if field is not None else message.partition(":")[0].strip()


class ConsoleInputError(ConsoleError, ValueError):
    """A form field is missing, malformed or out of range."""


class NotSignedInError(ConsoleError):
    """No session, an unknown, expired or tampered cookie."""

    status = 401


class ForbiddenError(ConsoleError):
    """Signed in, but the role may not do this, or the CSRF token is missing or wrong."""

    status = 403


class NotFoundError(ConsoleError):
    """No such case, follow-up or staff account (for this health authority)."""

    status = 404


class ConflictError(ConsoleError):
    """The action does not fit the record's state (a closed case, a taken user name…)."""

    status = 409


class ThrottledError(ConsoleError):
    """Too many failed sign-ins for this account, or for the whole deployment, just now."""

    status = 429


class WrongCredentialsError(ConsoleError):
    """The user name, password or code is wrong (which one is never said)."""

    status = 401


class ConsoleSettingsError(ConsoleError):
    """A console setting is unsafe or malformed."""
