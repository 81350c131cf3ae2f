"""Local matching: the visitor's device compares its own check-ins with published warnings.

Nothing leaves the device. For each report whose locationIdHash equals the hash of a local
check-in's location ID, the device checks the MAC, decrypts, keeps the record if it is in
range, and computes the overlap with its own stay:

    overlap = min(check-in end, (start + period) * 600) - max(check-in start, start * 600)

Positive overlaps count; normalized time = overlap minutes x transmission risk value. Summed
per UTC day (of the overlap), under 10 is low risk and 10 or more is high risk.
Check-ins older than 10 days at ``now`` are not considered.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from civitrace.presence.checkin import CheckIn, CheckInRecord, utc_day
from civitrace.presence.constants import (
    DAY_SECONDS,
    HIGH_RISK_NORMALIZED_MINUTES,
    WARNING_LOOKBACK_DAYS,
)
from civitrace.presence.errors import ReportError
from civitrace.presence.payload import location_id_hash
from civitrace.presence.report import decrypt_report
from civitrace.presence.risk import transmission_risk_value
from civitrace.presence.warning_package import TraceWarningPackage


class RiskLevel(StrEnum):
    LOW = "low"
    HIGH = "high"


@dataclass(frozen=True, slots=True)
class Match:
    """One warning that overlaps one of the device's own check-ins."""

    check_in: CheckIn
    record: CheckInRecord
    overlap_seconds: int

    @property
    def normalized_minutes(self) -> float:
        return (
            self.overlap_seconds / 60 * transmission_risk_value(self.record.transmission_risk_level)
        )

    @property
    def day(self) -> dt.date:
        """The UTC day of the overlap (records never cross midnight)."""
        return utc_day(max(self.check_in.start, self.record.start))


@dataclass(frozen=True, slots=True)
class DayRisk:
    day: dt.date
    normalized_minutes: float
    level: RiskLevel
    matches: tuple[Match, ...]


def overlap_seconds(check_in: CheckIn, record: CheckInRecord) -> int:
    """Seconds the stay shares with the warning's intervals; 0 when they do not meet."""
    return max(0, min(check_in.end, record.end) - max(check_in.start, record.start))


def find_matches(
    check_ins: Iterable[CheckIn],
    packages: Iterable[TraceWarningPackage],
    now: int | None = None,
) -> list[Match]:
    """Every (check-in, record) pair with a positive overlap.

    Reports whose MAC fails or whose record is out of range are skipped: a corrupt or hostile
    report must not stop the device from reading the others.
    """
    by_hash: dict[bytes, list[CheckIn]] = defaultdict(list)
    for check_in in check_ins:
        if now is not None and check_in.end < now - WARNING_LOOKBACK_DAYS * DAY_SECONDS:
            continue
        by_hash[location_id_hash(check_in.location_id)].append(check_in)
    matches: list[Match] = []
    for package in packages:
        candidates: list[tuple[list[CheckIn], CheckInRecord]] = []
        for report in package.reports:
            local = by_hash.get(report.location_id_hash)
            if not local:
                continue
            try:
                record = decrypt_report(local[0].location_id, report)
            except ReportError:
                continue
            candidates.append((local, record))
        for warning in package.warnings:
            local = by_hash.get(warning.location_id_hash)
            if local:
                candidates.append((local, warning.record))
        for local, record in candidates:
            for check_in in local:
                seconds = overlap_seconds(check_in, record)
                if seconds > 0:
                    matches.append(Match(check_in, record, seconds))
    return matches


def risk_by_day(
    matches: Iterable[Match], threshold: float = HIGH_RISK_NORMALIZED_MINUTES
) -> list[DayRisk]:
    """Normalized time summed per UTC day of the overlap, with its risk level, by day."""
    per_day: dict[dt.date, list[Match]] = defaultdict(list)
    for match in matches:
        per_day[match.day].append(match)
    result = []
    for day in sorted(per_day):
        total = sum(m.normalized_minutes for m in per_day[day])
        level = RiskLevel.HIGH if total >= threshold else RiskLevel.LOW
        result.append(DayRisk(day, total, level, tuple(per_day[day])))
    return result
