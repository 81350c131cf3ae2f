"""The basic reproduction number as a model measures it, and beta chosen to hit a target R0.

Two agent-based models with different contact structures are only comparable at the same R0,
and R0 is not a parameter of either: it comes out of contacts, durations and transmission
together. Both sides can measure it the same way, as the mean number of people infected by
the day-0 infections (the seeds) over their whole infection, in a fully susceptible city with
no intervention. :func:`calibrate_beta` then moves ``beta`` until civitrace's measured R0
equals a target (another model's measured R0, or a published value).
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from civitrace.sim.errors import ParameterError
from civitrace.sim.lab import population_rng
from civitrace.sim.model import RunResult, simulate
from civitrace.sim.params import DiseaseParams, PopulationConfig
from civitrace.sim.population import build_population
from civitrace.sim.scenario import Scenario

NO_INTERVENTION = Scenario(name="no-intervention")
R0_DAYS = 60  # long enough for every seed to have stopped being infectious


def seed_secondary_counts(result: RunResult) -> npt.NDArray[np.int64]:
    """How many people each initial (day-0) infection infected, one count per seed."""
    seeds = np.flatnonzero(result.infected & (result.infected_by == -1))
    infector = result.infected_by[result.infected_by >= 0]
    return np.bincount(infector, minlength=result.agents)[seeds].astype(np.int64)


def secondary_cases(result: RunResult) -> float:
    """Mean number of people infected by the run's initial (day-0) infections."""
    counts = seed_secondary_counts(result)
    return float(counts.mean()) if counts.shape[0] else float("nan")


@dataclass(frozen=True, slots=True)
class R0Estimate:
    """R0 as the mean secondary cases of every seed of every run, with its standard error."""

    mean: float
    stderr: float
    seeds: int


def measure_r0(
    population: PopulationConfig,
    disease: DiseaseParams,
    seeds: Sequence[int],
    days: int = R0_DAYS,
) -> R0Estimate:
    """Secondary cases of the day-0 infections, pooled over runs with ``seeds``, no intervention."""
    counts = []
    for seed in seeds:
        pop = build_population(population, population_rng(seed))
        result = simulate(NO_INTERVENTION, pop, days, seed, disease=disease)
        counts.append(seed_secondary_counts(result))
    pooled = np.concatenate(counts).astype(np.float64)
    n = pooled.shape[0]
    stderr = float(pooled.std(ddof=1) / np.sqrt(n)) if n > 1 else float("inf")
    return R0Estimate(float(pooled.mean()), stderr, n)


@dataclass(frozen=True, slots=True)
class Calibration:
    """The beta found, the R0 measured with it, and every (beta, R0) tried on the way."""

    beta: float
    r0: R0Estimate
    tried: tuple[tuple[float, float], ...]


def calibrate_beta(
    target_r0: float,
    population: PopulationConfig,
    disease: DiseaseParams,
    seeds: Sequence[int],
    *,
    tolerance: float = 0.02,
    max_rounds: int = 8,
) -> Calibration:
    """The ``beta`` at which the measured R0 matches ``target_r0``.

    A measurement matches when it is within ``tolerance`` (relative) of the target, or within
    two standard errors when the measurement is noisier than that. R0 grows with beta, a little
    less than proportionally (household contacts saturate): the first step scales beta by
    target / measured, later steps solve a straight line fitted through every try, which
    averages out the noise of single measurements. Raises ParameterError after ``max_rounds``.
    """
    if not (math.isfinite(target_r0) and target_r0 > 0):
        raise ParameterError(f"target R0 must be a positive number, got {target_r0!r}")
    tried: list[tuple[float, float]] = []
    beta = disease.beta if disease.beta > 0 else 0.01
    for _ in range(max_rounds):
        r0 = measure_r0(population, replace(disease, beta=beta), seeds)
        tried.append((beta, r0.mean))
        if abs(r0.mean - target_r0) <= max(tolerance * target_r0, 2 * r0.stderr):
            return Calibration(beta, r0, tuple(tried))
        betas = np.array([b for b, _ in tried])
        values = np.array([r for _, r in tried])
        slope = 0.0
        if np.unique(betas).shape[0] >= 2:
            slope, intercept = np.polyfit(betas, values, 1)
        if slope > 0:
            beta = float((target_r0 - intercept) / slope)
        else:
            beta = beta * target_r0 / r0.mean if r0.mean > 0 else beta * 2
        beta = max(beta, 1e-6)
    raise ParameterError(f"no beta reached R0 {target_r0} within {max_rounds} rounds: {tried}")
