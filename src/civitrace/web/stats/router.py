"""The statistics pages' routes: the public page and the statistician's release screen."""

from fastapi import APIRouter

from civitrace.web.stats import console, public

router = APIRouter(include_in_schema=False)
router.include_router(public.router)
router.include_router(console.router)
