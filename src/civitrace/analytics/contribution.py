"""Bounding each person's contribution, which is what makes the person the privacy unit.

After :func:`bound_contributions` a person adds at most ``k`` records to a release's input, so
adding or removing one person changes the input multiset by at most ``k`` records (symmetric
distance ≤ k) and the vector of cell counts by at most ``k`` in L1 norm, however many cells
(regions x days x age bands) those records fall in. OpenDP is handed ``d_in = k``.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import TypeVar

from civitrace.analytics.constants import MAX_CONTRIBUTIONS
from civitrace.analytics.errors import ParameterError
from civitrace.analytics.records import Event, Window

E = TypeVar("E", bound=Event)


def check_contributions(k: int) -> int:
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= MAX_CONTRIBUTIONS:
        raise ParameterError(
            f"contributions per person must be an integer in 1..{MAX_CONTRIBUTIONS}"
        )
    return k


def bound_contributions(records: Iterable[E], k: int, window: Window) -> list[E]:
    """The records inside ``window``, at most ``k`` per person: each person's earliest ones.

    The choice depends on that person's own records only (sorted by day, region, age band), so
    it is a per-person truncation and the bound above holds whatever the other records are.
    """
    check_contributions(k)
    per_person: dict[str, list[E]] = defaultdict(list)
    for record in records:
        if record.day in window:
            per_person[record.person].append(record)
    kept: list[E] = []
    for own in per_person.values():
        own.sort(key=lambda r: (r.day, r.region, r.age_band))
        kept.extend(own[:k])
    return kept


def max_contributions(records: Sequence[Event]) -> int:
    """The largest number of records any one person has (0 for no records)."""
    counts: dict[str, int] = defaultdict(int)
    for record in records:
        counts[record.person] += 1
    return max(counts.values(), default=0)
