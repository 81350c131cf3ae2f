"""``GET /sessions/{id}/events``: the session's live updates as Server-Sent Events.

Public (everything it carries is public: poll states and counts, accepted questions, the number
of questions awaiting moderation, session status, which table's seating changed) and without a
token, so a browser's ``EventSource`` can open it as is. Event types: ``session``, ``poll``,
``tally``, ``questions``, ``queue``, ``seating`` (see :mod:`~civitrace.server.consult.events`);
every ``data:`` is one JSON document holding the whole current state of its thing.

The route takes no request-scoped database session: a stream lives for hours, and the hub
reads through short sessions of its own (the first frames included), each opened and closed
within one worker thread so that waiting for a connection never holds a thread another
request needs to give one back.
"""

from fastapi import APIRouter
from fastapi.responses import StreamingResponse

from civitrace.server.consult._docs import errors
from civitrace.server.consult.auth import SessionId
from civitrace.server.consult.errors import NotFoundError
from civitrace.server.consult.runtime import Runtime

router = APIRouter()

EVENT_STREAM = "text/event-stream"


@router.get(
    "/sessions/{session_id}/events",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "An endless stream of Server-Sent Events",
            "content": {EVENT_STREAM: {"schema": {"type": "string"}}},
        },
        **errors(404),
    },
    summary="Live updates of a session (Server-Sent Events; public)",
)
async def events(session_id: SessionId, runtime: Runtime) -> StreamingResponse:
    subscription = await runtime.hub.subscribe(session_id)
    if subscription is None:
        raise NotFoundError(f"session {session_id}: no such session")
    return StreamingResponse(
        runtime.hub.stream(subscription),
        media_type=EVENT_STREAM,
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
