"""Pure rules of ``POST /v1/publish`` (Google's ``internal/publish/model``), without storage.

Each function is one rule named in ``tests/vectors/gaen_publish_api.md``; times are aware UTC
``datetime`` values and keys are :class:`civitrace.en.keys.TemporaryExposureKey`.
"""

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Final

from civitrace.en.constants import TEK_ROLLING_PERIOD
from civitrace.en.intervals import en_interval_number, interval_start_seconds
from civitrace.en.keys import TemporaryExposureKey
from civitrace.server.errors import PublishError

CONFIRMED, LIKELY, NEGATIVE, USER_REPORT = "confirmed", "likely", "negative", "user-report"

BACKFILL_RISK: Final[Mapping[str, int]] = {CONFIRMED: 2, LIKELY: 4, NEGATIVE: 6}
"""Transmission risk of a key sent with 0 (Google's ``TransmissionRisk*`` constants); a
user-report keeps 0."""

REVISIONS: Final[Mapping[str, frozenset[str]]] = {
    LIKELY: frozenset({CONFIRMED, NEGATIVE}),
    USER_REPORT: frozenset({CONFIRMED, LIKELY, NEGATIVE}),
}
"""Google's ``ValidReportTypeTransition``: what a stored report type may become."""


def interval_of(moment: datetime) -> int:
    return en_interval_number(moment.timestamp())


def time_of_interval(interval: int) -> datetime:
    return datetime.fromtimestamp(interval_start_seconds(interval), UTC)


def truncate(moment: datetime, window: timedelta) -> datetime:
    """``moment`` rounded down to a multiple of ``window`` since the Unix epoch."""
    size = int(window.total_seconds())
    return datetime.fromtimestamp(int(moment.timestamp()) // size * size, UTC)


def created_at(
    key: TemporaryExposureKey, now: datetime, window: timedelta, *, embargo: bool = True
) -> datetime:
    """When the key may be exported: arrival truncated, or for a still-valid key the end of its
    rolling period plus one window, truncated (the same-day embargo)."""
    if embargo and key.end_interval > interval_of(now):
        return truncate(time_of_interval(key.end_interval) + window, window)
    return truncate(now, window)


def key_problem(key: TemporaryExposureKey, now: datetime, max_age: timedelta) -> str | None:
    """Why a well-formed key is dropped (too old, in the future), or ``None``."""
    oldest = interval_of(now - max_age)
    if key.end_interval < oldest:
        return (
            f"key expires before minimum window; {key.rolling_start_number} + "
            f"{key.rolling_period} is before {oldest}"
        )
    if key.rolling_start_number > interval_of(now):
        return f"key would not be valid until future interval {key.rolling_start_number}"
    return None


def check_overlaps(keys: Sequence[TemporaryExposureKey], max_same_start: int) -> None:
    """Keys sorted by start must not overlap unless they share their start, at most
    ``max_same_start`` of them; otherwise the whole request fails."""
    ordered = sorted(keys, key=lambda k: (k.rolling_start_number, k.rolling_period))
    if not ordered:
        return
    last_start = ordered[0].rolling_start_number
    next_start = ordered[0].end_interval
    same = 0
    for key in ordered:
        if key.rolling_start_number == last_start:
            next_start = key.end_interval
            same += 1
            if same > max_same_start:
                raise PublishError(
                    f"temporaryExposureKeys: too many overlapping keys for start interval "
                    f"{last_start}: want at most {max_same_start}, got {same}"
                )
            continue
        if key.rolling_start_number < next_start:
            raise PublishError(
                f"temporaryExposureKeys: exposure keys have non aligned overlapping intervals; "
                f"{key.rolling_start_number} overlaps with a previous key valid from "
                f"{last_start} to {next_start}"
            )
        last_start, next_start, same = key.rolling_start_number, key.end_interval, 1


def backfill_risk(risk: int, report_type: str) -> int:
    return BACKFILL_RISK.get(report_type, risk) if risk == 0 else risk


def valid_transition(previous: str, new: str) -> bool:
    """An empty stored type counts as ``likely``."""
    return new in REVISIONS.get(previous or LIKELY, frozenset())


def onset_interval(
    candidates: Sequence[int | None], now: datetime, *, report_days: int, default_days_ago: int
) -> int:
    """The first candidate (publish, then certificate) inside ``[UTC midnight(now -
    report_days), now)``, else ``now - default_days_ago``; rounded down to its UTC day."""
    midnight = truncate(now - timedelta(days=report_days), timedelta(days=1))
    earliest, current = interval_of(midnight), interval_of(now)
    for candidate in candidates:
        if candidate is not None and candidate > 0 and earliest <= candidate < current:
            return candidate // TEK_ROLLING_PERIOD * TEK_ROLLING_PERIOD
    fallback = interval_of(now - timedelta(days=default_days_ago))
    return fallback // TEK_ROLLING_PERIOD * TEK_ROLLING_PERIOD


def days_since_onset(key: TemporaryExposureKey, onset: int) -> int:
    """Whole UTC days from the onset's day to the key's start day."""
    return key.rolling_start_number // TEK_ROLLING_PERIOD - onset // TEK_ROLLING_PERIOD
