"""Plumbing shared by the server-side commands (``serve``, ``admin``, ``export run|keys``,
``retention``, ``federation``): the ``--db``/``--data-dir`` options and a database session."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.orm import Session

from civitrace.server.db import session_factory
from civitrace.server.runtime import open_database, server_settings
from civitrace.server.settings import Settings

DbOption = Annotated[
    str | None,
    typer.Option("--db", help="Database URL (default: $CIVITRACE_DATABASE_URL, else SQLite)."),
]
DataDirOption = Annotated[
    Path | None,
    typer.Option(help="Data directory: secrets, exports (default: $CIVITRACE_DATA_DIR)."),
]


@contextmanager
def server_session(db: str | None, data_dir: Path | None) -> Iterator[tuple[Settings, Session]]:
    """Settings (flags over environment) and a session on a database at the newest schema."""
    settings = server_settings(db, data_dir)
    with open_database(settings) as engine, session_factory(engine)() as session:
        yield settings, session
