"""Who meets whom in the community: age-assortative partner choice from a contact matrix.

Contact surveys (POLYMOD, Prem et al.) report ``M[i][j]``, the mean daily contacts a person of
age group ``i`` has with people of group ``j``, in the survey's population. Divided by the
survey's group sizes this is a per-capita rate ``c[i][j]`` that no longer depends on that
population; in a city with ``n[j]`` people in group ``j``, a community contact of someone in
group ``i`` is with group ``j`` with probability ``c[i][j] n[j] / sum_k c[i][k] n[k]``, and
with anyone of that group alike. Only *with whom* comes from the matrix: how many community
contacts a day stays ``PopulationConfig.contacts.community``, so the calibration of R0 holds.
"""

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from civitrace.sim.params import PopulationConfig

IntArray = npt.NDArray[np.int32]


@dataclass(frozen=True, slots=True)
class CommunityMixing:
    """Precomputed partner choice: band of each agent, agents grouped by band, alias tables."""

    band: npt.NDArray[np.int8]  # community age band of each agent
    start: IntArray  # first index into ``members`` of each band
    size: IntArray  # agents in each band
    members: IntArray  # agent ids grouped by band
    choice: npt.NDArray[np.float64]  # (bands, bands): P(partner's band = j | own band = i)
    alias_prob: npt.NDArray[np.float64]  # (bands * bands,): keep-bucket chance, row-major
    alias: npt.NDArray[np.intp]  # (bands * bands,): the other band of each bucket

    @property
    def bands(self) -> int:
        return int(self.size.shape[0])


def _alias_row(p: npt.NDArray[np.float64]) -> tuple[list[float], list[int]]:
    """Walker's alias table of one distribution (Vose's construction): O(1) draws."""
    n = p.shape[0]
    scaled = list(p * n)
    prob = [0.0] * n
    alias = [0] * n
    small = [k for k in range(n) if scaled[k] < 1.0]
    large = [k for k in range(n) if scaled[k] >= 1.0]
    while small and large:
        lo, hi = small.pop(), large.pop()
        prob[lo], alias[lo] = scaled[lo], hi
        scaled[hi] -= 1.0 - scaled[lo]
        (small if scaled[hi] < 1.0 else large).append(hi)
    for k in small + large:  # only rounding is left: these buckets are (almost exactly) full
        prob[k], alias[k] = 1.0, k
    best = int(np.argmax(p))
    for k in range(n):
        if p[k] == 0.0:  # a bucket of an impossible band always hands over
            prob[k], alias[k] = 0.0, alias[k] if p[alias[k]] > 0 else best
    return prob, alias


def build_mixing(age: npt.NDArray[np.int16], config: PopulationConfig) -> CommunityMixing | None:
    """The community partner choice of a population, or None for uniform mixing."""
    if not config.community_mixing:
        return None
    lower = np.asarray(config.community_age_bands, dtype=np.int32)
    band = (np.searchsorted(lower, age, side="right") - 1).astype(np.int8)
    size = np.bincount(band, minlength=lower.shape[0]).astype(np.int32)
    members = np.argsort(band, kind="stable").astype(np.int32)
    start = np.zeros(size.shape[0], dtype=np.int32)
    start[1:] = np.cumsum(size[:-1])
    weight = np.asarray(config.community_mixing, dtype=np.float64) * size[np.newaxis, :]
    totals = weight.sum(axis=1, keepdims=True)
    uniform = np.broadcast_to(size / max(1, int(size.sum())), weight.shape)
    choice = np.where(totals > 0, weight / np.where(totals > 0, totals, 1.0), uniform)
    tables = [_alias_row(row) for row in choice]
    alias_prob = np.array([p for prob, _ in tables for p in prob], dtype=np.float64)
    alias = np.array([a for _, alias in tables for a in alias], dtype=np.intp)
    return CommunityMixing(band, start, size, members, choice, alias_prob, alias)


def community_partners(
    mixing: CommunityMixing | None, sources: IntArray, agents: int, rng: np.random.Generator
) -> IntArray:
    """One community partner for each entry of ``sources`` (repeats allowed)."""
    n = sources.shape[0]
    if mixing is None:
        return np.asarray(rng.integers(0, agents, n, dtype=np.int32))
    bands = mixing.bands
    # alias method: a uniform bucket, then keep it or take its alias (fractional part of x)
    x = np.asarray(rng.random(n), dtype=np.float64) * bands
    bucket = x.astype(np.intp)
    cell = mixing.band[sources].astype(np.intp) * bands + bucket
    keep = (x - bucket) < mixing.alias_prob[cell]
    partner_band = np.where(keep, bucket, mixing.alias[cell])
    pos = mixing.start[partner_band] + (rng.random(n) * mixing.size[partner_band]).astype(np.int32)
    partners: IntArray = mixing.members[pos]
    return partners
