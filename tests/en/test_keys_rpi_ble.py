"""TEK validation, RPI/AEM negative cases and the BLE payload codec."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from civitrace.en.ble import BlePayload
from civitrace.en.errors import InvalidKeyError
from civitrace.en.intervals import en_interval_number, interval_start_seconds, rolling_start
from civitrace.en.keys import ReportType, TemporaryExposureKey, generate_tek
from civitrace.en.rpi import Metadata, derive_rpik, derive_rpis, encrypt_metadata, padded_data

sixteen = st.binary(min_size=16, max_size=16)
four = st.binary(min_size=4, max_size=4)


@given(rpi=sixteen, aem=four)
def test_ble_payload_round_trip(rpi: bytes, aem: bytes) -> None:
    payload = BlePayload(rpi, aem)
    assert len(payload.encode()) == 20
    assert BlePayload.decode(payload.encode()) == payload
    assert BlePayload.decode(payload.advertising_structure()) == payload
    assert payload.advertising_structure()[:4] == bytes([0x17, 0x16, 0x6F, 0xFD])


@given(st.binary().filter(lambda b: len(b) not in (20, 24)))
def test_ble_payload_wrong_length_is_our_error(raw: bytes) -> None:
    with pytest.raises(InvalidKeyError):
        BlePayload.decode(raw)


def test_ble_advertisement_with_other_uuid_is_refused() -> None:
    with pytest.raises(InvalidKeyError, match="0xFD6F"):
        BlePayload.decode(bytes([0x17, 0x16, 0x0A, 0x18]) + bytes(20))


@pytest.mark.parametrize("value", [b"", bytes(15), bytes(17), bytearray(16), "0" * 16])
def test_rpik_rejects_wrong_keys(value: object) -> None:
    with pytest.raises(InvalidKeyError):
        derive_rpik(value)  # type: ignore[arg-type]


def test_padded_data_layout() -> None:
    assert padded_data(0x01020304) == b"EN-RPI" + bytes(6) + bytes([4, 3, 2, 1])
    with pytest.raises(InvalidKeyError):
        padded_data(-1)


def test_metadata_rejects_out_of_range() -> None:
    with pytest.raises(InvalidKeyError):
        Metadata(tx_power=128)
    with pytest.raises(InvalidKeyError):
        encrypt_metadata(bytes(16), bytes(16), bytes(3))


@given(tx=st.integers(-128, 127), version=st.integers(0, 255))
def test_metadata_round_trip(tx: int, version: int) -> None:
    metadata = Metadata(tx_power=tx, version=version)
    assert Metadata.decode(metadata.encode()) == metadata


def test_generated_tek_is_aligned_and_random() -> None:
    interval = en_interval_number(1_700_000_000)
    a, b = generate_tek(interval), generate_tek(interval)
    assert a.rolling_start_number == rolling_start(interval) == b.rolling_start_number
    assert a.rolling_start_number % 144 == 0
    assert a.rolling_period == 144
    assert a.key_data != b.key_data
    assert interval_start_seconds(a.rolling_start_number) <= 1_700_000_000


@pytest.mark.parametrize(
    "kwargs",
    [
        {"key_data": bytes(15)},
        {"rolling_period": 0},
        {"rolling_period": 145},
        {"rolling_start_number": -1},
        {"transmission_risk_level": 9},
        {"days_since_onset_of_symptoms": 15},
        {"report_type": 9},
    ],
)
def test_tek_validation(kwargs: dict[str, object]) -> None:
    fields: dict[str, object] = {"key_data": bytes(16), "rolling_start_number": 144}
    fields.update(kwargs)
    with pytest.raises(InvalidKeyError):
        TemporaryExposureKey(**fields)  # type: ignore[arg-type]


def test_rpis_are_consecutive_intervals() -> None:
    tek = bytes(range(16))
    batch = derive_rpis(tek, 1000, 3)
    assert batch == [derive_rpis(tek, 1000 + i)[0] for i in range(3)]
    assert TemporaryExposureKey(tek, 144, report_type=ReportType.REVOKED).end_interval == 288
