"""After a positive test, in real Chromium against a live server: the verification code, the
choice of check-ins, reports encrypted and padded in the browser, the submission bound to its
certificate; staff approve, the package job runs, and another visitor's browser is warned,
while a place the person chose not to share warns nobody."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.web.test_checkin_support import (
    PresenceServer,
    change_times,
    check_in,
    make_venue,
    open_list,
    shared_server,
    visitor,
)


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> PresenceServer:
    return shared_server(tmp_path_factory)


def _hours_ago(hours: float) -> datetime:
    return datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(hours=hours)


def _stay(page: Any, server: PresenceServer, venue: Any, start: datetime, end: datetime) -> None:
    check_in(page, server, venue)
    open_list(page, server)
    change_times(page, venue.payload.location.description, start, end)


def _enter_code(page: Any, server: PresenceServer, code: str) -> None:
    page.goto(f"{server.url}/positive")
    page.fill("#code", code)
    page.click("#code-form button[type=submit]")


def test_shared_check_ins_warn_the_other_visitors(browser: Any, server: PresenceServer) -> None:
    choir, bakery = make_venue("Choir Room", "Chapel Street 5"), make_venue("Corner Bakery")
    arrived, left = _hours_ago(3), _hours_ago(1.5)
    with visitor(browser) as sick, visitor(browser) as singer, visitor(browser) as customer:
        _stay(sick, server, choir, arrived, left)
        _stay(singer, server, choir, arrived + timedelta(minutes=20), left)
        _stay(sick, server, bakery, _hours_ago(5), _hours_ago(4.5))
        _stay(customer, server, bakery, _hours_ago(5), _hours_ago(4.5))
        pending = {s["id"] for s in server.submissions("pending")}

        _enter_code(sick, server, server.issue_code(symptom_date=datetime.now(UTC).date()))
        sick.wait_for_selector("#choose h2")
        assert sick.inner_text("#choose h2") == "Choose the check-ins to share"
        assert sick.locator("#choose input[type=checkbox]").count() == 2
        sick.locator("#choose li", has_text="Corner Bakery").locator("input").uncheck()
        sick.click("#send")
        sick.wait_for_selector("#result h2")
        assert sick.inner_text("#result h2") == "Thank you. Your check-ins were sent."

        (submission,) = [s for s in server.submissions("pending") if s["id"] not in pending]
        assert submission["reportType"] == "confirmed"
        assert 20 <= submission["reportCount"] <= 30  # one or two real ones, hidden among fakes
        assert server.approve_pending() >= submission["reportCount"]
        server.publish_packages()

        assert open_list(singer, server) == "found"
        assert "Choir Room" in singer.inner_text("article.risk-high")
        assert open_list(customer, server) == "none"


def test_a_wrong_or_used_code_is_explained(browser: Any, server: PresenceServer) -> None:
    with visitor(browser) as page:
        check_in(page, server, make_venue("Gym"))
        _enter_code(page, server, "0000000")
        page.wait_for_function("() => document.getElementById('code-problem').textContent")
        assert "not valid" in page.inner_text("#code-problem")

        code = server.issue_code()
        _enter_code(page, server, code)
        page.wait_for_selector("#choose h2")
        _enter_code(page, server, code)
        page.wait_for_function("() => document.getElementById('code-problem').textContent")
        assert "not valid" in page.inner_text("#code-problem")


def test_nothing_to_share_without_check_ins(browser: Any, server: PresenceServer) -> None:
    with visitor(browser) as page:
        _enter_code(page, server, server.issue_code())
        page.wait_for_selector("#choose h2")
        assert page.inner_text("#choose h2") == "No check-ins to share"


def test_an_empty_code_is_refused_in_the_page(browser: Any, server: PresenceServer) -> None:
    with visitor(browser) as page:
        requests: list[str] = []
        page.on("request", lambda request: requests.append(request.url))
        _enter_code(page, server, "   ")
        assert page.inner_text("#code-problem") == "Enter the code from the health authority."
        assert not any("/api/" in url for url in requests)
