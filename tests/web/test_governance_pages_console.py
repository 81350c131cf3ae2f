"""The console's governance screens in real Chromium: an administrator proposes a change and
sees what widens, records an access request and its decision (published redacted), an auditor
checks the audit chain (and sees a tampered entry named); wrong roles get 403; every screen is
accessible in every language and view."""

from typing import Any

import pytest
from sqlalchemy import select

from civitrace.server.db.console_models import StaffRole
from civitrace.server.db.governance_models import AuditEntry
from civitrace.web.governance.console_common import ADMIN_ONLY, OVERSEERS, PREFIX
from tests.browser import assert_accessible
from tests.web.pages import check_page_everywhere
from tests.web.test_governance_pages_support import (
    GovernedServer,
    governed,
    sign_in,
    signed_in_as,
)

__all__ = ["governed"]  # the fixture, imported for pytest

GET_ROUTES = {
    PREFIX: OVERSEERS,
    f"{PREFIX}/proposals": ADMIN_ONLY,
    f"{PREFIX}/access-requests": OVERSEERS,
    f"{PREFIX}/audit": OVERSEERS,
}
POST_ROUTES = {
    f"{PREFIX}/proposals/preview": ADMIN_ONLY,
    f"{PREFIX}/proposals": ADMIN_ONLY,
    f"{PREFIX}/proposals/summary": ADMIN_ONLY,
    f"{PREFIX}/proposals/withdraw": ADMIN_ONLY,
    f"{PREFIX}/access-requests": ADMIN_ONLY,
    f"{PREFIX}/access-requests/decide": ADMIN_ONLY,
}


def csrf_token(page: Any) -> str:
    token = page.get_attribute("form[action='/console/logout'] input[name=csrf_token]", "value")
    assert token
    return str(token)


def test_propose_a_change_and_see_what_widens(page: Any, governed: GovernedServer) -> None:
    sign_in(page, governed, StaffRole.ADMIN)
    page.goto(f"{governed.url}{PREFIX}/proposals?lang=en")
    toml = page.input_value("#inventory")
    block = toml.split("[categories.staff_sessions]")[1]
    assert 'retention = "1 day"' in block
    changed = toml.replace(
        "[categories.staff_sessions]" + block,
        "[categories.staff_sessions]"
        + block.replace('readers = ["system"]', 'readers = ["auditor", "system"]', 1),
    ).replace('retention = "30 days"', 'retention = "25 days"', 1)  # cases: narrowing
    assert changed != toml
    page.fill("#title", "Auditors read sign-in sessions")
    page.fill("#rationale", "To investigate misuse of accounts.")
    page.fill("#inventory", changed)
    with page.expect_navigation():
        page.click("form[action$='/proposals/preview'] button[type=submit]")
    preview = page.locator("[data-testid=preview]")
    assert preview.count() == 1
    assert page.locator("[data-testid=preview-widens]").count() == 1
    widening = preview.locator("ul.changes[data-group=widening] > li")
    assert widening.count() == 1
    assert widening.get_attribute("data-category") == "staff_sessions"
    assert "New reader: Auditors." in widening.text_content()
    assert preview.locator("ul.changes[data-group=narrowing] > li").count() == 1
    assert_accessible(page, "proposal preview")
    with page.expect_navigation():
        page.click("[data-testid=preview] form button[type=submit]")
    assert "done=proposed" in page.url
    assert page.locator("[role=status]").count() == 1

    page.goto(f"{governed.url}/transparency?lang=en")
    pending = page.locator("[data-testid=pending] li", has_text="Auditors read sign-in sessions")
    assert pending.count() == 1
    with page.expect_navigation():
        pending.locator("a").click()
    assert page.text_content("[data-testid=status]") == "Announced, not yet in force"
    assert "To investigate misuse of accounts." in page.text_content("main")


def test_a_bad_inventory_is_refused_with_its_path(page: Any, governed: GovernedServer) -> None:
    sign_in(page, governed, StaffRole.ADMIN)
    page.goto(f"{governed.url}{PREFIX}/proposals?lang=en")
    toml = page.input_value("#inventory")
    page.fill("#title", "Broken")
    page.fill("#inventory", toml.replace('retention = "14 days"', 'retention = "-3 days"', 1))
    with page.expect_navigation() as navigation:
        page.click("form[action$='/proposals/preview'] button[type=submit]")
    assert navigation.value.status == 400
    problem = page.text_content("#problem") or ""
    assert "retention" in problem
    assert "must not be negative" in problem
    assert page.locator("[data-testid=preview]").count() == 0


def test_record_and_decide_an_access_request(page: Any, governed: GovernedServer) -> None:
    """An individual's request, refused: the console keeps the name and what was asked; the
    transparency page shows neither."""
    name, asked = "Sam Private-Person", "the follow-up answers of my neighbour"
    sign_in(page, governed, StaffRole.ADMIN)
    page.goto(f"{governed.url}{PREFIX}/access-requests?lang=en")
    page.fill("#requester", name)
    page.check("#requester_is_individual")
    page.select_option("#requester_type", "other")
    page.fill("#legal_basis_claimed", "Being a neighbour")
    page.fill("#data_requested", asked)
    page.check("#category-quarantine_followups")
    with page.expect_navigation():
        page.click("form[action$='/access-requests'] button[type=submit]")
    assert "done=recorded" in page.url
    item = page.locator("[data-testid=staff-register] > li", has_text=name)
    assert item.count() == 1
    assert asked in item.text_content()
    item.locator("select[name=decision]").select_option("refused")
    item.locator("textarea[name=reason]").fill("Nobody may read another person's follow-up.")
    with page.expect_navigation():
        item.locator("button[type=submit]").click()
    assert "done=decided" in page.url

    page.goto(f"{governed.url}/transparency?lang=en")
    published = page.locator(
        "[data-testid=register] > li", has_text="Nobody may read another person's follow-up."
    )
    assert published.count() == 1
    assert published.get_attribute("data-outcome") == "refused"
    assert "A private individual (name not published)" in published.text_content()
    assert "Quarantine follow-up" in published.text_content()
    html = page.content()
    assert name not in html
    assert asked not in html


def test_the_auditor_checks_the_chain_and_sees_tampering(
    page: Any, governed: GovernedServer
) -> None:
    page.goto(f"{governed.url}/transparency?lang=en")
    published = (
        f"{page.text_content('[data-testid=audit-sequence]')}:"
        f"{page.text_content('[data-testid=audit-digest]')}"
    )
    sign_in(page, governed, StaffRole.AUDITOR)
    page.goto(f"{governed.url}{PREFIX}/audit?lang=en")
    assert page.get_attribute("[data-testid=verification]", "data-ok") == "true"
    page.fill("#head", published)
    with page.expect_navigation():
        page.click("form[action='/console/governance/audit'] button[type=submit]")
    assert "still part of the chain" in page.text_content("[data-testid=verification]")
    assert page.locator("ol.entries > li").count() >= 1

    with governed.session() as session:
        entry = session.scalars(select(AuditEntry).order_by(AuditEntry.sequence).limit(1)).one()
        sequence, original = entry.sequence, entry.action
        entry.action = "case.nothing_to_see"
        session.commit()
    try:
        page.goto(f"{governed.url}{PREFIX}/audit?lang=en")
        verification = page.locator("[data-testid=verification]")
        assert verification.get_attribute("data-ok") == "false"
        assert verification.get_attribute("data-first-bad") == str(sequence)
        assert_accessible(page, "audit screen with a broken chain")
    finally:
        with governed.session() as session:
            restored = session.get_one(AuditEntry, sequence)
            restored.action = original
            session.commit()
    page.goto(f"{governed.url}{PREFIX}/audit?lang=en")
    assert page.get_attribute("[data-testid=verification]", "data-ok") == "true"


@pytest.mark.parametrize("role", list(StaffRole), ids=lambda role: role.value)
def test_wrong_roles_get_403(page: Any, governed: GovernedServer, role: StaffRole) -> None:
    sign_in(page, governed, role)
    for path, allowed in GET_ROUTES.items():
        response = page.goto(f"{governed.url}{path}")
        assert response is not None
        assert response.status == (200 if role in allowed else 403), (role, path)
    page.goto(f"{governed.url}/console/account")
    token = csrf_token(page)
    for path, allowed in POST_ROUTES.items():
        if role in allowed:
            continue
        answer = page.request.post(f"{governed.url}{path}", form={"csrf_token": token})
        assert answer.status == 403, (role, path)
        assert "text/html" in answer.headers["content-type"]


def test_anonymous_visitors_are_sent_to_sign_in(page: Any, governed: GovernedServer) -> None:
    for path in GET_ROUTES:
        page.goto(f"{governed.url}{path}")
        assert "/console/login?" in page.url, path
    for path in POST_ROUTES:
        assert page.request.post(f"{governed.url}{path}", form={}).status == 401, path


def preview_a_change(page: Any) -> None:
    toml = page.input_value("#inventory")
    page.fill("#title", "Shorter follow-up")
    page.fill("#inventory", toml.replace('retention = "90 days"', 'retention = "60 days"', 1))
    with page.expect_navigation():
        page.click("form[action$='/proposals/preview'] button[type=submit]")


SCREENS = [
    (PREFIX, StaffRole.AUDITOR, None),
    (f"{PREFIX}/proposals", StaffRole.ADMIN, None),
    (f"{PREFIX}/proposals", StaffRole.ADMIN, preview_a_change),
    (f"{PREFIX}/access-requests", StaffRole.ADMIN, None),
    (f"{PREFIX}/access-requests", StaffRole.AUDITOR, None),
    (f"{PREFIX}/audit", StaffRole.AUDITOR, None),
    (f"{PREFIX}/proposals", StaffRole.CASE_WORKER, None),  # the 403 page
]


@pytest.mark.parametrize(
    ("path", "role", "then"),
    SCREENS,
    ids=[
        f"{path}-{role.value}-{then.__name__ if then else 'view'}" for path, role, then in SCREENS
    ],
)
def test_console_screen_everywhere(
    browser: Any, governed: GovernedServer, path: str, role: StaffRole, then: Any
) -> None:
    check_page_everywhere(
        browser, f"{governed.url}{path}", prepare=signed_in_as(governed, role, then)
    )
