"""Every consultation page route (one router for ``install_web``)."""

from fastapi import APIRouter

from civitrace.web.consult import views_console, views_participant, views_public, views_runner

router = APIRouter(include_in_schema=False)
for _area in (views_public, views_participant, views_runner, views_console):
    router.include_router(_area.router)
