"""Fixtures and helpers the governance page tests share (no tests here).

A governed server is civitrace with the demo data (one staff account per role) plus governance
records of its own — a pending widening proposal and access requests of each kind — served by
uvicorn on loopback, with its own database so the tests may change the inventory and the
registers without touching the shared ``live_server``.
"""

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI
from sqlalchemy.orm import Session

from civitrace.governance import access_requests
from civitrace.governance.inventory import Category, Inventory
from civitrace.governance.proposals import effective_inventory, propose
from civitrace.governance.settings import GovernanceSettings
from civitrace.server.app import create_app
from civitrace.server.db import make_engine, session_factory
from civitrace.server.db.console_models import StaffRole
from civitrace.server.demo import seed_demo
from civitrace.server.runtime import open_database, server_settings
from civitrace.server.settings import Settings
from tests.web.conftest import _free_port

ORGANISATION = "Metropolitan Police Service"
INDIVIDUAL = "Jane Q. Citizen"  # a private person: never on a public page
SECRET_ASK = "every check-in of John Example at the harbour bar"  # never on a public page


@dataclass(frozen=True)
class GovernedServer:
    """A running server and what a test needs to look behind it."""

    url: str
    data_dir: Path
    database_url: str
    demo: dict[str, Any]
    settings: Settings

    @property
    def governance(self) -> GovernanceSettings:
        return self.settings.governance

    @contextmanager
    def session(self) -> Iterator[Session]:
        engine = make_engine(self.database_url)
        try:
            with session_factory(engine)() as session:
                yield session
        finally:
            engine.dispose()

    def credentials(self, role: StaffRole) -> tuple[str, str]:
        entry = self.demo["staff"][role.value]
        return entry["username"], entry["password"]

    def inventory(self) -> Inventory:
        """The inventory in force now."""
        with self.session() as session:
            return effective_inventory(
                session, self.governance.configured_inventory(), datetime.now(UTC)
            )


@contextmanager
def serving(app: FastAPI) -> Iterator[str]:
    """``app`` served by uvicorn on a free loopback port, in a thread; yields its URL."""
    port = _free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the governed server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def with_category_changed(inventory: Inventory, name: str, **values: Any) -> Inventory:
    """``inventory`` with the category ``name`` changed (``retention=None`` drops it)."""
    categories = []
    for category in inventory:
        if category.name != name:
            categories.append(category)
            continue
        document = category.to_document()
        document.update({key: value for key, value in values.items() if value is not None})
        for key, value in values.items():
            if value is None:
                document.pop(key, None)
        categories.append(Category.from_document(name, document))
    return Inventory(tuple(categories))


def without_category(inventory: Inventory, name: str) -> Inventory:
    return Inventory(tuple(c for c in inventory if c.name != name))


def seed_governance(session: Session, governance: GovernanceSettings) -> None:
    """A pending widening proposal and access requests: organisation granted, individual
    refused, one still undecided."""
    now = datetime.now(UTC)
    current = effective_inventory(session, governance.configured_inventory(), now)
    cases = current.get("cases")
    assert cases is not None
    widened = with_category_changed(current, "cases", readers=[*cases.readers, "statistician"])
    propose(
        session,
        governance,
        widened,
        actor="staff:demo (admin)",
        now=now,
        title="Let statisticians count cases",
        rationale="Weekly counts need the case dates.",
    )
    received = now - timedelta(days=3)
    police = access_requests.record_request(
        session,
        access_requests.NewRequest(
            requester=ORGANISATION,
            requester_type="police",
            legal_basis_claimed="Criminal procedure code, section 94",
            data_requested="venue warnings of March",
            categories=["venue_warnings"],
        ),
        received_at=received,
        actor="staff:demo (admin)",
        now=now,
        inventory=current,
    )
    access_requests.decide(
        session,
        police.id,
        decision="granted",
        reason="Venue warnings are public already.",
        actor="staff:demo (admin)",
        now=now,
    )
    person = access_requests.record_request(
        session,
        access_requests.NewRequest(
            requester=INDIVIDUAL,
            requester_type="other",
            legal_basis_claimed="None given",
            data_requested=SECRET_ASK,
            categories=["checkin_reports"],
            requester_is_individual=True,
        ),
        received_at=received,
        actor="staff:demo (admin)",
        now=now,
        inventory=current,
    )
    access_requests.decide(
        session,
        person.id,
        decision="refused",
        reason="No legal basis; the data belongs to the people it is about.",
        actor="staff:demo (admin)",
        now=now,
    )
    access_requests.record_request(
        session,
        access_requests.NewRequest(
            requester="Acme Insurance Ltd",
            requester_type="company",
            legal_basis_claimed="Legitimate interest",
            data_requested="names of cases",
            categories=["cases"],
        ),
        received_at=received,
        actor="staff:demo (admin)",
        now=now,
        inventory=current,
    )
    session.commit()


@contextmanager
def governed_server(data_dir: Path, **governance: Any) -> Iterator[GovernedServer]:
    """A migrated, seeded server with ``governance`` settings, running until the block ends."""
    database_url = f"sqlite:///{data_dir / 'civitrace.sqlite3'}"
    settings = server_settings(database_url, data_dir, governance=GovernanceSettings(**governance))
    with open_database(settings, migrate_first=True) as engine:
        seeded = seed_demo(engine, settings, settings.exports, "http://127.0.0.1")
    app = create_app(settings)
    with serving(app) as url:  # start-up stores the baseline inventory
        server = GovernedServer(url, data_dir, database_url, seeded.info.to_json(), settings)
        with server.session() as session:
            seed_governance(session, settings.governance)
        yield server


@pytest.fixture(scope="module")
def governed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GovernedServer]:
    """A governed server for one test module."""
    with governed_server(tmp_path_factory.mktemp("governed")) as server:
        yield server


def submit_login(page: Any, username: str, password: str) -> None:
    page.fill("#username", username)
    page.fill("#password", password)
    with page.expect_navigation():
        page.click("form[action='/console/login'] button[type=submit]")


def sign_in(page: Any, server: GovernedServer, role: StaffRole) -> None:
    page.goto(f"{server.url}/console/login")
    submit_login(page, *server.credentials(role))


def signed_in_as(server: GovernedServer, role: StaffRole, then: Any = None) -> Any:
    """A ``check_page_everywhere`` hook: sign in when sent to the sign-in page, then ``then``."""

    def prepare(page: Any) -> None:
        if "/console/login" in page.url and "next=" in page.url:
            submit_login(page, *server.credentials(role))
        if then is not None:
            then(page)

    return prepare
