"""Every staff action goes into the governance audit chain, in the action's own transaction.

Actors are ``staff:<username> (<role>)``; objects name a console record by its pseudonymous
reference (``case:C-7K3M9Q2X``), never a person. Details never hold a citizen's data: a case
entry says which case and what was done, not the test dates or symptoms.
"""

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final

from sqlalchemy.orm import Session

from civitrace.governance import audit
from civitrace.server.db.console_models import StaffAccount

CLI_ACTOR: Final = "cli"  # actor of changes made with `civitrace admin staff`
ANONYMOUS_ACTOR: Final = "anonymous"  # a failed sign-in with an unknown or disabled user name


def actor(account: StaffAccount) -> str:
    """How the audit log names a staff member: user name and the role they acted in."""
    return f"staff:{account.username} ({account.role})"


def record(
    session: Session,
    who: StaffAccount | str,
    action: str,
    target: str = "",
    details: Mapping[str, Any] | None = None,
    *,
    now: datetime,
) -> None:
    """Append one entry (uncommitted: it commits, or rolls back, with the action)."""
    name = who if isinstance(who, str) else actor(who)
    audit.append(session, name, action, target, details, now=now)
