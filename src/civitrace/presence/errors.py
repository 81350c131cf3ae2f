"""Exceptions of the presence-tracing protocol package."""

from civitrace.errors import CivitraceError


class PresenceError(CivitraceError):
    """Any presence-tracing error: bad input to, or bad data from, the codecs and crypto."""


class PayloadFormatError(PresenceError, ValueError):
    """A QR code URL, its base64 or its protobuf is malformed."""


class ValidationError(PresenceError, ValueError):
    """A well-formed payload breaks one of the scheme's rules; ``rule`` names which."""

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(f"rule {rule} broken: {message}")
        self.rule = rule


class CheckInError(PresenceError, ValueError):
    """A check-in or a check-in record holds a value out of its range."""


class ReportError(PresenceError, ValueError):
    """An encrypted check-in report is malformed or its MAC does not verify."""


class WarningPackageError(PresenceError, ValueError):
    """A TraceWarningPackage is malformed."""


class PosterError(PresenceError):
    """A poster cannot be made: unknown language, a script no font can draw, no font at all."""
