"""``CheckInProtectedReport``: a shared check-in that only people who know the venue can read.

Keys come from the location ID, which only someone who scanned (or holds) the QR code knows:

- encKey = SHA-256("CWA-ENCRYPTION-KEY" || locationId), AES-256-CBC with PKCS#7, random IV;
- macKey = SHA-256("CWA-MAC-KEY" || locationId), mac = HMAC-SHA256(macKey, iv || ciphertext);
- the report is addressed by locationIdHash = SHA-256(locationId).

Decryption checks the MAC before it touches the ciphertext. Fake reports, made of random bytes
of the same sizes, are indistinguishable from real ones to anyone without the location ID.
"""

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from google.protobuf.message import DecodeError

from civitrace.presence import _primitives
from civitrace.presence.checkin import CheckIn, CheckInRecord, LevelFor, shareable_records
from civitrace.presence.constants import (
    ENCRYPTED_RECORD_LENGTH,
    ENCRYPTION_KEY_PREFIX,
    IV_LENGTH,
    LOCATION_ID_LENGTH,
    MAC_KEY_PREFIX,
    MAC_LENGTH,
    MAX_EXTRA_FAKE_REPORTS,
    MIN_SUBMITTED_REPORTS,
)
from civitrace.presence.errors import CheckInError, ReportError
from civitrace.presence.payload import location_id_hash
from civitrace.presence.proto import presence_pb2 as pb

MAX_ENCRYPTED_RECORD_LENGTH = 1024  # real records are one block; refuse anything absurd


@dataclass(frozen=True, slots=True)
class CheckInProtectedReport:
    location_id_hash: bytes
    iv: bytes
    encrypted_check_in_record: bytes
    mac: bytes

    def __post_init__(self) -> None:
        for name, value, length in (
            ("locationIdHash", self.location_id_hash, LOCATION_ID_LENGTH),
            ("iv", self.iv, IV_LENGTH),
            ("mac", self.mac, MAC_LENGTH),
        ):
            if not isinstance(value, bytes) or len(value) != length:
                raise ReportError(f"a report's {name} must be {length} bytes")
        record = self.encrypted_check_in_record
        if not isinstance(record, bytes) or not record or len(record) % IV_LENGTH:
            raise ReportError("a report's encryptedCheckInRecord must be whole AES blocks")
        if len(record) > MAX_ENCRYPTED_RECORD_LENGTH:
            raise ReportError("a report's encryptedCheckInRecord is too long")

    def to_pb(self) -> pb.CheckInProtectedReport:
        return pb.CheckInProtectedReport(
            locationIdHash=self.location_id_hash,
            iv=self.iv,
            encryptedCheckInRecord=self.encrypted_check_in_record,
            mac=self.mac,
        )

    @classmethod
    def from_pb(cls, message: pb.CheckInProtectedReport) -> "CheckInProtectedReport":
        return cls(message.locationIdHash, message.iv, message.encryptedCheckInRecord, message.mac)


def encryption_key(location_id: bytes) -> bytes:
    return _primitives.sha256(ENCRYPTION_KEY_PREFIX, location_id)


def mac_key(location_id: bytes) -> bytes:
    return _primitives.sha256(MAC_KEY_PREFIX, location_id)


def _check_location_id(location_id: bytes) -> None:
    if not isinstance(location_id, bytes) or len(location_id) != LOCATION_ID_LENGTH:
        raise ReportError(f"a location ID must be {LOCATION_ID_LENGTH} bytes")


def encode_record(record: CheckInRecord) -> bytes:
    return pb.CheckInRecord(
        startIntervalNumber=record.start_interval_number,
        period=record.period,
        transmissionRiskLevel=record.transmission_risk_level,
    ).SerializeToString(deterministic=True)


def decode_record(data: bytes) -> CheckInRecord:
    message = pb.CheckInRecord()
    try:
        message.ParseFromString(data)
    except (DecodeError, RuntimeWarning, ValueError) as exc:
        raise ReportError(f"the decrypted record is not a valid protobuf: {exc}") from exc
    try:
        return CheckInRecord(
            message.startIntervalNumber, message.period, message.transmissionRiskLevel
        )
    except CheckInError as exc:
        raise ReportError(f"the decrypted record is out of range: {exc}") from exc


def encrypt_record(
    location_id: bytes, record: CheckInRecord, iv: bytes | None = None
) -> CheckInProtectedReport:
    """Encrypt one record; ``iv`` is random unless given (tests reproduce vectors with it)."""
    _check_location_id(location_id)
    iv = _primitives.random_bytes(IV_LENGTH) if iv is None else iv
    if len(iv) != IV_LENGTH:
        raise ReportError(f"an IV must be {IV_LENGTH} bytes")
    ciphertext = _primitives.aes256_cbc_encrypt(
        encryption_key(location_id), iv, encode_record(record)
    )
    mac = _primitives.hmac_sha256(mac_key(location_id), iv + ciphertext)
    return CheckInProtectedReport(location_id_hash(location_id), iv, ciphertext, mac)


def decrypt_report(location_id: bytes, report: CheckInProtectedReport) -> CheckInRecord:
    """Check the MAC, then decrypt and parse; any failure raises :class:`ReportError`."""
    _check_location_id(location_id)
    if report.location_id_hash != location_id_hash(location_id):
        raise ReportError("the report is addressed to another location")
    if not _primitives.hmac_sha256_verify(
        mac_key(location_id), report.iv + report.encrypted_check_in_record, report.mac
    ):
        raise ReportError("the report's MAC does not verify")
    try:
        plaintext = _primitives.aes256_cbc_decrypt(
            encryption_key(location_id), report.iv, report.encrypted_check_in_record
        )
    except ValueError as exc:
        raise ReportError(f"the report does not decrypt: {exc}") from exc
    return decode_record(plaintext)


def fake_report() -> CheckInProtectedReport:
    """Random bytes shaped like a real report: no one can tell it apart without the venue."""
    return CheckInProtectedReport(
        _primitives.random_bytes(LOCATION_ID_LENGTH),
        _primitives.random_bytes(IV_LENGTH),
        _primitives.random_bytes(ENCRYPTED_RECORD_LENGTH),
        _primitives.random_bytes(MAC_LENGTH),
    )


def pad_with_fakes(
    reports: Sequence[CheckInProtectedReport],
    minimum: int = MIN_SUBMITTED_REPORTS,
    max_extra: int = MAX_EXTRA_FAKE_REPORTS,
) -> list[CheckInProtectedReport]:
    """Real reports plus fakes, shuffled: at least ``minimum``, then 0..``max_extra`` more.

    The count then says nothing about how many venues a person visited (unless that number is
    above ``minimum``), and a submission with no real report looks like any other.
    """
    rng = random.SystemRandom()
    total = max(len(reports), minimum) + rng.randint(0, max_extra)
    padded = list(reports) + [fake_report() for _ in range(total - len(reports))]
    rng.shuffle(padded)
    return padded


def build_submission(
    check_ins: Iterable[CheckIn], level_for: LevelFor, minimum: int = MIN_SUBMITTED_REPORTS
) -> list[CheckInProtectedReport]:
    """The reports a person who tested positive submits for the check-ins they chose to share:
    filtered, decay-extended, aligned, split, encrypted, padded with fakes and shuffled."""
    reports = [
        encrypt_record(check_in.location_id, record)
        for check_in, record in shareable_records(check_ins, level_for)
    ]
    return pad_with_fakes(reports, minimum)
