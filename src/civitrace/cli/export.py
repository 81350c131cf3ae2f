"""``civitrace export``: build, verify and sign GAEN key export files."""

import base64
from pathlib import Path
from typing import Annotated, Any

import typer

from civitrace.cli._output import CliError, print_json, read_bytes, read_json
from civitrace.en import _primitives
from civitrace.en.constants import INTERVAL_SECONDS
from civitrace.en.export import (
    ExportBatch,
    ExportFile,
    ExportSigner,
    VerificationKey,
    build_export,
    verify_export,
)
from civitrace.en.publish_json import exposure_key_to_json, parse_key_list

app = typer.Typer(help="Signed key export files (export.bin + export.sig).", no_args_is_help=True)


@app.command()
def build(
    keys_file: Annotated[
        Path, typer.Argument(metavar="KEYS.json", help="Publish-API body or list of keys.")
    ],
    signing_key: Annotated[Path, typer.Option(help="ECDSA P-256 private key (PEM).")],
    region: Annotated[str, typer.Option(help="Region code written into the export.")],
    out: Annotated[Path, typer.Option(help="Where to write the export zip.")],
    key_id: Annotated[str, typer.Option(help="verification_key_id in the signature info.")] = "",
    key_version: Annotated[str, typer.Option(help="verification_key_version.")] = "v1",
    start: Annotated[int | None, typer.Option(help="start_timestamp (default: first key).")] = None,
    end: Annotated[int | None, typer.Option(help="end_timestamp (default: last key end).")] = None,
) -> None:
    """Build and sign an export file from keys in Google's publish-API v1 JSON."""
    keys = parse_key_list(read_json(keys_file, "KEYS.json"))
    signer = ExportSigner.from_pem(read_bytes(signing_key, "--signing-key"), key_id, key_version)
    if start is None:
        start = min((k.rolling_start_number for k in keys), default=0) * INTERVAL_SECONDS
    if end is None:
        end = max((k.end_interval for k in keys), default=0) * INTERVAL_SECONDS
    if not 0 <= start <= end < 2**64:
        raise CliError("--start and --end must satisfy 0 <= start <= end")
    zipped = build_export(ExportBatch(region, start, end, tuple(keys)), [signer])
    out.write_bytes(zipped)
    print(f"wrote {out} ({len(keys)} keys, {len(zipped)} bytes)")


def export_to_json(export: ExportFile) -> dict[str, Any]:
    """The JSON ``export verify`` prints (a stable contract for scripts)."""
    batch = export.batch
    return {
        "region": batch.region,
        "batchNum": batch.batch_num,
        "batchSize": batch.batch_size,
        "startTimestamp": batch.start_timestamp,
        "endTimestamp": batch.end_timestamp,
        "keys": [exposure_key_to_json(k) for k in batch.keys],
        "revisedKeys": [exposure_key_to_json(k) for k in batch.revised_keys],
        "signatures": [
            {
                "keyId": s.info.verification_key_id,
                "keyVersion": s.info.verification_key_version,
                "algorithm": s.info.signature_algorithm,
                "signature": base64.b64encode(s.signature).decode("ascii"),
            }
            for s in export.signatures
        ],
    }


@app.command()
def verify(
    export_file: Annotated[Path, typer.Argument(metavar="FILE.zip", help="The export zip.")],
    public_key: Annotated[Path, typer.Option(help="Trusted ECDSA P-256 public key (PEM).")],
    key_id: Annotated[str, typer.Option(help="Only accept signatures with this key id.")] = "",
    key_version: Annotated[str, typer.Option(help="Only accept this key version.")] = "",
) -> None:
    """Check an export's signature; print its content as JSON when it holds."""
    trusted = VerificationKey.from_pem(read_bytes(public_key, "--public-key"), key_id, key_version)
    print_json(export_to_json(verify_export(read_bytes(export_file, "FILE.zip"), [trusted])))


@app.command()
def keygen(
    out: Annotated[Path, typer.Option(help="Where to write the private key (PEM).")],
    public_out: Annotated[Path, typer.Option(help="Where to write the public key (PEM).")],
) -> None:
    """Create an ECDSA P-256 signing key pair for exports."""
    if out.exists():
        raise CliError(f"--out: {out} exists; refusing to overwrite a signing key")
    key = _primitives.generate_signing_key()
    out.touch(mode=0o600)
    out.write_bytes(_primitives.private_key_pem(key))
    public_out.write_bytes(_primitives.public_key_pem(key.public_key()))
    print(f"wrote {out} (private, mode 600) and {public_out} (public)")
