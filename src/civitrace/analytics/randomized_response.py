"""Local differential privacy for usage analytics (the role Google's ENPA plays).

A device that opted in reports a few booleans (``USAGE_FLAGS``), each through randomized
response: it tells the truth with probability p = e^ε / (1 + e^ε) and the opposite otherwise,
which is ε-DP for that bit *on the device*, before anything leaves it. A report carries the
randomized bits only: no device id, no timestamp finer than the server's batch.

The server's estimate of the true share π from n reports of which m say "yes":
λ = m/n estimates (1 - p) + (2p - 1)π, so π̂ = (λ - (1 - p)) / (2p - 1) is unbiased, with
standard error sqrt(λ(1 - λ) / n) / (2p - 1) and a normal 95 % interval.
"""

import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from civitrace.analytics import _mechanisms
from civitrace.analytics.constants import MAX_EPSILON
from civitrace.analytics.errors import InputDataError, ParameterError

_Z95 = 1.959963984540054  # standard normal 97.5 % quantile


def keep_probability(epsilon: float) -> float:
    """p = e^ε / (1 + e^ε): the chance a bit is reported truthfully."""
    if isinstance(epsilon, bool) or not isinstance(epsilon, int | float):
        raise ParameterError("epsilon must be a number")
    if not 0 < epsilon <= MAX_EPSILON:
        raise ParameterError(f"epsilon must lie in (0, {MAX_EPSILON:g}]")
    return 1.0 / (1.0 + math.exp(-epsilon))


def randomize(bit: bool, epsilon: float, rng: random.Random | None = None) -> bool:
    """The bit a device reports. Without ``rng``, OpenDP's measurement and CSPRNG are used
    (what devices do); a seeded ``rng`` exists for reproducible simulations and tests only.
    """
    p = keep_probability(epsilon)
    if rng is None:
        measurement = _mechanisms.randomized_response(p)
        return _mechanisms.invoke_bit(measurement, bit)
    return bit if rng.random() < p else not bit


def spent_epsilon(epsilon: float) -> float:
    """ε of one randomized bit as OpenDP's privacy map gives it."""
    return _mechanisms.randomized_response_epsilon(keep_probability(epsilon))


def randomize_report(
    flags: Mapping[str, bool], epsilon_per_flag: float, rng: random.Random | None = None
) -> dict[str, bool]:
    """Randomize every flag of a device report; the report costs Σ ε (one per flag)."""
    return {name: randomize(bit, epsilon_per_flag, rng) for name, bit in flags.items()}


@dataclass(frozen=True)
class Estimate:
    """The server's estimate of how many of ``reports`` devices truly had the flag set."""

    reports: int
    proportion: float
    stderr: float
    low: float  # 95 % interval on the proportion, clipped to [0, 1]
    high: float

    @property
    def count(self) -> float:
        return self.proportion * self.reports

    @property
    def count_interval(self) -> tuple[float, float]:
        return self.low * self.reports, self.high * self.reports


def estimate(reported: Sequence[bool], epsilon: float) -> Estimate:
    """Unbiased estimate of the true share of ``True`` from randomized reports."""
    return estimate_counts(sum(1 for bit in reported if bit), len(reported), epsilon)


def estimate_counts(yes: int, reports: int, epsilon: float) -> Estimate:
    """The same estimate from totals only: ``yes`` of ``reports`` randomized bits said yes.

    All a server needs to keep (and all it keeps: ``civitrace.server.analytics.usage``).
    """
    if reports <= 0:
        raise InputDataError("no reports to estimate from")
    if not 0 <= yes <= reports:
        raise InputDataError("yes answers must lie between 0 and the number of reports")
    p = keep_probability(epsilon)
    n = reports
    observed = yes / n
    proportion = (observed - (1 - p)) / (2 * p - 1)
    stderr = math.sqrt(observed * (1 - observed) / n) / (2 * p - 1)
    low = max(0.0, proportion - _Z95 * stderr)
    high = min(1.0, proportion + _Z95 * stderr)
    return Estimate(n, proportion, stderr, low, high)
