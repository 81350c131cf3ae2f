"""Every presence page, in each of its states, in every language at phone width, 320 px and
200 % zoom: axe-core finds no WCAG 2.1 A/AA violation, nothing scrolls sideways, and nothing
is requested from another host (``tests.web.pages.check_page_everywhere``)."""

import base64
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from civitrace.presence.payload import Venue
from civitrace.server.presence.slip_format import SlipCheckIn, derive_keys, seal
from tests.web.pages import check_page_everywhere
from tests.web.test_checkin_support import (
    WARNINGS_DONE,
    PresenceServer,
    make_venue,
    shared_server,
)

SLIP_CODE = "7KQM-2XWD-9HNC"


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> PresenceServer:
    return shared_server(tmp_path_factory)


@pytest.fixture(scope="module")
def warned(server: PresenceServer) -> Venue:
    """A venue with a published high-risk warning for the last two hours."""
    venue = make_venue("Warned Café", "Station Road 12")
    now = datetime.now(UTC)
    server.warn(venue, now - timedelta(hours=2), now)
    server.publish_packages()
    return venue


def _seed(page: Any, venue: Venue, others: int = 1) -> None:
    """Give this browser profile one check-in at ``venue`` (an hour ago), once."""
    page.evaluate(
        """async (entry) => {
          const store = await import('/static/presence/store.js');
          if ((await store.listCheckIns()).length) return;
          const now = Math.floor(Date.now() / 1000);
          await store.saveCheckIn({ ...entry, start: now - 5400, end: now - 1800, out: true });
        }""",
        {
            "payload": base64.b64encode(venue.raw).decode(),
            "locationId": base64.b64encode(venue.location_id).decode(),
            "description": venue.payload.location.description,
            "address": venue.payload.location.address,
            "others": others,
        },
    )


def _wait(selector: str) -> Callable[[Any], None]:
    return lambda page: page.wait_for_selector(selector)


def test_check_in_page(browser: Any, server: PresenceServer) -> None:
    check_page_everywhere(browser, server.checkin_url(make_venue()), prepare=_wait("#check-in"))


def test_check_in_page_when_checked_in(browser: Any, server: PresenceServer) -> None:
    def check_in(page: Any) -> None:
        page.wait_for_selector("#venue h2")
        if page.is_visible("#check-in"):
            page.click("#add")
            page.click("#check-in")
        page.wait_for_selector("#check-out")

    check_page_everywhere(browser, server.checkin_url(make_venue("Open Stay")), prepare=check_in)


def test_invalid_code_page(browser: Any, server: PresenceServer) -> None:
    check_page_everywhere(browser, f"{server.url}/?v=1#AAAA", prepare=_wait("#venue h2"))


def test_scan_help_page(browser: Any, server: PresenceServer) -> None:
    check_page_everywhere(browser, f"{server.url}/checkin")


def test_list_with_a_warning(browser: Any, server: PresenceServer, warned: Venue) -> None:
    def with_check_in(page: Any) -> None:
        page.wait_for_function(WARNINGS_DONE)
        if not page.locator("li.entry").count():
            _seed(page, warned)
            page.reload()
            page.wait_for_function(WARNINGS_DONE)
        page.wait_for_selector("article.risk-high")

    check_page_everywhere(browser, f"{server.url}/checkin/list", prepare=with_check_in)


def test_list_editing_a_check_in(browser: Any, server: PresenceServer, warned: Venue) -> None:
    def editing(page: Any) -> None:
        page.wait_for_function(WARNINGS_DONE)
        if not page.locator("li.entry").count():
            _seed(page, warned, others=0)
            page.reload()
            page.wait_for_function(WARNINGS_DONE)
        page.locator("li.entry .actions button.secondary").first.click()
        page.wait_for_selector("form.edit input")

    check_page_everywhere(browser, f"{server.url}/checkin/list", prepare=editing)


def test_positive_page(browser: Any, server: PresenceServer) -> None:
    check_page_everywhere(browser, f"{server.url}/positive")


def test_positive_page_choosing(browser: Any, server: PresenceServer, warned: Venue) -> None:
    def choosing(page: Any) -> None:
        _seed(page, warned)
        page.fill("#code", server.issue_code())
        page.click("#code-form button[type=submit]")
        page.wait_for_selector("#choose h2")

    check_page_everywhere(browser, f"{server.url}/positive", prepare=choosing)


def test_kiosk_page(browser: Any, server: PresenceServer) -> None:
    url = server.checkin_url(make_venue("Kiosk Hall"), "/kiosk")
    check_page_everywhere(browser, url, prepare=_wait("#check-in"))


def test_kiosk_page_with_a_slip(browser: Any, server: PresenceServer) -> None:
    def printed(page: Any) -> None:
        page.wait_for_selector("#check-in")
        page.evaluate("() => { window.print = () => {}; }")
        page.click("#check-in")
        page.wait_for_selector("#slip-code")

    url = server.checkin_url(make_venue("Slip Hall"), "/kiosk")
    check_page_everywhere(browser, url, prepare=printed)


def test_slip_page(browser: Any, server: PresenceServer) -> None:
    check_page_everywhere(browser, f"{server.url}/slip")


def test_slip_page_with_a_result(browser: Any, server: PresenceServer, warned: Venue) -> None:
    keys = derive_keys(SLIP_CODE)
    now = int(datetime.now(UTC).timestamp())
    slip = SlipCheckIn(warned.location_id, now - 3600, now - 600, "Warned Café")
    response = httpx.post(
        f"{server.url}/v1/presence/slips",
        json={"id": keys.id_hex, "ciphertext": base64.b64encode(seal(keys, slip)).decode()},
    )
    assert response.status_code in {200, 409}, response.text

    def looked_up(page: Any) -> None:
        page.fill("#code", SLIP_CODE)
        page.click("#slip-form button[type=submit]")
        page.wait_for_function(WARNINGS_DONE)
        page.wait_for_selector("#warnings article")

    check_page_everywhere(browser, f"{server.url}/slip", prepare=looked_up)
