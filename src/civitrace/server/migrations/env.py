"""Alembic environment: migrate the connection handed in by :func:`civitrace.server.db.migrate`.

On PostgreSQL the migration holds a transaction-scoped advisory lock, so two hosts starting at
once never migrate concurrently, and a lock timeout, so a migration waiting behind a long query
fails instead of stalling every request queued behind it.
"""

from alembic import context
from sqlalchemy import Connection, text

from civitrace.server.db.engine import make_engine
from civitrace.server.db.models import Base

MIGRATION_LOCK_ID = 0x63697669  # "civi": advisory-lock key of schema migrations

target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text("SET LOCAL lock_timeout = '10s'"))
        connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": MIGRATION_LOCK_ID})
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        compare_type=True,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = context.config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no connection and no sqlalchemy.url given to the migrations")
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            _run(conn)
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise RuntimeError("offline (SQL script) migrations are not supported")
run_migrations_online()
