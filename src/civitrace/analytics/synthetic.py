"""A synthetic city for tests and the benchmark: people, an epidemic curve, cases and tests.

Not a model of anything real (the policy lab in ``civitrace.sim`` is the epidemic model): a
discrete SIR curve drives daily infections, districts and age bands differ in risk and in
testing, and some cases test positive again a few days later (so one person can appear in
several cells of a week, which the contribution bound must handle). Seeded and reproducible.
"""

import random
from dataclasses import dataclass
from datetime import date, timedelta

from civitrace.analytics.constants import AGE_BANDS
from civitrace.analytics.records import Event, TestResult
from civitrace.analytics.regions import RegionSet

AGE_SHARES = (0.18, 0.22, 0.21, 0.21, 0.18)  # population share of each band in AGE_BANDS
AGE_DETECTION = (0.35, 0.6, 0.55, 0.55, 0.7)  # share of infections confirmed, per band


@dataclass(frozen=True)
class City:
    start: date
    days: int
    people: int
    cases: tuple[Event, ...]  # one per infected-and-confirmed person (first positive test)
    positive_tests: tuple[Event, ...]  # every positive test, repeats included
    tests: tuple[TestResult, ...]
    warnings: tuple[Event, ...]  # venue warnings, each triggered by a case


def generate(
    regions: RegionSet,
    *,
    people: int = 300_000,
    days: int = 84,
    r0: float = 2.4,
    seed: int = 8,
    start: date = date(2026, 1, 5),
) -> City:
    """A reproducible city; the epidemic peaks mid-way through ``days``."""
    rng = random.Random(seed)
    ids = regions.ids
    weights = [rng.uniform(0.5, 1.5) for _ in ids]
    risk = [rng.uniform(0.6, 1.5) for _ in ids]
    home = rng.choices(range(len(ids)), weights=weights, k=people)
    band = rng.choices(range(len(AGE_BANDS)), weights=AGE_SHARES, k=people)
    gamma = 1 / 7
    beta = r0 * gamma
    susceptible, infected = people - 30.0, 30.0
    infected_people: set[int] = set()
    cases: list[Event] = []
    positives: list[Event] = []
    tests: list[TestResult] = []
    warnings: list[Event] = []
    top = max(risk) * max(AGE_DETECTION)
    for d in range(days):
        day = start + timedelta(days=d)
        new = beta * susceptible * infected / people
        susceptible, infected = susceptible - new, infected + new - gamma * infected
        target = int(new * 0.55)
        found = 0
        while found < target and len(infected_people) < people:
            i = rng.randrange(people)
            if i in infected_people:
                continue
            if rng.random() > risk[home[i]] * AGE_DETECTION[band[i]] / top:
                continue
            infected_people.add(i)
            found += 1
            event = Event(day, f"p{i}", ids[home[i]], AGE_BANDS[band[i]])
            cases.append(event)
            positives.append(event)
            tests.append(TestResult(day, event.person, event.region, event.age_band, True))
            if rng.random() < 0.3:  # tested positive again a few days later
                again = Event(day + timedelta(days=rng.randint(2, 5)), *_rest(event))
                positives.append(again)
                tests.append(TestResult(again.day, *_rest(event), True))
            if rng.random() < 0.05:
                warnings.append(event)
        for _ in range(int(target * 3)):  # negative tests of random people
            i = rng.randrange(people)
            tests.append(TestResult(day, f"p{i}", ids[home[i]], AGE_BANDS[band[i]], False))
    end = start + timedelta(days=days - 1)
    return City(
        start=start,
        days=days,
        people=people,
        cases=tuple(cases),
        positive_tests=tuple(e for e in positives if e.day <= end),
        tests=tuple(t for t in tests if t.day <= end),
        warnings=tuple(warnings),
    )


def _rest(event: Event) -> tuple[str, str, str]:
    return event.person, event.region, event.age_band
