"""The public governance JSON: ``/transparency.json`` holds everything the transparency page
shows, ``/governance/proposals.json`` every proposal, ``/governance/access-requests.json`` the
redacted register; none of them leaks a person's name or a request's text."""

import warnings
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine
from starlette.exceptions import StarletteDeprecationWarning

from civitrace.governance import audit
from civitrace.governance.access_requests import NewRequest, decide, record_request
from civitrace.governance.inventory import Inventory, shipped_inventory
from civitrace.governance.proposals import propose
from civitrace.governance.settings import GovernanceSettings
from civitrace.governance.transparency import transparency_snapshot
from civitrace.server.db import session_factory
from tests.governance.conftest import Clock

with warnings.catch_warnings():
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SUNSET = datetime(2027, 6, 30, tzinfo=UTC)
ACTOR = "staff:ada (admin)"


def _seed(engine: Engine) -> str:
    base = shipped_inventory()
    cases = base.get("cases")
    assert cases is not None
    longer = Inventory(
        (*(c for c in base if c.name != "cases"), replace(cases, retention=timedelta(days=45)))
    )
    with session_factory(engine)() as session:
        propose(session, GovernanceSettings(), longer, actor=ACTOR, now=T0, title="Longer cases")
        first = record_request(
            session,
            NewRequest("Ministry of Interior", "ministry", "Decree 12", "All cases", ["cases"]),
            received_at=T0,
            actor=ACTOR,
            now=T0,
        )
        record_request(
            session,
            NewRequest("Jane Doe", "other", "FOI", "My neighbour's file", [], True),
            received_at=T0,
            actor=ACTOR,
            now=T0,
        )
        decide(
            session, first.id, decision="refused", reason="Not for police work", actor=ACTOR, now=T0
        )
        session.commit()
        return str(audit.head(session).digest)


def test_transparency_json_holds_the_whole_page(
    governance_app: Callable[..., TestClient], engine: Engine, clock: Clock
) -> None:
    head = _seed(engine)
    clock.now = T0 + timedelta(days=1)
    client = governance_app(sunset_at=SUNSET)
    response = client.get("/transparency.json")
    assert response.status_code == 200
    page = response.json()
    assert page["generatedAt"] == "2026-03-03T09:00:00Z"
    names = {c["name"] for c in page["categories"]}
    assert set(shipped_inventory().names) == names
    cases = next(c for c in page["categories"] if c["name"] == "cases")
    assert cases["retention"] == "30 days"  # the widening is still pending
    assert cases["retentionSeconds"] == 30 * 86400
    assert cases["readers"] == ["case-worker", "venue-tracer"]
    assert cases["purposes"]
    assert cases["legalBasis"]
    assert cases["description"]
    assert page["sunset"] == {"at": "2027-06-30T00:00:00Z", "passed": False}
    assert page["noticePeriodDays"] == 30
    [pending] = page["pendingProposals"]
    assert pending["effectiveAt"] == "2026-04-01T09:00:00Z"
    assert pending["status"] == "pending"
    assert pending["changes"][0]["description"] == "cases: retention 30 days -> 45 days (widening)"
    assert page["audit"]["headDigest"] == head
    assert page["audit"]["headSequence"] == 5
    assert page["accessRequests"]["statistics"]["ministry"]["refused"] == 1
    assert page["accessRequests"]["statistics"]["other"]["pending"] == 1
    text = response.text
    for secret in ("Jane Doe", "neighbour", "All cases", ACTOR):
        assert secret not in text


def test_proposals_and_register_are_public(
    governance_app: Callable[..., TestClient], engine: Engine, clock: Clock
) -> None:
    _seed(engine)
    clock.now = T0
    client = governance_app()
    proposals = client.get("/governance/proposals.json").json()["proposals"]
    assert [p["kind"] for p in proposals] == ["baseline", "widening"]
    assert proposals[1]["consultationSummaryUrl"] is None
    register = client.get("/governance/access-requests.json")
    assert register.status_code == 200
    assert "Jane Doe" not in register.text
    assert [entry["requester"] for entry in register.json()["register"]] == [
        "Ministry of Interior",
        None,
    ]


def test_the_snapshot_reads_without_writing(engine: Engine) -> None:
    with session_factory(engine)() as session:
        snapshot = transparency_snapshot(session, GovernanceSettings(), T0)
        assert not session.new
        assert not session.dirty
    assert snapshot.audit_head == audit.Head(0, audit.GENESIS)
    assert snapshot.categories == shipped_inventory().categories
    assert snapshot.pending_proposals == ()
    assert snapshot.sunset_at is None
