"""Randomized response: OpenDP's ε, and an unbiased estimate within its interval."""

import math
import random

import pytest

from civitrace.analytics.errors import InputDataError, ParameterError
from civitrace.analytics.randomized_response import (
    estimate,
    keep_probability,
    randomize,
    randomize_report,
    spent_epsilon,
)


@pytest.mark.parametrize("epsilon", [0.5, 1.0, 2.0])
def test_opendp_agrees_on_epsilon(epsilon: float) -> None:
    assert spent_epsilon(epsilon) == pytest.approx(epsilon, rel=1e-9)
    assert keep_probability(epsilon) == pytest.approx(math.exp(epsilon) / (1 + math.exp(epsilon)))


def test_opendp_path_returns_bools() -> None:
    assert {randomize(True, 1.0) for _ in range(60)} <= {True, False}


@pytest.mark.parametrize(("truth", "epsilon"), [(0.1, 1.0), (0.35, 0.5), (0.8, 2.0)])
def test_estimate_is_unbiased_within_its_interval(truth: float, epsilon: float) -> None:
    """Seeded: 50 batches of 4000 devices; the 95 % interval covers the truth in most batches
    and the mean estimate is within 4 standard errors of the mean (bias check)."""
    rng = random.Random(8)
    estimates, covered = [], 0
    for _ in range(50):
        truths = [rng.random() < truth for _ in range(4000)]
        reports = [randomize(bit, epsilon, rng) for bit in truths]
        result = estimate(reports, epsilon)
        estimates.append(result.proportion)
        covered += result.low <= sum(truths) / len(truths) <= result.high
    mean = sum(estimates) / len(estimates)
    stderr = result.stderr / math.sqrt(len(estimates))
    assert abs(mean - truth) <= 4 * stderr
    assert covered >= 42  # 95 % of 50, minus a wide margin for the seeded draw


def test_report_and_errors() -> None:
    report = randomize_report({"uploaded_keys": True}, 1.0, random.Random(1))
    assert set(report) == {"uploaded_keys"}
    with pytest.raises(InputDataError):
        estimate([], 1.0)
    with pytest.raises(ParameterError):
        randomize(True, 0.0)
