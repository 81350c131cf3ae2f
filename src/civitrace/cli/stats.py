"""``civitrace stats``: differentially private releases of case counts, and reading them back.

Two places a release can go:

- files (``--input CSV --out RELEASE.json``, optional ``--ledger LEDGER.json``): the original
  offline mode, unchanged;
- the server's database (``--db URL`` or ``$CIVITRACE_DATABASE_URL``, chosen whenever ``--db`` is
  given or there is no ``--input``): the period's budget is charged in the database ledger and
  the release is stored and served at ``/stats/…``. Case data comes from ``--input`` (its
  ``person`` column is a case id, replaced by a weekly pseudonym keyed by the server's KEK) or
  from ``--synthetic``, the demo city. ``show`` without a file reads the database.

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
from sqlalchemy.orm import Session

from civitrace.analytics.choropleth import render_svg, render_table
from civitrace.analytics.constants import KINDS
from civitrace.analytics.errors import AnalyticsError
from civitrace.analytics.ledger import InMemoryLedger, JsonFileLedger, PrivacyBudget, PrivacyLedger
from civitrace.analytics.model import Release
from civitrace.analytics.records import Event, TestResult, Window, period_of
from civitrace.analytics.regions import RegionSet, load_geojson
from civitrace.analytics.release import (
    release_age_bands,
    release_case_counts,
    release_test_positivity,
    release_venue_warnings,
)
from civitrace.cli._output import CliError, read_bytes, read_json
from civitrace.cli._server import DataDirOption, DbOption, server_session
from civitrace.server.analytics import store
from civitrace.server.analytics.pseudonyms import WeeklyPseudonyms
from civitrace.server.analytics.publishing import (
    RELEASE_KINDS,
    ReleaseRequest,
    period_spend,
    publish_release,
)
from civitrace.server.analytics.sources import (
    DEMO_PEOPLE,
    CaseRecord,
    CaseSource,
    RecordsCaseSource,
    SyntheticCaseSource,
    TestRecord,
)
from civitrace.server.keyring import ServerSecrets

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


def _write_outputs(
    result: Release,
    regions: RegionSet,
    out: Path | None,
    csv_out: Path | None,
    svg: Path | None,
    html: Path | None,
) -> None:
    if out:
        out.write_text(json.dumps(result.to_json(), indent=2) + "\n", encoding="utf-8")
    if csv_out:
        csv_out.write_text(result.to_csv(), encoding="utf-8")
    if svg:
        svg.write_text(render_svg(result, regions), encoding="utf-8")
    if html:
        html.write_text(render_table(result, regions), encoding="utf-8")


def _budget(period_budget: float | None) -> PrivacyBudget | None:
    if period_budget is None:
        return None
    try:
        return PrivacyBudget(period_budget)
    except AnalyticsError as exc:
        raise CliError(f"--period-budget: {exc}") from None


def _granularity(granularity: str) -> Literal["day", "week"]:
    if granularity not in ("day", "week"):
        raise CliError("--granularity must be day or week")
    return "day" if granularity == "day" else "week"


def _release_to_files(
    events: list[Event],
    regions: RegionSet,
    *,
    kind: str,
    window: Window,
    epsilon: float,
    budget: PrivacyBudget,
    ledger: Path | None,
    contributions: int,
    granularity: Literal["day", "week"],
    by_age: bool,
) -> tuple[Release, PrivacyLedger]:
    """The offline mode: charge a JSON-file (or this run's) ledger, nothing stored elsewhere."""
    book: PrivacyLedger = JsonFileLedger(ledger, budget) if ledger else InMemoryLedger(budget)
    if kind == "test_positivity":
        tests = [e for e in events if isinstance(e, TestResult)]
        result, _, _ = release_test_positivity(
            tests, regions, window, epsilon / 2, book,
            contributions_per_person=contributions, granularity=granularity,
        )  # fmt: skip
    elif kind == "venue_warnings":
        result = release_venue_warnings(
            events, regions, window, epsilon, book,
            contributions_per_person=contributions, granularity=granularity,
        )  # fmt: skip
    elif kind == "age_bands":
        result = release_age_bands(
            events, window, epsilon, book,
            contributions_per_person=contributions, granularity=granularity,
        )  # fmt: skip
    else:
        result = release_case_counts(
            events, regions, window, epsilon, book,
            contributions_per_person=contributions, granularity=granularity, by_age=by_age,
        )  # fmt: skip
    return result, book


def _csv_source(events: list[Event], kind: str) -> RecordsCaseSource:
    """CSV rows as a case source: the ``person`` column is the case id."""
    if kind == "test_positivity":
        tests = [
            TestRecord(e.person, e.day, e.region, e.age_band, e.positive)
            for e in events
            if isinstance(e, TestResult)
        ]
        return RecordsCaseSource(tests=tests)
    records = [CaseRecord(e.person, e.day, e.region, e.age_band) for e in events]
    if kind == "venue_warnings":
        return RecordsCaseSource(warnings=records)
    return RecordsCaseSource(cases=records)


@app.command()
def release(
    regions_file: Annotated[Path, typer.Option("--regions", help="Regions (GeoJSON).")],
    epsilon: Annotated[float, typer.Option(help="ε this release spends in total.")],
    input_file: Annotated[
        Path | None, typer.Option("--input", help="Events CSV (see the module doc).")
    ] = None,
    period_budget: Annotated[
        float | None,
        typer.Option(help="ε budget of the release's week (database: only for a new week)."),
    ] = None,
    out: Annotated[Path | None, typer.Option(help="Where to write the release (JSON).")] = None,
    svg: Annotated[Path | None, typer.Option(help="Also write a choropleth (SVG).")] = None,
    html: Annotated[Path | None, typer.Option(help="Also write the map's table (HTML).")] = None,
    csv_out: Annotated[Path | None, typer.Option("--csv", help="Also write cells as CSV.")] = None,
    ledger: Annotated[
        Path | None, typer.Option(help="Budget ledger (JSON file); without it, this run only.")
    ] = None,
    kind: Annotated[
        str, typer.Option(help="cases, age_bands, venue_warnings or test_positivity.")
    ] = "cases",
    week: Annotated[
        str | None, typer.Option(help="ISO week to release, e.g. 2026-W03 (default: latest).")
    ] = None,
    granularity: Annotated[str, typer.Option(help="day or week cells.")] = "day",
    by_age: Annotated[bool, typer.Option(help="Break cells down by age band.")] = True,
    contributions: Annotated[int, typer.Option(help="Records kept per person (k).")] = 1,
    synthetic: Annotated[
        bool, typer.Option(help="Database mode: release the synthetic demo city's cases.")
    ] = False,
    synthetic_people: Annotated[
        int, typer.Option(min=1000, max=2_000_000, help="People in the synthetic city.")
    ] = DEMO_PEOPLE,
    db: DbOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Release noisy counts for one week, charged to the period's privacy budget.

    With --input and no --db: files only (--out, --period-budget required). Otherwise the
    release is charged to the database ledger, stored and served at /stats/.
    """
    if kind not in RELEASE_KINDS:
        raise CliError(f"--kind must be one of {', '.join(RELEASE_KINDS)}")
    gran = _granularity(granularity)
    budget = _budget(period_budget)
    regions = load_geojson(regions_file) if regions_file.exists() else None
    if regions is None:
        raise CliError(f"--regions: no such file: {regions_file}")
    to_database = db is not None or input_file is None
    if input_file is not None and synthetic:
        raise CliError("--synthetic and --input exclude each other")
    if to_database and input_file is None and not synthetic:
        raise CliError("name the case data: --input CSV, or --synthetic for the demo city")
    events = (
        read_events(input_file, regions, with_result=kind == "test_positivity")
        if input_file is not None
        else []
    )
    source: CaseSource = (
        SyntheticCaseSource(regions, people=synthetic_people)
        if input_file is None
        else _csv_source(events, kind)
    )
    if week is None:
        last = source.last_day()
        if last is None:
            raise CliError("--input has no rows; name the --week to release")
        week = period_of(last)
    window = Window.week(week)
    if not to_database:
        if out is None or budget is None:
            raise CliError("without --db, --out and --period-budget are required")
        result, book = _release_to_files(
            events, regions, kind=kind, window=window, epsilon=epsilon, budget=budget,
            ledger=ledger, contributions=contributions, granularity=gran, by_age=by_age,
        )  # fmt: skip
        _write_outputs(result, regions, out, csv_out, svg, html)
        spent = book.spent(window.period)
        print(
            f"wrote {out} ({len(result.cells)} cells, ε={result.epsilon:g}); period"
            f" {window.period} has spent ε={spent.epsilon:g} of {budget.epsilon:g}"
        )
        return
    if ledger is not None:
        raise CliError("--ledger is the file ledger; the database keeps its own")
    request = ReleaseRequest(
        kind=kind, window=window, epsilon=epsilon, contributions=contributions,
        granularity=gran, by_age=by_age, budget=budget,
    )  # fmt: skip
    with server_session(db, data_dir) as (settings, session):
        pseudonyms = WeeklyPseudonyms(ServerSecrets.load(settings.data_dir).kek)
        results = publish_release(
            session, request, source=source, pseudonyms=pseudonyms, regions=regions
        )
        spent_epsilon, stored_budget = period_spend(session, window.period)
    _write_outputs(results[0], regions, out, csv_out, svg, html)
    for result in results:
        print(
            f"published {result.kind} release {result.release_id} ({len(result.cells)} cells,"
            f" ε={result.epsilon:g}) at /stats/releases/{result.release_id}.json"
        )
    print(f"period {window.period} has spent ε={spent_epsilon:g} of {stored_budget.epsilon:g}")


def _fmt(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def _print_release(result: Release) -> None:
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


def _print_listing(session: Session) -> None:
    """The stored releases and the ledger per period: what was published, at what cost."""
    releases = Table(title="Published releases (newest first)")
    for column in ("id", "kind", "period", "window", "granularity", "ε", "published"):
        releases.add_column(column)
    for summary in store.list_releases(session):
        releases.add_row(
            summary.release_id,
            summary.kind,
            summary.period,
            f"{summary.window_start}..{summary.window_end}",
            summary.granularity,
            f"{summary.epsilon:g}",
            summary.published_at.strftime("%Y-%m-%d %H:%M"),
        )
    periods = Table(title="Privacy budget ledger")
    for column in ("period", "budget ε", "spent ε", "releases"):
        periods.add_column(column)
    for period in store.ledger_periods(session):
        periods.add_row(
            period.period,
            f"{period.budget.epsilon:g}",
            f"{period.spent.epsilon:g}",
            str(period.releases),
        )
    console = Console(width=120)
    console.print(releases)
    console.print(periods)


@app.command()
def show(
    release_file: Annotated[
        Path | None,
        typer.Argument(metavar="[RELEASE.json]", help="A release file; without it, the database."),
    ] = None,
    release_id: Annotated[
        str | None, typer.Option("--id", help="Database: show the release with this id.")
    ] = None,
    latest: Annotated[
        str | None, typer.Option(help="Database: show the newest release of this kind.")
    ] = None,
    db: DbOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Print a release as a table, with its privacy parameters; or, from the database, one
    release (--id, --latest KIND) or the list of releases and the budget ledger."""
    if release_file is not None:
        if release_id is not None or latest is not None or db is not None:
            raise CliError("RELEASE.json excludes --id, --latest and --db")
        _print_release(Release.from_json(read_json(release_file, "RELEASE.json")))
        return
    if release_id is not None and latest is not None:
        raise CliError("--id and --latest exclude each other")
    if latest is not None and latest not in KINDS:
        raise CliError(f"--latest must be one of {', '.join(KINDS)}")
    with server_session(db, data_dir) as (_settings, session):
        if release_id is not None:
            _print_release(store.get_release(session, release_id).release)
        elif latest is not None:
            _print_release(store.latest_release(session, latest).release)
        else:
            _print_listing(session)
