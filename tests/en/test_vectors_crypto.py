"""Every value of the official GAEN crypto vectors, loaded from tests/vectors/gaen_crypto.json."""

import pytest

from civitrace.en.intervals import en_interval_number, rolling_start
from civitrace.en.rpi import (
    Metadata,
    decrypt_metadata,
    derive_aemk,
    derive_rpik,
    derive_rpis,
    encrypt_metadata,
)
from tests.vectors import load_vectors

VECTORS = load_vectors("gaen_crypto.json")
PUBLISHED = VECTORS["published"]
TEK = bytes.fromhex(PUBLISHED["temporary_exposure_key"])
METADATA = bytes.fromhex(PUBLISHED["ble_metadata"])


def test_interval_number_of_key_generation_time() -> None:
    assert (
        en_interval_number(PUBLISHED["key_generation_unix_seconds"])
        == (PUBLISHED["en_interval_number"])
    )
    assert rolling_start(PUBLISHED["en_interval_number"]) == PUBLISHED["en_interval_number"]
    assert len(VECTORS["intervals"]) == PUBLISHED["rolling_period"]


def test_rpik() -> None:
    assert derive_rpik(TEK).hex() == PUBLISHED["rpik"]


def test_aemk() -> None:
    assert derive_aemk(TEK).hex() == PUBLISHED["aemk"]


def test_metadata_fields() -> None:
    metadata = Metadata.decode(METADATA)
    assert metadata.encode() == METADATA
    assert metadata.version == METADATA[0]
    assert metadata.tx_power == 8


def test_all_rpis_in_one_batch() -> None:
    start = PUBLISHED["en_interval_number"]
    rpis = derive_rpis(TEK, start, PUBLISHED["rolling_period"])
    assert [r.hex() for r in rpis] == [v["rpi"] for v in VECTORS["intervals"]]


@pytest.mark.parametrize("vector", VECTORS["intervals"], ids=lambda v: f"interval-{v['index']}")
def test_interval_vector(vector: dict[str, object]) -> None:
    interval = vector["en_interval_number"]
    assert isinstance(interval, int)
    assert interval == PUBLISHED["en_interval_number"] + vector["index"]  # type: ignore[operator]
    (rpi,) = derive_rpis(TEK, interval)
    assert rpi.hex() == vector["rpi"]
    aem = encrypt_metadata(derive_aemk(TEK), rpi, METADATA)
    assert aem.hex() == vector["aem"]
    assert decrypt_metadata(derive_aemk(TEK), rpi, aem) == METADATA


@pytest.mark.parametrize("vector", PUBLISHED["rpi_aem"], ids=lambda v: f"published-{v['index']}")
def test_published_summary_vectors(vector: dict[str, object]) -> None:
    (rpi,) = derive_rpis(TEK, PUBLISHED["en_interval_number"] + vector["index"])
    assert rpi.hex() == vector["rpi"]
    if "aem" in vector:
        assert encrypt_metadata(derive_aemk(TEK), rpi, METADATA).hex() == vector["aem"]
