"""``civitrace admin staff``: console accounts (add, list, disable).

Registered under ``civitrace admin`` as ``staff``. ``add`` asks for the first password twice
without echoing it (or reads one line from stdin with ``--password-stdin``, for scripts); only
its argon2id hash is stored. Every change is recorded in the audit log with the actor ``cli``.
"""

import sys
from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.orm import Session

from civitrace.cli._output import CliError
from civitrace.cli._server import DataDirOption, DbOption, server_session
from civitrace.server.console import accounts, auditing
from civitrace.server.console.passwords import Passwords
from civitrace.server.console.settings import console_settings
from civitrace.server.db.console_models import StaffRole
from civitrace.server.db.models import HealthAuthority

app = typer.Typer(
    help="Staff accounts of the console (roles: admin, case-worker, venue-tracer, "
    "statistician, auditor).",
    no_args_is_help=True,
)

ROLES = ", ".join(role.value for role in StaffRole)


def _when(moment: datetime | None) -> str:
    return "" if moment is None else moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _authority(session: Session, reference: str | None) -> HealthAuthority:
    """The named authority (name or id), or the only one when there is exactly one."""
    query = select(HealthAuthority)
    if reference is not None:
        text = reference.strip()
        query = query.where(
            HealthAuthority.id == int(text) if text.isdigit() else HealthAuthority.name == text
        )
    found = session.scalars(query.order_by(HealthAuthority.id)).all()
    if reference is not None and not found:
        raise CliError(f"--authority: no health authority {reference!r}")
    if len(found) != 1:
        raise CliError(
            "--authority: required (there is no health authority yet)"
            if not found
            else "--authority: required when there are several health authorities"
        )
    return found[0]


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        if not line:
            raise CliError("--password-stdin: nothing on standard input")
        return line.rstrip("\r\n")
    return str(typer.prompt("First password", hide_input=True, confirmation_prompt=True))


@app.command("add")
def add(
    username: Annotated[str, typer.Argument(help="Short sign-in name (a-z 0-9 . _ -), no e-mail.")],
    role: Annotated[str, typer.Option(help=f"One of: {ROLES}.")],
    authority: Annotated[
        str | None, typer.Option(help="Health authority (name or id); needed if several.")
    ] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
    db: DbOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Add a staff account with a first password (the person can change it in the console)."""
    name = accounts.check_username(username)
    kind = accounts.check_role(role)
    with server_session(db, data_dir) as (settings, session):
        where = _authority(session, authority)
        passwords = Passwords(console_settings(settings))
        password = _read_password(password_stdin)
        now = datetime.now(UTC)
        account = accounts.create(
            session, passwords, where, username=name, role=kind.value, password=password, now=now
        )
        auditing.record(
            session,
            auditing.CLI_ACTOR,
            "staff.added",
            f"staff:{name}",
            {"role": kind.value},
            now=now,
        )
        session.commit()
        print(f"added staff account {account.username} ({account.role}) for {where.name!r}")


@app.command("list")
def list_accounts(db: DbOption = None, data_dir: DataDirOption = None) -> None:
    """Every staff account: role, authority, second factor, created, disabled."""
    with server_session(db, data_dir) as (_settings, session):
        names = {row.id: row.name for row in session.scalars(select(HealthAuthority))}
        table = Table(title="Staff accounts")
        for column in ("username", "role", "authority", "second factor", "created", "disabled"):
            table.add_column(column)
        for account in accounts.listing(session):
            table.add_row(
                account.username,
                account.role,
                names.get(account.health_authority_id, "?"),
                "on" if account.totp_confirmed_at else "off",
                _when(account.created_at),
                _when(account.disabled_at),
            )
    (Console() if sys.stdout.isatty() else Console(width=200)).print(table)


@app.command("disable")
def disable(
    username: Annotated[str, typer.Argument(help="The account's user name.")],
    db: DbOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Disable an account: its sessions end now and it can no longer sign in."""
    with server_session(db, data_dir) as (_settings, session):
        account = accounts.find(session, username)
        if account is None:
            raise CliError(f"USERNAME: no staff account {username.strip().lower()!r}")
        now = datetime.now(UTC)
        if not accounts.disable(session, account, now):
            print(f"staff account {account.username} was already disabled")
            return
        auditing.record(
            session, auditing.CLI_ACTOR, "staff.disabled", f"staff:{account.username}", now=now
        )
        session.commit()
    print(f"disabled staff account {account.username}")
