"""``civitrace retention`` and ``civitrace federation``: batch jobs and their configuration.

Batch jobs take a cross-host job lock; when another host holds it they print
``error: another host is running <job> …`` and exit with 75 (``EX_TEMPFAIL``).
"""

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from civitrace.cli._output import CliError, fail, print_json, read_bytes
from civitrace.cli._server import DataDirOption, DbOption, server_session
from civitrace.server.exports.storage import open_storage
from civitrace.server.federation.peers import create_grant, create_peer, list_grants, list_peers
from civitrace.server.federation.peers import revoke_grant as _revoke_grant
from civitrace.server.federation.pull import pull as _pull
from civitrace.server.federation.signing import create_signing_key, ensure_signing_key
from civitrace.server.jobs.lock import JOB_BUSY_EXIT_CODE, JobAlreadyRunningError
from civitrace.server.keyring import ServerSecrets
from civitrace.server.retention import run_retention
from civitrace.server.runtime import open_database, server_settings

retention_app = typer.Typer(
    help="Delete records past their declared retention.", no_args_is_help=True
)
federation_app = typer.Typer(
    help="Share keys with other civitrace instances (signed, authenticated pulls).",
    no_args_is_help=True,
)
grant_app = typer.Typer(help="Peers allowed to pull keys from this instance.", no_args_is_help=True)
peer_app = typer.Typer(help="Instances this one pulls keys from.", no_args_is_help=True)
federation_app.add_typer(grant_app, name="grant")
federation_app.add_typer(peer_app, name="peer")

RegionsOption = Annotated[str, typer.Option(help="Comma-separated region codes, e.g. 'DE,FR'.")]


@contextmanager
def _busy_exits() -> Iterator[None]:
    """A held job lock is a one-line message and exit code 75, not a generic failure."""
    try:
        yield
    except JobAlreadyRunningError as exc:
        fail(str(exc), JOB_BUSY_EXIT_CODE)


def _parse_now(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise CliError(f"--now: {value!r} is not an ISO-8601 date-time") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _regions(value: str) -> list[str]:
    return [r.strip() for r in value.split(",") if r.strip()]


@retention_app.command("run")
def retention_run(
    db: DbOption = None,
    data_dir: DataDirOption = None,
    now: Annotated[
        str | None, typer.Option(help="Act as if it were this time (ISO-8601; default now).")
    ] = None,
) -> None:
    """Delete keys, codes, tokens, rate-limit buckets and export files past retention."""
    moment = _parse_now(now)
    settings = server_settings(db, data_dir)
    exports = settings.exports
    with _busy_exits(), open_database(settings) as engine:
        report = run_retention(
            engine,
            settings.retention,
            now=moment,
            exports=exports,
            storage=open_storage(exports, settings.data_dir),
            governance=settings.governance,
            presence=settings.presence,
        )
    for table, count in report.counts.items():
        print(f"{table}: {count} deleted")


@federation_app.command("pull")
def federation_pull(
    from_url: Annotated[
        str | None, typer.Option("--from", help="Base URL of the peer to pull from.")
    ] = None,
    peer: Annotated[str | None, typer.Option(help="Name of the configured peer.")] = None,
    db: DbOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Import a configured peer's new keys (verified, without duplicates)."""
    if from_url is None and peer is None:
        raise CliError("give --from URL or --peer NAME")
    settings = server_settings(db, data_dir)
    kek = ServerSecrets.load(settings.data_dir).kek
    with _busy_exits(), open_database(settings) as engine:
        result = _pull(
            engine,
            kek,
            url=from_url,
            peer_name=peer,
            settings=settings.federation,
            truncate_window=settings.publish.truncate_window,
        )
    print(
        f"{result.peer}: pages={result.pages} received={result.received} "
        f"inserted={result.inserted} too_old={result.too_old}"
    )


@federation_app.command("public-key")
def federation_public_key(db: DbOption = None, data_dir: DataDirOption = None) -> None:
    """Print (creating it on first use) the public key peers verify responses with."""
    with server_session(db, data_dir) as (settings, session):
        kek = ServerSecrets.load(settings.data_dir).kek
        row = ensure_signing_key(session, kek)
        session.commit()
        print(row.public_key_pem, end="")


@federation_app.command("rotate-key")
def federation_rotate_key(db: DbOption = None, data_dir: DataDirOption = None) -> None:
    """Replace the response signing key; give peers the printed public key."""
    with server_session(db, data_dir) as (settings, session):
        kek = ServerSecrets.load(settings.data_dir).kek
        row = create_signing_key(session, kek)
        session.commit()
        print(row.public_key_pem, end="")


@grant_app.command("add")
def grant_add(
    name: Annotated[str, typer.Argument(help="Name of the peer (e.g. its authority).")],
    regions: RegionsOption,
    only_travelers: Annotated[
        bool, typer.Option(help="Share only keys of uploaders who declared travel.")
    ] = False,
    db: DbOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Allow a peer to pull keys of REGIONS; prints its credential (shown once) as JSON."""
    with server_session(db, data_dir) as (settings, session):
        kek = ServerSecrets.load(settings.data_dir).kek
        issued = create_grant(session, name, _regions(regions), only_travelers=only_travelers)
        key = ensure_signing_key(session, kek)
        session.commit()
        print_json(
            {
                "name": issued.row.name,
                "regions": issued.row.regions.split(","),
                "onlyTravelers": issued.row.only_travelers,
                "credential": issued.credential,
                "publicKeyPem": key.public_key_pem,
            }
        )


@grant_app.command("list")
def grant_list(db: DbOption = None, data_dir: DataDirOption = None) -> None:
    """Every grant as JSON (never a credential)."""
    with server_session(db, data_dir) as (_, session):
        print_json(
            [
                {
                    "name": row.name,
                    "prefix": row.prefix,
                    "regions": row.regions.split(","),
                    "onlyTravelers": row.only_travelers,
                    "createdAt": row.created_at.isoformat(),
                    "revokedAt": row.revoked_at.isoformat() if row.revoked_at else None,
                }
                for row in list_grants(session)
            ]
        )


@grant_app.command("revoke")
def grant_revoke(
    name: Annotated[str, typer.Argument(help="Name of the grant.")],
    db: DbOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Refuse the grant's credential from now on."""
    with server_session(db, data_dir) as (_, session):
        _revoke_grant(session, name)
        session.commit()
    print(f"federation grant {name!r} revoked")


@peer_app.command("add")
def peer_add(
    name: Annotated[str, typer.Argument(help="Name of the peer; tags the keys imported.")],
    url: Annotated[str, typer.Option(help="Base URL of the peer's server.")],
    credential_file: Annotated[
        Path, typer.Option(help="File holding the credential the peer issued (not a flag: ps).")
    ],
    public_key: Annotated[Path, typer.Option(help="The peer's federation public key (PEM).")],
    regions: RegionsOption,
    db: DbOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Configure a peer to pull REGIONS from (its credential is stored encrypted)."""
    credential = read_bytes(credential_file, "--credential-file").decode("ascii", "replace")
    pem = read_bytes(public_key, "--public-key").decode("ascii", "replace")
    with server_session(db, data_dir) as (settings, session):
        kek = ServerSecrets.load(settings.data_dir).kek
        row = create_peer(
            session,
            kek,
            name,
            url=url,
            credential=credential.strip(),
            public_key_pem=pem,
            regions=_regions(regions),
        )
        session.commit()
    print(f"federation peer {row.name!r} at {row.url} for {row.regions}")


@peer_app.command("list")
def peer_list(db: DbOption = None, data_dir: DataDirOption = None) -> None:
    """Every peer as JSON, with its cursor (never the credential)."""
    with server_session(db, data_dir) as (_, session):
        print(
            json.dumps(
                [
                    {
                        "name": row.name,
                        "url": row.url,
                        "regions": row.regions.split(","),
                        "cursor": row.cursor,
                        "lastPulledAt": row.last_pulled_at.isoformat()
                        if row.last_pulled_at
                        else None,
                    }
                    for row in list_peers(session)
                ],
                indent=2,
            )
        )
