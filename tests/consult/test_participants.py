"""What a participant may tell a consultation: a display name, a group, a language."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from civitrace.consult.errors import ConsultInputError
from civitrace.consult.groups import GROUPS, StakeholderGroup, parse_group
from civitrace.consult.participants import MAX_DISPLAY_NAME, Profile, parse_language
from civitrace.consult.text import clean_text


def test_a_profile_is_normalized() -> None:
    profile = Profile("  Ada   L. ", StakeholderGroup.PUBLIC, "PT-br")
    assert profile.display_name == "Ada L."
    assert profile.language == "pt-br"
    assert Profile("Zoë", "civil-society", "fr").group is StakeholderGroup.CIVIL_SOCIETY  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("name", "group", "language", "field"),
    [
        ("", "public", "en", "display_name"),
        ("x" * (MAX_DISPLAY_NAME + 1), "public", "en", "display_name"),
        ("bell\x07", "public", "en", "display_name"),
        ("admin\u202e", "public", "en", "display_name"),
        ("Ada", "journalists", "en", "group"),
        ("Ada", "public", "english", "language"),
        ("Ada", "public", "e", "language"),
        ("Ada", "public", "en_GB", "language"),
    ],
)
def test_bad_profiles_name_the_field(name: str, group: str, language: str, field: str) -> None:
    with pytest.raises(ConsultInputError) as caught:
        Profile(name, group, language)  # type: ignore[arg-type]
    assert caught.value.field == field
    assert str(caught.value).startswith(f"{field}: ")


def test_the_six_groups_in_order() -> None:
    assert [g.value for g in GROUPS] == [
        "civil-society",
        "private-sector",
        "government",
        "technical-community",
        "intergovernmental",
        "public",
    ]
    assert parse_group("government") is StakeholderGroup.GOVERNMENT
    assert next(g.label for g in GROUPS) == "Civil society"


def test_language_tags() -> None:
    assert parse_language("zh-Hant") == "zh-Hant"
    assert parse_language(" DE ") == "de"


@given(st.text(max_size=80))
def test_cleaned_text_never_holds_controls_or_edge_spaces(value: str) -> None:
    try:
        cleaned = clean_text(value, "name", max_length=60)
    except ConsultInputError as error:
        rejected_field = error.field
        assert rejected_field == "name"
        return
    assert cleaned == cleaned.strip()
    assert 1 <= len(cleaned) <= 60
    assert not any(ord(c) < 32 or 0x7F <= ord(c) < 0xA0 for c in cleaned)
    assert clean_text(cleaned, "name", max_length=60) == cleaned  # idempotent
