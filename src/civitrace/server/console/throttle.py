"""Sign-in throttling, per account and deployment-wide, without knowing who is asking.

No address or device is ever recorded, so guessing is slowed where it aims: an account locks
for a while after ``max_failed_logins`` wrong passwords or codes in a row, and when the whole
deployment sees more than ``global_max_failures`` failures in a window (someone trying many
user names), every sign-in pauses until the window ends. Both answer 429.
"""

from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from civitrace.server.console.errors import ThrottledError
from civitrace.server.console.settings import ConsoleSettings
from civitrace.server.db.console_models import StaffAccount, StaffLoginFailure


def window_start(settings: ConsoleSettings, now: datetime) -> datetime:
    size = int(settings.global_failure_window.total_seconds())
    return datetime.fromtimestamp(int(now.timestamp()) // size * size, UTC)


def _minutes(delta: timedelta) -> int:
    return max(1, -(-int(delta.total_seconds()) // 60))


def check(
    session: Session, settings: ConsoleSettings, account: StaffAccount | None, now: datetime
) -> None:
    """Raise ThrottledError if sign-in is paused for everyone or locked for ``account``."""
    failures = session.scalar(
        select(StaffLoginFailure.count).where(
            StaffLoginFailure.window_start == window_start(settings, now)
        )
    )
    if failures is not None and failures >= settings.global_max_failures:
        wait = window_start(settings, now) + settings.global_failure_window - now
        raise ThrottledError(
            f"username: too many failed sign-ins on this service; try again in {_minutes(wait)} min"
        )
    if account is not None and account.locked_until is not None and account.locked_until > now:
        raise ThrottledError(
            "username: too many failed sign-ins for this account; try again in "
            f"{_minutes(account.locked_until - now)} min"
        )


def failed(
    session: Session, settings: ConsoleSettings, account: StaffAccount | None, now: datetime
) -> None:
    """Count one failure (uncommitted) against the deployment and the account, if known."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(
        insert(StaffLoginFailure)
        .values(window_start=window_start(settings, now), count=1)
        .on_conflict_do_update(
            index_elements=[StaffLoginFailure.window_start],
            set_={"count": StaffLoginFailure.count + 1},
        )
    )
    _forget_windows(session, settings, now)
    if account is None:
        return
    account.failed_logins += 1
    if account.failed_logins >= settings.max_failed_logins:
        account.locked_until = now + settings.lockout
        account.failed_logins = 0


def succeeded(account: StaffAccount) -> None:
    account.failed_logins = 0
    account.locked_until = None


def _forget_windows(session: Session, settings: ConsoleSettings, now: datetime) -> None:
    """Delete counters of windows that have ended (they hold nothing but a number)."""
    session.execute(
        delete(StaffLoginFailure).where(
            StaffLoginFailure.window_start < window_start(settings, now)
        )
    )
