"""Routes of presence tracing.

Apps and pages (no key): ``POST /v1/presence/reports`` (a positive person's reports, with a
verification certificate), ``POST /v1/presence/slips`` and ``GET /v1/presence/slips/{id}`` (the
no-smartphone path), ``GET /presence/warnings/{region}/index.txt`` and ``…/{hour}.bin`` (the
hourly packages every device downloads).

Staff systems (an ADMIN ``X-API-Key`` of the health authority, the key that issues verification
codes): ``GET /v1/presence/submissions``, ``POST /v1/presence/submissions/{id}/approve|reject``,
``POST /v1/presence/warnings`` (on-behalf warnings). Every response is padded JSON except the
package files, and ``POST /v1/…`` with ``X-Chaff`` is answered without effect by the chaff
middleware, as for publish.
"""

import re
from typing import Annotated, Any, Final, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response
from starlette.exceptions import HTTPException

from civitrace.presence.errors import WarningPackageError
from civitrace.presence.warning_package import decode_package
from civitrace.server.db.models import HealthAuthority
from civitrace.server.deps import SessionDep
from civitrace.server.errors import PUBLISH_API_VERSION
from civitrace.server.exports.config import REGION
from civitrace.server.exports.errors import ExportStorageError
from civitrace.server.exports.storage import (
    INDEX_CONTENT_TYPE,
    LOCAL_EXPORTS_DIR,
    ExportStorage,
    LocalDirectoryStorage,
)
from civitrace.server.presence.packages import (
    INDEX_NAME,
    PACKAGE_CONTENT_TYPE,
    STORAGE_PREFIX,
)
from civitrace.server.presence.schemas import (
    SLIP_ID_PATTERN,
    UUID_PATTERN,
    DecisionResponse,
    PresenceErrorResponse,
    SlipResponse,
    SlipUploadRequest,
    SlipUploadResponse,
    SubmissionListResponse,
    SubmissionRequest,
    SubmissionResponse,
    VenueWarningRequest,
    VenueWarningResponse,
)
from civitrace.server.presence.service import PresenceServices, services
from civitrace.server.responses import padded_json
from civitrace.server.verification.schemas import ErrorResponse
from civitrace.server.verification.views import AdminKey

_PACKAGE: Final = re.compile(r"^\d{1,10}\.bin$")
INDEX_MAX_AGE: Final = 300  # seconds a cache may keep index.txt
PACKAGE_MAX_AGE: Final = 86_400  # a package never changes once listed
EMPTY_PACKAGE_MAX_BYTES: Final = 64  # one report alone serializes to more than 100 bytes
EMPTY_HEADER: Final = "cwa-empty-pkg"  # CWA's flag of an hour without warnings

router = APIRouter(tags=["presence"])

SubmissionId = Annotated[str, Path(pattern=UUID_PATTERN, description="submission id (UUID)")]
SlipId = Annotated[str, Path(pattern=SLIP_ID_PATTERN, description="64 lowercase hex digits")]


def _errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {status: {"model": PresenceErrorResponse} for status in statuses}


def _services(request: Request) -> PresenceServices:
    return services(request.app.state)


def _reply(request: Request, document: dict[str, Any]) -> Response:
    """Padded JSON with ``x-api-version: v1``, as every answer under ``/v1/`` (errors too)."""
    return padded_json(document, request.app.state.settings, headers=PUBLISH_API_VERSION)


# -- apps and pages --------------------------------------------------------------------------------


@router.post(
    "/v1/presence/reports",
    response_model=SubmissionResponse,
    responses=_errors(400, 401, 409, 413),
    summary="Submit encrypted check-in reports with a verification certificate (apps, pages)",
)
def submit_reports(body: SubmissionRequest, session: SessionDep, request: Request) -> Response:
    return _reply(request, _services(request).submissions.submit(session, body))


@router.post(
    "/v1/presence/slips",
    response_model=SlipUploadResponse,
    responses=_errors(400, 409, 413, 429),
    summary="Store a kiosk slip's encrypted check-in under its id (kiosk page)",
)
def upload_slip(body: SlipUploadRequest, session: SessionDep, request: Request) -> Response:
    return _reply(request, _services(request).slips.upload(session, body))


@router.get(
    "/v1/presence/slips/{slip_id}",
    response_model=SlipResponse,
    responses=_errors(400, 404, 429),
    summary="Fetch one slip's ciphertext by the id its code gives (any computer)",
)
def get_slip(slip_id: SlipId, session: SessionDep, request: Request) -> Response:
    return _reply(request, _services(request).slips.lookup(session, slip_id))


# -- staff systems (ADMIN key) ---------------------------------------------------------------------


@router.get(
    "/v1/presence/submissions",
    response_model=SubmissionListResponse,
    responses=_errors(400, 401),
    summary="List the authority's submissions: counts and dates, never content (staff)",
)
def list_submissions(
    key: AdminKey,
    session: SessionDep,
    request: Request,
    status: Annotated[
        Literal["pending", "approved", "rejected"] | None,
        Query(description="only submissions in this state (default: all)"),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000, description="at most this many, oldest first")] = (
        100
    ),
) -> Response:
    listed = _services(request).submissions.list_submissions(
        session, key.health_authority_id, status, limit
    )
    return _reply(request, {"submissions": listed})


@router.post(
    "/v1/presence/submissions/{submission_id}/approve",
    response_model=DecisionResponse,
    responses=_errors(400, 401, 404, 409),
    summary="Publish a submission's reports as venue warnings (staff)",
)
def approve_submission(
    submission_id: SubmissionId, key: AdminKey, session: SessionDep, request: Request
) -> Response:
    submissions = _services(request).submissions
    return _reply(request, submissions.approve(session, key.health_authority_id, submission_id))


@router.post(
    "/v1/presence/submissions/{submission_id}/reject",
    response_model=DecisionResponse,
    responses=_errors(400, 401, 404, 409),
    summary="Discard a submission's reports (staff)",
)
def reject_submission(
    submission_id: SubmissionId, key: AdminKey, session: SessionDep, request: Request
) -> Response:
    submissions = _services(request).submissions
    return _reply(request, submissions.reject(session, key.health_authority_id, submission_id))


@router.post(
    "/v1/presence/warnings",
    response_model=VenueWarningResponse,
    responses=_errors(400, 401, 413),
    summary="Warn a venue's guests for a time window, given its QR code (staff)",
)
def warn_venue(
    body: VenueWarningRequest, key: AdminKey, session: SessionDep, request: Request
) -> Response:
    authority = session.get_one(HealthAuthority, key.health_authority_id)
    return _reply(request, _services(request).on_behalf.warn(session, authority, body))


# -- the hourly packages ---------------------------------------------------------------------------


def _storage(request: Request) -> ExportStorage:
    storage: ExportStorage | None = getattr(request.app.state, "export_storage", None)
    if storage is None:
        storage = LocalDirectoryStorage(request.app.state.settings.data_dir / LOCAL_EXPORTS_DIR)
        request.app.state.export_storage = storage
    return storage


def _is_empty(data: bytes) -> bool:
    if len(data) > EMPTY_PACKAGE_MAX_BYTES:
        return False
    try:
        package = decode_package(data)
    except WarningPackageError:
        return False
    return not package.reports and not package.warnings


@router.get(
    "/presence/warnings/{region}/{name}",
    responses={
        200: {
            "description": "index.txt (text/plain: one hour per line, oldest first) or a "
            "serialized TraceWarningPackage (application/octet-stream)",
            "content": {"text/plain": {}, "application/octet-stream": {}},
        },
        404: {"model": ErrorResponse, "description": "no such region or hour"},
    },
    response_class=Response,
    summary="The hourly warning packages of a region and their index (every device)",
)
def warning_file(request: Request, region: str, name: str) -> Response:
    """``index.txt`` lists the hours (since the epoch) that have a package; ``{hour}.bin`` is
    that hour's package. An hour without warnings has an empty package, flagged with
    ``cwa-empty-pkg: 1`` as the Corona-Warn-App's server does."""
    if not REGION.match(region) or not (name == INDEX_NAME or _PACKAGE.match(name)):
        raise HTTPException(404, "no such warning package")
    try:
        data = _storage(request).get(f"{STORAGE_PREFIX}/{region}/{name}")
    except ExportStorageError:
        raise HTTPException(404, "no such warning package") from None
    if name == INDEX_NAME:
        return Response(
            content=data,
            media_type=INDEX_CONTENT_TYPE,
            headers={"Cache-Control": f"public, max-age={INDEX_MAX_AGE}"},
        )
    headers = {"Cache-Control": f"public, max-age={PACKAGE_MAX_AGE}, immutable"}
    if _is_empty(data):
        headers[EMPTY_HEADER] = "1"
    return Response(content=data, media_type=PACKAGE_CONTENT_TYPE, headers=headers)
