"""The console's part of ``civitrace serve --demo``: one staff account per role, a few cases,
a follow-up that asked for help, and their audit entries.

Like the demo's API keys, passwords are known only when set: on a re-run the passwords in an
existing ``demo.json`` are reused when they still verify, otherwise the account's password is
reset to a new random one. Cases, the follow-up and their audit entries are created once (when
the demo authority has no case yet); the follow-up's code is kept in ``demo.json`` while it
still opens an active follow-up.
"""

import secrets
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from civitrace.server.console import accounts, auditing, followups, references
from civitrace.server.console.passwords import Passwords
from civitrace.server.db.console_models import (
    Case,
    CaseStatus,
    QuarantineCheckin,
    QuarantineFollowup,
    StaffRole,
)
from civitrace.server.db.models import HealthAuthority

DEMO_ACTOR: Final = "system"  # who created the demo's records in the audit log
STAFF_PREFIX: Final = "demo-"  # demo-admin, demo-case-worker, …


def _password() -> str:
    return secrets.token_urlsafe(15)  # 20 characters


def seed_staff(
    session: Session,
    passwords: Passwords,
    authority: HealthAuthority,
    stored: Mapping[str, Any],
    now: datetime,
) -> dict[str, dict[str, str]]:
    """One account per role: ``{role: {"username", "password"}}`` for ``demo.json``."""
    seeded: dict[str, dict[str, str]] = {}
    for role in StaffRole:
        username = f"{STAFF_PREFIX}{role.value}"
        known = stored.get(role.value)
        known_password = known.get("password") if isinstance(known, Mapping) else None
        account = accounts.find(session, username)
        if account is None:
            password = _password()
            account = accounts.create(
                session,
                passwords,
                authority,
                username=username,
                role=role.value,
                password=password,
                now=now,
            )
            auditing.record(
                session, DEMO_ACTOR, "staff.added", f"staff:{username}", {"demo": True}, now=now
            )
        elif isinstance(known_password, str) and passwords.verify(
            account.password_hash, known_password
        ):
            password = known_password
        else:
            password = _password()
            accounts.set_password(session, passwords, account, password, now=now)
        account.disabled_at = None
        account.locked_until = None
        seeded[role.value] = {"username": username, "password": password}
    return seeded


def _case(
    session: Session, authority: HealthAuthority, now: datetime, *, days_ago: int, kind: str
) -> Case:
    case = Case(
        health_authority_id=authority.id,
        reference=references.reference("C"),
        test_type=kind,
        test_date=(now - timedelta(days=days_ago)).date(),
        symptom_onset=(now - timedelta(days=days_ago + 2)).date(),
        status=CaseStatus.OPEN.value,
        opened_at=now,
        closed_at=None,
        code_uuid=None,
        code_issued_at=None,
    )
    session.add(case)
    session.flush()
    return case


def seed_cases(
    session: Session, authority: HealthAuthority, case_worker: str, now: datetime
) -> list[str]:
    """Three cases (two open, one closed) once; the references of the authority's cases."""
    existing = session.scalars(
        select(Case.reference)
        .where(Case.health_authority_id == authority.id)
        .order_by(Case.opened_at, Case.id)
    ).all()
    if existing:
        return list(existing)
    actor = f"staff:{case_worker} ({StaffRole.CASE_WORKER.value})"
    made = [
        _case(session, authority, now, days_ago=1, kind="confirmed"),
        _case(session, authority, now, days_ago=2, kind="likely"),
        _case(session, authority, now, days_ago=6, kind="confirmed"),
    ]
    for case in made:
        auditing.record(session, actor, "case.opened", f"case:{case.reference}", now=now)
    closed = made[-1]
    closed.status, closed.closed_at = CaseStatus.CLOSED.value, now
    auditing.record(session, actor, "case.closed", f"case:{closed.reference}", now=now)
    return [case.reference for case in made]


def seed_followup(
    session: Session,
    authority: HealthAuthority,
    case_worker: str,
    stored: Mapping[str, Any],
    now: datetime,
) -> dict[str, str]:
    """A follow-up whose person asked for food today: ``{"reference", "code"}``."""
    code = stored.get("code")
    if isinstance(code, str):
        found = followups.by_code(session, code)
        if found is not None and followups.is_active(found, now):
            return {"reference": found.reference, "code": references.normalize_code(code)}
    code = references.new_code()
    followup = QuarantineFollowup(
        health_authority_id=authority.id,
        reference=references.reference("F"),
        token_hash=references.code_hash(code),
        enrolled_at=now,
        ends_at=now + timedelta(days=10),
        stopped=False,
    )
    session.add(followup)
    session.flush()
    session.add(
        QuarantineCheckin(
            followup_id=followup.id,
            day=now.date(),
            feeling="unwell",
            symptoms="cough,tiredness",
            needs_food=True,
            needs_medicine=False,
            needs_help=False,
            handled_at=None,
        )
    )
    actor = f"staff:{case_worker} ({StaffRole.CASE_WORKER.value})"
    auditing.record(
        session, actor, "followup.enrolled", f"followup:{followup.reference}", {"days": 10}, now=now
    )
    return {"reference": followup.reference, "code": code}


def seed_console(
    session: Session,
    passwords: Passwords,
    authority: HealthAuthority,
    stored: Mapping[str, Any],
    now: datetime,
) -> dict[str, Any]:
    """Everything the console's demo needs, as the ``demo.json`` keys it adds (uncommitted)."""
    staff_stored = stored.get("staff")
    staff = seed_staff(
        session,
        passwords,
        authority,
        staff_stored if isinstance(staff_stored, Mapping) else {},
        now,
    )
    case_worker = staff[StaffRole.CASE_WORKER.value]["username"]
    followup_stored = stored.get("followup")
    return {
        "staff": staff,
        "cases": seed_cases(session, authority, case_worker, now),
        "followup": seed_followup(
            session,
            authority,
            case_worker,
            followup_stored if isinstance(followup_stored, Mapping) else {},
            now,
        ),
    }
