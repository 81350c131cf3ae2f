"""Encrypted check-in reports: round trips, tampering, fakes, submissions."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from civitrace.presence.checkin import CheckIn, CheckInRecord
from civitrace.presence.errors import ReportError
from civitrace.presence.payload import Venue, location_id_hash
from civitrace.presence.report import (
    CheckInProtectedReport,
    build_submission,
    decrypt_report,
    encrypt_record,
    fake_report,
    pad_with_fakes,
)
from civitrace.presence.risk import level_by_onset

records = st.builds(
    CheckInRecord,
    start_interval_number=st.integers(0, 2**32 - 1),
    period=st.integers(1, 2**32 - 1),
    transmission_risk_level=st.integers(1, 8),
)
location_ids = st.binary(min_size=32, max_size=32)


@given(location_ids, records)
def test_round_trip(lid: bytes, record: CheckInRecord) -> None:
    report = encrypt_record(lid, record)
    assert report.location_id_hash == location_id_hash(lid)
    assert decrypt_report(lid, report) == record


@given(location_ids, st.data())
def test_any_flipped_byte_fails_the_mac(lid: bytes, data: st.DataObject) -> None:
    report = encrypt_record(lid, CheckInRecord(2_710_445, 28, 7))
    field = data.draw(st.sampled_from(["iv", "encrypted_check_in_record", "mac"]))
    value = bytearray(getattr(report, field))
    value[data.draw(st.integers(0, len(value) - 1))] ^= data.draw(st.integers(1, 255))
    fields = {
        "location_id_hash": report.location_id_hash,
        "iv": report.iv,
        "encrypted_check_in_record": report.encrypted_check_in_record,
        "mac": report.mac,
        field: bytes(value),
    }
    with pytest.raises(ReportError, match="MAC"):
        decrypt_report(lid, CheckInProtectedReport(**fields))


def test_another_location_cannot_read(shop: Venue, party: Venue) -> None:
    report = encrypt_record(shop.location_id, CheckInRecord(1, 1, 5))
    with pytest.raises(ReportError, match="another location"):
        decrypt_report(party.location_id, report)


def test_fakes_look_like_real_reports(shop: Venue) -> None:
    real = encrypt_record(shop.location_id, CheckInRecord(2_710_445, 28, 7))
    fake = fake_report()
    for name in ("location_id_hash", "iv", "encrypted_check_in_record", "mac"):
        assert len(getattr(fake, name)) == len(getattr(real, name))
    with pytest.raises(ReportError):
        decrypt_report(shop.location_id, fake)


def test_padding_hides_the_count(shop: Venue) -> None:
    real = [encrypt_record(shop.location_id, CheckInRecord(i + 1, 3, 6)) for i in range(3)]
    for _ in range(20):
        padded = pad_with_fakes(real, minimum=20, max_extra=10)
        assert 20 <= len(padded) <= 30
        assert all(r in padded for r in real)
    assert len(pad_with_fakes([], minimum=5, max_extra=0)) == 5


def test_submission_decrypts_for_the_venue_only(shop: Venue) -> None:
    start = 1_700_000_400
    onset = dt.date(2023, 11, 14)
    check_ins = [CheckIn(shop.location_id, start, start + 3600)]
    reports = build_submission(check_ins, level_by_onset(onset, onset), minimum=10)
    assert len(reports) >= 10
    readable = []
    for report in reports:
        if report.location_id_hash == shop.location_id_hash:
            readable.append(decrypt_report(shop.location_id, report))
    assert readable == [CheckInRecord(start // 600, 9, 8)]


@pytest.mark.parametrize(
    "fields",
    [
        (bytes(31), bytes(16), bytes(16), bytes(32)),
        (bytes(32), bytes(15), bytes(16), bytes(32)),
        (bytes(32), bytes(16), bytes(15), bytes(32)),
        (bytes(32), bytes(16), b"", bytes(32)),
        (bytes(32), bytes(16), bytes(16), bytes(31)),
        (bytes(32), bytes(16), bytes(2048), bytes(32)),
    ],
)
def test_malformed_reports(fields: tuple[bytes, bytes, bytes, bytes]) -> None:
    with pytest.raises(ReportError):
        CheckInProtectedReport(*fields)


def test_bad_location_id_and_iv() -> None:
    with pytest.raises(ReportError):
        encrypt_record(bytes(31), CheckInRecord(1, 1, 5))
    with pytest.raises(ReportError):
        encrypt_record(bytes(32), CheckInRecord(1, 1, 5), iv=bytes(8))
