"""The venue QR code payload: ``QRCodePayload`` with its ``TraceLocation``,
``CrowdNotifierData`` and ``CWALocationData`` (carried as ``vendorData`` bytes).

Decoding and validating are separate steps: :func:`decode_payload` only parses (any malformed
protobuf raises :class:`PayloadFormatError`), :func:`validate_payload` applies the scheme's
rules (a broken rule raises :class:`ValidationError` naming it). A :class:`Venue` keeps the raw
bytes it was read from, because the location ID is a hash of exactly those bytes: a
re-serialization may differ (field order, unknown fields) and would name another venue.
"""

import secrets
from dataclasses import dataclass, field
from enum import IntEnum

from google.protobuf.message import DecodeError, Message

from civitrace.presence import _primitives
from civitrace.presence.constants import (
    LOCATION_ID_PREFIX,
    MAX_CHECK_IN_LENGTH_MINUTES,
    MAX_TEXT_LENGTH,
    PAYLOAD_VERSION,
    SEED_LENGTH,
)
from civitrace.presence.errors import PayloadFormatError, ValidationError
from civitrace.presence.proto import presence_pb2 as pb


class TraceLocationType(IntEnum):
    """Kinds of venue; values are the wire enum's numbers."""

    UNSPECIFIED = 0
    PERMANENT_OTHER = 1
    TEMPORARY_OTHER = 2
    PERMANENT_RETAIL = 3
    PERMANENT_FOOD_SERVICE = 4
    PERMANENT_CRAFT = 5
    PERMANENT_WORKPLACE = 6
    PERMANENT_EDUCATIONAL_INSTITUTION = 7
    PERMANENT_PUBLIC_BUILDING = 8
    TEMPORARY_CULTURAL_EVENT = 9
    TEMPORARY_CLUB_ACTIVITY = 10
    TEMPORARY_PRIVATE_EVENT = 11
    TEMPORARY_WORSHIP_SERVICE = 12

    @property
    def is_permanent(self) -> bool:
        return self.name.startswith("PERMANENT_")

    @property
    def is_temporary(self) -> bool:
        return self.name.startswith("TEMPORARY_")

    @property
    def slug(self) -> str:
        """The command-line name, e.g. ``permanent-retail``."""
        return self.name.lower().replace("_", "-")

    @classmethod
    def parse(cls, text: str) -> "TraceLocationType":
        """A type from its slug, its enum name (with or without ``LOCATION_TYPE_``) or number."""
        value = text.strip()
        if value.isdecimal():
            try:
                return cls(int(value))
            except ValueError:
                pass
        else:
            name = value.upper().replace("-", "_").removeprefix("LOCATION_TYPE_")
            if name in cls.__members__:
                return cls[name]
        known = ", ".join(t.slug for t in cls if t is not cls.UNSPECIFIED)
        raise ValidationError("type.known", f"unknown venue type {text!r}; use one of: {known}")


@dataclass(frozen=True, slots=True)
class TraceLocation:
    """What a visitor sees: the venue's description, address and (for events) its times."""

    description: str
    address: str
    start_timestamp: int = 0  # unix seconds; 0 for permanent venues
    end_timestamp: int = 0
    version: int = PAYLOAD_VERSION


@dataclass(frozen=True, slots=True)
class CrowdNotifierData:
    """The cryptographic part; only the seed matters here (it makes each location ID unique)."""

    cryptographic_seed: bytes
    public_key: bytes = b""  # unused by this scheme; empty in payloads civitrace creates
    type: int = 0
    version: int = PAYLOAD_VERSION


@dataclass(frozen=True, slots=True)
class CWALocationData:
    """The vendor data: the venue type and the default length of a stay."""

    type: int  # a TraceLocationType value; kept as int so unknown numbers survive decoding
    default_check_in_length_minutes: int = 0
    version: int = PAYLOAD_VERSION


@dataclass(frozen=True, slots=True)
class QRCodePayload:
    """The whole payload as fields; :meth:`encode` gives deterministic bytes."""

    location: TraceLocation
    crowd_notifier: CrowdNotifierData
    vendor: CWALocationData
    version: int = PAYLOAD_VERSION
    vendor_data: bytes | None = field(default=None, compare=False)  # as read, if decoded

    @property
    def type(self) -> int:
        return self.vendor.type

    def encode(self) -> bytes:
        """Deterministic protobuf bytes; out-of-range numbers raise :class:`PayloadFormatError`."""
        try:
            return self._to_pb().SerializeToString(deterministic=True)
        except (ValueError, TypeError) as exc:
            raise PayloadFormatError(f"the payload cannot be encoded: {exc}") from exc

    def _to_pb(self) -> pb.QRCodePayload:
        vendor = pb.CWALocationData(
            version=self.vendor.version,
            type=self.vendor.type,  # type: ignore[arg-type]
            defaultCheckInLengthInMinutes=self.vendor.default_check_in_length_minutes,
        )
        return pb.QRCodePayload(
            version=self.version,
            locationData=pb.TraceLocation(
                version=self.location.version,
                description=self.location.description,
                address=self.location.address,
                startTimestamp=self.location.start_timestamp,
                endTimestamp=self.location.end_timestamp,
            ),
            crowdNotifierData=pb.CrowdNotifierData(
                version=self.crowd_notifier.version,
                publicKey=self.crowd_notifier.public_key,
                cryptographicSeed=self.crowd_notifier.cryptographic_seed,
                type=self.crowd_notifier.type,
            ),
            vendorData=(
                self.vendor_data
                if self.vendor_data is not None
                else vendor.SerializeToString(deterministic=True)
            ),
        )


def _parse(message: Message, data: bytes, what: str) -> None:
    try:
        message.ParseFromString(data)
    except (DecodeError, RuntimeWarning, ValueError, TypeError) as exc:
        raise PayloadFormatError(f"{what} is not a valid protobuf: {exc}") from exc


def decode_payload(raw: bytes) -> QRCodePayload:
    """Parse payload bytes without applying the rules (see :func:`validate_payload`)."""
    if not isinstance(raw, bytes):
        raise PayloadFormatError("a QR code payload must be bytes")
    if not raw:
        raise PayloadFormatError("the QR code payload is empty")
    message = pb.QRCodePayload()
    _parse(message, raw, "the QR code payload")
    vendor = pb.CWALocationData()
    _parse(vendor, message.vendorData, "the payload's vendorData (CWALocationData)")
    location, notifier = message.locationData, message.crowdNotifierData
    return QRCodePayload(
        location=TraceLocation(
            description=location.description,
            address=location.address,
            start_timestamp=location.startTimestamp,
            end_timestamp=location.endTimestamp,
            version=location.version,
        ),
        crowd_notifier=CrowdNotifierData(
            cryptographic_seed=notifier.cryptographicSeed,
            public_key=notifier.publicKey,
            type=notifier.type,
            version=notifier.version,
        ),
        vendor=CWALocationData(
            type=int(vendor.type),
            default_check_in_length_minutes=vendor.defaultCheckInLengthInMinutes,
            version=vendor.version,
        ),
        version=message.version,
        vendor_data=message.vendorData,
    )


def _check_text(value: str, name: str) -> None:
    if not value.strip():
        raise ValidationError(f"{name}.non-empty", f"the {name} must not be empty")
    if any(c in value for c in "\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"):
        raise ValidationError(f"{name}.single-line", f"the {name} must be a single line")
    if len(value) > MAX_TEXT_LENGTH:
        raise ValidationError(
            f"{name}.max-length",
            f"the {name} has {len(value)} characters; at most {MAX_TEXT_LENGTH} are allowed",
        )


def validate_payload(payload: QRCodePayload) -> None:
    """Apply every rule of the scheme; the first one broken raises :class:`ValidationError`."""
    location = payload.location
    _check_text(location.description, "description")
    _check_text(location.address, "address")
    seed = payload.crowd_notifier.cryptographic_seed
    if len(seed) != SEED_LENGTH:
        raise ValidationError(
            "seed.length", f"cryptographicSeed must be {SEED_LENGTH} bytes, got {len(seed)}"
        )
    start, end = location.start_timestamp, location.end_timestamp
    if (start or end) and start > end:
        raise ValidationError("time.order", "startTimestamp must not be after endTimestamp")
    try:
        kind = TraceLocationType(payload.vendor.type)
    except ValueError:
        kind = TraceLocationType.UNSPECIFIED
    if kind is TraceLocationType.UNSPECIFIED:
        raise ValidationError("type.known", f"unknown venue type {payload.vendor.type}")
    length = payload.vendor.default_check_in_length_minutes
    if kind.is_permanent:
        if start or end:
            raise ValidationError(
                "permanent.no-times", "a permanent venue carries no start or end time"
            )
        if not 1 <= length <= MAX_CHECK_IN_LENGTH_MINUTES:
            raise ValidationError(
                "permanent.check-in-length",
                f"a permanent venue needs defaultCheckInLengthInMinutes in "
                f"1..{MAX_CHECK_IN_LENGTH_MINUTES}, got {length}",
            )
    elif not start < end:
        raise ValidationError(
            "temporary.times", "a temporary venue needs a start time before its end time"
        )


def location_id(raw: bytes) -> bytes:
    """SHA-256("CWA-GUID" || raw payload bytes): the venue's secret identity."""
    return _primitives.sha256(LOCATION_ID_PREFIX, raw)


def location_id_hash(location_id_: bytes) -> bytes:
    """SHA-256(location ID): what warnings and reports publish."""
    return _primitives.sha256(location_id_)


@dataclass(frozen=True, slots=True)
class Venue:
    """A payload together with the exact bytes it travels as."""

    payload: QRCodePayload
    raw: bytes

    @classmethod
    def from_bytes(cls, raw: bytes, *, validate: bool = True) -> "Venue":
        payload = decode_payload(raw)
        if validate:
            validate_payload(payload)
        return cls(payload, raw)

    @classmethod
    def from_payload(cls, payload: QRCodePayload) -> "Venue":
        validate_payload(payload)
        return cls(payload, payload.encode())

    @classmethod
    def create(
        cls,
        description: str,
        address: str,
        *,
        type: TraceLocationType,
        default_check_in_length_minutes: int = 0,
        start_timestamp: int = 0,
        end_timestamp: int = 0,
        seed: bytes | None = None,
    ) -> "Venue":
        """A new venue with a fresh random seed, validated."""
        return cls.from_payload(
            QRCodePayload(
                location=TraceLocation(description, address, start_timestamp, end_timestamp),
                crowd_notifier=CrowdNotifierData(
                    seed if seed is not None else secrets.token_bytes(SEED_LENGTH)
                ),
                vendor=CWALocationData(int(type), default_check_in_length_minutes),
            )
        )

    @property
    def location_id(self) -> bytes:
        return location_id(self.raw)

    @property
    def location_id_hash(self) -> bytes:
        return location_id_hash(self.location_id)
