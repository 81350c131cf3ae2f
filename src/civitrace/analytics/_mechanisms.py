"""The one module that touches OpenDP: measurement construction, privacy maps, noise, accuracy.

``dp.enable_features("contrib")`` is required by OpenDP for every constructor used here
(``make_count_by_categories``, ``make_laplace``, ``make_randomized_response_bool``): OpenDP
gates everything not yet through its formal vetting process behind that flag. These
constructors come with published proofs (linked from the OpenDP docs); enabling the flag
does not turn on floating-point-unsafe or "honest-but-curious" features, which stay off.

Every public release in the package draws its noise through :func:`invoke`, the single place
that applies a measurement to data, so a test can observe (or replace) all of it.
"""

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import opendp.prelude as dp

from civitrace.analytics.constants import MECHANISM_DISCRETE_LAPLACE
from civitrace.analytics.errors import ParameterError

dp.enable_features("contrib")

_NULL_CATEGORY = False  # records outside the category list are dropped, not counted


@dataclass(frozen=True)
class CountingMechanism:
    """A vector of noisy counts over fixed categories, and what OpenDP says it costs."""

    measurement: dp.Measurement
    categories: tuple[str, ...]
    scale: float  # discrete Laplace scale
    contributions: int  # d_in: records one person may add (symmetric distance)
    epsilon: float  # OpenDP's privacy map at d_in
    mechanism: str = MECHANISM_DISCRETE_LAPLACE

    @property
    def delta(self) -> float:
        return 0.0  # pure ε-DP (MaxDivergence)


def counting_mechanism(
    categories: Sequence[str], epsilon: float, contributions: int
) -> CountingMechanism:
    """Count records per category, add discrete Laplace noise; ε as OpenDP maps it.

    Input domain: vectors of category labels under the symmetric distance, so ``d_in`` is the
    number of records one person may add; ``make_count_by_categories`` maps that to an L1
    distance on the counts and ``make_laplace`` to ε. The scale starts at ``k / ε`` and is
    nudged up until OpenDP's (conservatively rounded) map is within ``epsilon``.
    """
    if not (isinstance(epsilon, float | int) and math.isfinite(epsilon) and epsilon > 0):
        raise ParameterError("epsilon must be a positive finite number")
    if len(set(categories)) != len(categories) or not categories:
        raise ParameterError("categories must be distinct and non-empty")
    counting = dp.t.make_count_by_categories(
        dp.vector_domain(dp.atom_domain(T=str)),
        dp.symmetric_distance(),
        categories=list(categories),
        null_category=_NULL_CATEGORY,
    )
    scale = contributions / float(epsilon)
    for _ in range(64):
        measurement = counting >> dp.m.then_laplace(scale=scale)
        spent = privacy_loss(measurement, contributions)
        if spent <= epsilon:
            return CountingMechanism(measurement, tuple(categories), scale, contributions, spent)
        scale = math.nextafter(scale, math.inf)
    raise ParameterError(f"no noise scale meets epsilon={epsilon}")  # pragma: no cover


def privacy_loss(measurement: dp.Measurement, d_in: int) -> float:
    """OpenDP's privacy map: the ε a measurement spends when inputs differ by ``d_in``."""
    privacy_map: Callable[[int], float] = measurement.map  # OpenDP leaves ``map`` unannotated
    return float(privacy_map(d_in))


def invoke(measurement: dp.Measurement, data: Sequence[str]) -> list[int]:
    """Apply a measurement to the data: the only place where noise is drawn."""
    return [int(v) for v in measurement(list(data))]


def halfwidth(scale: float, alpha: float) -> int:
    """Integer h with P(|noise| > h) ≤ alpha for discrete Laplace noise of this scale (OpenDP)."""
    return math.floor(float(dp.discrete_laplacian_scale_to_accuracy(scale=scale, alpha=alpha)))


def variance(scale: float) -> float:
    """Variance of discrete Laplace noise: 2·e^(-1/s) / (1 - e^(-1/s))²."""
    q = math.exp(-1.0 / scale)
    return 2.0 * q / (1.0 - q) ** 2


def randomized_response(probability: float) -> dp.Measurement:
    """Keep a bit with ``probability``, flip it otherwise (OpenDP's CSPRNG)."""
    return dp.m.make_randomized_response_bool(prob=probability)


def randomized_response_epsilon(probability: float) -> float:
    """ε of randomized response as OpenDP maps it (d_in = 1: the bit may differ)."""
    return privacy_loss(randomized_response(probability), 1)


def invoke_bit(measurement: dp.Measurement, bit: bool) -> bool:
    return bool(measurement(bit))
