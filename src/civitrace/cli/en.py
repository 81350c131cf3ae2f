"""``civitrace en``: the GAEN crypto primitives, for scripts and interoperability checks."""

from typing import Annotated

import typer

from civitrace.cli._output import CliError, parse_hex
from civitrace.en.constants import KEY_LENGTH, METADATA_LENGTH
from civitrace.en.rpi import derive_aemk, derive_rpis, encrypt_metadata

MAX_COUNT = 144 * 366  # a year of RPIs; more is a typo, not a use

app = typer.Typer(help="Exposure-notification crypto (GAEN spec v1.2).", no_args_is_help=True)


@app.command()
def rpi(
    tek: Annotated[str, typer.Option(help="Temporary Exposure Key, 32 hex digits.")],
    interval: Annotated[int, typer.Option(help="First ENIntervalNumber.")],
    count: Annotated[int, typer.Option(help="How many consecutive RPIs.")] = 1,
) -> None:
    """Print the Rolling Proximity Identifiers of a TEK, one hex RPI per line."""
    key = parse_hex(tek, "--tek", KEY_LENGTH)
    if not 0 <= interval < 2**32:
        raise CliError("--interval must be 0..4294967295")
    if not 1 <= count <= min(MAX_COUNT, 2**32 - interval):
        raise CliError(f"--count must be 1..{MAX_COUNT} and stay within 32-bit intervals")
    for value in derive_rpis(key, interval, count):
        print(value.hex())


@app.command()
def aem(
    tek: Annotated[str, typer.Option(help="Temporary Exposure Key, 32 hex digits.")],
    rpi: Annotated[str, typer.Option(help="The RPI used as IV, 32 hex digits.")],
    metadata: Annotated[str, typer.Option(help="4 metadata bytes, 8 hex digits.")],
) -> None:
    """Print the Associated Encrypted Metadata (hex) for an RPI and metadata."""
    key = parse_hex(tek, "--tek", KEY_LENGTH)
    iv = parse_hex(rpi, "--rpi", KEY_LENGTH)
    plain = parse_hex(metadata, "--metadata", METADATA_LENGTH)
    print(encrypt_metadata(derive_aemk(key), iv, plain).hex())
