"""Temporary Exposure Keys: what a device generates daily and, with consent, publishes."""

import secrets
from dataclasses import dataclass
from enum import IntEnum

from civitrace.en.constants import (
    KEY_LENGTH,
    MAX_DAYS_SINCE_ONSET,
    MAX_ROLLING_PERIOD,
    MAX_TRANSMISSION_RISK,
    TEK_ROLLING_PERIOD,
)
from civitrace.en.errors import InvalidKeyError
from civitrace.en.intervals import rolling_start


class ReportType(IntEnum):
    """Diagnosis report types; values are the export format's enum numbers."""

    UNKNOWN = 0
    CONFIRMED_TEST = 1
    CONFIRMED_CLINICAL_DIAGNOSIS = 2
    SELF_REPORT = 3
    RECURSIVE = 4
    REVOKED = 5


@dataclass(frozen=True, slots=True)
class TemporaryExposureKey:
    """A TEK with the metadata an export carries for it.

    Validation happens here, once, so every codec and the matching engine can trust a key.
    ``days_since_onset_of_symptoms`` is ``None`` when unknown, which the export leaves unset.
    """

    key_data: bytes
    rolling_start_number: int
    rolling_period: int = TEK_ROLLING_PERIOD
    transmission_risk_level: int = 0
    report_type: ReportType = ReportType.UNKNOWN
    days_since_onset_of_symptoms: int | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.key_data, bytes) or len(self.key_data) != KEY_LENGTH:
            raise InvalidKeyError(f"key_data must be {KEY_LENGTH} bytes")
        if not 0 <= self.rolling_start_number < 2**31:
            raise InvalidKeyError("rolling_start_number must be a non-negative int32")
        if not 1 <= self.rolling_period <= MAX_ROLLING_PERIOD:
            raise InvalidKeyError(f"rolling_period must be 1..{MAX_ROLLING_PERIOD}")
        if not 0 <= self.transmission_risk_level <= MAX_TRANSMISSION_RISK:
            raise InvalidKeyError(f"transmission_risk_level must be 0..{MAX_TRANSMISSION_RISK}")
        dsos = self.days_since_onset_of_symptoms
        if dsos is not None and not -MAX_DAYS_SINCE_ONSET <= dsos <= MAX_DAYS_SINCE_ONSET:
            raise InvalidKeyError(
                f"days_since_onset_of_symptoms must be -{MAX_DAYS_SINCE_ONSET}.."
                f"{MAX_DAYS_SINCE_ONSET}"
            )
        try:
            object.__setattr__(self, "report_type", ReportType(self.report_type))
        except ValueError:
            raise InvalidKeyError(f"report_type must be one of {list(ReportType)}") from None

    @property
    def end_interval(self) -> int:
        """First interval after the key's validity."""
        return self.rolling_start_number + self.rolling_period


def generate_tek(interval: int) -> TemporaryExposureKey:
    """A fresh random TEK for the UTC day containing ``interval``."""
    return TemporaryExposureKey(
        key_data=secrets.token_bytes(KEY_LENGTH),
        rolling_start_number=rolling_start(interval),
    )
