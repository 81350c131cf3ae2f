"""The front page in real Chromium: accessible everywhere, operable by keyboard alone."""

from typing import Any

from tests.web.conftest import LiveServer
from tests.web.pages import check_page_everywhere


def test_front_page_in_every_language_and_view(browser: Any, live_server: LiveServer) -> None:
    check_page_everywhere(browser, f"{live_server.url}/")


def test_keyboard_skip_link_and_language_switcher(page: Any, live_server: LiveServer) -> None:
    page.goto(f"{live_server.url}/")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.className") == "skip"
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"
    page.goto(f"{live_server.url}/")
    summary = page.locator("details.languages summary")
    summary.focus()
    page.keyboard.press("Enter")
    link = page.locator('details.languages a[lang="ta"]')
    link.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.evaluate("() => document.documentElement.lang") == "ta"
