"""``civitrace stats release`` and ``show`` against the server database (both backends), through
the real entry point; the file mode is covered by ``tests/cli/test_stats_cli.py``."""

import json
from pathlib import Path

import pytest

from civitrace.analytics.regions import DEMO_CITY
from tests.cli.conftest import Invoke, Result, civitrace
from tests.server.conftest import TestClient

__all__ = ["civitrace"]  # the fixture the tests below use

GEOJSON = (
    Path(__file__).resolve().parents[2] / "src" / "civitrace" / "analytics" / "data" / DEMO_CITY
)
BASE = ("stats", "release", "--regions", str(GEOJSON))
SYNTHETIC = ("--synthetic", "--synthetic-people", "20000")  # a small city: quick to generate


@pytest.fixture
def environment(
    client: TestClient, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> str:
    """The emptied test database named by the environment, as an operator would set it."""
    monkeypatch.setenv("CIVITRACE_DATABASE_URL", database_url)
    monkeypatch.setenv("CIVITRACE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("CIVITRACE_CONFIG_FILE", raising=False)
    return database_url


def ok(result: Result) -> Result:
    assert result.exit_code == 0, result.stderr
    return result


def one_line_error(result: Result, mentions: str) -> None:
    assert result.exit_code != 0
    assert mentions in result.stderr, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_release_synthetic_then_show(civitrace: Invoke, environment: str, tmp_path: Path) -> None:
    out = tmp_path / "release.json"
    args = (*BASE, *SYNTHETIC, "--week", "2026-W05", "--epsilon", "0.5")
    first = ok(civitrace(*args, "--period-budget", "1", "--out", str(out)))
    document = json.loads(out.read_text())
    assert f"published cases release {document['release_id']}" in first.stdout
    assert "period 2026-W05 has spent ε=0.5 of 1" in first.stdout
    ok(civitrace(*args, "--kind", "age_bands", "--granularity", "week"))  # the budget is stored
    refused = civitrace(*args, "--period-budget", "1")
    one_line_error(refused, "refused: period 2026-W05 has spent ε=1")
    one_line_error(civitrace(*args, "--period-budget", "3"), "cannot be changed")
    listing = ok(civitrace("stats", "show"))
    assert document["release_id"] in listing.stdout
    assert "age_bands" in listing.stdout
    assert "2026-W05" in listing.stdout
    shown = ok(civitrace("stats", "show", "--id", document["release_id"]))
    assert "ε=0.5" in shown.stdout
    assert "D12" in shown.stdout
    latest = ok(civitrace("stats", "show", "--latest", "age_bands"))
    assert "65+" in latest.stdout
    one_line_error(civitrace("stats", "show", "--id", "0123456789abcdef"), "no release")
    one_line_error(civitrace("stats", "show", "--latest", "venue_warnings"), "no venue_warnings")
    one_line_error(civitrace("stats", "show", "--latest", "names"), "--latest must be one of")


def test_release_csv_input_to_the_database(
    civitrace: Invoke, environment: str, tmp_path: Path
) -> None:
    tests = tmp_path / "tests.csv"
    rows = ["person,day,region,age_band,positive"]
    rows += [
        f"case-{i % 300},2026-01-{12 + i % 7:02d},D{1 + i % 12:02d},18-34,{i % 4 == 0}"
        for i in range(900)
    ]
    tests.write_text("\n".join(rows) + "\n")
    args = ("--db", environment, "--input", str(tests), "--kind", "test_positivity")
    options = ("--epsilon", "1", "--period-budget", "2", "--granularity", "week")
    result = ok(civitrace(*BASE, *args, *options))
    assert result.stdout.count("published ") == 3  # the ratio and its two counts
    assert "period 2026-W03 has spent ε=1 of 2" in result.stdout
    assert "case-" not in result.stdout
    listing = ok(civitrace("stats", "show", "--db", environment))
    for kind in ("test_positivity", "positives", "tests"):
        assert kind in listing.stdout


def test_bad_invocations(civitrace: Invoke, environment: str, tmp_path: Path) -> None:
    one_line_error(civitrace(*BASE, "--epsilon", "1"), "--input CSV, or --synthetic")
    cases = tmp_path / "cases.csv"
    cases.write_text("person,day,region,age_band\np1,2026-01-12,D01,0-17\n")
    file_mode = civitrace(*BASE, "--input", str(cases), "--epsilon", "1")
    one_line_error(file_mode, "--out and --period-budget are required")
    both = civitrace(*BASE, "--input", str(cases), "--synthetic", "--epsilon", "1")
    one_line_error(both, "exclude each other")
    new_week = civitrace(*BASE, *SYNTHETIC, "--week", "2026-W02", "--epsilon", "1")
    one_line_error(new_week, "2026-W02 has no privacy budget yet")
    ledger = civitrace(*BASE, *SYNTHETIC, "--epsilon", "1", "--ledger", str(tmp_path / "l"))
    one_line_error(ledger, "--ledger is the file ledger")
    one_line_error(civitrace(*BASE, *SYNTHETIC, "--epsilon", "1", "--kind", "x"), "--kind")
    mixed = civitrace("stats", "show", str(tmp_path / "r.json"), "--id", "0123456789abcdef")
    one_line_error(mixed, "excludes --id")
