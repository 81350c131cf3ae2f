"""Signing in and out: password, then the TOTP code if the account has one, throttled, audited.

Every outcome is committed before it is reported: a failure's counters and audit entry stay
even though the request is refused. The refusal never says whether the user name exists, the
password was wrong or the account is disabled.
"""

from datetime import datetime
from typing import Final

from sqlalchemy.orm import Session

from civitrace.server.console import accounts, auditing, sessions, throttle
from civitrace.server.console.errors import WrongCredentialsError
from civitrace.server.console.service import ConsoleServices
from civitrace.server.console.sessions import Current, Opened
from civitrace.server.db.console_models import SessionStage, StaffAccount

WRONG: Final = "password: the user name or password is wrong"
WRONG_CODE: Final = "code: the code is wrong or was already used"


def _fail(
    session: Session,
    services: ConsoleServices,
    account: StaffAccount | None,
    *,
    reason: str,
    now: datetime,
    message: str,
) -> WrongCredentialsError:
    throttle.failed(session, services.settings, account, now)
    target = f"staff:{account.username}" if account is not None else ""
    who = account if account is not None else auditing.ANONYMOUS_ACTOR
    auditing.record(session, who, "staff.login_failed", target, {"reason": reason}, now=now)
    session.commit()
    return WrongCredentialsError(message)


def sign_in(
    session: Session, services: ConsoleServices, username: str, password: str
) -> tuple[Opened, bool]:
    """A new session and whether it still needs the second factor; WrongCredentialsError or
    ThrottledError otherwise."""
    now = services.now()
    account = accounts.find(session, username) if username.strip() else None
    throttle.check(session, services.settings, account, now)
    if account is None or account.disabled_at is not None:
        services.passwords.waste_time(password)
        reason = "unknown account" if account is None else "disabled account"
        raise _fail(session, services, None, reason=reason, now=now, message=WRONG)
    if not services.passwords.verify(account.password_hash, password):
        raise _fail(session, services, account, reason="wrong password", now=now, message=WRONG)
    if services.passwords.needs_rehash(account.password_hash):
        account.password_hash = services.passwords.hash(password)
    if account.totp_confirmed_at is not None:
        opened = sessions.open_session(
            session, services.settings, account, SessionStage.SECOND_FACTOR, now
        )
        session.commit()
        return opened, True
    throttle.succeeded(account)
    opened = sessions.open_session(session, services.settings, account, SessionStage.ACTIVE, now)
    auditing.record(session, account, "staff.login", f"staff:{account.username}", now=now)
    session.commit()
    return opened, False


def second_factor(
    session: Session, services: ConsoleServices, pending: Current, code: str
) -> Opened:
    """Replace a second-factor session with an active one when ``code`` is right."""
    now = services.now()
    account = pending.account
    throttle.check(session, services.settings, account, now)
    if not accounts.check_totp(services.kek, account, code, now):
        raise _fail(
            session,
            services,
            account,
            reason="wrong second-factor code",
            now=now,
            message=WRONG_CODE,
        )
    throttle.succeeded(account)
    sessions.end(pending, now)
    opened = sessions.open_session(session, services.settings, account, SessionStage.ACTIVE, now)
    auditing.record(
        session,
        account,
        "staff.login",
        f"staff:{account.username}",
        {"second_factor": True},
        now=now,
    )
    session.commit()
    return opened


def sign_out(session: Session, services: ConsoleServices, current: Current) -> None:
    now = services.now()
    sessions.end(current, now)
    if current.row.stage == SessionStage.ACTIVE:
        auditing.record(
            session, current.account, "staff.logout", f"staff:{current.account.username}", now=now
        )
    session.commit()
