"""The GAEN key export file: a zip holding ``export.bin`` and ``export.sig``.

``export.bin`` is the 16-byte header followed by a ``TemporaryExposureKeyExport`` protobuf;
``export.sig`` is a ``TEKSignatureList`` whose signatures are ECDSA P-256/SHA-256 over the
whole of ``export.bin``. Several signatures let an authority rotate its signing key: a device
accepts the file when any signature made by a key it trusts verifies.

The codec preserves key order so that decoding inverts encoding; :func:`build_export` is where
the exporter's policy (keys sorted by their bytes, as Google's server does, so that the order
says nothing about who uploaded what) is applied.
"""

import io
import zipfile
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from google.protobuf.message import DecodeError

from civitrace.en import _primitives
from civitrace.en.constants import (
    ECDSA_P256_SHA256_OID,
    EXPORT_BIN_NAME,
    EXPORT_HEADER,
    EXPORT_SIG_NAME,
    TEK_ROLLING_PERIOD,
)
from civitrace.en.errors import ENError, ExportFormatError, SignatureError
from civitrace.en.keys import ReportType, TemporaryExposureKey
from civitrace.en.proto import export_pb2 as pb

MAX_EXPORT_BIN_BYTES = 64 * 1024 * 1024  # 500 k keys take ~15 MB; refuse zip bombs well above
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # fixed, like Go's zip writer, so equal input gives equal bytes


@dataclass(frozen=True, slots=True)
class SignatureInfo:
    """Which key signed: devices are configured with the (id, version) they trust."""

    verification_key_id: str = ""
    verification_key_version: str = ""
    signature_algorithm: str = ECDSA_P256_SHA256_OID


@dataclass(frozen=True, slots=True)
class ExportBatch:
    """The content of ``export.bin``: one region's keys for one time window."""

    region: str
    start_timestamp: int
    end_timestamp: int
    keys: tuple[TemporaryExposureKey, ...] = ()
    revised_keys: tuple[TemporaryExposureKey, ...] = ()
    batch_num: int = 1
    batch_size: int = 1
    signature_infos: tuple[SignatureInfo, ...] = ()


@dataclass(frozen=True, slots=True)
class Signature:
    """One entry of ``export.sig``."""

    info: SignatureInfo
    signature: bytes
    batch_num: int = 1
    batch_size: int = 1


@dataclass(frozen=True, slots=True)
class ExportSigner:
    """A private key together with the SignatureInfo that names it."""

    private_key: _primitives.PrivateKey
    info: SignatureInfo = field(default_factory=SignatureInfo)

    @classmethod
    def from_pem(cls, pem: bytes, key_id: str = "", key_version: str = "") -> "ExportSigner":
        return cls(_primitives.load_private_key_pem(pem), SignatureInfo(key_id, key_version))


@dataclass(frozen=True, slots=True)
class VerificationKey:
    """A public key a device trusts; empty id/version match any signature entry."""

    public_key: _primitives.PublicKey
    key_id: str = ""
    key_version: str = ""

    @classmethod
    def from_pem(cls, pem: bytes, key_id: str = "", key_version: str = "") -> "VerificationKey":
        return cls(_primitives.load_public_key_pem(pem), key_id, key_version)

    def names(self, info: SignatureInfo) -> bool:
        return (not self.key_id or self.key_id == info.verification_key_id) and (
            not self.key_version or self.key_version == info.verification_key_version
        )


@dataclass(frozen=True, slots=True)
class ExportFile:
    """A parsed export zip: the batch, the exact signed bytes, and the signatures."""

    batch: ExportBatch
    export_bin: bytes
    signatures: tuple[Signature, ...]


# --- protobuf mapping -------------------------------------------------------------------------


def _key_to_pb(key: TemporaryExposureKey) -> pb.TemporaryExposureKey:
    """Set fields the way Google's exporter does: rolling_period only when not the default."""
    msg = pb.TemporaryExposureKey(
        key_data=key.key_data, transmission_risk_level=key.transmission_risk_level
    )
    if key.rolling_start_number:
        msg.rolling_start_interval_number = key.rolling_start_number
    if key.rolling_period != TEK_ROLLING_PERIOD:
        msg.rolling_period = key.rolling_period
    if key.report_type != ReportType.UNKNOWN:
        msg.report_type = int(key.report_type)  # type: ignore[assignment]
    if key.days_since_onset_of_symptoms is not None:
        msg.days_since_onset_of_symptoms = key.days_since_onset_of_symptoms
    return msg


def _key_from_pb(msg: pb.TemporaryExposureKey) -> TemporaryExposureKey:
    if not msg.HasField("key_data"):
        raise ExportFormatError("a key in export.bin has no key_data")
    dsos = (
        msg.days_since_onset_of_symptoms if msg.HasField("days_since_onset_of_symptoms") else None
    )
    try:
        return TemporaryExposureKey(
            key_data=msg.key_data,
            rolling_start_number=msg.rolling_start_interval_number,
            rolling_period=msg.rolling_period,
            transmission_risk_level=msg.transmission_risk_level,
            report_type=ReportType(msg.report_type),
            days_since_onset_of_symptoms=dsos,
        )
    except (ENError, ValueError) as exc:
        raise ExportFormatError(f"invalid key in export.bin: {exc}") from exc


def _info_to_pb(info: SignatureInfo) -> pb.SignatureInfo:
    msg = pb.SignatureInfo(signature_algorithm=info.signature_algorithm)
    if info.verification_key_id:
        msg.verification_key_id = info.verification_key_id
    if info.verification_key_version:
        msg.verification_key_version = info.verification_key_version
    return msg


def _info_from_pb(msg: pb.SignatureInfo) -> SignatureInfo:
    return SignatureInfo(
        verification_key_id=msg.verification_key_id,
        verification_key_version=msg.verification_key_version,
        signature_algorithm=msg.signature_algorithm,
    )


# --- export.bin -------------------------------------------------------------------------------


def encode_export_bin(batch: ExportBatch) -> bytes:
    """Header followed by the serialized ``TemporaryExposureKeyExport``."""
    msg = pb.TemporaryExposureKeyExport(
        start_timestamp=batch.start_timestamp,
        end_timestamp=batch.end_timestamp,
        region=batch.region,
        batch_num=batch.batch_num,
        batch_size=batch.batch_size,
        signature_infos=[_info_to_pb(i) for i in batch.signature_infos],
        keys=[_key_to_pb(k) for k in batch.keys],
        revised_keys=[_key_to_pb(k) for k in batch.revised_keys],
    )
    return EXPORT_HEADER + msg.SerializeToString(deterministic=True)


def decode_export_bin(data: bytes) -> ExportBatch:
    """Parse ``export.bin``; every malformation raises :class:`ExportFormatError`."""
    if not data.startswith(EXPORT_HEADER):
        raise ExportFormatError("export.bin does not start with the 'EK Export v1' header")
    msg = pb.TemporaryExposureKeyExport()
    try:
        msg.ParseFromString(data[len(EXPORT_HEADER) :])
    except (DecodeError, RuntimeWarning, ValueError) as exc:
        raise ExportFormatError(f"export.bin is not a valid protobuf: {exc}") from exc
    return ExportBatch(
        region=msg.region,
        start_timestamp=msg.start_timestamp,
        end_timestamp=msg.end_timestamp,
        keys=tuple(_key_from_pb(k) for k in msg.keys),
        revised_keys=tuple(_key_from_pb(k) for k in msg.revised_keys),
        batch_num=msg.batch_num,
        batch_size=msg.batch_size,
        signature_infos=tuple(_info_from_pb(i) for i in msg.signature_infos),
    )


# --- export.sig -------------------------------------------------------------------------------


def encode_signature_list(signatures: Iterable[Signature]) -> bytes:
    msg = pb.TEKSignatureList(
        signatures=[
            pb.TEKSignature(
                signature_info=_info_to_pb(s.info),
                batch_num=s.batch_num,
                batch_size=s.batch_size,
                signature=s.signature,
            )
            for s in signatures
        ]
    )
    return msg.SerializeToString(deterministic=True)


def decode_signature_list(data: bytes) -> tuple[Signature, ...]:
    msg = pb.TEKSignatureList()
    try:
        msg.ParseFromString(data)
    except (DecodeError, RuntimeWarning, ValueError) as exc:
        raise ExportFormatError(f"export.sig is not a valid protobuf: {exc}") from exc
    return tuple(
        Signature(
            info=_info_from_pb(s.signature_info),
            signature=s.signature,
            batch_num=s.batch_num,
            batch_size=s.batch_size,
        )
        for s in msg.signatures
    )


def sign_export_bin(
    export_bin: bytes, signers: Sequence[ExportSigner], batch_num: int = 1, batch_size: int = 1
) -> tuple[Signature, ...]:
    """One DER ECDSA signature over the whole ``export.bin`` per signer."""
    return tuple(
        Signature(s.info, _primitives.ecdsa_sign(s.private_key, export_bin), batch_num, batch_size)
        for s in signers
    )


# --- the zip ----------------------------------------------------------------------------------


def _zip_entry(info_name: str) -> zipfile.ZipInfo:
    entry = zipfile.ZipInfo(info_name, date_time=_ZIP_DATE)
    entry.compress_type = zipfile.ZIP_DEFLATED
    return entry


def write_export_zip(export_bin: bytes, signatures: Sequence[Signature]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(_zip_entry(EXPORT_BIN_NAME), export_bin)
        archive.writestr(_zip_entry(EXPORT_SIG_NAME), encode_signature_list(signatures))
    return buffer.getvalue()


def build_export(batch: ExportBatch, signers: Sequence[ExportSigner]) -> bytes:
    """A signed export zip. Keys are sorted by their bytes; every signer is listed in the
    file's ``signature_infos`` and signs it."""
    if not signers:
        raise SignatureError("an export needs at least one signer")
    ordered = ExportBatch(
        region=batch.region,
        start_timestamp=batch.start_timestamp,
        end_timestamp=batch.end_timestamp,
        keys=tuple(sorted(batch.keys, key=lambda k: k.key_data)),
        revised_keys=tuple(sorted(batch.revised_keys, key=lambda k: k.key_data)),
        batch_num=batch.batch_num,
        batch_size=batch.batch_size,
        signature_infos=tuple(s.info for s in signers),
    )
    export_bin = encode_export_bin(ordered)
    return write_export_zip(
        export_bin, sign_export_bin(export_bin, signers, batch.batch_num, batch.batch_size)
    )


def _read_entry(archive: zipfile.ZipFile, name: str) -> bytes:
    try:
        info = archive.getinfo(name)
    except KeyError:
        raise ExportFormatError(f"the export zip has no {name}") from None
    if info.file_size > MAX_EXPORT_BIN_BYTES:
        raise ExportFormatError(f"{name} is larger than {MAX_EXPORT_BIN_BYTES} bytes")
    with archive.open(info) as stream:
        data = stream.read(MAX_EXPORT_BIN_BYTES + 1)
    if len(data) > MAX_EXPORT_BIN_BYTES:
        raise ExportFormatError(f"{name} is larger than {MAX_EXPORT_BIN_BYTES} bytes")
    return data


def read_export_zip(data: bytes) -> ExportFile:
    """Parse an export zip without checking its signature (see :func:`verify_export`)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            export_bin = _read_entry(archive, EXPORT_BIN_NAME)
            export_sig = _read_entry(archive, EXPORT_SIG_NAME)
    except ExportFormatError:
        raise
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        zlib.error,
        EOFError,
        OSError,
        ValueError,
        NotImplementedError,
        RuntimeError,
    ) as exc:
        raise ExportFormatError(f"not a valid export zip: {exc}") from exc
    return ExportFile(decode_export_bin(export_bin), export_bin, decode_signature_list(export_sig))


def verify_export(data: bytes, trusted: Sequence[VerificationKey]) -> ExportFile:
    """Parse and verify an export zip; return it only if a trusted key's signature holds."""
    export = read_export_zip(data)
    if not export.signatures:
        raise SignatureError("export.sig holds no signature")
    for signature in export.signatures:
        if signature.info.signature_algorithm not in ("", ECDSA_P256_SHA256_OID):
            continue
        for key in trusted:
            if key.names(signature.info) and _primitives.ecdsa_verify(
                key.public_key, signature.signature, export.export_bin
            ):
                return export
    raise SignatureError("no signature in export.sig verifies with a trusted key")
