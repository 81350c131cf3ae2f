"""The statistics page and the statistician's release screen in real Chromium: accessible in
every language and view, the map, the table and the downloads hold the same numbers, and a
statistician's release (or its refusal) as a person at the console sees it."""

import csv
import io
from typing import Any
from urllib.parse import urlsplit

import pytest

from civitrace.analytics.records import Window
from civitrace.server.db import make_engine, session_factory
from civitrace.server.db.console_models import StaffRole
from civitrace.web.i18n import BY_TAG, Language
from civitrace.web.stats.formatting import parameter
from tests.browser import assert_accessible
from tests.web.conftest import LiveServer
from tests.web.pages import check_page_everywhere, with_language
from tests.web.test_console_browser import sign_in
from tests.web.test_stats_view import publish, rounded, shown

PAGE_WEEK = Window.week("2026-W06")  # releases published straight into the live database
JOURNEY_WEEK = Window.week("2026-W05")  # released by the statistician through the console
SLOW = 180_000  # ms: the first console release generates the demo city (100,000 people)


@pytest.fixture(scope="module")
def published(live_server: LiveServer) -> dict[str, str]:
    """Release ids of a case map, a positivity map and an age breakdown of one week."""
    engine = make_engine(live_server.database_url)
    with session_factory(engine)() as session:
        (cases,) = publish(session, "cases", PAGE_WEEK, epsilon=0.5, budget=2.0)
        ratio, _positives, _tests = publish(
            session, "test_positivity", PAGE_WEEK, epsilon=0.5, budget=None, granularity="week"
        )
        (ages,) = publish(session, "age_bands", PAGE_WEEK, epsilon=0.5, budget=None)
    engine.dispose()
    return {"cases": cases.release_id, "positivity": ratio.release_id, "ages": ages.release_id}


def test_stats_page_in_every_language_and_view(
    browser: Any, live_server: LiveServer, published: dict[str, str]
) -> None:
    check_page_everywhere(browser, f"{live_server.url}/stats?release={published['cases']}")


@pytest.mark.parametrize("which", ["positivity", "ages"])
def test_other_kinds_are_accessible(
    browser: Any, live_server: LiveServer, published: dict[str, str], which: str
) -> None:
    check_page_everywhere(
        browser,
        f"{live_server.url}/stats?release={published[which]}",
        languages=(BY_TAG["en"], BY_TAG["ar"], BY_TAG["ta"]),
    )


def _map_values(page: Any) -> dict[str, str]:
    pairs = page.eval_on_selector_all(
        "svg.choropleth g[data-region]",
        "els => els.map(e => [e.dataset.region, e.querySelector('text.value').textContent])",
    )
    return dict(pairs)


def _table_rows(page: Any) -> dict[str, dict[str, Any]]:
    rows = page.eval_on_selector_all(
        "table.stats-table tbody tr[data-region]",
        """els => els.map(e => {
            const cell = (name) => { const c = e.querySelector(`[data-cell=${name}]`);
                                     return c ? c.textContent : null; };
            return [e.dataset.region, {value: cell('value'), low: cell('low'),
                    high: cell('high'), suppressed: e.querySelector('td.suppressed') !== null}];
        })""",
    )
    return dict(rows)


def _json(page: Any, path: str) -> Any:
    response = page.request.get(path)
    assert response.status == 200
    assert response.headers["content-type"].startswith("application/json")
    return response.json()


@pytest.mark.parametrize("tag", ["en", "es", "ar"])
@pytest.mark.parametrize("which", ["cases", "positivity"])
def test_map_table_and_downloads_hold_the_same_numbers(
    page: Any, live_server: LiveServer, published: dict[str, str], tag: str, which: str
) -> None:
    language: Language = BY_TAG[tag]
    release_id = published[which]
    page.goto(with_language(f"{live_server.url}/stats?release={release_id}", tag))
    document = _json(page, f"{live_server.url}/stats/releases/{release_id}.json")
    ratio = document["kind"] == "test_positivity"
    latest = max(cell["day"] for cell in document["cells"])
    cells = {c["region"]: c for c in document["cells"] if c["day"] == latest}
    map_values, rows = _map_values(page), _table_rows(page)
    assert set(map_values) == set(rows) == set(cells)
    for region, cell in cells.items():
        row = rows[region]
        assert row["suppressed"] == cell["suppressed"], region
        if cell["suppressed"]:
            assert map_values[region] == page.eval_on_selector(
                f"table.stats-table tr[data-region={region}] td.suppressed",
                "e => e.firstChild.textContent",
            )
            continue
        assert map_values[region] == row["value"], region
        assert shown(row["value"], language, ratio) == rounded(cell["value"], ratio, whole=True)
        assert shown(row["low"], language, ratio) == rounded(cell["low"], ratio)
        assert shown(row["high"], language, ratio) == rounded(cell["high"], ratio)
    caption = page.text_content("table.stats-table caption") or ""
    assert f"ε = {parameter(document['epsilon'], language)}" in caption

    csv_link = page.get_attribute("a[href$='.csv']", "href")
    assert csv_link == f"/stats/releases/{release_id}.csv"
    download = page.request.get(f"{live_server.url}{csv_link}")
    assert download.status == 200
    assert download.headers["content-type"].startswith("text/csv")
    lines = download.text().splitlines()
    assert lines[0].startswith(f"# kind={document['kind']} epsilon=")
    from_csv = {
        (r["region"], r["day"], r["age_band"]): r
        for r in csv.DictReader(io.StringIO("\n".join(lines[1:])))
    }
    for cell in document["cells"]:
        row = from_csv[(cell["region"], cell["day"], cell["age_band"])]
        assert row["suppressed"] == str(cell["suppressed"])
        assert float(row["epsilon"]) == document["epsilon"]
        if not cell["suppressed"]:
            assert float(row["value"]) == cell["value"]
    json_link = page.get_attribute("a[href$='.json'][href*='/releases/']", "href")
    assert _json(page, f"{live_server.url}{json_link}") == document


def _release_form(page: Any, *, epsilon: str, budget: str | None) -> None:
    page.check("#kind-cases")
    page.fill("#start", JOURNEY_WEEK.start.isoformat())
    page.fill("#end", JOURNEY_WEEK.end.isoformat())
    page.fill("#epsilon", epsilon)
    if budget is not None:
        page.fill("#budget", budget)
    with page.expect_navigation():
        page.click("form[action='/console/stats/review'] button[type=submit]")


def test_statistician_journey(page: Any, live_server: LiveServer) -> None:
    """Sign in, choose a week and ε, review, publish, see it on /stats; then ask for more than
    the week has left and be refused on the page."""
    sign_in(page, live_server, StaffRole.STATISTICIAN)
    page.goto(f"{live_server.url}/console/stats")
    assert "This is a demonstration" in (page.text_content("main") or "")
    assert_accessible(page, "release form")
    _release_form(page, epsilon="0.6", budget="1")
    assert urlsplit(page.url).path == "/console/stats/review"
    assert page.text_content("[data-testid=left-after]") == "0.4"
    assert_accessible(page, "review")
    with page.expect_navigation(timeout=SLOW):
        page.click("text=Publish now")
    assert "Published." in (page.text_content("#published") or "")
    assert "ε left: 0.4 of 1" in (page.text_content("[data-testid=budget-left]") or "")
    assert_accessible(page, "after publishing")
    with page.expect_navigation():
        page.click("text=See it on the public statistics page")
    release_id = page.url.rsplit("=", 1)[1]
    assert urlsplit(page.url).path == "/stats"
    assert page.text_content("h2#release-heading") == "Confirmed cases by area"
    current = page.get_attribute("ul.past a[aria-current=page]", "href")
    assert current is not None
    assert release_id in current
    assert page.locator("svg.choropleth g[data-region]").count() == 12

    page.goto(f"{live_server.url}/console/stats")
    _release_form(page, epsilon="0.5", budget=None)
    problem = page.text_content("#problem") or ""
    assert "Refused" in problem
    assert "has only ε = 0.4 left of its budget of 1" in problem
    assert page.get_attribute("#epsilon", "aria-invalid") == "true"
    assert_accessible(page, "over-budget refusal")


def test_other_roles_may_not_release(page: Any, live_server: LiveServer) -> None:
    sign_in(page, live_server, StaffRole.CASE_WORKER)
    response = page.goto(f"{live_server.url}/console/stats")
    assert response is not None
    assert response.status == 403
    assert "You may not do this" in (page.text_content("h1") or "")
