"""``GET /stats``: the public statistics page, a map and its table for one published release.

Which release: ``?release=<id>``, else the newest of ``?kind=`` (default ``cases``). Which slice:
``?day=YYYY-MM-DD`` and ``?ages=<band>`` among the release's own (default the latest day, all
ages). The page reads only stored releases and the ledger's public lines (``server.analytics.
store``); it draws the deployment's regions, since releases store no geometry. Malformed
queries are answered by the page itself with 400 or 404, in the visitor's language.
"""

import re
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session
from starlette.datastructures import QueryParams

from civitrace.analytics.constants import KINDS
from civitrace.server.analytics import store
from civitrace.server.analytics.errors import UnknownReleaseError
from civitrace.server.analytics.schemas import RELEASE_ID_PATTERN
from civitrace.server.deps import SessionDep
from civitrace.web.stats import words
from civitrace.web.stats.deployment import deployment
from civitrace.web.stats.errors import BadQueryError, NoReleaseError, StatsPageError
from civitrace.web.stats.formatting import Local
from civitrace.web.stats.view import SliceView, slice_view
from civitrace.web.templating import render, request_language

PAST_SHOWN: Final = 20  # releases listed on the page; /stats/releases.json lists them all
PERIODS_SHOWN: Final = 12  # weeks of the budget ledger shown
DEFAULT_KIND: Final = "cases"
_DAY: Final = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_BAND: Final = re.compile(r"^[0-9a-z+-]{1,16}$")

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class StatsQuery:
    """What the visitor asked to see."""

    kind: str
    release_id: str | None
    day: date | None
    ages: str | None


def parse_query(params: QueryParams) -> StatsQuery:
    """The page's query, or :class:`BadQueryError` naming the parameter at fault."""
    kind = params.get("kind") or DEFAULT_KIND
    if kind not in KINDS:
        raise BadQueryError(f"kind: must be one of {', '.join(KINDS)}")
    release_id = params.get("release") or None
    if release_id is not None and not re.fullmatch(RELEASE_ID_PATTERN, release_id):
        raise BadQueryError("release: not a release id")
    raw_day = params.get("day") or None
    chosen_day = None
    if raw_day is not None:
        try:
            if not _DAY.match(raw_day):
                raise ValueError(raw_day)
            chosen_day = date.fromisoformat(raw_day)
        except ValueError:
            raise BadQueryError("day: must be a date such as 2026-01-31") from None
    ages = params.get("ages") or None
    if ages is not None and not _BAND.match(ages):
        raise BadQueryError("ages: not an age band")
    return StatsQuery(kind, release_id, chosen_day, ages)


def _published(session: Session, query: StatsQuery) -> store.PublishedRelease | None:
    if query.release_id is not None:
        try:
            return store.get_release(session, query.release_id)
        except UnknownReleaseError:
            raise NoReleaseError("release: no release with this id was published") from None
    try:
        return store.latest_release(session, query.kind)
    except UnknownReleaseError:
        return None


def _context(request: Request, session: Session) -> dict[str, Any]:
    """What the page shows whatever the query: the choices, past releases and the ledger."""
    return {
        "fmt": Local(request_language(request)),
        "public_kinds": words.PUBLIC_KINDS,
        "kind_names": words.KIND_NAMES,
        "value_headings": words.VALUE_HEADINGS,
        "mechanisms": words.MECHANISMS,
        "ages_all": words.AGES_ALL,
        "past": store.list_releases(session, limit=PAST_SHOWN),
        "periods": store.ledger_periods(session),
        "periods_shown": PERIODS_SHOWN,
    }


@router.get("/stats", response_class=HTMLResponse)
def stats_page(request: Request, session: SessionDep) -> HTMLResponse:
    """The map and table of a release, how it protects privacy, downloads, past releases."""
    context = _context(request, session)
    try:
        query = parse_query(request.query_params)
        published = _published(session, query)
        view: SliceView | None = None
        if published is not None:
            regions = deployment(request.app.state).regions
            language = request_language(request)
            view = slice_view(published.release, regions, language, query.day, query.ages)
    except StatsPageError as exc:
        context.update(error=exc, kind=DEFAULT_KIND, published=None, view=None)
        return render(request, "stats/page.html", context, status_code=exc.status)
    kind = published.release.kind if published is not None else query.kind
    context.update(error=None, kind=kind, published=published, view=view)
    return render(request, "stats/page.html", context)
