"""R0 as the model measures it, and beta calibrated to a target R0 (used against covasim)."""

import numpy as np
import pytest

from civitrace.sim import (
    DiseaseParams,
    LayerValues,
    ParameterError,
    PopulationConfig,
    build_population,
    simulate,
)
from civitrace.sim.calibrate import (
    NO_INTERVENTION,
    calibrate_beta,
    measure_r0,
    secondary_cases,
    seed_secondary_counts,
)
from civitrace.sim.disease import infectious_days

CONTACTS = 10.0
HOMOGENEOUS = PopulationConfig(
    agents=20_000,
    structure="homogeneous",
    contacts=LayerValues(community=CONTACTS),
    initial_infected=0.005,
)
DISEASE = DiseaseParams(beta=0.04, layer_weights=LayerValues(community=1.0))


def analytic_r0(beta: float) -> float:
    """beta x contacts x mean infectiousness-weighted days (see test_model's final size)."""
    pop = build_population(HOMOGENEOUS, np.random.default_rng(1))
    rng = np.random.default_rng(0)
    days = infectious_days(rng.choice(pop.age_band, 400_000), DISEASE, rng)
    return beta * CONTACTS * days


def test_secondary_counts_add_up() -> None:
    pop = build_population(HOMOGENEOUS, np.random.default_rng(2))
    result = simulate(NO_INTERVENTION, pop, 60, 2, disease=DISEASE)
    counts = seed_secondary_counts(result)
    assert counts.shape[0] == HOMOGENEOUS.initial_infections
    seeds = np.flatnonzero(result.infected & (result.infected_by == -1))
    assert counts.sum() == np.isin(result.infected_by, seeds).sum()
    assert secondary_cases(result) == pytest.approx(counts.mean())


def test_measured_r0_matches_the_analytic_r0_of_a_homogeneous_city() -> None:
    r0 = measure_r0(HOMOGENEOUS, DISEASE, seeds=[0, 1, 2, 3])
    expected = analytic_r0(DISEASE.beta)
    assert r0.seeds == 4 * HOMOGENEOUS.initial_infections
    assert r0.stderr < 0.05 * r0.mean
    # within sampling error, allowing a little depletion (seeds' contacts already infected)
    assert expected * 0.97 - 3 * r0.stderr < r0.mean < expected + 3 * r0.stderr, (r0, expected)


def test_calibrated_beta_gives_the_target_r0() -> None:
    target = 1.8
    cal = calibrate_beta(target, HOMOGENEOUS, DISEASE, seeds=[0, 1])
    assert abs(cal.r0.mean - target) <= max(0.02 * target, 2 * cal.r0.stderr)
    assert cal.tried[-1] == (cal.beta, cal.r0.mean)
    assert len(cal.tried) >= 2  # the starting beta (R0 ~ 3.6) was far off
    beta_analytic = target / analytic_r0(1.0)
    assert cal.beta == pytest.approx(beta_analytic, rel=0.12)


def test_bad_target() -> None:
    with pytest.raises(ParameterError, match="target R0"):
        calibrate_beta(0.0, HOMOGENEOUS, DISEASE, seeds=[0])
