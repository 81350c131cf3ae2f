"""Time in exposure notification is counted in 10-minute ENIntervalNumbers."""

from datetime import UTC, datetime

from civitrace.en.constants import INTERVAL_SECONDS, TEK_ROLLING_PERIOD


def en_interval_number(unix_seconds: float) -> int:
    """ENIntervalNumber(t) = floor(t / 600)."""
    return int(unix_seconds // INTERVAL_SECONDS)


def interval_start_seconds(interval: int) -> int:
    """Unix seconds at which an interval begins."""
    return interval * INTERVAL_SECONDS


def rolling_start(interval: int) -> int:
    """The rolling start number of the TEK covering ``interval``: a multiple of 144 (UTC day)."""
    return (interval // TEK_ROLLING_PERIOD) * TEK_ROLLING_PERIOD


def now_interval() -> int:
    """The current ENIntervalNumber from the system clock."""
    return en_interval_number(datetime.now(UTC).timestamp())


def utc_day(unix_seconds: float) -> int:
    """Days since the Unix epoch (UTC), the unit exposure windows and summaries use."""
    return int(unix_seconds // 86_400)
