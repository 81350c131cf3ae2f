"""Fixtures the ``test_console_*`` modules share (imported from here), and the console's small
building blocks: passwords, TOTP, references, sessions, settings."""

import re
import uuid
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pyotp
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine, select
from starlette.exceptions import StarletteDeprecationWarning

from civitrace.presence.checkin import CheckIn
from civitrace.presence.payload import TraceLocationType, Venue
from civitrace.presence.report import build_submission
from civitrace.presence.risk import level_by_onset
from civitrace.server.authorities import create_health_authority
from civitrace.server.console import accounts, references, totp
from civitrace.server.console.passwords import Passwords
from civitrace.server.console.service import ConsoleServices, build_services
from civitrace.server.console.settings import ConsoleSettings
from civitrace.server.db import make_engine, session_factory
from civitrace.server.db.console_models import StaffRole
from civitrace.server.db.models import HealthAuthority
from civitrace.server.db.presence_models import CheckInReport, CheckInSubmission
from civitrace.server.settings import Settings

with warnings.catch_warnings():
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient

FAST = ConsoleSettings(argon2_time_cost=2, argon2_memory_kib=19_456, argon2_parallelism=1)
"""The cheapest hashing the settings allow: tests sign in often."""
PASSWORD = "correct horse battery staple"
AUTHORITY = "Console Test Authority"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Clock:
    """A clock the test moves."""

    now: datetime = field(default_factory=lambda: datetime.now(UTC).replace(microsecond=0))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def csrf_of(html: str) -> str:
    match = _CSRF.search(html)
    assert match is not None, "no CSRF token in the page"
    return match.group(1)


@dataclass
class Console:
    """A browser-like user of the console over a TestClient (one cookie jar)."""

    client: TestClient
    engine: Engine
    authority_id: int
    services: ConsoleServices
    clock: Clock
    csrf: str = ""

    def login(self, role: StaffRole | str, password: str = PASSWORD) -> Any:
        """Sign in as the account of ``role`` (user name ``staff-<role>``); the response."""
        self.client.cookies.clear()
        form = self.client.get("/console/login")
        response = self.client.post(
            "/console/login",
            data={
                "csrf_token": csrf_of(form.text),
                "username": f"staff-{StaffRole(role).value}",
                "password": password,
                "next": "/console/",
            },
            follow_redirects=False,
        )
        if response.status_code == 303 and response.headers["location"] == "/console/":
            self.csrf = csrf_of(self.client.get("/console/").text)
        return response

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.client.get(path, follow_redirects=False, **kwargs)

    def post(self, path: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        body = {"csrf_token": self.csrf, **(data or {})}
        return self.client.post(path, data=body, follow_redirects=False, **kwargs)

    def session(self) -> Any:
        return session_factory(self.engine)()


def add_authority(engine: Engine, settings: Settings, name: str = AUTHORITY) -> HealthAuthority:
    with session_factory(engine)() as session:
        authority = create_health_authority(session, settings, name, ["ZZ"])
        session.commit()
        return authority


def add_staff(engine: Engine, authority_id: int, role: StaffRole | str, username: str) -> None:
    with session_factory(engine)() as session:
        authority = session.get_one(HealthAuthority, authority_id)
        accounts.create(
            session,
            Passwords(FAST),
            authority,
            username=username,
            role=StaffRole(role).value,
            password=PASSWORD,
            now=datetime.now(UTC),
        )
        session.commit()


@pytest.fixture
def console(client: TestClient, database_url: str, settings: Settings) -> Iterator[Console]:
    """The shared app over an emptied database, with an authority, one account per role
    (``staff-<role>``, password :data:`PASSWORD`), cheap hashing and a controllable clock."""
    engine = make_engine(database_url)
    authority = add_authority(engine, settings)
    for role in StaffRole:
        add_staff(engine, authority.id, role, f"staff-{role.value}")
    clock = Clock()
    state = client.app.state  # type: ignore[attr-defined]
    state.presence = None
    state.console = build_services(state, settings=FAST, clock=clock)
    client.cookies.clear()
    yield Console(client, engine, authority.id, state.console, clock)
    state.console = None
    client.cookies.clear()
    engine.dispose()


def insert_submission(
    engine: Engine, authority_id: int, now: datetime, at: datetime | None = None
) -> tuple[str, Venue]:
    """A pending check-in report submission, as the presence server stores one after a
    positive person shares a real check-in (encrypted, padded with fakes)."""
    venue = Venue.create(
        "Café Test",
        "1 Test Street",
        type=TraceLocationType.PERMANENT_FOOD_SERVICE,
        default_check_in_length_minutes=60,
    )
    start = int((now - timedelta(days=1)).timestamp())
    reports = build_submission(
        [CheckIn(venue.location_id, start, start + 3600)],
        level_by_onset(now.date() - timedelta(days=1), now.date()),
    )
    submitted = (at or now).replace(minute=0, second=0, microsecond=0)
    submission_id = str(uuid.uuid4())
    with session_factory(engine)() as session:
        session.add(
            CheckInSubmission(
                id=submission_id,
                health_authority_id=authority_id,
                status="pending",
                report_type="confirmed",
                report_count=len(reports),
                submitted_at=submitted,
                decided_at=None,
            )
        )
        session.flush()
        for report in reports:
            session.add(
                CheckInReport(
                    submission_id=submission_id,
                    location_id_hash=report.location_id_hash,
                    iv=report.iv,
                    encrypted_check_in_record=report.encrypted_check_in_record,
                    mac=report.mac,
                    submitted_at=submitted,
                )
            )
        session.commit()
    return submission_id, venue


def add_submission(console: Console, *, at: datetime | None = None) -> tuple[str, Venue]:
    """A pending submission in the console's authority (see :func:`insert_submission`)."""
    return insert_submission(console.engine, console.authority_id, console.clock.now, at)


def today(console: Console) -> date:
    return console.clock.now.date()


# -- the building blocks ---------------------------------------------------------------------------


def test_passwords_are_argon2id_and_checked() -> None:
    passwords = Passwords(FAST)
    stored = passwords.hash(PASSWORD)
    assert stored.startswith("$argon2id$")
    assert passwords.verify(stored, PASSWORD)
    assert not passwords.verify(stored, PASSWORD + "!")
    assert not passwords.verify("not a hash", PASSWORD)
    assert not passwords.needs_rehash(stored)
    assert Passwords(ConsoleSettings()).needs_rehash(stored)  # cheaper than today's default


def test_settings_refuse_weak_values() -> None:
    for unsafe in (
        {"argon2_memory_kib": 1024},
        {"argon2_time_cost": 1},
        {"session_lifetime": timedelta(days=3)},
        {"session_idle_timeout": timedelta(hours=5)},
        {"max_failed_logins": 1000},
        {"password_min_length": 6},
        {"followup_days": 60},
    ):
        with pytest.raises(ValueError, match=next(iter(unsafe))):
            ConsoleSettings(**unsafe)


def test_totp_codes_are_accepted_once_and_near_now() -> None:
    secret = totp.new_secret()
    now = datetime(2026, 3, 1, 12, 0, 10, tzinfo=UTC)
    code = pyotp.TOTP(secret).at(now)
    step = totp.matching_step(secret, code, now, None)
    assert step is not None
    assert totp.matching_step(secret, code, now, step) is None  # used once
    assert totp.matching_step(secret, code, now + timedelta(seconds=30), None) == step
    assert totp.matching_step(secret, code, now + timedelta(minutes=5), None) is None
    assert totp.matching_step(secret, "12345", now, None) is None


def test_totp_secret_is_sealed_to_its_account() -> None:
    kek = bytes(range(32))
    sealed = totp.seal(kek, 7, "ABCDEFGH")
    assert b"ABCDEFGH" not in sealed
    assert totp.unseal(kek, 7, sealed) == "ABCDEFGH"
    with pytest.raises(Exception, match=r"."):
        totp.unseal(kek, 8, sealed)


def test_qr_is_inline_svg() -> None:
    svg = totp.qr_svg(totp.provisioning_uri(totp.new_secret(), "a.lee"))
    assert svg.startswith("<svg")
    assert "http" not in svg.replace("http://www.w3.org", "")


@given(st.text(max_size=80))
def test_any_typed_code_normalizes_safely(text: str) -> None:
    canonical = references.normalize_code(text)
    assert canonical == canonical.upper()
    assert references.is_code(canonical) == (
        len(canonical) == references.CODE_LENGTH
        and all(ch in references.ALPHABET for ch in canonical)
    )


def test_codes_survive_how_people_type_them() -> None:
    code = references.new_code()
    assert references.is_code(code)
    typed = references.grouped(code).lower().replace("-", " ")
    assert references.normalize_code(typed) == code
    assert references.normalize_code(code.replace("1", "l").replace("0", "o")) == code


def test_usernames_are_handles() -> None:
    assert accounts.check_username("  A.Lee ") == "a.lee"
    for bad in ("al", "a lee", "alee@example.org", "", "x" * 65):
        with pytest.raises(ValueError, match="username"):
            accounts.check_username(bad)


def test_accounts_are_unique_and_roles_known(console: Console) -> None:
    with console.session() as session:
        authority = session.get_one(HealthAuthority, console.authority_id)
        with pytest.raises(ValueError, match="role"):
            accounts.create(
                session,
                Passwords(FAST),
                authority,
                username="new.one",
                role="boss",
                password=PASSWORD,
                now=console.clock.now,
            )
        with pytest.raises(Exception, match="taken"):
            accounts.create(
                session,
                Passwords(FAST),
                authority,
                username="staff-admin",
                role="admin",
                password=PASSWORD,
                now=console.clock.now,
            )
        with pytest.raises(ValueError, match="at least 12"):
            accounts.create(
                session,
                Passwords(FAST),
                authority,
                username="new.one",
                role="admin",
                password="short",
                now=console.clock.now,
            )
        names = [row.username for row in accounts.listing(session, console.authority_id)]
        assert names == sorted(f"staff-{role.value}" for role in StaffRole)
        assert session.scalars(select(HealthAuthority)).one().name == AUTHORITY
