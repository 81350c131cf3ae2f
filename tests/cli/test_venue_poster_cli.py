"""``civitrace venue create|poster`` offline in every script, and its one-line refusals."""

import shutil
from pathlib import Path

import pytest

from civitrace.presence._fonts import FONT_DIR_VARIABLE, Face, find_fonts
from civitrace.presence.errors import PosterError
from civitrace.presence.poster_text import POSTER_TEXTS
from civitrace.presence.url import parse_qr_text
from tests.cli.conftest import Invoke
from tests.conftest import require
from tests.presence.test_poster_support import read_pdf

CREATE = ["venue", "create", "--address", "Main Street 1", "--type", "4", "--host", "x.example"]


@pytest.fixture(autouse=True)
def _every_font() -> None:
    try:
        fonts = find_fonts()
    except PosterError:
        require(False, "DejaVu Sans fonts")
        return
    require(set(fonts.faces) == set(Face), "Noto fonts (fonts-noto-core, fonts-noto-cjk)")


def test_create_a_poster_in_every_page_language(civitrace: Invoke, tmp_path: Path) -> None:
    out = tmp_path / "poster.pdf"
    languages = ["en", "es", "ar", "zh-Hans", "zh-Hant", "ko", "ms", "ta"]
    result = civitrace(
        *CREATE, "--description", "مقهى الياسمين", "--lang", ",".join(languages), "--out", str(out)
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("https://x.example/?v=1#")
    page = read_pdf(out.read_bytes())
    for language in languages:
        text = POSTER_TEXTS[language]
        wanted = [c for c in text.heading + text.body if not c.isspace()]
        assert all(page.glyph_text[c] > 0 for c in wanted), language
    assert all(page.glyph_text[c] > 0 for c in "مقهىالياسمين")


def test_poster_of_an_existing_code_in_tamil_svg(civitrace: Invoke, tmp_path: Path) -> None:
    created = civitrace(*CREATE, "--description", "Shop", "--out", str(tmp_path / "a.pdf"))
    url = created.stdout.strip()
    svg = tmp_path / "ta.svg"
    again = civitrace(
        "venue", "poster", url, "--lang", "ta,zh-Hant", "--paper", "letter", "--out", str(svg)
    )
    assert again.exit_code == 0, again.stderr
    assert again.stdout.strip() == url
    text = svg.read_text("utf-8")
    assert POSTER_TEXTS["ta"].heading in text
    assert POSTER_TEXTS["zh-Hant"].heading in text
    assert parse_qr_text(url)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--description", "X", "--lang", "ar,ar"], "chosen twice"),
        (["--description", "X", "--lang", "en,es,ar,ko,ms,ta,zh-Hans,zh-Hant,de"], "at most 8"),
        (["--description", "ร้านกาแฟ"], "no poster font can draw"),
    ],
)
def test_refusals_are_one_line(
    civitrace: Invoke, tmp_path: Path, args: list[str], message: str
) -> None:
    result = civitrace(*CREATE, *args, "--out", str(tmp_path / "p.pdf"))
    assert result.exit_code == 1
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "p.pdf").exists()


def test_missing_noto_fonts_say_what_to_install(
    civitrace: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fonts = find_fonts()
    folder = tmp_path / "fonts"
    folder.mkdir()
    for path in (fonts.base.regular, fonts.base.bold):
        shutil.copy(path, folder / path.name)
    monkeypatch.setenv(FONT_DIR_VARIABLE, str(folder))
    latin = civitrace(*CREATE, "--description", "Shop", "--out", str(tmp_path / "en.pdf"))
    assert latin.exit_code == 0, latin.stderr
    result = civitrace(
        *CREATE, "--description", "Shop", "--lang", "ko", "--out", str(tmp_path / "ko.pdf")
    )
    assert result.exit_code == 1
    assert "install fonts-noto-cjk" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
