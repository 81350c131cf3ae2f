"""The staff console in real Chromium: the case journey, the follow-up journey, the second
factor, and every console page accessible in every language and view."""

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pyotp
import pytest
from sqlalchemy import select

from civitrace.presence.payload import TraceLocationType, Venue
from civitrace.presence.url import check_in_url
from civitrace.server.console import accounts
from civitrace.server.console.passwords import Passwords
from civitrace.server.db import make_engine, session_factory
from civitrace.server.db.console_models import StaffRole
from civitrace.server.db.models import HealthAuthority
from civitrace.server.demo import DEMO_AUTHORITY
from civitrace.server.keyring import ServerSecrets
from tests.browser import assert_accessible
from tests.server.test_console_basics import FAST, PASSWORD, insert_submission
from tests.web.conftest import LiveServer
from tests.web.pages import check_page_everywhere

TOTP_USER = "totp-tracer"  # an account of its own: the demo accounts sign in without a code


def credentials(live_server: LiveServer, role: StaffRole) -> tuple[str, str]:
    entry = live_server.demo["staff"][role.value]
    return entry["username"], entry["password"]


def submit_login(page: Any, username: str, password: str) -> None:
    page.fill("#username", username)
    page.fill("#password", password)
    with page.expect_navigation():
        page.click("form[action='/console/login'] button[type=submit]")


def sign_in(page: Any, live_server: LiveServer, role: StaffRole) -> None:
    page.goto(f"{live_server.url}/console/login")
    submit_login(page, *credentials(live_server, role))
    assert urlsplit(page.url).path == "/console/"


def sign_out(page: Any) -> None:
    with page.expect_navigation():
        page.click("form[action='/console/logout'] button")
    assert "/console/login" in page.url


def demo_authority_id(live_server: LiveServer) -> int:
    engine = make_engine(live_server.database_url)
    with session_factory(engine)() as session:
        found = session.scalars(
            select(HealthAuthority.id).where(HealthAuthority.name == DEMO_AUTHORITY)
        ).one()
    engine.dispose()
    return int(found)


def test_case_journey(page: Any, live_server: LiveServer) -> None:
    """Sign in, open a case, issue a code, publish the person's shared check-ins, warn a venue
    on its owner's behalf, close the case."""
    sign_in(page, live_server, StaffRole.CASE_WORKER)
    page.click("nav.console-nav >> text=Cases")
    page.check("#type-likely")
    page.fill("#test_date", datetime.now(UTC).date().isoformat())
    with page.expect_navigation():
        page.click("form[action='/console/cases'] button[type=submit]")
    reference = page.url.rsplit("/", 1)[1]
    assert re.fullmatch(r"C-[0-9A-Z]{8}", reference)
    with page.expect_navigation():
        page.click("text=Issue a code")
    code = page.text_content("[data-testid=short-code]")
    assert code is not None
    assert re.fullmatch(r"\d{8}", code)
    assert_accessible(page, "case page with a code")

    submission, _venue = insert_submission(
        make_engine(live_server.database_url), demo_authority_id(live_server), datetime.now(UTC)
    )
    page.goto(f"{live_server.url}/console/cases/{reference}")
    with page.expect_navigation():
        page.click(f"form:has(input[value='{submission}']) button")
    with page.expect_navigation():
        page.click("text=Publish warnings")
    assert "Published as venue warnings" in page.text_content("main")
    sign_out(page)

    sign_in(page, live_server, StaffRole.VENUE_TRACER)
    page.click("nav.console-nav >> text=Warn a venue")
    venue = Venue.create(
        "Trattoria Sole",
        "3 Sun Square",
        type=TraceLocationType.PERMANENT_FOOD_SERVICE,
        default_check_in_length_minutes=90,
    )
    page.fill("#venue", check_in_url(venue.raw, "checkin.example"))
    page.fill("#day", (datetime.now(UTC) - timedelta(days=1)).date().isoformat())
    page.fill("#start_time", "12:00")
    page.fill("#end_time", "14:30")
    page.select_option("#risk_level", "6")
    with page.expect_navigation():
        page.click("form[action='/console/warnings'] button[type=submit]")
    assert "The warning was published." in page.text_content("main")
    assert "Trattoria Sole" in page.text_content("main")
    offset = page.input_value("input[name=utc_offset]")
    assert re.fullmatch(r"-?\d+", offset)  # filled in by the page's script
    sign_out(page)

    sign_in(page, live_server, StaffRole.CASE_WORKER)
    page.goto(f"{live_server.url}/console/cases/{reference}")
    with page.expect_navigation():
        page.click("form[action$='/close'] button")
    assert "Closed" in page.text_content("dl.facts")
    assert page.locator("text=Issue a new code").count() == 0


def test_followup_journey(browser: Any, page: Any, live_server: LiveServer) -> None:
    """Enrol a contact, who checks in on the public page and asks for help; the case worker
    sees it."""
    sign_in(page, live_server, StaffRole.CASE_WORKER)
    page.goto(f"{live_server.url}/console/followups")
    page.fill("#days", "7")
    with page.expect_navigation():
        page.click("form[action='/console/followups'] button[type=submit]")
    link = page.text_content("[data-testid=followup-link]")
    heading = page.text_content("h1")
    assert link is not None
    assert heading is not None
    reference = heading.split()[-1]
    assert page.locator("button[data-print]").is_visible()  # the script revealed it

    person = browser.new_context(locale="es-ES")
    try:
        phone = person.new_page()
        phone.goto(link)
        assert phone.evaluate("() => document.documentElement.lang") == "es"
        phone.check("#feeling-unwell")
        phone.check("#symptom-fever")
        phone.check("#need-medicine")
        with phone.expect_navigation():
            phone.click(f"form[action='{urlsplit(link).path}'] button[type=submit]")
        assert "saved=1" in phone.url
        assert phone.locator("[role=status]").count() == 1
        assert phone.is_checked("#need-medicine")
        assert_accessible(phone, "follow-up page after an answer")
    finally:
        person.close()

    page.goto(f"{live_server.url}/console/followups")
    card = page.locator(f"li:has-text('{reference}')")
    assert "Asked for help" in card.text_content()
    assert "Medicine" in card.text_content()
    with page.expect_navigation():
        card.locator("text=Help was given").click()
    card = page.locator(f"li:has-text('{reference}')")
    assert "Answered today" in card.text_content()


def add_account(live_server: LiveServer, username: str, role: StaffRole) -> None:
    engine = make_engine(live_server.database_url)
    with session_factory(engine)() as session:
        authority = session.get_one(HealthAuthority, demo_authority_id(live_server))
        if accounts.find(session, username) is None:
            accounts.create(
                session,
                Passwords(FAST),
                authority,
                username=username,
                role=role.value,
                password=PASSWORD,
                now=datetime.now(UTC),
            )
            session.commit()
    engine.dispose()


@pytest.fixture(scope="module")
def totp_account(live_server: LiveServer) -> tuple[str, str]:
    """An account whose second factor is on (its secret is of no use to the page checks)."""
    add_account(live_server, TOTP_USER, StaffRole.VENUE_TRACER)
    engine = make_engine(live_server.database_url)
    kek = ServerSecrets.load(live_server.data_dir).kek
    with session_factory(engine)() as session:
        account = accounts.find(session, TOTP_USER)
        assert account is not None
        if account.totp_confirmed_at is None:
            accounts.remove_totp(account)
            secret = accounts.start_totp(kek, account)
            accounts.confirm_totp(kek, account, pyotp.TOTP(secret).now(), datetime.now(UTC))
            session.commit()
    engine.dispose()
    return TOTP_USER, PASSWORD


def test_totp_enrolment_and_sign_in(page: Any, live_server: LiveServer) -> None:
    user = ("totp-enrol", PASSWORD)
    add_account(live_server, user[0], StaffRole.VENUE_TRACER)
    page.goto(f"{live_server.url}/console/login")
    submit_login(page, *user)
    page.goto(f"{live_server.url}/console/account")
    with page.expect_navigation():
        page.click("text=Set up the second step")
    assert page.locator(".qr svg").count() == 1
    assert_accessible(page, "account page while enrolling")
    secret = (page.text_content("code.secret") or "").replace(" ", "")
    page.fill("#code", pyotp.TOTP(secret).now())
    with page.expect_navigation():
        page.click("form[action='/console/account/totp/confirm'] button")
    assert "/console/account?done=totp-on" in page.url
    sign_out(page)

    page.goto(f"{live_server.url}/console/warnings")
    submit_login(page, *user)
    assert urlsplit(page.url).path == "/console/login/code"
    totp = pyotp.TOTP(secret)
    page.fill("#code", totp.at(datetime.now(UTC) + timedelta(seconds=30)))  # next step: unused
    with page.expect_navigation():
        page.click("form[action='/console/login/code'] button")
    assert urlsplit(page.url).path == "/console/warnings"
    assert page.text_content("h1") == "Warn a venue"


# -- every page, every language, every view ---------------------------------------------------


def lang_of(url: str) -> str:
    return parse_qs(urlsplit(url).query).get("lang", ["en"])[0]


def signed_in_as(
    live_server: LiveServer,
    role: StaffRole | None,
    then: Callable[[Any], None] | None = None,
    login: tuple[str, str] | None = None,
) -> Callable[[Any], None]:
    """A ``prepare`` hook: sign in when the page sent us to the sign-in form, then ``then``."""

    def prepare(page: Any) -> None:
        if urlsplit(page.url).path == "/console/login" and "next=" in page.url:
            user = login or credentials(live_server, role or StaffRole.ADMIN)
            submit_login(page, *user)
        if then is not None:
            then(page)

    return prepare


def enrol_someone(page: Any) -> None:
    with page.expect_navigation():
        page.click("form[action='/console/followups'] button[type=submit]")


def start_enrolling(page: Any) -> None:
    if page.locator("form[action='/console/account/totp'] button").count():
        with page.expect_navigation():
            page.click("form[action='/console/account/totp'] button")


CONSOLE_PAGES = [
    ("/console/", StaffRole.ADMIN, None),
    ("/console/account", StaffRole.STATISTICIAN, None),
    ("/console/account", StaffRole.AUDITOR, start_enrolling),
    ("/console/cases", StaffRole.CASE_WORKER, None),
    ("/console/cases/C-00000000", StaffRole.CASE_WORKER, None),  # the error page (404)
    ("/console/staff", StaffRole.VENUE_TRACER, None),  # the error page (403)
    ("/console/submissions", StaffRole.VENUE_TRACER, None),
    ("/console/warnings", StaffRole.VENUE_TRACER, None),
    ("/console/followups", StaffRole.CASE_WORKER, None),
    ("/console/followups", StaffRole.CASE_WORKER, enrol_someone),  # the printable card
    ("/console/staff", StaffRole.ADMIN, None),
    ("/console/audit", StaffRole.AUDITOR, None),
]


@pytest.mark.parametrize(
    ("path", "role", "then"),
    CONSOLE_PAGES,
    ids=[
        f"{path}-{role.value}-{then.__name__ if then else 'view'}"
        for path, role, then in CONSOLE_PAGES
    ],
)
def test_console_page_everywhere(
    browser: Any, live_server: LiveServer, path: str, role: StaffRole, then: Any
) -> None:
    check_page_everywhere(
        browser, f"{live_server.url}{path}", prepare=signed_in_as(live_server, role, then)
    )


def test_case_page_everywhere(browser: Any, live_server: LiveServer) -> None:
    reference = live_server.demo["cases"][0]
    check_page_everywhere(
        browser,
        f"{live_server.url}/console/cases/{reference}",
        prepare=signed_in_as(live_server, StaffRole.CASE_WORKER),
    )


def test_sign_in_pages_everywhere(browser: Any, live_server: LiveServer, totp_account: Any) -> None:
    check_page_everywhere(browser, f"{live_server.url}/console/login")

    def to_code_page(page: Any) -> None:
        language = lang_of(page.url)
        if urlsplit(page.url).path == "/console/login":
            submit_login(page, *totp_account)
        page.goto(f"{live_server.url}/console/login/code?lang={language}")

    # the code page needs the password step first: sign in with an account whose second
    # factor is on, then stay on the code page
    check_page_everywhere(browser, f"{live_server.url}/console/login/code", prepare=to_code_page)
