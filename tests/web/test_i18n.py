"""Choosing a page language, and the catalogs behind every page."""

import re

import pytest
from babel.messages.pofile import read_po
from hypothesis import given
from hypothesis import strategies as st

from civitrace.web import catalogs
from civitrace.web.i18n import DEFAULT, LANGUAGES, choose_language, gettext, language_for

LOCALES = [language for language in LANGUAGES if language.locale != "en"]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("zh-TW,zh;q=0.9,en;q=0.8", "zh-Hant"),
        ("zh-HK", "zh-Hant"),
        ("zh-CN,zh;q=0.9", "zh-Hans"),
        ("zh", "zh-Hans"),
        ("zh-Hant-TW", "zh-Hant"),
        ("ar-EG,ar;q=0.9", "ar"),
        ("fr-FR,es;q=0.5,en;q=0.4", "es"),
        ("en;q=0.2,ko;q=0.9", "ko"),
        ("ta-IN", "ta"),
        ("ms-MY,en;q=0.1", "ms"),
        ("de-DE,fr;q=0.8", "en"),
        ("ko;q=0,es", "es"),
        ("", "en"),
        ("*", "en"),
    ],
)
def test_accept_language(header: str, expected: str) -> None:
    assert choose_language(accept_language=header).tag == expected


def test_explicit_choice_beats_cookie_beats_browser() -> None:
    assert choose_language("ko", "ar", "es").tag == "ko"
    assert choose_language(None, "ar", "es").tag == "ar"
    assert choose_language("xx", "yy", "es").tag == "es"


def test_unknown_tags_are_none() -> None:
    assert language_for("tlh") is None
    assert language_for(None) is None


@given(st.text(max_size=300))
def test_any_header_gives_an_offered_language(header: str) -> None:
    assert choose_language(header, header, header) in LANGUAGES


def test_right_to_left_is_arabic_only() -> None:
    assert [language.tag for language in LANGUAGES if language.rtl] == ["ar"]
    assert len(LANGUAGES) >= 8


@pytest.mark.parametrize("language", LOCALES, ids=lambda language: language.tag)
def test_every_page_message_is_translated(language: object) -> None:
    gaps = list(catalogs.missing(language))  # type: ignore[arg-type]
    assert gaps == [], "\n".join(f"{file}: {message!r}" for message, file in gaps)


PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|\{[a-z_]+\}")


@pytest.mark.parametrize("language", LOCALES, ids=lambda language: language.tag)
def test_translations_keep_placeholders_and_are_final(language: object) -> None:
    folder = catalogs.locale_folder(language)  # type: ignore[arg-type]
    files = sorted(folder.glob("*.po"))
    assert files, f"no catalogs in {folder}"
    for path in files:
        with path.open("rb") as handle:
            catalog = read_po(handle)
        for message in catalog:
            if not message.id:
                continue
            assert not message.fuzzy, f"{path}: fuzzy entry {message.id!r}"
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            wanted = sorted(set(PLACEHOLDER.findall(" ".join(ids))))
            for text in strings:
                assert sorted(set(PLACEHOLDER.findall(text))) == wanted, (
                    f"{path}: {message.id!r} → {text!r} changes placeholders"
                )


def test_english_is_the_source() -> None:
    assert gettext(DEFAULT, "Home") == "Home"
    assert gettext(LANGUAGES[1], "Home") != "Home"
