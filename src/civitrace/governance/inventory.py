"""The data inventory: every category civitrace stores, why, on what legal basis, for how
long, and who may read it (DESIGN §5).

It is configuration, read from TOML (the shipped ``inventory.toml`` by default), and validated
once at construction: an unknown key, a negative or malformed retention, an undeclared reader or
a personal category without a retention is refused with a message naming the file and the
dotted path of the value. The rest of the code trusts an :class:`Inventory`.

Tables say which category they hold in their SQLAlchemy ``info`` (see :mod:`.tags`); the
enforcement job (:mod:`.enforce`) deletes what is past the declared retention.
"""

import json
import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from importlib import resources
from itertools import pairwise
from pathlib import Path
from typing import Any, Final

from civitrace.governance.constants import INVENTORY_FORMAT, READERS
from civitrace.governance.durations import format_duration, parse_duration
from civitrace.governance.errors import InventoryError

CATEGORY_NAME: Final = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
MAX_TEXT: Final = 2000  # characters of one purpose, legal basis or description
_CATEGORY_KEYS: Final = frozenset(
    {"personal", "purposes", "legal_basis", "retention", "readers", "description"}
)
_TOP_KEYS: Final = frozenset({"format", "categories"})
SHIPPED_INVENTORY: Final = "inventory.toml"  # package data of civitrace.governance

JsonValue = Any


def _text(value: object, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InventoryError(f"{where}: must be a non-empty string")
    if len(value) > MAX_TEXT:
        raise InventoryError(f"{where}: longer than {MAX_TEXT} characters")
    return value.strip()


def _texts(value: object, where: str) -> tuple[str, ...]:
    if not isinstance(value, list | tuple) or not value:
        raise InventoryError(f"{where}: must be a non-empty list of strings")
    items = tuple(_text(item, f"{where}[{n}]") for n, item in enumerate(value))
    if len(set(items)) != len(items):
        raise InventoryError(f"{where}: lists an entry twice")
    return items


@dataclass(frozen=True, slots=True)
class Category:
    """One declared kind of data. ``retention`` ``None`` means "kept while the service runs",
    allowed only for categories holding no personal data."""

    name: str
    personal: bool
    purposes: tuple[str, ...]
    legal_basis: str
    retention: timedelta | None
    readers: tuple[str, ...]
    description: str

    def __post_init__(self) -> None:
        where = f"categories.{self.name}"
        if not isinstance(self.name, str) or not CATEGORY_NAME.match(self.name):
            raise InventoryError(f"{where}: a category name is lower_snake_case, 1..63 chars")
        if not isinstance(self.personal, bool):
            raise InventoryError(f"{where}.personal: must be true or false")
        object.__setattr__(self, "purposes", _texts(self.purposes, f"{where}.purposes"))
        object.__setattr__(self, "legal_basis", _text(self.legal_basis, f"{where}.legal_basis"))
        object.__setattr__(self, "description", _text(self.description, f"{where}.description"))
        readers = _texts(self.readers, f"{where}.readers")
        unknown = sorted(set(readers) - READERS)
        if unknown:
            raise InventoryError(
                f"{where}.readers: unknown reader {unknown[0]!r} "
                f"(known: {', '.join(sorted(READERS))})"
            )
        object.__setattr__(self, "readers", tuple(sorted(readers)))
        if self.retention is None:
            if self.personal:
                raise InventoryError(
                    f"{where}.retention: a category holding personal data must declare one"
                )
        elif not isinstance(self.retention, timedelta):
            raise InventoryError(f"{where}.retention: must be a duration")
        elif self.retention < timedelta(0):
            raise InventoryError(f"{where}.retention: must not be negative")
        elif self.retention % timedelta(seconds=1):
            raise InventoryError(f"{where}.retention: must be whole seconds")

    @property
    def retention_text(self) -> str | None:
        """The retention in words (``"14 days"``), ``None`` when unlimited."""
        return None if self.retention is None else format_duration(self.retention)

    def to_document(self) -> dict[str, JsonValue]:
        """The category as its TOML table (and JSON object), without its name."""
        document: dict[str, JsonValue] = {
            "personal": self.personal,
            "purposes": list(self.purposes),
            "legal_basis": self.legal_basis,
        }
        if self.retention is not None:
            document["retention"] = self.retention_text
        document["readers"] = list(self.readers)
        document["description"] = self.description
        return document

    @classmethod
    def from_document(cls, name: str, document: object) -> "Category":
        """A category from its TOML table; unknown or missing keys are refused."""
        where = f"categories.{name}"
        if not CATEGORY_NAME.match(name):
            raise InventoryError(f"{where}: a category name is lower_snake_case, 1..63 chars")
        if not isinstance(document, Mapping):
            raise InventoryError(f"{where}: must be a table")
        unknown = sorted(set(document) - _CATEGORY_KEYS)
        if unknown:
            raise InventoryError(
                f"{where}.{unknown[0]}: unknown key (known: {', '.join(sorted(_CATEGORY_KEYS))})"
            )
        missing = sorted(_CATEGORY_KEYS - {"retention"} - set(document))
        if missing:
            raise InventoryError(f"{where}.{missing[0]}: missing")
        retention: timedelta | None = None
        if "retention" in document:
            raw = document["retention"]
            if not isinstance(raw, str):
                raise InventoryError(f"{where}.retention: must be a string such as '14 days'")
            try:
                retention = parse_duration(raw)
            except ValueError as exc:
                raise InventoryError(f"{where}.retention: {exc}") from None
        return cls(
            name=name,
            personal=document["personal"],
            purposes=document["purposes"],
            legal_basis=document["legal_basis"],
            retention=retention,
            readers=document["readers"],
            description=document["description"],
        )


@dataclass(frozen=True, slots=True)
class Inventory:
    """Every declared category, sorted by name; names are unique."""

    categories: tuple[Category, ...]

    def __post_init__(self) -> None:
        ordered = tuple(sorted(self.categories, key=lambda c: c.name))
        names = [c.name for c in ordered]
        for first, second in pairwise(names):
            if first == second:
                raise InventoryError(f"categories.{first}: declared twice")
        object.__setattr__(self, "categories", ordered)

    def __iter__(self) -> Iterator[Category]:
        return iter(self.categories)

    def __contains__(self, name: object) -> bool:
        return any(c.name == name for c in self.categories)

    def __len__(self) -> int:
        return len(self.categories)

    def get(self, name: str) -> Category | None:
        """The category called ``name``, or ``None`` if it is not declared."""
        return next((c for c in self.categories if c.name == name), None)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.categories)

    def to_document(self) -> dict[str, JsonValue]:
        """The inventory as a TOML/JSON document that :func:`inventory_from_document` reads."""
        return {
            "format": INVENTORY_FORMAT,
            "categories": {c.name: c.to_document() for c in self.categories},
        }

    def to_toml(self) -> str:
        """TOML text that :func:`parse_inventory` reads back to an equal inventory."""
        lines = [f"format = {INVENTORY_FORMAT}"]
        for category in self.categories:
            lines += ["", f"[categories.{category.name}]"]
            for key, value in category.to_document().items():
                # JSON strings, arrays and booleans are valid TOML basic strings/arrays/booleans
                lines.append(f"{key} = {json.dumps(value, ensure_ascii=False)}")
        return "\n".join(lines) + "\n"


def inventory_from_document(document: Mapping[str, Any], source: str = "inventory") -> Inventory:
    """An inventory from a parsed TOML document; errors are prefixed with ``source``."""
    try:
        unknown = sorted(set(document) - _TOP_KEYS)
        if unknown:
            raise InventoryError(f"{unknown[0]}: unknown key (known: format, categories)")
        if document.get("format") != INVENTORY_FORMAT:
            raise InventoryError(f"format: must be {INVENTORY_FORMAT}")
        categories = document.get("categories")
        if not isinstance(categories, Mapping) or not categories:
            raise InventoryError("categories: must be a non-empty table of categories")
        return Inventory(
            tuple(Category.from_document(name, value) for name, value in categories.items())
        )
    except InventoryError as exc:
        raise InventoryError(f"{source}: {exc}") from None


def parse_inventory(text: str, source: str = "inventory") -> Inventory:
    """An inventory from TOML text."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InventoryError(f"{source}: not valid TOML ({exc})") from None
    return inventory_from_document(document, source)


def load_inventory(path: Path) -> Inventory:
    """An inventory from a TOML file; a missing or unreadable file is an InventoryError."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InventoryError(f"{path}: no such file") from None
    except UnicodeDecodeError:
        raise InventoryError(f"{path}: not UTF-8 text") from None
    except OSError as exc:
        raise InventoryError(f"{path}: cannot be read ({exc.strerror})") from None
    return parse_inventory(text, str(path))


@cache
def shipped_inventory() -> Inventory:
    """The inventory shipped with civitrace (``governance/inventory.toml``)."""
    source = resources.files("civitrace.governance") / SHIPPED_INVENTORY
    return parse_inventory(source.read_text(encoding="utf-8"), SHIPPED_INVENTORY)
