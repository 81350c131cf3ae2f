"""Public JSON of governance: the transparency data, the proposals, the access-request register.

Read-only and public (no API key): these are what the transparency page publishes. They stay
open after the sunset (see :mod:`.sunset_middleware`). The app's governance settings are
``app.state.governance`` when set, else the ``governance`` section of its settings; its clock
``app.state.governance_clock`` when set (tests), else the current time.
"""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Final

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from civitrace.governance import access_requests
from civitrace.governance.proposals import public_proposals
from civitrace.governance.settings import GovernanceSettings, governance_settings
from civitrace.governance.transparency import transparency_snapshot
from civitrace.server.deps import SessionDep

router = APIRouter(tags=["governance"])
CACHE: Final = {"Cache-Control": "public, max-age=60"}


def app_governance(request: Request) -> GovernanceSettings:
    """The governance settings of the app serving ``request``."""
    own = getattr(request.app.state, "governance", None)
    if isinstance(own, GovernanceSettings):
        return own
    return governance_settings(request.app.state.settings)


def app_now(request: Request) -> datetime:
    """The app's current time (a test clock when one is installed)."""
    clock: Callable[[], datetime] | None = getattr(request.app.state, "governance_clock", None)
    return clock() if clock is not None else datetime.now(UTC)


def _json(document: dict[str, Any]) -> JSONResponse:
    return JSONResponse(document, headers=CACHE)


@router.get("/transparency.json", summary="What is collected, why, for how long, and by whom")
def transparency(request: Request, session: SessionDep) -> JSONResponse:
    """Categories in force, sunset, pending proposals, audit head, access-request register."""
    snapshot = transparency_snapshot(session, app_governance(request), app_now(request))
    return _json(snapshot.to_json())


@router.get("/governance/proposals.json", summary="Every change proposed to the data inventory")
def proposals(request: Request, session: SessionDep) -> JSONResponse:
    """Every proposal, with its status, effective date and consultation summary."""
    return _json({"proposals": public_proposals(session, app_now(request))})


@router.get(
    "/governance/access-requests.json", summary="The data-access-request register (redacted)"
)
def access_request_register(session: SessionDep) -> JSONResponse:
    """Third-party requests for data and the decisions, without private individuals' names."""
    return _json(
        {
            "statistics": access_requests.statistics(session),
            "register": access_requests.public_register(session),
        }
    )
