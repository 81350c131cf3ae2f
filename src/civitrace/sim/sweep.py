"""Parameter sweeps: a grid of parameter values x scenarios x seeds, run on a Dask cluster.

A *parameter* is a dotted name:

- ``population.<field>`` (``population.contacts.community``): the synthetic city;
- ``disease.<field>`` (``disease.beta``): transmission and natural history;
- anything else is a scenario field (``app.uptake``, ``testing.capacity_per_100k``), set on
  every scenario of the sweep except ``baseline``, the no-intervention reference against which
  ``cases_averted`` is counted. Setting a field does not switch its intervention on: sweep
  ``app.enabled`` for that.

Every grid point is the cartesian product of the parameters' values. For each point and seed
one task builds the city and runs every scenario (plus the baseline) on it exactly as
:func:`civitrace.sim.compare` does, so a sweep row equals the ``compare`` row with the same
parameters and seed. Every point is validated before anything runs, with errors naming the
parameter. Rows come back in a fixed order whatever order the tasks finish in, so the same
grid and seeds give an identical table.
"""

import itertools
import logging
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from civitrace.sim.errors import ScenarioError, SweepError
from civitrace.sim.lab import compare
from civitrace.sim.metrics import METRICS
from civitrace.sim.model import MAX_DAYS
from civitrace.sim.params import DiseaseParams, PopulationConfig
from civitrace.sim.scenario import Scenario, load_scenario
from civitrace.sim.tomlmap import with_field

MAX_POINTS = 10_000
MAX_TASKS = 100_000
BASELINE = "baseline"

SweepRow = tuple[int, str, int, str, float]  # point, scenario, seed, metric, value


@dataclass(frozen=True, slots=True)
class SweepTask:
    """One unit of work: every scenario of one grid point on the city of one seed."""

    point: int
    seed: int
    scenarios: tuple[Scenario, ...]
    population: PopulationConfig
    disease: DiseaseParams
    days: int


@dataclass(frozen=True, slots=True)
class SweepPlan:
    """A validated sweep: the grid, its points and the tasks to run."""

    params: tuple[str, ...]
    points: tuple[tuple[Any, ...], ...]  # one value per parameter, per point
    scenario_names: tuple[str, ...]  # run order, baseline first
    seeds: tuple[int, ...]
    tasks: tuple[SweepTask, ...]

    @property
    def expected_rows(self) -> int:
        return len(self.points) * len(self.scenario_names) * len(self.seeds) * len(METRICS)


@dataclass(frozen=True, slots=True)
class GridFile:
    """What a grid file holds; every field optional except the grid itself."""

    grid: dict[str, tuple[Any, ...]]
    scenarios: tuple[str, ...] = ()
    agents: int | None = None
    days: int | None = None
    seeds: tuple[int, ...] | None = None


# -- reading grids ----------------------------------------------------------------------------


def _flatten(table: Mapping[str, Any], prefix: str, where: str) -> dict[str, tuple[Any, ...]]:
    out: dict[str, tuple[Any, ...]] = {}
    for key, value in table.items():
        name = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            out.update(_flatten(value, name, where))
        elif isinstance(value, list) and value:
            out[name] = tuple(value)
        else:
            raise SweepError(f"{where}: {name}: give a non-empty list of values")
    return out


def _seeds(value: Any, where: str) -> tuple[int, ...]:
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 1000:
        return tuple(range(value))
    if (
        isinstance(value, list)
        and value
        and all(isinstance(s, int) and not isinstance(s, bool) and 0 <= s < 2**63 for s in value)
        and len(set(value)) == len(value)
    ):
        return tuple(value)
    raise SweepError(f"{where}: seeds must be a count in 1..1000 or a list of distinct seeds >= 0")


def read_grid_file(path: Path) -> GridFile:
    """A grid file (TOML); SweepError naming the file and key when anything is wrong.

    Top-level keys: ``scenarios`` (names or ``.toml`` paths, relative to the grid file),
    ``agents``, ``days``, ``seeds`` (a count or a list), and the ``[grid]`` table mapping
    parameter names (dotted keys or nested tables) to lists of values.
    """
    where = f"--grid {path}"
    try:
        table = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SweepError(f"{where}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise SweepError(f"{where}: is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise SweepError(f"{where}: {exc}") from None
    known = {"grid", "scenarios", "agents", "days", "seeds"}
    for key in table:
        if key not in known:
            raise SweepError(f"{where}: {key}: unknown key (expected one of {', '.join(known)})")
    grid = table.get("grid", {})
    if not isinstance(grid, dict):
        raise SweepError(f"{where}: grid must be a table of parameter = [values]")
    scenarios = table.get("scenarios", [])
    if not (isinstance(scenarios, list) and all(isinstance(s, str) for s in scenarios)):
        raise SweepError(f"{where}: scenarios must be a list of names or .toml paths")
    resolved = tuple(
        str(path.parent / s) if s.endswith(".toml") and not Path(s).is_absolute() else s
        for s in scenarios
    )
    for key in ("agents", "days"):
        if key in table and (isinstance(table[key], bool) or not isinstance(table[key], int)):
            raise SweepError(f"{where}: {key} must be an integer")
    return GridFile(
        grid=_flatten(grid, "", where),
        scenarios=resolved,
        agents=table.get("agents"),
        days=table.get("days"),
        seeds=_seeds(table["seeds"], where) if "seeds" in table else None,
    )


def _scalar(text: str) -> Any:
    """A TOML value (``0.5``, ``true``, ``inf``, ``"x"``), or the bare text as a string."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def parse_param(option: str) -> tuple[str, tuple[Any, ...]]:
    """``--param name=v1,v2,...`` as (name, values); values are TOML scalars or bare words."""
    name, sep, values = option.partition("=")
    name = name.strip()
    items = [v.strip() for v in values.split(",")]
    if not sep or not name or not all(items):
        raise SweepError(f"--param {option!r}: expected name=value1,value2,...")
    return name, tuple(_scalar(v) for v in items)


# -- planning ---------------------------------------------------------------------------------


def _apply(
    name: str,
    value: Any,
    scenarios: list[Scenario],
    population: PopulationConfig,
    disease: DiseaseParams,
) -> tuple[list[Scenario], PopulationConfig, DiseaseParams]:
    head, dot, rest = name.partition(".")
    if not dot or not head or not rest:
        raise SweepError(f"grid: {name}: a parameter is table.field, e.g. app.uptake")
    try:
        if head == "population":
            population = with_field(population, rest, value, "grid")
        elif head == "disease":
            disease = with_field(disease, rest, value, "grid")
        else:
            scenarios = [
                s if s.name == BASELINE else with_field(s, name, value, "grid") for s in scenarios
            ]
    except ScenarioError as exc:
        raise SweepError(f"grid: {name} = {value!r}: {exc.reason}") from None
    return scenarios, population, disease


def plan_sweep(
    scenarios: Sequence[Scenario],
    grid: Mapping[str, Sequence[Any]],
    *,
    agents: int,
    days: int,
    seeds: Sequence[int],
    population: PopulationConfig | None = None,
    disease: DiseaseParams | None = None,
) -> SweepPlan:
    """Validate every grid point and make the tasks; SweepError names what is wrong."""
    if not scenarios:
        raise SweepError("give at least one scenario (arguments or the grid file's scenarios)")
    names = [s.name for s in scenarios]
    if len(set(names)) != len(names):
        raise SweepError(f"scenario names must be distinct, got {', '.join(names)}")
    if not seeds or len(set(seeds)) != len(seeds):
        raise SweepError("seeds must be at least one, all distinct")
    if not 1 <= days <= MAX_DAYS:
        raise SweepError(f"--days must be in 1..{MAX_DAYS}")
    runs = list(scenarios)
    if BASELINE not in names:
        runs.insert(0, load_scenario(BASELINE))
    params = tuple(grid)
    for name in params:
        if not grid[name]:
            raise SweepError(f"grid: {name}: give at least one value")
    points = tuple(itertools.product(*(tuple(grid[n]) for n in params)))
    if len(points) > MAX_POINTS or len(points) * len(seeds) > MAX_TASKS:
        raise SweepError(
            f"grid: {len(points)} points x {len(seeds)} seeds is too large "
            f"(at most {MAX_POINTS} points and {MAX_TASKS} tasks)"
        )
    try:
        base_pop = replace(population or PopulationConfig(), agents=agents)
    except ValueError as exc:
        raise SweepError(f"--agents: {exc}") from None
    base_dis = disease or DiseaseParams()
    tasks: list[SweepTask] = []
    for index, values in enumerate(points):
        scs, pop, dis = runs, base_pop, base_dis
        for name, value in zip(params, values, strict=True):
            scs, pop, dis = _apply(name, value, scs, pop, dis)
        tasks.extend(SweepTask(index, seed, tuple(scs), pop, dis, days) for seed in seeds)
    return SweepPlan(params, points, tuple(s.name for s in runs), tuple(seeds), tuple(tasks))


# -- running ----------------------------------------------------------------------------------


def run_task(task: SweepTask) -> list[SweepRow]:
    """Run one task (on a Dask worker): the rows of every scenario of its point and seed."""
    result = compare(
        task.scenarios,
        agents=task.population.agents,
        days=task.days,
        seeds=[task.seed],
        population=task.population,
        disease=task.disease,
    )
    return [(task.point, s, seed, m, v) for s, seed, m, v in result.rows]


def order_rows(plan: SweepPlan, rows: Sequence[SweepRow]) -> list[SweepRow]:
    """Rows in the table's fixed order: point, scenario (run order), seed, metric."""
    scenario_rank = {name: i for i, name in enumerate(plan.scenario_names)}
    seed_rank = {seed: i for i, seed in enumerate(plan.seeds)}
    metric_rank = {name: i for i, name in enumerate(METRICS)}
    return sorted(
        rows, key=lambda r: (r[0], scenario_rank[r[1]], seed_rank[r[2]], metric_rank[r[3]])
    )


def check_address(address: str) -> None:
    """Refuse a malformed scheduler address before any connection is attempted."""
    from distributed.comm.addressing import parse_address, parse_host_port  # noqa: PLC0415

    try:
        scheme, location = parse_address(address, strict=False)
        if scheme in ("tcp", "tls"):
            parse_host_port(location)
    except ValueError as exc:
        raise SweepError(
            f"--scheduler {address}: not a scheduler address ({exc}); e.g. tcp://host:8786"
        ) from None


def run_sweep(
    plan: SweepPlan,
    *,
    scheduler: str | None = None,
    workers: int = 2,
    on_done: Callable[[SweepTask], None] | None = None,
) -> list[SweepRow]:
    """Run every task of ``plan`` on Dask and return the rows in the table's order.

    Without ``scheduler`` a :class:`distributed.LocalCluster` of ``workers`` single-threaded
    worker *processes* runs the tasks: a simulation holds the GIL for much of each day (many
    small numpy calls driven from Python), so threads would take turns while processes really
    run in parallel; a task's inputs and outputs are small, so pickling them costs little.
    With ``scheduler`` (``tcp://host:8786``) the tasks go to that cluster instead.
    """
    from distributed import Client, LocalCluster, as_completed  # noqa: PLC0415  (heavy)

    def _execute(client: Any) -> list[SweepRow]:
        futures = client.map(run_task, plan.tasks, pure=False)
        task_of = {f.key: t for f, t in zip(futures, plan.tasks, strict=True)}
        rows: list[SweepRow] = []
        for future in as_completed(futures, loop=client.loop):  # type: ignore[no-untyped-call]
            rows.extend(future.result())
            if on_done is not None:
                on_done(task_of[future.key])
        return order_rows(plan, rows)

    if scheduler is not None:
        check_address(scheduler)
        try:
            client = Client(scheduler, timeout="10s", set_as_default=False)  # type: ignore[no-untyped-call]
        except (OSError, ValueError, TypeError) as exc:
            raise SweepError(f"--scheduler {scheduler}: cannot connect ({exc})") from None
        with client:
            return _execute(client)
    if not 1 <= workers <= 64:
        raise SweepError("--workers must be in 1..64")
    with (
        LocalCluster(  # type: ignore[no-untyped-call]
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        ) as cluster,
        Client(cluster, set_as_default=False) as client,  # type: ignore[no-untyped-call]
    ):
        return _execute(client)
