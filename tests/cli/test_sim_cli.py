"""The CLI contract of ``civitrace sim``, through the real ``civitrace`` entry point."""

import csv
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from civitrace.cli import main
from civitrace.sim import METRICS


def invoke(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = 0
    try:
        main(list(args))
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    out, err = capsys.readouterr()
    return code, out, err


def test_scenarios_one_line_each(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = invoke(capsys, "sim", "scenarios")
    assert code == 0
    lines = out.strip().splitlines()
    names = [line.split()[0] for line in lines]
    assert names[0] == "baseline"
    assert {"singapore", "taiwan", "south-korea", "germany", "china"} <= set(names)


def test_compare_writes_report_and_csv(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out_dir = tmp_path / "cmp"
    code, out, err = invoke(
        capsys,
        "sim", "compare", "baseline", "germany", "taiwan",
        "--agents", "2000", "--days", "40", "--seeds", "2", "--out", str(out_dir),
    )  # fmt: skip
    assert code == 0, err
    assert "report.html" in out
    with (out_dir / "results.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 3 * 2 * len(METRICS)
    assert {r["scenario"] for r in rows} == {"baseline", "germany", "taiwan"}
    table = pq.read_table(out_dir / "results.parquet")
    assert table.column_names == ["scenario", "seed", "metric", "value"]
    assert [str(t) for t in table.schema.types] == ["string", "int64", "string", "double"]
    parquet_rows = table.to_pylist()
    assert [(r["scenario"], str(r["seed"]), r["metric"]) for r in parquet_rows] == [
        (r["scenario"], r["seed"], r["metric"]) for r in rows
    ]  # the same rows in the same order; empty CSV cells are Parquet nulls
    assert [r["value"] for r in parquet_rows] == [
        float(r["value"]) if r["value"] else None for r in rows
    ]
    html = (out_dir / "report.html").read_text()
    assert "<svg" in html
    assert "Assumptions" in html


def test_run_prints_summary_and_optional_csv(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, err = invoke(
        capsys,
        "sim", "run", "china", "--agents", "1500", "--days", "20", "--seeds", "1",
        "--out", str(tmp_path),
    )  # fmt: skip
    assert code == 0, err
    assert "cases_averted" in out
    assert "china" in out
    assert (tmp_path / "results.csv").exists()
    assert pq.read_table(tmp_path / "results.parquet").num_rows == 2 * len(METRICS)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["sim", "run", "atlantis", "--agents", "100", "--days", "5"], "no such scenario"),
        (["sim", "run", "germany", "--agents", "5"], "--agents"),
        (["sim", "run", "germany", "--days", "0"], "--days"),
        (["sim", "run", "germany", "--seeds", "0"], "--seeds"),
        (["sim", "run", "/no/such.toml", "--agents", "100"], "file"),
    ],
)
def test_bad_input_is_one_line_and_non_zero(
    capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code, out, err = invoke(capsys, *args)
    assert code != 0
    assert message in err
    assert "Traceback" not in err + out
    assert len(err.strip().splitlines()) == 1


def test_bad_scenario_file_names_field(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "bad"\n[app]\nuptake = 2\n', encoding="utf-8")
    code, _, err = invoke(capsys, "sim", "run", str(bad), "--agents", "100", "--days", "5")
    assert code == 1
    assert "app.uptake" in err
