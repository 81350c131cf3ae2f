"""``TraceWarningPackage``: what an authority publishes per hour and region.

A package holds encrypted ``CheckInProtectedReport``\\ s (the scheme's current form) and, for
readers of the older unencrypted form, ``TraceTimeIntervalWarning``\\ s. ``interval_number``
counts hours since the epoch.
"""

from dataclasses import dataclass

from google.protobuf.message import DecodeError

from civitrace.presence.checkin import CheckInRecord
from civitrace.presence.constants import LOCATION_ID_LENGTH, WARNING_PACKAGE_SECONDS
from civitrace.presence.errors import CheckInError, ReportError, WarningPackageError
from civitrace.presence.proto import presence_pb2 as pb
from civitrace.presence.report import CheckInProtectedReport

MAX_PACKAGE_BYTES = 64 * 1024 * 1024  # about a million reports; refuse anything larger
_MAX_UINT32 = 2**32 - 1


@dataclass(frozen=True, slots=True)
class TraceTimeIntervalWarning:
    """An unencrypted warning: a location ID hash and the risky intervals."""

    location_id_hash: bytes
    record: CheckInRecord


@dataclass(frozen=True, slots=True)
class TraceWarningPackage:
    interval_number: int  # hours since the epoch
    region: str
    reports: tuple[CheckInProtectedReport, ...] = ()
    warnings: tuple[TraceTimeIntervalWarning, ...] = ()

    def __post_init__(self) -> None:
        if not 0 <= self.interval_number <= _MAX_UINT32:
            raise WarningPackageError("intervalNumber must be a uint32 (hours since the epoch)")

    @property
    def start(self) -> int:
        """Unix seconds at which the package's hour begins."""
        return self.interval_number * WARNING_PACKAGE_SECONDS


def hour_interval(timestamp: int) -> int:
    """The package interval number (hours since the epoch) of a unix time."""
    return timestamp // WARNING_PACKAGE_SECONDS


def encode_package(package: TraceWarningPackage) -> bytes:
    try:
        message = pb.TraceWarningPackage(
            intervalNumber=package.interval_number,
            region=package.region,
            timeIntervalWarnings=[
                pb.TraceTimeIntervalWarning(
                    locationIdHash=w.location_id_hash,
                    startIntervalNumber=w.record.start_interval_number,
                    period=w.record.period,
                    transmissionRiskLevel=w.record.transmission_risk_level,
                )
                for w in package.warnings
            ],
            checkInProtectedReports=[r.to_pb() for r in package.reports],
        )
        return message.SerializeToString(deterministic=True)
    except (ValueError, TypeError) as exc:
        raise WarningPackageError(f"the package cannot be encoded: {exc}") from exc


def _warning_from_pb(message: pb.TraceTimeIntervalWarning) -> TraceTimeIntervalWarning:
    if len(message.locationIdHash) != LOCATION_ID_LENGTH:
        raise WarningPackageError(f"a warning's locationIdHash must be {LOCATION_ID_LENGTH} bytes")
    try:
        record = CheckInRecord(
            message.startIntervalNumber, message.period, message.transmissionRiskLevel
        )
    except CheckInError as exc:
        raise WarningPackageError(f"a warning is out of range: {exc}") from exc
    return TraceTimeIntervalWarning(message.locationIdHash, record)


def decode_package(data: bytes) -> TraceWarningPackage:
    """Parse a package; every malformation raises :class:`WarningPackageError`."""
    if not isinstance(data, bytes):
        raise WarningPackageError("a warning package must be bytes")
    if len(data) > MAX_PACKAGE_BYTES:
        raise WarningPackageError(f"the package is larger than {MAX_PACKAGE_BYTES} bytes")
    message = pb.TraceWarningPackage()
    try:
        message.ParseFromString(data)
    except (DecodeError, RuntimeWarning, ValueError) as exc:
        raise WarningPackageError(f"not a valid TraceWarningPackage: {exc}") from exc
    try:
        reports = tuple(CheckInProtectedReport.from_pb(r) for r in message.checkInProtectedReports)
    except ReportError as exc:
        raise WarningPackageError(f"a report in the package is malformed: {exc}") from exc
    return TraceWarningPackage(
        interval_number=message.intervalNumber,
        region=message.region,
        reports=reports,
        warnings=tuple(_warning_from_pb(w) for w in message.timeIntervalWarnings),
    )
