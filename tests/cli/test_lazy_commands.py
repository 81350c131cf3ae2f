"""Commands load their modules on first use: a protocol command starts without the server."""

import subprocess
import sys

import pytest

from civitrace.cli import SUBCOMMANDS, load_command

PROBE = """
import sys
from civitrace.cli import main
try:
    main(["en", "rpi", "--tek", "75c734c6dd1a782de7a965da5eb93125", "--interval", "2642976"])
except SystemExit as stop:
    assert not stop.code, stop.code
heavy = ["civitrace.server.app", "civitrace.web.routes", "fastapi", "opendp", "matplotlib", "dask"]
print(",".join(name for name in heavy if name in sys.modules))
"""


@pytest.mark.parametrize("name", sorted(SUBCOMMANDS))
def test_every_command_loads_under_its_name(name: str) -> None:
    command = load_command(name)
    assert command.name == name
    assert command.help


def test_a_protocol_command_imports_no_server_code() -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=60, check=True
    )
    lines = done.stdout.splitlines()
    assert lines[0] == "8be6cd371c5c891604bfbe49df845096"
    assert lines[-1] == ""
