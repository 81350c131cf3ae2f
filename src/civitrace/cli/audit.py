"""``civitrace audit``: check the hash-chained audit log and print its head digest.

``verify`` exits 0 and prints the head when the chain holds; otherwise it prints
``error: entry N …`` naming the first bad entry and exits 1. Given a head published earlier
(``--head SEQUENCE:DIGEST``), it also detects a chain cut short or rewritten after it.
"""

from typing import Annotated

import typer

from civitrace.cli._output import fail
from civitrace.cli._server import DataDirOption, DbOption, server_session
from civitrace.governance.audit import head, parse_head, verify

app = typer.Typer(help="The hash-chained audit log of staff actions.", no_args_is_help=True)


@app.command("verify")
def verify_command(
    expected: Annotated[
        str | None,
        typer.Option(
            "--head", help="A head published earlier (SEQUENCE:DIGEST) that must still be there."
        ),
    ] = None,
    db: DbOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Recompute every digest and link; exit 1 naming the first bad entry."""
    if expected is not None:
        parse_head(expected)  # a malformed --head is a usage error before any work
    with server_session(db, data_dir) as (_, session):
        result = verify(session, expected)
    if not result.ok:
        fail(f"audit chain broken at entry {result.first_bad}: {result.problem}")
    print(f"audit chain ok: {result.entries} entries; head {result.head}")


@app.command("head")
def head_command(db: DbOption = None, data_dir: DataDirOption = None) -> None:
    """Print the newest entry as SEQUENCE:DIGEST (what the transparency page publishes)."""
    with server_session(db, data_dir) as (_, session):
        print(head(session))
