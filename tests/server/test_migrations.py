"""Models and migrations agree, on SQLite and on PostgreSQL."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from civitrace.server.db import Base, current_revision, head_revision, make_engine, migrate


def test_no_drift_between_models_and_migrations(database_url: str) -> None:
    engine = make_engine(database_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
    assert current_revision(engine) == head_revision() is not None
    engine.dispose()


def test_migrate_is_idempotent(database_url: str) -> None:
    migrate(database_url)
    engine = make_engine(database_url)
    assert current_revision(engine) == head_revision()
    engine.dispose()


def test_every_column_is_commented() -> None:
    for table in Base.metadata.sorted_tables:
        assert table.comment, table.name
        for column in table.columns:
            assert column.comment, f"{table.name}.{column.name}"


def test_no_table_can_hold_client_metadata() -> None:
    forbidden = ("ip", "addr", "agent", "header", "phone", "email", "user_agent", "cookie")
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            words = column.name.split("_")
            assert not any(word in forbidden for word in words), f"{table.name}.{column.name}"
