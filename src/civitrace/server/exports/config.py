"""Per-region export configuration and the window arithmetic.

Windows are ``[start, start + period)`` aligned to the period since the Unix epoch; because the
period divides 24 h they are aligned to UTC midnight too, on every host and every run.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final

from sqlalchemy import ColumnElement, func, literal, select
from sqlalchemy.orm import Session

from civitrace.server.db.export_models import ExportConfig
from civitrace.server.db.models import Exposure, HealthAuthority
from civitrace.server.exports.errors import ExportConfigError
from civitrace.server.exports.settings import ExportSettings, check_batch_parameters

REGION: Final = re.compile(r"^[A-Z]{2}(-[A-Z0-9]{1,3})?$")  # ISO 3166-1 alpha-2 or subdivision
EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Window:
    """One region's export window, ``start`` inclusive, ``end`` exclusive."""

    region: str
    start: datetime
    end: datetime

    @property
    def start_timestamp(self) -> int:
        return int(self.start.timestamp())

    @property
    def end_timestamp(self) -> int:
        return int(self.end.timestamp())


def check_region(region: str) -> str:
    if not REGION.match(region):
        raise ExportConfigError(
            f"region {region!r} is not an ISO 3166 code such as 'DE' or 'US-CA'"
        )
    return region


def align(moment: datetime, period: timedelta) -> datetime:
    """The start of the window of length ``period`` containing ``moment``."""
    seconds = int(period.total_seconds())
    offset = int((moment - EPOCH).total_seconds()) // seconds * seconds
    return EPOCH + timedelta(seconds=offset)


def period_of(config: ExportConfig) -> timedelta:
    return timedelta(seconds=config.period_seconds)


def pending_windows(config: ExportConfig, after: datetime | None, until: datetime) -> list[Window]:
    """Windows starting at ``after`` (default: the configured start) that ended before
    ``until`` minus the minimum window age."""
    period = period_of(config)
    cutoff = until - timedelta(seconds=config.min_window_age_seconds)
    start = after if after is not None else align(config.start_at, period)
    windows = []
    while start + period <= cutoff:
        windows.append(Window(config.region, start, start + period))
        start += period
    return windows


def region_filter(region: str) -> ColumnElement[bool]:
    """SQL: the comma-separated ``Exposure.regions`` lists ``region`` (exactly)."""
    return (literal(",") + Exposure.regions + literal(",")).like(f"%,{check_region(region)},%")


def create_export_config(
    session: Session,
    settings: ExportSettings,
    region: str,
    *,
    period: timedelta | None = None,
    min_window_age: timedelta | None = None,
    min_records: int | None = None,
    padding_range: int | None = None,
    max_records: int | None = None,
    start_at: datetime | None = None,
) -> ExportConfig:
    """A region's configuration; unset values come from ``settings``, and unsafe ones are
    refused unless ``settings.debug_allow_unsafe_batches``."""
    check_region(region)
    period = period if period is not None else settings.period
    min_window_age = min_window_age if min_window_age is not None else settings.min_window_age
    min_records = min_records if min_records is not None else settings.min_records
    padding_range = padding_range if padding_range is not None else settings.padding_range
    max_records = max_records if max_records is not None else settings.max_records
    problems = check_batch_parameters(
        period,
        min_window_age,
        min_records,
        padding_range,
        max_records,
        allow_unsafe=settings.debug_allow_unsafe_batches,
    )
    if problems:
        raise ExportConfigError(f"export config for {region}: {'; '.join(problems)}")
    if session.scalars(select(ExportConfig).where(ExportConfig.region == region)).first():
        raise ExportConfigError(f"region {region} already has an export config")
    now = datetime.now(UTC)
    row = ExportConfig(
        region=region,
        period_seconds=int(period.total_seconds()),
        min_window_age_seconds=int(min_window_age.total_seconds()),
        min_records=min_records,
        padding_range=padding_range,
        max_records=max_records,
        start_at=align(start_at or now, period),
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row


def _authority_regions(session: Session) -> set[str]:
    regions: set[str] = set()
    for listed in session.scalars(select(HealthAuthority.regions)):
        regions.update(r for r in listed.split(",") if REGION.match(r))
    return regions


def ensure_export_configs(
    session: Session, settings: ExportSettings, regions: Iterable[str] | None = None
) -> list[ExportConfig]:
    """Every region's config, creating default ones for regions a health authority serves
    (or ``regions``) that have none; a new config starts at the window of the region's oldest
    stored key, so keys published before the first export run are exported too."""
    existing = {c.region: c for c in session.scalars(select(ExportConfig))}
    wanted = set(regions) if regions is not None else _authority_regions(session)
    for region in sorted(wanted - set(existing)):
        oldest = session.scalar(select(func.min(Exposure.created_at)).where(region_filter(region)))
        existing[region] = create_export_config(session, settings, region, start_at=oldest)
    return [existing[r] for r in sorted(existing)]
