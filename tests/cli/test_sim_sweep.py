"""``civitrace sim sweep`` end to end: real Dask clusters, the table, and one-line errors."""

import csv
import logging
from collections.abc import Iterator
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from distributed import LocalCluster

from civitrace.sim import METRICS
from tests.cli.conftest import Invoke

GRID = """\
scenarios = ["germany"]
agents = 1500
days = 25
seeds = 2

[grid]
"app.uptake" = [0.2, 0.8]
"""
PARAMS = ("--param", "disease.beta=0.02,0.03")
POINTS = 2 * 2  # app.uptake x disease.beta
EXPECTED_ROWS = POINTS * 2 * 2 * len(METRICS)  # x (baseline, germany) x seeds x metrics


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    """A running Dask scheduler (in-process, two threads) to send sweeps to by address."""
    with LocalCluster(
        n_workers=1,
        threads_per_worker=2,
        processes=False,
        dashboard_address=None,
        silence_logs=logging.ERROR,
    ) as cluster:
        yield cluster.scheduler_address


@pytest.fixture
def grid_file(tmp_path: Path) -> Path:
    path = tmp_path / "grid.toml"
    path.write_text(GRID, encoding="utf-8")
    return path


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_sweep_on_the_default_local_cluster(
    civitrace: Invoke, grid_file: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    result = civitrace("sim", "sweep", "--grid", str(grid_file), *PARAMS, "--out", str(out))
    assert result.exit_code == 0, result.stderr
    assert f"= {EXPECTED_ROWS} rows" in result.stdout
    table = pq.read_table(out / "sweep.parquet")
    assert table.num_rows == EXPECTED_ROWS
    assert table.column_names == [
        "point", "app.uptake", "disease.beta", "scenario", "seed", "metric", "value",
    ]  # fmt: skip
    data = table.to_pylist()
    combos = {(r["point"], r["app.uptake"], r["disease.beta"]) for r in data}
    assert combos == {(0, 0.2, 0.02), (1, 0.2, 0.03), (2, 0.8, 0.02), (3, 0.8, 0.03)}
    cells = {(r["point"], r["scenario"], r["seed"], r["metric"]) for r in data}
    assert len(cells) == EXPECTED_ROWS  # exactly one row per point x scenario x seed x metric
    assert {r["scenario"] for r in data} == {"baseline", "germany"}
    assert {r["seed"] for r in data} == {0, 1}
    assert {r["metric"] for r in data} == set(METRICS)
    rows = read_csv(out / "sweep.csv")
    assert len(rows) == EXPECTED_ROWS
    assert [float(r["value"]) if r["value"] else None for r in rows] == [r["value"] for r in data]
    # the parameter really reached the germany runs
    users = {
        (r["app.uptake"], r["disease.beta"]): r["value"]
        for r in data
        if r["scenario"] == "germany" and r["metric"] == "app_users" and r["seed"] == 0
    }
    assert users[(0.8, 0.02)] > 2 * users[(0.2, 0.02)]


def test_same_seeds_same_table_on_a_scheduler(
    civitrace: Invoke, grid_file: Path, tmp_path: Path, scheduler: str
) -> None:
    outs = [tmp_path / "a", tmp_path / "b"]
    for out in outs:
        result = civitrace(
            "sim", "sweep", "--grid", str(grid_file), *PARAMS, "--scheduler", scheduler,
            "--out", str(out),
        )  # fmt: skip
        assert result.exit_code == 0, result.stderr
    first, second = (pq.read_table(out / "sweep.parquet") for out in outs)
    assert first.num_rows == EXPECTED_ROWS
    assert first.equals(second)
    assert (outs[0] / "sweep.csv").read_bytes() == (outs[1] / "sweep.csv").read_bytes()
    other = civitrace(
        "sim", "sweep", "--grid", str(grid_file), *PARAMS, "--seeds", "1",
        "--scheduler", scheduler, "--out", str(tmp_path / "c"),
    )  # fmt: skip
    assert other.exit_code == 0, other.stderr
    fewer = pq.read_table(tmp_path / "c" / "sweep.parquet")
    assert fewer.num_rows == EXPECTED_ROWS // 2
    seed0 = first.filter(pc.equal(first["seed"], 0))
    assert seed0.equals(fewer)  # a seed's rows do not depend on the other seeds


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--param", "app.uptak=0.5"], "grid: app.uptak = 0.5: unknown parameter"),
        (["--param", "app.uptake=0.5,2"], "grid: app.uptake = 2: must be a probability"),
        (["--param", "app.uptake"], "expected name=value1,value2"),
        (["--param", "uptake=0.5"], "a parameter is table.field"),
        ([], "give a grid"),
        (["--param", "app.uptake=0.5", "--agents", "5"], "--agents"),
        (["--param", "app.uptake=0.5", "--grid", "/no/such/grid.toml"], "No such file"),
        (["--param", "app.uptake=0.5", "--scheduler", "nonsense"], "not a scheduler address"),
    ],
)
def test_bad_grid_is_one_line_and_non_zero(
    civitrace: Invoke, tmp_path: Path, args: list[str], message: str
) -> None:
    result = civitrace("sim", "sweep", "germany", *args, "--out", str(tmp_path / "out"))
    assert result.exit_code != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()  # refused before anything ran or was written


def test_bad_grid_file_is_one_line(civitrace: Invoke, tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[grid]\n"testing.delay_days" = [1, -2]\n', encoding="utf-8")
    result = civitrace("sim", "sweep", "germany", "--grid", str(bad), "--out", str(tmp_path))
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "error: grid: testing.delay_days = -2: must be >= 0 days, got -2"
    )
