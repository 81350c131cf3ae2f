"""``civitrace sim``: the policy lab — list, run, compare and sweep strategy scenarios."""

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from civitrace.cli._output import CliError
from civitrace.sim.lab import Comparison, compare
from civitrace.sim.metrics import METRICS, summarize
from civitrace.sim.model import MAX_DAYS
from civitrace.sim.scenario import Scenario, load_scenario, scenario_names

app = typer.Typer(
    help="Policy lab: compare countries' strategies on health, burden, equity and privacy.",
    no_args_is_help=True,
)

SUMMARY_METRICS = (
    "infections",
    "cases_averted",
    "deaths",
    "quarantine_person_days",
    "false_alarm_quarantines",
    "authority_person_records",
    "reconstructable_people",
)

ScenarioArgs = Annotated[
    list[str], typer.Argument(metavar="SCENARIO...", help="Bundled names or .toml files.")
]
Agents = Annotated[int, typer.Option(help="Agents in the synthetic city.")]
Days = Annotated[int, typer.Option(help="Days simulated.")]
Seeds = Annotated[int, typer.Option(help="Seeds (runs per scenario) 0..S-1.")]


def _check(agents: int, days: int, seeds: int) -> None:
    if not 10 <= agents <= 50_000_000:
        raise CliError("--agents must be in 10..50000000")
    if not 1 <= days <= MAX_DAYS:
        raise CliError(f"--days must be in 1..{MAX_DAYS}")
    if not 1 <= seeds <= 1000:
        raise CliError("--seeds must be in 1..1000")


def _run(names: list[str], agents: int, days: int, seeds: int) -> Comparison:
    _check(agents, days, seeds)
    scenarios: list[Scenario] = [load_scenario(n) for n in names]
    runs = (len(scenarios) + (0 if any(s.name == "baseline" for s in scenarios) else 1)) * seeds
    console = Console(stderr=True)
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("simulating", total=runs * days)

        def on_run(name: str, seed: int) -> None:
            progress.update(task, description=f"{name} seed {seed} done")

        return compare(
            scenarios,
            agents=agents,
            days=days,
            seeds=seeds,
            on_run=on_run,
            on_day=lambda _t: progress.advance(task),
        )


def _print_summary(comparison: Comparison) -> None:
    summary = summarize(comparison.rows)
    table = Table(title=f"{comparison.population.agents:,} agents, {comparison.days} days")
    table.add_column("metric")
    for sc in comparison.scenarios:
        table.add_column(sc.name, justify="right")
    for key in SUMMARY_METRICS:
        cells = []
        for sc in comparison.scenarios:
            b = summary[sc.name][key]
            cells.append(f"{b.mean:,.0f} [{b.low:,.0f}-{b.high:,.0f}]" if b.seeds else "n/a")
        table.add_row(key, *cells)
    Console(width=160).print(table)


def _write_results(comparison: Comparison, directory: Path) -> None:
    from civitrace.sim.report import write_csv  # noqa: PLC0415  (pulls in Jinja2)
    from civitrace.sim.tables import results_table, write_parquet  # noqa: PLC0415  (pyarrow)

    write_csv(comparison, directory / "results.csv")
    write_parquet(results_table(comparison.rows), directory / "results.parquet")


def _out_dir(out: Path) -> Path:
    if out.exists() and not out.is_dir():
        raise CliError(f"--out: {out} exists and is not a directory")
    out.mkdir(parents=True, exist_ok=True)
    return out


@app.command()
def scenarios() -> None:
    """List the bundled scenarios, one per line."""
    for name in scenario_names():
        sc = load_scenario(name)
        print(f"{name:12} {sc.title}: {sc.summary}")


@app.command()
def run(
    scenario: ScenarioArgs,
    agents: Agents = 100_000,
    days: Days = 180,
    seeds: Seeds = 3,
    out: Annotated[
        Path | None, typer.Option(help="Also write DIR/results.csv and DIR/results.parquet.")
    ] = None,
) -> None:
    """Run scenarios (and the baseline) and print a summary of the main metrics."""
    comparison = _run(scenario, agents, days, seeds)
    _print_summary(comparison)
    if out is not None:
        directory = _out_dir(out)
        _write_results(comparison, directory)
        print(f"wrote {directory / 'results.csv'} and {directory / 'results.parquet'}")


@app.command(name="compare")
def compare_cmd(
    scenario: ScenarioArgs,
    out: Annotated[Path, typer.Option(help="Directory for report.html and results.csv.")],
    agents: Agents = 100_000,
    days: Days = 180,
    seeds: Seeds = 5,
) -> None:
    """Compare scenarios: DIR/report.html (plots, every metric, assumptions), DIR/results.csv
    and DIR/results.parquet (one row per scenario x seed x metric)."""
    comparison = _run(scenario, agents, days, seeds)
    from civitrace.sim.report import write_html  # noqa: PLC0415  (matplotlib)

    directory = _out_dir(out)
    _write_results(comparison, directory)
    write_html(comparison, directory / "report.html")
    _print_summary(comparison)
    print(
        f"wrote {directory / 'report.html'}, {directory / 'results.csv'} "
        f"and {directory / 'results.parquet'}"
    )
    print(f"{len(comparison.rows)} rows, {len(METRICS)} metrics per run")


@app.command()
def sweep(
    out: Annotated[Path, typer.Option(help="Directory for sweep.parquet and sweep.csv.")],
    scenario: Annotated[
        list[str] | None,
        typer.Argument(metavar="SCENARIO", help="Bundled names or .toml files."),
    ] = None,
    grid: Annotated[
        Path | None,
        typer.Option(help="TOML grid file: a grid table of name = list of values, run settings."),
    ] = None,
    param: Annotated[
        list[str] | None,
        typer.Option(help="A grid parameter, name=v1,v2,... (repeatable; overrides --grid)."),
    ] = None,
    agents: Annotated[int | None, typer.Option(help="Agents (default 100000).")] = None,
    days: Annotated[int | None, typer.Option(help="Days simulated (default 180).")] = None,
    seeds: Annotated[int | None, typer.Option(help="Seeds 0..S-1 (default 3).")] = None,
    scheduler: Annotated[
        str | None, typer.Option(help="Dask scheduler address; default: a local cluster.")
    ] = None,
    workers: Annotated[int, typer.Option(help="Worker processes of the local cluster.")] = 2,
) -> None:
    """Sweep a parameter grid x scenarios x seeds on Dask; one row per point x scenario x seed
    x metric in DIR/sweep.parquet and DIR/sweep.csv."""
    from civitrace.sim import sweep as sw  # noqa: PLC0415  (Dask is imported when it runs)
    from civitrace.sim.tables import sweep_table, write_csv, write_parquet  # noqa: PLC0415

    spec = sw.read_grid_file(grid) if grid is not None else sw.GridFile(grid={})
    params = dict(spec.grid)
    for option in param or []:
        name, values = sw.parse_param(option)
        params[name] = values
    if not params:
        raise CliError("give a grid: --grid FILE and/or --param name=v1,v2,...")
    n_agents = agents if agents is not None else spec.agents or 100_000
    n_days = days if days is not None else spec.days or 180
    seed_list = tuple(range(seeds)) if seeds is not None else spec.seeds or (0, 1, 2)
    _check(n_agents, n_days, len(seed_list))
    if scheduler is not None:
        sw.check_address(scheduler)
    names = list(scenario or spec.scenarios)
    plan = sw.plan_sweep(
        [load_scenario(n) for n in names], params, agents=n_agents, days=n_days, seeds=seed_list
    )
    directory = _out_dir(out)
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    where = scheduler or f"local cluster, {workers} worker processes"
    with Progress(*columns, console=Console(stderr=True), transient=True) as progress:
        bar = progress.add_task(f"sweep on {where}", total=len(plan.tasks))

        def on_done(task: sw.SweepTask) -> None:
            progress.update(bar, advance=1, description=f"point {task.point} seed {task.seed}")

        rows = sw.run_sweep(plan, scheduler=scheduler, workers=workers, on_done=on_done)
    table = sweep_table(plan.params, plan.points, rows)
    write_parquet(table, directory / "sweep.parquet")
    write_csv(table, directory / "sweep.csv")
    print(f"wrote {directory / 'sweep.parquet'} and {directory / 'sweep.csv'}")
    print(
        f"{len(plan.points)} points x {len(plan.scenario_names)} scenarios x "
        f"{len(plan.seeds)} seeds x {len(METRICS)} metrics = {table.num_rows} rows"
    )
