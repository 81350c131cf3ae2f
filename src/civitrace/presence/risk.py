"""Transmission risk: the level a shared record carries and the weight it gives to minutes.

Levels 1..8 map to values by the scheme's table (1, 2 -> 0 ... 8 -> 1.6). Which level a day
gets depends on how infectious the person probably was then. The scheme leaves the table to the
authority; civitrace's defaults below follow the shape of the Corona-Warn-App's transmission
risk vectors (highest from two days before to two days after symptom onset) and are meant to
be set by the authority's epidemiologists, not read as medical fact. Days outside a table get
level 1, whose value is 0: such check-ins are not shared at all.
"""

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Final

from civitrace.presence.constants import (
    DEFAULT_TRANSMISSION_RISK_LEVEL,
    MAX_TRANSMISSION_RISK_LEVEL,
    MIN_TRANSMISSION_RISK_LEVEL,
    TRANSMISSION_RISK_VALUES,
)
from civitrace.presence.errors import CheckInError

# days since symptom onset (check-in day minus onset day) -> transmission risk level
LEVEL_BY_DAYS_SINCE_ONSET: Final[Mapping[int, int]] = {
    -3: 5,
    -2: 6,
    -1: 7,
    0: 8,
    1: 8,
    2: 7,
    3: 6,
    4: 5,
    5: 4,
    6: 3,
    7: 3,
}
# onset unknown (no symptoms reported): days before the positive test -> level
LEVEL_BY_DAYS_BEFORE_TEST: Final[Mapping[int, int]] = {
    0: 5,
    1: 6,
    2: 7,
    3: 7,
    4: 7,
    5: 6,
    6: 4,
    7: 3,
}


def transmission_risk_value(level: int) -> float:
    """The weight of one overlapping minute at ``level`` (1..8)."""
    if not MIN_TRANSMISSION_RISK_LEVEL <= level <= MAX_TRANSMISSION_RISK_LEVEL:
        raise CheckInError(
            f"transmission risk level must be {MIN_TRANSMISSION_RISK_LEVEL}.."
            f"{MAX_TRANSMISSION_RISK_LEVEL}, got {level}"
        )
    return TRANSMISSION_RISK_VALUES[level]


def level_by_onset(
    onset: dt.date | None,
    test_date: dt.date,
    by_onset: Mapping[int, int] = LEVEL_BY_DAYS_SINCE_ONSET,
    before_test: Mapping[int, int] = LEVEL_BY_DAYS_BEFORE_TEST,
) -> Callable[[dt.date], int]:
    """A function from a check-in's UTC day to its transmission risk level."""

    def level_for(day: dt.date) -> int:
        if onset is not None:
            return by_onset.get((day - onset).days, DEFAULT_TRANSMISSION_RISK_LEVEL)
        return before_test.get((test_date - day).days, DEFAULT_TRANSMISSION_RISK_LEVEL)

    return level_for
