"""The hourly TraceWarningPackage codec."""

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from civitrace.presence.checkin import CheckInRecord
from civitrace.presence.errors import PresenceError, WarningPackageError
from civitrace.presence.proto import presence_pb2 as pb
from civitrace.presence.report import encrypt_record
from civitrace.presence.warning_package import (
    TraceTimeIntervalWarning,
    TraceWarningPackage,
    decode_package,
    encode_package,
    hour_interval,
)

records = st.builds(
    CheckInRecord,
    start_interval_number=st.integers(0, 2**32 - 1),
    period=st.integers(1, 2**32 - 1),
    transmission_risk_level=st.integers(1, 8),
)
reports = st.builds(encrypt_record, location_id=st.binary(min_size=32, max_size=32), record=records)
warnings = st.builds(
    TraceTimeIntervalWarning, location_id_hash=st.binary(min_size=32, max_size=32), record=records
)
packages = st.builds(
    TraceWarningPackage,
    interval_number=st.integers(0, 2**32 - 1),
    region=st.text(max_size=8),
    reports=st.lists(reports, max_size=4).map(tuple),
    warnings=st.lists(warnings, max_size=3).map(tuple),
)


@given(packages)
def test_round_trip(package: TraceWarningPackage) -> None:
    assert decode_package(encode_package(package)) == package


@given(st.binary(max_size=400))
def test_random_bytes_raise_our_error(data: bytes) -> None:
    with contextlib.suppress(PresenceError):
        decode_package(data)


@given(st.data())
def test_corrupted_package_parses_or_raises_our_error(data: st.DataObject) -> None:
    package = TraceWarningPackage(
        470_000, "DE", (encrypt_record(bytes(32), CheckInRecord(2_710_445, 28, 7)),)
    )
    encoded = bytearray(encode_package(package))
    encoded[data.draw(st.integers(0, len(encoded) - 1))] ^= data.draw(st.integers(1, 255))
    with contextlib.suppress(WarningPackageError):
        decode_package(bytes(encoded))


def test_hour_interval() -> None:
    assert hour_interval(3600 * 470_000 + 3599) == 470_000
    assert TraceWarningPackage(470_000, "DE").start == 3600 * 470_000


def test_bad_report_in_package() -> None:
    data = pb.TraceWarningPackage(
        intervalNumber=1, checkInProtectedReports=[pb.CheckInProtectedReport(iv=b"x")]
    ).SerializeToString()
    with pytest.raises(WarningPackageError, match="malformed"):
        decode_package(data)
