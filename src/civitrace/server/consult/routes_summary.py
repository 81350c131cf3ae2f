"""The summary: the facilitator publishes it; anyone reads it as JSON, HTML or PDF.

The renderers are imported when a page is first asked for: matplotlib and fpdf2 take seconds
to import, and a server process should not pay that at start-up.
"""

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from civitrace.server.consult import summaries as service
from civitrace.server.consult._docs import errors
from civitrace.server.consult.auth import Facilitator, SessionId
from civitrace.server.consult.runtime import Bus
from civitrace.server.consult.schemas import SummaryOut
from civitrace.server.deps import SessionDep

router = APIRouter()


def _binary(media_type: str, description: str) -> dict[int | str, dict[str, Any]]:
    return {
        200: {
            "description": description,
            "content": {media_type: {"schema": {"type": "string"}}},
        },
        **errors(404, 503),
    }


@router.post(
    "/sessions/{session_id}/summary",
    response_model=SummaryOut,
    responses=errors(401, 403, 404, 409),
    summary="Publish the summary of an ended session, once (facilitator)",
)
def publish(session_id: SessionId, db: SessionDep, bus: Bus, _: Facilitator) -> dict[str, Any]:
    return service.publish(db, bus, session_id).to_json()


@router.get(
    "/sessions/{session_id}/summary",
    response_model=SummaryOut,
    responses=errors(404),
    summary="The published summary as JSON (public)",
)
def summary_json(session_id: SessionId, db: SessionDep) -> dict[str, Any]:
    return service.published(db, session_id).to_json()


@router.get(
    "/sessions/{session_id}/summary.html",
    response_class=Response,
    responses=_binary("text/html", "The published summary as one self-contained HTML page"),
    summary="The published summary as HTML (public)",
)
def summary_html(session_id: SessionId, db: SessionDep) -> Response:
    from civitrace.consult.render_html import render_html  # noqa: PLC0415 - see docstring

    document = service.published(db, session_id)
    db.close()  # give the connection back before the slow part
    return Response(render_html(document), media_type="text/html; charset=utf-8")


@router.get(
    "/sessions/{session_id}/summary.pdf",
    response_class=Response,
    responses=_binary("application/pdf", "The published summary as PDF"),
    summary="The published summary as PDF (public)",
)
def summary_pdf(session_id: SessionId, db: SessionDep) -> Response:
    from civitrace.consult.render_pdf import render_pdf  # noqa: PLC0415 - see docstring

    document = service.published(db, session_id)
    db.close()  # give the connection back before the slow part
    return Response(
        render_pdf(document),
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="summary-{session_id}.pdf"'},
    )
