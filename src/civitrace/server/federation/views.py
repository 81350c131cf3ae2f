"""``POST /federation/v1/fetch``: a peer pulls the keys its grant allows, one signed page."""

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Header, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from civitrace.server.deps import SessionDep
from civitrace.server.federation import service
from civitrace.server.federation.peers import authenticate_grant
from civitrace.server.federation.wire import FETCH_PATH, MAX_CURSOR_LENGTH, MAX_REGIONS
from civitrace.server.jobs.settings import FederationSettings
from civitrace.server.keyring import ServerSecrets
from civitrace.server.responses import padded_json

router = APIRouter(tags=["federation"])


class FetchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    regions: list[str] = Field(
        min_length=1, max_length=MAX_REGIONS, description="ISO 3166 region codes wanted"
    )
    cursor: str | None = Field(
        default=None,
        max_length=MAX_CURSOR_LENGTH,
        description="nextCursor of the previous page; null for the start",
    )
    padding: str | None = Field(default=None, max_length=4096, description="ignored")


class FetchResponse(BaseModel):
    payload: str = Field(description="base64 of the JSON page (keys, nextCursor, more)")
    signature: str = Field(description="base64 DER ECDSA P-256/SHA-256 over context + payload")
    keyId: str = Field(description="id of the federation signing key")  # noqa: N815 - wire name
    padding: str = Field(description="random bytes, ignore")


class ErrorBody(BaseModel):
    error: str
    errorCode: str  # noqa: N815 - Google's field name
    error_code: str
    padding: str


def _kek(request: Request) -> bytes:
    state = request.app.state
    kek: bytes | None = getattr(state, "federation_kek", None)
    if kek is None:
        kek = ServerSecrets.load(state.settings.data_dir).kek
        state.federation_kek = kek
    return kek


def _settings(request: Request) -> tuple[FederationSettings, timedelta]:
    settings = request.app.state.settings
    return settings.federation, settings.publish.truncate_window


@router.post(
    FETCH_PATH,
    response_model=FetchResponse,
    responses={status: {"model": ErrorBody} for status in (400, 401, 403, 413)},
    summary="Pull this instance's shareable keys (federation peers, Bearer credential)",
)
def fetch(
    body: FetchRequest,
    session: SessionDep,
    request: Request,
    authorization: Annotated[str | None, Header()] = None,
) -> Response:
    grant = authenticate_grant(session, authorization)
    federation, window = _settings(request)
    document: dict[str, Any] = service.fetch(
        session,
        _kek(request),
        grant,
        body.regions,
        body.cursor,
        now=datetime.now(UTC),
        truncate_window=window,
        page_size=federation.page_size,
    )
    return padded_json(document, request.app.state.settings)
