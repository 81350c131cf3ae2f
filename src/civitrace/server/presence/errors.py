"""The presence server's exceptions, under :class:`civitrace.server.errors.ServerError`.

Refusals of a request are :class:`~civitrace.server.errors.ApiError`\\ s, mapped to HTTP in the
one place that maps every error (:func:`civitrace.server.errors.install_error_handlers`); every
message starts with the field at fault. Presence routes live under ``/v1/``, so their error
body is the key server's ``{"error", "code", "padding"}``.
"""

from civitrace.server.errors import ApiError, ServerError


class PresenceServerError(ServerError):
    """Any failure of the presence server outside a request (jobs, storage, configuration)."""


class PresencePackageError(PresenceServerError):
    """The hourly package job cannot build or store a package."""


class PresenceRequestError(ApiError):
    """A presence request the API refuses; subclasses name the status and the code."""

    status, code = 400, "bad_request"


class InvalidReportError(PresenceRequestError):
    """A report's field is not base64 or has the wrong size, or a report is repeated."""

    status, code = 400, "invalid_report"


class ReportCountError(PresenceRequestError):
    """Fewer reports than a padded submission always has, or more than the configured maximum."""

    status, code = 400, "invalid_report_count"


class CertificateSpentError(PresenceRequestError):
    """The verification certificate was already used for a submission."""

    status, code = 409, "certificate_already_used"


class SubmissionNotFoundError(PresenceRequestError):
    """No submission with that id for the caller's health authority."""

    status, code = 404, "submission_not_found"


class SubmissionDecidedError(PresenceRequestError):
    """The submission was already approved or rejected."""

    status, code = 409, "submission_already_decided"


class InvalidVenueError(PresenceRequestError):
    """An on-behalf warning's venue code cannot be read or breaks the scheme's rules."""

    status, code = 400, "invalid_venue"


class InvalidWarningWindowError(PresenceRequestError):
    """An on-behalf warning's times or risk level are out of range."""

    status, code = 400, "invalid_warning"


class InvalidSlipError(PresenceRequestError):
    """A slip's id or ciphertext has the wrong form or size."""

    status, code = 400, "invalid_slip"


class SlipExistsError(PresenceRequestError):
    """A slip with this id is already stored (a code is used once)."""

    status, code = 409, "slip_exists"


class SlipNotFoundError(PresenceRequestError):
    """No slip with this id, or it has expired."""

    status, code = 404, "slip_not_found"


class SlipRateLimitedError(PresenceRequestError):
    """Too many failed slip lookups across the deployment in the current window."""

    status, code = 429, "quota_exceeded"


class SlipFormatError(PresenceServerError, ValueError):
    """A slip code, plaintext or ciphertext is malformed, or the ciphertext does not open."""
