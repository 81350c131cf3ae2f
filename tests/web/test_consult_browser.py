"""The consultation pages in real Chromium, several people at once: an administrator opens a
consultation in the console; a facilitator, a moderator, three participants and the projector
each have their own browser context; seating, a poll whose result appears live in all of
them, a question moderated and upvoted, and the published summary. Then every consultation
page is checked for accessibility in every language and view (one check per page)."""

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from civitrace.server.db.console_models import StaffRole
from tests.web.conftest import LiveServer
from tests.web.pages import check_page_everywhere
from tests.web.test_consult_support import Made, fill_session, join_in, make_session

LIVE = 10_000  # ms a live update may take to show (the hub coalesces within 250 ms)


@pytest.fixture
def contexts(browser: Any) -> Iterator[list[Any]]:
    """Browser contexts opened by a test, closed at its end."""
    opened: list[Any] = []
    yield opened
    for context in opened:
        context.close()


def new_page(browser: Any, contexts: list[Any]) -> Any:
    context = browser.new_context()
    contexts.append(context)
    page = context.new_page()
    page.set_default_timeout(LIVE)
    return page


def open_consultation(page: Any, live_server: LiveServer) -> dict[str, str]:
    """Sign in as the demo administrator and open a consultation; return its links."""
    staff = live_server.demo["staff"][StaffRole.ADMIN.value]
    page.goto(f"{live_server.url}/console/login?next=%2Fconsole%2Fconsultations")
    page.fill("#username", staff["username"])
    page.fill("#password", staff["password"])
    with page.expect_navigation():
        page.click("form[action='/console/login'] button[type=submit]")
    page.goto(f"{live_server.url}/console/consultations")
    page.fill("#title", "Venue check-in rules")
    page.fill("#session_title", "Harbour district round tables")
    page.fill("#table_size", "2")
    with page.expect_navigation():
        page.click("form[action='/console/consultations'] button[type=submit]")
    links = {}
    for name in ("facilitator", "moderator", "join"):
        href = page.get_attribute(f"[data-testid={name}-link]", "href")
        assert href is not None
        links[name] = href
    return links


def test_a_live_session_with_everyone_at_once(
    browser: Any, contexts: list[Any], live_server: LiveServer
) -> None:
    admin = new_page(browser, contexts)
    links = open_consultation(admin, live_server)
    assert re.search(r"/facilitate#ctf_", links["facilitator"])
    assert re.search(r"/moderate#ctm_", links["moderator"])

    facilitator = new_page(browser, contexts)
    facilitator.goto(links["facilitator"])
    expect(facilitator.locator("#new-poll")).to_be_visible()
    assert "#" not in facilitator.url  # the key left the address bar
    moderator = new_page(browser, contexts)
    moderator.goto(links["moderator"])
    expect(moderator.locator("#queue")).to_be_visible()
    session_path = links["join"].split("://", 1)[1].split("/", 1)[1]
    session_id = session_path.rsplit("/", 1)[1]
    screen = new_page(browser, contexts)
    screen.goto(f"{live_server.url}/consult/s/{session_id}/screen")

    people = []
    for name, group in (("Ana", "public"), ("Bo", "government"), ("Cy", "private-sector")):
        person = new_page(browser, contexts)
        join_in(person, live_server.url, session_id, name, group)
        assert person.url.split("?")[0].endswith(f"/consult/s/{session_id}/me")
        people.append(person)
    for person in people:
        expect(person.locator("body[data-live=on]")).to_have_count(1)
    expect(facilitator.locator("[data-testid=session-status]")).to_contain_text("3")

    # Seating: every participant sees their table and table-mates appear, without reloading.
    facilitator.click("#session form[action$='/seating'] button")
    for person in people:
        expect(person.locator("[data-testid=table]")).to_contain_text("Table")
    expect(facilitator.locator("#tables .round-table")).to_have_count(2)

    # A poll: written, opened, voted; the count shows live everywhere.
    facilitator.fill("#poll-question", "Should venues keep paper lists?")
    facilitator.fill("#poll-options", "Yes\nNo\nOnly on request")
    facilitator.click("#new-poll button[type=submit]")
    facilitator.click("#polls form[action$='/open'] button")
    for index, person in enumerate(people):
        form = person.locator("#polls form[action$='/vote']")
        expect(form).to_be_visible()
        form.locator(f"input[value='{index % 2}']").check()
        form.locator("button[type=submit]").click()
        expect(person.locator("#action-status")).to_contain_text("vote")
    everyone = [*people, facilitator, moderator, screen]
    for watcher in everyone:
        expect(watcher.locator(".results .ballots").first).to_contain_text("3")
    bars = screen.locator(".results .bar-count")
    expect(bars).to_have_text(["2", "1", "0"])

    # A question: asked, seen in the queue, approved, upvoted; support shows on the projector.
    people[0].fill("#question-text", "Who may read the lists?")
    people[0].click("#ask button[type=submit]")
    queued = moderator.locator("#queue li[data-question]")
    expect(queued).to_have_count(1)
    expect(queued).to_contain_text("Who may read the lists?")
    queued.locator("button[value=approve]").click()
    expect(moderator.locator("#action-status")).to_contain_text("approved")
    for person in people[1:]:
        expect(person.locator("#questions li[data-question]")).to_contain_text("Who may read")
    people[1].click("#questions li[data-question] button")
    expect(screen.locator("#questions li[data-question] [data-upvotes]")).to_have_text("1")
    expect(people[2].locator("#questions li[data-question] [data-upvotes]")).to_have_text("1")
    expect(people[0].locator("#questions li[data-question] form")).to_have_count(0)  # own

    # The end and the summary: participants are told, and the summary page shows it all.
    facilitator.fill("#note-1", "Paper lists feel unsafe.")
    facilitator.click("#table-1 button[type=submit]")
    expect(facilitator.locator("#action-status")).to_contain_text("saved")
    facilitator.click("#session form[action$='/end'] button")
    facilitator.click("#session form[action$='/summary'] button")
    for person in people:
        expect(person.locator("#status a[href$='/summary']")).to_be_visible()
    people[2].click("#status a[href$='/summary']")
    expect(people[2].locator("h1")).to_contain_text("Harbour district round tables")
    expect(people[2].locator("main")).to_contain_text("Should venues keep paper lists?")
    expect(people[2].locator("main")).to_contain_text("Who may read the lists?")
    expect(people[2].locator("main")).to_contain_text("Paper lists feel unsafe.")
    pdf = people[2].request.get(
        f"{live_server.url}{people[2].get_attribute('[data-testid=summary-pdf]', 'href')}"
    )
    assert pdf.ok
    assert pdf.body().startswith(b"%PDF")


def test_forms_work_without_javascript(browser: Any, live_server: LiveServer) -> None:
    made = make_session(live_server.database_url)
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        join_in(page, live_server.url, made.id, "Dee", "technical-community")
        page.fill("#question-text", "Is this recorded?")
        with page.expect_navigation():
            page.click("#ask button[type=submit]")
        assert "asked=1" in page.url
        expect(page.locator("#questions .own-questions")).to_contain_text("Is this recorded?")
    finally:
        context.close()


@pytest.fixture(scope="module")
def filled(live_server: LiveServer) -> Made:
    made = make_session(live_server.database_url)
    fill_session(live_server.database_url, made.id)
    return made


@pytest.fixture(scope="module")
def published(live_server: LiveServer) -> Made:
    made = make_session(live_server.database_url)
    fill_session(live_server.database_url, made.id, publish=True)
    return made


def _joined(page: Any) -> None:
    """A ``check_page_everywhere`` hook: join first when sent to the join form."""
    if page.locator("#display_name").count():
        page.fill("#display_name", "Eve")
        page.check("#group-public")
        with page.expect_navigation():
            page.click("form button[type=submit]")
    expect(page.locator("#polls")).to_be_visible()


def _opened(page: Any) -> None:
    """A ``check_page_everywhere`` hook: wait until the secret link has opened the page."""
    expect(page.locator("#questions")).to_be_visible()


def test_list_page_everywhere(browser: Any, live_server: LiveServer, filled: Made) -> None:
    check_page_everywhere(browser, f"{live_server.url}/consult")


def test_join_page_everywhere(browser: Any, live_server: LiveServer, filled: Made) -> None:
    check_page_everywhere(browser, f"{live_server.url}/consult/s/{filled.id}")


def test_participant_page_everywhere(browser: Any, live_server: LiveServer, filled: Made) -> None:
    check_page_everywhere(browser, f"{live_server.url}/consult/s/{filled.id}/me", prepare=_joined)


def test_facilitator_page_everywhere(browser: Any, live_server: LiveServer, filled: Made) -> None:
    url = f"{live_server.url}/consult/s/{filled.id}/facilitate#{filled.facilitator}"
    check_page_everywhere(browser, url, prepare=_opened)


def test_moderator_page_everywhere(browser: Any, live_server: LiveServer, filled: Made) -> None:
    url = f"{live_server.url}/consult/s/{filled.id}/moderate#{filled.moderator}"
    check_page_everywhere(browser, url, prepare=_opened)


def test_projector_page_everywhere(browser: Any, live_server: LiveServer, filled: Made) -> None:
    check_page_everywhere(browser, f"{live_server.url}/consult/s/{filled.id}/screen")


def test_summary_page_everywhere(browser: Any, live_server: LiveServer, published: Made) -> None:
    check_page_everywhere(browser, f"{live_server.url}/consult/s/{published.id}/summary")


def test_console_screen_everywhere(browser: Any, live_server: LiveServer) -> None:
    staff = live_server.demo["staff"][StaffRole.ADMIN.value]

    def signed_in(page: Any) -> None:
        if "/console/login" in page.url:
            page.fill("#username", staff["username"])
            page.fill("#password", staff["password"])
            with page.expect_navigation():
                page.click("form[action='/console/login'] button[type=submit]")
        expect(page.locator("form[action='/console/consultations']")).to_be_visible()

    check_page_everywhere(browser, f"{live_server.url}/console/consultations", prepare=signed_in)
