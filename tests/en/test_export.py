"""The export codec: round trips, signatures, rotation, tampering and malformed input."""

import io
import subprocess
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from civitrace.en import _primitives
from civitrace.en.constants import EXPORT_HEADER
from civitrace.en.errors import ENError, ExportFormatError, SignatureError
from civitrace.en.export import (
    ExportBatch,
    ExportSigner,
    SignatureInfo,
    VerificationKey,
    build_export,
    decode_export_bin,
    encode_export_bin,
    read_export_zip,
    verify_export,
)
from civitrace.en.keys import ReportType, TemporaryExposureKey
from civitrace.en.proto import export_pb2 as pb

keys_strategy = st.builds(
    TemporaryExposureKey,
    key_data=st.binary(min_size=16, max_size=16),
    rolling_start_number=st.integers(0, 2**31 - 1),
    rolling_period=st.integers(1, 144),
    transmission_risk_level=st.integers(0, 8),
    report_type=st.sampled_from(ReportType),
    days_since_onset_of_symptoms=st.none() | st.integers(-14, 14),
)
batches = st.builds(
    ExportBatch,
    region=st.text(max_size=8),
    start_timestamp=st.integers(0, 2**64 - 1),
    end_timestamp=st.integers(0, 2**64 - 1),
    keys=st.lists(keys_strategy, max_size=8).map(tuple),
    revised_keys=st.lists(keys_strategy, max_size=3).map(tuple),
    batch_num=st.integers(1, 5),
    batch_size=st.integers(1, 5),
    signature_infos=st.lists(
        st.builds(
            SignatureInfo,
            st.from_regex(r"[a-z0-9_.]{0,6}", fullmatch=True),
            st.from_regex(r"[a-z0-9_]{0,4}", fullmatch=True),
        ),
        max_size=2,
    ).map(tuple),
)


@given(batches)
def test_export_bin_round_trip(batch: ExportBatch) -> None:
    data = encode_export_bin(batch)
    assert data.startswith(EXPORT_HEADER)
    assert decode_export_bin(data) == batch


def test_build_and_verify(
    signer: ExportSigner, verification_key: VerificationKey, sample_keys: list[TemporaryExposureKey]
) -> None:
    batch = ExportBatch("DE", 1_590_000_000, 1_590_003_600, tuple(sample_keys))
    export = verify_export(build_export(batch, [signer]), [verification_key])
    assert export.batch.region == "DE"
    assert sorted(export.batch.keys, key=lambda k: k.key_data) == list(export.batch.keys)
    assert set(export.batch.keys) == set(sample_keys)
    assert export.batch.signature_infos == (signer.info,)
    (signature,) = export.signatures
    assert (signature.batch_num, signature.batch_size) == (1, 1)


def test_build_is_deterministic_but_for_the_signature(
    signer: ExportSigner, sample_keys: list[TemporaryExposureKey]
) -> None:
    batch = ExportBatch("DE", 1, 2, tuple(sample_keys))
    first, second = (
        read_export_zip(build_export(batch, [signer])),
        read_export_zip(build_export(batch, [signer])),
    )
    assert first.export_bin == second.export_bin


def test_key_fields_written_like_googles_exporter() -> None:
    keys = (TemporaryExposureKey(bytes(16), 0), TemporaryExposureKey(b"\1" * 16, 288, 72, 3))
    msg = pb.TemporaryExposureKeyExport()
    msg.ParseFromString(encode_export_bin(ExportBatch("X", 0, 0, keys))[16:])
    default, partial = msg.keys
    assert not default.HasField("rolling_period")
    assert not default.HasField("rolling_start_interval_number")
    assert not default.HasField("report_type")
    assert not default.HasField("days_since_onset_of_symptoms")
    assert default.HasField("transmission_risk_level")
    assert partial.rolling_period == 72


def test_rotation_any_trusted_signature_is_enough(sample_keys: list[TemporaryExposureKey]) -> None:
    old, new = _primitives.generate_signing_key(), _primitives.generate_signing_key()
    signers = [
        ExportSigner(old, SignatureInfo("310", "v1")),
        ExportSigner(new, SignatureInfo("310", "v2")),
    ]
    data = build_export(ExportBatch("DE", 0, 1, tuple(sample_keys)), signers)
    assert len(read_export_zip(data).signatures) == 2
    for key, version in ((old, "v1"), (new, "v2")):
        verify_export(data, [VerificationKey(key.public_key(), "310", version)])
        verify_export(data, [VerificationKey(key.public_key())])
    with pytest.raises(SignatureError):  # right key, wrong version label
        verify_export(data, [VerificationKey(old.public_key(), "310", "v2")])
    with pytest.raises(SignatureError):
        verify_export(data, [VerificationKey(_primitives.generate_signing_key().public_key())])


def _rezip(export_bin: bytes, export_sig: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("export.bin", export_bin)
        archive.writestr("export.sig", export_sig)
    return buffer.getvalue()


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=150)
@given(data=st.data())
def test_any_single_byte_change_to_export_bin_fails(
    data: st.DataObject,
    signer: ExportSigner,
    verification_key: VerificationKey,
    sample_keys: list[TemporaryExposureKey],
) -> None:
    zipped = build_export(ExportBatch("DE", 0, 1, tuple(sample_keys)), [signer])
    with zipfile.ZipFile(io.BytesIO(zipped)) as archive:
        export_bin, export_sig = archive.read("export.bin"), archive.read("export.sig")
    position = data.draw(st.integers(0, len(export_bin) - 1))
    delta = data.draw(st.integers(1, 255))
    tampered = bytearray(export_bin)
    tampered[position] ^= delta
    with pytest.raises((SignatureError, ExportFormatError)):
        verify_export(_rezip(bytes(tampered), export_sig), [verification_key])


@given(st.binary(max_size=600))
def test_random_bytes_raise_our_error(blob: bytes) -> None:
    with pytest.raises(ENError):
        verify_export(blob, [])


@given(export_bin=st.binary(max_size=300), export_sig=st.binary(max_size=120))
def test_malformed_entries_raise_our_error(export_bin: bytes, export_sig: bytes) -> None:
    for candidate in (export_bin, EXPORT_HEADER + export_bin):
        with pytest.raises(ENError):
            verify_export(_rezip(candidate, export_sig), [])


@given(st.binary(min_size=1, max_size=200), st.integers(0, 199))
def test_corrupted_zip_parses_or_raises_our_error(noise: bytes, position: int) -> None:
    """Some corruptions are harmless (a version field); none may escape as a foreign error."""
    zipped = bytearray(_rezip(EXPORT_HEADER, b""))
    position %= len(zipped)
    zipped[position : position + len(noise)] = noise
    try:
        export = read_export_zip(bytes(zipped))
    except ENError:
        return
    assert export.batch.keys == ()


@pytest.mark.parametrize("missing", ["export.bin", "export.sig"])
def test_missing_entry(missing: str) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("export.bin" if missing == "export.sig" else "export.sig", b"")
    with pytest.raises(ExportFormatError, match=missing):
        read_export_zip(buffer.getvalue())


def test_zip_bomb_is_refused() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("export.bin", EXPORT_HEADER + bytes(65 * 1024 * 1024))
        archive.writestr("export.sig", b"")
    with pytest.raises(ExportFormatError, match="larger"):
        read_export_zip(buffer.getvalue())


def test_no_signer_is_refused() -> None:
    with pytest.raises(SignatureError):
        build_export(ExportBatch("DE", 0, 1), [])


def test_file_from_another_implementation_verifies(
    tmp_path: Path, sample_keys: list[TemporaryExposureKey]
) -> None:
    """Built with the raw protobuf classes, stored (not deflated), with extra zip entries, and
    signed by the openssl command line: nothing of civitrace's writer is involved."""
    key_path = tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", str(key_path)],
        check=True,
    )
    message = pb.TemporaryExposureKeyExport(
        start_timestamp=1_590_159_600,
        end_timestamp=1_590_163_200,
        region="310",
        batch_num=1,
        batch_size=1,
        signature_infos=[
            pb.SignatureInfo(
                verification_key_id="310",
                verification_key_version="v1",
                signature_algorithm="1.2.840.10045.4.3.2",
            )
        ],
        keys=[
            pb.TemporaryExposureKey(
                key_data=k.key_data,
                transmission_risk_level=1,
                rolling_start_interval_number=k.rolling_start_number,
                rolling_period=144,
            )
            for k in sample_keys
        ],
    )
    export_bin = b"EK Export v1    " + message.SerializeToString()
    (tmp_path / "export.bin").write_bytes(export_bin)
    signature = subprocess.run(
        ["openssl", "dgst", "-sha256", "-sign", str(key_path), str(tmp_path / "export.bin")],
        check=True,
        capture_output=True,
    ).stdout
    sig_list = pb.TEKSignatureList(
        signatures=[
            pb.TEKSignature(
                signature_info=message.signature_infos[0],
                batch_num=1,
                batch_size=1,
                signature=signature,
            )
        ]
    ).SerializeToString()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("export.bin", export_bin)
        archive.writestr("export.sig", sig_list)
        archive.writestr("README", b"extra entries are ignored")
    public_pem = subprocess.run(
        ["openssl", "ec", "-in", str(key_path), "-pubout"], check=True, capture_output=True
    ).stdout
    export = verify_export(buffer.getvalue(), [VerificationKey.from_pem(public_pem)])
    assert export.batch.region == "310"
    assert [k.key_data for k in export.batch.keys] == [k.key_data for k in sample_keys]


def test_our_signature_verifies_with_openssl(
    tmp_path: Path, signing_key: _primitives.PrivateKey, sample_keys: list[TemporaryExposureKey]
) -> None:
    zipped = build_export(ExportBatch("DE", 0, 1, tuple(sample_keys)), [ExportSigner(signing_key)])
    export = read_export_zip(zipped)
    (tmp_path / "export.bin").write_bytes(export.export_bin)
    (tmp_path / "sig.der").write_bytes(export.signatures[0].signature)
    (tmp_path / "pub.pem").write_bytes(_primitives.public_key_pem(signing_key.public_key()))
    result = subprocess.run(
        [
            "openssl",
            "dgst",
            "-sha256",
            "-verify",
            str(tmp_path / "pub.pem"),
            "-signature",
            str(tmp_path / "sig.der"),
            str(tmp_path / "export.bin"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Verified OK" in result.stdout
