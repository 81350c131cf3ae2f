"""One change to the inventory as the public reads it: what it does, in the page language.

:meth:`civitrace.governance.changes.Change.describe` is a one-line English summary for the CLI;
the pages need each kind of change as a sentence in eight languages, with the category's title
and the values (retentions, readers, purposes) in words.
"""

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from civitrace.governance.changes import Change, Effect, Op
from civitrace.governance.durations import parse_duration
from civitrace.web.catalogs import N_
from civitrace.web.governance import words
from civitrace.web.governance.inventory_text import CategoryText, Text, document_text, localized
from civitrace.web.i18n import Language, gettext


@dataclass(frozen=True, slots=True)
class ChangeText:
    """A change for a template: its effect, the category, a sentence and an optional value."""

    effect: Effect
    effect_label: str
    css: str  # the class the page styles it by: its effect, or "baseline"
    category: str
    category_title: str
    sentence: str
    value: Text | None = None
    added: CategoryText | None = None  # the texts of a new category
    added_retention: str | None = None
    added_readers: tuple[str, ...] = ()


_SENTENCES = {
    Op.ADD_CATEGORY: N_("A new kind of data would be collected."),
    Op.REMOVE_CATEGORY: N_("This kind of data is no longer collected; what is stored is deleted."),
    Op.ADD_READER: N_("New reader: %(reader)s."),
    Op.REMOVE_READER: N_("No longer read by: %(reader)s."),
    Op.ADD_PURPOSE: N_("New purpose:"),
    Op.REMOVE_PURPOSE: N_("Purpose dropped:"),
    Op.SET_LEGAL_BASIS: N_("New legal basis:"),
    Op.SET_DESCRIPTION: N_("The description is reworded:"),
}


def _retention(value: Any) -> timedelta | None:
    if value is None:
        return None
    try:
        return parse_duration(str(value))
    except ValueError:
        return None


def _sentence(change: Change, language: Language) -> tuple[str, Text | None]:
    op = change.op
    if op is Op.SET_RETENTION:
        text = gettext(language, N_("Kept for %(after)s instead of %(before)s.")) % {
            "after": words.duration_text(change.value, language),
            "before": words.duration_text(change.before, language),
        }
        return text, None
    if op is Op.SET_PERSONAL:
        message = (
            N_("Now treated as personal data, with every protection that brings.")
            if change.value
            else N_("No longer treated as personal data.")
        )
        return gettext(language, message), None
    if op in {Op.ADD_READER, Op.REMOVE_READER}:
        reader = words.word(words.READERS, str(change.value), language)
        return gettext(language, _SENTENCES[op]) % {"reader": reader}, None
    if op in {Op.ADD_PURPOSE, Op.REMOVE_PURPOSE, Op.SET_LEGAL_BASIS, Op.SET_DESCRIPTION}:
        return gettext(language, _SENTENCES[op]), localized(str(change.value), language)
    return gettext(language, _SENTENCES[op]), None


def change_text(change: Change, language: Language, *, baseline: bool = False) -> ChangeText:
    """``change`` for a template, in ``language``; in the ``baseline`` a new category is one
    collected from the start, not a widening."""
    sentence, value = _sentence(change, language)
    effect_label = words.word(words.EFFECTS, str(change.effect), language)
    if baseline:
        sentence = gettext(language, N_("Collected since the service started."))
        effect_label = gettext(language, N_("From the start"))
    added: CategoryText | None = None
    retention: str | None = None
    readers: tuple[str, ...] = ()
    if change.op is Op.ADD_CATEGORY and isinstance(change.value, dict):
        added = document_text(change.value, language)
        retention = words.duration(_retention(change.value.get("retention")), language)
        readers = tuple(
            words.word(words.READERS, str(reader), language)
            for reader in change.value.get("readers", [])
        )
    return ChangeText(
        effect=change.effect,
        effect_label=effect_label,
        css="baseline" if baseline else str(change.effect),
        category=change.category,
        category_title=words.category_title(change.category, language),
        sentence=sentence,
        value=value,
        added=added,
        added_retention=retention,
        added_readers=readers,
    )


def grouped(
    changes: tuple[Change, ...], language: Language, *, baseline: bool = False
) -> list[tuple[str, list[ChangeText]]]:
    """Changes by effect (widening first), as (effect, changes) pairs, empty groups left out."""
    texts = [change_text(change, language, baseline=baseline) for change in changes]
    order = (Effect.WIDENING, Effect.NARROWING, Effect.EDITORIAL)
    return [
        (str(effect), [t for t in texts if t.effect is effect])
        for effect in order
        if any(t.effect is effect for t in texts)
    ]
