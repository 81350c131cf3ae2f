"""Routes of the statistics: public downloads and the apps' usage reports.

- ``GET /stats/releases.json``: every published release (newest first) and the privacy-budget
  ledger per period; ``GET /stats/releases/{id}.json`` / ``.csv``: one release, each cell with
  its value, 95 % interval, suppressed flag and ε; ``GET /stats/latest.json`` / ``.csv``: the
  newest release of a kind (``?kind=``, default ``cases``). Public, cacheable, unpadded files:
  they are the same for everyone, so their size says nothing about who asked.
- ``GET /stats/usage.json``: unbiased estimates of the usage flags with their intervals.
- ``POST /v1/usage``: a device's randomized answers, added to the day's totals. Padded; with
  ``X-Chaff`` it is answered by the chaff middleware without effect.

Every body served comes from ``store`` or ``usage``: stored releases and estimates, never a
count computed from case data.
"""

import json
from datetime import UTC, datetime
from typing import Annotated, Any, Final

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response
from starlette.exceptions import HTTPException

from civitrace.analytics.constants import KINDS
from civitrace.server.analytics import store
from civitrace.server.analytics.errors import UnknownReleaseError
from civitrace.server.analytics.schemas import (
    RELEASE_ID_PATTERN,
    ReleaseDocument,
    ReleaseListDocument,
    UsageErrorResponse,
    UsageEstimatesDocument,
    UsageRequest,
    UsageResponse,
)
from civitrace.server.analytics.usage import record_usage, usage_estimates
from civitrace.server.deps import SessionDep
from civitrace.server.errors import PUBLISH_API_VERSION
from civitrace.server.responses import padded_json
from civitrace.server.verification.schemas import ErrorResponse

MAX_AGE: Final = 300  # seconds a cache may keep a listing or a release
CSV_TYPE: Final = "text/csv; charset=utf-8"
KIND_PATTERN: Final = f"^({'|'.join(KINDS)})$"

router = APIRouter(tags=["statistics"])

ReleaseId = Annotated[
    str, Path(pattern=RELEASE_ID_PATTERN, description="id of a published release")
]
Kind = Annotated[str, Query(pattern=KIND_PATTERN, description="what the release tabulates")]

_NOT_FOUND: Final[dict[int | str, dict[str, Any]]] = {
    400: {"model": ErrorResponse, "description": "a parameter is malformed"},
    404: {"model": ErrorResponse, "description": "no such release"},
}
_CSV: Final[dict[int | str, dict[str, Any]]] = {
    200: {"description": "one row per cell, with ε", "content": {"text/csv": {}}},
    **_NOT_FOUND,
}


def _json(document: dict[str, Any]) -> Response:
    return Response(
        content=json.dumps(document, separators=(",", ":")).encode("utf-8"),
        media_type="application/json",
        headers={"Cache-Control": f"public, max-age={MAX_AGE}"},
    )


def _csv(published: store.PublishedRelease) -> Response:
    name = f"civitrace-{published.release.kind}-{published.release.release_id}.csv"
    return Response(
        content=published.release.to_csv().encode("utf-8"),
        media_type=CSV_TYPE,
        headers={
            "Cache-Control": f"public, max-age={MAX_AGE}",
            "Content-Disposition": f'inline; filename="{name}"',
        },
    )


def _found(session: SessionDep, release_id: str) -> store.PublishedRelease:
    try:
        return store.get_release(session, release_id)
    except UnknownReleaseError as exc:
        raise HTTPException(404, str(exc)) from None


def _latest(session: SessionDep, kind: str) -> store.PublishedRelease:
    try:
        return store.latest_release(session, kind)
    except UnknownReleaseError as exc:
        raise HTTPException(404, str(exc)) from None


@router.get(
    "/stats/releases.json",
    response_model=ReleaseListDocument,
    responses={400: _NOT_FOUND[400]},
    summary="Published DP releases and the privacy-budget ledger",
)
def releases(
    session: SessionDep,
    kind: Annotated[str | None, Query(pattern=KIND_PATTERN)] = None,
    limit: Annotated[int, Query(ge=1, le=store.MAX_LISTED)] = store.MAX_LISTED,
) -> Response:
    listed = store.list_releases(session, kind, limit)
    periods = store.ledger_periods(session)
    return _json(
        {"releases": [r.to_json() for r in listed], "periods": [p.to_json() for p in periods]}
    )


@router.get(
    "/stats/releases/{release_id}.json",
    response_model=ReleaseDocument,
    responses=_NOT_FOUND,
    summary="One release: cells with value, interval, suppression; ε, δ, window",
)
def release_json(session: SessionDep, release_id: ReleaseId) -> Response:
    return _json(_found(session, release_id).to_json())


@router.get(
    "/stats/releases/{release_id}.csv",
    response_class=Response,
    responses=_CSV,
    summary="One release as CSV",
)
def release_csv(session: SessionDep, release_id: ReleaseId) -> Response:
    return _csv(_found(session, release_id))


@router.get(
    "/stats/latest.json",
    response_model=ReleaseDocument,
    responses=_NOT_FOUND,
    summary="The newest release of a kind",
)
def latest_json(session: SessionDep, kind: Kind = "cases") -> Response:
    return _json(_latest(session, kind).to_json())


@router.get(
    "/stats/latest.csv",
    response_class=Response,
    responses=_CSV,
    summary="The newest release of a kind, as CSV",
)
def latest_csv(session: SessionDep, kind: Kind = "cases") -> Response:
    return _csv(_latest(session, kind))


@router.get(
    "/stats/usage.json",
    response_model=UsageEstimatesDocument,
    summary="Usage flags: unbiased estimates from randomized reports, with intervals",
)
def usage(session: SessionDep) -> Response:
    return _json(usage_estimates(session))


@router.post(
    "/v1/usage",
    response_model=UsageResponse,
    responses={
        400: {"model": UsageErrorResponse, "description": "a field is missing or invalid"},
        413: {"model": UsageErrorResponse, "description": "the body is too large"},
    },
    summary="Report randomized usage flags (apps that opted in)",
)
def report_usage(body: UsageRequest, session: SessionDep, request: Request) -> Response:
    flags = body.flags.model_dump()
    record_usage(session, flags, body.epsilon, datetime.now(UTC).date())
    return padded_json({}, request.app.state.settings, headers=PUBLISH_API_VERSION)
