"""The case workflow through the console's pages: open, issue a code (the verification service
behind /api/issue, in-process), attach and decide shared check-ins, warn a venue on the
owner's behalf, close; every step audited; everything deleted at its declared retention."""

import re
from datetime import timedelta

from sqlalchemy import func, select

from civitrace.governance.enforce import enforce
from civitrace.governance.inventory import shipped_inventory
from civitrace.governance.settings import GovernanceSettings
from civitrace.governance.tags import check_tags
from civitrace.presence.payload import TraceLocationType, Venue
from civitrace.presence.url import check_in_url
from civitrace.server.apikeys import create_api_key
from civitrace.server.db import Base
from civitrace.server.db.console_models import Case, CaseSubmission, StaffRole
from civitrace.server.db.governance_models import AuditEntry
from civitrace.server.db.models import ApiKey, ApiKeyType, HealthAuthority, VerificationCode
from civitrace.server.db.presence_models import CheckInReport, CheckInSubmission, VenueWarning
from civitrace.server.settings import Settings
from tests.server.test_console_basics import (
    PASSWORD,
    Console,
    add_authority,
    add_staff,
    add_submission,
    console,
    csrf_of,
)

__all__ = ["console"]

CONSOLE_TABLES = (
    "staff_accounts",
    "staff_sessions",
    "staff_login_failures",
    "cases",
    "case_submissions",
    "quarantine_followups",
    "quarantine_checkins",
)


def open_case(console: Console, **fields: str) -> str:
    form = {"test_type": "confirmed", "test_date": console.clock.now.date().isoformat(), **fields}
    response = console.post("/console/cases", form)
    assert response.status_code == 303, response.text
    return str(response.headers["location"].rsplit("/", 1)[1])


def audit_actions(console: Console) -> list[tuple[str, str]]:
    with console.session() as session:
        rows = session.scalars(select(AuditEntry).order_by(AuditEntry.sequence))
        return [(row.action, row.object) for row in rows]


def device_key(console: Console) -> dict[str, str]:
    """A DEVICE API key of the console's authority (what the person's app holds)."""
    with console.session() as session:
        authority = session.get_one(HealthAuthority, console.authority_id)
        issued = create_api_key(session, authority, ApiKeyType.DEVICE, "test app")
        session.commit()
        return {"X-API-Key": issued.plaintext}


def test_the_whole_case_workflow(console: Console) -> None:
    app_key = device_key(console)
    console.login(StaffRole.CASE_WORKER)
    onset = (console.clock.now.date() - timedelta(days=2)).isoformat()
    reference = open_case(console, symptom_onset=onset)
    assert re.fullmatch(r"C-[0-9A-Z]{8}", reference)
    page = console.get(f"/console/cases/{reference}")
    assert page.status_code == 200
    assert reference in page.text

    issued = console.post(f"/console/cases/{reference}/code")
    assert issued.status_code == 200
    assert issued.headers["cache-control"] == "no-store"
    code = re.search(r'data-testid="short-code">(\d{8})<', issued.text)
    assert code is not None
    with console.session() as session:
        case = session.scalars(select(Case)).one()
        row = session.scalars(
            select(VerificationCode).where(VerificationCode.uuid == case.code_uuid)
        ).one()
        assert row.test_type == "confirmed"
        assert row.symptom_date is not None
        assert row.symptom_date.isoformat() == onset
        assert code.group(1).encode() not in row.code_hmac
        assert session.scalar(select(func.count()).select_from(ApiKey)) == 1  # none added
    # the code works for the person's app, exactly as one from POST /api/issue
    verified = console.client.post("/api/verify", json={"code": code.group(1)}, headers=app_key)
    assert verified.status_code == 200, verified.text
    console.login(StaffRole.CASE_WORKER)

    submission, _venue = add_submission(console)
    unrelated, _other = add_submission(console, at=console.clock.now - timedelta(days=3))
    page = console.get(f"/console/cases/{reference}").text
    assert submission in page  # arrived after the code: a candidate
    assert unrelated not in page  # before the code was issued: not this case's
    assert (
        console.post(f"/console/cases/{reference}/attach", {"submission": submission}).status_code
        == 303
    )
    again = console.post(f"/console/cases/{reference}/attach", {"submission": submission})
    assert again.status_code == 409

    approved = console.post(f"/console/submissions/{submission}/approve")
    assert approved.status_code == 303
    assert approved.headers["location"] == f"/console/cases/{reference}"
    with console.session() as session:
        status = session.get_one(CheckInSubmission, submission).status
        warnings = session.scalar(select(func.count()).select_from(VenueWarning))
        left = session.scalar(
            select(func.count())
            .select_from(CheckInReport)
            .where(CheckInReport.submission_id == submission)
        )
    assert status == "approved"
    assert warnings is not None
    assert warnings > 0
    assert left == 0
    assert console.post(f"/console/submissions/{submission}/approve").status_code == 409

    console.login(StaffRole.VENUE_TRACER)
    assert console.post(f"/console/submissions/{unrelated}/reject").status_code == 303
    assert console.post(f"/console/cases/{reference}/close").status_code == 403

    console.login(StaffRole.CASE_WORKER)
    assert console.post(f"/console/cases/{reference}/close").status_code == 303
    assert console.post(f"/console/cases/{reference}/code").status_code == 409
    assert "Closed" in console.get(f"/console/cases/{reference}").text

    target = f"case:{reference}"
    assert [a for a in audit_actions(console) if a[1] in {target, f"submission:{submission}"}] == [
        ("case.opened", target),
        ("case.code_issued", target),
        ("case.submission_attached", target),
        ("submission.approved", f"submission:{submission}"),
        ("case.closed", target),
    ]


def test_a_refused_code_leaves_no_trace(console: Console) -> None:
    console.login(StaffRole.CASE_WORKER)
    reference = open_case(console)
    with console.session() as session:
        case = session.scalars(select(Case)).one()
        case.test_date = console.clock.now.date() - timedelta(days=40)  # too old to issue
        session.commit()
    refused = console.post(f"/console/cases/{reference}/code")
    assert refused.status_code == 400
    assert "testDate" in refused.text
    with console.session() as session:
        assert session.scalars(select(Case)).one().code_uuid is None
        assert session.scalar(select(func.count()).select_from(VerificationCode)) == 0
    assert ("case.code_issued", f"case:{reference}") not in audit_actions(console)


def test_case_form_errors_name_the_field(console: Console) -> None:
    console.login(StaffRole.CASE_WORKER)
    future = (console.clock.now.date() + timedelta(days=3)).isoformat()
    for form, field in (
        ({"test_type": "negative"}, "test_type"),
        ({"test_date": "yesterday"}, "test_date"),
        ({"test_date": future}, "test_date"),
        ({"symptom_onset": "2001-01-01"}, "symptom_onset"),
    ):
        response = console.post(
            "/console/cases",
            {"test_type": "confirmed", "test_date": console.clock.now.date().isoformat(), **form},
        )
        assert response.status_code == 400, form
        assert f"{field}:" in response.text  # the detail names the field
        assert re.search(rf'name="{field}"[^>]*aria-invalid="true"', response.text), field
    assert console.get("/console/cases/C-ZZZZZZZZ").status_code == 404
    assert console.get("/console/cases/not-a-reference").status_code == 400


def test_cases_of_another_authority_are_invisible(console: Console, settings: Settings) -> None:
    console.login(StaffRole.CASE_WORKER)
    reference = open_case(console)
    other = add_authority(console.engine, settings, "Elsewhere")
    add_staff(console.engine, other.id, StaffRole.CASE_WORKER, "elsewhere-worker")
    console.client.cookies.clear()
    form = console.client.get("/console/login").text
    console.client.post(
        "/console/login",
        data={"csrf_token": csrf_of(form), "username": "elsewhere-worker", "password": PASSWORD},
    )
    console.csrf = csrf_of(console.get("/console/").text)
    assert console.get(f"/console/cases/{reference}").status_code == 404
    assert reference not in console.get("/console/cases").text


def test_on_behalf_warning(console: Console) -> None:
    venue = Venue.create(
        "Bar Nord",
        "2 North Road",
        type=TraceLocationType.PERMANENT_FOOD_SERVICE,
        default_check_in_length_minutes=60,
    )
    link = check_in_url(venue.raw, "checkin.example")
    console.login(StaffRole.VENUE_TRACER)
    assert console.get("/console/warnings").status_code == 200
    day = (console.clock.now - timedelta(days=1)).date().isoformat()
    form = {
        "venue": link,
        "day": day,
        "start_time": "18:00",
        "end_time": "21:30",
        "utc_offset": "120",
        "risk_level": "7",
    }
    published = console.post("/console/warnings", form)
    assert published.status_code == 200, published.text
    assert "Bar Nord" in published.text
    with console.session() as session:
        rows = session.scalars(select(VenueWarning)).all()
    assert rows
    assert {row.location_id_hash for row in rows} == {venue.location_id_hash}
    assert audit_actions(console)[-1] == (
        "warning.published",
        f"venue:{venue.location_id_hash.hex()}",
    )

    for bad, field in (
        ({"venue": "https://example.org/nothing"}, "venue"),
        ({"risk_level": "2"}, "risk_level"),
        ({"start_time": "25:00"}, "start_time"),
        ({"day": (console.clock.now + timedelta(days=2)).date().isoformat()}, "end_time"),
        ({"utc_offset": "9999"}, "utc_offset"),
    ):
        response = console.post("/console/warnings", {**form, **bad})
        assert response.status_code == 400, (bad, response.text)
        assert link not in response.text  # the venue's code is never echoed
        assert field in response.text


def test_console_tables_declare_their_categories() -> None:
    problems = check_tags(Base.metadata, shipped_inventory())
    assert [p for p in problems if any(f"table {name}:" in p for name in CONSOLE_TABLES)] == []
    for name in CONSOLE_TABLES:
        assert Base.metadata.tables[name].info["data_category"]


def test_closed_cases_are_deleted_at_their_retention(console: Console) -> None:
    console.login(StaffRole.CASE_WORKER)
    closed = open_case(console)
    still_open = open_case(console)
    submission, _venue = add_submission(console)
    console.post(f"/console/cases/{closed}/code")
    console.post(f"/console/cases/{closed}/attach", {"submission": submission})
    console.post(f"/console/cases/{closed}/close")
    retention = shipped_inventory().get("cases")
    assert retention is not None
    assert retention.retention is not None
    before = console.clock.now + retention.retention - timedelta(minutes=1)
    enforce(console.engine, GovernanceSettings(), now=before)
    with console.session() as session:
        assert len(session.scalars(select(Case)).all()) == 2
    after = console.clock.now + retention.retention + timedelta(minutes=1)
    enforce(console.engine, GovernanceSettings(), now=after)
    with console.session() as session:
        remaining = [case.reference for case in session.scalars(select(Case))]
        links = session.scalar(select(func.count()).select_from(CaseSubmission))
    assert remaining == [still_open]  # an open case's clock has not started
    assert links == 0
