"""The transparency page in real Chromium: accessible in every language and view, generated
from the live configuration and database (change either and the page changes), the access
register published redacted, and the audit head equal to what ``civitrace audit verify``
prints."""

import json
import re
from datetime import UTC, datetime
from typing import Any
from urllib.request import urlopen

import pytest

from civitrace.cli import main
from civitrace.governance import access_requests
from civitrace.governance.proposals import propose
from civitrace.governance.transparency import transparency_snapshot
from civitrace.web.governance import words
from civitrace.web.i18n import DEFAULT
from tests.web.pages import check_page_everywhere
from tests.web.test_governance_pages_support import (
    INDIVIDUAL,
    ORGANISATION,
    SECRET_ASK,
    GovernedServer,
    governed,
    with_category_changed,
    without_category,
)

__all__ = ["governed"]  # the fixture, imported for pytest


def open_transparency(page: Any, server: GovernedServer, lang: str = "en") -> None:
    response = page.goto(f"{server.url}/transparency?lang={lang}")
    assert response is not None
    assert response.status == 200


def shown_categories(page: Any) -> dict[str, str]:
    """Category name → the retention the page states for it."""
    return dict(
        page.eval_on_selector_all(
            "ul.categories > li",
            "items => items.map(li => [li.dataset.category,"
            " li.querySelector('[data-testid=retention]').textContent.trim()])",
        )
    )


def snapshot_now(server: GovernedServer) -> Any:
    with server.session() as session:
        return transparency_snapshot(session, server.governance, datetime.now(UTC))


def test_transparency_page_everywhere(browser: Any, governed: GovernedServer) -> None:
    check_page_everywhere(browser, f"{governed.url}/transparency")


def test_the_page_shows_exactly_what_is_declared(page: Any, governed: GovernedServer) -> None:
    """Every category in force, with its retention, readers, purposes and legal basis; the
    pending proposals; nothing else."""
    snapshot = snapshot_now(governed)
    open_transparency(page, governed)
    shown = shown_categories(page)
    assert set(shown) == {c.name for c in snapshot.categories}
    for category in snapshot.categories:
        assert shown[category.name] == words.duration(category.retention, DEFAULT)
        card = page.locator(f"ul.categories > li[data-category='{category.name}']")
        text = card.text_content()
        for purpose in category.purposes:
            assert purpose in text
        assert category.legal_basis in text
        assert category.description in text
        for reader in category.readers:
            assert words.word(words.READERS, reader, DEFAULT) in text
        assert card.locator(".tag.personal").count() == (1 if category.personal else 0)
    pending = page.eval_on_selector_all(
        "[data-testid=pending] li[data-proposal]", "items => items.map(li => +li.dataset.proposal)"
    )
    assert pending == [p.id for p in snapshot.pending_proposals]
    assert pending, "the governed server has a pending widening proposal"
    document = json.loads(urlopen(f"{governed.url}/transparency.json").read())
    assert {c["name"] for c in document["categories"]} == set(shown)


def test_changing_the_inventory_changes_the_page(page: Any, governed: GovernedServer) -> None:
    """A narrowing proposal (shorter retention, a category dropped) shows at once, in every
    language; a widening one shows as announced, not in force."""
    now = datetime.now(UTC)
    current = governed.inventory()
    narrowed = without_category(
        with_category_changed(current, "quarantine_followups", retention="21 days"),
        "usage_reports",
    )
    widened = with_category_changed(narrowed, "kiosk_slips", retention="20 days")
    with governed.session() as session:
        propose(session, governed.governance, narrowed, actor="test", now=now, title="Less")
        result = propose(
            session, governed.governance, widened, actor="test", now=now, title="Slips longer"
        )
        session.commit()
    assert result.widening is not None
    open_transparency(page, governed)
    shown = shown_categories(page)
    assert "usage_reports" not in shown
    assert shown["quarantine_followups"] == "21 days"
    assert shown["kiosk_slips"] == "14 days"  # the widening waits
    announced = page.locator(f"[data-testid=pending] li[data-proposal='{result.widening.id}']")
    assert announced.count() == 1
    assert "Slips longer" in announced.text_content()
    open_transparency(page, governed, "es")
    assert shown_categories(page)["quarantine_followups"] == "21 días"
    assert page.text_content("h1") == "Transparencia: qué guarda este servicio y por qué"


def test_access_requests_are_published_redacted(page: Any, governed: GovernedServer) -> None:
    with governed.session() as session:
        statistics = access_requests.statistics(session)
    open_transparency(page, governed)
    register = page.locator("[data-testid=register]")
    text = register.text_content()
    assert ORGANISATION in text
    assert "A private individual (name not published)" in text
    assert "No legal basis; the data belongs to the people it is about." in text
    html = page.content()
    assert INDIVIDUAL not in html
    assert SECRET_ASK not in html
    for kind, outcomes in statistics.items():
        for outcome, count in outcomes.items():
            cell = page.locator(
                f"[data-testid=request-counts] tr[data-type='{kind}'] td[data-outcome='{outcome}']"
            )
            assert cell.text_content() == str(count), (kind, outcome)
    assert statistics["police"]["granted"] >= 1
    assert statistics["other"]["refused"] >= 1
    assert statistics["company"]["pending"] >= 1
    open_transparency(page, governed, "es")
    assert "Un particular (nombre no publicado)" in page.text_content("[data-testid=register]")


def test_audit_digest_equals_the_one_audit_verify_prints(
    page: Any, governed: GovernedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    open_transparency(page, governed)
    sequence = page.text_content("[data-testid=audit-sequence]")
    digest = page.text_content("[data-testid=audit-digest]")
    command = page.text_content("[data-testid=audit-command]")
    assert sequence is not None
    assert digest is not None
    assert re.fullmatch(r"[0-9a-f]{64}", digest)
    with pytest.raises(SystemExit) as exited:
        main(
            [
                "audit",
                "verify",
                "--head",
                f"{sequence}:{digest}",
                "--db",
                governed.database_url,
                "--data-dir",
                str(governed.data_dir),
            ]
        )
    assert exited.value.code in (0, None)
    printed = capsys.readouterr().out
    match = re.search(r"head (\d+):([0-9a-f]{64})", printed)
    assert match is not None, printed
    assert (match.group(1), match.group(2)) == (sequence, digest)
    assert command == f"civitrace audit verify --head {sequence}:{digest}"


def test_long_dates_and_retentions_follow_the_language(page: Any, governed: GovernedServer) -> None:
    """The sunset notice and retentions are written the language's own way."""
    open_transparency(page, governed, "zh-Hans")
    shown = shown_categories(page)
    assert shown["exposure_keys"] == "14天"
    assert page.evaluate("() => document.documentElement.lang") == "zh-Hans"
    assert "尚未设定结束日期" in page.text_content("[data-testid=sunset]")
