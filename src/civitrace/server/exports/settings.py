"""Settings of export batches: defaults of new region configurations, storage, retention.

Frozen once read, like every settings section. Values that would make uploads easier to pin in
time or to tell apart (a short window age, small batches) are refused unless the deployment sets
``debug_allow_unsafe_batches``, which exists for tests and demos only.
"""

from datetime import timedelta
from typing import Final, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

DAY: Final = timedelta(days=1)
MIN_WINDOW_AGE_FLOOR: Final = timedelta(hours=1)  # a release sooner pins upload times
MIN_RECORDS_FLOOR: Final = 100  # fewer keys per file make padding meaningless
MIN_CLEANUP_TTL: Final = timedelta(days=14)  # devices download 14 days of exports
MAX_RECORDS_LIMIT: Final = 500_000  # Google's EXPORT_FILE_MAX_RECORDS default and ceiling


class ExportSettings(BaseModel):
    """Export batches: defaults for new per-region configurations, storage and retention."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    period: timedelta = Field(
        default=timedelta(hours=1), description="default window length; must divide 24 h"
    )
    min_window_age: timedelta = Field(
        default=timedelta(hours=2), description="default time a window must be past its end"
    )
    min_records: int = Field(default=1000, description="default minimum keys per batch (padding)")
    padding_range: int = Field(default=100, description="default rand[0, range] extra padding")
    max_records: int = Field(default=MAX_RECORDS_LIMIT, description="default keys per file")
    cleanup_ttl: timedelta = Field(
        default=timedelta(days=14), description="export files older than this are deleted"
    )
    storage: Literal["local", "s3"] = Field(
        default="local", description="local: <data_dir>/exports; s3: an S3-compatible bucket"
    )
    s3_bucket: str = Field(default="", description="bucket of the s3 backend")
    s3_prefix: str = Field(default="", description="key prefix inside the bucket")
    s3_endpoint_url: str = Field(default="", description="S3-compatible endpoint; empty = AWS")
    s3_region: str = Field(default="", description="S3 region name; empty = boto3's default")
    debug_allow_unsafe_batches: bool = Field(
        default=False, description="UNSAFE: allow small batches and short window ages"
    )

    @model_validator(mode="after")
    def _refuse_unsafe(self) -> Self:
        problems = check_batch_parameters(
            self.period,
            self.min_window_age,
            self.min_records,
            self.padding_range,
            self.max_records,
            allow_unsafe=self.debug_allow_unsafe_batches,
        )
        if self.cleanup_ttl < MIN_CLEANUP_TTL and not self.debug_allow_unsafe_batches:
            problems.append(f"cleanup_ttl must be at least {MIN_CLEANUP_TTL.days} days")
        if self.storage == "s3" and not self.s3_bucket:
            problems.append("s3_bucket is required when storage is s3")
        if problems:
            raise ValueError("; ".join(problems))
        return self


def check_batch_parameters(
    period: timedelta,
    min_window_age: timedelta,
    min_records: int,
    padding_range: int,
    max_records: int,
    *,
    allow_unsafe: bool,
) -> list[str]:
    """Every problem with a batch configuration, as messages naming the field."""
    problems = []
    seconds = period.total_seconds()
    if seconds < 1 or seconds != int(seconds) or DAY.total_seconds() % seconds:
        problems.append("period must be whole seconds, at least 1 s, and divide 24 h evenly")
    if min_window_age < timedelta(0):
        problems.append("min_window_age must not be negative")
    elif min_window_age < MIN_WINDOW_AGE_FLOOR and not allow_unsafe:
        problems.append(f"min_window_age must be at least {MIN_WINDOW_AGE_FLOOR}")
    if min_records < 0:
        problems.append("min_records must not be negative")
    elif min_records < MIN_RECORDS_FLOOR and not allow_unsafe:
        problems.append(f"min_records must be at least {MIN_RECORDS_FLOOR}")
    if padding_range < 0:
        problems.append("padding_range must not be negative")
    if not 1 <= max_records <= MAX_RECORDS_LIMIT:
        problems.append(f"max_records must be 1..{MAX_RECORDS_LIMIT}")
    return problems
