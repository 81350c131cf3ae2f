"""Shared fixtures: the demo regions, a week, and small deterministic event sets."""

import random
from datetime import date

import pytest

from civitrace.analytics.constants import AGE_BANDS
from civitrace.analytics.ledger import InMemoryLedger, PrivacyBudget
from civitrace.analytics.records import Event, TestResult, Window
from civitrace.analytics.regions import RegionSet, demo_regions

WEEK = Window.week("2026-W03")


@pytest.fixture(scope="session")
def regions() -> RegionSet:
    return demo_regions()


@pytest.fixture
def ledger() -> InMemoryLedger:
    return InMemoryLedger(PrivacyBudget(100.0))


def events(regions: RegionSet, n: int, seed: int = 1, people: int = 200) -> list[Event]:
    rng = random.Random(seed)
    return [
        Event(
            WEEK.days[rng.randrange(7)],
            f"p{rng.randrange(people)}",
            rng.choice(regions.ids),
            rng.choice(AGE_BANDS),
        )
        for _ in range(n)
    ]


def make_tests(regions: RegionSet, n: int, seed: int = 2) -> list[TestResult]:
    rng = random.Random(seed)
    return [
        TestResult(e.day, e.person, e.region, e.age_band, rng.random() < 0.2)
        for e in events(regions, n, seed)
    ]


def day(offset: int) -> date:
    return WEEK.days[offset]
