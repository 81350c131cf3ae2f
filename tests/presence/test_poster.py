"""Posters: the PDF parses, the SVG's QR code is the URL's, the venue name is printed, bad
choices are refused by name. Every script and language: ``test_poster_scripts.py``."""

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from civitrace.presence._fonts import find_fonts
from civitrace.presence.errors import PosterError
from civitrace.presence.payload import TraceLocationType, Venue
from civitrace.presence.poster import (
    QR_BORDER_MODULES,
    Paper,
    PosterGlyphError,
    PosterLanguageError,
    qr_code,
    render_pdf,
    render_svg,
    write_poster,
)
from civitrace.presence.url import check_in_url
from tests.conftest import require

HOST = "checkin.example.org"
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(autouse=True)
def _fonts() -> None:
    try:
        find_fonts()
    except PosterError:
        require(False, "DejaVu Sans fonts")


def _modules_from_segno_path(d: str, size: int) -> list[list[int]]:
    """Rebuild the module matrix from segno's stroke path ("M x y.5 h n m dx dy ...")."""
    matrix = [[0] * size for _ in range(size)]
    x = y = 0.0
    for command, args in re.findall(r"([MmHhVv])([-0-9. ]+)", d):
        numbers = [float(n) for n in args.split()]
        if command == "M":
            x, y = numbers
        elif command == "m":
            x, y = x + numbers[0], y + numbers[1]
        elif command == "h":
            for column in range(int(x), int(x + numbers[0])):
                matrix[int(y)][column] = 1
            x += numbers[0]
        else:  # pragma: no cover - segno draws rows only
            raise AssertionError(f"unexpected path command {command}")
    return matrix


@pytest.mark.parametrize("paper", list(Paper))
def test_svg_qr_encodes_the_url(shop: Venue, paper: Paper) -> None:
    svg = render_svg(shop, ["en", "de", "fr", "es"], paper, host=HOST)
    root = ET.fromstring(svg.encode())
    (qr,) = [e for e in root.iter(f"{SVG}svg") if e.get("class") == "qr"]
    (path,) = list(qr.iter(f"{SVG}path"))
    assert not list(root.iter(f"{SVG}image")), "the QR code must be vector, not a bitmap"
    size = int(qr.get("viewBox", "").split()[2])
    drawn = _modules_from_segno_path(path.get("d", ""), size)
    url = check_in_url(shop.raw, HOST)
    expected = [
        [1 if v else 0 for v in row]
        for row in qr_code(url).matrix_iter(scale=1, border=QR_BORDER_MODULES)
    ]
    assert drawn == expected
    other = qr_code(check_in_url(shop.raw, "other.example.org"))
    assert drawn != [[1 if v else 0 for v in r] for r in other.matrix_iter(border=4)]
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "Icecream Shop" in texts
    assert "Main Street 1" in texts
    assert "Check in here" in texts
    assert "Hier einchecken" in texts
    width, height = paper.size_mm
    assert root.get("viewBox") == f"0 0 {width} {height}"


@pytest.mark.parametrize(
    ("paper", "points"), [(Paper.A4, (595.28, 841.89)), (Paper.LETTER, (612.0, 792.0))]
)
def test_pdf_parses(shop: Venue, paper: Paper, points: tuple[float, float]) -> None:
    pdf = render_pdf(shop, ["en", "fr"], paper, host=HOST)
    assert pdf.startswith(b"%PDF-1.")
    assert pdf.rstrip().endswith(b"%%EOF")
    assert b"trailer" in pdf or b"/Type /XRef" in pdf
    startxref = int(pdf.rsplit(b"startxref", 1)[1].split()[0])
    assert pdf[startxref:].startswith((b"xref", b"0 obj")) or b" obj" in pdf[startxref:][:20]
    (box,) = set(re.findall(rb"/MediaBox \[\s*0 0 ([0-9.]+) ([0-9.]+)\s*\]", pdf))
    assert (round(float(box[0]), 1), round(float(box[1]), 1)) == (
        round(points[0], 1),
        round(points[1], 1),
    )
    assert (
        pdf.count(b"/Type /Page\n") + pdf.count(b"/Type /Page ") + pdf.count(b"/Type /Page/") >= 1
    )
    assert b"/FontFile2" in pdf  # the font is embedded
    assert "Icecream Shop".encode("utf-16-be") in pdf or b"Icecream Shop" in pdf  # title


def test_pdf_is_deterministic(shop: Venue) -> None:
    assert render_pdf(shop, ["en"], host=HOST) == render_pdf(shop, ["en"], host=HOST)


def test_write_poster_by_extension(shop: Venue, tmp_path: Path) -> None:
    write_poster(shop, tmp_path / "p.pdf", ["en"], host=HOST)
    write_poster(shop, tmp_path / "p.svg", ["en"], host=HOST)
    assert (tmp_path / "p.pdf").read_bytes().startswith(b"%PDF")
    assert (tmp_path / "p.svg").read_text().startswith("<?xml")
    with pytest.raises(PosterError, match=r"\.pdf or \.svg"):
        write_poster(shop, tmp_path / "p.png", ["en"], host=HOST)


@pytest.mark.parametrize(
    ("languages", "message"),
    [
        ([], "at least one language"),
        (["xx"], "no poster text for language 'xx'"),
        (["en", "ar", "en"], "chosen twice"),
        (["en"] * 9, "at most 8"),
    ],
)
def test_bad_language_choices_are_refused(shop: Venue, languages: list[str], message: str) -> None:
    with pytest.raises(PosterLanguageError, match=message):
        render_pdf(shop, languages, host=HOST)
    with pytest.raises(PosterLanguageError, match=message):
        render_svg(shop, languages, host=HOST)


@pytest.mark.parametrize(
    ("description", "address", "subject"),
    [
        ("ร้านกาแฟ", "Main Street 1", "description"),  # Thai: no poster font has it
        ("Unicorn Café", "🦄 Lane 1", "address"),
    ],
)
def test_text_no_font_can_draw_is_refused(description: str, address: str, subject: str) -> None:
    venue = Venue.create(
        description,
        address,
        type=TraceLocationType.PERMANENT_FOOD_SERVICE,
        default_check_in_length_minutes=30,
    )
    with pytest.raises(PosterGlyphError, match="no poster font can draw") as caught:
        render_svg(venue, ["en"], host=HOST)
    assert caught.value.subject == subject


def test_missing_font_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(PosterError, match="install fonts-dejavu-core"):
        find_fonts(tmp_path)


def test_long_texts_and_six_languages_fit(shop: Venue) -> None:
    venue = Venue.create(
        "W" * 100,
        "M" * 100,
        type=TraceLocationType.PERMANENT_OTHER,
        default_check_in_length_minutes=5,
    )
    svg = render_svg(venue, ["en", "de", "fr", "es", "ru", "pl"], Paper.LETTER, host=HOST)
    root = ET.fromstring(svg.encode())
    ys = [float(t.get("y", "0")) for t in root.iter(f"{SVG}text")]
    assert max(ys) < Paper.LETTER.size_mm[1]
