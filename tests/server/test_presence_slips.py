"""The no-smartphone path: a kiosk seals a check-in under a printed code, any computer fetches
only that slip by the code's id, decrypts it and matches it locally; the server holds opaque
bytes and a day, serves nothing past retention, and rate-limits failed lookups."""

import base64
import hashlib
import hmac
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from civitrace.presence.checkin import CheckIn
from civitrace.presence.matching import find_matches
from civitrace.presence.warning_package import decode_package
from civitrace.server import crypto
from civitrace.server.db import make_engine, session_factory
from civitrace.server.db.presence_models import KioskSlip, SlipLookupFailure
from civitrace.server.presence import slip_format
from civitrace.server.presence.errors import SlipFormatError
from civitrace.server.presence.on_behalf import OnBehalfWarnings
from civitrace.server.presence.packages import PackageBuilder, hour_start
from civitrace.server.presence.service import PresenceServices
from civitrace.server.presence.settings import PresenceSettings, presence_settings
from civitrace.server.presence.slip_format import SlipCheckIn, SlipKeys
from civitrace.server.presence.slips import Slips
from civitrace.server.settings import Settings
from tests.server.conftest import Authority
from tests.server.test_presence_support import (
    SLIP_CODE,
    PresenceApi,
    TestClient,
    assert_presence_error,
    b64,
    make_presence,
    make_venue,
    open_client,
    slip_keys,
    two_days_ago_at_noon,
)


@pytest.fixture(scope="module")
def presence_client(settings: Settings) -> Iterator[TestClient]:
    yield from open_client(settings)


@pytest.fixture
def presence(presence_client: TestClient, client: TestClient, authority: Authority) -> PresenceApi:
    return make_presence(presence_client, authority)


@pytest.fixture
def keys() -> SlipKeys:
    return slip_keys()


def _sealed(keys: SlipKeys, description: str = "Café Lindenhof") -> tuple[SlipCheckIn, bytes]:
    start = int(two_days_ago_at_noon().timestamp())
    check_in = SlipCheckIn(make_venue(description).location_id, start, start + 3600, description)
    return check_in, slip_format.seal(keys, check_in)


class _Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def _with_slips(presence: PresenceApi, slips: Slips) -> None:
    """Swap the app's slip service (another clock or budget), keeping the other services."""
    state = presence.client.app.state  # type: ignore[attr-defined]
    current = state.presence
    if not isinstance(current, PresenceServices):
        presence.client.get("/v1/presence/slips/" + "0" * 64)  # builds the services
        current = state.presence
    state.presence = PresenceServices(current.submissions, OnBehalfWarnings(), slips)


# -- the format ------------------------------------------------------------------------------------


def _hkdf_sha256(master: bytes, info: bytes) -> bytes:
    """RFC 5869 with no salt and one output block, written out independently of the code."""
    prk = hmac.digest(bytes(32), master, "sha256")
    return hmac.digest(prk, info + b"\x01", "sha256")


def test_known_answer_for_the_documented_code() -> None:
    """The vector of docs/presence.md, for the browser implementation to check itself against."""
    keys = slip_keys(SLIP_CODE)
    master = hashlib.pbkdf2_hmac("sha256", b"7KQM2XWD9HNC", b"civitrace-kiosk-slip-v1", 600_000, 32)
    assert keys.slip_id == _hkdf_sha256(master, b"civitrace slip id v1")
    assert keys.key == _hkdf_sha256(master, b"civitrace slip key v1")
    assert keys.id_hex == "fb5428a81a3542842b80fbb3aaf40685c9ce96f31ca1d8f8887df278b2bb6cda"
    assert keys.key.hex() == "c8fed02c7a1a21d123191f8565652e5fb58153e4909c2aa0a31b7625401e9b01"


def test_codes_are_printed_in_groups_and_normalised() -> None:
    code = slip_format.new_code()
    assert len(code) == 14
    assert code[4] == code[9] == "-"
    assert set(code.replace("-", "")) <= set(slip_format.CODE_ALPHABET)
    assert slip_format.normalize_code(" 7kqm 2xwd-9hnc ") == "7KQM2XWD9HNC"
    assert len({slip_format.new_code() for _ in range(200)}) == 200


@pytest.mark.parametrize(
    "bad", ["", "7KQM-2XWD-9HN", "7KQM-2XWD-9HNCX", "0KQM-2XWD-9HNC", "IKQM2XWD9HNC"]
)
def test_malformed_codes_are_refused(bad: str) -> None:
    with pytest.raises(SlipFormatError, match="12 characters"):
        slip_format.normalize_code(bad)


def test_seal_and_open_round_trip(keys: SlipKeys) -> None:
    check_in, sealed = _sealed(keys)
    assert len(sealed) == slip_format.CIPHERTEXT_LENGTH == 1052
    assert slip_format.open_slip(keys, sealed) == check_in
    assert slip_format.seal(keys, check_in) != sealed  # a fresh nonce each time


@given(description=st.text(max_size=100))
def test_every_slip_has_the_same_size(description: str) -> None:
    keys = SlipKeys(bytes(32), bytes(range(32)))
    check_in = SlipCheckIn(bytes(32), 1_700_000_000, 1_700_003_600, description)
    sealed = slip_format.seal(keys, check_in)
    assert len(sealed) == slip_format.CIPHERTEXT_LENGTH
    assert slip_format.open_slip(keys, sealed) == check_in


def test_tampering_or_a_wrong_code_fails(keys: SlipKeys) -> None:
    _, sealed = _sealed(keys)
    flipped = bytearray(sealed)
    flipped[100] ^= 1
    with pytest.raises(SlipFormatError, match="does not decrypt"):
        slip_format.open_slip(keys, bytes(flipped))
    other = SlipKeys(keys.slip_id, bytes(32))
    with pytest.raises(SlipFormatError, match="does not decrypt"):
        slip_format.open_slip(other, sealed)
    moved = SlipKeys(bytes(32), keys.key)  # the id is the associated data
    with pytest.raises(SlipFormatError, match="does not decrypt"):
        slip_format.open_slip(moved, sealed)
    with pytest.raises(SlipFormatError, match="1052 bytes"):
        slip_format.open_slip(keys, sealed[:-1])


def test_malformed_plaintexts_are_refused() -> None:
    keys = SlipKeys(bytes(32), bytes(range(32)))
    for plaintext in (b"[]".ljust(1024), b'{"v":2}'.ljust(1024), b"\xff" * 1024):
        sealed = crypto.encrypt(keys.key, plaintext, keys.slip_id)
        with pytest.raises(SlipFormatError):
            slip_format.open_slip(keys, sealed)
    with pytest.raises(SlipFormatError, match="location ID"):
        SlipCheckIn(bytes(31), 0, 1)
    with pytest.raises(SlipFormatError, match="too long"):
        slip_format.encode_plaintext(SlipCheckIn(bytes(32), 0, 1, "\x01" * 200))


# -- the server ------------------------------------------------------------------------------------


def test_upload_then_lookup_then_local_match(
    presence: PresenceApi, keys: SlipKeys, database_url: str, settings: Settings
) -> None:
    """The whole path: a kiosk uploads, staff warn the venue, the visitor types the code on any
    computer, which fetches that one slip, decrypts it and finds the warning locally."""
    venue = make_venue("Stadtbibliothek")
    start = two_days_ago_at_noon()
    check_in = SlipCheckIn(
        venue.location_id,
        int(start.timestamp()),
        int((start + timedelta(hours=1)).timestamp()),
        "Stadtbibliothek",
    )
    uploaded = presence.upload_slip(keys.id_hex, slip_format.seal(keys, check_in))
    assert uploaded.status_code == 200, uploaded.text
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    assert uploaded.json()["expiresAt"] == (today + timedelta(days=14)).isoformat()

    engine = make_engine(database_url)
    with session_factory(engine)() as session:
        (row,) = session.scalars(select(KioskSlip)).all()
    assert row.uploaded_at == today  # the day, nothing finer
    assert len(row.ciphertext) == 1052

    warned = presence.warn(
        venue=b64(venue.raw),
        startTime=(start + timedelta(minutes=30)).isoformat(),
        endTime=(start + timedelta(hours=2)).isoformat(),
        transmissionRiskLevel=8,
    )
    assert warned.status_code == 200, warned.text
    hour = warned.json()["intervalNumber"]
    storage = presence.client.app.state.export_storage  # type: ignore[attr-defined]
    PackageBuilder(engine, storage, presence_settings(settings)).run(hour_start(hour + 1))
    engine.dispose()

    fetched = presence.get_slip(slip_format.derive_keys("7kqm 2xwd 9hnc").id_hex)
    assert fetched.status_code == 200, fetched.text
    document = fetched.json()
    assert document["uploadedOn"] == today.date().isoformat()
    opened = slip_format.open_slip(keys, base64.b64decode(document["ciphertext"]))
    assert opened == check_in
    package = decode_package(presence.client.get(f"/presence/warnings/ZZ/{hour}.bin").content)
    local = CheckIn(opened.location_id, opened.start, opened.end)
    (match,) = find_matches([local], [package], int(datetime.now(UTC).timestamp()))
    assert match.overlap_seconds == 30 * 60


def test_an_id_is_used_once(presence: PresenceApi, keys: SlipKeys, database_url: str) -> None:
    _, sealed = _sealed(keys)
    assert presence.upload_slip(keys.id_hex, sealed).status_code == 200
    again = presence.upload_slip(keys.id_hex, sealed)
    assert_presence_error(again, 409, "slip_exists", "id:")
    engine = make_engine(database_url)
    with session_factory(engine)() as session:
        assert session.scalar(select(SlipLookupFailure.count)) == 1  # counted as a failure
    engine.dispose()


def test_unknown_id_is_404(presence: PresenceApi) -> None:
    assert_presence_error(presence.get_slip("ab" * 32), 404, "slip_not_found", "id:")


BAD_UPLOADS: list[tuple[dict[str, Any], str, str]] = [
    ({"id": "AB" * 32}, "bad_request", "id"),
    ({"id": "ab" * 31}, "bad_request", "id"),
    ({"id": 5}, "bad_request", "id"),
    ({"ciphertext": b64(bytes(1051))}, "invalid_slip", "ciphertext: must be base64 of 1052"),
    ({"ciphertext": "not base64 at all"}, "invalid_slip", "ciphertext:"),
    ({"ciphertext": None}, "bad_request", "ciphertext"),
    ({"start": 1_700_000_000}, "bad_request", "start"),
]


@pytest.mark.parametrize(("change", "code", "mentions"), BAD_UPLOADS)
def test_bad_uploads_are_named(
    presence: PresenceApi, change: dict[str, Any], code: str, mentions: str
) -> None:
    body = {"id": "cd" * 32, "ciphertext": b64(bytes(1052)), **change}
    response = presence.client.post("/v1/presence/slips", json=body)
    assert_presence_error(response, 400, code, mentions)


@pytest.mark.parametrize("bad", ["AB" * 32, "ab" * 33, "zz" * 32, "ab"])
def test_bad_lookup_ids_are_named(presence: PresenceApi, bad: str) -> None:
    assert_presence_error(presence.get_slip(bad), 400, "bad_request", "slip_id")


def test_slips_past_retention_are_not_served(presence: PresenceApi, keys: SlipKeys) -> None:
    _, sealed = _sealed(keys)
    clock = _Clock(datetime(2026, 3, 1, 23, 59, tzinfo=UTC))
    _with_slips(presence, Slips(PresenceSettings(), clock))
    assert presence.upload_slip(keys.id_hex, sealed).status_code == 200
    clock.now = datetime(2026, 3, 14, 23, 59, tzinfo=UTC)  # day 14 after the upload day
    assert presence.get_slip(keys.id_hex).status_code == 200
    clock.now = datetime(2026, 3, 15, 0, 0, tzinfo=UTC)  # 14 days after the upload day began
    assert_presence_error(presence.get_slip(keys.id_hex), 404, "slip_not_found")


def test_failed_lookups_are_rate_limited_for_everyone(
    presence: PresenceApi, keys: SlipKeys
) -> None:
    _, sealed = _sealed(keys)
    clock = _Clock(datetime(2026, 3, 1, 10, 1, tzinfo=UTC))
    budget = PresenceSettings(slip_max_failed_lookups=3, slip_lookup_window=timedelta(minutes=10))
    _with_slips(presence, Slips(budget, clock))
    assert presence.upload_slip(keys.id_hex, sealed).status_code == 200
    for n in range(3):
        assert presence.get_slip(f"{n:064x}").status_code == 404
    limited = presence.get_slip(keys.id_hex)  # a hit is refused too: the limit is no oracle
    assert_presence_error(limited, 429, "quota_exceeded", "id:")
    assert limited.headers["retry-after"] == str(9 * 60)
    assert_presence_error(presence.upload_slip("ef" * 32, sealed), 429, "quota_exceeded")
    clock.now = datetime(2026, 3, 1, 10, 10, tzinfo=UTC)  # the next window
    assert presence.get_slip(keys.id_hex).status_code == 200


def test_slip_chaff_touches_nothing(presence: PresenceApi, database_url: str) -> None:
    response = presence.client.post(
        "/v1/presence/slips", json={"id": "ab" * 32}, headers={"X-Chaff": "1"}
    )
    assert response.status_code == 200
    engine = make_engine(database_url)
    with session_factory(engine)() as session:
        assert session.scalars(select(KioskSlip)).all() == []
    engine.dispose()
