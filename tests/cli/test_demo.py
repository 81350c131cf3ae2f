"""``civitrace demo``: Bob is warned, Carol is not, and it takes seconds."""

import time
from pathlib import Path

from civitrace.client.scenario import run_scenario
from civitrace.client.store import ScryptParams
from civitrace.en.intervals import utc_day
from tests.cli.conftest import Invoke


def test_demo_reports_bob_exposed_and_carol_not(civitrace: Invoke) -> None:
    started = time.perf_counter()
    result = civitrace("demo")
    elapsed = time.perf_counter() - started
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert any(line.startswith("Bob: EXPOSED: close contact on") for line in lines)
    assert "Carol: no exposure" in lines
    assert "civitrace client check --store bob.store --passphrase-env BOB_PASSPHRASE" in (
        result.stdout
    )
    assert elapsed < 10


def test_demo_keeps_its_files_with_a_workdir(civitrace: Invoke, tmp_path: Path) -> None:
    workdir = tmp_path / "demo"
    assert civitrace("demo", "--workdir", str(workdir)).exit_code == 0
    names = {p.name for p in workdir.iterdir()}
    assert {
        "alice.store",
        "bob.store",
        "carol.store",
        "bob-scans.jsonl",
        "alice-publish.json",
        "ha-public.pem",
        "exports",
    } <= names
    again = civitrace("demo", "--workdir", str(workdir))
    assert again.exit_code == 1
    assert "is not empty" in again.stderr


def test_the_scenario_itself(tmp_path: Path) -> None:
    now = time.time()
    outcome = run_scenario(tmp_path, now, scrypt=ScryptParams(log2_n=10))
    bob, carol = outcome.person("Bob"), outcome.person("Carol")
    assert bob.exposed
    assert bob.exposure_seconds == 120 + 7 * 300  # 40 min, first scan at the 2-minute default
    assert bob.result is not None
    assert {w.day for w in bob.result.windows} == {utc_day(now) - 1}
    assert not carol.exposed
    assert carol.sightings > 0
    assert outcome.shared_keys == 1
