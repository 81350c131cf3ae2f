"""JSON documents of the statistics routes, for ``/openapi.json`` and request parsing.

``POST /v1/usage`` is strict like the key server's API: no coercion, unknown fields refused by
name, every field bounded. The download documents are described here; the views serve the
stored release JSON as it is.
"""

from typing import Final

from pydantic import BaseModel, ConfigDict, Field

from civitrace.analytics.constants import USAGE_EPSILON

_REQUEST = ConfigDict(strict=True, extra="forbid", allow_inf_nan=False)
_RESPONSE = ConfigDict(populate_by_name=True)

PADDING_DOC: Final = "Random base64 padding; ignored on requests, 1-2 KiB random on responses"
RELEASE_ID_PATTERN: Final = r"^[0-9a-f]{16,32}$"


class UsageFlags(BaseModel):
    """Every declared flag (``USAGE_FLAGS``), each already randomized on the device."""

    model_config = _REQUEST

    received_notification: bool = Field(description="the app showed an exposure notification")
    uploaded_keys: bool = Field(description="the user shared their keys after a positive test")
    checked_in: bool = Field(description="the user checked in at a venue")


class UsageRequest(BaseModel):
    """``POST /v1/usage``: one device's randomized answers; nothing identifies the device."""

    model_config = _REQUEST

    epsilon: float = Field(
        description=f"ε the device randomized each flag with; must be {USAGE_EPSILON:g}"
    )
    flags: UsageFlags
    padding: str | None = Field(default=None, max_length=4096, description=PADDING_DOC)


class UsageResponse(BaseModel):
    """The same answer for an accepted report and for chaff."""

    model_config = _RESPONSE

    padding: str = Field(description=PADDING_DOC)


class UsageErrorResponse(BaseModel):
    """A refused report, in the key server's error shape (``/v1/``)."""

    model_config = _RESPONSE

    error: str = Field(description="what is wrong, naming the field")
    code: str = Field(description="error code (bad_request)")
    padding: str = Field(description=PADDING_DOC)


class WindowDocument(BaseModel):
    start: str = Field(description="first day (ISO date)")
    end: str = Field(description="last day (ISO date), inclusive")


class CellDocument(BaseModel):
    """One published number; value and interval are null when suppressed."""

    region: str
    day: str = Field(description="ISO date; for weekly cells the window's first day")
    age_band: str
    value: float | None
    low: float | None = Field(description="lower end of the 95 % interval")
    high: float | None = Field(description="upper end of the 95 % interval")
    suppressed: bool = Field(description="value within the noise of zero: not shown")


class ReleaseDocument(BaseModel):
    """A differentially private release as stored and served."""

    release_id: str
    kind: str
    mechanism: str
    epsilon: float
    delta: float
    sensitivity: int
    contributions_per_person: int
    noise_scale: float
    window: WindowDocument
    period: str = Field(description="budget period (ISO week)")
    granularity: str
    confidence: float
    suppression_threshold: float
    notes: str
    derived_from: list[str]
    cells: list[CellDocument]
    totals: list[CellDocument]
    published_at: str


class ReleaseSummaryDocument(BaseModel):
    release_id: str
    kind: str
    period: str
    window: WindowDocument
    granularity: str
    epsilon: float
    delta: float
    derived_from: list[str]
    published_at: str
    json_url: str = Field(alias="json", description="path of the JSON download")
    csv_url: str = Field(alias="csv", description="path of the CSV download")


class BudgetDocument(BaseModel):
    epsilon: float
    delta: float


class PeriodDocument(BaseModel):
    period: str
    budget: BudgetDocument = Field(description="what the period may spend")
    spent: BudgetDocument = Field(description="what its releases spent together")
    releases: int = Field(description="ledger lines (charged releases) of the period")


class ReleaseListDocument(BaseModel):
    releases: list[ReleaseSummaryDocument]
    periods: list[PeriodDocument] = Field(description="the privacy-budget ledger per period")


class FlagEstimateDocument(BaseModel):
    reports: int
    proportion: float | None = Field(description="unbiased share of devices with the flag")
    stderr: float | None
    low: float | None
    high: float | None
    count: float | None
    count_low: float | None
    count_high: float | None
    suppressed: bool


class UsageDayDocument(BaseModel):
    day: str
    estimates: dict[str, FlagEstimateDocument]


class UsageTotalDocument(BaseModel):
    first_day: str | None
    last_day: str | None
    estimates: dict[str, FlagEstimateDocument]


class UsageEstimatesDocument(BaseModel):
    mechanism: str
    epsilon_per_flag: float
    keep_probability: float
    confidence: float
    min_reports: int
    flags: list[str]
    notes: str
    days: list[UsageDayDocument]
    total: UsageTotalDocument
