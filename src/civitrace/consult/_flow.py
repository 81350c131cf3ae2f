"""A small min-cost max-flow solver (successive shortest paths, queue-based Bellman-Ford).

Used by :mod:`civitrace.consult.seating` to choose, among all balanced seatings, one that moves
the fewest seated people. The networks are tiny (six groups and a few dozen tables), so a plain
solver that is easy to check beats a dependency.
"""

from collections import deque
from dataclasses import dataclass


@dataclass(slots=True)
class _Arc:
    head: int
    capacity: int
    cost: int
    reverse: int  # index of the opposite arc in ``head``'s list


class FlowNetwork:
    """A directed network with integer capacities and costs; nodes are ``0..size-1``."""

    def __init__(self, size: int) -> None:
        self._arcs: list[list[_Arc]] = [[] for _ in range(size)]

    def add_edge(self, tail: int, head: int, capacity: int, cost: int = 0) -> tuple[int, int]:
        """Add an edge; the returned handle gives its flow to :meth:`flow`."""
        forward = _Arc(head, capacity, cost, len(self._arcs[head]))
        backward = _Arc(tail, 0, -cost, len(self._arcs[tail]))
        self._arcs[tail].append(forward)
        self._arcs[head].append(backward)
        return tail, len(self._arcs[tail]) - 1

    def flow(self, handle: tuple[int, int]) -> int:
        """The flow on the edge ``handle`` after :meth:`solve`."""
        tail, index = handle
        arc = self._arcs[tail][index]
        return self._arcs[arc.head][arc.reverse].capacity

    def solve(self, source: int, sink: int) -> tuple[int, int]:
        """Push a maximum flow from ``source`` to ``sink`` at minimum total cost.

        Returns ``(flow, cost)``. Each round augments along a cheapest residual path; with no
        negative cycle at the start (all costs here are non-negative) the result is optimal.
        """
        total_flow = total_cost = 0
        size = len(self._arcs)
        while True:
            distance: list[int | None] = [None] * size
            parent: list[tuple[int, int] | None] = [None] * size
            queued = [False] * size
            distance[source] = 0
            queue = deque([source])
            while queue:
                node = queue.popleft()
                queued[node] = False
                base = distance[node]
                assert base is not None
                for index, arc in enumerate(self._arcs[node]):
                    if arc.capacity <= 0:
                        continue
                    candidate = base + arc.cost
                    known = distance[arc.head]
                    if known is None or candidate < known:
                        distance[arc.head] = candidate
                        parent[arc.head] = (node, index)
                        if not queued[arc.head]:
                            queued[arc.head] = True
                            queue.append(arc.head)
            if distance[sink] is None:
                return total_flow, total_cost
            push = None
            node = sink
            while node != source:
                step = parent[node]
                assert step is not None
                arc = self._arcs[step[0]][step[1]]
                push = arc.capacity if push is None else min(push, arc.capacity)
                node = step[0]
            assert push is not None
            node = sink
            while node != source:
                step = parent[node]
                assert step is not None
                arc = self._arcs[step[0]][step[1]]
                arc.capacity -= push
                self._arcs[arc.head][arc.reverse].capacity += push
                node = step[0]
            total_flow += push
            sink_distance = distance[sink]
            assert sink_distance is not None
            total_cost += push * sink_distance
