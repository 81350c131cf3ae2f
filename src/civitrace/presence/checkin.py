"""Check-ins on the device and the records derived from them before sharing.

A :class:`CheckIn` is what the visitor's device keeps (for 15 days, nowhere else). Before a
person who tested positive shares a check-in, :func:`shareable_records` turns it into
:class:`CheckInRecord`\\ s the way the Corona-Warn-App does:

1. drop stays under 10 minutes;
2. extend the end by the stay's own length, at most 30 minutes (aerosols linger);
3. align to 10-minute intervals: round the target duration to whole intervals and anchor it at
   the start interval or the end interval, whichever the stay overlaps more (the start on a tie);
4. split at UTC midnight, so that each record falls in one day;
5. give each record a transmission risk level from the days since symptom onset (see
   :mod:`civitrace.presence.risk`) and drop records whose risk value is 0.
"""

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from civitrace.presence.constants import (
    DAY_SECONDS,
    INTERVAL_SECONDS,
    LOCATION_ID_LENGTH,
    MAX_DECAY_MINUTES,
    MAX_TRANSMISSION_RISK_LEVEL,
    MIN_STAY_MINUTES,
    MIN_TRANSMISSION_RISK_LEVEL,
)
from civitrace.presence.errors import CheckInError
from civitrace.presence.risk import transmission_risk_value

_MAX_UINT32 = 2**32 - 1


@dataclass(frozen=True, slots=True)
class CheckIn:
    """One stay at a venue, as the visitor's device records it (unix seconds, end exclusive)."""

    location_id: bytes
    start: int
    end: int

    def __post_init__(self) -> None:
        if not isinstance(self.location_id, bytes) or len(self.location_id) != LOCATION_ID_LENGTH:
            raise CheckInError(f"a location ID must be {LOCATION_ID_LENGTH} bytes")
        if not 0 <= self.start <= self.end < 2**63:
            raise CheckInError("a check-in needs 0 <= start <= end (unix seconds)")

    @property
    def duration_minutes(self) -> int:
        return (self.end - self.start) // 60

    @property
    def day(self) -> dt.date:
        """The UTC day the stay began."""
        return utc_day(self.start)


@dataclass(frozen=True, slots=True)
class CheckInRecord:
    """What is encrypted into a report: 10-minute intervals and a transmission risk level."""

    start_interval_number: int
    period: int
    transmission_risk_level: int

    def __post_init__(self) -> None:
        if not 0 <= self.start_interval_number <= _MAX_UINT32:
            raise CheckInError("startIntervalNumber must be a uint32")
        if not 0 < self.period <= _MAX_UINT32:
            raise CheckInError("period must be positive")
        if (
            not MIN_TRANSMISSION_RISK_LEVEL
            <= self.transmission_risk_level
            <= (MAX_TRANSMISSION_RISK_LEVEL)
        ):
            raise CheckInError(
                f"transmissionRiskLevel must be {MIN_TRANSMISSION_RISK_LEVEL}.."
                f"{MAX_TRANSMISSION_RISK_LEVEL}"
            )

    @property
    def start(self) -> int:
        return self.start_interval_number * INTERVAL_SECONDS

    @property
    def end(self) -> int:
        return (self.start_interval_number + self.period) * INTERVAL_SECONDS


def utc_day(timestamp: int) -> dt.date:
    return dt.date(1970, 1, 1) + dt.timedelta(days=timestamp // DAY_SECONDS)


def decay_extended_end(start: int, end: int) -> int | None:
    """Steps 1 and 2: ``None`` for a stay under 10 minutes, else the end plus the decay."""
    minutes = (end - start) // 60
    if minutes < MIN_STAY_MINUTES:
        return None
    return end + min(minutes, MAX_DECAY_MINUTES) * 60


def align_to_intervals(start: int, end: int) -> tuple[int, int]:
    """Step 3: the aligned ``(start, end)``, both multiples of 600 seconds."""
    first = start - start % INTERVAL_SECONDS
    last = end - end % INTERVAL_SECONDS
    overlap_first = first + INTERVAL_SECONDS - start
    overlap_last = end - last
    intervals = (end - start + INTERVAL_SECONDS // 2) // INTERVAL_SECONDS  # round half up
    target = intervals * INTERVAL_SECONDS
    if overlap_last > overlap_first:
        aligned_end = last + INTERVAL_SECONDS
        return aligned_end - target, aligned_end
    return first, first + target


def split_at_midnight(start: int, end: int) -> list[tuple[int, int]]:
    """Step 4: pieces of ``[start, end)`` that each stay within one UTC day."""
    pieces: list[tuple[int, int]] = []
    while start < end:
        midnight = start - start % DAY_SECONDS + DAY_SECONDS
        piece_end = min(end, midnight)
        pieces.append((start, piece_end))
        start = piece_end
    return pieces


def shared_intervals(check_in: CheckIn) -> list[tuple[int, int]]:
    """Steps 1-4 for one check-in: aligned, decay-extended, per-day ``(start, end)`` pairs."""
    extended = decay_extended_end(check_in.start, check_in.end)
    if extended is None:
        return []
    return split_at_midnight(*align_to_intervals(check_in.start, extended))


LevelFor = Callable[[dt.date], int]


def shareable_records(
    check_ins: Iterable[CheckIn], level_for: LevelFor
) -> list[tuple[CheckIn, CheckInRecord]]:
    """Every record to share, each with the check-in it came from.

    ``level_for`` gives the transmission risk level of a UTC day (see
    :func:`civitrace.presence.risk.level_by_onset`); records whose level maps to a risk value
    of 0 are left out, as are stays under 10 minutes.
    """
    shared: list[tuple[CheckIn, CheckInRecord]] = []
    for check_in in check_ins:
        for start, end in shared_intervals(check_in):
            level = level_for(utc_day(start))
            if transmission_risk_value(level) == 0:
                continue
            record = CheckInRecord(
                start // INTERVAL_SECONDS, (end - start) // INTERVAL_SECONDS, level
            )
            shared.append((check_in, record))
    return shared
