"""The inventory's own texts in the page language.

The inventory is written in English (``inventory.toml``); its descriptions, purposes and legal
bases are translated in the ``governance`` gettext catalogs, keyed by the English text. Keying
by the text itself is the point: a reworded description (an editorial change, in force at once)
no longer matches its old translation, so the page shows the new English words, marked
``lang="en"``, rather than a translation of something the inventory no longer says. The same
holds for a category a deployment or a proposal adds: English until translated.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from civitrace.governance.inventory import Category, Inventory
from civitrace.web.i18n import DEFAULT, Language, gettext


@dataclass(frozen=True, slots=True)
class Text:
    """A text to show, and the language it is actually in (for its ``lang`` attribute)."""

    text: str
    lang: str
    translated: bool


def localized(source: str, language: Language) -> Text:
    """``source`` in ``language`` when the catalogs translate it, else the English source."""
    found = gettext(language, source)
    if found != source or language == DEFAULT:
        return Text(found, language.tag, True)
    return Text(source, DEFAULT.tag, False)


@dataclass(frozen=True, slots=True)
class CategoryText:
    """A category's texts in the page language."""

    description: Text
    purposes: tuple[Text, ...]
    legal_basis: Text


def category_text(category: Category, language: Language) -> CategoryText:
    return CategoryText(
        description=localized(category.description, language),
        purposes=tuple(localized(purpose, language) for purpose in category.purposes),
        legal_basis=localized(category.legal_basis, language),
    )


def document_text(document: dict[str, Any], language: Language) -> CategoryText | None:
    """The texts of a category as a change stores it (``add_category``), or ``None``."""
    try:
        return category_text(Category.from_document("proposed", document), language)
    except (ValueError, TypeError):
        return None


def texts_of(inventory: Inventory) -> Iterator[str]:
    """Every text of ``inventory`` that a translation must cover."""
    for category in inventory:
        yield category.description
        yield from category.purposes
        yield category.legal_basis
