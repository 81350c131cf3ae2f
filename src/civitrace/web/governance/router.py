"""Every governance page: the public ones, and the console screens under
``/console/governance/``."""

from fastapi import APIRouter

from civitrace.web.governance import (
    console_access,
    console_audit,
    console_overview,
    console_proposals,
    public,
)

router = APIRouter(include_in_schema=False)
for _area in (public, console_overview, console_proposals, console_access, console_audit):
    router.include_router(_area.router)
