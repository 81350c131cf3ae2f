"""Every value of tests/vectors/cwa_presence.json, reproduced."""

import base64
from typing import Any

import pytest

from civitrace.presence.checkin import CheckInRecord
from civitrace.presence.errors import ValidationError
from civitrace.presence.payload import Venue, location_id, location_id_hash
from civitrace.presence.report import (
    CheckInProtectedReport,
    decrypt_report,
    encode_record,
    encrypt_record,
)
from tests.vectors import load_vectors

VECTORS = load_vectors("cwa_presence.json")
LOCATIONS = VECTORS["location_id"]["cases"]
REPORTS = VECTORS["check_in_protected_report"]["cases"]


def b64(value: str) -> bytes:
    return base64.b64decode(value)


@pytest.mark.parametrize("case", LOCATIONS, ids=lambda c: c["description"])
def test_location_id(case: dict[str, Any]) -> None:
    raw = b64(case["qr_code_payload_base64"])
    assert location_id(raw) == b64(case["location_id_base64"])
    assert location_id_hash(location_id(raw)).hex() == case["location_id_hash_hex"]
    venue = Venue.from_bytes(raw, validate=False)
    assert venue.payload.location.description == case["description"]
    assert venue.payload.location.address == case["address"]
    assert venue.location_id == b64(case["location_id_base64"])
    assert venue.location_id_hash.hex() == case["location_id_hash_hex"]


@pytest.mark.parametrize("case", LOCATIONS, ids=lambda c: c["description"])
def test_vector_payloads_carry_a_short_test_seed(case: dict[str, Any]) -> None:
    """The published test payloads use a 4-byte seed, which the rules refuse."""
    with pytest.raises(ValidationError) as caught:
        Venue.from_bytes(b64(case["qr_code_payload_base64"]))
    assert caught.value.rule == "seed.length"


@pytest.mark.parametrize("case", REPORTS, ids=lambda c: c["iv_base64"])
def test_encrypt_check_in_record(case: dict[str, Any]) -> None:
    expected = case["check_in_record"]
    record = CheckInRecord(
        expected["startIntervalNumber"], expected["period"], expected["transmissionRiskLevel"]
    )
    lid = b64(case["location_id_base64"])
    report = encrypt_record(lid, record, iv=b64(case["iv_base64"]))
    assert report.encrypted_check_in_record == b64(case["encrypted_check_in_record_base64"])
    assert report.mac == b64(case["mac_base64"])
    assert report.location_id_hash == location_id_hash(lid)


@pytest.mark.parametrize("case", REPORTS, ids=lambda c: c["iv_base64"])
def test_decrypt_check_in_record(case: dict[str, Any]) -> None:
    lid = b64(case["location_id_base64"])
    report = CheckInProtectedReport(
        location_id_hash(lid),
        b64(case["iv_base64"]),
        b64(case["encrypted_check_in_record_base64"]),
        b64(case["mac_base64"]),
    )
    record = decrypt_report(lid, report)
    expected = case["check_in_record"]
    assert (record.start_interval_number, record.period, record.transmission_risk_level) == (
        expected["startIntervalNumber"],
        expected["period"],
        expected["transmissionRiskLevel"],
    )


@pytest.mark.parametrize("case", REPORTS, ids=lambda c: c["iv_base64"])
def test_plaintext_hex_in_the_vector_file_lacks_its_last_byte(case: dict[str, Any]) -> None:
    """Erratum: ``check_in_record_plain_hex`` ends with the tag of field 3 (``18``) but not
    its value. The ciphertext and MAC of the same case decrypt to that hex plus ``07``
    (transmissionRiskLevel = 7), which is the record the case states."""
    lid = b64(case["location_id_base64"])
    record = CheckInRecord(2710445, 28, 7)
    assert record == CheckInRecord(*case["check_in_record"].values())
    plain = encode_record(record).hex()
    assert plain == case["check_in_record_plain_hex"] + "07"
    report = encrypt_record(lid, record, iv=b64(case["iv_base64"]))
    assert report.encrypted_check_in_record == b64(case["encrypted_check_in_record_base64"])
