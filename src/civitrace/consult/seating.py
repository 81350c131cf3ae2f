"""Round tables that mix stakeholder groups as evenly as possible.

Tables hold at most ``table_size`` people and are numbered ``1..T``. Three operations:

:func:`arrange` — the facilitator's "seat everyone" (the first deal, or a re-balance on request).
    With ``N`` people present, ``n_g`` of them in group ``g``, it uses ``T = ceil(N / size)``
    tables and returns a seating that satisfies the **balance guarantee**:

    (a) every table holds ``floor(N/T)`` or ``ceil(N/T)`` people (never more than ``size``);
    (b) for every group ``g``, every table holds ``floor(n_g/T)`` or ``ceil(n_g/T)`` members
        of ``g``. So a group with at least ``T`` members sits at every table, and no table
        has two members of a group while another table has none.

    Among all seatings at tables ``1..T`` that satisfy (a) and (b), it returns one that moves
    the **fewest** already seated people (people not seated yet, or at a table numbered above
    ``T``, always get a seat). A seating that already satisfies (a) and (b) is returned
    unchanged. The choice of who gets the extra seats is a min-cost flow
    (:mod:`civitrace.consult._flow`); the earliest arrivals stay when some must move.

:func:`seat_latecomer` — someone joins after the deal. Nobody else moves. The newcomer takes a
    table with a free seat where their group has the fewest members; among those, the table
    with the fewest people; among those, the lowest number. Only when every table is full is a
    new table (``T + 1``) opened. Consequence (proved by the property tests): if (b) holds
    among the tables with a free seat, it still holds after any number of latecomers, as long
    as nobody leaves.

Leaving — someone goes: they free their seat and nobody moves. (b) may then no longer hold;
    latecomers fill the gap first, and :func:`arrange` restores (a) and (b) when asked.

:func:`balance_problems` states (a) and (b) as checks, for tests and for the facilitator's
"is a re-balance needed?" hint.
"""

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from civitrace.consult._flow import FlowNetwork
from civitrace.consult.errors import ConsultInputError
from civitrace.consult.groups import GROUPS, StakeholderGroup

MIN_TABLE_SIZE = 2  # a "table" of one is not a round table
MAX_TABLE_SIZE = 50


@dataclass(frozen=True, slots=True)
class Person:
    """A participant present in the session; ``table`` is ``None`` until they are seated."""

    participant: int
    group: StakeholderGroup
    table: int | None = None


@dataclass(frozen=True, slots=True)
class Move:
    """``participant`` goes from ``from_table`` (``None``: not seated yet) to ``to_table``."""

    participant: int
    from_table: int | None
    to_table: int


@dataclass(frozen=True, slots=True)
class Arrangement:
    """The outcome of :func:`arrange`: ``tables`` maps every participant to their table."""

    table_count: int
    tables: dict[int, int]
    moves: tuple[Move, ...]


def check_table_size(table_size: int, field: str = "table_size") -> int:
    """``table_size`` if it is a sensible table, else a :class:`ConsultInputError`."""
    if not MIN_TABLE_SIZE <= table_size <= MAX_TABLE_SIZE:
        raise ConsultInputError(field, f"must be {MIN_TABLE_SIZE}..{MAX_TABLE_SIZE}")
    return table_size


def table_count_for(people: int, table_size: int) -> int:
    """The number of tables :func:`arrange` uses for ``people``: ``ceil(people / size)``."""
    return -(-people // table_size)


def arrange(people: Sequence[Person], table_size: int) -> Arrangement:
    """A seating of ``people`` satisfying the balance guarantee with the fewest moves.

    ``people`` is in arrival order (earlier arrivals stay when someone has to move).
    """
    check_table_size(table_size)
    _check_unique(people)
    total = len(people)
    if total == 0:
        return Arrangement(0, {}, ())
    tables = table_count_for(total, table_size)
    members = Counter(person.group for person in people)
    floor = {group: members[group] // tables for group in GROUPS}
    target = _targets(people, tables, members, floor)

    kept: Counter[tuple[int, StakeholderGroup]] = Counter()
    result: dict[int, int] = {}
    movers: dict[StakeholderGroup, list[Person]] = {group: [] for group in GROUPS}
    for person in people:
        cell = (person.table or 0, person.group)
        if person.table is not None and kept[cell] < target.get(cell, 0):
            kept[cell] += 1
            result[person.participant] = person.table
        else:
            movers[person.group].append(person)
    moves = []
    for group in GROUPS:
        waiting = iter(movers[group])
        for table in range(1, tables + 1):
            for _ in range(target[(table, group)] - kept[(table, group)]):
                person = next(waiting)
                result[person.participant] = table
                moves.append(Move(person.participant, person.table, table))
    moves.sort(key=lambda move: move.participant)
    return Arrangement(tables, result, tuple(moves))


def _targets(
    people: Sequence[Person],
    tables: int,
    members: Counter[StakeholderGroup],
    floor: dict[StakeholderGroup, int],
) -> dict[tuple[int, StakeholderGroup], int]:
    """How many of each group sit at each table: ``floor`` plus 0 or 1 "extra" seats.

    The extras are a flow: group ``g`` hands out ``n_g mod T`` of them, one per table at most;
    table ``t`` takes ``floor(N/T) - sum(floor)`` of them, plus one for ``N mod T`` tables. An
    extra costs nothing where the table already has more than ``floor`` members of the group
    (one of them can stay) and 1 elsewhere, so the cheapest flow keeps the most people seated.
    """
    current: Counter[tuple[int, StakeholderGroup]] = Counter(
        (person.table, person.group)
        for person in people
        if person.table is not None and 1 <= person.table <= tables
    )
    total = len(people)
    base_extras = total // tables - sum(floor.values())
    group_node = {group: 1 + index for index, group in enumerate(GROUPS)}
    first_table = 1 + len(GROUPS)
    plus, sink = first_table + tables, first_table + tables + 1
    network = FlowNetwork(sink + 1)
    handles = {}
    for group in GROUPS:
        extras = members[group] % tables
        if extras == 0:
            continue
        network.add_edge(0, group_node[group], extras)
        for table in range(1, tables + 1):
            cost = 0 if current[(table, group)] > floor[group] else 1
            handles[(table, group)] = network.add_edge(
                group_node[group], first_table + table - 1, 1, cost
            )
    for table in range(1, tables + 1):
        network.add_edge(first_table + table - 1, sink, base_extras)
        network.add_edge(first_table + table - 1, plus, 1)
    network.add_edge(plus, sink, total % tables)
    flow, _ = network.solve(0, sink)
    assert flow == sum(members[group] % tables for group in GROUPS), "no balanced seating"
    return {
        (table, group): floor[group]
        + (network.flow(handles[(table, group)]) if (table, group) in handles else 0)
        for table in range(1, tables + 1)
        for group in GROUPS
    }


def seat_latecomer(
    seated: Iterable[Person], group: StakeholderGroup, table_size: int, table_count: int
) -> int:
    """The table for a newcomer of ``group``; nobody in ``seated`` moves.

    A table with a free seat where ``group`` has the fewest members, then the fewest people,
    then the lowest number; ``table_count + 1`` (a new table) when all are full.
    """
    check_table_size(table_size)
    sizes: Counter[int] = Counter()
    same: Counter[int] = Counter()
    for person in seated:
        if person.table is None:
            continue
        sizes[person.table] += 1
        if person.group == group:
            same[person.table] += 1
    free = [table for table in range(1, table_count + 1) if sizes[table] < table_size]
    if not free:
        return table_count + 1
    return min(free, key=lambda table: (same[table], sizes[table], table))


def balance_problems(people: Sequence[Person], table_size: int) -> list[str]:
    """Every way ``people``'s seating breaks the balance guarantee (empty: it holds)."""
    problems = []
    total = len(people)
    tables = table_count_for(total, table_size)
    unseated = [p.participant for p in people if p.table is None]
    if unseated:
        problems.append(f"{len(unseated)} people have no table")
    beyond = sorted({p.table for p in people if p.table is not None and p.table > tables})
    if beyond:
        problems.append(f"tables {beyond} are beyond the {tables} needed")
    if total == 0 or unseated or beyond:
        return problems
    sizes = Counter(p.table for p in people)
    low, high = total // tables, -(-total // tables)
    for table in range(1, tables + 1):
        if not low <= sizes[table] <= high:
            problems.append(f"table {table} has {sizes[table]} people, not {low}..{high}")
    members = Counter(p.group for p in people)
    cells = Counter((p.table, p.group) for p in people)
    for group in GROUPS:
        low, high = members[group] // tables, -(-members[group] // tables)
        for table in range(1, tables + 1):
            if not low <= cells[(table, group)] <= high:
                problems.append(
                    f"table {table} has {cells[(table, group)]} of {group.value}, not {low}..{high}"
                )
    return problems


def _check_unique(people: Sequence[Person]) -> None:
    seen: set[int] = set()
    for person in people:
        if person.participant in seen:
            raise ConsultInputError("participant", f"{person.participant} is listed twice")
        if person.table is not None and person.table < 1:
            raise ConsultInputError("table", f"{person.table} is not a table number")
        seen.add(person.participant)
