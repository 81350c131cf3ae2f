"""``civitrace client``: the reference device (filled in by the client package work)."""

import typer

app = typer.Typer(help="Reference device: key store, scans, downloads, matching.",
                  no_args_is_help=True)
