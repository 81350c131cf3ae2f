"""Voluntary quarantine follow-up: enrolment, the person's daily check-in, what case workers
see, stopping, retention; and that no location is ever asked for or stored."""

import re
from datetime import timedelta

from sqlalchemy import inspect, select

from civitrace.governance.enforce import enforce
from civitrace.governance.inventory import shipped_inventory
from civitrace.governance.settings import GovernanceSettings
from civitrace.server.db import Base
from civitrace.server.db.console_models import QuarantineCheckin, QuarantineFollowup, StaffRole
from tests.server.test_console_basics import Console, console, csrf_of

__all__ = ["console"]

LOCATION_WORDS = re.compile(
    r"location|address|latitude|longitude|\blat\b|\blng\b|\blon\b|geo|gps|postcode|postal|"
    r"zip|street|city|where you are staying|coordinates|place",
    re.IGNORECASE,
)
FOLLOWUP_TABLES = ("quarantine_followups", "quarantine_checkins")


def enrol(console: Console, days: int = 7) -> tuple[str, str]:
    """Enrol a contact; (reference, the path of the person's link)."""
    card = console.post("/console/followups", {"days": str(days)})
    assert card.status_code == 200, card.text
    assert card.headers["cache-control"] == "no-store"
    link = re.search(r'data-testid="followup-link">https?://[^/]+(/followup/[0-9A-Z]+)<', card.text)
    reference = re.search(r"<h1>[^<]*(F-[0-9A-Z]{8})</h1>", card.text)
    assert link is not None
    assert reference is not None
    assert "<svg" in card.text  # the QR code of the link, inline
    return reference.group(1), link.group(1)


def answer(console: Console, path: str, **form: object) -> object:
    page = console.client.get(path)
    assert page.status_code == 200
    return console.client.post(
        path, data={"csrf_token": csrf_of(page.text), **form}, follow_redirects=False
    )


def test_enrol_check_in_and_see_who_asked_for_help(console: Console) -> None:
    console.login(StaffRole.CASE_WORKER)
    quiet, _quiet_link = enrol(console)
    needy, link = enrol(console)
    fine, fine_link = enrol(console)
    person = answer(console, link, feeling="unwell", symptoms=["fever", "cough"], needs=["food"])
    assert person.status_code == 303  # type: ignore[attr-defined]
    assert "saved=1" in person.headers["location"]  # type: ignore[attr-defined]
    assert answer(console, fine_link, feeling="well").status_code == 303  # type: ignore[attr-defined]

    listing = console.get("/console/followups").text
    cards = re.findall(r"<li class=\"[^\"]*\">(.*?)</li>", listing, re.DOTALL)
    by_reference = {re.search(r"F-[0-9A-Z]{8}", card).group(0): card for card in cards}  # type: ignore[union-attr]
    assert "Asked for help" in by_reference[needy]
    assert "Food" in by_reference[needy]
    assert "No answer today" in by_reference[quiet]
    assert "Answered today" in by_reference[fine]
    assert listing.index(needy) < listing.index(quiet) < listing.index(fine)  # help first

    assert console.post(f"/console/followups/{needy}/handled").status_code == 303
    assert "Asked for help" not in console.get("/console/followups").text.split(needy)[1][:300]
    again = answer(console, link, feeling="unwell", needs=["food", "medicine"])
    assert again.status_code == 303  # type: ignore[attr-defined]
    with console.session() as session:
        rows = session.scalars(select(QuarantineCheckin)).all()
        assert len(rows) == 2  # one answer per person per day, replaced
        changed = next(row for row in rows if row.needs_medicine)
        assert changed.handled_at is None  # a changed request is a new one


def test_codes_can_be_typed_and_bad_ones_are_refused(console: Console) -> None:
    console.login(StaffRole.CASE_WORKER)
    _reference, link = enrol(console)
    code = link.rsplit("/", 1)[1]
    entry = console.client.get("/followup")
    typed = "-".join(code[i : i + 4] for i in range(0, len(code), 4)).lower()
    opened = console.client.post(
        "/followup",
        data={"csrf_token": csrf_of(entry.text), "code": typed},
        follow_redirects=False,
    )
    assert opened.status_code == 303
    assert opened.headers["location"] == link
    wrong = console.client.post(
        "/followup", data={"csrf_token": csrf_of(entry.text), "code": "AAAA-BBBB"}
    )
    assert wrong.status_code == 404
    assert console.client.get("/followup/" + "Z" * 20).status_code == 404
    no_token = console.client.post(link, data={"feeling": "well"})
    assert no_token.status_code == 403
    bad = answer(console, link, feeling="ecstatic")
    assert bad.status_code == 400  # type: ignore[attr-defined]
    odd = answer(console, link, feeling="well", symptoms=["where I live"])
    assert odd.status_code == 400  # type: ignore[attr-defined]


def test_the_person_can_stop_and_follow_up_ends(console: Console) -> None:
    console.login(StaffRole.CASE_WORKER)
    stopping, link = enrol(console, days=3)
    ending, other_link = enrol(console, days=2)
    page = console.client.get(link)
    stopped = console.client.post(
        f"{link}/stop", data={"csrf_token": csrf_of(page.text)}, follow_redirects=False
    )
    assert stopped.status_code == 303
    assert "You stopped the follow-up" in console.client.get(link).text
    late = console.client.post(link, data={"csrf_token": csrf_of(page.text), "feeling": "well"})
    assert late.status_code == 409
    assert console.post(f"/console/followups/{stopping}/end").status_code == 409

    console.clock.advance(days=2)
    assert "Your follow-up has ended" in console.client.get(other_link).text
    with console.session() as session:
        row = session.scalars(
            select(QuarantineFollowup).where(QuarantineFollowup.reference == ending)
        ).one()
        assert row.ends_at <= console.clock.now


def test_followups_are_deleted_at_their_retention(console: Console) -> None:
    console.login(StaffRole.CASE_WORKER)
    _reference, link = enrol(console, days=1)
    answer(console, link, feeling="okay", needs=["help"])
    category = shipped_inventory().get("quarantine_followups")
    assert category is not None
    assert category.retention is not None
    with console.session() as session:
        end = session.scalars(select(QuarantineFollowup)).one().ends_at
    assert end - console.clock.now <= timedelta(days=1)  # midnight after the last day
    enforce(console.engine, GovernanceSettings(), now=end + category.retention - timedelta(hours=1))
    with console.session() as session:
        assert session.scalars(select(QuarantineFollowup)).all()
    enforce(console.engine, GovernanceSettings(), now=end + category.retention + timedelta(hours=1))
    with console.session() as session:
        assert session.scalars(select(QuarantineFollowup)).all() == []
        assert session.scalars(select(QuarantineCheckin)).all() == []


def test_no_location_is_asked_for_or_stored(console: Console, database_url: str) -> None:
    for name in FOLLOWUP_TABLES:
        table = Base.metadata.tables[name]
        for column in table.columns:
            text = f"{column.name} {column.comment}"
            assert not LOCATION_WORDS.search(column.name), f"{name}.{column.name}"
            assert "never a location" in (table.comment or "") or not LOCATION_WORDS.search(text)
    with console.engine.connect() as connection:
        live = inspect(connection)
        for name in FOLLOWUP_TABLES:
            for reflected in live.get_columns(name):
                assert not LOCATION_WORDS.search(reflected["name"]), f"{name}.{reflected['name']}"
    console.login(StaffRole.CASE_WORKER)
    _reference, link = enrol(console)
    pages = [
        console.client.get(link),
        console.client.get("/followup"),
        console.get("/console/followups"),
    ]
    for page in pages:
        assert page.status_code == 200
        fields = re.findall(r'<(?:input|select|textarea)[^>]*name="([^"]+)"', page.text)
        assert fields
        assert not [f for f in fields if LOCATION_WORDS.search(f)], fields
        assert "geolocation" not in page.text
        assert "geolocation=()" in page.headers["permissions-policy"]
        assert "<script" not in page.text or "/static/console/console.js" in page.text
