"""``civitrace sim``: the policy lab — list, run and compare strategy scenarios."""

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
    out: Annotated[Path | None, typer.Option(help="Also write DIR/results.csv.")] = None,
) -> None:
    """Run scenarios (and the baseline) and print a summary of the main metrics."""
    comparison = _run(scenario, agents, days, seeds)
    _print_summary(comparison)
    if out is not None:
        from civitrace.sim.report import write_csv  # noqa: PLC0415  (pulls in Jinja2)

        path = _out_dir(out) / "results.csv"
        write_csv(comparison, path)
        print(f"wrote {path}")


@app.command(name="compare")
def compare_cmd(
    scenario: ScenarioArgs,
    out: Annotated[Path, typer.Option(help="Directory for report.html and results.csv.")],
    agents: Agents = 100_000,
    days: Days = 180,
    seeds: Seeds = 5,
) -> None:
    """Compare scenarios: DIR/report.html (plots, every metric, assumptions), DIR/results.csv."""
    comparison = _run(scenario, agents, days, seeds)
    from civitrace.sim.report import write_csv, write_html  # noqa: PLC0415  (matplotlib)

    directory = _out_dir(out)
    write_csv(comparison, directory / "results.csv")
    write_html(comparison, directory / "report.html")
    _print_summary(comparison)
    print(f"wrote {directory / 'report.html'} and {directory / 'results.csv'}")
    print(f"{len(comparison.rows)} rows, {len(METRICS)} metrics per run")
