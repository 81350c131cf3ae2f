"""The proposals pages and the sunset in real Chromium: every page accessible in every language
and view; a proposal says what it widens or narrows and when; after the sunset public pages
answer 410 in the reader's language while the transparency page says the service ended."""

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from civitrace.governance.proposals import Status, list_proposals
from civitrace.governance.sunset_text import TEXTS
from civitrace.server.db.governance_models import ProposalKind
from civitrace.web.governance import words
from civitrace.web.i18n import BY_TAG
from tests.web.pages import check_page_everywhere
from tests.web.test_governance_pages_support import (
    GovernedServer,
    governed,
    governed_server,
)

__all__ = ["governed"]  # the fixture, imported for pytest

SUNSET = datetime(2021, 6, 30, tzinfo=UTC)  # in the past on any clock


@pytest.fixture(scope="module")
def ended(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GovernedServer]:
    """A server whose sunset has passed."""
    with governed_server(tmp_path_factory.mktemp("ended"), sunset_at=SUNSET) as server:
        yield server


def widening_id(server: GovernedServer) -> int:
    with server.session() as session:
        found = [
            p
            for p in list_proposals(session, datetime.now(UTC))
            if p.kind == ProposalKind.WIDENING and p.status is Status.PENDING
        ]
    assert found, "the governed server has a pending widening proposal"
    return found[0].id


def test_proposals_list_everywhere(browser: Any, governed: GovernedServer) -> None:
    check_page_everywhere(browser, f"{governed.url}/proposals")


def test_one_proposal_everywhere(browser: Any, governed: GovernedServer) -> None:
    check_page_everywhere(browser, f"{governed.url}/proposals/{widening_id(governed)}")


def test_the_baseline_and_a_missing_proposal_everywhere(
    browser: Any, governed: GovernedServer
) -> None:
    check_page_everywhere(browser, f"{governed.url}/proposals/1")
    check_page_everywhere(browser, f"{governed.url}/proposals/999999")


def test_a_proposal_says_what_widens_and_when(page: Any, governed: GovernedServer) -> None:
    proposal_id = widening_id(governed)
    with governed.session() as session:
        proposal = next(
            p for p in list_proposals(session, datetime.now(UTC)) if p.id == proposal_id
        )
    page.goto(f"{governed.url}/proposals?lang=en")
    with page.expect_navigation():
        page.click(f"li[data-proposal='{proposal_id}'] a")
    assert page.text_content("h1") == "Let statisticians count cases"
    assert page.text_content("[data-testid=status]") == "Announced, not yet in force"
    effective = page.text_content("[data-testid=effective]") or ""
    assert words.moment(proposal.effective_at, BY_TAG["en"]) in effective
    assert "waits for the published summary" in effective
    widening = page.locator("ul.changes[data-group=widening] > li[data-category=cases]")
    assert widening.count() == 1
    assert "New reader: Statisticians." in widening.text_content()
    assert page.locator("[data-testid=widens]").count() == 1
    assert page.locator("[data-testid=consultation] a[href^='/consult']").count() == 1

    page.goto(f"{governed.url}/proposals/{proposal_id}?lang=ko")
    assert page.text_content("[data-testid=status]") == "공지됨, 아직 효력 없음"
    assert "새 열람자: 통계 담당자." in page.text_content("ul.changes")


def test_a_missing_proposal_is_404(page: Any, governed: GovernedServer) -> None:
    for path in ("/proposals/999999", "/proposals/abc", "/proposals/1e3"):
        response = page.goto(f"{governed.url}{path}?lang=ms")
        assert response is not None
        assert response.status == 404, path
        assert page.text_content("h1") == "Tidak dijumpai"


def test_after_the_sunset_pages_answer_410_in_the_readers_language(
    browser: Any, ended: GovernedServer
) -> None:
    for locale, tag in (("es-ES", "es"), ("ar-EG", "ar"), ("zh-TW", "zh-Hant"), ("ko-KR", "ko")):
        context = browser.new_context(locale=locale)
        try:
            page = context.new_page()
            for path in ("/", "/checkin", "/console/login"):
                response = page.goto(f"{ended.url}{path}")
                assert response is not None
                assert response.status == 410, (path, tag)
                assert page.evaluate("() => document.documentElement.lang") == tag
                assert page.text_content("h1") == TEXTS[tag].title
                body = page.text_content("[data-testid=sunset-body]") or ""
                assert TEXTS[tag].body.split("{date}")[0].strip() in body
            with page.expect_navigation():
                page.click(f"a[href='/transparency?lang={tag}']")
            assert page.evaluate("() => document.documentElement.lang") == tag
            assert page.locator("[data-testid=sunset].warn").count() == 1
        finally:
            context.close()


def test_the_410_page_everywhere(browser: Any, ended: GovernedServer) -> None:
    check_page_everywhere(browser, f"{ended.url}/checkin")


def test_after_the_sunset_the_record_stays_open(page: Any, ended: GovernedServer) -> None:
    """The transparency page and the proposals still answer, and say the service ended."""
    for path in ("/transparency", "/proposals", "/proposals/1"):
        response = page.goto(f"{ended.url}{path}?lang=en")
        assert response is not None
        assert response.status == 200, path
    page.goto(f"{ended.url}/transparency?lang=en")
    notice = page.text_content("[data-testid=sunset]") or ""
    assert "This service has ended." in notice
    assert "June 30, 2021" in notice


def test_the_ended_transparency_page_everywhere(browser: Any, ended: GovernedServer) -> None:
    check_page_everywhere(browser, f"{ended.url}/transparency")


def test_sunset_choice_of_language_keeps_the_path(page: Any, ended: GovernedServer) -> None:
    """The 410 page's language links lead to the same path in another language (still 410)."""
    page.goto(f"{ended.url}/checkin?lang=en")
    page.click("details.languages summary")
    with page.expect_navigation():
        page.click("details.languages a[lang=ta]")
    assert page.url.endswith("/checkin?lang=ta")
    assert page.text_content("h1") == TEXTS["ta"].title
