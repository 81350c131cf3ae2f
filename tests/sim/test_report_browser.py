"""The comparison report in real headless Chromium: it renders offline and passes axe-core."""

from pathlib import Path
from typing import Any

import pytest

from civitrace.cli import main
from civitrace.sim import METRICS
from tests.browser import assert_accessible


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``report.html`` written by the real ``civitrace sim compare``."""
    out = tmp_path_factory.mktemp("report")
    args = ["sim", "compare", "germany", "taiwan", "--agents", "2000", "--days", "40"]
    code = 0
    try:
        main([*args, "--seeds", "2", "--out", str(out)])
    except SystemExit as done:
        code = done.code if isinstance(done.code, int) else 1
    assert code == 0
    return out / "report.html"


def test_report_renders_offline_and_is_accessible(page: Any, report: Path) -> None:
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(report.as_uri())
    page.wait_for_load_state("load")

    # the plots: inline SVG, drawn at a real size, each with a text alternative
    plots = page.locator("figure svg")
    assert plots.count() == 4
    for i in range(plots.count()):
        box = plots.nth(i).bounding_box()
        assert box is not None
        assert box["width"] > 200
        assert box["height"] > 100
        assert plots.nth(i).get_attribute("role") == "img"
        assert plots.nth(i).get_attribute("aria-labelledby")
    assert page.locator("figure svg path").count() > 50  # lines and bands were drawn

    # the table: one row per metric, one column per scenario (baseline added), all filled
    headers = page.locator("table thead th").all_inner_texts()
    assert headers == ["metric", "baseline", "germany", "taiwan"]
    body = page.locator("table tbody tr")
    assert body.count() == len(METRICS)
    first = body.first.locator("td").all_inner_texts()
    assert len(first) == 3
    assert all(cell.strip() for cell in first)
    assert page.get_by_role("heading", name="Assumptions").is_visible()

    # nothing was fetched from anywhere: only the report file itself
    assert requests == [report.as_uri()], requests

    assert_accessible(page, "report.html")
