"""Every route of the consultation API, under ``/consult/api``."""

from fastapi import APIRouter

from civitrace.server.consult import (
    routes_consultations,
    routes_events,
    routes_polls,
    routes_questions,
    routes_sessions,
    routes_summary,
)

PREFIX = "/consult/api"

router = APIRouter(prefix=PREFIX, tags=["consultation"])
for _module in (
    routes_consultations,
    routes_sessions,
    routes_polls,
    routes_questions,
    routes_summary,
    routes_events,
):
    router.include_router(_module.router)
