"""The synthetic population: ages, households, schools, workplaces, venues, smartphones.

Agents are numbered so that every household is a contiguous block, which lets the model
enumerate a household without an index. Groups (school classes, workplaces, venues' regulars)
are stored as CSR arrays: ``members[start[g] : start[g] + size[g]]``.
"""

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from civitrace.sim import constants as c
from civitrace.sim.mixing import CommunityMixing, build_mixing
from civitrace.sim.params import PopulationConfig

IntArray = npt.NDArray[np.int32]
BoolArray = npt.NDArray[np.bool_]

ADULT_AGE = 18
PARENT_AGES = (22, 55)
WORKING_AGES = (18, 64)


@dataclass(frozen=True, slots=True)
class Groups:
    """Agents partitioned into groups (CSR); agents outside every group have ``of == -1``."""

    of: IntArray  # group of each agent, -1 for none
    start: IntArray  # first index into ``members`` of each group
    size: IntArray  # members of each group
    members: IntArray  # agent ids, grouped

    @property
    def count(self) -> int:
        return int(self.size.shape[0])


@dataclass(frozen=True, slots=True)
class Population:
    """One synthetic city, immutable once built."""

    config: PopulationConfig
    age: npt.NDArray[np.int16]
    age_band: npt.NDArray[np.int8]  # index into constants.AGE_BAND_LOWER
    smartphone: BoolArray
    households: Groups
    schools: Groups
    workplaces: Groups
    venues: Groups  # a venue's regulars; an agent belongs to several, so ``of`` is unused
    regular_venues: IntArray  # (agents, venues_per_agent): the venues each agent frequents
    community: CommunityMixing | None  # age-assortative partner choice; None = uniform

    @property
    def size(self) -> int:
        return int(self.age.shape[0])


def _chunks(n_items: int, weights: tuple[float, ...], rng: np.random.Generator) -> IntArray:
    """Sizes 1..len(weights) drawn with ``weights`` until they cover ``n_items`` (last trimmed)."""
    if n_items == 0:
        return np.zeros(0, dtype=np.int32)
    p = np.asarray(weights, dtype=np.float64) / sum(weights)
    mean = float(np.dot(np.arange(1, len(p) + 1), p))
    sizes = rng.choice(np.arange(1, len(p) + 1, dtype=np.int32), size=int(n_items / mean) + 16, p=p)
    while int(sizes.sum()) < n_items:
        sizes = np.concatenate([sizes, sizes])
    cut = int(np.searchsorted(np.cumsum(sizes), n_items))
    sizes = sizes[: cut + 1].copy()
    sizes[-1] -= int(sizes.sum()) - n_items
    return sizes.astype(np.int32)


def _groups_from_order(n_agents: int, ordered: IntArray, sizes: IntArray) -> Groups:
    """Groups holding ``ordered`` agents in consecutive blocks of ``sizes``."""
    sizes = sizes[sizes > 0].astype(np.int32)
    start = np.zeros(sizes.shape[0], dtype=np.int32)
    if sizes.shape[0] > 1:
        start[1:] = np.cumsum(sizes[:-1])
    of = np.full(n_agents, -1, dtype=np.int32)
    of[ordered] = np.repeat(np.arange(sizes.shape[0], dtype=np.int32), sizes)
    return Groups(of=of, start=start, size=sizes, members=ordered.astype(np.int32))


def _empty_groups(n_agents: int) -> Groups:
    empty = np.zeros(0, dtype=np.int32)
    return Groups(np.full(n_agents, -1, dtype=np.int32), empty, empty, empty)


def _ages(config: PopulationConfig, rng: np.random.Generator) -> npt.NDArray[np.int16]:
    p = np.asarray(config.age_distribution) / sum(config.age_distribution)
    band = rng.choice(len(p), size=config.agents, p=p)
    lower = np.asarray(c.AGE_BAND_LOWER, dtype=np.int16)
    return (lower[band] + rng.integers(0, 10, size=config.agents)).astype(np.int16)


def _household_ids(
    age: npt.NDArray[np.int16], config: PopulationConfig, rng: np.random.Generator
) -> IntArray:
    """Household id of each agent (families with children first, then adult households)."""
    n = age.shape[0]
    household = np.full(n, -1, dtype=np.int32)
    children = rng.permutation(np.flatnonzero(age < ADULT_AGE)).astype(np.int32)
    kid_sizes = _chunks(children.shape[0], config.children_per_family, rng)
    families = kid_sizes.shape[0]
    household[children] = np.repeat(np.arange(families, dtype=np.int32), kid_sizes)
    adults = np.flatnonzero(age >= ADULT_AGE)
    parent_age = (age[adults] >= PARENT_AGES[0]) & (age[adults] <= PARENT_AGES[1])
    candidates = rng.permutation(adults[parent_age])
    others = rng.permutation(adults[~parent_age])
    pool = np.concatenate([candidates, others])  # prefer parents of parenting age
    n_parents = families + int(
        np.count_nonzero(rng.random(size=families) < config.two_parent_share)
    )
    n_parents = min(n_parents, pool.shape[0])
    first = min(families, n_parents)
    household[pool[:first]] = np.arange(first, dtype=np.int32)
    second = n_parents - first
    if second > 0:
        household[pool[first:n_parents]] = rng.permutation(families)[:second].astype(np.int32)
    rest = pool[n_parents:]
    # adults living without children: sort by age (plus noise) so partners are of similar age
    rest = rest[np.argsort(age[rest] + rng.normal(0.0, 4.0, rest.shape[0]), kind="stable")]
    sizes = _chunks(rest.shape[0], config.adult_household_sizes, rng)
    household[rest] = families + np.repeat(np.arange(sizes.shape[0], dtype=np.int32), sizes)
    return household


def _schools(
    age: npt.NDArray[np.int16], config: PopulationConfig, rng: np.random.Generator
) -> tuple[Groups, BoolArray]:
    """School classes (students of similar age plus one teacher) and who teaches."""
    n = age.shape[0]
    low, high = config.school_ages
    students = np.flatnonzero((age >= low) & (age <= high))
    students = students[np.argsort(age[students] + rng.random(students.shape[0]), kind="stable")]
    n_classes = -(-students.shape[0] // config.class_size)
    teacher = np.zeros(n, dtype=np.bool_)
    if n_classes == 0:
        return _empty_groups(n), teacher
    adults = np.flatnonzero((age >= 25) & (age <= WORKING_AGES[1]))
    teachers = rng.permutation(adults)[:n_classes]
    teacher[teachers] = True
    class_of_student = np.arange(students.shape[0]) // config.class_size
    class_ids = np.concatenate([class_of_student, np.arange(teachers.shape[0])])
    agents = np.concatenate([students, teachers]).astype(np.int32)
    order = np.argsort(class_ids, kind="stable")
    sizes = np.bincount(class_ids, minlength=n_classes).astype(np.int32)
    return _groups_from_order(n, agents[order], sizes), teacher


def _workplaces(
    age: npt.NDArray[np.int16],
    teacher: BoolArray,
    config: PopulationConfig,
    rng: np.random.Generator,
) -> Groups:
    n = age.shape[0]
    working_age = (age >= WORKING_AGES[0]) & (age <= WORKING_AGES[1]) & ~teacher
    employed = working_age & (rng.random(n) < config.employment_rate)
    workers = rng.permutation(np.flatnonzero(employed)).astype(np.int32)
    if workers.shape[0] == 0 or config.workplace_mean_size <= 0:
        return _empty_groups(n)
    sigma = 1.0
    mu = np.log(config.workplace_mean_size) - sigma**2 / 2
    draws = np.maximum(1, np.rint(rng.lognormal(mu, sigma, workers.shape[0]))).astype(np.int32)
    cut = int(np.searchsorted(np.cumsum(draws), workers.shape[0]))
    sizes = draws[: cut + 1].copy()
    sizes[-1] -= int(sizes.sum()) - workers.shape[0]
    return _groups_from_order(n, workers, sizes)


def _venues(n: int, config: PopulationConfig, rng: np.random.Generator) -> tuple[Groups, IntArray]:
    k = config.venues_per_agent
    n_venues = max(1, n * k // config.patrons_per_venue)
    popularity = rng.lognormal(0.0, 1.0, n_venues)
    venue = rng.choice(n_venues, size=n * k, p=popularity / popularity.sum()).astype(np.int32)
    agent = np.repeat(np.arange(n, dtype=np.int32), k)
    order = np.argsort(venue, kind="stable")
    sizes = np.bincount(venue, minlength=n_venues).astype(np.int32)
    start = np.zeros(n_venues, dtype=np.int32)
    start[1:] = np.cumsum(sizes[:-1])
    groups = Groups(np.full(n, -1, dtype=np.int32), start, sizes, agent[order])
    return groups, venue.reshape(n, k)


def build_population(config: PopulationConfig, rng: np.random.Generator) -> Population:
    """A synthetic city drawn from ``config`` with ``rng`` (same seed, same city)."""
    n = config.agents
    age = _ages(config, rng)
    if config.structure == "homogeneous":
        order = np.arange(n, dtype=np.int32)
        households = _groups_from_order(n, order, np.ones(n, dtype=np.int32))
        schools = workplaces = venues = _empty_groups(n)
        regular = np.zeros((n, 0), dtype=np.int32)
        community = None  # homogeneous means homogeneous: uniform community contacts
    else:
        household = _household_ids(age, config, rng)
        perm = np.argsort(household, kind="stable")  # households become contiguous blocks
        age = age[perm]
        sizes = np.bincount(household).astype(np.int32)
        households = _groups_from_order(n, np.arange(n, dtype=np.int32), sizes)
        schools, teacher = _schools(age, config, rng)
        workplaces = _workplaces(age, teacher, config, rng)
        venues, regular = _venues(n, config, rng)
        community = build_mixing(age, config)
    band = np.minimum(age // 10, len(c.AGE_BAND_LOWER) - 1).astype(np.int8)
    smartphone = rng.random(n) < np.asarray(config.smartphone_by_age)[band]
    return Population(
        config, age, band, smartphone, households, schools, workplaces, venues, regular, community
    )
