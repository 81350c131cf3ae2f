"""The venue page passes axe-core (WCAG 2.1 A and AA) in every language, at phone width, 320 px
and 200 % zoom, loading nothing from another host: with its errors shown, and with a code made
(the QR preview, the poster choices and the kiosk link)."""

from typing import Any

from tests.web.conftest import LiveServer
from tests.web.pages import check_page_everywhere


def _with_errors(page: Any) -> None:
    page.click("#venue-form button[type=submit]")
    page.wait_for_selector("#error-summary:not([hidden])")


def _with_a_code(page: Any) -> None:
    page.fill("#description", "Café Linde")
    page.fill("#address", "Hauptstraße 1")
    page.select_option("#type", "9")
    page.fill("#start", "2030-05-01T18:00")
    page.fill("#end", "2030-05-01T20:00")
    page.click("#venue-form button[type=submit]")
    page.wait_for_selector("#qr-preview:not([hidden])")


def test_form_with_errors_everywhere(browser: Any, live_server: LiveServer) -> None:
    check_page_everywhere(browser, f"{live_server.url}/venue/new", prepare=_with_errors)


def test_result_everywhere(browser: Any, live_server: LiveServer) -> None:
    check_page_everywhere(browser, f"{live_server.url}/venue/new", prepare=_with_a_code)
