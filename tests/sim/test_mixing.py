"""Age-assortative community mixing: partners follow the contact matrix, by age band."""

from dataclasses import replace

import numpy as np
import pytest

from civitrace.sim import ParameterError, Population, PopulationConfig, build_population
from civitrace.sim import constants as c
from civitrace.sim.mixing import build_mixing, community_partners

CONFIG = PopulationConfig(agents=20_000)


@pytest.fixture(scope="module")
def town() -> Population:
    return build_population(CONFIG, np.random.default_rng(3))


def partners(pop: Population, per_agent: int = 10) -> tuple[np.ndarray, np.ndarray]:
    src = np.repeat(np.arange(pop.size, dtype=np.int32), per_agent)
    return src, community_partners(pop.community, src, pop.size, np.random.default_rng(4))


def test_community_contacts_are_assortative_by_age(town: Population) -> None:
    src, dst = partners(town)
    assortative = np.corrcoef(town.age[src], town.age[dst])[0, 1]
    anyone = community_partners(None, src, town.size, np.random.default_rng(4))
    uniform = np.corrcoef(town.age[src], town.age[anyone])[0, 1]
    assert assortative > 0.3, assortative
    assert abs(uniform) < 0.02, uniform
    mixing = town.community
    assert mixing is not None
    # partners share the age band far more often than random partners would
    same = (mixing.band[src] == mixing.band[dst]).mean()
    shares = mixing.size / mixing.size.sum()
    assert same > 1.5 * float((shares**2).sum())  # well above what random partners give


def test_partner_bands_follow_the_matrix(town: Population) -> None:
    src, dst = partners(town)
    mixing = town.community
    assert mixing is not None
    counts = np.zeros((mixing.bands, mixing.bands))
    np.add.at(counts, (mixing.band[src], mixing.band[dst]), 1)
    empirical = counts / counts.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(empirical, mixing.choice, atol=0.03)
    np.testing.assert_allclose(mixing.choice.sum(axis=1), 1.0)
    # choice = per-capita rate x group size, normalised: check one cell by hand
    rates = np.asarray(c.POLYMOD_PER_CAPITA)
    row = rates[6] * mixing.size
    assert mixing.choice[6, 7] == pytest.approx(row[7] / row.sum())


def test_a_custom_matrix_and_empty_bands() -> None:
    # two bands, children only meet children and adults only adults
    config = replace(
        CONFIG, agents=3_000, community_age_bands=(0, 18), community_mixing=((1, 0), (0, 1))
    )
    pop = build_population(config, np.random.default_rng(5))
    src, dst = partners(pop, 5)
    assert ((pop.age[src] < 18) == (pop.age[dst] < 18)).all()
    # a band nobody is in is never chosen (ages 0..99 leave the 100+ band empty)
    old = replace(config, community_age_bands=(0, 100), community_mixing=((1, 1), (1, 1)))
    mixing = build_mixing(np.arange(100, dtype=np.int16), old)
    assert mixing is not None
    sources = np.zeros(10_000, dtype=np.int32)
    got = community_partners(mixing, sources, 100, np.random.default_rng(6))
    assert ((got >= 0) & (got < 100)).all()


def test_uniform_when_the_matrix_is_empty_or_the_city_homogeneous() -> None:
    flat = build_population(
        replace(CONFIG, agents=500, community_mixing=()), np.random.default_rng(1)
    )
    assert flat.community is None
    homogeneous = build_population(
        replace(CONFIG, agents=500, structure="homogeneous"), np.random.default_rng(1)
    )
    assert homogeneous.community is None


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"community_age_bands": (5, 20)}, "starting at 0"),
        ({"community_age_bands": (0, 20, 20)}, "increasing"),
        ({"community_age_bands": (0, 20), "community_mixing": ((1.0,), (1.0,))}, "2 x 2"),
        ({"community_mixing": tuple((0.0,) * 9 for _ in range(9))}, "all zero"),
        ({"community_mixing": ((-1.0,) + (1.0,) * 8,) * 9}, ">= 0"),
        ({"community_mixing": ((float("inf"),) + (1.0,) * 8,) * 9}, "finite"),
    ],
)
def test_bad_matrices_are_refused(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ParameterError, match=message):
        replace(CONFIG, **changes)  # type: ignore[arg-type]
