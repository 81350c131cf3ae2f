"""What every page response carries, checked in-process on the front page."""

import gzip
import re

from starlette.testclient import TestClient

from civitrace.web.i18n import LANGUAGES
from civitrace.web.templating import CONTENT_SECURITY_POLICY


def test_front_page_headers(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "set-cookie" not in response.headers  # no choice made, nothing stored


def test_no_resource_from_another_host(client: TestClient) -> None:
    html = client.get("/").text
    for attribute in re.findall(r'(?:src|href)="([^"]+)"', html):
        assert attribute.startswith(("/", "?", "#", "data:")), attribute


def test_language_from_browser_and_switcher(client: TestClient) -> None:
    page = client.get("/", headers={"Accept-Language": "ar-EG,ar;q=0.9"})
    assert '<html lang="ar" dir="rtl">' in page.text
    assert page.headers["content-language"] == "ar"
    for language in LANGUAGES:
        assert f'href="/?lang={language.tag}"' in page.text


def test_switcher_choice_is_remembered(client: TestClient) -> None:
    chosen = client.get("/?lang=ko")
    assert chosen.cookies.get("lang") == "ko"
    again = client.get("/", headers={"Accept-Language": "es"})
    assert '<html lang="ko" dir="ltr">' in again.text


def test_unknown_language_falls_back_without_cookie(client: TestClient) -> None:
    response = client.get("/?lang=tlh", headers={"Accept-Language": "ta"})
    assert '<html lang="ta" dir="ltr">' in response.text
    assert "set-cookie" not in response.headers


def test_pages_are_gzipped_but_padded_json_is_not(client: TestClient) -> None:
    page = client.get("/", headers={"Accept-Encoding": "gzip"})
    assert page.headers["content-encoding"] == "gzip"
    stylesheet = client.get("/static/civitrace.css", headers={"Accept-Encoding": "gzip"})
    assert stylesheet.headers["content-encoding"] == "gzip"
    assert "max-age" in stylesheet.headers["cache-control"]
    health = client.get("/health", headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in health.headers


def test_front_page_is_light(client: TestClient) -> None:
    html = client.get("/").content
    css = client.get("/static/civitrace.css").content
    assert len(gzip.compress(html)) + len(gzip.compress(css)) < 8_000
