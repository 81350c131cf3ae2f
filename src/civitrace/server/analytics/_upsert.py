"""``INSERT … ON CONFLICT`` for the two backends (SQLAlchemy has one construct per dialect)."""

from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from civitrace.server.errors import StorageError


def insert_for(session: Session, table: Table) -> Any:
    """An ``INSERT`` of ``table`` that supports ``on_conflict_do_nothing/update`` on this backend.

    Typed ``Any``: the two dialects' ``Insert`` classes share the methods but no base class.
    """
    name = session.get_bind().dialect.name
    if name == "postgresql":
        return postgresql.insert(table)
    if name == "sqlite":
        return sqlite.insert(table)
    raise StorageError(f"database backend {name!r} is not supported (SQLite or PostgreSQL)")
