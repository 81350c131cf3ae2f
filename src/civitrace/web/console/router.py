"""Every console route, under ``/console/``."""

from fastapi import APIRouter

from civitrace.web.console import (
    views_cases,
    views_followups,
    views_home,
    views_login,
    views_staff,
    views_warnings,
)

router = APIRouter(include_in_schema=False)
for _area in (views_login, views_home, views_cases, views_warnings, views_followups, views_staff):
    router.include_router(_area.router)
