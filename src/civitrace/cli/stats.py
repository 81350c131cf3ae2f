"""``civitrace stats``: differentially private releases of case counts, and reading them back.

The input CSV has one row per event about one pseudonymous person: ``person,day,age_band`` and
either ``region`` (an id of the GeoJSON) or ``lon,lat`` (located in the GeoJSON's polygons);
``positive`` (true/false) for test positivity. Nothing printed here is an un-noised count.
"""

import csv
import io
import json
from datetime import date
from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.console import Console
from rich.table import Table

from civitrace.analytics.choropleth import render_svg, render_table
from civitrace.analytics.errors import AnalyticsError
from civitrace.analytics.ledger import InMemoryLedger, JsonFileLedger, PrivacyBudget, PrivacyLedger
from civitrace.analytics.model import Release
from civitrace.analytics.records import Event, TestResult, Window, period_of
from civitrace.analytics.regions import RegionSet, load_geojson
from civitrace.analytics.release import (
    release_case_counts,
    release_test_positivity,
    release_venue_warnings,
)
from civitrace.cli._output import CliError, read_bytes, read_json

app = typer.Typer(help="Differentially private statistics (OpenDP).", no_args_is_help=True)

_TRUE = {"1", "true", "yes", "positive"}
_FALSE = {"0", "false", "no", "negative", ""}


def _region_of(row: dict[str, str], regions: RegionSet, line: int) -> str:
    if row.get("region"):
        return row["region"]
    try:
        lon, lat = float(row["lon"]), float(row["lat"])
    except (KeyError, TypeError, ValueError):
        raise CliError(f"--input line {line}: needs a region or lon and lat") from None
    region = regions.locate(lon, lat)
    if region is None:
        raise CliError(f"--input line {line}: the point lies in no region of --regions")
    return region


def read_events(path: Path, regions: RegionSet, with_result: bool) -> list[Event]:
    """Events from the input CSV; bad rows are reported by line, never echoed."""
    try:
        text = read_bytes(path, "--input").decode("utf-8")
    except UnicodeDecodeError:
        raise CliError("--input is not UTF-8 text") from None
    reader = csv.DictReader(io.StringIO(text))
    missing = {"person", "day", "age_band"} - set(reader.fieldnames or ())
    if missing:
        raise CliError(f"--input lacks the column(s) {', '.join(sorted(missing))}")
    events: list[Event] = []
    for line, row in enumerate(reader, start=2):
        try:
            day = date.fromisoformat(row["day"] or "")
        except ValueError:
            raise CliError(f"--input line {line}: day must be an ISO date") from None
        region = _region_of(row, regions, line)
        try:
            if with_result:
                flag = (row.get("positive") or "").strip().lower()
                if flag not in _TRUE | _FALSE:
                    raise CliError(f"--input line {line}: positive must be true or false")
                events.append(
                    TestResult(day, row["person"], region, row["age_band"], flag in _TRUE)
                )
            else:
                events.append(Event(day, row["person"], region, row["age_band"]))
        except AnalyticsError as exc:
            raise CliError(f"--input line {line}: {exc}") from None
    return events


@app.command()
def release(
    input_file: Annotated[Path, typer.Option("--input", help="Events CSV (see the module doc).")],
    regions_file: Annotated[Path, typer.Option("--regions", help="Regions (GeoJSON).")],
    epsilon: Annotated[float, typer.Option(help="ε this release spends in total.")],
    period_budget: Annotated[float, typer.Option(help="ε budget of the release's week.")],
    out: Annotated[Path, typer.Option(help="Where to write the release (JSON).")],
    svg: Annotated[Path | None, typer.Option(help="Also write a choropleth (SVG).")] = None,
    html: Annotated[Path | None, typer.Option(help="Also write the map's table (HTML).")] = None,
    csv_out: Annotated[Path | None, typer.Option("--csv", help="Also write cells as CSV.")] = None,
    ledger: Annotated[
        Path | None, typer.Option(help="Budget ledger (JSON file); without it, this run only.")
    ] = None,
    kind: Annotated[str, typer.Option(help="cases, venue_warnings or test_positivity.")] = "cases",
    week: Annotated[
        str | None, typer.Option(help="ISO week to release, e.g. 2026-W03 (default: latest).")
    ] = None,
    granularity: Annotated[str, typer.Option(help="day or week cells.")] = "day",
    by_age: Annotated[bool, typer.Option(help="Break cells down by age band.")] = True,
    contributions: Annotated[int, typer.Option(help="Records kept per person (k).")] = 1,
) -> None:
    """Release noisy counts for one week, charged to the period's privacy budget."""
    if kind not in ("cases", "venue_warnings", "test_positivity"):
        raise CliError("--kind must be cases, venue_warnings or test_positivity")
    if granularity not in ("day", "week"):
        raise CliError("--granularity must be day or week")
    try:
        budget = PrivacyBudget(period_budget)
    except AnalyticsError as exc:
        raise CliError(f"--period-budget: {exc}") from None
    regions = load_geojson(regions_file) if regions_file.exists() else None
    if regions is None:
        raise CliError(f"--regions: no such file: {regions_file}")
    events = read_events(input_file, regions, with_result=kind == "test_positivity")
    if week is None:
        if not events:
            raise CliError("--input has no rows; name the --week to release")
        week = period_of(max(e.day for e in events))
    window = Window.week(week)
    book: PrivacyLedger = JsonFileLedger(ledger, budget) if ledger else InMemoryLedger(budget)
    gran: Literal["day", "week"] = "day" if granularity == "day" else "week"
    if kind == "test_positivity":
        tests = [e for e in events if isinstance(e, TestResult)]
        result, _, _ = release_test_positivity(
            tests, regions, window, epsilon / 2, book,
            contributions_per_person=contributions, granularity=gran,
        )  # fmt: skip
    elif kind == "venue_warnings":
        result = release_venue_warnings(
            events, regions, window, epsilon, book,
            contributions_per_person=contributions, granularity=gran,
        )  # fmt: skip
    else:
        result = release_case_counts(
            events, regions, window, epsilon, book,
            contributions_per_person=contributions, granularity=gran, by_age=by_age,
        )  # fmt: skip
    out.write_text(json.dumps(result.to_json(), indent=2) + "\n", encoding="utf-8")
    if csv_out:
        csv_out.write_text(result.to_csv(), encoding="utf-8")
    if svg:
        svg.write_text(render_svg(result, regions), encoding="utf-8")
    if html:
        html.write_text(render_table(result, regions), encoding="utf-8")
    spent = book.spent(window.period)
    print(
        f"wrote {out} ({len(result.cells)} cells, ε={result.epsilon:g}); period {window.period}"
        f" has spent ε={spent.epsilon:g} of {budget.epsilon:g}"
    )


def _fmt(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


@app.command()
def show(
    release_file: Annotated[Path, typer.Argument(metavar="RELEASE.json", help="A release.")],
) -> None:
    """Print a release as a table, with its privacy parameters."""
    result = Release.from_json(read_json(release_file, "RELEASE.json"))
    table = Table(
        title=f"{result.kind} {result.window_start}..{result.window_end} ({result.period})",
        caption=(
            f"ε={result.epsilon:g} δ={result.delta:g} {result.mechanism}; sensitivity"
            f" {result.sensitivity}; {result.confidence:.0%} intervals; values ≤"
            f" {result.suppression_threshold:g} suppressed"
        ),
    )
    for column in ("region", "day", "age band", "value", "low", "high", "suppressed"):
        table.add_column(column, justify="right" if column in ("value", "low", "high") else "left")
    for cell in result.cells:
        table.add_row(
            cell.region,
            cell.day.isoformat(),
            cell.age_band,
            _fmt(cell.value),
            _fmt(cell.low),
            _fmt(cell.high),
            "yes" if cell.suppressed else "",
        )
    Console(width=120).print(table)
