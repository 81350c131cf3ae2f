"""Server-side console sessions: the cookie carries a random token, the database its SHA-256.

A stolen database therefore opens no session, and a tampered or made-up cookie matches no row.
A session ends at the first of: its absolute lifetime, its idle timeout, sign-out, or the
account being disabled. Between a right password and a right TOTP code a session is in the
``second-factor`` stage, good for nothing but the code page, for a few minutes; when the code
is right it is replaced by a new one (new token, new CSRF token), so a token seen before the
second factor is worth nothing after it.

Each session has a CSRF synchronizer token that every form carries; it is compared in constant
time with the one stored for the session that sent the cookie.
"""

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from civitrace.server.console.settings import ConsoleSettings
from civitrace.server.db.console_models import SessionStage, StaffAccount, StaffSession

TOKEN_BYTES: Final = 32
_TOKEN: Final = re.compile(r"^[A-Za-z0-9_-]{43}$")  # base64url of 32 bytes, unpadded
TOUCH_EVERY: Final = timedelta(minutes=1)  # write last_seen_at at most this often


@dataclass(frozen=True, slots=True)
class Opened:
    """A new session and the cookie token that finds it (known only now)."""

    row: StaffSession
    token: str


@dataclass(frozen=True, slots=True)
class Current:
    """The session of a request and its account."""

    row: StaffSession
    account: StaffAccount

    @property
    def csrf_token(self) -> str:
        return self.row.csrf_token


def token_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode("ascii")).digest()


def open_session(
    session: Session,
    settings: ConsoleSettings,
    account: StaffAccount,
    stage: SessionStage,
    now: datetime,
) -> Opened:
    """Start a session for ``account`` (flushed, not committed)."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    lifetime = (
        settings.session_lifetime
        if stage is SessionStage.ACTIVE
        else settings.second_factor_timeout
    )
    row = StaffSession(
        token_hash=token_hash(token),
        account_id=account.id,
        stage=stage.value,
        csrf_token=secrets.token_urlsafe(TOKEN_BYTES),
        created_at=now,
        last_seen_at=now,
        ends_at=now + lifetime,
    )
    session.add(row)
    session.flush()
    return Opened(row, token)


def _alive(settings: ConsoleSettings, row: StaffSession, now: datetime) -> bool:
    if now >= row.ends_at:
        return False
    return (
        row.stage != SessionStage.ACTIVE or now < row.last_seen_at + settings.session_idle_timeout
    )


def find(
    session: Session, settings: ConsoleSettings, cookie: str | None, now: datetime
) -> Current | None:
    """The live session a cookie names, with its (enabled) account; None for anything else."""
    if not cookie or not _TOKEN.match(cookie):
        return None
    found = session.execute(
        select(StaffSession, StaffAccount)
        .join(StaffAccount, StaffAccount.id == StaffSession.account_id)
        .where(StaffSession.token_hash == token_hash(cookie))
    ).one_or_none()
    if found is None:
        return None
    row, account = found
    if account.disabled_at is not None or not _alive(settings, row, now):
        return None
    return Current(row, account)


def touch(current: Current, now: datetime) -> bool:
    """Note activity (for the idle timeout); True if the row changed and needs a commit."""
    if now - current.row.last_seen_at < TOUCH_EVERY:
        return False
    current.row.last_seen_at = now
    return True


def end(current: Current, now: datetime) -> None:
    """Sign out: the session ends now (its row is deleted a day later, by retention)."""
    current.row.ends_at = max(now, current.row.created_at)


def csrf_matches(current: Current, submitted: str | None) -> bool:
    """The form's token equals the session's (constant-time)."""
    if not submitted:
        return False
    return hmac.compare_digest(
        current.row.csrf_token.encode(), submitted.encode("utf-8", "replace")
    )
