"""Differences between two inventories, each classified as widening, narrowing or editorial.

Widening (needs the notice period and a consultation summary): a new category, a longer or
unlimited retention, a new purpose, a new reader, a changed legal basis, a category no longer
marked personal. Narrowing (applies at once): a category removed, a shorter retention, a purpose
or reader removed, a category newly marked personal. Editorial (applies at once, published like
any change): a reworded description, which no rule depends on. When in doubt a change is
widening: an operator waits a little longer, the public is never surprised.

Changes are stored one by one, not as whole documents, so proposals made while others are
pending combine: each applies its own changes to whatever is in force when it takes effect.
"""

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Final

from civitrace.governance.durations import parse_duration
from civitrace.governance.errors import InventoryError
from civitrace.governance.inventory import Category, Inventory


class Effect(enum.StrEnum):
    """Whether a change widens collection, narrows it, or only rewords it."""

    WIDENING = "widening"
    NARROWING = "narrowing"
    EDITORIAL = "editorial"


class Op(enum.StrEnum):
    """The kinds of change, in the order they are listed within one category."""

    ADD_CATEGORY = "add_category"
    REMOVE_CATEGORY = "remove_category"
    SET_RETENTION = "set_retention"
    ADD_READER = "add_reader"
    REMOVE_READER = "remove_reader"
    ADD_PURPOSE = "add_purpose"
    REMOVE_PURPOSE = "remove_purpose"
    SET_LEGAL_BASIS = "set_legal_basis"
    SET_PERSONAL = "set_personal"
    SET_DESCRIPTION = "set_description"


_LIST_FIELD: Final = {
    Op.ADD_READER: "readers",
    Op.REMOVE_READER: "readers",
    Op.ADD_PURPOSE: "purposes",
    Op.REMOVE_PURPOSE: "purposes",
}
_SET_FIELD: Final = {
    Op.SET_RETENTION: "retention",
    Op.SET_LEGAL_BASIS: "legal_basis",
    Op.SET_PERSONAL: "personal",
    Op.SET_DESCRIPTION: "description",
}


@dataclass(frozen=True, slots=True)
class Change:
    """One change to one category. ``value`` is what is added or set (a whole category's
    document for ``add_category``), ``before`` what was there (for ``set_*`` and removals)."""

    op: Op
    category: str
    effect: Effect
    value: Any = None
    before: Any = None

    def describe(self) -> str:
        """One line in English, for the CLI and logs."""
        what = {
            Op.ADD_CATEGORY: "new category",
            Op.REMOVE_CATEGORY: "category removed",
            Op.ADD_READER: f"new reader {self.value}",
            Op.REMOVE_READER: f"reader {self.value} removed",
            Op.ADD_PURPOSE: f"new purpose: {self.value}",
            Op.REMOVE_PURPOSE: f"purpose removed: {self.value}",
        }.get(self.op)
        if what is None:
            field = _SET_FIELD[self.op]
            what = f"{field} {_show(self.before)} -> {_show(self.value)}"
        return f"{self.category}: {what} ({self.effect})"

    def key(self) -> tuple[str, str, str]:
        """What the change does, regardless of what was there before (to spot duplicates)."""
        return (str(self.op), self.category, repr(self.value))

    def to_json(self) -> dict[str, Any]:
        return {
            "op": str(self.op),
            "category": self.category,
            "effect": str(self.effect),
            "value": self.value,
            "before": self.before,
        }

    @classmethod
    def from_json(cls, document: Mapping[str, Any]) -> "Change":
        return cls(
            Op(document["op"]),
            str(document["category"]),
            Effect(document["effect"]),
            document.get("value"),
            document.get("before"),
        )


def _show(value: object) -> str:
    if value is None:
        return "unlimited"
    return str(value)


def _retention_effect(before: timedelta | None, after: timedelta | None) -> Effect:
    if after is None:
        return Effect.WIDENING  # before is not None here: unlimited is the longest
    if before is None:
        return Effect.NARROWING
    return Effect.WIDENING if after > before else Effect.NARROWING


def _category_changes(old: Category, new: Category) -> list[Change]:
    name = new.name
    found: list[Change] = []
    if old.retention != new.retention:
        found.append(
            Change(
                Op.SET_RETENTION,
                name,
                _retention_effect(old.retention, new.retention),
                new.retention_text,
                old.retention_text,
            )
        )
    for add, remove, field in (
        (Op.ADD_READER, Op.REMOVE_READER, "readers"),
        (Op.ADD_PURPOSE, Op.REMOVE_PURPOSE, "purposes"),
    ):
        before, after = getattr(old, field), getattr(new, field)
        found += [Change(add, name, Effect.WIDENING, v) for v in after if v not in before]
        found += [Change(remove, name, Effect.NARROWING, v) for v in before if v not in after]
    if old.legal_basis != new.legal_basis:
        found.append(
            Change(Op.SET_LEGAL_BASIS, name, Effect.WIDENING, new.legal_basis, old.legal_basis)
        )
    if old.personal != new.personal:
        effect = Effect.NARROWING if new.personal else Effect.WIDENING
        found.append(Change(Op.SET_PERSONAL, name, effect, new.personal, old.personal))
    if old.description != new.description:
        found.append(
            Change(Op.SET_DESCRIPTION, name, Effect.EDITORIAL, new.description, old.description)
        )
    return found


def diff(old: Inventory, new: Inventory) -> list[Change]:
    """Every change that turns ``old`` into ``new``, by category name."""
    changes: list[Change] = []
    for name in sorted(set(old.names) | set(new.names)):
        before, after = old.get(name), new.get(name)
        if before is None and after is not None:
            changes.append(Change(Op.ADD_CATEGORY, name, Effect.WIDENING, after.to_document()))
        elif after is None and before is not None:
            changes.append(
                Change(Op.REMOVE_CATEGORY, name, Effect.NARROWING, before=before.to_document())
            )
        elif before is not None and after is not None:
            changes += _category_changes(before, after)
    return changes


def _apply_one(documents: dict[str, dict[str, Any]], change: Change) -> None:
    if change.op is Op.ADD_CATEGORY:
        documents[change.category] = dict(change.value)
        return
    if change.op is Op.REMOVE_CATEGORY:
        documents.pop(change.category, None)
        return
    document = documents.get(change.category)
    if document is None:
        return  # the category went away meanwhile: nothing left to change
    if change.op in _LIST_FIELD:
        field = _LIST_FIELD[change.op]
        items = [v for v in document.get(field, []) if v != change.value]
        if change.op in {Op.ADD_READER, Op.ADD_PURPOSE}:
            items.append(change.value)
        document[field] = items
    elif change.op is Op.SET_RETENTION and change.value is None:
        document.pop("retention", None)
    else:
        if change.op is Op.SET_RETENTION:
            parse_duration(str(change.value))  # a stored change is trusted, but never blindly
        document[_SET_FIELD[change.op]] = change.value


def apply_changes(
    inventory: Inventory, changes: Iterable[Change], *, strict: bool = False
) -> Inventory:
    """``inventory`` with ``changes`` applied in order.

    A category the changes would leave invalid (no reader left, personal without retention)
    keeps its previous declaration, or raises :class:`InventoryError` when ``strict``.
    """
    documents = {c.name: c.to_document() for c in inventory}
    for change in changes:
        try:
            _apply_one(documents, change)
        except (ValueError, TypeError) as exc:
            if strict:
                raise InventoryError(f"{change.describe()}: {exc}") from None
    result = []
    for name, document in documents.items():
        try:
            result.append(Category.from_document(name, document))
        except InventoryError:
            if strict:
                raise
            previous = inventory.get(name)
            if previous is not None:
                result.append(previous)
    return Inventory(tuple(result))
