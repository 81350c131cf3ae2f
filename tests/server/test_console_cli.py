"""``civitrace admin staff add|list|disable`` on both databases."""

from collections.abc import Callable
from pathlib import Path

import pytest
import typer
from sqlalchemy import select
from typer.testing import CliRunner, Result

from civitrace.cli import staff
from civitrace.errors import CivitraceError
from civitrace.server.db import make_engine, session_factory
from civitrace.server.db.console_models import StaffAccount
from civitrace.server.db.governance_models import AuditEntry
from civitrace.server.settings import Settings
from tests.server.test_console_basics import PASSWORD, add_authority

root = typer.Typer()
root.add_typer(staff.app, name="staff")


@root.callback()
def _admin() -> None:
    """Stands in for ``civitrace admin``."""


Run = Callable[..., Result]


@pytest.fixture
def run(client: object, database_url: str, data_dir: Path) -> Run:
    def invoke(*args: str, stdin: str | None = None) -> Result:
        return CliRunner().invoke(
            root, ["staff", *args, "--db", database_url, "--data-dir", str(data_dir)], input=stdin
        )

    return invoke


def test_add_list_disable(run: Run, database_url: str, settings: Settings) -> None:
    engine = make_engine(database_url)
    add_authority(engine, settings)
    added = run("add", "A.Lee", "--role", "case-worker", "--password-stdin", stdin=PASSWORD + "\n")
    assert added.exit_code == 0, added.output
    assert "added staff account a.lee (case-worker)" in added.output
    listed = run("list")
    assert listed.exit_code == 0
    assert "a.lee" in listed.output
    assert "case-worker" in listed.output
    assert PASSWORD not in listed.output
    disabled = run("disable", "a.lee")
    assert disabled.exit_code == 0
    assert "disabled staff account a.lee" in disabled.output
    assert "already disabled" in run("disable", "a.lee").output
    with session_factory(engine)() as session:
        account = session.scalars(select(StaffAccount)).one()
        assert account.disabled_at is not None
        assert account.password_hash.startswith("$argon2id$")
        actions = [(e.actor, e.action) for e in session.scalars(select(AuditEntry))]
    assert actions == [("cli", "staff.added"), ("cli", "staff.disabled")]
    engine.dispose()


def test_prompted_password_must_match(run: Run, database_url: str, settings: Settings) -> None:
    engine = make_engine(database_url)
    add_authority(engine, settings)
    typed = run("add", "b.kim", "--role", "auditor", stdin=f"{PASSWORD}\n{PASSWORD}\n")
    assert typed.exit_code == 0, typed.output
    engine.dispose()


@pytest.mark.parametrize(
    ("args", "stdin", "mentions"),
    [
        (("add", "x y", "--role", "admin", "--password-stdin"), PASSWORD, "username"),
        (("add", "c.dee", "--role", "boss", "--password-stdin"), PASSWORD, "role"),
        (("add", "c.dee", "--role", "admin", "--password-stdin"), "short", "password"),
        (("add", "c.dee", "--role", "admin", "--authority", "Nowhere", "--password-stdin"),
         PASSWORD, "--authority"),
        (("disable", "nobody"), None, "USERNAME"),
    ],
)  # fmt: skip
def test_bad_input_is_one_line_and_non_zero(
    run: Run,
    database_url: str,
    settings: Settings,
    args: tuple[str, ...],
    stdin: str | None,
    mentions: str,
) -> None:
    engine = make_engine(database_url)
    add_authority(engine, settings)
    result = run(*args, stdin=None if stdin is None else stdin + "\n")
    assert result.exit_code != 0
    assert isinstance(result.exception, CivitraceError)  # civitrace.cli.main prints one line
    assert mentions in str(result.exception)
    engine.dispose()


def test_several_authorities_need_one_named(
    run: Run, database_url: str, settings: Settings
) -> None:
    engine = make_engine(database_url)
    add_authority(engine, settings, "First")
    add_authority(engine, settings, "Second")
    ambiguous = run("add", "d.eve", "--role", "admin", "--password-stdin", stdin=PASSWORD + "\n")
    assert "--authority" in str(ambiguous.exception)
    named = run(
        "add", "d.eve", "--role", "admin", "--authority", "Second", "--password-stdin",
        stdin=PASSWORD + "\n",
    )  # fmt: skip
    assert named.exit_code == 0, named.output
    assert "'Second'" in named.output
    engine.dispose()
