"""One factory per table that enforcement deletes from: it stores one record whose retention
clock starts at ``at`` (with any parent rows it needs) and returns the record's primary key.

The per-table privacy test (``test_privacy_per_category.py``) fails, naming the table, when a
table holding personal data (or declaring a retention column) has no factory here. Each area
may keep its factories next to its own tests instead: a module ``tests/<area>/
governance_factories.py`` that registers with :func:`factory` is imported by
:func:`load_factories`.
"""

import importlib
import pkgutil
import secrets
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Final, cast

from sqlalchemy import CursorResult, insert
from sqlalchemy.orm import Session

from civitrace.governance import access_requests, audit
from civitrace.server.db.models import (
    ApiKey,
    ApiKeyType,
    Base,
    Exposure,
    FailedGuess,
    HealthAuthority,
    Token,
    VerificationCode,
)

Factory = Callable[[Session, datetime], dict[str, Any]]
FACTORIES: dict[str, Factory] = {}
AREA_MODULE: Final = "governance_factories"


def factory(table: str) -> Callable[[Factory], Factory]:
    """Register ``function`` as the factory of ``table`` (one per table)."""

    def register(function: Factory) -> Factory:
        if table in FACTORIES and FACTORIES[table] is not function:
            raise ValueError(f"two factories for table {table}")
        FACTORIES[table] = function
        return function

    return register


def load_factories() -> dict[str, Factory]:
    """This module's factories and every ``tests/<area>/governance_factories.py``'s."""
    tests_dir = Path(__file__).resolve().parents[1]
    for area in pkgutil.iter_modules([str(tests_dir)]):
        if area.ispkg and (tests_dir / area.name / f"{AREA_MODULE}.py").is_file():
            importlib.import_module(f"tests.{area.name}.{AREA_MODULE}")
    return FACTORIES


def health_authority(session: Session, at: datetime) -> HealthAuthority:
    """A parent row (operational, never deleted by retention)."""
    row = HealthAuthority(
        name=f"HA {uuid.uuid4().hex[:12]}",
        regions="ZZ",
        certificate_issuer="iss",
        certificate_audience="aud",
        created_at=at,
    )
    session.add(row)
    session.flush()
    return row


@factory("exposures")
def _exposure(session: Session, at: datetime) -> dict[str, Any]:
    key = secrets.token_bytes(16)
    session.add(
        Exposure(
            exposure_key=key,
            transmission_risk=2,
            regions="ZZ",
            interval_number=2_950_000,
            interval_count=144,
            created_at=at,
        )
    )
    return {"exposure_key": key}


@factory("verification_codes")
def _code(session: Session, at: datetime) -> dict[str, Any]:
    ha = health_authority(session, at)
    row = VerificationCode(
        uuid=str(uuid.uuid4()),
        health_authority_id=ha.id,
        code_hmac=secrets.token_bytes(32),
        long_code_hmac=secrets.token_bytes(32),
        test_type="confirmed",
        expires_at=at,
        long_expires_at=at,
    )
    session.add(row)
    session.flush()
    return {"id": row.id}


@factory("tokens")
def _token(session: Session, at: datetime) -> dict[str, Any]:
    ha = health_authority(session, at)
    row = Token(
        jti=uuid.uuid4().hex, health_authority_id=ha.id, test_type="confirmed", expires_at=at
    )
    session.add(row)
    session.flush()
    return {"id": row.id}


@factory("failed_guesses")
def _failed_guess(session: Session, at: datetime) -> dict[str, Any]:
    ha = health_authority(session, at)
    key = ApiKey(
        health_authority_id=ha.id,
        name="app",
        key_type=ApiKeyType.DEVICE.value,
        prefix=secrets.token_hex(6),
        key_hash=secrets.token_bytes(32),
        created_at=at,
    )
    session.add(key)
    session.flush()
    session.add(FailedGuess(api_key_id=key.id, window_start=at, count=3))
    return {"api_key_id": key.id, "window_start": at}


@factory("audit_log")
def _audit_entry(session: Session, at: datetime) -> dict[str, Any]:
    row = audit.append(
        session, "staff:tester (auditor)", "test.recorded", "case:1", {"n": 1}, now=at
    )
    return {"sequence": row.sequence}


@factory("access_requests")
def _access_request(session: Session, at: datetime) -> dict[str, Any]:
    row = access_requests.record_request(
        session,
        access_requests.NewRequest(
            requester="Jane Doe",
            requester_type="other",
            legal_basis_claimed="Freedom of information act",
            data_requested="Every check-in of my neighbour",
            categories=["checkin_reports"],
            requester_is_individual=True,
        ),
        received_at=at,
        actor="staff:tester (admin)",
        now=at,
    )
    return {"id": row.id}


# --- presence (issue 5): written against the table columns, so a renamed class breaks nothing


def _insert(session: Session, table: str, **values: Any) -> Any:
    result = session.execute(insert(Base.metadata.tables[table]).values(**values))
    return cast("CursorResult[Any]", result).inserted_primary_key


def _report_fields() -> dict[str, bytes]:
    return {
        "location_id_hash": secrets.token_bytes(32),
        "iv": secrets.token_bytes(16),
        "encrypted_check_in_record": secrets.token_bytes(32),
        "mac": secrets.token_bytes(32),
    }


@factory("checkin_submissions")
def _submission(session: Session, at: datetime) -> dict[str, Any]:
    ha = health_authority(session, at)
    submission = str(uuid.uuid4())
    _insert(
        session,
        "checkin_submissions",
        id=submission,
        health_authority_id=ha.id,
        status="pending",
        report_type="confirmed",
        report_count=1,
        submitted_at=at,
    )
    return {"id": submission}


@factory("checkin_reports")
def _report(session: Session, at: datetime) -> dict[str, Any]:
    submission = _submission(session, at)["id"]
    key = _insert(
        session, "checkin_reports", submission_id=submission, submitted_at=at, **_report_fields()
    )
    return {"id": key[0]}


@factory("venue_warnings")
def _warning(session: Session, at: datetime) -> dict[str, Any]:
    key = _insert(session, "venue_warnings", region="ZZ", published_at=at, **_report_fields())
    return {"id": key[0]}


@factory("kiosk_slips")
def _slip(session: Session, at: datetime) -> dict[str, Any]:
    slip = secrets.token_bytes(32)
    _insert(
        session, "kiosk_slips", slip_id=slip, ciphertext=secrets.token_bytes(1052), uploaded_at=at
    )
    return {"slip_id": slip}


# --- console (issue 6): parents are made young (or open), so only the table's own clock runs

LATER: Final = timedelta(days=3650)  # a parent's clock starts long after the record's


def _account(session: Session, at: datetime, disabled_at: datetime | None) -> int:
    ha = health_authority(session, at)
    key = _insert(
        session,
        "staff_accounts",
        health_authority_id=ha.id,
        username=f"staff-{secrets.token_hex(6)}",
        role="case-worker",
        password_hash="$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA",
        failed_logins=0,
        created_at=at - timedelta(days=1),
        disabled_at=disabled_at,
    )
    return int(key[0])


@factory("staff_accounts")
def _staff_account(session: Session, at: datetime) -> dict[str, Any]:
    return {"id": _account(session, at, disabled_at=at)}


@factory("staff_sessions")
def _staff_session(session: Session, at: datetime) -> dict[str, Any]:
    account = _account(session, at, disabled_at=None)
    key = _insert(
        session,
        "staff_sessions",
        token_hash=secrets.token_bytes(32),
        account_id=account,
        stage="active",
        csrf_token=secrets.token_hex(16),
        created_at=at - timedelta(hours=8),
        last_seen_at=at,
        ends_at=at,
    )
    return {"id": key[0]}


def _case(session: Session, at: datetime, closed_at: datetime | None) -> int:
    ha = health_authority(session, at)
    key = _insert(
        session,
        "cases",
        health_authority_id=ha.id,
        reference=f"C-{secrets.token_hex(4).upper()}",
        test_type="confirmed",
        test_date=(at - timedelta(days=3)).date(),
        status="open" if closed_at is None else "closed",
        opened_at=at - timedelta(days=2),
        closed_at=closed_at,
    )
    return int(key[0])


@factory("cases")
def _closed_case(session: Session, at: datetime) -> dict[str, Any]:
    return {"id": _case(session, at, closed_at=at)}


@factory("case_submissions")
def _case_submission(session: Session, at: datetime) -> dict[str, Any]:
    case = _case(session, at, closed_at=None)
    submission = _submission(session, at + LATER)["id"]
    _insert(session, "case_submissions", case_id=case, submission_id=submission, linked_at=at)
    return {"case_id": case, "submission_id": submission}


def _followup(session: Session, at: datetime, ends_at: datetime) -> int:
    ha = health_authority(session, at)
    key = _insert(
        session,
        "quarantine_followups",
        health_authority_id=ha.id,
        reference=f"F-{secrets.token_hex(4).upper()}",
        token_hash=secrets.token_bytes(32),
        enrolled_at=at - timedelta(days=10),
        ends_at=ends_at,
    )
    return int(key[0])


@factory("quarantine_followups")
def _ended_followup(session: Session, at: datetime) -> dict[str, Any]:
    return {"id": _followup(session, at, ends_at=at)}


@factory("quarantine_checkins")
def _checkin(session: Session, at: datetime) -> dict[str, Any]:
    followup = _followup(session, at, ends_at=at + LATER)
    key = _insert(
        session,
        "quarantine_checkins",
        followup_id=followup,
        day=at.date(),  # the day starts at ``at`` when ``at`` is midnight UTC
        feeling="unwell",
        symptoms="fever",
        needs_food=True,
    )
    return {"id": key[0]}


# --- consultations (issue 9) ------------------------------------------------------------------


def _consult_session(session: Session, at: datetime) -> str:
    consultation = secrets.token_urlsafe(16)
    _insert(session, "consultations", id=consultation, title="Retention of cases", created_at=at)
    session_id = secrets.token_urlsafe(16)
    _insert(
        session,
        "consult_sessions",
        id=session_id,
        consultation_id=consultation,
        title="Evening session",
        language="en",
        table_size=6,
        status="open",
        facilitator_token_hash=secrets.token_bytes(32),
        moderator_token_hash=secrets.token_bytes(32),
        created_at=at,
    )
    return session_id


def _participant(session: Session, at: datetime, session_id: str | None = None) -> int:
    from civitrace.consult.groups import GROUPS  # noqa: PLC0415 - only when consult is there

    key = _insert(
        session,
        "consultation_participants",
        session_id=session_id or _consult_session(session, at),
        display_name="Ana",
        stakeholder_group=str(GROUPS[0]),
        language="en",
        token_hash=secrets.token_bytes(32),
        joined_at=at,
    )
    return int(key[0])


@factory("consultation_participants")
def _joined(session: Session, at: datetime) -> dict[str, Any]:
    return {"id": _participant(session, at)}


@factory("consult_poll_voters")
def _voter(session: Session, at: datetime) -> dict[str, Any]:
    session_id = _consult_session(session, at)
    participant = _participant(session, at + LATER, session_id)
    poll = _insert(
        session,
        "consult_polls",
        session_id=session_id,
        kind="single",
        question="Keep cases 60 days?",
        options='["yes", "no"]',
        max_choices=1,
        scale_min=1,
        scale_max=5,
        max_words=3,
        status="open",
        created_at=at,
        opened_at=at,
    )[0]
    _insert(session, "consult_poll_voters", poll_id=poll, participant_id=participant, joined_at=at)
    return {"poll_id": poll, "participant_id": participant}


def _question(session: Session, at: datetime, session_id: str, author: int | None) -> int:
    key = _insert(
        session,
        "consult_questions",
        session_id=session_id,
        author_id=author,
        text="Who reads the cases?",
        status="approved",
        submitted_at=at,
        approved_at=at,
        decided_at=at,
    )
    return int(key[0])


@factory("consult_questions")
def _asked(session: Session, at: datetime) -> dict[str, Any]:
    session_id = _consult_session(session, at)
    author = _participant(session, at + LATER, session_id)
    return {"id": _question(session, at, session_id, author)}


@factory("consult_question_upvotes")
def _upvote(session: Session, at: datetime) -> dict[str, Any]:
    session_id = _consult_session(session, at)
    participant = _participant(session, at + LATER, session_id)
    question = _question(session, at + LATER, session_id, None)
    _insert(
        session,
        "consult_question_upvotes",
        question_id=question,
        participant_id=participant,
        joined_at=at,
    )
    return {"question_id": question, "participant_id": participant}


# --- analytics (issue 8) ----------------------------------------------------------------------


@factory("usage_report_counts")
def _usage(session: Session, at: datetime) -> dict[str, Any]:
    flag = f"flag_{secrets.token_hex(4)}"
    _insert(
        session,
        "usage_report_counts",
        day=at.date(),  # the day starts at ``at`` when ``at`` is midnight UTC
        flag=flag,
        epsilon=1.0,
        reports=10,
        yes=4,
    )
    return {"day": at.date(), "flag": flag, "epsilon": 1.0}
