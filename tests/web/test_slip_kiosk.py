"""The no-smartphone path in real Chromium against a live server: a venue's kiosk checks a
visitor in and prints a slip with a code (the check-in encrypted in the browser under a key
from the code, uploaded as ciphertext); staff warn the venue and the package job runs; on
another computer the code fetches only that ciphertext, which is decrypted and matched there."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from civitrace.server.db.presence_models import KioskSlip
from civitrace.server.presence.slip_format import derive_keys, open_slip
from tests.web.test_checkin_support import PresenceServer, make_venue, shared_server, visitor

COUNT_PRINTS = "window.__prints = 0; window.print = () => { window.__prints += 1; };"
NOTHING_STORED = """async () => ({
  databases: (await indexedDB.databases()).length,
  caches: (await caches.keys()).length,
  local: localStorage.length + sessionStorage.length,
  cookies: document.cookie,
})"""


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> PresenceServer:
    return shared_server(tmp_path_factory)


def _print_slip(browser: Any, server: PresenceServer, venue: Any) -> str:
    """The kiosk's whole visit: tap, get a printed slip, hand over to the next visitor."""
    with visitor(browser) as kiosk:
        kiosk.add_init_script(COUNT_PRINTS)
        kiosk.goto(server.checkin_url(venue, "/kiosk"))
        kiosk.wait_for_selector("#venue h2")
        kiosk.select_option("#stay", "60")
        kiosk.click("#check-in")
        kiosk.wait_for_selector("#slip-code")
        code = str(kiosk.inner_text("#slip-code"))
        assert kiosk.evaluate("() => window.__prints") == 1
        assert venue.payload.location.description in kiosk.inner_text("#slip")

        kiosk.emulate_media(media="print")
        assert kiosk.is_visible("#slip-code")
        for hidden in ("#kiosk-action", "header.site", "footer.site", "h1", "#next"):
            assert not kiosk.is_visible(hidden), hidden
        kiosk.emulate_media(media="screen")

        kiosk.click("#next")
        assert code not in kiosk.inner_text("body")
        assert kiosk.is_visible("#check-in")
        assert kiosk.evaluate(NOTHING_STORED) == {
            "databases": 0,
            "caches": 0,
            "local": 0,
            "cookies": "",
        }
    return code


def test_slip_from_the_kiosk_is_matched_on_another_computer(
    browser: Any, server: PresenceServer
) -> None:
    venue = make_venue("Town Hall", "Market Square 1")
    code = _print_slip(browser, server, venue)

    with Session(server.engine) as session:
        stored = session.scalars(
            select(KioskSlip).where(KioskSlip.slip_id == derive_keys(code).slip_id)
        ).one()
        slip = open_slip(derive_keys(code), stored.ciphertext)
    assert slip.location_id == venue.location_id
    assert slip.end - slip.start == 3600
    assert b"Town Hall" not in stored.ciphertext

    now = datetime.now(UTC)
    server.warn(venue, now - timedelta(minutes=30), now + timedelta(minutes=4))
    server.publish_packages()

    with visitor(browser) as home:
        home.goto(f"{server.url}/slip")
        home.fill("#code", code.lower().replace("-", " "))
        home.click("#slip-form button[type=submit]")
        home.wait_for_function(
            "() => ['none', 'found', 'failed'].includes("
            "document.getElementById('warnings-status').dataset.state)"
        )
        assert "Town Hall" in home.inner_text("#slip-checkin")
        assert home.get_attribute("#warnings-status", "data-state") == "found"
        assert "Town Hall" in home.inner_text("#warnings article")
        assert home.evaluate(NOTHING_STORED)["databases"] == 0


def test_a_mistyped_code_finds_nothing(browser: Any, server: PresenceServer) -> None:
    with visitor(browser) as page:
        requests: list[str] = []
        page.on("request", lambda request: requests.append(request.url))
        page.goto(f"{server.url}/slip")
        page.fill("#code", "0O1I-ABCD")
        page.click("#slip-form button[type=submit]")
        assert "12 letters and numbers" in page.inner_text("#slip-problem")
        assert not any("/v1/" in url for url in requests)

        page.fill("#code", "2222-2222-2222")
        page.click("#slip-form button[type=submit]")
        page.wait_for_function(
            "() => document.getElementById('slip-problem').textContent.length > 40"
        )
        assert "No check-in was found" in page.inner_text("#slip-problem")
        assert [url for url in requests if "/v1/presence/slips/" in url]
        assert not any("2222" in url for url in requests)  # only the derived id is sent
