"""Post-processing of noisy counts. It reads only noisy values and public parameters, so it
keeps the differential-privacy guarantee (post-processing immunity).

Consistency: within a group (the regions of one day and age band, or the age bands of one day
city-wide) the published total is the sum of the noisy cells, floored at 0; that sum is an
unbiased estimate of the true total with variance n·Var(noise). Cells are clipped at 0 and, if
clipping raised their sum above the total, scaled down proportionally and rounded by largest
remainder so that the published integers add up exactly to the published total. When no cell
was negative nothing changes: the published cell is the noisy count itself.

Suppression: a cell whose published value is at or below the 95 % half-width of the noise
(the threshold, stated in every release) is published as suppressed: its interval would reach
zero, so the noise dominates whatever the true count is.
"""

from collections.abc import Sequence


def consistent_counts(noisy: Sequence[int]) -> tuple[list[int], int]:
    """Non-negative integers summing exactly to ``max(0, sum(noisy))``, and that total."""
    total = max(0, sum(noisy))
    clipped = [max(0, value) for value in noisy]
    mass = sum(clipped)
    if mass == total:
        return clipped, total
    # mass > total >= 0: share ``total`` in proportion to the clipped values (exact integers).
    shares = [value * total // mass for value in clipped]
    remainders = [value * total % mass for value in clipped]
    short = total - sum(shares)
    order = sorted(range(len(clipped)), key=lambda i: (-remainders[i], i))
    for i in order[:short]:
        shares[i] += 1
    return shares, total


def is_suppressed(value: int, threshold: int) -> bool:
    """Whether a published count is too small to tell apart from noise."""
    return threshold > 0 and value <= threshold


def interval(value: float, halfwidth: float) -> tuple[float, float]:
    """The interval ``value ± halfwidth``, floored at 0 (counts cannot be negative)."""
    return max(0.0, value - halfwidth), value + halfwidth
