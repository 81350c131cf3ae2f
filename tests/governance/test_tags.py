"""Every table declares its data category, and a personal category's tables declare where
their retention counts from. Fails when any table of ``Base.metadata`` does not."""

from sqlalchemy import Column, Date, DateTime, Integer, MetaData, String, Table

import civitrace.server.db  # noqa: F401 - registers every area's tables on Base.metadata
from civitrace.governance.inventory import shipped_inventory
from civitrace.governance.tags import check_tags, table_tags
from civitrace.server.db import Base


def test_every_table_declares_a_category_of_the_inventory() -> None:
    problems = check_tags(Base.metadata, shipped_inventory())
    assert problems == [], "\n".join(problems)


def test_every_table_is_seen() -> None:
    names = {tag.table.name for tag in table_tags(Base.metadata)}
    assert names == set(Base.metadata.tables)
    assert {"audit_log", "exposures", "access_requests"} <= names


def test_each_kind_of_problem_is_reported() -> None:
    metadata = MetaData()
    Table("untagged", metadata, Column("id", Integer, primary_key=True))
    Table(
        "unknown",
        metadata,
        Column("id", Integer, primary_key=True),
        info={"data_category": "gossip"},
    )
    Table(
        "no_column",
        metadata,
        Column("id", Integer, primary_key=True),
        info={"data_category": "cases"},
    )
    Table(
        "missing_column",
        metadata,
        Column("id", Integer, primary_key=True),
        info={"data_category": "cases", "retention_column": "closed_at"},
    )
    Table(
        "text_column",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("closed_at", String(20)),
        info={"data_category": "cases", "retention_column": "closed_at"},
    )
    Table(
        "unlimited",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("created_at", DateTime),
        info={"data_category": "operational", "retention_column": "created_at"},
    )
    Table(
        "fine",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("day", Date),
        info={"data_category": "cases", "retention_column": "day"},
    )
    problems = check_tags(metadata, shipped_inventory())
    expected = {
        "untagged": "no info['data_category']",
        "unknown": "'gossip' is not in the inventory",
        "no_column": "declares no info['retention_column']",
        "missing_column": "'closed_at' does not exist",
        "text_column": "is not a date or time",
        "unlimited": "declares no retention",
    }
    assert len(problems) == len(expected), problems
    for table, message in expected.items():
        assert any(p.startswith(f"table {table}:") and message in p for p in problems), table
