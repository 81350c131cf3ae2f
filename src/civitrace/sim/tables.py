"""Long-format result tables as Parquet (pyarrow) and CSV, for comparisons and sweeps.

One row per run x metric, so any tool can filter and pivot them. A metric that is undefined
for a run (an attack rate among nobody) is ``nan`` in memory, an empty CSV cell, and a Parquet
null. CSV numbers are written with ``repr`` so they read back bit for bit.
"""

import csv
import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from civitrace.sim.metrics import Row

RESULT_COLUMNS = ("scenario", "seed", "metric", "value")


def _value_column(values: Sequence[float]) -> pa.Array:
    return pa.array(
        [v if math.isfinite(v) else None for v in values], type=pa.float64()
    )  # nan -> null


def results_table(rows: Sequence[Row]) -> pa.Table:
    """``scenario, seed, metric, value`` as an Arrow table (the CSV contract, typed)."""
    scenario, seed, metric, value = zip(*rows, strict=True) if rows else ((), (), (), ())
    return pa.table(
        {
            "scenario": pa.array(scenario, type=pa.string()),
            "seed": pa.array(seed, type=pa.int64()),
            "metric": pa.array(metric, type=pa.string()),
            "value": _value_column(value),
        }
    )


def _param_column(values: Sequence[Any]) -> pa.Array:
    """A sweep parameter's values: numbers, booleans and strings typed; tables as JSON text."""
    if any(isinstance(v, dict) for v in values):
        return pa.array([json.dumps(v, sort_keys=True) for v in values], type=pa.string())
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values) and any(
        isinstance(v, float) for v in values
    ):
        return pa.array([float(v) for v in values], type=pa.float64())
    return pa.array(list(values))


def sweep_table(
    params: Sequence[str], points: Sequence[Sequence[Any]], rows: Sequence[tuple[Any, ...]]
) -> pa.Table:
    """``point, <param>..., scenario, seed, metric, value``; rows are (point, scenario, ...)."""
    point = [r[0] for r in rows]
    columns: dict[str, pa.Array] = {"point": pa.array(point, type=pa.int64())}
    for i, name in enumerate(params):
        columns[name] = _param_column([points[p][i] for p in point])
    columns["scenario"] = pa.array([r[1] for r in rows], type=pa.string())
    columns["seed"] = pa.array([r[2] for r in rows], type=pa.int64())
    columns["metric"] = pa.array([r[3] for r in rows], type=pa.string())
    columns["value"] = _value_column([r[4] for r in rows])
    return pa.table(columns)


def write_parquet(table: pa.Table, path: Path) -> None:
    """The table as one Parquet file (zstd-compressed)."""
    pq.write_table(table, path, compression="zstd")


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else ""
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True)
    return str(value)


def write_csv(table: pa.Table, path: Path) -> None:
    """The table as CSV with a header row (see the module docstring for number formatting)."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(table.column_names)
        for row in table.to_pylist():
            writer.writerow([_csv_cell(v) for v in row.values()])
