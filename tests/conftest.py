"""Shared fixtures. In CI (``CI=true``) a missing component fails a test instead of skipping."""

import os
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser import CHROMIUM, CHROMIUM_FLAGS, chromium_available

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def require(available: bool, what: str) -> None:
    """Skip locally, fail in CI, when a component a test needs is not there."""
    if available:
        return
    if IN_CI:
        pytest.fail(f"{what} is required in CI but is not available")
    pytest.skip(f"{what} is not available")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Debian Chromium per test worker (skips locally, fails in CI, if missing)."""
    require(chromium_available(), "Chromium (/usr/bin/chromium), playwright and axe-core")
    from playwright.sync_api import sync_playwright  # noqa: PLC0415

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_FLAGS
        )
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh browser context and page: no storage shared between tests."""
    context = browser.new_context()
    yield context.new_page()
    context.close()
