"""Exceptions of the consultation domain, under :class:`civitrace.errors.CivitraceError`.

Every refusal names what is at fault: :class:`ConsultInputError` carries the field (in the
domain's snake_case; the web layer spells it as its JSON field), state errors say which state
forbids the action. The server maps this family to HTTP in one place.
"""

from civitrace.errors import CivitraceError


class ConsultError(CivitraceError):
    """Any consultation error."""


class ConsultInputError(ConsultError, ValueError):
    """A value breaks its rule (too long, unknown group, not an option of the poll…)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class ConsultStateError(ConsultError):
    """The action is not allowed in the current state (a closed poll, a decided question…)."""


class AlreadyVotedError(ConsultStateError):
    """The participant has voted in this poll already: a vote is final (see ``polls``)."""


class AlreadyUpvotedError(ConsultStateError):
    """The participant has upvoted this question already (or asked it)."""


class SummaryError(ConsultError):
    """A summary cannot be rendered (no font to embed in the PDF)."""
