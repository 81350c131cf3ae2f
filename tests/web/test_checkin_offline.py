"""After one visit, the visitor's pages work with no connection at all: the service worker
serves them and their scripts, check-ins are stored on the device, and the list says that
warnings could not be checked. The server here is a private one, stopped after the visit, and
the browser is also set offline, so nothing can come from the network."""

from pathlib import Path
from typing import Any

from tests.web.test_checkin_support import (
    make_venue,
    open_list,
    open_venue,
    serve,
    start_server,
    stored_check_ins,
    visitor,
)


def test_check_in_and_list_offline_after_the_first_visit(browser: Any, tmp_path: Path) -> None:
    server, app, port = start_server(tmp_path)
    first, second = make_venue("Online Café"), make_venue("Offline Bakery", "Mill Lane 1")
    with visitor(browser) as page:
        with serve(app, port):
            open_venue(page, server.checkin_url(first))
            page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
            page.wait_for_function("() => navigator.serviceWorker.controller !== null")
            page.click("#check-in")
            page.wait_for_selector("#check-out")
        page.context.set_offline(True)

        response = page.goto(f"{server.url}/checkin")
        assert response is not None
        assert response.from_service_worker
        assert page.inner_text("h1") == "Check in at a place"
        response = page.goto(server.checkin_url(second))
        assert response is not None
        assert response.from_service_worker
        page.wait_for_selector("#venue h2")
        assert page.inner_text("#venue h2") == "Offline Bakery"
        page.click("#check-in")
        page.wait_for_selector("#check-out")
        assert {s["description"] for s in stored_check_ins(page)} == {
            "Online Café",
            "Offline Bakery",
        }

        assert open_list(page, server) == "failed"
        assert "Could not check for warnings" in page.inner_text("#warnings-status")
        assert page.locator("li.entry").count() == 2
        page.locator("li.entry", has_text="Online Café").locator(
            "button", has_text="Check out now"
        ).click()
        page.wait_for_function("() => document.querySelectorAll('li.entry button').length === 5")

        page.goto(f"{server.url}/?v=1&lang=es#{server.checkin_url(first).split('#')[1]}")
        page.wait_for_selector("#venue h2")
        assert page.inner_text("#venue h2") == "Online Café"


def test_the_worker_lists_what_the_pages_need(browser: Any, tmp_path: Path) -> None:
    server, app, port = start_server(tmp_path)
    with visitor(browser) as page, serve(app, port):
        open_venue(page, server.checkin_url(make_venue()))
        page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
        cached = page.evaluate(
            """async () => {
              const names = await caches.keys();
              const pages = names.find((name) => name.startsWith('civitrace-pages-'));
              const keys = await (await caches.open(pages)).keys();
              return keys.map((request) => new URL(request.url).pathname
                                          + new URL(request.url).search);
            }"""
        )
        loaded = page.evaluate(
            "() => performance.getEntriesByType('resource').map((e) => new URL(e.name).pathname)"
        )
    assert "/?v=1" in cached
    assert "/checkin/list" in cached
    for path in loaded:
        if path.startswith("/static/"):
            assert path in cached, f"{path} is loaded by the check-in page but not kept offline"
