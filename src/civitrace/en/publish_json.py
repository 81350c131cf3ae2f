"""Keys in the JSON of Google's publish API v1 (``temporaryExposureKeys``).

Both the ``export build`` command and the key server read this form, so field-level errors are
reported here with the JSON path of the offending field.
"""

import base64
import binascii
from collections.abc import Mapping
from typing import Any

from civitrace.en.constants import KEY_LENGTH, TEK_ROLLING_PERIOD
from civitrace.en.errors import ENError, InvalidKeyError
from civitrace.en.keys import ReportType, TemporaryExposureKey

REPORT_TYPE_NAMES: Mapping[str, ReportType] = {
    "confirmed": ReportType.CONFIRMED_TEST,
    "likely": ReportType.CONFIRMED_CLINICAL_DIAGNOSIS,
    "negative": ReportType.REVOKED,
    "user-report": ReportType.SELF_REPORT,
}
"""The publish model's report-type strings and the export enum they become (Google's mapping)."""


class KeyFieldError(InvalidKeyError):
    """A publish-JSON key field is missing or invalid; ``field`` is its JSON path."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


def decode_key_base64(value: object, field: str) -> bytes:
    """Standard base64 with padding, exactly 16 bytes."""
    if not isinstance(value, str):
        raise KeyFieldError(field, "must be a base64 string")
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise KeyFieldError(field, "is not valid standard base64") from None
    if len(raw) != KEY_LENGTH:
        raise KeyFieldError(field, f"must decode to {KEY_LENGTH} bytes, got {len(raw)}")
    return raw


def _int_field(obj: Mapping[str, Any], name: str, path: str, default: int | None) -> int:
    value = obj.get(name, default)
    if value is None:
        raise KeyFieldError(f"{path}.{name}", "is required")
    if isinstance(value, bool) or not isinstance(value, int):
        raise KeyFieldError(f"{path}.{name}", "must be an integer")
    return value


def parse_exposure_key(obj: object, path: str = "temporaryExposureKeys[0]") -> TemporaryExposureKey:
    """One ``ExposureKey`` object; ``reportType`` and ``daysSinceOnsetOfSymptoms`` are optional
    civitrace extensions used when building exports from a key list."""
    if not isinstance(obj, Mapping):
        raise KeyFieldError(path, "must be an object")
    key_data = decode_key_base64(obj.get("key"), f"{path}.key")
    report_type = ReportType.UNKNOWN
    if "reportType" in obj:
        name = obj["reportType"]
        if name not in REPORT_TYPE_NAMES:
            raise KeyFieldError(f"{path}.reportType", f"must be one of {sorted(REPORT_TYPE_NAMES)}")
        report_type = REPORT_TYPE_NAMES[name]
    dsos = obj.get("daysSinceOnsetOfSymptoms")
    if dsos is not None and (isinstance(dsos, bool) or not isinstance(dsos, int)):
        raise KeyFieldError(f"{path}.daysSinceOnsetOfSymptoms", "must be an integer")
    values = {
        "rollingStartNumber": _int_field(obj, "rollingStartNumber", path, None),
        "rollingPeriod": _int_field(obj, "rollingPeriod", path, TEK_ROLLING_PERIOD),
        "transmissionRisk": _int_field(obj, "transmissionRisk", path, 0),
    }
    try:
        return TemporaryExposureKey(
            key_data=key_data,
            rolling_start_number=values["rollingStartNumber"],
            rolling_period=values["rollingPeriod"],
            transmission_risk_level=values["transmissionRisk"],
            report_type=report_type,
            days_since_onset_of_symptoms=dsos,
        )
    except ENError as exc:
        raise KeyFieldError(path, str(exc)) from exc


def parse_key_list(document: object) -> list[TemporaryExposureKey]:
    """A publish request body, or a bare list of its ``temporaryExposureKeys``."""
    if isinstance(document, Mapping):
        if "temporaryExposureKeys" not in document:
            raise KeyFieldError("temporaryExposureKeys", "is required")
        document = document["temporaryExposureKeys"]
    if not isinstance(document, list):
        raise KeyFieldError("temporaryExposureKeys", "must be a list")
    return [
        parse_exposure_key(item, f"temporaryExposureKeys[{i}]") for i, item in enumerate(document)
    ]


def exposure_key_to_json(key: TemporaryExposureKey) -> dict[str, Any]:
    """The JSON form ``export verify`` prints for a key."""
    return {
        "key": base64.b64encode(key.key_data).decode("ascii"),
        "rollingStartNumber": key.rolling_start_number,
        "rollingPeriod": key.rolling_period,
        "transmissionRisk": key.transmission_risk_level,
        "reportType": key.report_type.name,
        "daysSinceOnsetOfSymptoms": key.days_since_onset_of_symptoms,
    }
