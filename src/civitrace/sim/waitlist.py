"""The queue for diagnostic tests when daily capacity runs out.

Testing capacity is a daily budget. Whoever asks for a test and does not get one today keeps
their place and is tested on a later day: people are served by *tier* (hospitalised, then
symptomatic, then notified contacts, then random screening), first come first served within a
tier. Someone who asks again while waiting keeps their place, moving up if the new reason has a
better tier (a randomly invited person who develops symptoms joins the symptomatic tier with
their original arrival). People who wait ``max_wait_days`` without a test give up (symptoms
gone, invitation lapsed). Per-agent arrays make every operation cost O(people waiting).
"""

from typing import Final

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int32]
BoolArray = npt.NDArray[np.bool_]

SEVERE_TIER: Final = 0  # hospital admissions
SYMPTOMATIC_TIER: Final = 1  # people with new symptoms who seek a test
CONTACT_TIER: Final = 2  # notified contacts sent for a test
RANDOM_TIER: Final = 3  # random (mass) screening
_NOT_WAITING: Final = np.iinfo(np.int8).max


class WaitingList:
    """People waiting for a test, with their tier and order of arrival."""

    def __init__(self, agents: int, max_wait_days: int) -> None:
        self.max_wait_days = max_wait_days
        self.tier = np.full(agents, _NOT_WAITING, dtype=np.int8)
        self.arrival = np.zeros(agents, dtype=np.int64)  # global arrival order (FIFO key)
        self.since = np.zeros(agents, dtype=np.int32)  # day the person joined the queue
        self.waiting: IntArray = np.zeros(0, dtype=np.int32)  # unique agent ids
        self._next = 0

    def __len__(self) -> int:
        return int(self.waiting.shape[0])

    def add(self, agents: IntArray, tier: int, day: int) -> None:
        """Queue ``agents`` (in their given order) for a test of ``tier`` on ``day``."""
        if agents.shape[0] == 0:
            return
        _, first = np.unique(agents, return_index=True)
        agents = agents[np.sort(first)]  # first occurrence of each, arrival order kept
        fresh = agents[self.tier[agents] == _NOT_WAITING]
        self.arrival[fresh] = self._next + np.arange(fresh.shape[0], dtype=np.int64)
        self._next += fresh.shape[0]
        self.since[fresh] = day
        self.tier[agents] = np.minimum(self.tier[agents], tier)
        if fresh.shape[0]:
            self.waiting = np.concatenate([self.waiting, fresh.astype(np.int32)])

    def keep(self, mask: BoolArray) -> None:
        """Keep only the waiting people where ``mask`` (aligned with :attr:`waiting`) holds."""
        self._remove(self.waiting[~mask])

    def expire(self, day: int) -> int:
        """Remove and count the people who have waited ``max_wait_days`` by ``day``."""
        gone = self.waiting[day - self.since[self.waiting] >= self.max_wait_days]
        self._remove(gone)
        return int(gone.shape[0])

    def serve(self, capacity: int, day: int) -> tuple[IntArray, IntArray]:
        """Take up to ``capacity`` people in priority order; returns them and their waits."""
        w = self.waiting
        if capacity <= 0 or w.shape[0] == 0:
            return w[:0], w[:0]
        order = np.lexsort((self.arrival[w], self.tier[w]))
        taken = w[order[:capacity]]
        waits = (day - self.since[taken]).astype(np.int32)
        self._remove(taken)
        return taken, waits

    def _remove(self, agents: IntArray) -> None:
        if agents.shape[0] == 0:
            return
        self.tier[agents] = _NOT_WAITING
        self.waiting = self.waiting[self.tier[self.waiting] != _NOT_WAITING]
