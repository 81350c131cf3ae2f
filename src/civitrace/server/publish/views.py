"""The route of the key server: ``POST /v1/publish`` with Google's v1 JSON."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy import Engine

from civitrace.server.errors import PUBLISH_API_VERSION, PublishMediaTypeError
from civitrace.server.publish.schemas import PublishRequest, PublishResponse
from civitrace.server.publish.service import Publisher
from civitrace.server.responses import padded_json

router = APIRouter(tags=["publish"])


async def _require_json(request: Request) -> None:
    """Google answers 415 unless the content type is ``application/json``.

    ``async`` because it does no I/O: a sync dependency would cost a thread-pool hop.
    """
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media != "application/json":
        raise PublishMediaTypeError("Content-Type: must be application/json")


JsonBody = Annotated[None, Depends(_require_json)]


def _errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {status: {"model": PublishResponse} for status in statuses}


@router.post(
    "/v1/publish",
    response_model=PublishResponse,
    responses=_errors(400, 401, 413, 415),
    summary="Publish temporary exposure keys with a verification certificate (apps)",
)
def publish(_json: JsonBody, body: PublishRequest, request: Request) -> Response:
    """A Core connection rather than an ORM session: publish maps no objects, and it is the
    hottest path of the server (the session's bookkeeping cost a tenth of a publish)."""
    publisher: Publisher = request.app.state.publisher
    engine: Engine = request.app.state.engine
    with engine.connect() as connection:  # rolled back on exit unless the service committed
        document = publisher.publish(connection, body)
    return padded_json(document, request.app.state.settings, headers=PUBLISH_API_VERSION)
