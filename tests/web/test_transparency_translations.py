"""The governance pages' words in every language: the inventory's own texts, the vocabulary of
readers, requesters, decisions and statuses, and durations written the language's way."""

from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from civitrace.governance.access_requests import OUTCOMES
from civitrace.governance.changes import Effect
from civitrace.governance.constants import READERS
from civitrace.governance.durations import format_duration
from civitrace.governance.inventory import shipped_inventory
from civitrace.governance.proposals import Status
from civitrace.server.db.governance_models import ProposalKind, RequesterType
from civitrace.web.governance import words
from civitrace.web.governance.inventory_text import localized, texts_of
from civitrace.web.i18n import DEFAULT, LANGUAGES, Language

OTHERS = [language for language in LANGUAGES if language != DEFAULT]


@pytest.mark.parametrize("language", OTHERS, ids=lambda language: language.tag)
def test_every_text_of_the_shipped_inventory_is_translated(language: Language) -> None:
    untranslated = [
        text for text in texts_of(shipped_inventory()) if not localized(text, language).translated
    ]
    assert untranslated == []


@pytest.mark.parametrize("language", OTHERS, ids=lambda language: language.tag)
def test_every_code_shown_has_a_word(language: Language) -> None:
    for table, codes in (
        (words.READERS, READERS),
        (words.REQUESTER_TYPES, {str(kind) for kind in RequesterType}),
        (words.OUTCOMES, set(OUTCOMES)),
        (words.STATUSES, {str(status) for status in Status}),
        (words.KINDS, {str(kind) for kind in ProposalKind}),
        (words.EFFECTS, {str(effect) for effect in Effect}),
    ):
        assert set(table) == set(codes)
        for code in codes:
            assert words.word(table, code, language) != table[code], (language.tag, code)
    for category in shipped_inventory():
        assert category.name in words.CATEGORY_TITLES
        title = words.category_title(category.name, language)
        assert title != words.CATEGORY_TITLES[category.name], (language.tag, category.name)


@settings(deadline=None)
@given(st.text(min_size=1, max_size=80).filter(lambda text: text.strip() == text))
def test_text_nobody_translated_is_shown_in_english_and_marked(text: str) -> None:
    """A category a deployment added, or a description reworded since it was translated."""
    source = f"Deployment text: {text}"
    for language in OTHERS:
        shown = localized(source, language)
        assert (shown.text, shown.lang, shown.translated) == (source, "en", False)
    assert localized(source, DEFAULT).lang == "en"


@settings(deadline=None)  # the first call loads Babel's locale data
@given(st.integers(min_value=1, max_value=10**7).map(lambda seconds: timedelta(seconds=seconds)))
def test_english_durations_match_the_inventory_words(value: timedelta) -> None:
    assert words.duration(value, DEFAULT) == format_duration(value)


@settings(deadline=None)
@given(st.integers(min_value=1, max_value=5000))
def test_durations_keep_their_number_in_every_language(days: int) -> None:
    for language in LANGUAGES:
        text = words.duration(timedelta(days=days), language)
        if days > 2:  # Arabic writes one and two days as words
            assert str(days) in text.replace(",", "").replace("٬", ""), (language.tag, text)


def test_unlimited_and_unknown_codes() -> None:
    assert words.duration(None, DEFAULT) == "As long as the service runs"
    assert words.word(words.READERS, "martians", LANGUAGES[1]) == "martians"
    assert words.category_title("bus_tickets", LANGUAGES[1]) == "Bus tickets"
