"""Round tables: the balance guarantee of ``civitrace.consult.seating``, property by property.

(a) table sizes are floor(N/T) or ceil(N/T) <= size; (b) each group's members per table are
floor(n_g/T) or ceil(n_g/T); ``arrange`` moves the fewest seated people among all seatings with
(a) and (b) (checked against brute force on small rooms); latecomers move nobody and follow the
stated rule; leavers move nobody.
"""

import itertools
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from civitrace.consult.errors import ConsultInputError
from civitrace.consult.groups import GROUPS, StakeholderGroup
from civitrace.consult.seating import (
    Person,
    arrange,
    balance_problems,
    check_table_size,
    seat_latecomer,
    table_count_for,
)

groups = st.sampled_from(GROUPS)


@st.composite
def rooms(
    draw: st.DrawFn, max_people: int = 80, min_people: int = 0, min_size: int = 2
) -> tuple[list[Person], int]:
    """People in arrival order, some already seated anywhere (even beyond the needed tables)."""
    size = draw(st.integers(min_value=min_size, max_value=12))
    count = draw(st.integers(min_value=min_people, max_value=max_people))
    people = []
    for participant in range(1, count + 1):
        table = draw(st.none() | st.integers(min_value=1, max_value=max(1, count // 2 + 2)))
        people.append(Person(participant, draw(groups), table))
    return people, size


def seated(people: list[Person], tables: dict[int, int]) -> list[Person]:
    return [Person(p.participant, p.group, tables[p.participant]) for p in people]


def moved(people: list[Person], tables: dict[int, int]) -> int:
    return sum(1 for p in people if p.table is not None and tables[p.participant] != p.table)


@given(rooms())
def test_arrange_satisfies_the_guarantee(room: tuple[list[Person], int]) -> None:
    people, size = room
    result = arrange(people, size)
    assert set(result.tables) == {p.participant for p in people}
    assert result.table_count == table_count_for(len(people), size)
    after = seated(people, result.tables)
    assert balance_problems(after, size) == []
    assert all(count <= size for count in Counter(result.tables.values()).values())


@given(rooms())
def test_arrange_reports_exactly_the_moves_it_makes(room: tuple[list[Person], int]) -> None:
    people, size = room
    result = arrange(people, size)
    before = {p.participant: p.table for p in people}
    changed = {pid for pid, table in result.tables.items() if before[pid] != table}
    assert {m.participant for m in result.moves} == changed
    for move in result.moves:
        assert move.from_table == before[move.participant]
        assert move.to_table == result.tables[move.participant]


@given(rooms())
def test_a_balanced_seating_is_left_alone(room: tuple[list[Person], int]) -> None:
    people, size = room
    once = seated(people, arrange(people, size).tables)
    again = arrange(once, size)
    assert again.moves == ()
    assert again.tables == {p.participant: p.table for p in once}


def _balanced_targets(
    people: list[Person], size: int
) -> list[dict[tuple[int, StakeholderGroup], int]]:
    """Every per-(table, group) head count satisfying (a) and (b), by brute force."""
    total = len(people)
    tables = table_count_for(total, size)
    members = Counter(p.group for p in people)
    present = [g for g in GROUPS if members[g]]
    choices = []
    for group in present:
        extra = members[group] % tables
        choices.append(list(itertools.combinations(range(1, tables + 1), extra)))
    out = []
    for picks in itertools.product(*choices):
        target = {
            (t, g): members[g] // tables + (t in pick)
            for g, pick in zip(present, picks, strict=True)
            for t in range(1, tables + 1)
        }
        table_sizes = [sum(target[(t, g)] for g in present) for t in range(1, tables + 1)]
        if all(total // tables <= s <= -(-total // tables) for s in table_sizes):
            out.append(target)
    return out


@settings(max_examples=150, deadline=None)
@given(rooms(max_people=12, min_people=1, min_size=3))
def test_arrange_moves_the_fewest_people(room: tuple[list[Person], int]) -> None:
    people, size = room
    here = Counter((p.table, p.group) for p in people if p.table is not None)
    fewest = min(
        sum(max(0, here[cell] - target.get(cell, 0)) for cell in here)
        for target in _balanced_targets(people, size)
    )
    assert moved(people, arrange(people, size).tables) == fewest


@given(rooms(), groups)
def test_a_latecomer_moves_nobody_and_follows_the_rule(
    room: tuple[list[Person], int], group: StakeholderGroup
) -> None:
    people, size = room
    result = arrange(people, size)
    now = seated(people, result.tables)
    table = seat_latecomer(now, group, size, result.table_count)
    occupancy = Counter(p.table for p in now)
    same = Counter(p.table for p in now if p.group == group)
    free = [t for t in range(1, result.table_count + 1) if occupancy[t] < size]
    if not free:
        assert table == result.table_count + 1
        return
    assert table in free
    best = min((same[t], occupancy[t], t) for t in free)
    assert (same[table], occupancy[table], table) == best


@settings(max_examples=100, deadline=None)
@given(rooms(max_people=60), st.lists(groups, max_size=40))
def test_latecomers_keep_groups_balanced_among_tables_with_room(
    room: tuple[list[Person], int], arrivals: list[StakeholderGroup]
) -> None:
    people, size = room
    result = arrange(people, size)
    now = seated(people, result.tables)
    tables = result.table_count
    next_id = len(people) + 1
    for group in arrivals:
        table = seat_latecomer(now, group, size, tables)
        tables = max(tables, table)
        now.append(Person(next_id, group, table))
        next_id += 1
        occupancy = Counter(p.table for p in now)
        with_room = [t for t in range(1, tables + 1) if occupancy[t] < size]
        for g in GROUPS:
            counts = [sum(1 for p in now if p.table == t and p.group == g) for t in with_room]
            if counts:
                assert max(counts) - min(counts) <= 1, (g, with_room, counts)
        assert all(count <= size for count in occupancy.values())


@given(rooms(), st.data())
def test_leavers_move_nobody_and_arrange_restores_balance(
    room: tuple[list[Person], int], data: st.DataObject
) -> None:
    people, size = room
    now = seated(people, arrange(people, size).tables)
    leaving = data.draw(
        st.sets(st.sampled_from([p.participant for p in now])) if now else st.just(set())
    )
    remaining = [p for p in now if p.participant not in leaving]
    assert all(
        p.table == next(q.table for q in now if q.participant == p.participant) for p in remaining
    )
    result = arrange(remaining, size)
    assert balance_problems(seated(remaining, result.tables), size) == []


def test_a_mixed_room_gets_one_of_each_group_per_table() -> None:
    people = [Person(i, GROUPS[i % 6]) for i in range(24)]
    result = arrange(people, 6)
    assert result.table_count == 4
    for table in range(1, 5):
        at_table = [p.group for p in people if result.tables[p.participant] == table]
        assert sorted(at_table) == sorted(GROUPS)


def test_arrival_order_decides_who_stays() -> None:
    gov = StakeholderGroup.GOVERNMENT
    people = [Person(1, gov, 1), Person(2, gov, 1), Person(3, StakeholderGroup.PUBLIC, 2)]
    result = arrange(people, 2)
    assert result.tables[1] == 1  # the first arrival keeps their seat
    assert [m.participant for m in result.moves] == [2]


def test_empty_room_and_bad_input() -> None:
    assert arrange([], 4).table_count == 0
    with pytest.raises(ConsultInputError, match="table_size"):
        check_table_size(1)
    with pytest.raises(ConsultInputError, match="listed twice"):
        arrange([Person(1, GROUPS[0]), Person(1, GROUPS[1])], 4)
    with pytest.raises(ConsultInputError, match="table"):
        arrange([Person(1, GROUPS[0], 0)], 4)


def test_balance_problems_name_the_table_and_group() -> None:
    gov = StakeholderGroup.GOVERNMENT
    pub = StakeholderGroup.PUBLIC
    lopsided = [Person(1, gov, 1), Person(2, gov, 1), Person(3, pub, 2), Person(4, pub, 2)]
    problems = balance_problems(lopsided, 2)
    assert "table 1 has 2 of government, not 1..1" in problems
    assert balance_problems([Person(1, gov)], 2) == ["1 people have no table"]
