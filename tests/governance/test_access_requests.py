"""The data-access-request register: recorded and decided with audit entries, refused when
malformed, published without private individuals' names or the free-text description."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from civitrace.governance import access_requests
from civitrace.governance.access_requests import NewRequest, decide, record_request
from civitrace.governance.errors import AccessRequestError
from civitrace.governance.inventory import shipped_inventory
from civitrace.server.db.governance_models import AuditEntry

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ACTOR = "staff:ada (admin)"
POLICE = NewRequest(
    requester="Metropolitan Police",
    requester_type="police",
    legal_basis_claimed="Criminal procedure code s. 94",
    data_requested="Check-ins of the suspect John Smith at the Blue Bar",
    categories=["checkin_reports", "kiosk_slips"],
)
PERSON = NewRequest(
    requester="Jane Doe",
    requester_type="other",
    legal_basis_claimed="Freedom of information act",
    data_requested="Whether my neighbour tested positive",
    categories=["cases"],
    requester_is_individual=True,
)


def _record(session: Session, request: NewRequest, at: datetime = T0) -> int:
    row = record_request(
        session, request, received_at=at, actor=ACTOR, now=at, inventory=shipped_inventory()
    )
    return row.id


def test_requests_are_recorded_decided_and_audited(session: Session) -> None:
    police = _record(session, POLICE)
    person = _record(session, PERSON)
    decide(session, police, decision="refused", reason="No court order", actor=ACTOR, now=T0)
    session.commit()
    actions = list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.sequence)))
    assert actions == [
        "access_request.recorded",
        "access_request.recorded",
        "access_request.decided",
    ]
    stats = access_requests.statistics(session)
    assert stats["police"] == {"granted": 0, "partial": 0, "refused": 1, "pending": 0}
    assert stats["other"]["pending"] == 1
    assert stats["company"] == dict.fromkeys(("granted", "partial", "refused", "pending"), 0)
    with pytest.raises(AccessRequestError, match="already decided"):
        decide(session, police, decision="granted", reason="changed mind", actor=ACTOR, now=T0)
    assert person


def test_the_public_register_names_no_individual_and_quotes_no_request(session: Session) -> None:
    _record(session, POLICE)
    person = _record(session, PERSON, T0 + timedelta(hours=3, minutes=7))
    decide(
        session,
        person,
        decision="refused",
        reason="Not our data",
        actor=ACTOR,
        now=T0 + timedelta(days=2),
    )
    session.commit()
    register = access_requests.public_register(session)
    published = repr(register)
    assert "Jane Doe" not in published
    assert "John Smith" not in published
    assert "neighbour" not in published
    assert register[0]["requester"] == "Metropolitan Police"
    assert register[0]["categoriesRequested"] == ["checkin_reports", "kiosk_slips"]
    assert register[1] == {
        "id": person,
        "receivedOn": "2026-03-02",
        "requesterType": "other",
        "requester": None,
        "requesterIsIndividual": True,
        "legalBasisClaimed": "Freedom of information act",
        "categoriesRequested": ["cases"],
        "decision": "refused",
        "reason": "Not our data",
        "decidedOn": "2026-03-04",
    }


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"requester_type": "journalist"}, "requester_type"),
        ({"requester": "  "}, "requester"),
        ({"requester": "x" * 201}, "requester"),
        ({"legal_basis_claimed": ""}, "legal_basis_claimed"),
        ({"data_requested": "a\x00b"}, "data_requested"),
        ({"categories": ["phone_numbers"]}, "categories"),
        ({"categories": ["Not A Name"]}, "categories"),
    ],
)
def test_malformed_requests_are_refused_naming_the_field(
    session: Session, changes: dict[str, object], field: str
) -> None:
    request = NewRequest(**{**_fields(POLICE), **changes})  # type: ignore[arg-type]
    with pytest.raises(AccessRequestError, match=rf"^{field}"):
        _record(session, request)


def _fields(request: NewRequest) -> dict[str, object]:
    return {
        "requester": request.requester,
        "requester_type": request.requester_type,
        "legal_basis_claimed": request.legal_basis_claimed,
        "data_requested": request.data_requested,
        "categories": list(request.categories),
        "requester_is_individual": request.requester_is_individual,
    }


def test_dates_and_decisions_are_checked(session: Session) -> None:
    with pytest.raises(AccessRequestError, match=r"^received_at: must not be in the future"):
        record_request(session, POLICE, received_at=T0 + timedelta(days=1), actor=ACTOR, now=T0)
    with pytest.raises(AccessRequestError, match=r"^received_at: must include a time zone"):
        record_request(session, POLICE, received_at=datetime(2026, 1, 1), actor=ACTOR, now=T0)
    police = _record(session, POLICE)
    with pytest.raises(AccessRequestError, match=r"^decision: must be one of"):
        decide(session, police, decision="maybe", reason="r", actor=ACTOR, now=T0)
    with pytest.raises(AccessRequestError, match=r"^reason"):
        decide(session, police, decision="granted", reason=" ", actor=ACTOR, now=T0)
    with pytest.raises(AccessRequestError, match=r"^decided_at"):
        decide(session, police, decision="granted", reason="ok", actor=ACTOR, now=T0 - timedelta(1))
    with pytest.raises(AccessRequestError, match="no such request"):
        decide(session, 4242, decision="granted", reason="ok", actor=ACTOR, now=T0)
