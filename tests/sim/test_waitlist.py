"""The test queue: capacity left over today is not lost demand; it is served later, in order."""

from dataclasses import replace

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from civitrace.sim import Population, Scenario, simulate
from civitrace.sim.scenario import Isolation
from civitrace.sim.scenario import Testing as _Testing  # not collected: no Test prefix
from civitrace.sim.waitlist import (
    CONTACT_TIER,
    RANDOM_TIER,
    SEVERE_TIER,
    SYMPTOMATIC_TIER,
    WaitingList,
)


def ids(*agents: int) -> np.ndarray:
    return np.array(agents, dtype=np.int32)


def test_first_come_first_served_within_a_tier() -> None:
    q = WaitingList(20, max_wait_days=7)
    q.add(ids(5, 3, 9), SYMPTOMATIC_TIER, day=0)
    q.add(ids(1, 7), SYMPTOMATIC_TIER, day=1)
    taken, waits = q.serve(2, day=1)
    assert taken.tolist() == [5, 3]
    assert waits.tolist() == [1, 1]
    taken, waits = q.serve(10, day=2)
    assert taken.tolist() == [9, 1, 7]
    assert waits.tolist() == [2, 1, 1]
    assert len(q) == 0


def test_symptomatic_before_random_whatever_the_arrival() -> None:
    q = WaitingList(20, max_wait_days=7)
    q.add(ids(10, 11, 12), RANDOM_TIER, day=0)
    q.add(ids(4), CONTACT_TIER, day=1)
    q.add(ids(2, 3), SYMPTOMATIC_TIER, day=2)
    q.add(ids(6), SEVERE_TIER, day=2)
    taken, _ = q.serve(4, day=2)
    assert taken.tolist() == [6, 2, 3, 4]
    assert q.waiting.tolist() == [10, 11, 12]


def test_asking_again_keeps_the_place_and_may_move_up() -> None:
    q = WaitingList(20, max_wait_days=7)
    q.add(ids(1, 2), RANDOM_TIER, day=0)
    q.add(ids(3), SYMPTOMATIC_TIER, day=1)
    q.add(ids(2, 3, 3), SYMPTOMATIC_TIER, day=2)  # 2 developed symptoms; 3 asked twice
    assert len(q) == 3
    taken, waits = q.serve(2, day=3)
    assert taken.tolist() == [2, 3]  # 2 arrived first (day 0), now symptomatic
    assert waits.tolist() == [3, 2]
    q.add(ids(1), RANDOM_TIER, day=3)  # a lower tier never moves anyone down
    assert q.tier[1] == RANDOM_TIER


def test_people_give_up_after_max_wait_and_can_be_dropped() -> None:
    q = WaitingList(20, max_wait_days=3)
    q.add(ids(1, 2), SYMPTOMATIC_TIER, day=0)
    q.add(ids(3), SYMPTOMATIC_TIER, day=2)
    assert q.expire(day=2) == 0
    assert q.expire(day=3) == 2
    assert q.waiting.tolist() == [3]
    q.keep(np.array([False]))
    assert len(q) == 0
    q.add(ids(1), SYMPTOMATIC_TIER, day=4)  # back in the queue with a new arrival
    assert q.since[1] == 4


@settings(max_examples=80, deadline=None)
@given(
    days=st.lists(
        st.tuples(
            st.lists(
                st.tuples(st.integers(0, 29), st.integers(SEVERE_TIER, RANDOM_TIER)), max_size=12
            ),
            st.integers(0, 6),
        ),
        min_size=1,
        max_size=12,
    )
)
def test_served_in_priority_order_never_twice_never_over_capacity(
    days: list[tuple[list[tuple[int, int]], int]],
) -> None:
    q = WaitingList(30, max_wait_days=5)
    for day, (arrivals, capacity) in enumerate(days):
        for agent, tier in arrivals:
            q.add(ids(agent), tier, day)
        q.expire(day)
        before = {int(a): (int(q.tier[a]), int(q.arrival[a])) for a in q.waiting}
        taken, waits = q.serve(capacity, day)
        assert taken.shape[0] == min(capacity, len(before))
        assert len(set(taken.tolist())) == taken.shape[0]
        keys = [before[int(a)] for a in taken]
        assert keys == sorted(keys)  # tier first, then arrival
        left = [before[int(a)] for a in q.waiting]
        if keys and left:
            assert max(keys) < min(left)  # nobody left behind outranks anyone served
        assert ((waits >= 0) & (waits < 5)).all()
        assert set(q.waiting.tolist()).isdisjoint(taken.tolist())


TIGHT = Scenario(
    name="tight",
    testing=_Testing(enabled=True, symptomatic_seek=0.9, delay_days=1, capacity_per_100k=200.0),
    isolation=Isolation(enabled=True, adherence=0.9),
)


def test_untested_people_are_tested_on_later_days(city: Population) -> None:
    patient = replace(TIGHT, testing=replace(TIGHT.testing, max_wait_days=90))  # nobody gives up
    r = simulate(patient, city, 90, 1)
    cap = int(200.0 * city.size / 100_000)
    tests, queue = r.series["tests"], r.series["test_queue"]
    assert tests.max() <= cap
    backlog_days = np.flatnonzero(queue[:-1] > 0)
    assert backlog_days.shape[0] > 0, "capacity never ran out: the test proves nothing"
    # capacity is never left unused while anyone waits: a day either uses all of it or ends
    # with an empty queue (the people waiting from earlier days were tested)
    assert ((tests == cap) | (queue == 0)).all()
    assert (tests[backlog_days + 1] == cap).mean() > 0.8  # backlogs usually outlast a day
    assert r.totals["test_wait_days"] > 0
    assert r.totals["tests_abandoned"] == 0
    impatient = simulate(TIGHT, city, 90, 1)  # max_wait_days = 7: some give up in a backlog
    assert impatient.totals["tests_abandoned"] > 0
    unlimited_testing = replace(TIGHT.testing, capacity_per_100k=np.inf)
    unlimited = simulate(replace(TIGHT, testing=unlimited_testing), city, 90, 1)
    assert unlimited.series["test_queue"].max() == 0
    assert unlimited.totals["test_wait_days"] == 0
    assert unlimited.totals["tests_abandoned"] == 0


def test_random_screening_does_not_crowd_out_the_symptomatic(city: Population) -> None:
    flood = replace(TIGHT, testing=replace(TIGHT.testing, random_daily=0.05))  # 12x capacity
    plain = [simulate(TIGHT, city, 90, s).series["new_diagnoses"].sum() for s in range(3)]
    flooded = [simulate(flood, city, 90, s) for s in range(3)]
    assert all(r.totals["tests_abandoned"] > 0 for r in flooded)  # random invitations lapse
    diagnosed = [r.series["new_diagnoses"].sum() for r in flooded]
    assert np.mean(diagnosed) >= 0.8 * np.mean(plain), (diagnosed, plain)
