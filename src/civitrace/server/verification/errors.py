"""Errors of the code-management endpoints (``/api/checkcodestatus``, ``/api/expirecode``,
``/api/batch-issue``), under :class:`civitrace.server.errors.ApiError`: the one mapping to HTTP
in ``server/errors.py`` turns them into Google's error body with their status and code."""

from civitrace.server.errors import ApiError


class CodeNotFoundError(ApiError):
    """No code with that UUID in the API key's authority (or it was deleted by retention)."""

    status, code = 404, "code_not_found"


class BatchTooLargeError(ApiError):
    """More codes in one ``/api/batch-issue`` request than Google's limit of 10."""

    status, code = 400, "unparsable_request"
