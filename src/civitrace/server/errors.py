"""The server's exceptions and their one mapping to HTTP.

Every failure a client can cause is an :class:`ApiError` carrying the HTTP status and the exact
``errorCode`` string of Google's verification server. :func:`install_error_handlers` turns
those, FastAPI's request-validation errors, Starlette's HTTP errors and anything unexpected into
the one error body ``{"error", "errorCode", "error_code", "padding"}``; no other code builds an
error response.
"""

import logging
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, Final

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from civitrace.errors import CivitraceError
from civitrace.server.responses import padded_json

_log = logging.getLogger("civitrace.server")


class ServerError(CivitraceError):
    """Any error of the server package."""


class SettingsError(ServerError, ValueError):
    """A setting is missing, malformed or would weaken privacy; refused at start-up."""


class StorageError(ServerError):
    """The database or the data directory is not usable (missing secret, unmigrated schema…)."""


class ApiError(ServerError):
    """A request the API refuses; ``status`` and ``code`` are what the client receives."""

    status: ClassVar[int] = 400
    code: ClassVar[str] = "unparsable_request"
    headers: Mapping[str, str] = {}

    def __init__(self, message: str, *, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        if headers is not None:
            self.headers = dict(headers)


class UnparsableRequestError(ApiError):
    """The body is not JSON, a field is missing or has the wrong type or format."""


class UnauthorizedError(ApiError):
    """No API key, an unknown or revoked key, or a key of the wrong type for the endpoint.

    Google's servers send no error code with this status; ``unauthorized`` is civitrace's.
    """

    status = 401
    code = "unauthorized"


class InvalidTestTypeError(ApiError):
    status, code = 400, "invalid_test_type"


class UnsupportedTestTypeIssueError(ApiError):
    """Staff asked for a test type the deployment does not issue (e.g. user-report)."""

    status, code = 400, "unsupported_test_type"


class UnsupportedTestTypeError(ApiError):
    """The code's test type is not in the device's ``accept`` set (Google answers 412)."""

    status, code = 412, "unsupported_test_type"


class MissingDateError(ApiError):
    status, code = 400, "missing_date"


class InvalidDateError(ApiError):
    status, code = 400, "invalid_date"


class UuidAlreadyExistsError(ApiError):
    status, code = 409, "uuid_already_exists"


class PhoneNotSupportedError(ApiError):
    """civitrace sends no SMS and stores no phone number."""

    status, code = 400, "phone_number_invalid"


class CodeInvalidError(ApiError):
    status, code = 400, "code_invalid"


class CodeExpiredError(ApiError):
    status, code = 400, "code_expired"


class TokenInvalidError(ApiError):
    status, code = 400, "token_invalid"


class TokenExpiredError(ApiError):
    status, code = 400, "token_expired"


class HmacInvalidError(ApiError):
    status, code = 400, "hmac_invalid"


class RateLimitedError(ApiError):
    """Too many failed guesses for this API key in the current window."""

    status, code = 429, "quota_exceeded"


class RequestTooLargeError(ApiError):
    status, code = 413, "unparsable_request"


class PublishError(ApiError):
    """A refused ``POST /v1/publish``; its body is ``{"error", "code"}`` as Google's."""

    status, code = 400, "bad_request"


class PublishMediaTypeError(PublishError):
    status = 415


class UnknownHealthAuthorityError(PublishError):
    status, code = 401, "unknown_health_authority_id"


class CertificateInvalidError(PublishError):
    """The certificate's signature, claims or ``tekmac`` do not verify."""

    status, code = 401, "health_authority_verification_certificate_invalid"


class MissingRevisionTokenError(PublishError):
    status, code = 400, "missing_revision_token"


class InvalidRevisionTokenError(PublishError):
    status, code = 400, "invalid_revision_token"


class KeyAlreadyRevisedError(PublishError):
    status, code = 400, "key_already_revised"


class InvalidReportTypeTransitionError(PublishError):
    status, code = 400, "invalid_report_type_transition"


INTERNAL_ERROR_CODE: Final = "internal_server_error"

PUBLISH_PREFIX: Final = "/v1/"
"""Routes of Google's key server: errors are ``{"error", "code"}`` with ``x-api-version``."""
PUBLISH_API_VERSION: Final = {"x-api-version": "v1"}
PUBLISH_INTERNAL_ERROR_CODE: Final = "internal_error"

UNPARSABLE_CODE_BY_ROUTE: Final[Mapping[str, str]] = {
    "/api/certificate": "token_invalid",
    "/v1/publish": PublishError.code,
}
"""Google answers an unparsable certificate request with ``token_invalid``, an unparsable
publish with ``bad_request``, others with ``unparsable_request``."""

_HTTP_CODES: Final[Mapping[int, str]] = {404: "not_found", 405: "method_not_allowed"}


def error_body(message: str, code: str) -> dict[str, Any]:
    """The error document of Google's API (``error_code`` is its legacy duplicate)."""
    return {"error": message, "errorCode": code, "error_code": code}


def describe_validation_errors(errors: Sequence[Any]) -> str:
    """``field: problem`` for each pydantic error, with the JSON path the client sent."""
    parts = []
    for err in errors:
        loc = [str(p) for p in err.get("loc", ()) if p != "body"]
        field = ".".join(loc) or "body"
        kind = err.get("type", "")
        if kind == "json_invalid":
            parts.append("body: is not valid JSON")
        elif kind == "missing" and field == "body":
            parts.append("body: a JSON object is required")
        else:
            parts.append(f"{field}: {err.get('msg', 'is invalid')}")
    return "; ".join(parts) or "body: is invalid"


def _undecodable_body(cause: BaseException) -> str:
    """What a body that FastAPI could not decode as JSON (for a reason other than syntax) is."""
    if isinstance(cause, UnicodeDecodeError):
        return "body: is not valid JSON (not UTF-8 text)"
    if isinstance(cause, RecursionError):
        return "body: is not valid JSON (nested too deeply)"
    return "body: is not valid JSON"


def publish_error_body(message: str, code: str) -> dict[str, Any]:
    """The error fields of Google's ``PublishResponse``."""
    return {"error": message, "code": code}


_PUBLISH_CODES: Final[Mapping[str, str]] = {
    INTERNAL_ERROR_CODE: PUBLISH_INTERNAL_ERROR_CODE,
    UnparsableRequestError.code: PublishError.code,
}
"""Verification-API codes and the key server's names for the same failures."""


def error_response(
    path: str, settings: Any, status: int, message: str, code: str, **headers: str
) -> Response:
    """The padded error response for ``path``: Google's key-server shape under ``/v1/``
    (``{"error", "code"}`` and ``x-api-version``), the verification shape elsewhere."""
    if path.startswith(PUBLISH_PREFIX):
        code = _PUBLISH_CODES.get(code, code)
        body = publish_error_body(message, code)
        return padded_json(
            body, settings, status_code=status, headers={**headers, **PUBLISH_API_VERSION}
        )
    return padded_json(error_body(message, code), settings, status_code=status, headers=headers)


def _respond(request: Request, status: int, message: str, code: str, **headers: str) -> Response:
    return error_response(
        request.url.path, request.app.state.settings, status, message, code, **headers
    )


def install_error_handlers(app: FastAPI) -> None:
    """Map every exception to the API's error body, in this one place."""

    async def on_api_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ApiError)
        return _respond(request, exc.status, exc.message, exc.code, **exc.headers)

    def unparsable(request: Request, message: str) -> Response:
        route = getattr(request.scope.get("route"), "path", request.url.path)
        code = UNPARSABLE_CODE_BY_ROUTE.get(route, UnparsableRequestError.code)
        return _respond(request, 400, message, code)

    async def on_validation_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        return unparsable(request, describe_validation_errors(exc.errors()))

    async def on_http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if exc.status_code == 400 and exc.__cause__ is not None:
            # FastAPI's generic "There was an error parsing the body": say what is wrong
            return unparsable(request, _undecodable_body(exc.__cause__))
        code = _HTTP_CODES.get(exc.status_code, "unparsable_request")
        if request.url.path.startswith(PUBLISH_PREFIX):
            code = PublishError.code
        headers = dict(exc.headers or {})
        return _respond(request, exc.status_code, str(exc.detail), code, **headers)

    async def on_unexpected(request: Request, exc: Exception) -> Response:
        _log.error("unhandled %s", type(exc).__name__, exc_info=exc)
        return _respond(request, 500, "internal server error", INTERNAL_ERROR_CODE)

    app.add_exception_handler(ApiError, on_api_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(Exception, on_unexpected)
