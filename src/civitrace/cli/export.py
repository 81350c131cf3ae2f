"""``civitrace export``: build, verify and sign GAEN key export files."""

import base64
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from civitrace.cli._output import CliError, print_json, read_bytes, read_json
from civitrace.cli._server import DataDirOption, DbOption, server_session
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
from civitrace.server.exports.batcher import ExportBatcher
from civitrace.server.exports.signing import create_signing_key, list_signing_keys, set_active
from civitrace.server.exports.storage import open_storage
from civitrace.server.keyring import ServerSecrets
from civitrace.server.runtime import open_database, server_settings

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


# --- server side: the batcher and its signing keys ---------------------------------------------


keys_app = typer.Typer(help="Export signing keys (encrypted at rest).", no_args_is_help=True)
app.add_typer(keys_app, name="keys")


def _parse_until(value: str | None) -> datetime:
    if value is None:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise CliError(f"--until: {value!r} is not an ISO-8601 date-time") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


@app.command()
def run(
    until: Annotated[
        str | None, typer.Option(help="Build windows ending before this (ISO-8601; default now).")
    ] = None,
    db: DbOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Build, sign and publish every pending export window of every region."""

    moment = _parse_until(until)
    if moment > datetime.now(UTC):
        print(
            "warning: --until is in the future; keys arriving later in windows built now "
            "will not be exported",
            file=sys.stderr,
        )
    settings = server_settings(db, data_dir)
    with open_database(settings) as engine:
        batcher = ExportBatcher(
            engine,
            open_storage(settings.exports, settings.data_dir),
            settings.exports,
            ServerSecrets.load(settings.data_dir).kek,
        )
        built = batcher.run(moment)
    for batch in built:
        print(
            f"{batch.region} {batch.start.isoformat()} {batch.end.isoformat()} "
            f"keys={batch.key_count} padding={batch.padding_count} "
            f"revised={batch.revised_key_count} files={','.join(batch.files)}"
        )
    print(f"built {len(built)} batches, {sum(len(b.files) for b in built)} files")


@keys_app.command("create")
def keys_create(
    key_id: Annotated[str, typer.Option(help="verification_key_id (e.g. the MCC, '310').")],
    key_version: Annotated[str, typer.Option(help="verification_key_version.")] = "v1",
    import_pem: Annotated[
        Path | None, typer.Option(help="Import this P-256 private key (PEM) instead of generating.")
    ] = None,
    inactive: Annotated[bool, typer.Option(help="Store it without signing with it yet.")] = False,
    db: DbOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Create an export signing key; prints its public key (PEM) to register with devices."""

    pem = read_bytes(import_pem, "--import-pem") if import_pem is not None else None
    with server_session(db, data_dir) as (settings, session):
        kek = ServerSecrets.load(settings.data_dir).kek
        row = create_signing_key(
            session, kek, key_id, key_version, private_key_pem=pem, active=not inactive
        )
        session.commit()
        print(row.public_key_pem, end="")


def _set_active(
    key_id: str, key_version: str, active: bool, db: str | None, dd: Path | None
) -> None:
    with server_session(db, dd) as (_, session):
        set_active(session, key_id, key_version, active)
        session.commit()
    print(f"export signing key {key_id!r} {key_version!r} {'active' if active else 'inactive'}")


@keys_app.command("activate")
def keys_activate(
    key_id: Annotated[str, typer.Option(help="verification_key_id.")],
    key_version: Annotated[str, typer.Option(help="verification_key_version.")],
    db: DbOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Sign new files with this key too (rotation: activate the new one first)."""
    _set_active(key_id, key_version, True, db, data_dir)


@keys_app.command("deactivate")
def keys_deactivate(
    key_id: Annotated[str, typer.Option(help="verification_key_id.")],
    key_version: Annotated[str, typer.Option(help="verification_key_version.")],
    db: DbOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Stop signing new files with this key."""
    _set_active(key_id, key_version, False, db, data_dir)


@keys_app.command("list")
def keys_list(db: DbOption = None, data_dir: DataDirOption = None) -> None:
    """Every export signing key as JSON: id, version, active, created, public key."""
    with server_session(db, data_dir) as (_, session):
        print_json(
            [
                {
                    "keyId": row.key_id,
                    "keyVersion": row.key_version,
                    "active": row.active,
                    "createdAt": row.created_at.isoformat(),
                    "publicKeyPem": row.public_key_pem,
                }
                for row in list_signing_keys(session)
            ]
        )
