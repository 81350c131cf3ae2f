"""Tables of the staff console, on the one declarative :class:`~civitrace.server.db.models.Base`.

What the console holds, and what it never holds:

- ``staff_accounts``: a user name, a role, an argon2id hash, an optional TOTP secret (encrypted
  under the server's key-encryption key) and throttling counters. No real name, e-mail or phone.
- ``staff_sessions``: a SHA-256 of each session cookie (never the cookie), its CSRF token and
  its times. No address, no user agent.
- ``cases``: a random pseudonymous reference, the test type and date, the symptom onset, the
  workflow state and the id of the verification code issued for it. No name, no address, no
  phone number, no place: whoever the case is stays in the health authority's own records.
- ``case_submissions``: which shared check-in report submission staff attached to which case.
- ``quarantine_followups`` and ``quarantine_checkins``: voluntary follow-up of a contact, known
  by a reference and a SHA-256 of the secret link code; daily answers (feeling, symptoms,
  needs). **No location of any kind**, by design and under test.
- ``staff_login_failures``: failed sign-ins per time window, deployment-wide, never per client.

Personal tables name their inventory category and the column their retention counts from; a
``NULL`` there means the clock has not started (an account not yet disabled, a case still open).
"""

import enum
from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from civitrace.server.db.models import Base
from civitrace.server.db.types import UTCDateTime

STAFF_ACCOUNTS = "staff_accounts"  # data categories of the governance inventory
STAFF_SESSIONS = "staff_sessions"
CASES = "cases"
QUARANTINE_FOLLOWUPS = "quarantine_followups"
OPERATIONAL = "operational"

HASH_LENGTH = 32  # bytes of a SHA-256


class StaffRole(enum.StrEnum):
    """What a staff member may do in the console (DESIGN §1)."""

    ADMIN = "admin"  # manages staff accounts
    CASE_WORKER = "case-worker"  # opens cases, issues codes, follows up quarantine
    VENUE_TRACER = "venue-tracer"  # reviews shared check-ins, publishes venue warnings
    STATISTICIAN = "statistician"  # reads the differentially private statistics
    AUDITOR = "auditor"  # reads the audit log


class SessionStage(enum.StrEnum):
    """A session is SECOND_FACTOR between a right password and a right TOTP code, then ACTIVE."""

    SECOND_FACTOR = "second-factor"
    ACTIVE = "active"


class CaseStatus(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class Feeling(enum.StrEnum):
    """How a person in follow-up says they feel today, best first."""

    WELL = "well"
    OKAY = "okay"
    UNWELL = "unwell"
    VERY_UNWELL = "very-unwell"


CASE_TEST_TYPES = ("confirmed", "likely")
"""A case follows a positive test (a negative one opens no case)."""


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(str(v)) for v in values)})"


class StaffAccount(Base):
    """A console user of one health authority."""

    __tablename__ = "staff_accounts"
    __table_args__ = (
        CheckConstraint(_in("role", tuple(StaffRole)), name="role_known"),
        CheckConstraint("length(username) BETWEEN 3 AND 64", name="username_length"),
        CheckConstraint("failed_logins >= 0", name="failed_logins_not_negative"),
        CheckConstraint(
            "totp_confirmed_at IS NULL OR totp_secret IS NOT NULL", name="confirmed_totp_has_secret"
        ),
        {
            "comment": "Staff accounts of the console: user name, role, password hash, TOTP",
            "info": {"data_category": STAFF_ACCOUNTS, "retention_column": "disabled_at"},
        },
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, comment="Surrogate key")
    health_authority_id: Mapped[int] = mapped_column(
        ForeignKey("health_authorities.id", ondelete="CASCADE"),
        index=True,
        comment="Authority the staff member works for",
    )
    username: Mapped[str] = mapped_column(
        String(64), unique=True, comment="Sign-in name (lower case letters, digits, . _ -)"
    )
    role: Mapped[str] = mapped_column(
        String(20), comment="admin, case-worker, venue-tracer, statistician or auditor"
    )
    password_hash: Mapped[str] = mapped_column(
        String(256), comment="argon2id hash in PHC string format"
    )
    totp_secret: Mapped[bytes | None] = mapped_column(
        LargeBinary, comment="nonce || AES-256-GCM(KEK, TOTP secret), AAD = account id; or NULL"
    )
    totp_confirmed_at: Mapped[datetime | None] = mapped_column(
        UTCDateTime, comment="When the TOTP secret was confirmed; sign-in needs it from then on"
    )
    totp_last_step: Mapped[int | None] = mapped_column(
        Integer, comment="Time step of the last TOTP code accepted (a code is used once)"
    )
    failed_logins: Mapped[int] = mapped_column(
        Integer,
        default=0,
        server_default="0",
        comment="Wrong passwords or codes since the last successful sign-in",
    )
    locked_until: Mapped[datetime | None] = mapped_column(
        UTCDateTime, comment="Sign-in refused until then after too many failures"
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, comment="When it was created")
    disabled_at: Mapped[datetime | None] = mapped_column(
        UTCDateTime, comment="When it was disabled; retention counts from it; NULL while active"
    )


class StaffSession(Base):
    """A console sign-in: found by the SHA-256 of its cookie, which is never stored."""

    __tablename__ = "staff_sessions"
    __table_args__ = (
        CheckConstraint(f"length(token_hash) = {HASH_LENGTH}", name="token_hash_is_sha256"),
        CheckConstraint(_in("stage", tuple(SessionStage)), name="stage_known"),
        CheckConstraint("ends_at >= created_at", name="ends_after_created"),
        {
            "comment": "Console sessions: cookie hash, CSRF token, idle and absolute expiry",
            "info": {"data_category": STAFF_SESSIONS, "retention_column": "ends_at"},
        },
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, comment="Surrogate key")
    token_hash: Mapped[bytes] = mapped_column(
        LargeBinary(HASH_LENGTH), unique=True, comment="SHA-256 of the session cookie's token"
    )
    account_id: Mapped[int] = mapped_column(
        ForeignKey("staff_accounts.id", ondelete="CASCADE"),
        index=True,
        comment="Staff account signed in",
    )
    stage: Mapped[str] = mapped_column(
        String(20), comment="second-factor (awaiting a TOTP code) or active"
    )
    csrf_token: Mapped[str] = mapped_column(
        String(64), comment="Synchronizer token every form of this session must carry"
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, comment="Sign-in time")
    last_seen_at: Mapped[datetime] = mapped_column(
        UTCDateTime, comment="Last request; the session ends after the idle timeout"
    )
    ends_at: Mapped[datetime] = mapped_column(
        UTCDateTime,
        index=True,
        comment="Absolute expiry, or sign-out time; retention counts from it",
    )


class StaffLoginFailure(Base):
    """Failed sign-ins of every account together per time window (never per client)."""

    __tablename__ = "staff_login_failures"
    __table_args__ = (
        CheckConstraint("count >= 0", name="count_not_negative"),
        {
            "comment": "Failed console sign-ins per time window, for a global throttle",
            "info": {"data_category": OPERATIONAL},
        },
    )

    window_start: Mapped[datetime] = mapped_column(
        UTCDateTime, primary_key=True, comment="Start of the time bucket"
    )
    count: Mapped[int] = mapped_column(Integer, comment="Failed sign-ins in it")


class Case(Base):
    """A pseudonymous case: a positive test, its dates, and where its workflow stands."""

    __tablename__ = "cases"
    __table_args__ = (
        CheckConstraint(_in("status", tuple(CaseStatus)), name="status_known"),
        CheckConstraint(_in("test_type", CASE_TEST_TYPES), name="test_type_known"),
        CheckConstraint("(status = 'closed') = (closed_at IS NOT NULL)", name="closed_has_time"),
        CheckConstraint("length(reference) >= 8", name="reference_length"),
        {
            "comment": "Pseudonymous cases: test type and date, symptom onset, workflow state",
            "info": {"data_category": CASES, "retention_column": "closed_at"},
        },
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, comment="Surrogate key")
    health_authority_id: Mapped[int] = mapped_column(
        ForeignKey("health_authorities.id", ondelete="CASCADE"),
        index=True,
        comment="Authority handling the case",
    )
    reference: Mapped[str] = mapped_column(
        String(16), unique=True, comment="Random pseudonymous reference, e.g. C-7K3M9Q2X"
    )
    test_type: Mapped[str] = mapped_column(String(20), comment="confirmed or likely")
    test_date: Mapped[date] = mapped_column(Date, comment="Day of the positive test")
    symptom_onset: Mapped[date | None] = mapped_column(
        Date, comment="First day of symptoms; NULL without symptoms"
    )
    status: Mapped[str] = mapped_column(String(10), comment="open or closed")
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, comment="When it was opened")
    closed_at: Mapped[datetime | None] = mapped_column(
        UTCDateTime, index=True, comment="When it was closed; retention counts from it"
    )
    code_uuid: Mapped[str | None] = mapped_column(
        String(36), comment="uuid of the last verification code issued for it (not the code)"
    )
    code_issued_at: Mapped[datetime | None] = mapped_column(
        UTCDateTime, comment="When that code was issued"
    )


class CaseSubmission(Base):
    """A shared check-in report submission that staff attached to a case."""

    __tablename__ = "case_submissions"
    __table_args__ = (
        {
            "comment": "Which shared check-in report submission belongs to which case",
            "info": {"data_category": CASES, "retention_column": "linked_at"},
        },
    )

    case_id: Mapped[int] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True, comment="The case"
    )
    submission_id: Mapped[str] = mapped_column(
        ForeignKey("checkin_submissions.id", ondelete="CASCADE"),
        primary_key=True,
        unique=True,
        comment="The submission (it belongs to one case at most)",
    )
    linked_at: Mapped[datetime] = mapped_column(
        UTCDateTime, comment="When it was attached; retention counts from it"
    )


class QuarantineFollowup(Base):
    """Voluntary follow-up of a contact in quarantine: no account, no location, no name."""

    __tablename__ = "quarantine_followups"
    __table_args__ = (
        CheckConstraint(f"length(token_hash) = {HASH_LENGTH}", name="token_hash_is_sha256"),
        CheckConstraint("ends_at >= enrolled_at", name="ends_after_enrolled"),
        {
            "comment": "Voluntary quarantine follow-up of a contact; never a location",
            "info": {"data_category": QUARANTINE_FOLLOWUPS, "retention_column": "ends_at"},
        },
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, comment="Surrogate key")
    health_authority_id: Mapped[int] = mapped_column(
        ForeignKey("health_authorities.id", ondelete="CASCADE"),
        index=True,
        comment="Authority offering the follow-up",
    )
    reference: Mapped[str] = mapped_column(
        String(16), unique=True, comment="Random reference case workers note, e.g. F-4KM7Q2XZ"
    )
    token_hash: Mapped[bytes] = mapped_column(
        LargeBinary(HASH_LENGTH),
        unique=True,
        comment="SHA-256 of the secret code in the person's link (the code is not stored)",
    )
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime, comment="When it was set up")
    ends_at: Mapped[datetime] = mapped_column(
        UTCDateTime,
        index=True,
        comment="End of the follow-up (planned, or when stopped); retention counts from it",
    )
    stopped: Mapped[bool] = mapped_column(
        Boolean,
        default=False,
        server_default=false(),
        comment="True if the person or a case worker ended it before the planned end",
    )


class QuarantineCheckin(Base):
    """One day's answers of a person in follow-up; a later answer the same day replaces it."""

    __tablename__ = "quarantine_checkins"
    __table_args__ = (
        UniqueConstraint("followup_id", "day"),
        CheckConstraint(_in("feeling", tuple(Feeling)), name="feeling_known"),
        {
            "comment": "Daily answers of people in voluntary follow-up; never a location",
            "info": {"data_category": QUARANTINE_FOLLOWUPS, "retention_column": "day"},
        },
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, comment="Surrogate key")
    followup_id: Mapped[int] = mapped_column(
        ForeignKey("quarantine_followups.id", ondelete="CASCADE"),
        index=True,
        comment="The follow-up answered",
    )
    day: Mapped[date] = mapped_column(Date, comment="UTC day answered; retention counts from it")
    feeling: Mapped[str] = mapped_column(String(12), comment="well, okay, unwell or very-unwell")
    symptoms: Mapped[str] = mapped_column(
        String(200),
        default="",
        server_default="",
        comment="Comma-separated symptoms from a fixed list (fever, cough, ...); no free text",
    )
    needs_food: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false(), comment="Asked for food"
    )
    needs_medicine: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false(), comment="Asked for medicine"
    )
    needs_help: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false(), comment="Asked to be called for help"
    )
    handled_at: Mapped[datetime | None] = mapped_column(
        UTCDateTime, comment="When a case worker marked the request for help as dealt with"
    )
