"""The released noise follows the declared mechanism (discrete Laplace) at the declared ε.

Flakiness is bounded, not seeded (OpenDP draws from the OS CSPRNG and cannot be seeded): the
test uses the Dvoretzky-Kiefer-Wolfowitz inequality with Massart's constant,
P(sup |F_n - F| > t) <= 2 exp(-2 n t²), valid for any distribution (conservative for discrete
ones). With t chosen for ALPHA = 1e-6, a correct mechanism fails this test at most once in a
million runs. The same samples must reject a 50 % wrong ε, which shows the test has power.
"""

import math
from collections import Counter

from civitrace.analytics.constants import AGE_BANDS
from civitrace.analytics.ledger import InMemoryLedger, PrivacyBudget
from civitrace.analytics.records import Event
from civitrace.analytics.regions import RegionSet
from civitrace.analytics.release import release_case_counts
from tests.analytics.conftest import WEEK

ALPHA = 1e-6
TRUE_COUNT = 30  # far above the noise: no clipping, no suppression, so value - truth = noise
EPSILON = 0.5
RELEASES = 20


def discrete_laplace_cdf(x: int, scale: float) -> float:
    q = math.exp(-1 / scale)
    return q ** (-x) / (1 + q) if x < 0 else 1 - q ** (x + 1) / (1 + q)


def ks_distance(noise: list[int], scale: float) -> float:
    n = len(noise)
    counts = Counter(noise)
    cumulative, worst = 0, 0.0
    for x in range(min(noise) - 1, max(noise) + 1):
        cumulative += counts.get(x, 0)
        worst = max(worst, abs(cumulative / n - discrete_laplace_cdf(x, scale)))
    return worst


def test_noise_matches_declared_mechanism_and_epsilon(regions: RegionSet) -> None:
    data = [
        Event(day, f"{region}-{day}-{band}-{i}", region, band)
        for day in WEEK.days
        for band in AGE_BANDS
        for region in regions.ids
        for i in range(TRUE_COUNT)
    ]
    ledger = InMemoryLedger(PrivacyBudget(EPSILON * RELEASES))
    noise: list[int] = []
    declared = None
    for _ in range(RELEASES):
        release = release_case_counts(data, regions, WEEK, EPSILON, ledger)
        declared = (release.mechanism, release.epsilon, release.sensitivity, release.noise_scale)
        assert not any(c.suppressed for c in release.cells)
        noise.extend(int(c.value or 0) - TRUE_COUNT for c in release.cells)
    assert declared is not None
    mechanism, epsilon, sensitivity, scale = declared
    assert "discrete Laplace" in mechanism
    assert epsilon <= EPSILON
    assert math.isclose(scale, sensitivity / epsilon, rel_tol=1e-9)  # the scale ε implies
    n = len(noise)
    threshold = math.sqrt(math.log(2 / ALPHA) / (2 * n))
    assert ks_distance(noise, sensitivity / epsilon) <= threshold
    wrong = sensitivity / (epsilon * 1.5)
    assert ks_distance(noise, wrong) > threshold
    assert len(ledger.entries()) == RELEASES


def test_interval_coverage_is_at_least_95_percent(regions: RegionSet) -> None:
    data = [
        Event(WEEK.start, f"{region}-{band}-{i}", region, band)
        for band in AGE_BANDS
        for region in regions.ids
        for i in range(TRUE_COUNT)
    ]
    ledger = InMemoryLedger(PrivacyBudget(100.0))
    hits = total = 0
    for _ in range(20):
        release = release_case_counts(data, regions, WEEK, EPSILON, ledger, granularity="week")
        for cell in release.cells:
            assert cell.low is not None
            assert cell.high is not None
            hits += cell.low <= TRUE_COUNT <= cell.high
            total += 1
    # 1200 cells; coverage >= 95 % by construction; its binomial 1e-6 lower tail is ~ 91.9 %.
    assert hits / total >= 0.915
