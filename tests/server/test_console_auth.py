"""Who may do what in the console: every route refuses anonymous requests and wrong roles;
CSRF, tampered cookies, session expiry, throttling and the second factor."""

import re
from datetime import timedelta
from typing import Any

import pyotp
from fastapi.routing import APIRoute, iter_route_contexts
from sqlalchemy import select, text

from civitrace.governance.enforce import enforce
from civitrace.governance.inventory import shipped_inventory
from civitrace.governance.settings import GovernanceSettings
from civitrace.server.console import sessions
from civitrace.server.console.service import build_services
from civitrace.server.db.console_models import StaffAccount, StaffRole, StaffSession
from civitrace.server.db.governance_models import AuditEntry
from civitrace.web.console.views_login import PUBLIC_PATHS
from tests.server.test_console_basics import FAST, PASSWORD, Console, console, csrf_of

__all__ = ["console"]  # the fixture, imported for pytest

SAMPLE_PATH_VALUES = {
    "reference": "C-00000000",
    "submission_id": "00000000-0000-4000-8000-000000000000",
    "username": "nobody",
}


def console_routes(console: Console) -> list[tuple[str, str, frozenset[StaffRole] | None]]:
    """(method, path, allowed roles) of every route under /console/ (None: public)."""
    found = []
    for context in iter_route_contexts(console.client.app.routes):  # type: ignore[attr-defined]
        route = context.original_route
        if not isinstance(route, APIRoute) or not route.path.startswith("/console"):
            continue
        roles = None
        for dependency in route.dependant.dependencies:
            allowed = getattr(dependency.call, "allowed_roles", None)
            if allowed is not None:
                roles = frozenset(allowed)
        for method in sorted(route.methods or ()):
            found.append((method, route.path, roles))
    return found


def concrete(path: str) -> str:
    """``path`` with sample values for its parameters (any other area's: ``x``)."""
    return re.sub(r"\{(\w+)\}", lambda match: SAMPLE_PATH_VALUES.get(match.group(1), "x"), path)


def test_every_console_route_refuses_anonymous_and_every_wrong_role(console: Console) -> None:
    routes = console_routes(console)
    assert len(routes) >= 25, routes
    public = {path for _method, path, roles in routes if roles is None}
    assert public == PUBLIC_PATHS
    for method, path, roles in routes:
        if roles is None:
            continue
        console.client.cookies.clear()
        anonymous = console.client.request(method, concrete(path), follow_redirects=False)
        if method == "GET":
            assert anonymous.status_code == 303, (method, path)
            assert anonymous.headers["location"].startswith("/console/login?next=")
        else:
            assert anonymous.status_code == 401, (method, path)
    for role in StaffRole:
        assert console.login(role).status_code == 303
        for method, path, roles in routes:
            if roles is None or role in roles:
                continue
            response = (
                console.get(concrete(path)) if method == "GET" else console.post(concrete(path))
            )
            assert response.status_code == 403, (role, method, path, response.status_code)
            assert "text/html" in response.headers["content-type"]


def test_missing_or_wrong_csrf_token_is_refused(console: Console) -> None:
    console.login(StaffRole.CASE_WORKER)
    form = {"test_type": "confirmed", "test_date": console.clock.now.date().isoformat()}
    missing = console.client.post("/console/cases", data=form, follow_redirects=False)
    assert missing.status_code == 403
    wrong = console.client.post(
        "/console/cases", data={**form, "csrf_token": "x" * 43}, follow_redirects=False
    )
    assert wrong.status_code == 403
    assert console.post("/console/cases", form).status_code == 303  # with the right one


def test_login_form_needs_its_csrf_token(console: Console) -> None:
    response = console.client.post(
        "/console/login",
        data={"username": "staff-admin", "password": PASSWORD},
        follow_redirects=False,
    )
    assert response.status_code == 403


def test_tampered_or_unknown_cookie_is_refused(console: Console) -> None:
    console.login(StaffRole.ADMIN)
    cookie = console.client.cookies.get("civitrace_console")
    assert cookie is not None
    tampered = cookie[:-1] + ("A" if cookie[-1] != "A" else "B")
    for value in (tampered, "", "x" * 43, cookie + "=", "../../etc"):
        console.client.cookies.clear()
        console.client.cookies.set("civitrace_console", value, path="/console")
        assert console.get("/console/staff").status_code == 303
        assert console.post("/console/staff", {"username": "zed"}).status_code == 401


def test_cookie_flags_and_only_a_hash_is_stored(console: Console) -> None:
    response = console.login(StaffRole.ADMIN)
    header = response.headers["set-cookie"]
    assert "HttpOnly" in header
    assert "SameSite=strict" in header
    assert "Path=/console" in header
    assert "Secure" not in header  # plain http in tests; see the https test below
    token = console.client.cookies.get("civitrace_console")
    with console.session() as session:
        row = session.scalars(select(StaffSession)).one()
        assert row.token_hash == sessions.token_hash(token)
        dump = " ".join(str(v) for v in session.execute(text("SELECT * FROM staff_sessions")).one())
    assert token not in dump


def test_cookie_is_secure_over_https(console: Console) -> None:
    client = console.client
    client.base_url = client.base_url.copy_with(scheme="https")
    try:
        form = client.get("/console/login")
        response = client.post(
            "/console/login",
            data={
                "csrf_token": csrf_of(form.text),
                "username": "staff-admin",
                "password": PASSWORD,
            },
            follow_redirects=False,
        )
        assert "Secure" in response.headers["set-cookie"]
    finally:
        client.base_url = client.base_url.copy_with(scheme="http")


def test_sessions_end_when_idle_after_their_lifetime_and_on_sign_out(console: Console) -> None:
    settings = console.services.settings
    console.login(StaffRole.AUDITOR)
    console.clock.advance(seconds=settings.session_idle_timeout.total_seconds() - 60)
    assert console.get("/console/audit").status_code == 200  # activity renews the idle time
    console.clock.advance(seconds=settings.session_idle_timeout.total_seconds() - 60)
    assert console.get("/console/audit").status_code == 200
    console.clock.advance(seconds=settings.session_idle_timeout.total_seconds() + 1)
    assert console.get("/console/audit").status_code == 303  # idle too long

    console.login(StaffRole.AUDITOR)
    step = settings.session_idle_timeout / 2
    elapsed = timedelta(0)
    while elapsed + step < settings.session_lifetime:
        console.clock.advance(seconds=step.total_seconds())
        elapsed += step
        assert console.get("/console/audit").status_code == 200
    console.clock.advance(seconds=step.total_seconds())
    assert console.get("/console/audit").status_code == 303  # past the absolute lifetime

    console.login(StaffRole.AUDITOR)
    assert console.post("/console/logout").status_code == 303
    assert console.get("/console/audit").status_code == 303


def test_wrong_passwords_lock_the_account_then_it_recovers(console: Console) -> None:
    settings = console.services.settings
    for _attempt in range(settings.max_failed_logins):
        assert console.login(StaffRole.ADMIN, "wrong password, long").status_code == 401
    locked = console.login(StaffRole.ADMIN)  # the right password, but locked
    assert locked.status_code == 429
    assert console.login(StaffRole.AUDITOR).status_code == 303  # others are not affected
    console.clock.advance(seconds=settings.lockout.total_seconds() + 1)
    assert console.login(StaffRole.ADMIN).status_code == 303


def test_many_failures_pause_every_sign_in(console: Console) -> None:
    state = console.client.app.state  # type: ignore[attr-defined]
    strict = FAST.model_copy(update={"global_max_failures": 3})
    state.console = build_services(state, settings=strict, clock=console.clock)
    form = console.client.get("/console/login")
    for index in range(3):
        response = console.client.post(
            "/console/login",
            data={"csrf_token": csrf_of(form.text), "username": f"ghost-{index}", "password": "x"},
        )
        assert response.status_code == 401
    assert console.login(StaffRole.CASE_WORKER).status_code == 429
    console.clock.advance(seconds=strict.global_failure_window.total_seconds())
    assert console.login(StaffRole.CASE_WORKER).status_code == 303


def test_unknown_and_disabled_accounts_fail_like_wrong_passwords(console: Console) -> None:
    console.login(StaffRole.ADMIN)
    assert console.post("/console/staff/staff-auditor/disable").status_code == 303
    wrong = console.login(StaffRole.ADMIN, "not the password at all")
    disabled = console.login(StaffRole.AUDITOR)
    form = console.client.get("/console/login")
    unknown = console.client.post(
        "/console/login",
        data={"csrf_token": csrf_of(form.text), "username": "nobody", "password": PASSWORD},
    )
    assert wrong.status_code == disabled.status_code == unknown.status_code == 401
    message = re.compile(r'<p lang="en" dir="ltr">([^<]+)</p>')
    assert message.findall(wrong.text) == message.findall(disabled.text)
    assert message.findall(wrong.text) == message.findall(unknown.text)


def _enrol_totp(console: Console) -> str:
    assert console.post("/console/account/totp").status_code == 303
    page = console.get("/console/account").text
    secret = re.search(r'class="secret">([A-Z2-7 ]+)<', page)
    assert secret is not None
    assert "<svg" in page
    return secret.group(1).replace(" ", "")


def test_second_factor_enrolment_and_sign_in(console: Console) -> None:
    console.login(StaffRole.VENUE_TRACER)
    secret = _enrol_totp(console)
    wrong = console.post("/console/account/totp/confirm", {"code": "000000"})
    assert wrong.status_code == 400
    code = pyotp.TOTP(secret).at(console.clock.now)
    assert console.post("/console/account/totp/confirm", {"code": code}).status_code == 303
    with console.session() as session:
        account = session.scalars(
            select(StaffAccount).where(StaffAccount.username == "staff-venue-tracer")
        ).one()
        assert account.totp_confirmed_at is not None
        assert secret.encode() not in (account.totp_secret or b"")

    first = console.login(StaffRole.VENUE_TRACER)
    assert first.headers["location"].startswith("/console/login/code")
    assert console.get("/console/warnings").status_code == 303  # not signed in yet
    page = console.get("/console/login/code")
    assert page.status_code == 200
    step_csrf = csrf_of(page.text)
    console.clock.advance(seconds=30)
    code = pyotp.TOTP(secret).at(console.clock.now)
    bad = console.client.post(
        "/console/login/code", data={"csrf_token": step_csrf, "code": "123456"}
    )
    assert bad.status_code == 401
    good = console.client.post(
        "/console/login/code",
        data={"csrf_token": step_csrf, "code": code, "next": "/console/warnings"},
        follow_redirects=False,
    )
    assert good.status_code == 303
    assert good.headers["location"] == "/console/warnings"
    assert console.get("/console/warnings").status_code == 200

    console.login(StaffRole.VENUE_TRACER)  # the same code again: refused (used once)
    replay = console.client.post(
        "/console/login/code",
        data={"csrf_token": csrf_of(console.get("/console/login/code").text), "code": code},
    )
    assert replay.status_code == 401


def test_second_factor_stage_expires(console: Console) -> None:
    console.login(StaffRole.AUDITOR)
    secret = _enrol_totp(console)
    code = pyotp.TOTP(secret).at(console.clock.now)
    assert console.post("/console/account/totp/confirm", {"code": code}).status_code == 303
    console.login(StaffRole.AUDITOR)
    console.clock.advance(seconds=console.services.settings.second_factor_timeout.total_seconds())
    assert console.get("/console/login/code").status_code == 303  # back to the password


def test_password_change_ends_other_sessions(console: Console) -> None:
    console.login(StaffRole.STATISTICIAN)
    other_cookie = console.client.cookies.get("civitrace_console")
    console.login(StaffRole.STATISTICIAN)
    new = "a brand new passphrase here"
    changed = console.post(
        "/console/account/password",
        {"password": PASSWORD, "new_password": new, "new_password_again": new},
    )
    assert changed.status_code == 303
    assert console.get("/console/account").status_code == 200  # this session stays
    console.client.cookies.set("civitrace_console", other_cookie, path="/console")
    assert console.get("/console/account").status_code == 303
    assert console.login(StaffRole.STATISTICIAN, new).status_code == 303
    mismatch = console.post(
        "/console/account/password",
        {"password": new, "new_password": "one long phrase", "new_password_again": "another"},
    )
    assert mismatch.status_code == 400


def test_sign_in_sign_out_and_failures_are_audited(console: Console) -> None:
    console.login(StaffRole.ADMIN, "a wrong password here")
    console.login(StaffRole.ADMIN)
    console.post("/console/logout")
    with console.session() as session:
        entries: list[Any] = session.scalars(select(AuditEntry).order_by(AuditEntry.sequence)).all()
    actions = [(entry.action, entry.actor) for entry in entries]
    assert actions == [
        ("staff.login_failed", "staff:staff-admin (admin)"),
        ("staff.login", "staff:staff-admin (admin)"),
        ("staff.logout", "staff:staff-admin (admin)"),
    ]
    assert all(PASSWORD not in entry.details for entry in entries)


def test_after_sign_in_only_console_paths_are_followed(console: Console) -> None:
    form = console.client.get("/console/login?next=https%3A%2F%2Fevil.example%2F")
    for target, expected in (
        ("https://evil.example/", "/console/"),
        ("//evil.example/console/", "/console/"),
        ("/console/cases?status=open", "/console/cases?status=open"),
    ):
        console.client.cookies.clear()
        form = console.client.get("/console/login")
        response = console.client.post(
            "/console/login",
            data={
                "csrf_token": csrf_of(form.text),
                "username": "staff-case-worker",
                "password": PASSWORD,
                "next": target,
            },
            follow_redirects=False,
        )
        assert response.headers["location"] == expected


def test_sessions_and_disabled_accounts_are_deleted_at_their_retention(console: Console) -> None:
    console.login(StaffRole.ADMIN)
    assert console.post("/console/staff/staff-auditor/disable").status_code == 303
    console.post("/console/logout")
    inventory = shipped_inventory()
    sessions_kept, accounts_kept = (
        inventory.get("staff_sessions"),
        inventory.get("staff_accounts"),
    )
    assert sessions_kept is not None
    assert sessions_kept.retention is not None
    assert accounts_kept is not None
    assert accounts_kept.retention is not None
    enforce(console.engine, GovernanceSettings(), now=console.clock.now + sessions_kept.retention
            + timedelta(minutes=1))  # fmt: skip
    with console.session() as session:
        assert session.scalars(select(StaffSession)).all() == []
        assert len(session.scalars(select(StaffAccount)).all()) == len(StaffRole)
    enforce(console.engine, GovernanceSettings(), now=console.clock.now + accounts_kept.retention
            + timedelta(minutes=1))  # fmt: skip
    with console.session() as session:
        names = {account.username for account in session.scalars(select(StaffAccount))}
    assert "staff-auditor" not in names
    assert "staff-admin" in names  # an active account's clock has not started
