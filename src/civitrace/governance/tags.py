"""What each table declares about its data: ``info={"data_category", "retention_column"}``.

Every table on the declarative ``Base`` names the inventory category it holds; a table of a
personal category also names the UTC timestamp (or date) column its retention is counted from.
A ``NULL`` in that column means the retention clock has not started (an account still open, a
case not yet closed). :func:`check_tags` lists every way the tables and an inventory disagree;
a test fails on any, so a new table cannot hold undeclared data.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Final

from sqlalchemy import Column, MetaData, Table
from sqlalchemy.types import TypeDecorator

from civitrace.governance.inventory import Inventory

CATEGORY_KEY: Final = "data_category"
RETENTION_KEY: Final = "retention_column"


@dataclass(frozen=True, slots=True)
class TableTag:
    """One table and what it declares; ``category`` ``None`` means it declares nothing."""

    table: Table
    category: str | None
    retention_column: str | None

    @property
    def column(self) -> Column[object] | None:
        """The retention column, if declared and present."""
        if self.retention_column is None:
            return None
        return self.table.columns.get(self.retention_column)


def table_tags(metadata: MetaData) -> Iterator[TableTag]:
    """Every table's declaration, children before parents (the order rows can be deleted in)."""
    for table in reversed(metadata.sorted_tables):
        category = table.info.get(CATEGORY_KEY)
        column = table.info.get(RETENTION_KEY)
        yield TableTag(
            table,
            category if isinstance(category, str) else None,
            column if isinstance(column, str) else None,
        )


def column_kind(column: Column[object]) -> type | None:
    """``datetime`` or ``date`` for a column a retention can be counted from, else ``None``."""
    kind = column.type
    while isinstance(kind, TypeDecorator):  # e.g. UTCDateTime: its impl says what it stores
        kind = kind.impl_instance
    try:
        python_type = kind.python_type
    except NotImplementedError:
        return None
    if issubclass(python_type, datetime):
        return datetime
    if issubclass(python_type, date):
        return date
    return None


def check_tags(metadata: MetaData, inventory: Inventory) -> list[str]:
    """Every disagreement between the tables' declarations and ``inventory``, one line each."""
    problems = []
    for tag in table_tags(metadata):
        name = tag.table.name
        if tag.category is None:
            problems.append(f"table {name}: no info['{CATEGORY_KEY}'] declared")
            continue
        category = inventory.get(tag.category)
        if category is None:
            problems.append(f"table {name}: category {tag.category!r} is not in the inventory")
            continue
        if tag.retention_column is None:
            if category.personal:
                problems.append(
                    f"table {name}: category {tag.category!r} holds personal data but the table "
                    f"declares no info['{RETENTION_KEY}']"
                )
            continue
        column = tag.column
        if column is None:
            problems.append(
                f"table {name}: retention column {tag.retention_column!r} does not exist"
            )
        elif column_kind(column) is None:
            problems.append(
                f"table {name}: retention column {tag.retention_column!r} is not a date or time"
            )
        elif category.retention is None:
            problems.append(
                f"table {name}: declares a retention column but category {tag.category!r} "
                "declares no retention"
            )
    return problems
