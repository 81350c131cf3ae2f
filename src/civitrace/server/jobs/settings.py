"""Settings sections of the retention and federation jobs (frozen, unsafe values refused).

Kept free of other server imports so :mod:`civitrace.server.settings` can embed them.
Longer retention widens collection, so every retention has a ceiling; shorter ones that would
break a protocol (codes deleted while still redeemable, rate-limit buckets deleted while still
counted) are impossible by construction: those retentions count from *expiry*.
"""

from datetime import timedelta
from typing import Final, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

MAX_EXPOSURE_RETENTION: Final = timedelta(days=21)  # devices need 14 days; more is hoarding
MIN_EXPOSURE_RETENTION: Final = timedelta(days=1)  # shorter drops keys before their export
MAX_AFTER_EXPIRY: Final = timedelta(days=7)  # expired codes/tokens are useless past this
MIN_FAILED_GUESS_RETENTION: Final = timedelta(days=1)  # >= the longest rate-limit window
MAX_FAILED_GUESS_RETENTION: Final = timedelta(days=7)
MAX_RETENTION_INTERVAL: Final = timedelta(days=1)  # data may outlive retention by this much at most
MAX_PAGE_SIZE: Final = 5000  # keys per federation response; bounds memory on both sides


class RetentionSettings(BaseModel):
    """How long ``civitrace retention run`` keeps each kind of record."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    exposures: timedelta = Field(
        default=timedelta(days=14), description="published keys, counted from created_at"
    )
    codes_after_expiry: timedelta = Field(
        default=timedelta(hours=1),
        description="verification codes, counted from the later of their two expiries",
    )
    tokens_after_expiry: timedelta = Field(
        default=timedelta(hours=1), description="verification tokens, counted from expiry"
    )
    failed_guesses: timedelta = Field(
        default=timedelta(days=1), description="failed-guess buckets, counted from their start"
    )
    run_every: timedelta = Field(
        default=timedelta(hours=1),
        description="how often `serve` enforces retention itself (0: never, leave it to cron)",
    )

    @model_validator(mode="after")
    def _refuse_unsafe(self) -> Self:
        problems = []
        if not MIN_EXPOSURE_RETENTION <= self.exposures <= MAX_EXPOSURE_RETENTION:
            problems.append(
                f"exposures must be {MIN_EXPOSURE_RETENTION.days}.."
                f"{MAX_EXPOSURE_RETENTION.days} days"
            )
        for name in ("codes_after_expiry", "tokens_after_expiry"):
            if not timedelta(0) <= getattr(self, name) <= MAX_AFTER_EXPIRY:
                problems.append(f"{name} must be 0..{MAX_AFTER_EXPIRY.days} days")
        if not MIN_FAILED_GUESS_RETENTION <= self.failed_guesses <= MAX_FAILED_GUESS_RETENTION:
            problems.append(
                f"failed_guesses must be {MIN_FAILED_GUESS_RETENTION.days}.."
                f"{MAX_FAILED_GUESS_RETENTION.days} days"
            )
        if not timedelta(0) <= self.run_every <= MAX_RETENTION_INTERVAL:
            problems.append(f"run_every must be 0..{MAX_RETENTION_INTERVAL.days} day")
        if problems:
            raise ValueError("; ".join(problems))
        return self


class FederationSettings(BaseModel):
    """Serving and pulling keys between civitrace instances."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    page_size: int = Field(default=1000, description="most keys in one fetch response")
    pull_timeout: timedelta = Field(
        default=timedelta(seconds=30), description="HTTP timeout of one fetch when pulling"
    )
    max_pages_per_pull: int = Field(default=10_000, description="stop a pull after this many pages")

    @model_validator(mode="after")
    def _refuse_unsafe(self) -> Self:
        problems = []
        if not 1 <= self.page_size <= MAX_PAGE_SIZE:
            problems.append(f"page_size must be 1..{MAX_PAGE_SIZE}")
        if not timedelta(seconds=1) <= self.pull_timeout <= timedelta(minutes=10):
            problems.append("pull_timeout must be 1 s..10 min")
        if self.max_pages_per_pull < 1:
            problems.append("max_pages_per_pull must be at least 1")
        if problems:
            raise ValueError("; ".join(problems))
        return self
