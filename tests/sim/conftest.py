"""Small populations shared by the policy-lab tests (built once per session)."""

import numpy as np
import pytest

from civitrace.sim import Population, PopulationConfig, build_population


@pytest.fixture(scope="session")
def city() -> Population:
    return build_population(
        PopulationConfig(agents=5_000, initial_infected=0.004), np.random.default_rng(7)
    )
