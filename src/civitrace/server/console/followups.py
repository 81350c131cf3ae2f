"""Voluntary quarantine follow-up: support, not enforcement.

A case worker enrols a contact and hands them a link or a printed code; there is no account,
no name, no phone number and never a location. Each day the person may say how they feel,
which symptoms they have (from a fixed list: no free text that could hold an address), and
whether they need food, medicine or a call; case workers see who asked for help and who has
not answered today, and mark help as given. The person may stop at any time.

The follow-up is known to the server by a random reference (which the case worker notes in the
health authority's own records) and the SHA-256 of the secret code (which only the person has).
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Final

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from civitrace.server.console import auditing, references
from civitrace.server.console.errors import ConflictError, ConsoleInputError, NotFoundError
from civitrace.server.console.service import ConsoleServices
from civitrace.server.console.settings import MAX_FOLLOWUP_DAYS
from civitrace.server.db.console_models import (
    Feeling,
    QuarantineCheckin,
    QuarantineFollowup,
    StaffAccount,
)
from civitrace.server.errors import StorageError

REFERENCE_PREFIX: Final = "F"
SYMPTOMS: Final = ("fever", "cough", "breathing", "taste-smell", "tiredness", "aches")
"""The symptoms a person can tick; the only symptom data ever stored."""
NEEDS: Final = ("food", "medicine", "help")
MAX_LISTED: Final = 500
_ATTEMPTS: Final = 5  # fresh references drawn before giving up (40 bits: never needed twice)


@dataclass(frozen=True, slots=True)
class Enrolled:
    """A new follow-up and the secret code for the person (known only now)."""

    followup: QuarantineFollowup
    code: str


@dataclass(frozen=True, slots=True)
class Overview:
    """One follow-up as the case workers' list shows it."""

    reference: str
    ends_at: datetime
    active: bool
    today: QuarantineCheckin | None
    open_needs: tuple[str, ...]  # needs asked for and not yet marked as dealt with
    days_answered: int

    @property
    def needs_help(self) -> bool:
        return bool(self.open_needs)

    @property
    def unanswered_today(self) -> bool:
        return self.active and self.today is None


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), UTC)


def parse_days(value: str | None, default: int) -> int:
    text = (value or "").strip()
    if not text:
        return default
    try:
        days = int(text)
    except ValueError:
        raise ConsoleInputError(
            f"days: must be a whole number from 1 to {MAX_FOLLOWUP_DAYS}"
        ) from None
    if not 1 <= days <= MAX_FOLLOWUP_DAYS:
        raise ConsoleInputError(f"days: must be a whole number from 1 to {MAX_FOLLOWUP_DAYS}")
    return days


def enrol(session: Session, services: ConsoleServices, staff: StaffAccount, days: int) -> Enrolled:
    """A follow-up of ``days`` days from today (committed, audited)."""
    now = services.now()
    code = references.new_code()
    for _attempt in range(_ATTEMPTS):
        reference = references.reference(REFERENCE_PREFIX)
        taken = select(QuarantineFollowup.id).where(QuarantineFollowup.reference == reference)
        if session.scalar(taken) is None:
            break
    else:
        raise StorageError("could not draw an unused follow-up reference")
    followup = QuarantineFollowup(
        health_authority_id=staff.health_authority_id,
        reference=reference,
        token_hash=references.code_hash(code),
        enrolled_at=now,
        ends_at=_midnight(now.date() + timedelta(days=days)),
        stopped=False,
    )
    session.add(followup)
    session.flush()
    auditing.record(
        session,
        staff,
        "followup.enrolled",
        f"followup:{followup.reference}",
        {"days": days},
        now=now,
    )
    session.commit()
    return Enrolled(followup, code)


def by_code(session: Session, code: str) -> QuarantineFollowup | None:
    """The follow-up a person's code opens (ended ones too), or None."""
    canonical = references.normalize_code(code)
    if not references.is_code(canonical):
        return None
    return session.scalars(
        select(QuarantineFollowup).where(
            QuarantineFollowup.token_hash == references.code_hash(canonical)
        )
    ).one_or_none()


def is_active(followup: QuarantineFollowup, now: datetime) -> bool:
    return not followup.stopped and now < followup.ends_at


def today_of(
    session: Session, followup: QuarantineFollowup, now: datetime
) -> QuarantineCheckin | None:
    return session.scalars(
        select(QuarantineCheckin).where(
            QuarantineCheckin.followup_id == followup.id, QuarantineCheckin.day == now.date()
        )
    ).one_or_none()


def _choices(values: Iterable[str], allowed: Sequence[str], field: str) -> list[str]:
    chosen = []
    for value in values:
        if value not in allowed:
            raise ConsoleInputError(f"{field}: {value[:30]!r} is not one of the choices")
        if value not in chosen:
            chosen.append(value)
    return chosen


def check_in(
    session: Session,
    services: ConsoleServices,
    followup: QuarantineFollowup,
    *,
    feeling: str | None,
    symptoms: Iterable[str],
    needs: Iterable[str],
) -> QuarantineCheckin:
    """Store today's answers (replacing an earlier answer of the same day)."""
    now = services.now()
    if not is_active(followup, now):
        raise ConflictError("feeling: this follow-up has ended; thank you")
    try:
        mood = Feeling((feeling or "").strip())
    except ValueError:
        raise ConsoleInputError("feeling: choose how you feel today") from None
    ticked = _choices(symptoms, SYMPTOMS, "symptoms")
    wanted = set(_choices(needs, NEEDS, "needs"))
    row = today_of(session, followup, now)
    if row is None:
        row = QuarantineCheckin(followup_id=followup.id, day=now.date())
        session.add(row)
    row.feeling = mood.value
    row.symptoms = ",".join(symptom for symptom in SYMPTOMS if symptom in ticked)
    asked = ("food" in wanted, "medicine" in wanted, "help" in wanted)
    if asked != (bool(row.needs_food), bool(row.needs_medicine), bool(row.needs_help)):
        row.handled_at = None  # a changed request is a new one
    row.needs_food, row.needs_medicine, row.needs_help = asked
    session.commit()
    return row


def stop_by_person(
    session: Session, services: ConsoleServices, followup: QuarantineFollowup
) -> None:
    """The person ends their follow-up (it is voluntary): nothing more is asked of them."""
    now = services.now()
    if is_active(followup, now):
        followup.stopped = True
        followup.ends_at = now
        session.commit()


def get(session: Session, staff: StaffAccount, reference: str) -> QuarantineFollowup:
    followup = session.scalars(
        select(QuarantineFollowup).where(
            QuarantineFollowup.reference == reference.strip().upper(),
            QuarantineFollowup.health_authority_id == staff.health_authority_id,
        )
    ).one_or_none()
    if followup is None:
        raise NotFoundError(f"reference: no follow-up {reference.strip()[:20]!r}")
    return followup


def mark_handled(
    session: Session, services: ConsoleServices, staff: StaffAccount, followup: QuarantineFollowup
) -> int:
    """Mark every open request for help of ``followup`` as dealt with; how many there were."""
    now = services.now()
    result = session.execute(
        update(QuarantineCheckin)
        .where(
            QuarantineCheckin.followup_id == followup.id,
            QuarantineCheckin.handled_at.is_(None),
            QuarantineCheckin.needs_food
            | QuarantineCheckin.needs_medicine
            | QuarantineCheckin.needs_help,
        )
        .values(handled_at=now)
    )
    count = max(int(result.rowcount), 0)  # type: ignore[attr-defined]
    auditing.record(
        session,
        staff,
        "followup.help_given",
        f"followup:{followup.reference}",
        {"requests": count},
        now=now,
    )
    session.commit()
    return count


def end_by_staff(
    session: Session, services: ConsoleServices, staff: StaffAccount, followup: QuarantineFollowup
) -> None:
    now = services.now()
    if not is_active(followup, now):
        raise ConflictError(f"reference: follow-up {followup.reference} has ended already")
    followup.stopped = True
    followup.ends_at = now
    auditing.record(session, staff, "followup.ended", f"followup:{followup.reference}", now=now)
    session.commit()


def _open_needs(rows: Iterable[QuarantineCheckin]) -> tuple[str, ...]:
    found: set[str] = set()
    for row in rows:
        if row.handled_at is None:
            found.update(
                need
                for need, asked in zip(
                    NEEDS, (row.needs_food, row.needs_medicine, row.needs_help), strict=True
                )
                if asked
            )
    return tuple(need for need in NEEDS if need in found)


def overview(session: Session, services: ConsoleServices, staff: StaffAccount) -> list[Overview]:
    """Every follow-up of the authority: who asked for help first, then who has not answered
    today, then the rest; ended ones last."""
    now = services.now()
    followups = session.scalars(
        select(QuarantineFollowup)
        .where(QuarantineFollowup.health_authority_id == staff.health_authority_id)
        .order_by(QuarantineFollowup.enrolled_at.desc())
        .limit(MAX_LISTED)
    ).all()
    answers: dict[int, list[QuarantineCheckin]] = {row.id: [] for row in followups}
    if followups:
        for answer in session.scalars(
            select(QuarantineCheckin).where(QuarantineCheckin.followup_id.in_(answers))
        ):
            answers[answer.followup_id].append(answer)
    today = now.date()
    listed = [
        Overview(
            reference=row.reference,
            ends_at=row.ends_at,
            active=is_active(row, now),
            today=next((a for a in answers[row.id] if a.day == today), None),
            open_needs=_open_needs(answers[row.id]),
            days_answered=len(answers[row.id]),
        )
        for row in followups
    ]
    listed.sort(key=lambda o: (not o.active, not o.needs_help, not o.unanswered_today))
    return listed
