"""The visitor's journey in real Chromium against a live server: scan a venue's URL, check in
(alone or with others), check out, correct the times; staff warn the venue through the API
and the hourly package job runs; the visitor's browser matches the warning locally and says
what to do. Also: keyboard only, deleting, and what is (not) stored."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.web.test_checkin_support import (
    PresenceServer,
    change_times,
    check_in,
    make_venue,
    open_list,
    open_venue,
    shared_server,
    stored_check_ins,
    visitor,
)


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> PresenceServer:
    return shared_server(tmp_path_factory)


def _hours_ago(hours: float) -> datetime:
    return datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(hours=hours)


def test_scan_check_in_check_out_warning_match(browser: Any, server: PresenceServer) -> None:
    venue = make_venue("Journey Café", "Harbour Road 7")
    with visitor(browser) as page:
        check_in(page, server, venue)
        assert page.inner_text("#venue h2") == "Journey Café"
        assert "You are checked in" in page.inner_text("#action")
        page.click("#check-out")
        page.wait_for_selector("text=You are checked out")
        (stay,) = stored_check_ins(page)
        assert stay["out"] is True
        assert stay["end"] >= stay["start"]

        assert open_list(page, server) == "none"
        arrived, left = _hours_ago(2), _hours_ago(1)
        change_times(page, "Journey Café", arrived, left)
        (stay,) = stored_check_ins(page)
        assert (stay["start"], stay["end"]) == (arrived.timestamp(), left.timestamp())

        response = server.warn(venue, arrived - timedelta(minutes=30), _hours_ago(0.5), level=8)
        assert response["publishedWarnings"] >= 1
        built = server.publish_packages()
        assert any(package.report_count for package in built)

        assert open_list(page, server) == "found"
        card = page.locator("article.risk-high")
        assert "Journey Café" in card.inner_text()
        assert "Get tested" in card.inner_text()
        assert page.locator("#warnings-status").inner_text().startswith("There is a warning")


def test_a_warning_for_another_time_does_not_match(browser: Any, server: PresenceServer) -> None:
    venue = make_venue("Evening Bar")
    with visitor(browser) as page:
        check_in(page, server, venue)
        open_list(page, server)
        change_times(page, "Evening Bar", _hours_ago(9), _hours_ago(8))
        server.warn(venue, _hours_ago(5), _hours_ago(4))
        server.publish_packages()
        assert open_list(page, server) == "none"


def test_caregiver_checks_in_others(browser: Any, server: PresenceServer) -> None:
    venue = make_venue("Family Clinic", "Elm Street 3")
    with visitor(browser) as page:
        open_venue(page, server.checkin_url(venue))
        assert page.inner_text("#who") == "Just you"
        page.click("#add")
        page.click("#add")
        page.click("#add")
        page.click("#remove")
        assert page.inner_text("#who") == "You + 2 more"
        page.click("#check-in")
        page.wait_for_selector("#check-out")
        assert "You + 2 more" in page.inner_text("#action")
        (stay,) = stored_check_ins(page)
        assert stay["others"] == 2

        open_list(page, server)
        assert "You + 2 more" in page.inner_text("li.entry")
        change_times(page, "Family Clinic", _hours_ago(3), _hours_ago(2))
        server.warn(venue, _hours_ago(3.5), _hours_ago(1.5))
        server.publish_packages()
        assert open_list(page, server) == "found"
        assert "people you checked in with you" in page.inner_text("#warnings")


def test_reopening_the_code_shows_the_open_check_in(browser: Any, server: PresenceServer) -> None:
    venue = make_venue("Library", "Square 2", minutes=45)
    with visitor(browser) as page:
        check_in(page, server, venue)
        open_venue(page, server.checkin_url(venue))
        assert page.is_visible("#check-out")  # not a second check-in
        assert len(stored_check_ins(page)) == 1
        (stay,) = stored_check_ins(page)
        assert stay["end"] - stay["start"] == 45 * 60  # checked out automatically then


def test_keyboard_only_check_in_and_out(browser: Any, server: PresenceServer) -> None:
    venue = make_venue("Keyboard Hall")
    with visitor(browser) as page:
        open_venue(page, server.checkin_url(venue))
        for _ in range(15):
            page.keyboard.press("Tab")
            if page.evaluate("() => document.activeElement.id") == "check-in":
                break
        assert page.evaluate("() => document.activeElement.id") == "check-in"
        page.keyboard.press("Enter")
        page.wait_for_selector("#check-out")
        focused = page.evaluate("() => document.activeElement.textContent")
        assert focused == "You are checked in"  # focus moves to what changed
        page.keyboard.press("Tab")
        assert page.evaluate("() => document.activeElement.id") == "check-out"
        page.keyboard.press("Space")
        page.wait_for_selector("text=You are checked out")
        assert page.evaluate("() => document.activeElement.textContent") == "You are checked out"
        (stay,) = stored_check_ins(page)
        assert stay["out"] is True


def test_delete_one_and_all(browser: Any, server: PresenceServer) -> None:
    with visitor(browser) as page:
        for name in ("Shop A", "Shop B", "Shop C"):
            check_in(page, server, make_venue(name))
        open_list(page, server)
        assert page.locator("li.entry").count() == 3
        entry = page.locator("li.entry", has_text="Shop B")
        entry.locator("button", has_text="Delete").click()
        page.locator("li.entry", has_text="Shop B").locator(
            "button", has_text="No, keep it"
        ).click()
        assert page.locator("li.entry").count() == 3
        page.locator("li.entry", has_text="Shop B").locator("button", has_text="Delete").click()
        page.locator("li.entry", has_text="Shop B").locator(
            "button", has_text="Yes, delete"
        ).click()
        page.wait_for_function("() => document.querySelectorAll('li.entry').length === 2")
        assert {s["description"] for s in stored_check_ins(page)} == {"Shop A", "Shop C"}
        page.click("#delete-all button")
        page.click("#delete-all button.danger")
        page.wait_for_selector("text=You have no check-ins on this device.")
        assert stored_check_ins(page) == []


def test_check_ins_are_encrypted_at_rest_and_expire(browser: Any, server: PresenceServer) -> None:
    venue = make_venue("Secret Garden", "Hidden Lane 9")
    with visitor(browser) as page:
        check_in(page, server, venue)
        raw = page.evaluate(
            """async () => {
              const db = await new Promise((ok) => { const r = indexedDB.open('civitrace');
                                                   r.onsuccess = () => ok(r.result); });
              const get = (store, fn) => new Promise((ok) => {
                const r = db.transaction(store).objectStore(store)[fn]();
                r.onsuccess = () => ok(r.result); });
              const rows = await get('checkins', 'getAll');
              const [key] = await get('keys', 'getAll');
              const exported = await crypto.subtle.exportKey('raw', key).then(() => 'exported',
                                                                               () => 'refused');
              return { rows: rows.map((row) => Object.keys(row).sort()),
                       text: new TextDecoder('latin1').decode(rows[0].data),
                       key: { type: key.type, extractable: key.extractable,
                              algorithm: key.algorithm.name, exported } };
            }"""
        )
        assert raw["rows"] == [["data", "id", "iv"]]
        assert "Secret Garden" not in raw["text"]
        assert "Hidden" not in raw["text"]
        assert raw["key"] == {
            "type": "secret",
            "extractable": False,
            "algorithm": "AES-GCM",
            "exported": "refused",
        }
        # a stay that ended 15 days ago is deleted the next time the list is read
        page.evaluate(
            """async () => {
              const store = await import('/static/presence/store.js');
              const [entry] = await store.listCheckIns();
              const old = Math.floor(Date.now() / 1000) - 15 * 86400 - 60;
              await store.saveCheckIn({ ...entry, start: old - 3600, end: old, out: true });
            }"""
        )
        open_list(page, server)
        assert stored_check_ins(page) == []
        assert "You have no check-ins on this device." in page.inner_text("#entries")


def test_the_server_never_sees_the_venue(browser: Any, server: PresenceServer) -> None:
    """Every request the check-in and list pages make: none carries the payload or the
    location ID, and none goes to another host."""
    venue = make_venue("Quiet Corner")
    fragment = server.checkin_url(venue).split("#", 1)[1]
    seen: list[str] = []
    with visitor(browser) as page:
        page.on("request", lambda request: seen.append(request.url + (request.post_data or "")))
        check_in(page, server, venue)
        page.click("#check-out")
        open_list(page, server)
    assert seen
    assert all(url.startswith(server.url) for url in seen)
    assert not any(fragment in url for url in seen)
    assert not any(venue.location_id.hex() in url for url in seen)


def test_an_invalid_code_is_refused(browser: Any, server: PresenceServer) -> None:
    with visitor(browser) as page:
        page.goto(f"{server.url}/?v=1#bm90IGEgcGF5bG9hZA")
        page.wait_for_selector("#venue h2")
        assert page.inner_text("#venue h2") == "This code cannot be read"
        assert not page.is_visible("#check-in")
