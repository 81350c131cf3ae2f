"""Run several scenarios over several seeds on shared populations, and collect the results.

For each seed one population is built (seeded by that seed) and every scenario runs on it, so
differences between scenarios of one seed come from the strategy, not from the city.
The baseline is always run too, since ``cases_averted`` is measured against it.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from civitrace.sim.errors import ParameterError
from civitrace.sim.metrics import Row, run_metrics, with_cases_averted
from civitrace.sim.model import SERIES, simulate
from civitrace.sim.params import DiseaseParams, PopulationConfig
from civitrace.sim.population import build_population
from civitrace.sim.scenario import Scenario, load_scenario

Progress = Callable[[str, int], None]  # (label of the run just finished, days done in it)

PLOTTED_SERIES = ("infectious", "new_infections", "dead", "in_quarantine", "new_diagnoses")


@dataclass(frozen=True, slots=True)
class Comparison:
    """Results of every scenario x seed: metric rows and daily series for the plots."""

    scenarios: tuple[Scenario, ...]
    population: PopulationConfig
    disease: DiseaseParams
    days: int
    seeds: tuple[int, ...]
    rows: list[Row]
    series: dict[str, dict[str, npt.NDArray[np.int64]]]  # scenario -> name -> (seeds, days)


def population_rng(seed: int) -> np.random.Generator:
    """The generator that builds the population of ``seed`` (distinct from the run's)."""
    return np.random.default_rng([seed, 0xC17])


def compare(
    scenarios: Sequence[Scenario],
    *,
    agents: int,
    days: int,
    seeds: int | Sequence[int],
    population: PopulationConfig | None = None,
    disease: DiseaseParams | None = None,
    on_run: Callable[[str, int], None] | None = None,
    on_day: Callable[[int], None] | None = None,
) -> Comparison:
    """Run every scenario (plus the baseline) for every seed; see :class:`Comparison`."""
    seed_list = tuple(range(seeds)) if isinstance(seeds, int) else tuple(seeds)
    if not seed_list:
        raise ParameterError("seeds must be at least 1")
    if not scenarios:
        raise ParameterError("give at least one scenario")
    names = [s.name for s in scenarios]
    if len(set(names)) != len(names):
        raise ParameterError(f"scenario names must be distinct, got {', '.join(names)}")
    runs = list(scenarios)
    if "baseline" not in names:
        runs.insert(0, load_scenario("baseline"))
    config = replace(population or PopulationConfig(), agents=agents)
    dis = disease or DiseaseParams()
    per_run: dict[tuple[str, int], dict[str, float]] = {}
    series: dict[str, dict[str, list[npt.NDArray[np.int64]]]] = {s.name: {} for s in runs}
    for seed in seed_list:
        pop = build_population(config, population_rng(seed))
        for sc in runs:
            result = simulate(sc, pop, days, seed, disease=dis, on_day=on_day)
            per_run[(sc.name, seed)] = run_metrics(result)
            daily = dict(result.series)
            daily["infectious"] = sum(
                (
                    daily[k]
                    for k in ("presymptomatic", "asymptomatic", "mild", "severe", "critical")
                ),
                start=np.zeros(days, dtype=np.int64),
            )
            for key in PLOTTED_SERIES:
                series[sc.name].setdefault(key, []).append(daily[key])
            if on_run is not None:
                on_run(sc.name, seed)
    stacked = {s: {k: np.stack(v) for k, v in by.items()} for s, by in series.items()}
    return Comparison(
        scenarios=tuple(runs),
        population=config,
        disease=dis,
        days=days,
        seeds=seed_list,
        rows=with_cases_averted(per_run),
        series=stacked,
    )


__all__ = ["SERIES", "Comparison", "Progress", "compare", "population_rng"]
