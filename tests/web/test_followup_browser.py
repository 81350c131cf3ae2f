"""The public follow-up pages in real Chromium: accessible in every language and view, usable
by keyboard alone, and asking nothing about where the person is."""

from typing import Any

from tests.web.conftest import LiveServer
from tests.web.pages import check_page_everywhere


def test_code_entry_page_everywhere(browser: Any, live_server: LiveServer) -> None:
    check_page_everywhere(browser, f"{live_server.url}/followup")


def test_daily_check_in_page_everywhere(browser: Any, live_server: LiveServer) -> None:
    code = live_server.demo["followup"]["code"]
    check_page_everywhere(browser, f"{live_server.url}/followup/{code}")


def test_unknown_code_page_everywhere(browser: Any, live_server: LiveServer) -> None:
    check_page_everywhere(browser, f"{live_server.url}/followup/{'Z' * 20}")


def test_check_in_by_keyboard_and_typed_code(page: Any, live_server: LiveServer) -> None:
    code = live_server.demo["followup"]["code"]
    page.goto(f"{live_server.url}/followup?lang=ta")
    page.fill("#code", "-".join(code[i : i + 4] for i in range(0, len(code), 4)).lower())
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.split("?")[0].endswith(f"/followup/{code}")
    assert page.evaluate("() => document.documentElement.lang") == "ta"
    page.focus("#feeling-okay")
    page.keyboard.press("Space")
    assert page.is_checked("#feeling-okay")
    page.focus("#need-help")
    page.keyboard.press("Space")
    with page.expect_navigation():
        page.focus("form[action^='/followup/'] button[type=submit]")
        page.keyboard.press("Enter")
    assert "saved=1" in page.url
    assert page.is_checked("#need-help")
    fields = page.evaluate(
        "() => [...document.querySelectorAll('input, select, textarea')].map(e => e.name)"
    )
    assert set(fields) <= {"csrf_token", "feeling", "symptoms", "needs"}
    permission = page.evaluate(
        "async () => (await navigator.permissions.query({name: 'geolocation'})).state"
    )
    assert permission == "denied"  # Permissions-Policy: geolocation=() — not even a script may ask
