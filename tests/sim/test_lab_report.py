"""Comparisons, metrics bands and the report files."""

import csv
from pathlib import Path

import pytest

from civitrace.sim import METRICS, ParameterError, compare, load_scenario
from civitrace.sim.metrics import band, summarize
from civitrace.sim.report import write_csv, write_html


def test_compare_adds_baseline_and_cases_averted(tmp_path: Path) -> None:
    result = compare([load_scenario("germany")], agents=3_000, days=60, seeds=2)
    assert [s.name for s in result.scenarios] == ["baseline", "germany"]
    assert len(result.rows) == 2 * 2 * len(METRICS)
    summary = summarize(result.rows)
    assert summary["baseline"]["cases_averted"].mean == 0
    assert summary["germany"]["cases_averted"].mean > 0
    write_csv(result, tmp_path / "results.csv")
    write_html(result, tmp_path / "report.html")
    with (tmp_path / "results.csv").open() as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["scenario", "seed", "metric", "value"]
    assert len(rows) == 1 + len(result.rows)
    html = (tmp_path / "report.html").read_text()
    assert html.count("<svg") >= 4
    assert "http" not in html.split("<svg")[0]  # no external resources before the plots
    for key in METRICS:
        assert key in html


def test_band() -> None:
    b = band([1.0, 2.0, 3.0, float("nan")])
    assert (b.mean, b.seeds) == (2.0, 3)
    assert b.low <= b.mean <= b.high
    assert band([]).seeds == 0


def test_compare_rejects_duplicates_and_empty() -> None:
    germany = load_scenario("germany")
    with pytest.raises(ParameterError, match="distinct"):
        compare([germany, germany], agents=100, days=5, seeds=1)
    with pytest.raises(ParameterError, match="seeds"):
        compare([germany], agents=100, days=5, seeds=0)
