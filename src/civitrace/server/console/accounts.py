"""Staff accounts: create, list, disable, and the TOTP enrolment of one's own account.

Used by ``civitrace admin staff``, by the admin pages and by the demo. User names are short
handles (``a.lee``), never e-mail addresses or real names; an account is never deleted while in
use, it is disabled (its sessions end at once), and retention deletes it later.
"""

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Final

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from civitrace.server.console import totp
from civitrace.server.console.errors import ConflictError, ConsoleInputError, NotFoundError
from civitrace.server.console.passwords import Passwords
from civitrace.server.db.console_models import StaffAccount, StaffRole, StaffSession
from civitrace.server.db.models import HealthAuthority

USERNAME: Final = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")


def check_username(value: str) -> str:
    """A user name in canonical form (lower case), or ConsoleInputError naming the field."""
    name = value.strip().lower()
    if not USERNAME.match(name):
        raise ConsoleInputError(
            "username: 3..64 lower-case letters, digits, dots, dashes or underscores"
        )
    return name


def check_role(value: str) -> StaffRole:
    try:
        return StaffRole(value.strip().lower())
    except ValueError:
        roles = ", ".join(role.value for role in StaffRole)
        raise ConsoleInputError(f"role: must be one of {roles}") from None


def find(session: Session, username: str) -> StaffAccount | None:
    """The account with this user name (any case), or None."""
    name = username.strip().lower()
    return session.scalars(select(StaffAccount).where(StaffAccount.username == name)).one_or_none()


def get(session: Session, username: str, authority_id: int | None = None) -> StaffAccount:
    """The account, or NotFoundError (also for another authority's account)."""
    account = find(session, username)
    if account is None or (
        authority_id is not None and account.health_authority_id != authority_id
    ):
        raise NotFoundError(f"username: no staff account {username.strip().lower()!r}")
    return account


def create(
    session: Session,
    passwords: Passwords,
    authority: HealthAuthority,
    *,
    username: str,
    role: str,
    password: str,
    now: datetime,
) -> StaffAccount:
    """A new active account (flushed, not committed)."""
    name = check_username(username)
    kind = check_role(role)
    passwords.check_policy(password)
    if find(session, name) is not None:
        raise ConflictError(f"username: {name!r} is taken")
    account = StaffAccount(
        health_authority_id=authority.id,
        username=name,
        role=kind.value,
        password_hash=passwords.hash(password),
        totp_secret=None,
        totp_confirmed_at=None,
        totp_last_step=None,
        failed_logins=0,
        locked_until=None,
        created_at=now,
        disabled_at=None,
    )
    session.add(account)
    session.flush()
    return account


def listing(session: Session, authority_id: int | None = None) -> Sequence[StaffAccount]:
    """Accounts by user name, of one authority or all."""
    query = select(StaffAccount).order_by(StaffAccount.username)
    if authority_id is not None:
        query = query.where(StaffAccount.health_authority_id == authority_id)
    return session.scalars(query).all()


def end_sessions(
    session: Session, account: StaffAccount, now: datetime, keep: int | None = None
) -> None:
    """End every session of ``account`` now (but the one with id ``keep``)."""
    query = update(StaffSession).where(
        StaffSession.account_id == account.id, StaffSession.ends_at > now
    )
    if keep is not None:
        query = query.where(StaffSession.id != keep)
    session.execute(query.values(ends_at=now))


def disable(session: Session, account: StaffAccount, now: datetime) -> bool:
    """Disable ``account`` and end its sessions; False if it was already disabled."""
    if account.disabled_at is not None:
        return False
    account.disabled_at = now
    end_sessions(session, account, now)
    return True


def set_password(
    session: Session,
    passwords: Passwords,
    account: StaffAccount,
    password: str,
    *,
    now: datetime,
    keep: int | None = None,
) -> None:
    """Replace the password; every session of the account but ``keep`` ends."""
    passwords.check_policy(password, "new_password")
    account.password_hash = passwords.hash(password)
    account.failed_logins = 0
    account.locked_until = None
    end_sessions(session, account, now, keep)


# -- the second factor ----------------------------------------------------------------------------


def start_totp(kek: bytes, account: StaffAccount) -> str:
    """Store a new, not yet confirmed secret and return it (for the QR code)."""
    if account.totp_confirmed_at is not None:
        raise ConflictError("code: a second factor is already set up; turn it off first")
    secret = totp.new_secret()
    account.totp_secret = totp.seal(kek, account.id, secret)
    account.totp_last_step = None
    return secret


def pending_totp(kek: bytes, account: StaffAccount) -> str | None:
    """The secret being enrolled (stored, not confirmed), or None."""
    if account.totp_secret is None or account.totp_confirmed_at is not None:
        return None
    return totp.unseal(kek, account.id, account.totp_secret)


def confirm_totp(kek: bytes, account: StaffAccount, code: str, now: datetime) -> None:
    """Switch the second factor on once a code from the authenticator matches."""
    secret = pending_totp(kek, account)
    if secret is None:
        raise ConflictError("code: start setting up the second factor first")
    step = totp.matching_step(secret, code, now, None)
    if step is None:
        raise ConsoleInputError("code: does not match; check the time on your phone and retry")
    account.totp_confirmed_at = now
    account.totp_last_step = step


def check_totp(kek: bytes, account: StaffAccount, code: str, now: datetime) -> bool:
    """Accept a code of a confirmed second factor once; True if it matches."""
    if account.totp_secret is None or account.totp_confirmed_at is None:
        return False
    secret = totp.unseal(kek, account.id, account.totp_secret)
    step = totp.matching_step(secret, code, now, account.totp_last_step)
    if step is None:
        return False
    account.totp_last_step = step
    return True


def remove_totp(account: StaffAccount) -> None:
    account.totp_secret = None
    account.totp_confirmed_at = None
    account.totp_last_step = None
