"""``civitrace stats release`` and ``show``, through a small app that mounts the sub-app."""

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from civitrace.analytics.regions import DEMO_CITY
from civitrace.cli import stats

ROOT = Path(__file__).resolve().parents[2]
GEOJSON = ROOT / "src" / "civitrace" / "analytics" / "data" / DEMO_CITY

app = typer.Typer()
app.add_typer(stats.app, name="stats")
runner = CliRunner()


@pytest.fixture
def cases(tmp_path: Path) -> Path:
    path = tmp_path / "cases.csv"
    rows = ["person,day,region,age_band"]
    rows += [f"p{i},2026-01-{12 + i % 7:02d},D{1 + i % 12:02d},18-34" for i in range(600)]
    path.write_text("\n".join(rows) + "\n")
    return path


def test_release_then_show(cases: Path, tmp_path: Path) -> None:
    out, svg, ledger = tmp_path / "r.json", tmp_path / "map.svg", tmp_path / "ledger.json"
    args = [
        "stats", "release", "--input", str(cases), "--regions", str(GEOJSON),
        "--epsilon", "0.5", "--period-budget", "1.0", "--out", str(out),
        "--svg", str(svg), "--ledger", str(ledger), "--granularity", "week", "--no-by-age",
    ]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "2026-W03 has spent ε=0.5 of 1" in result.output
    document = json.loads(out.read_text())
    assert document["epsilon"] == 0.5
    assert len(document["cells"]) == 12
    ET.fromstring(svg.read_text())
    assert len(json.loads(ledger.read_text())["entries"]) == 1
    assert runner.invoke(app, args).exit_code == 0  # spends the rest
    refused = runner.invoke(app, args)
    assert refused.exit_code != 0
    assert "refused" in str(refused.exception)
    shown = runner.invoke(app, ["stats", "show", str(out)])
    assert shown.exit_code == 0
    assert "ε=0.5" in shown.output
    assert "D12" in shown.output


def test_located_by_lon_lat_and_bad_rows(tmp_path: Path) -> None:
    good = tmp_path / "points.csv"
    good.write_text("person,day,lon,lat,age_band\np1,2026-01-12,10.1,50.05,0-17\n")
    out = tmp_path / "r.json"
    base = ["stats", "release", "--regions", str(GEOJSON), "--epsilon", "1",
            "--period-budget", "1", "--out", str(out)]  # fmt: skip
    assert runner.invoke(app, [*base, "--input", str(good)]).exit_code == 0
    bad = tmp_path / "bad.csv"
    bad.write_text("person,day,region,age_band\np1,yesterday,D01,0-17\n")
    result = runner.invoke(app, [*base, "--input", str(bad)])
    assert result.exit_code != 0
    assert "line 2" in str(result.exception)
