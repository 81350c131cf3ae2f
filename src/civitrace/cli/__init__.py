"""The ``civitrace`` command: thin wrappers that parse, call a package, and print.

Errors are turned into a one-line message and a non-zero exit in exactly one place,
:func:`main`, so no command prints a traceback for bad input.
"""

import importlib
from typing import Final

import typer
from typer import _click as click  # Typer 0.29 vendors click: its types, not the package's
from typer.core import TyperGroup

from civitrace.cli._output import fail
from civitrace.errors import CivitraceError

# Each command and the module that defines it, imported only when that command runs: the server
# commands pull in the web pages, OpenDP and matplotlib, which ``civitrace en rpi`` (or a batch
# job started every hour) should not pay for at start-up.
SUBCOMMANDS: Final[dict[str, tuple[str, str]]] = {
    "en": ("en", "app"),
    "export": ("export", "app"),
    "client": ("client", "app"),
    "presence": ("presence", "app"),
    "venue": ("venue", "app"),
    "stats": ("stats", "app"),
    "sim": ("sim", "app"),
    "retention": ("jobs", "retention_app"),
    "federation": ("jobs", "federation_app"),
    "admin": ("admin", "app"),
    "governance": ("governance", "app"),
    "audit": ("audit", "app"),
    "serve": ("serve", "run"),
    "demo": ("demo", "run"),
}


def load_command(name: str) -> click.Command:
    """The click command for ``name``, built from its module as ``add_typer`` would."""
    module, attribute = SUBCOMMANDS[name]
    target = getattr(importlib.import_module(f"civitrace.cli.{module}"), attribute)
    holder = typer.Typer()
    if isinstance(target, typer.Typer):
        holder.add_typer(target, name=name)
        return typer.main.get_group(holder).commands[name]
    holder.command(name=name)(target)
    command = typer.main.get_command(holder)
    command.name = name
    return command


class LazyGroup(TyperGroup):
    """The top-level group, loading a command's module the first time it is asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [*super().list_commands(ctx), *SUBCOMMANDS]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        found = super().get_command(ctx, cmd_name)
        if found is None and cmd_name in SUBCOMMANDS:
            found = self.commands[cmd_name] = load_command(cmd_name)
        return found


app = typer.Typer(
    cls=LazyGroup,
    name="civitrace",
    help="Privacy-first pandemic response: exposure notification, check-in, governance.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def _root() -> None:
    """Privacy-first pandemic response: exposure notification, check-in, governance."""


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the app and map every expected failure to a message and exit code."""
    try:
        app(args=argv)  # Typer itself reports usage errors (exit 2) and calls sys.exit
    except CivitraceError as exc:
        fail(str(exc), getattr(exc, "exit_code", 1))
    except OSError as exc:
        where = f": {exc.filename}" if exc.filename else ""
        fail(f"{exc.strerror or exc}{where}")
