"""Refusals of the consultation API, and the one mapping of domain errors to them.

Every message starts with the field or the resource at fault (``displayName: must not be
empty``, ``poll: cannot open a poll that is closed``). Domain errors
(:mod:`civitrace.consult.errors`) become API errors in :func:`to_api_error`, which the handler
:func:`install_consult_error_handler` applies; the body is the server's usual error document.
"""

import re
from typing import Final

from fastapi import FastAPI, Request
from fastapi.responses import Response

from civitrace.consult.errors import (
    AlreadyUpvotedError,
    AlreadyVotedError,
    ConsultError,
    ConsultInputError,
    ConsultStateError,
    SummaryError,
)
from civitrace.server.errors import ApiError, error_response


class ConsultApiError(ApiError):
    """A consultation request the API refuses."""

    status, code = 400, "invalid_field"


class NotFoundError(ConsultApiError):
    """No such consultation, session, poll, question or table."""

    status, code = 404, "not_found"


class ForbiddenError(ConsultApiError):
    """The token is valid but its role may not do this (a participant opening a poll)."""

    status, code = 403, "forbidden"


class InvalidStateError(ConsultApiError):
    status, code = 409, "invalid_state"


class AlreadyVotedApiError(ConsultApiError):
    status, code = 409, "already_voted"


class AlreadyUpvotedApiError(ConsultApiError):
    status, code = 409, "already_upvoted"


class SummaryUnavailableError(ConsultApiError):
    """The summary cannot be rendered on this server (no font); the JSON still can."""

    status, code = 503, "summary_unavailable"


_CAMEL: Final = re.compile(r"_([a-z])")


def camel(field: str) -> str:
    """The JSON spelling of a domain field name: ``display_name`` → ``displayName``."""
    return _CAMEL.sub(lambda match: match.group(1).upper(), field)


def to_api_error(error: ConsultError) -> ApiError:
    """The API error a domain error is answered with."""
    if isinstance(error, ConsultInputError):
        return ConsultApiError(f"{camel(error.field)}: {error.message}")
    if isinstance(error, AlreadyVotedError):
        return AlreadyVotedApiError(str(error))
    if isinstance(error, AlreadyUpvotedError):
        return AlreadyUpvotedApiError(str(error))
    if isinstance(error, ConsultStateError):
        return InvalidStateError(str(error))
    if isinstance(error, SummaryError):
        return SummaryUnavailableError(f"summary: {error}")
    return ConsultApiError(f"request: {error}")


def install_consult_error_handler(app: FastAPI) -> None:
    """Answer domain errors escaping a consultation route as their API errors."""

    async def on_consult_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ConsultError)
        api = to_api_error(exc)
        return error_response(
            request.url.path,
            request.app.state.settings,
            api.status,
            api.message,
            api.code,
            **api.headers,
        )

    app.add_exception_handler(ConsultError, on_consult_error)
