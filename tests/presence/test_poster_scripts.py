"""Posters in every script: each page language's text is drawn (read back from the PDF through
its fonts' ToUnicode maps, and from the SVG), shaped (Arabic contextual forms, Tamil vowel
signs reordered), in the face of its script, and the PDF's QR code is the check-in URL's."""

import shutil
import unicodedata
import xml.etree.ElementTree as ET
from collections import Counter
from functools import cache
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from civitrace.presence._fonts import (
    Face,
    MissingFontError,
    face_for_text,
    find_fonts,
)
from civitrace.presence.errors import PosterError
from civitrace.presence.payload import TraceLocationType, Venue
from civitrace.presence.poster import (
    Paper,
    _clusters,
    qr_code,
    render_pdf,
    render_svg,
)
from civitrace.presence.poster_text import POSTER_TEXTS, PosterText
from civitrace.presence.url import check_in_url
from civitrace.web.i18n import LANGUAGES
from tests.conftest import require
from tests.presence.test_poster_support import PdfPage, qr_matrix, read_pdf

HOST = "checkin.example.org"
SVG = "{http://www.w3.org/2000/svg}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
PAGE_LANGUAGES = [language.tag for language in LANGUAGES]
EMBEDDED_FONT = {
    Face.BASE: "DejaVuSans",
    Face.ARABIC: "NotoSansArabic",
    Face.TAMIL: "NotoSansTamil",
    Face.CJK_SC: "NotoSansCJKSC",
    Face.CJK_TC: "NotoSansCJKTC",
    Face.CJK_KR: "NotoSansCJKKR",
}
VENUE = Venue.create(
    "Icecream Shop",
    "Main Street 1",
    type=TraceLocationType.PERMANENT_FOOD_SERVICE,
    default_check_in_length_minutes=30,
    seed=bytes(range(16)),
)


@pytest.fixture(autouse=True)
def _fonts() -> None:
    """Every face must be installed (fonts-dejavu-core, fonts-noto-core, fonts-noto-cjk)."""
    try:
        fonts = find_fonts()
    except PosterError:
        require(False, "DejaVu Sans fonts")
        return
    missing = [face.value for face in Face if face not in fonts.faces]
    require(not missing, f"poster fonts {missing} (fonts-noto-core, fonts-noto-cjk)")


@cache
def _pdf(languages: tuple[str, ...], paper: Paper = Paper.A4, venue: Venue = VENUE) -> PdfPage:
    return read_pdf(render_pdf(venue, list(languages), paper, host=HOST))


@cache
def _svg(languages: tuple[str, ...], paper: Paper = Paper.A4, venue: Venue = VENUE) -> ET.Element:
    return ET.fromstring(render_svg(venue, list(languages), paper, host=HOST).encode())


def _letters(text: str) -> Counter[str]:
    return Counter(char for char in text if not char.isspace())


def _embeds(page: PdfPage, face: Face) -> bool:
    return any(font.startswith(EMBEDDED_FONT[face]) for font in page.fonts)


def _drawn(page: PdfPage, text: PosterText) -> None:
    """Every character of the language's heading and body is drawn, as often as written."""
    wanted = _letters(text.heading + text.body)
    drawn = page.glyph_text
    short = {char: count for char, count in wanted.items() if drawn[char] < count}
    assert not short, f"{text.language}: characters not drawn: {short}"


def test_every_page_language_has_a_poster_text() -> None:
    assert set(PAGE_LANGUAGES) <= set(POSTER_TEXTS)
    assert POSTER_TEXTS["ar"].rtl
    assert [t.language for t in POSTER_TEXTS.values() if t.rtl] == ["ar"]


@pytest.mark.parametrize("language", PAGE_LANGUAGES)
def test_pdf_draws_each_language_in_its_face(language: str) -> None:
    text = POSTER_TEXTS[language]
    page = _pdf((language,))
    _drawn(page, text)
    assert _embeds(page, text.face)
    assert "DejaVuSansBold" in page.fonts  # the venue name, in Latin
    if text.face in {Face.BASE, Face.CJK_SC, Face.CJK_TC, Face.CJK_KR}:
        assert page.lines[0] == text.heading  # drawn left to right, one glyph per character


def test_arabic_is_shaped_and_right_to_left() -> None:
    text = POSTER_TEXTS["ar"]
    page = _pdf(("ar",))
    heading = page.lines[0]
    assert _letters(heading) == _letters(text.heading)
    # Drawn in visual order: the first letter of the heading is the rightmost glyph.
    assert heading.replace(" ", "")[-1] == text.heading[0]
    forms = page.glyph_codes("NotoSansArabic")
    # Shaping draws a letter in its joining forms (ت initial in تبقى, medial in لتسجيل): one
    # character, several glyphs; and lam-alef (لا) as one ligature glyph.
    assert len(forms["ت"]) > 1, forms
    assert "لا" in forms, forms


def test_tamil_is_shaped_in_clusters() -> None:
    text = POSTER_TEXTS["ta"]
    page = _pdf(("ta",))
    assert _letters(page.lines[0]) == _letters(text.heading)
    # கே is one cluster of two glyphs (HarfBuzz draws the sign ே before the consonant): the
    # cluster's text goes with its first glyph and the other carries none. Unshaped text would
    # draw க then ே, each glyph with its own character.
    drawn = [text for _, _, text in page.glyphs[0]]
    cluster = drawn.index("கே")
    assert drawn[cluster + 1] == ""
    assert "ே" not in drawn


@pytest.mark.parametrize("paper", list(Paper))
def test_all_page_languages_fit_one_page(paper: Paper) -> None:
    languages = tuple(PAGE_LANGUAGES)
    page = _pdf(languages, paper)
    for language in languages:
        _drawn(page, POSTER_TEXTS[language])
    assert all(_embeds(page, POSTER_TEXTS[t].face) for t in languages)
    root = _svg(languages, paper)
    ys = [float(t.get("y", "0")) for t in root.iter(f"{SVG}text")]
    assert max(ys) < paper.size_mm[1] - 10


@pytest.mark.parametrize("paper", list(Paper))
@pytest.mark.parametrize(
    ("description", "address", "languages"),
    [
        ("Icecream Shop", "Main Street 1", ("en",)),
        ("مقهى الياسمين", "شارع النيل ١٢", ("ar", "en")),
        ("北京饭店", "長安街 1 號", ("zh-Hant", "ko")),
        ("சரவண பவன்", "அண்ணா சாலை 5", ("ta", "ms")),
    ],
)
def test_pdf_qr_code_is_the_check_in_url(
    description: str, address: str, languages: tuple[str, ...], paper: Paper
) -> None:
    venue = Venue.create(
        description,
        address,
        type=TraceLocationType.PERMANENT_FOOD_SERVICE,
        default_check_in_length_minutes=45,
        seed=bytes(range(16)),
    )
    page = _pdf(languages, paper, venue)
    expected = [
        [1 if dark else 0 for dark in row] for row in qr_code(check_in_url(venue.raw, HOST)).matrix
    ]
    assert qr_matrix(page) == expected
    assert _letters(description + address) <= page.glyph_text


@pytest.mark.parametrize("language", PAGE_LANGUAGES)
def test_svg_is_valid_xml_with_each_language(language: str) -> None:
    text = POSTER_TEXTS[language]
    root = _svg((language, "en") if language != "en" else ("en",))
    lines = list(root.iter(f"{SVG}text"))
    mine = [line for line in lines if line.get(XML_LANG) == language]
    assert mine[0].text == text.heading
    assert "".join(line.text or "" for line in mine[1:]).replace(" ", "") == text.body.replace(
        " ", ""
    )
    family = mine[0].get("font-family", "")
    assert family.startswith(f"'{find_fonts().get(text.face).family}'")
    assert family.endswith("sans-serif")
    assert all((line.get("direction") == "rtl") == text.rtl for line in mine)
    assert root.get(XML_LANG) == language


def test_pdf_of_every_script_is_deterministic() -> None:
    languages = ["ar", "ta", "zh-Hans", "ko"]
    assert render_pdf(VENUE, languages, host=HOST) == render_pdf(VENUE, languages, host=HOST)


def test_a_missing_script_font_names_its_package(tmp_path: Path) -> None:
    fonts = find_fonts()
    for path in (fonts.base.regular, fonts.base.bold):
        shutil.copy(path, tmp_path / path.name)
    only_dejavu = find_fonts(tmp_path)
    assert set(only_dejavu.faces) == {Face.BASE}
    assert render_pdf(VENUE, ["en", "es"], host=HOST, fonts=only_dejavu).startswith(b"%PDF")
    with pytest.raises(MissingFontError, match="install fonts-noto-core"):
        render_pdf(VENUE, ["ar"], host=HOST, fonts=only_dejavu)
    with pytest.raises(MissingFontError, match="install fonts-noto-cjk"):
        render_svg(VENUE, ["ko"], host=HOST, fonts=only_dejavu)


@pytest.mark.parametrize(
    ("text", "han", "face"),
    [
        ("Café", Face.CJK_SC, Face.BASE),
        ("Café 北京", Face.CJK_TC, Face.CJK_TC),
        ("서울 식당", Face.CJK_SC, Face.CJK_KR),
        ("مقهى Linde", Face.CJK_SC, Face.ARABIC),
        ("சரவண Bhavan", Face.CJK_SC, Face.TAMIL),
        ("123 !?", Face.CJK_SC, Face.BASE),
    ],
)
def test_face_for_text(text: str, han: Face, face: Face) -> None:
    assert face_for_text(text, han) is face


@given(st.text(max_size=60))
def test_line_breaks_keep_every_character_and_never_split_a_mark(word: str) -> None:
    units = _clusters(word)
    assert "".join(units) == word
    for unit in units[1:]:
        assert unicodedata.category(unit[0])[0] != "M"
        assert unit[0] not in "，。、；：！？）」』.,;:!?)"  # noqa: RUF001
