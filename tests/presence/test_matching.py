"""Local matching: overlap, normalized time, per-day risk."""

import datetime as dt

from civitrace.presence.checkin import CheckIn, CheckInRecord
from civitrace.presence.matching import RiskLevel, find_matches, overlap_seconds, risk_by_day
from civitrace.presence.payload import Venue
from civitrace.presence.report import CheckInProtectedReport, encrypt_record, fake_report
from civitrace.presence.warning_package import (
    TraceTimeIntervalWarning,
    TraceWarningPackage,
    decode_package,
    encode_package,
)

T0 = 1_700_000_400  # a multiple of 600 seconds


def _package(*reports: CheckInProtectedReport) -> TraceWarningPackage:
    return decode_package(encode_package(TraceWarningPackage(T0 // 3600, "DE", reports)))


def test_overlap() -> None:
    check_in = CheckIn(bytes(32), T0 + 300, T0 + 1500)
    assert overlap_seconds(check_in, CheckInRecord(T0 // 600, 1, 5)) == 300
    assert overlap_seconds(check_in, CheckInRecord(T0 // 600, 6, 5)) == 1200
    assert overlap_seconds(check_in, CheckInRecord(T0 // 600 + 3, 1, 5)) == 0


def test_low_and_high_risk(shop: Venue, party: Venue) -> None:
    mine = [
        CheckIn(shop.location_id, T0, T0 + 15 * 60),
        CheckIn(party.location_id, T0 + 86_400, T0 + 86_400 + 3600),
    ]
    package = _package(
        encrypt_record(shop.location_id, CheckInRecord(T0 // 600, 1, 5)),  # 10 min x 1.0
        encrypt_record(party.location_id, CheckInRecord((T0 + 86_400) // 600, 1, 4)),  # 8
        fake_report(),
    )
    days = risk_by_day(find_matches(mine, [package]))
    assert [(d.normalized_minutes, d.level) for d in days] == [
        (10.0, RiskLevel.HIGH),
        (8.0, RiskLevel.LOW),
    ]
    assert days[0].day == dt.date(2023, 11, 14)


def test_tampered_and_foreign_reports_are_skipped(shop: Venue) -> None:
    good = encrypt_record(shop.location_id, CheckInRecord(T0 // 600, 3, 8))
    bad = CheckInProtectedReport(
        good.location_id_hash, good.iv, good.encrypted_check_in_record, bytes(32)
    )
    mine = [CheckIn(shop.location_id, T0, T0 + 600)]
    matches = find_matches(mine, [_package(bad, fake_report(), good)])
    assert [m.record for m in matches] == [CheckInRecord(T0 // 600, 3, 8)]
    assert matches[0].normalized_minutes == 16.0


def test_unencrypted_warnings_and_lookback(shop: Venue) -> None:
    warning = TraceTimeIntervalWarning(shop.location_id_hash, CheckInRecord(T0 // 600, 2, 6))
    package = TraceWarningPackage(T0 // 3600, "DE", warnings=(warning,))
    mine = [CheckIn(shop.location_id, T0, T0 + 1200)]
    assert len(find_matches(mine, [package], now=T0 + 5 * 86_400)) == 1
    assert find_matches(mine, [package], now=T0 + 11 * 86_400) == []


def test_no_overlap_no_match(shop: Venue) -> None:
    mine = [CheckIn(shop.location_id, T0, T0 + 600)]
    package = _package(encrypt_record(shop.location_id, CheckInRecord(T0 // 600 + 1, 2, 8)))
    assert find_matches(mine, [package]) == []
    assert risk_by_day([]) == []
