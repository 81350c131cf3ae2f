"""The ``civitrace`` command: thin wrappers that parse, call a package, and print.

Errors are turned into a one-line message and a non-zero exit in exactly one place,
:func:`main`, so no command prints a traceback for bad input.
"""

import typer

from civitrace.cli import admin, client, demo, en, export, jobs, presence, serve, sim, stats, venue
from civitrace.cli._output import fail
from civitrace.errors import CivitraceError

app = typer.Typer(
    name="civitrace",
    help="Privacy-first pandemic response: exposure notification, check-in, governance.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(en.app, name="en")
app.add_typer(export.app, name="export")
app.add_typer(client.app, name="client")
app.add_typer(presence.app, name="presence")
app.add_typer(venue.app, name="venue")
app.add_typer(stats.app, name="stats")
app.add_typer(sim.app, name="sim")
app.add_typer(jobs.retention_app, name="retention")
app.add_typer(jobs.federation_app, name="federation")
app.add_typer(admin.app, name="admin")
app.command(name="serve")(serve.run)
app.command(name="demo")(demo.run)


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the app and map every expected failure to a message and exit code."""
    try:
        app(args=argv)  # Typer itself reports usage errors (exit 2) and calls sys.exit
    except CivitraceError as exc:
        fail(str(exc), getattr(exc, "exit_code", 1))
    except OSError as exc:
        where = f": {exc.filename}" if exc.filename else ""
        fail(f"{exc.strerror or exc}{where}")
