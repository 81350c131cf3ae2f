"""Inventory changes: each kind is classified widening, narrowing or editorial, and applying
the changes of ``diff(a, b)`` to ``a`` gives ``b``."""

from dataclasses import replace
from datetime import timedelta

import pytest
from hypothesis import given

from civitrace.governance.changes import Change, Effect, Op, apply_changes, diff
from civitrace.governance.errors import InventoryError
from civitrace.governance.inventory import Category, Inventory, shipped_inventory
from tests.governance.test_inventory import inventories

BASE = shipped_inventory()


def _cases() -> Category:
    cases = BASE.get("cases")
    assert cases is not None
    return cases


def _with(category: Category) -> Inventory:
    return Inventory((*(c for c in BASE if c.name != category.name), category))


@pytest.mark.parametrize(
    ("changed", "op", "effect"),
    [
        (replace(_cases(), retention=timedelta(days=60)), Op.SET_RETENTION, Effect.WIDENING),
        (replace(_cases(), retention=timedelta(days=7)), Op.SET_RETENTION, Effect.NARROWING),
        (
            replace(_cases(), readers=("auditor", "case-worker", "venue-tracer")),
            Op.ADD_READER,
            Effect.WIDENING,
        ),
        (replace(_cases(), readers=("case-worker",)), Op.REMOVE_READER, Effect.NARROWING),
        (
            replace(_cases(), purposes=(*_cases().purposes, "Research")),
            Op.ADD_PURPOSE,
            Effect.WIDENING,
        ),
        (replace(_cases(), legal_basis="A new law"), Op.SET_LEGAL_BASIS, Effect.WIDENING),
        (replace(_cases(), description="Reworded."), Op.SET_DESCRIPTION, Effect.EDITORIAL),
    ],
)
def test_each_change_is_classified(changed: Category, op: Op, effect: Effect) -> None:
    changes = diff(BASE, _with(changed))
    assert [(c.op, c.category, c.effect) for c in changes] == [(op, "cases", effect)]
    assert changes[0].describe().startswith("cases: ")
    assert apply_changes(BASE, changes) == _with(changed)


def test_categories_added_removed_and_unmarked_personal() -> None:
    without = Inventory(tuple(c for c in BASE if c.name != "usage_reports"))
    removed = diff(BASE, without)
    assert [(c.op, c.effect) for c in removed] == [(Op.REMOVE_CATEGORY, Effect.NARROWING)]
    added = diff(without, BASE)
    assert [(c.op, c.effect) for c in added] == [(Op.ADD_CATEGORY, Effect.WIDENING)]
    ledger = BASE.get("privacy_ledger")
    assert ledger is not None
    marked = replace(ledger, personal=True, retention=timedelta(days=90))
    narrowing = diff(BASE, _with(marked))
    assert {c.effect for c in narrowing} == {Effect.NARROWING}
    assert {c.effect for c in diff(_with(marked), BASE)} == {Effect.WIDENING}
    unlimited = diff(_with(marked), _with(replace(marked, retention=None, personal=False)))
    assert {(c.op, c.effect) for c in unlimited} == {
        (Op.SET_RETENTION, Effect.WIDENING),
        (Op.SET_PERSONAL, Effect.WIDENING),
    }


@given(inventories(), inventories())
def test_applying_the_diff_gives_the_target(a: Inventory, b: Inventory) -> None:
    assert apply_changes(a, diff(a, b), strict=True) == b


@given(inventories(), inventories())
def test_changes_survive_json(a: Inventory, b: Inventory) -> None:
    changes = diff(a, b)
    assert [Change.from_json(c.to_json()) for c in changes] == changes


def test_a_change_that_would_break_a_category_is_skipped_or_refused() -> None:
    only = replace(_cases(), readers=("case-worker",))
    start = _with(only)
    gone = [Change(Op.REMOVE_READER, "cases", Effect.NARROWING, "case-worker")]
    assert apply_changes(start, gone) == start  # no reader left: the old declaration stays
    with pytest.raises(InventoryError, match="readers"):
        apply_changes(start, gone, strict=True)
    ghost = [Change(Op.ADD_READER, "no_such_category", Effect.WIDENING, "admin")]
    assert apply_changes(start, ghost) == start
