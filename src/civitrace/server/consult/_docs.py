"""OpenAPI documentation helpers shared by the consultation routes."""

from typing import Any

from civitrace.server.verification.schemas import ErrorResponse


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """Document each status as the server's error body (400 and 413 are always possible)."""
    return {status: {"model": ErrorResponse} for status in sorted({400, 413, *statuses})}
