"""What every server-side command needs before it can work: settings and a database.

Precedence, highest first: command-line flags (``--db``, ``--data-dir``), the environment
(``CIVITRACE_DATABASE_URL``, ``CIVITRACE_DATA_DIR``, every other ``CIVITRACE_*``), the TOML file
named by ``CIVITRACE_CONFIG_FILE``, then the defaults of :class:`Settings` (SQLite under
``./civitrace-data``). ``serve``, ``admin`` and the batch jobs all go through here, so one
environment configures a whole deployment.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Final

from sqlalchemy import Engine, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from civitrace.server.db import current_revision, head_revision, make_engine, migrate
from civitrace.server.errors import StorageError
from civitrace.server.settings import Settings, load_settings

DATABASE_URL_ENV: Final = "CIVITRACE_DATABASE_URL"  # read by Settings.database_url
DATA_DIR_ENV: Final = "CIVITRACE_DATA_DIR"  # read by Settings.data_dir


def server_settings(
    db: str | None = None, data_dir: Path | None = None, **overrides: Any
) -> Settings:
    """The settings with ``db`` and ``data_dir`` (when given) over the environment.

    Raises :class:`~civitrace.server.errors.SettingsError` naming every refused value.
    """
    values: dict[str, Any] = dict(overrides)
    if db is not None:
        values["database_url"] = db
    if data_dir is not None:
        values["data_dir"] = data_dir
    return load_settings(**values)


def check_schema(engine: Engine) -> None:
    """Raise :class:`StorageError` unless the database is at the newest revision."""
    found, wanted = current_revision(engine), head_revision()
    if found != wanted:
        raise StorageError(
            f"database schema is at {found or 'nothing'}, expected {wanted}: "
            "run 'civitrace admin migrate' (or 'civitrace serve', which migrates)"
        )


def redacted_url(url: str) -> str:
    """``url`` with its password hidden, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unparsable database URL>"


@contextmanager
def open_database(settings: Settings, *, migrate_first: bool = False) -> Iterator[Engine]:
    """An engine on a database at the head revision (migrated first when asked), disposed
    on exit. A database that cannot be reached is a one-line :class:`StorageError`."""
    try:
        engine = make_engine(settings.database_url, echo=settings.debug_log_sql)
    except (SQLAlchemyError, ValueError) as exc:
        raise StorageError(f"--db: {redacted_url(settings.database_url)}: {exc}") from None
    try:
        try:
            if migrate_first:
                migrate(engine)
            check_schema(engine)
        except SQLAlchemyError as exc:
            original = getattr(exc, "orig", None)
            reason = str(original if original is not None else exc)
            raise StorageError(
                f"database {redacted_url(settings.database_url)}: {reason.strip()}"
            ) from None
        yield engine
    finally:
        engine.dispose()
