"""Simulated meetings produce the scan feed a nearby device would have recorded."""

import pytest

from civitrace.client.errors import ClientError
from civitrace.client.scans import parse_scan_text
from civitrace.client.simulate import Meeting, observe, observe_device, scan_count, to_jsonl
from civitrace.en.intervals import en_interval_number
from civitrace.en.keys import generate_tek
from civitrace.en.rpi import Metadata, decrypt_metadata, derive_aemk, derive_rpis
from tests.client.conftest import DAY, YESTERDAY, MakeDevice

MEETING = Meeting(YESTERDAY + 14 * 3600, 40 * 60, rssi=-50)


def test_a_forty_minute_meeting_gives_eight_scans_of_three_beacons(
    make_device: MakeDevice,
) -> None:
    alice = make_device("alice", tx_power=-12)
    records = observe_device(alice, [MEETING], seed=1)
    assert scan_count(MEETING) == 8
    assert len(records) == 24
    times = [r["time"] for r in records]
    assert times == sorted(times)
    assert MEETING.start <= times[0]
    assert times[-1] < MEETING.end
    key = alice.own_keys[0]
    for record in records:
        raw = bytes.fromhex(record["payload"])
        interval = en_interval_number(record["time"])
        assert raw[:16] == derive_rpis(key.key_data, interval)[0]
        plain = decrypt_metadata(derive_aemk(key.key_data), raw[:16], raw[16:])
        assert Metadata.decode(plain).tx_power == -12
        assert record["rssi"] == -50
    scans = sorted({round(t // 60) for t in times[::3]})
    assert len(scans) == 8


def test_deterministic_for_a_seed() -> None:
    key = generate_tek(DAY * 144)
    assert observe([key], [MEETING], seed=3) == observe([key], [MEETING], seed=3)
    assert observe([key], [MEETING], seed=3) != observe([key], [MEETING], seed=4)


def test_scan_log_and_attenuation() -> None:
    key = generate_tek(DAY * 144)
    meeting = Meeting(MEETING.start, 600, attenuation=44)
    records = observe([key], [meeting], log_scans=True, beacons_per_scan=1)
    feed = parse_scan_text(to_jsonl(records))
    assert len(feed.scan_times) == 3  # the scan before the meeting and its two scans
    assert feed.scan_times[0] < meeting.start
    assert [s.attenuation for s in feed.sightings] == [44, 44]


def test_noise_stays_in_range() -> None:
    key = generate_tek(DAY * 144)
    records = observe([key], [Meeting(MEETING.start, 3600, rssi=-126)], level_noise_db=5)
    assert {r["rssi"] for r in records} <= set(range(-128, -120))


def test_the_advertiser_needs_a_key_for_the_meeting() -> None:
    key = generate_tek((DAY - 3) * 144)
    with pytest.raises(ClientError, match="no key"):
        observe([key], [MEETING])


@pytest.mark.parametrize(
    "meeting",
    [
        lambda: Meeting(0, 0, rssi=-1),
        lambda: Meeting(0, 60),
        lambda: Meeting(0, 60, rssi=-1, attenuation=1),
        lambda: Meeting(0, 60, rssi=-300),
        lambda: Meeting(0, 60, attenuation=300),
    ],
)
def test_invalid_meetings(meeting: object) -> None:
    assert callable(meeting)
    with pytest.raises(ValueError, match=r"meeting needs|exactly one|rssi|attenuation"):
        meeting()


def test_invalid_schedules() -> None:
    key = generate_tek(DAY * 144)
    with pytest.raises(ValueError, match="jitter"):
        observe([key], [MEETING], jitter=100)
    with pytest.raises(ValueError, match="beacons"):
        observe([key], [MEETING], beacons_per_scan=0)
