"""Real headless Chromium for page tests, and axe-core's WCAG 2.1 A/AA check inside it.

Debian's ``chromium`` is driven by Playwright's Python package (no browser is downloaded);
axe-core comes from npm at install time (``node_modules``) and is injected from that file, so
nothing is fetched from any other host while a test runs.
"""

import shutil
from functools import cache
from pathlib import Path
from typing import Any

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE_JS = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def chromium_available() -> bool:
    """Debian's Chromium, the Playwright package and the npm axe-core are all installed."""
    try:
        import playwright.sync_api  # noqa: F401, PLC0415
    except ImportError:
        return False
    return CHROMIUM.exists() and shutil.which(str(CHROMIUM)) is not None and AXE_JS.exists()


@cache
def _axe_source() -> str:
    return AXE_JS.read_text(encoding="utf-8") + "\n;true"


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """The WCAG 2.1 A and AA violations axe-core finds on the page as it is now."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # Evaluated through the DevTools protocol, which a page's CSP does not govern: the pages
        # keep their strict ``script-src 'self'`` under test.
        page.evaluate(_axe_source())
    result: dict[str, Any] = page.evaluate(
        """async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})""",
        WCAG_21_AA,
    )
    return list(result["violations"])


def describe(violations: list[dict[str, Any]]) -> str:
    """One readable line per violation and element, for an assertion message."""
    lines = []
    for violation in violations:
        for node in violation["nodes"]:
            lines.append(f"{violation['id']}: {violation['help']} at {node['target']}")
    return "\n".join(lines)


def assert_accessible(page: Any, where: str = "") -> None:
    """Fail, naming each rule and element, unless axe-core finds no WCAG 2.1 AA violation."""
    violations = axe_violations(page)
    assert not violations, f"axe-core violations {where or page.url}:\n{describe(violations)}"
