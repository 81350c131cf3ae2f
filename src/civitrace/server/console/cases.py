"""The case workflow, data-minimized: open, issue a verification code, attach and decide the
person's shared check-ins, close.

A case is a random reference plus what a verification code needs (test type, test day, symptom
onset). Who the person is stays in the health authority's own records, outside civitrace.

Check-in report submissions arrive without any link to a person or a code (the presence
protocol makes sure of that), so the console cannot know which submission is whose. It shows a
case the pending submissions that arrived while that case's code could have produced them
(from its issue until the code, the token and the certificate have all expired), and a case
worker attaches the one the person confirms they just shared. Approving publishes its
reports as venue warnings; rejecting discards them.
"""

import uuid
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any, Final

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from civitrace.server.console import auditing, references
from civitrace.server.console.errors import ConflictError, ConsoleInputError, NotFoundError
from civitrace.server.console.service import ConsoleServices
from civitrace.server.db.console_models import (
    CASE_TEST_TYPES,
    Case,
    CaseStatus,
    CaseSubmission,
    StaffAccount,
)
from civitrace.server.db.models import ApiKey
from civitrace.server.db.presence_models import CheckInSubmission, SubmissionStatus
from civitrace.server.errors import StorageError
from civitrace.server.presence.submissions import summary
from civitrace.server.settings import MAX_ALLOWED_PAST_DAYS
from civitrace.server.verification.schemas import IssueCodeRequest

MAX_LISTED: Final = 500  # cases on one page
REFERENCE_PREFIX: Final = "C"
_ATTEMPTS: Final = 5  # fresh references drawn before giving up (40 bits: never needed twice)


def parse_day(value: str | None, field: str, *, required: bool) -> date | None:
    """A ``YYYY-MM-DD`` day from a form, or ConsoleInputError naming the field."""
    text = (value or "").strip()
    if not text:
        if required:
            raise ConsoleInputError(f"{field}: is required")
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ConsoleInputError(f"{field}: must be a date (YYYY-MM-DD)") from None


def _check_days(test_day: date, onset: date | None, today: date) -> None:
    oldest = today - timedelta(days=MAX_ALLOWED_PAST_DAYS)
    if not oldest <= test_day <= today:
        raise ConsoleInputError(
            f"test_date: must be within the last {MAX_ALLOWED_PAST_DAYS} days, not in the future"
        )
    if onset is not None and not oldest <= onset <= today:
        raise ConsoleInputError(
            f"symptom_onset: must be within the last {MAX_ALLOWED_PAST_DAYS} days, not in the "
            "future"
        )


def open_case(
    session: Session,
    services: ConsoleServices,
    staff: StaffAccount,
    *,
    test_type: str,
    test_date: str | None,
    symptom_onset: str | None,
) -> Case:
    """A new open case (committed, with its audit entry)."""
    now = services.now()
    kind = test_type.strip().lower()
    if kind not in CASE_TEST_TYPES:
        raise ConsoleInputError(f"test_type: must be one of {', '.join(CASE_TEST_TYPES)}")
    test_day = parse_day(test_date, "test_date", required=True)
    onset = parse_day(symptom_onset, "symptom_onset", required=False)
    assert test_day is not None
    _check_days(test_day, onset, now.date())
    for _attempt in range(_ATTEMPTS):
        reference = references.reference(REFERENCE_PREFIX)
        if session.scalar(select(Case.id).where(Case.reference == reference)) is None:
            break
    else:
        raise StorageError("could not draw an unused case reference")
    case = Case(
        health_authority_id=staff.health_authority_id,
        reference=reference,
        test_type=kind,
        test_date=test_day,
        symptom_onset=onset,
        status=CaseStatus.OPEN.value,
        opened_at=now,
        closed_at=None,
        code_uuid=None,
        code_issued_at=None,
    )
    session.add(case)
    session.flush()
    auditing.record(session, staff, "case.opened", f"case:{reference}", now=now)
    session.commit()
    return case


def get_case(session: Session, staff: StaffAccount, reference: str) -> Case:
    """The authority's case with this reference, or NotFoundError."""
    case = session.scalars(
        select(Case).where(
            Case.reference == reference.strip().upper(),
            Case.health_authority_id == staff.health_authority_id,
        )
    ).one_or_none()
    if case is None:
        raise NotFoundError(f"reference: no case {reference.strip()[:20]!r}")
    return case


def list_cases(session: Session, staff: StaffAccount, status: str | None) -> Sequence[Case]:
    """The authority's cases, newest first, optionally of one status."""
    query = select(Case).where(Case.health_authority_id == staff.health_authority_id)
    if status in {CaseStatus.OPEN, CaseStatus.CLOSED}:
        query = query.where(Case.status == status)
    return session.scalars(query.order_by(Case.opened_at.desc()).limit(MAX_LISTED)).all()


def _require_open(case: Case) -> None:
    if case.status != CaseStatus.OPEN:
        raise ConflictError(f"reference: case {case.reference} is closed")


def issue_code(
    session: Session, services: ConsoleServices, staff: StaffAccount, case: Case
) -> dict[str, Any]:
    """A verification code for ``case``, issued in-process by the service behind ``/api/issue``.

    The case's update and the audit entry commit in the same transaction as the code. Only the
    code's uuid is kept with the case; the code itself is shown once and never stored.
    """
    _require_open(case)
    now = services.now()
    code_id = str(uuid.uuid4())
    try:
        request = IssueCodeRequest.model_validate(
            {
                "testType": case.test_type,
                "testDate": case.test_date.isoformat(),
                "symptomDate": case.symptom_onset.isoformat() if case.symptom_onset else None,
                "uuid": code_id,
            }
        )
    except ValidationError as exc:  # the case's own values: only a bug could get here
        raise ConsoleInputError(f"test_date: {exc.errors()[0]['msg']}") from None
    case.code_uuid = code_id
    case.code_issued_at = now
    auditing.record(session, staff, "case.code_issued", f"case:{case.reference}", now=now)
    key = ApiKey(health_authority_id=staff.health_authority_id)  # transient: never stored
    try:
        issued = services.verifier.issue(session, key, request)  # commits the whole transaction
    except Exception:
        session.rollback()
        raise
    return issued


def close_case(
    session: Session, services: ConsoleServices, staff: StaffAccount, case: Case
) -> None:
    """Close the case; its retention starts now."""
    _require_open(case)
    now = services.now()
    case.status = CaseStatus.CLOSED.value
    case.closed_at = now
    auditing.record(session, staff, "case.closed", f"case:{case.reference}", now=now)
    session.commit()


# -- shared check-ins --------------------------------------------------------------------------


def candidate_window(services: ConsoleServices, case: Case) -> tuple[datetime, datetime] | None:
    """When a submission made with this case's code can have arrived, or None without a code.

    From the issue (less publish's truncation window, as arrival times are rounded down) until
    the long code, the token and the certificate have all run out.
    """
    if case.code_issued_at is None:
        return None
    verification = services.verifier.settings
    truncation = services.presence.submissions.publish.truncate_window
    start = case.code_issued_at - truncation
    end = (
        case.code_issued_at
        + verification.long_code_ttl
        + verification.token_ttl
        + verification.certificate_ttl
    )
    return start, end


def linked(session: Session, case: Case) -> list[dict[str, Any]]:
    """The submissions attached to ``case`` (counts and dates, as staff see them)."""
    rows = session.scalars(
        select(CheckInSubmission)
        .join(CaseSubmission, CaseSubmission.submission_id == CheckInSubmission.id)
        .where(CaseSubmission.case_id == case.id)
        .order_by(CheckInSubmission.submitted_at)
    )
    return [summary(row) for row in rows]


def candidates(session: Session, services: ConsoleServices, case: Case) -> list[dict[str, Any]]:
    """Pending, unattached submissions of the authority that this case's code could have made."""
    window = candidate_window(services, case)
    if window is None or case.status != CaseStatus.OPEN:
        return []
    attached = select(CaseSubmission.submission_id)
    rows = session.scalars(
        select(CheckInSubmission)
        .where(
            CheckInSubmission.health_authority_id == case.health_authority_id,
            CheckInSubmission.status == SubmissionStatus.PENDING.value,
            CheckInSubmission.submitted_at >= window[0],
            CheckInSubmission.submitted_at <= window[1],
            CheckInSubmission.id.not_in(attached),
        )
        .order_by(CheckInSubmission.submitted_at)
        .limit(MAX_LISTED)
    )
    return [summary(row) for row in rows]


def _submission(session: Session, staff: StaffAccount, submission_id: str) -> CheckInSubmission:
    row = session.get(CheckInSubmission, submission_id.strip().lower())
    if row is None or row.health_authority_id != staff.health_authority_id:
        raise NotFoundError(f"submission: no submission {submission_id.strip()[:40]!r}")
    return row


def attach(
    session: Session,
    services: ConsoleServices,
    staff: StaffAccount,
    case: Case,
    submission_id: str,
) -> None:
    """Attach a pending submission to ``case`` (the person confirmed it is theirs)."""
    _require_open(case)
    row = _submission(session, staff, submission_id)
    if row.status != SubmissionStatus.PENDING:
        raise ConflictError(f"submission: it was already {row.status}")
    owner = session.scalar(
        select(CaseSubmission.case_id).where(CaseSubmission.submission_id == row.id)
    )
    if owner is not None:
        raise ConflictError("submission: it is attached to a case already")
    now = services.now()
    session.add(CaseSubmission(case_id=case.id, submission_id=row.id, linked_at=now))
    auditing.record(
        session,
        staff,
        "case.submission_attached",
        f"case:{case.reference}",
        {"submission": row.id},
        now=now,
    )
    session.commit()


def case_of(session: Session, submission_id: str) -> Case | None:
    """The case a submission is attached to, if any."""
    return session.scalars(
        select(Case)
        .join(CaseSubmission, CaseSubmission.case_id == Case.id)
        .where(CaseSubmission.submission_id == submission_id)
    ).one_or_none()


def decide(
    session: Session,
    services: ConsoleServices,
    staff: StaffAccount,
    submission_id: str,
    *,
    approve: bool,
) -> dict[str, Any]:
    """Approve (publish as venue warnings) or reject (discard) a pending submission.

    The audit entry is written first and committed by the presence service together with the
    decision, so a decision never exists without its entry, nor the other way round.
    """
    row = _submission(session, staff, submission_id)
    now = services.now()
    case = case_of(session, row.id)
    details = {"case": case.reference} if case is not None else {}
    action = "submission.approved" if approve else "submission.rejected"
    auditing.record(session, staff, action, f"submission:{row.id}", details, now=now)
    reviewer = services.presence.submissions
    try:
        if approve:
            return reviewer.approve(session, staff.health_authority_id, row.id)
        return reviewer.reject(session, staff.health_authority_id, row.id)
    except Exception:
        session.rollback()
        raise


def pending(session: Session, staff: StaffAccount) -> list[dict[str, Any]]:
    """The authority's submissions awaiting a decision, oldest first, with their case."""
    rows = session.execute(
        select(CheckInSubmission, Case.reference)
        .outerjoin(CaseSubmission, CaseSubmission.submission_id == CheckInSubmission.id)
        .outerjoin(Case, Case.id == CaseSubmission.case_id)
        .where(
            CheckInSubmission.health_authority_id == staff.health_authority_id,
            CheckInSubmission.status == SubmissionStatus.PENDING.value,
        )
        .order_by(CheckInSubmission.submitted_at, CheckInSubmission.id)
        .limit(MAX_LISTED)
    )
    return [{**summary(row), "case": reference} for row, reference in rows]
