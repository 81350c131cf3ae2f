"""The Device facade: keys per day, broadcasting, ingesting, and the owner's rights."""

import base64
import json
from pathlib import Path

import pytest

from civitrace.client.device import Device
from civitrace.client.document import ObservedSighting
from civitrace.client.scans import ScanFeed
from civitrace.client.store import KeyFile
from civitrace.en.intervals import en_interval_number
from civitrace.en.rpi import Metadata, decrypt_metadata, derive_aemk, derive_rpis
from tests.client.conftest import DAY, DAY_SECONDS, NOW, PASSPHRASE, FakeClock, MakeDevice


def test_a_new_key_each_utc_day(make_device: MakeDevice, clock: FakeClock) -> None:
    device = make_device()
    assert [k.rolling_start_number for k in device.own_keys] == [DAY * 144, (DAY + 1) * 144]
    assert device.ensure_todays_key() == device.own_keys[-1]  # idempotent within the day
    clock.now = (DAY + 2) * DAY_SECONDS - 1
    assert len(device.own_keys) == 2
    clock.now += 1  # midnight UTC
    key = device.ensure_todays_key()
    assert key.rolling_start_number == (DAY + 2) * 144
    assert len({k.key_data for k in device.own_keys}) == 3


def test_broadcast_carries_the_rpi_and_tx_power(make_device: MakeDevice) -> None:
    device = make_device(tx_power=-17)
    payload = device.broadcast(NOW)
    key = device.own_keys[-1]
    assert payload.rpi == derive_rpis(key.key_data, en_interval_number(NOW))[0]
    metadata = Metadata.decode(
        decrypt_metadata(derive_aemk(key.key_data), payload.rpi, payload.aem)
    )
    assert metadata.tx_power == -17
    assert device.broadcast(NOW + 600).rpi != payload.rpi  # a new RPI every interval


def test_ingest_drops_duplicates_and_expired(make_device: MakeDevice) -> None:
    device = make_device()
    fresh = ObservedSighting(NOW - 60, b"\x01" * 16, b"\x02" * 4, rssi=-50)
    expired = ObservedSighting(NOW - 15 * DAY_SECONDS, b"\x03" * 16, b"\x04" * 4, rssi=-50)
    report = device.ingest_scans(ScanFeed((fresh, fresh, expired), (NOW - 400, NOW - 400)))
    assert (report.added, report.duplicates, report.expired, report.scans_added) == (1, 1, 1, 1)
    again = device.ingest_scans(ScanFeed((fresh,), (NOW - 400,)))
    assert (again.added, again.duplicates, again.scans_added) == (0, 1, 0)
    assert device.document.sightings == [fresh]


def test_changes_survive_reopening(make_device: MakeDevice, clock: FakeClock) -> None:
    device = make_device("persist")
    sighting = ObservedSighting(NOW - 5, b"\x01" * 16, b"\x02" * 4, attenuation=40)
    device.ingest_scans(ScanFeed((sighting,)))
    keys = device.own_keys
    path = device.store.path
    device.close()
    with Device.open(path, PASSPHRASE, clock=clock) as reopened:
        assert reopened.own_keys == keys
        assert reopened.document.sightings == [sighting]


def test_export_data_holds_everything_as_json(make_device: MakeDevice) -> None:
    device = make_device()
    device.ingest_scans(ScanFeed((ObservedSighting(NOW, b"\x01" * 16, b"\x02" * 4, rssi=-1),)))
    device.check_exposures()
    data = device.export_data()
    decoded = json.loads(json.dumps(data))
    assert decoded["format"] == "civitrace-device-data"
    assert decoded["retentionDays"] == 14
    assert decoded["ownKeys"][0]["key"] == base64.b64encode(device.own_keys[0].key_data).decode()
    assert decoded["sightings"][0]["rpi"] == "AQEBAQEBAQEBAQEBAQEBAQ=="
    assert decoded["results"][0]["classification"] is None
    assert set(decoded) >= {
        "ownKeys",
        "sightings",
        "scanTimes",
        "downloads",
        "results",
        "consents",
        "uploads",
        "settings",
    }


def test_delete_data_removes_the_files(
    make_device: MakeDevice, tmp_path: Path, key_file: KeyFile
) -> None:
    device = make_device("gone", secret=key_file)
    path = device.store.path
    removed = device.delete_data()
    assert set(removed) == {path, key_file.path}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keys"]
    assert list(key_file.path.parent.iterdir()) == []


def test_tx_power_must_fit_a_byte(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="tx_power"):
        Device.create(tmp_path / "x", PASSPHRASE, tx_power=200)
