"""Population and disease parameters: frozen, validated dataclasses shared by every scenario.

A comparison runs every strategy on the *same* synthetic population and disease, so these live
apart from :class:`~civitrace.sim.scenario.Scenario`, which holds only a strategy.
"""

import itertools
import math
from dataclasses import dataclass, field, fields
from typing import Literal

import numpy as np
import numpy.typing as npt

from civitrace.sim import constants as c
from civitrace.sim.errors import ParameterError

Structure = Literal["city", "homogeneous"]


def check_probability(owner: str, name: str, value: float) -> None:
    """Raise ParameterError unless ``0 <= value <= 1``."""
    if not (isinstance(value, int | float) and 0.0 <= value <= 1.0):
        raise ParameterError(f"{owner}.{name} must be a probability in [0, 1], got {value!r}")


def check_non_negative(owner: str, name: str, value: float) -> None:
    """Raise ParameterError unless ``value >= 0`` (``inf`` allowed, ``nan`` not)."""
    if not (isinstance(value, int | float) and value >= 0.0):
        raise ParameterError(f"{owner}.{name} must be >= 0, got {value!r}")


def check_weights(owner: str, name: str, values: tuple[float, ...], length: int) -> None:
    """Raise ParameterError unless ``values`` has ``length`` non-negative entries summing > 0."""
    if len(values) != length:
        raise ParameterError(f"{owner}.{name} needs {length} entries, got {len(values)}")
    for v in values:
        check_non_negative(owner, name, v)
    if not sum(values) > 0:
        raise ParameterError(f"{owner}.{name} must not be all zero")


@dataclass(frozen=True, slots=True)
class LayerValues:
    """One number per contact layer (household, school, work, community, venue)."""

    household: float = 0.0
    school: float = 0.0
    work: float = 0.0
    community: float = 0.0
    venue: float = 0.0

    def as_array(self) -> npt.NDArray[np.float64]:
        """The values in layer order (see :data:`civitrace.sim.constants.LAYER_NAMES`)."""
        return np.array([getattr(self, f.name) for f in fields(self)], dtype=np.float64)

    def check(self, owner: str, *, probability: bool) -> None:
        """Validate every value as a probability or as a non-negative number."""
        for f in fields(self):
            value = getattr(self, f.name)
            if probability:
                check_probability(owner, f.name, value)
            else:
                check_non_negative(owner, f.name, value)


@dataclass(frozen=True, slots=True)
class PopulationConfig:
    """How the synthetic city is built (defaults: a 100k-agent European-like city).

    Ages follow ``age_distribution`` exactly (10-year bands, 90+ last). Children (< 18) live in
    family households with one or two adults aged 22-55; the other adults, sorted by age so
    partners are of similar age, share households of one to three. School-age children sit in
    classes of ``class_size`` with one teacher each; a share of 18-64 year-olds work in
    workplaces of lognormal size. Everyone is a regular of ``venues_per_agent`` venues (shops,
    bars, gyms, places of worship) whose popularity is skewed. Community contacts are
    age-assortative: ``community_mixing[i][j]`` is the per-capita daily contact rate of a person
    of age band ``i`` with one person of band ``j`` (bands from ``community_age_bands``; default
    POLYMOD, :mod:`civitrace.sim.mixing`); an empty matrix draws community contacts uniformly.
    """

    agents: int = 100_000
    structure: Structure = "city"
    age_distribution: tuple[float, ...] = (
        0.095, 0.100, 0.115, 0.130, 0.125, 0.145, 0.130, 0.090, 0.060, 0.010,
    )  # fmt: skip
    smartphone_by_age: tuple[float, ...] = (
        0.05, 0.85, 0.96, 0.95, 0.93, 0.85, 0.72, 0.50, 0.30, 0.10,
    )  # fmt: skip
    children_per_family: tuple[float, ...] = (0.45, 0.38, 0.13, 0.04)  # 1, 2, 3, 4 children
    two_parent_share: float = 0.75
    adult_household_sizes: tuple[float, ...] = (0.45, 0.45, 0.10)  # 1, 2, 3 adults
    school_ages: tuple[int, int] = (5, 17)
    class_size: int = 25
    employment_rate: float = 0.72
    workplace_mean_size: float = 15.0
    contacts: LayerValues = field(
        default_factory=lambda: LayerValues(school=20.0, work=12.0, community=10.0)
    )  # daily contacts drawn per infectious agent (household: everyone at home; venue: below)
    community_age_bands: tuple[int, ...] = c.POLYMOD_AGE_BANDS  # lower bounds, from 0
    community_mixing: tuple[tuple[float, ...], ...] = c.POLYMOD_PER_CAPITA  # () = uniform
    venues_per_agent: int = 2
    patrons_per_venue: int = 200
    venue_visit_prob: float = 0.15  # chance an agent visits one of its venues on a given day
    initial_infected: float = 0.0005  # share of agents infected (exposed) on day 0

    def __post_init__(self) -> None:
        name = "population"
        if not (isinstance(self.agents, int) and 10 <= self.agents <= 50_000_000):
            raise ParameterError(f"{name}.agents must be an integer in 10..50000000")
        if self.structure not in ("city", "homogeneous"):
            raise ParameterError(f"{name}.structure must be 'city' or 'homogeneous'")
        n_bands = len(c.AGE_BAND_LOWER)
        check_weights(name, "age_distribution", self.age_distribution, n_bands)
        if len(self.smartphone_by_age) != n_bands:
            raise ParameterError(f"{name}.smartphone_by_age needs {n_bands} entries")
        for p in self.smartphone_by_age:
            check_probability(name, "smartphone_by_age", p)
        check_weights(name, "children_per_family", self.children_per_family, 4)
        check_weights(name, "adult_household_sizes", self.adult_household_sizes, 3)
        check_probability(name, "two_parent_share", self.two_parent_share)
        check_probability(name, "employment_rate", self.employment_rate)
        check_probability(name, "venue_visit_prob", self.venue_visit_prob)
        check_probability(name, "initial_infected", self.initial_infected)
        low, high = self.school_ages
        if not 0 <= low <= high < 30:
            raise ParameterError(f"{name}.school_ages must satisfy 0 <= low <= high < 30")
        for attr in ("class_size", "venues_per_agent", "patrons_per_venue"):
            if getattr(self, attr) < 1:
                raise ParameterError(f"{name}.{attr} must be >= 1")
        check_non_negative(name, "workplace_mean_size", self.workplace_mean_size)
        self._check_mixing(name)
        self.contacts.check(f"{name}.contacts", probability=False)

    def _check_mixing(self, name: str) -> None:
        bands = self.community_age_bands
        if not bands or bands[0] != 0 or any(b <= a for a, b in itertools.pairwise(bands)):
            raise ParameterError(
                f"{name}.community_age_bands must be increasing lower bounds starting at 0"
            )
        matrix = self.community_mixing
        if not matrix:
            return
        if len(matrix) != len(bands) or any(len(row) != len(bands) for row in matrix):
            raise ParameterError(
                f"{name}.community_mixing must be a {len(bands)} x {len(bands)} matrix "
                "(one row and column per community age band)"
            )
        for row in matrix:
            check_weights(name, "community_mixing", row, len(bands))
            if not all(math.isfinite(v) for v in row):
                raise ParameterError(f"{name}.community_mixing must be finite")

    @property
    def initial_infections(self) -> int:
        """How many agents are infected on day 0 (at least one)."""
        return max(1, round(self.agents * self.initial_infected))


@dataclass(frozen=True, slots=True)
class DiseaseParams:
    """Transmission and natural history (published values in :mod:`civitrace.sim.constants`).

    A contact of layer ``L`` between an infectious and a susceptible agent transmits with
    probability ``beta * layer_weights[L] * modifiers`` on that day; the modifiers include the
    susceptible agent's ``susceptibility_by_age`` (all 1 by default; covasim uses
    :data:`~civitrace.sim.constants.SUSCEPTIBILITY_ZHANG`). The defaults give a basic
    reproduction number of 2.3 in the default city, as :mod:`civitrace.sim.calibrate` measures
    it (``docs/sim.md``).
    """

    beta: float = 0.026
    layer_weights: LayerValues = field(
        default_factory=lambda: LayerValues(
            household=3.0, school=0.6, work=0.6, community=0.3, venue=0.3
        )
    )
    asymptomatic_relative: float = c.ASYMPTOMATIC_RELATIVE_INFECTIOUSNESS
    susceptibility_by_age: tuple[float, ...] = (1.0,) * len(c.AGE_BAND_LOWER)  # relative
    symptomatic_prob: tuple[float, ...] = c.SYMPTOMATIC_PROB
    severe_prob: tuple[float, ...] = c.SEVERE_PROB
    critical_prob: tuple[float, ...] = c.CRITICAL_PROB
    death_prob: tuple[float, ...] = c.DEATH_PROB

    def __post_init__(self) -> None:
        name = "disease"
        check_non_negative(name, "beta", self.beta)
        if not math.isfinite(self.beta):
            raise ParameterError(f"{name}.beta must be finite")
        self.layer_weights.check(f"{name}.layer_weights", probability=False)
        check_probability(name, "asymptomatic_relative", self.asymptomatic_relative)
        n_bands = len(c.AGE_BAND_LOWER)
        if len(self.susceptibility_by_age) != n_bands:
            raise ParameterError(f"{name}.susceptibility_by_age needs {n_bands} entries")
        for v in self.susceptibility_by_age:
            check_non_negative(name, "susceptibility_by_age", v)
            if not math.isfinite(v):
                raise ParameterError(f"{name}.susceptibility_by_age must be finite")
        n_bands = len(c.AGE_BAND_LOWER)
        chain = (self.symptomatic_prob, self.severe_prob, self.critical_prob, self.death_prob)
        for label, probs in zip(("symptomatic", "severe", "critical", "death"), chain, strict=True):
            if len(probs) != n_bands:
                raise ParameterError(f"{name}.{label}_prob needs {n_bands} entries")
            for p in probs:
                check_probability(name, f"{label}_prob", p)
        for band in range(n_bands):
            values = [probs[band] for probs in chain]
            if values != sorted(values, reverse=True):
                raise ParameterError(
                    f"{name}: age band {band}: symptomatic >= severe >= critical >= death "
                    "probabilities are required (every death passes through critical care)"
                )
