"""The venue owner's page in real Chromium: the form filled by keyboard only, the payload made
by the page's own encoder read back by ``civitrace.presence`` (and re-encoded by Python to the
same bytes), validation errors announced, posters downloaded in both formats and paper sizes."""

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from civitrace.presence.payload import TraceLocationType, Venue
from civitrace.presence.poster import Paper, qr_code
from civitrace.presence.url import b64url_encode, parse_qr_text
from civitrace.web.venue.labels import RULE_MESSAGES
from tests.presence.test_poster_support import qr_matrix, read_pdf
from tests.web.conftest import LiveServer

NEW = "/venue/new"
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def owner(browser: Any, live_server: LiveServer) -> Iterator[Any]:
    """A fresh browser page on the venue form, in a Berlin time zone, downloads accepted."""
    context = browser.new_context(timezone_id="Europe/Berlin", accept_downloads=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(live_server.url + NEW)
    yield page
    context.close()
    assert errors == [], errors


def _created(page: Any) -> tuple[Venue, str]:
    """The venue whose code the page shows, decoded by the Python package, and its URL."""
    page.wait_for_selector("#result:not([hidden])")
    url = page.input_value("#checkin-url")
    return Venue.from_bytes(parse_qr_text(url)), url


def _same_bytes_from_python(venue: Venue) -> None:
    """The page's encoder and ``QRCodePayload.encode`` agree byte for byte."""
    payload = venue.payload
    again = Venue.create(
        payload.location.description,
        payload.location.address,
        type=TraceLocationType(payload.vendor.type),
        default_check_in_length_minutes=payload.vendor.default_check_in_length_minutes,
        start_timestamp=payload.location.start_timestamp,
        end_timestamp=payload.location.end_timestamp,
        seed=payload.crowd_notifier.cryptographic_seed,
    )
    assert again.raw == venue.raw


def _tab_to(page: Any, element_id: str, limit: int = 40) -> None:
    for _ in range(limit):
        if page.evaluate("() => document.activeElement && document.activeElement.id") == element_id:
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"#{element_id} not reached by Tab")


def test_keyboard_only_owner_gets_a_code_python_reads(owner: Any, live_server: LiveServer) -> None:
    _tab_to(owner, "description")
    owner.keyboard.type("Café Linde — مقهى 北京")
    owner.keyboard.press("Tab")
    owner.keyboard.type("Hauptstraße 1, Köln")
    owner.keyboard.press("Tab")
    assert owner.evaluate("() => document.activeElement.id") == "type"
    owner.keyboard.press("ArrowDown")  # Shop
    owner.keyboard.press("ArrowDown")  # Restaurant, café or bar
    owner.keyboard.press("Tab")
    assert owner.evaluate("() => document.activeElement.id") == "stay"  # no event times
    owner.keyboard.press("Control+A")
    owner.keyboard.type("45")
    owner.keyboard.press("Tab")
    owner.keyboard.press("Enter")
    venue, url = _created(owner)
    location = venue.payload.location
    assert (location.description, location.address) == (
        "Café Linde — مقهى 北京",
        "Hauptstraße 1, Köln",
    )
    assert venue.payload.vendor.type == TraceLocationType.PERMANENT_FOOD_SERVICE
    assert venue.payload.vendor.default_check_in_length_minutes == 45
    assert (location.start_timestamp, location.end_timestamp) == (0, 0)
    assert len(venue.payload.crowd_notifier.cryptographic_seed) == 16
    _same_bytes_from_python(venue)
    host = live_server.url.removeprefix("http://")
    assert url == f"https://{host}/?v=1#{b64url_encode(venue.raw)}"
    kiosk = owner.get_attribute("#kiosk-link", "href")
    assert kiosk == f"/kiosk?v=1#{b64url_encode(venue.raw)}"
    assert owner.evaluate("() => document.activeElement.id") == "result"
    owner.wait_for_selector("#qr-preview:not([hidden])")
    assert owner.evaluate("() => document.getElementById('qr-preview').naturalWidth") > 0
    assert "Café Linde" in (owner.get_attribute("#qr-preview", "alt") or "")


def test_every_code_is_new(owner: Any) -> None:
    seeds = set()
    for _ in range(2):
        owner.fill("#description", "Bakery")
        owner.fill("#address", "Market 2")
        owner.select_option("#type", "3")
        owner.click("#venue-form button[type=submit]")
        venue, _ = _created(owner)
        seeds.add(venue.payload.crowd_notifier.cryptographic_seed)
        owner.click("#start-again")
    assert len(seeds) == 2


def test_event_times_are_the_owners_local_time(owner: Any) -> None:
    owner.fill("#description", "Choir concert")
    owner.fill("#address", "Town hall")
    owner.select_option("#type", "9")
    assert owner.is_visible("#start")
    owner.fill("#start", "2024-05-01T18:00")
    owner.fill("#end", "2024-05-01T20:00")
    owner.fill("#stay", "")
    owner.click("#venue-form button[type=submit]")
    venue, _ = _created(owner)
    location = venue.payload.location
    assert (location.start_timestamp, location.end_timestamp) == (1_714_579_200, 1_714_586_400)
    assert venue.payload.vendor.default_check_in_length_minutes == 120
    assert venue.payload.vendor.type == TraceLocationType.TEMPORARY_CULTURAL_EVENT
    _same_bytes_from_python(venue)


def _field_error(page: Any, field: str) -> str:
    described = (page.get_attribute(f"#{field}", "aria-describedby") or "").split()
    assert f"{field}-error" in described, described
    assert page.get_attribute(f"#{field}", "aria-invalid") == "true"
    return str(page.inner_text(f"#{field}-error"))


def test_errors_are_announced_and_tied_to_their_fields(owner: Any) -> None:
    owner.click("#venue-form button[type=submit]")
    summary = owner.locator("#error-summary")
    assert summary.is_visible()
    assert summary.get_attribute("role") == "alert"
    assert owner.evaluate("() => document.activeElement.id") == "error-summary"
    assert _field_error(owner, "description") == RULE_MESSAGES["description.non-empty"]
    assert _field_error(owner, "address") == RULE_MESSAGES["address.non-empty"]
    assert _field_error(owner, "type") == RULE_MESSAGES["type.known"]
    assert owner.locator("#error-list a").count() == 3
    owner.locator("#error-list a").first.press("Enter")
    assert owner.evaluate("() => document.activeElement.id") == "description"

    owner.fill("#description", "x" * 101)
    owner.fill("#address", "   ")
    owner.select_option("#type", "11")
    owner.fill("#start", "2024-05-01T20:00")
    owner.fill("#end", "2024-05-01T18:00")
    owner.fill("#stay", "2000")
    owner.click("#venue-form button[type=submit]")
    assert _field_error(owner, "description") == RULE_MESSAGES["description.max-length"] % {
        "count": 100
    }
    assert _field_error(owner, "address") == RULE_MESSAGES["address.non-empty"]
    assert _field_error(owner, "end") == RULE_MESSAGES["temporary.times"]
    assert _field_error(owner, "stay") == RULE_MESSAGES["permanent.check-in-length"] % {
        "count": 1440
    }
    assert owner.get_attribute("#type", "aria-invalid") is None
    assert not owner.is_visible("#result")


def test_errors_in_the_page_language(browser: Any, live_server: LiveServer) -> None:
    page = browser.new_page()
    try:
        page.goto(f"{live_server.url}{NEW}?lang=es")
        page.click("#venue-form button[type=submit]")
        assert page.inner_text("#description-error") == "Escriba el nombre del local o del evento."
        assert page.inner_text("#error-summary-title") == "Hay un problema"
    finally:
        page.close()


def _download(page: Any, button: str, tmp_path: Path) -> Path:
    with page.expect_download() as download:
        page.click(button)
    target = tmp_path / download.value.suggested_filename
    download.value.save_as(target)
    return target


@pytest.mark.parametrize("paper", list(Paper))
def test_posters_download_in_both_formats(owner: Any, paper: Paper, tmp_path: Path) -> None:
    owner.fill("#description", "Icecream Shop")
    owner.fill("#address", "Main Street 1")
    owner.select_option("#type", "4")
    owner.click("#venue-form button[type=submit]")
    venue, url = _created(owner)
    owner.check(f"#paper-{paper.value}")
    owner.check("#poster-lang-ar")
    pdf = _download(owner, "#poster-form button[value=pdf]", tmp_path)
    assert pdf.name == f"poster-{paper.value}.pdf"
    page = read_pdf(pdf.read_bytes())
    assert page.lines[0] == "Check in here"
    assert "Icecream Shop" in page.lines
    assert any(font.startswith("NotoSansArabic") for font in page.fonts)
    expected = [[1 if dark else 0 for dark in row] for row in qr_code(url).matrix]
    assert qr_matrix(page) == expected
    svg = _download(owner, "#poster-form button[value=svg]", tmp_path)
    assert svg.name == f"poster-{paper.value}.svg"
    root = ET.fromstring(svg.read_bytes())
    width, height = paper.size_mm
    assert root.get("viewBox") == f"0 0 {width} {height}"
    texts = [element.text for element in root.iter(f"{SVG}text")]
    assert "Icecream Shop" in texts
    assert "سجّل حضورك هنا" in texts
    assert url in (root.findtext(f"{SVG}desc") or "")
    assert owner.inner_text("#poster-status").startswith("Your poster is ready")
    assert venue.raw == parse_qr_text(url)


def test_no_language_chosen_is_said(owner: Any) -> None:
    owner.fill("#description", "Icecream Shop")
    owner.fill("#address", "Main Street 1")
    owner.select_option("#type", "4")
    owner.click("#venue-form button[type=submit]")
    _created(owner)
    owner.uncheck("#poster-lang-en")
    owner.click("#poster-form button[value=pdf]")
    assert owner.inner_text("#languages-error") == "Choose at least one language."
    assert owner.evaluate("() => document.activeElement.name") == "languages"


TEXT = st.text(
    alphabet=st.characters(
        categories=("L", "M", "N", "P", "S", "Zs"),
        exclude_characters="\u2028\u2029\x85",
    ),
    min_size=1,
    max_size=100,
).filter(lambda text: text.strip() != "")


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(description=TEXT, address=TEXT, kind=st.sampled_from([1, 3, 4, 5, 6, 7, 8]))
def test_any_text_goes_through_the_page_unchanged(
    owner: Any, description: str, address: str, kind: int
) -> None:
    owner.evaluate("() => { document.getElementById('start-again').click(); }")
    owner.fill("#description", description)
    owner.fill("#address", address)
    owner.select_option("#type", str(kind))
    owner.fill("#stay", "30")
    owner.click("#venue-form button[type=submit]")
    venue, _ = _created(owner)
    location = venue.payload.location
    assert (location.description, location.address) == (description, address)
    assert venue.payload.vendor.type == kind
    _same_bytes_from_python(venue)
