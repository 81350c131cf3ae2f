"""The browser harness: Chromium runs; axe-core flags a known violation and passes a clean page."""

from typing import Any

from tests.browser import axe_violations

CLEAN = """<!doctype html><html lang="en"><head><title>Clean</title></head>
<body><main><h1>Hello</h1><p>Plain text.</p></main></body></html>"""
BROKEN = """<!doctype html><html lang="en"><head><title>Broken</title></head>
<body><main><h1>Hello</h1>
<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw="></main></body></html>"""


def test_clean_page_has_no_violations(page: Any) -> None:
    page.set_content(CLEAN)
    assert axe_violations(page) == []


def test_image_without_alt_is_reported(page: Any) -> None:
    page.set_content(BROKEN)
    assert "image-alt" in {violation["id"] for violation in axe_violations(page)}
