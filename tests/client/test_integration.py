"""Two devices meet; one tests positive; the other finds the exposure. A third finds nothing.

Everything runs through the real components: Alice's device derives what it broadcasts,
simulate.py writes the scan feed Bob's scanner would have recorded, Bob's device parses and
stores it, Alice consents and shares her keys, the health authority signs them into an export,
and Bob's and Carol's devices download, verify, match and score.
"""

import dataclasses
from pathlib import Path

import pytest

from civitrace.client.consent import Consent, prepare_upload
from civitrace.client.device import DEFAULT_THRESHOLDS, Device
from civitrace.client.document import ExposureResult
from civitrace.client.scans import read_scan_feed
from civitrace.client.simulate import Meeting, observe, observe_device, to_jsonl
from civitrace.en.keys import ReportType, generate_tek
from civitrace.en.matching import DEFAULT_SECONDS_SINCE_LAST_SCAN, MatchingConfig
from civitrace.en.publish_json import parse_key_list
from civitrace.en.risk import DailySummariesConfig, Infectiousness, window_score
from tests.client.conftest import (
    DAY,
    PASSPHRASE,
    YESTERDAY,
    Authority,
    FakeClock,
    MakeDevice,
    confirmed,
)

MEETING_START = YESTERDAY + 14 * 3600
SCAN_SECONDS = 300
SCANS = 8  # 40 minutes, one scan every 5 minutes
CONFIG = DailySummariesConfig(
    attenuation_bucket_thresholds_db=(30, 50, 60),
    attenuation_bucket_weights=(1.5, 1.0, 0.5, 0.0),
    infectiousness_weights={Infectiousness.STANDARD: 1.0, Infectiousness.HIGH: 2.0},
)


@dataclasses.dataclass
class Story:
    alice: Device
    bob: Device
    carol: Device
    exports: Path


@pytest.fixture
def story(make_device: MakeDevice, tmp_path: Path) -> Story:
    return Story(make_device("alice"), make_device("bob"), make_device("carol"), tmp_path / "ex")


def _scan(device: Device, records: list[dict[str, object]], path: Path) -> int:
    """Write the feed to disk as the scanner would, then ingest it through the parser."""
    path.write_text(to_jsonl(records), encoding="utf-8")
    return device.ingest_scans(read_scan_feed(path)).added


def _alice_tests_positive(story: Story, authority: Authority) -> None:
    """Alice consents; the key server turns her publish body into a signed export."""
    request = prepare_upload(
        story.alice,
        Consent(share_diagnosis_keys=True),
        health_authority_id="ha",
        symptom_onset_interval=DAY * 144,
    )
    keys = confirmed(parse_key_list(request.body), onset_day=DAY)
    authority.publish(story.exports, "1.zip", keys)
    # the export also holds someone else's keys, as a real one does
    authority.publish(story.exports, "2.zip", confirmed([generate_tek(DAY * 144)] * 1))


def _check(device: Device, story: Story, authority: Authority) -> ExposureResult:
    report = device.download(story.exports, [authority.trusted])
    assert len(report.accepted) == 2
    assert not report.rejected
    return device.check_exposures(summaries_config=CONFIG)


def _expected(result: ExposureResult) -> tuple[float, float]:
    """(score sum, weighted duration) by the GAEN v2 formula, written out by hand."""
    score = weighted = 0.0
    for window in result.windows:
        seconds = [0, 0, 0, 0]
        for scan in window.scan_instances:
            t = scan.typical_attenuation_db
            bucket = 0 if t <= 30 else 1 if t <= 50 else 2 if t <= 60 else 3
            seconds[bucket] += scan.seconds_since_last_scan
        window_weighted = sum(s * w for s, w in zip(seconds, (1.5, 1.0, 0.5, 0.0), strict=True))
        report_weight = 1.0  # CONFIRMED_TEST
        infectiousness_weight = {Infectiousness.STANDARD: 1.0, Infectiousness.HIGH: 2.0}[
            window.infectiousness
        ]
        weighted += window_weighted
        score += window_weighted * report_weight * infectiousness_weight
    return score, weighted


def test_bob_finds_the_exposure_and_carol_does_not(story: Story, authority: Authority) -> None:
    # yesterday 14:00, 40 minutes at -35 dBm: with Alice's -10 dBm TX power, 25 dB (immediate)
    meeting = Meeting(MEETING_START, SCANS * SCAN_SECONDS, rssi=-35)
    assert (
        _scan(
            story.bob,
            observe_device(story.alice, [meeting], seed=11),
            story.exports.parent / "bob.jsonl",
        )
        == 24
    )
    strangers = [generate_tek(DAY * 144) for _ in range(3)]
    carol_feed = [
        r
        for i, s in enumerate(strangers)
        for r in observe([s], [Meeting(MEETING_START + i * 3600, 1800, rssi=-40)])
    ]
    assert _scan(story.carol, carol_feed, story.exports.parent / "carol.jsonl") == 54

    _alice_tests_positive(story, authority)
    bob = _check(story.bob, story, authority)
    carol = _check(story.carol, story, authority)

    # Bob: the meeting, on the right day, with the right duration and attenuation
    assert bob.windows, "Bob should find Alice's key"
    assert {w.day for w in bob.windows} == {DAY}
    assert {w.report_type for w in bob.windows} == {ReportType.CONFIRMED_TEST}
    assert {w.infectiousness for w in bob.windows} == {Infectiousness.HIGH}  # onset that day
    instances = [s for w in bob.windows for s in w.scan_instances]
    assert len(instances) == SCANS
    assert {(s.typical_attenuation_db, s.min_attenuation_db) for s in instances} == {(25, 25)}
    duration = sum(w.duration_seconds for w in bob.windows)
    # no scan log: the first scan instance stands for the reference's documented 2 minutes
    assert duration == DEFAULT_SECONDS_SINCE_LAST_SCAN + (SCANS - 1) * SCAN_SECONDS == 2220
    # the GAEN v2 score: 2220 s x 1.5 (immediate) x 1.0 (confirmed) x 2.0 (high)
    (summary,) = bob.summaries
    assert summary.day == DAY
    assert (
        (summary.summary_data.score_sum, summary.summary_data.weighted_duration_sum)
        == (_expected(bob))
        == (6660.0, 3330.0)
    )
    assert summary.report_summary(ReportType.CONFIRMED_TEST).score_sum == 6660.0
    assert summary.summary_data.maximum_score == max(
        window_score(w, CONFIG)[1] for w in bob.windows
    )
    assert bob.classification is not None
    assert (bob.classification.name, bob.classification.day) == (DEFAULT_THRESHOLDS[0].name, DAY)
    assert bob.keys_checked == 2

    # Carol met strangers only
    assert (carol.windows, carol.summaries, carol.classification) == ((), (), None)
    assert carol.sightings_checked == 54
    assert not carol.exposed


def test_a_scan_log_gives_the_full_forty_minutes(story: Story, authority: Authority) -> None:
    meeting = Meeting(MEETING_START, SCANS * SCAN_SECONDS, rssi=-45)  # 35 dB: near
    records = observe_device(story.alice, [meeting], log_scans=True, seed=5)
    _scan(story.bob, records, story.exports.parent / "bob.jsonl")
    _alice_tests_positive(story, authority)
    result = _check(story.bob, story, authority)
    assert sum(w.duration_seconds for w in result.windows) == SCANS * SCAN_SECONDS == 2400
    assert result.summaries[0].summary_data.score_sum == 2400 * 1.0 * 2.0


def test_attenuation_only_feeds_are_matched_exactly(story: Story, authority: Authority) -> None:
    meeting = Meeting(MEETING_START, SCANS * SCAN_SECONDS, attenuation=42)
    _scan(story.bob, observe_device(story.alice, [meeting]), story.exports.parent / "b.jsonl")
    _alice_tests_positive(story, authority)
    result = _check(story.bob, story, authority)
    instances = [s for w in result.windows for s in w.scan_instances]
    assert {(s.typical_attenuation_db, s.min_attenuation_db) for s in instances} == {(42, 42)}
    assert result.summaries[0].summary_data.weighted_duration_sum == 2220 * 1.0


def test_results_are_kept_in_the_store(
    story: Story, authority: Authority, clock: FakeClock
) -> None:
    meeting = Meeting(MEETING_START, SCANS * SCAN_SECONDS, rssi=-35)
    _scan(story.bob, observe_device(story.alice, [meeting]), story.exports.parent / "b.jsonl")
    _alice_tests_positive(story, authority)
    result = _check(story.bob, story, authority)
    path = story.bob.store.path
    story.bob.close()
    with Device.open(path, PASSPHRASE, clock=clock) as reopened:
        assert reopened.latest_result == result


def test_a_revoked_key_no_longer_matches(story: Story, authority: Authority) -> None:
    meeting = Meeting(MEETING_START, SCANS * SCAN_SECONDS, rssi=-35)
    _scan(story.bob, observe_device(story.alice, [meeting]), story.exports.parent / "b.jsonl")
    _alice_tests_positive(story, authority)
    assert _check(story.bob, story, authority).exposed
    # a later export revises Alice's key: her test was a false positive
    (alice_key,) = [k for k in story.alice.own_keys if k.rolling_start_number == DAY * 144]
    revoked = dataclasses.replace(alice_key, report_type=ReportType.REVOKED)
    (story.exports / "3.zip").write_bytes(authority.export([], revised=[revoked]))
    story.bob.download(story.exports, [authority.trusted])
    assert story.bob.check_exposures(summaries_config=CONFIG).windows == ()


def test_matching_uses_the_configured_tolerance(story: Story, authority: Authority) -> None:
    # Bob's clock was 3 hours late: beyond the 2-hour tolerance the sightings do not count
    meeting = Meeting(MEETING_START, SCANS * SCAN_SECONDS, rssi=-35)
    records = observe_device(story.alice, [meeting])
    for record in records:
        record["time"] = float(record["time"]) + 3 * 3600
    _scan(story.bob, records, story.exports.parent / "b.jsonl")
    _alice_tests_positive(story, authority)
    story.bob.download(story.exports, [authority.trusted])
    assert story.bob.check_exposures().windows == ()
    lenient = MatchingConfig(tolerance_seconds=4 * 3600)
    assert story.bob.check_exposures(matching_config=lenient).windows != ()
