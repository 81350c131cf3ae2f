"""The data inventory: the shipped file is valid and complete, TOML round-trips, and every
malformed value is refused with a message naming where it is."""

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from civitrace.governance.constants import OPERATIONAL, READERS
from civitrace.governance.durations import format_duration, parse_duration
from civitrace.governance.errors import InventoryError
from civitrace.governance.inventory import (
    Category,
    Inventory,
    load_inventory,
    parse_inventory,
    shipped_inventory,
)

BRIEFED = {
    "checkin_reports",
    "venue_warnings",
    "kiosk_slips",
    "privacy_ledger",
    "usage_reports",
    "staff_accounts",
    "staff_sessions",
    "cases",
    "quarantine_followups",
    "consultation_participants",
    "consultations",
    "audit_log",
    "inventory_proposals",
    "access_requests",
    OPERATIONAL,
}
"""The categories every area was told to tag its tables with."""


def test_the_shipped_inventory_declares_every_agreed_category() -> None:
    inventory = shipped_inventory()
    assert set(inventory.names) >= BRIEFED
    for category in inventory:
        if category.personal:
            assert category.retention is not None, category.name
        assert set(category.readers) <= READERS


def test_only_personal_categories_of_citizens_are_wiped_first() -> None:
    inventory = shipped_inventory()
    public = {"consultations", "inventory_proposals", "privacy_ledger", OPERATIONAL}
    assert {c.name for c in inventory if not c.personal} >= public


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("14 days", timedelta(days=14)),
        ("1 day", timedelta(days=1)),
        ("1 hour", timedelta(hours=1)),
        ("90 minutes", timedelta(minutes=90)),
        ("2 weeks", timedelta(days=14)),
        ("0 seconds", timedelta(0)),
        (" 3 HOURS ", timedelta(hours=3)),
    ],
)
def test_durations_are_read_in_words(text: str, value: timedelta) -> None:
    assert parse_duration(text) == value


@pytest.mark.parametrize("text", ["", "14", "days", "-1 day", "1.5 days", "1 fortnight", "P14D"])
def test_bad_durations_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match=r"duration|negative"):
        parse_duration(text)


@given(st.integers(0, 10**8).map(lambda s: timedelta(seconds=s)))
def test_durations_round_trip(value: timedelta) -> None:
    assert parse_duration(format_duration(value)) == value


def test_durations_are_written_in_the_largest_exact_unit() -> None:
    assert format_duration(timedelta(days=14)) == "14 days"
    assert format_duration(timedelta(hours=1)) == "1 hour"
    assert format_duration(timedelta(minutes=90)) == "90 minutes"
    assert format_duration(timedelta(seconds=61)) == "61 seconds"


NAMES = st.from_regex(r"[a-z][a-z0-9_]{0,10}", fullmatch=True)
TEXTS = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=30).filter(
    lambda t: t.strip() == t and t
)


@st.composite
def categories(draw: st.DrawFn, name: str) -> Category:
    personal = draw(st.booleans())
    retention = draw(
        st.integers(0, 10**7).map(lambda s: timedelta(seconds=s))
        if personal
        else st.none() | st.integers(0, 10**7).map(lambda s: timedelta(seconds=s))
    )
    return Category(
        name=name,
        personal=personal,
        purposes=tuple(draw(st.lists(TEXTS, min_size=1, max_size=3, unique=True))),
        legal_basis=draw(TEXTS),
        retention=retention,
        readers=tuple(draw(st.lists(st.sampled_from(sorted(READERS)), min_size=1, unique=True))),
        description=draw(TEXTS),
    )


@st.composite
def inventories(draw: st.DrawFn) -> Inventory:
    names = draw(st.lists(NAMES, min_size=1, max_size=5, unique=True))
    return Inventory(tuple(draw(categories(name)) for name in names))


@given(inventories())
def test_toml_round_trips(inventory: Inventory) -> None:
    assert parse_inventory(inventory.to_toml()) == inventory


def test_the_shipped_inventory_round_trips() -> None:
    assert parse_inventory(shipped_inventory().to_toml()) == shipped_inventory()


GOOD: dict[str, Any] = {
    "personal": "true",
    "purposes": '["Warn people"]',
    "legal_basis": '"Consent"',
    "retention": '"14 days"',
    "readers": '["case-worker"]',
    "description": '"Check-ins"',
}


def _toml(top: str = "format = 1", **fields: str | None) -> str:
    values = {**GOOD, **fields}
    lines = [top, "[categories.cases]"]
    lines += [f"{key} = {value}" for key, value in values.items() if value is not None]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("text", "where"),
    [
        (_toml(retention='"-1 days"'), "categories.cases.retention: .* must not be negative"),
        (_toml(retention='"two weeks"'), "categories.cases.retention"),
        (_toml(retention="14"), "categories.cases.retention: must be a string"),
        (_toml(retention=None), "categories.cases.retention: a category holding personal"),
        (_toml(colour='"red"'), "categories.cases.colour: unknown key"),
        (_toml(readers='["police"]'), "categories.cases.readers: unknown reader 'police'"),
        (_toml(readers="[]"), "categories.cases.readers: must be a non-empty list"),
        (_toml(readers='["admin", "admin"]'), "categories.cases.readers: lists an entry twice"),
        (_toml(purposes='[""]'), r"categories.cases.purposes\[0\]: must be a non-empty string"),
        (_toml(personal='"yes"'), "categories.cases.personal: must be true or false"),
        (_toml(description=None), "categories.cases.description: missing"),
        (_toml(legal_basis='"  "'), "categories.cases.legal_basis: must be a non-empty"),
        (_toml(top="format = 2"), "format: must be 1"),
        (_toml(top="format = 1\nowner = 'x'"), "owner: unknown key"),
        ("format = 1\n", "categories: must be a non-empty table"),
        ("format = 1\n[categories.Cases]\n", "categories.Cases: a category name"),
        ("format = 1\n[categories\n", "not valid TOML"),
    ],
)
def test_malformed_inventories_are_refused_naming_the_value(text: str, where: str) -> None:
    with pytest.raises(InventoryError, match=rf"^demo.toml: {where}"):
        parse_inventory(text, "demo.toml")


def test_a_valid_minimal_inventory_loads(tmp_path: Path) -> None:
    path = tmp_path / "inventory.toml"
    path.write_text(_toml(), encoding="utf-8")
    inventory = load_inventory(path)
    cases = inventory.get("cases")
    assert cases is not None
    assert cases.retention == timedelta(days=14)
    assert cases.retention_text == "14 days"
    assert "cases" in inventory
    assert len(inventory) == 1


def test_unreadable_files_are_inventory_errors(tmp_path: Path) -> None:
    with pytest.raises(InventoryError, match="no such file"):
        load_inventory(tmp_path / "missing.toml")
    binary = tmp_path / "binary.toml"
    binary.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(InventoryError, match="not UTF-8"):
        load_inventory(binary)


def test_a_category_declared_twice_is_refused() -> None:
    cases = shipped_inventory().get("cases")
    assert cases is not None
    with pytest.raises(InventoryError, match="declared twice"):
        Inventory((cases, cases))
