"""``civitrace admin``: health authorities, API keys, and token/certificate signing keys.

Every command takes ``--db`` and ``--data-dir`` (over ``CIVITRACE_DATABASE_URL`` and
``CIVITRACE_DATA_DIR``) and works on a database at the newest schema (``civitrace serve``
migrates it). Listings are Rich tables; an API key is printed once, when it is created, alone
on stdout so scripts can capture it; listings show only its non-secret prefix.
"""

import sys
from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.orm import Session

from civitrace.cli import staff
from civitrace.cli._output import CliError
from civitrace.cli._server import DataDirOption, DbOption, server_session
from civitrace.server.apikeys import create_api_key
from civitrace.server.authorities import create_health_authority
from civitrace.server.db import current_revision
from civitrace.server.db.models import ApiKey, ApiKeyType, HealthAuthority, SigningKey
from civitrace.server.db.models import SigningKeyPurpose as Purpose
from civitrace.server.exports.config import check_region
from civitrace.server.keyring import ServerSecrets, SigningKeyRing
from civitrace.server.runtime import open_database, redacted_url, server_settings

app = typer.Typer(
    help="Manage health authorities, API keys and signing keys.", no_args_is_help=True
)
authority_app = typer.Typer(help="Health authorities (Google's realms).", no_args_is_help=True)
apikey_app = typer.Typer(help="API keys (ADMIN for staff systems, DEVICE for apps).")
signing_app = typer.Typer(help="ES256 keys that sign verification tokens and certificates.")
for _sub in (apikey_app, signing_app):
    _sub.info.no_args_is_help = True
app.add_typer(authority_app, name="authority")
app.add_typer(apikey_app, name="api-key")
app.add_typer(signing_app, name="signing-key")
app.add_typer(staff.app, name="staff")

AuthorityOption = Annotated[
    str, typer.Option("--authority", help="Health authority: its name or numeric id.")
]


def _console() -> Console:
    """Rich on stdout; wide when not a terminal, so piped tables are not cut."""
    return Console() if sys.stdout.isatty() else Console(width=200)


def _when(moment: datetime | None) -> str:
    return "" if moment is None else moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _find_authority(session: Session, reference: str) -> HealthAuthority:
    query = select(HealthAuthority)
    if reference.strip().isdigit():
        query = query.where(HealthAuthority.id == int(reference))
    else:
        query = query.where(HealthAuthority.name == reference.strip())
    authority = session.scalars(query).one_or_none()
    if authority is None:
        raise CliError(f"--authority: no health authority {reference!r}")
    return authority


def _regions(values: list[str]) -> list[str]:
    codes = [code.strip().upper() for value in values for code in value.split(",") if code.strip()]
    if not codes:
        raise CliError("--region: at least one region is required")
    for code in codes:
        check_region(code)
    return list(dict.fromkeys(codes))


def _check_text(value: str | None, option: str) -> str | None:
    if value is not None and (not value.strip() or len(value) > 200):
        raise CliError(f"{option}: must be 1..200 characters")
    return value.strip() if value is not None else None


@app.command("migrate")
def migrate_command(db: DbOption = None, data_dir: DataDirOption = None) -> None:
    """Create or upgrade the database schema to this version's newest revision."""
    settings = server_settings(db, data_dir)
    with open_database(settings, migrate_first=True) as engine:
        revision = current_revision(engine)
    print(f"database {redacted_url(settings.database_url)} is at revision {revision}")


# --- health authorities --------------------------------------------------------------------------


@authority_app.command("create")
def authority_create(
    name: Annotated[str, typer.Option(help="Display name; also the publish healthAuthorityID.")],
    region: Annotated[
        list[str], typer.Option(help="Region code(s) served (ISO 3166: DE, US-CA); repeatable.")
    ],
    issuer: Annotated[
        str | None, typer.Option(help="Certificate iss (default: the settings').")
    ] = None,
    audience: Annotated[
        str | None, typer.Option(help="Certificate aud: the key server that accepts them.")
    ] = None,
    db: DbOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Register a health authority."""
    regions = _regions(region)
    issuer, audience = _check_text(issuer, "--issuer"), _check_text(audience, "--audience")
    if len(name) > 200:
        raise CliError("--name: must be at most 200 characters")
    with server_session(db, data_dir) as (settings, session):
        if session.scalars(
            select(HealthAuthority).where(HealthAuthority.name == name.strip())
        ).first():
            raise CliError(f"--name: a health authority named {name.strip()!r} exists")
        row = create_health_authority(
            session,
            settings,
            name,
            regions,
            certificate_issuer=issuer,
            certificate_audience=audience,
        )
        session.commit()
        print(f"created health authority {row.id} {row.name!r} for {row.regions}")


@authority_app.command("list")
def authority_list(db: DbOption = None, data_dir: DataDirOption = None) -> None:
    """Every health authority with its regions, certificate issuer and audience."""
    with server_session(db, data_dir) as (_settings, session):
        table = Table(title="Health authorities")
        for column in ("id", "name", "regions", "issuer (iss)", "audience (aud)", "created"):
            table.add_column(column)
        for row in session.scalars(select(HealthAuthority).order_by(HealthAuthority.id)):
            table.add_row(
                str(row.id),
                row.name,
                row.regions,
                row.certificate_issuer,
                row.certificate_audience,
                _when(row.created_at),
            )
    _console().print(table)


@authority_app.command("update")
def authority_update(
    authority: AuthorityOption,
    region: Annotated[
        list[str] | None, typer.Option(help="Replace the regions with these; repeatable.")
    ] = None,
    issuer: Annotated[str | None, typer.Option(help="New certificate iss.")] = None,
    audience: Annotated[str | None, typer.Option(help="New certificate aud.")] = None,
    db: DbOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Change an authority's regions, certificate issuer or audience."""
    regions = _regions(region) if region else None
    issuer, audience = _check_text(issuer, "--issuer"), _check_text(audience, "--audience")
    if regions is None and issuer is None and audience is None:
        raise CliError("nothing to change: give --region, --issuer or --audience")
    with server_session(db, data_dir) as (_settings, session):
        row = _find_authority(session, authority)
        if regions is not None:
            row.regions = ",".join(regions)
        if issuer is not None:
            row.certificate_issuer = issuer
        if audience is not None:
            row.certificate_audience = audience
        session.commit()
        print(
            f"updated health authority {row.id} {row.name!r}: regions {row.regions}, "
            f"iss {row.certificate_issuer!r}, aud {row.certificate_audience!r}"
        )


# --- API keys ------------------------------------------------------------------------------------


def _key_type(value: str) -> ApiKeyType:
    try:
        return ApiKeyType(value.strip().upper())
    except ValueError:
        raise CliError(f"--type: {value!r} is not one of admin, device") from None


@apikey_app.command("create")
def apikey_create(
    authority: AuthorityOption,
    key_type: Annotated[
        str, typer.Option("--type", help="admin (staff systems: /api/issue) or device (apps).")
    ],
    name: Annotated[str, typer.Option(help="Label of the system or app (never a person).")],
    db: DbOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Create an API key and print it, once: only its hash is stored."""
    kind = _key_type(key_type)
    label = _check_text(name, "--name")
    assert label is not None
    with server_session(db, data_dir) as (_settings, session):
        row = _find_authority(session, authority)
        issued = create_api_key(session, row, kind, label)
        session.commit()
        prefix = issued.row.prefix
    print(issued.plaintext)
    print(
        f"created {kind.value} API key {prefix} {label!r} for {row.name!r}; "
        "store it now, it cannot be shown again",
        file=sys.stderr,
    )


@apikey_app.command("list")
def apikey_list(
    authority: Annotated[
        str | None, typer.Option("--authority", help="Only this authority's keys.")
    ] = None,
    db: DbOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """API keys by prefix (the secret part is never stored or shown)."""
    with server_session(db, data_dir) as (_settings, session):
        query = select(ApiKey, HealthAuthority.name).join(
            HealthAuthority, HealthAuthority.id == ApiKey.health_authority_id
        )
        if authority is not None:
            query = query.where(
                ApiKey.health_authority_id == _find_authority(session, authority).id
            )
        table = Table(title="API keys")
        for column in ("prefix", "type", "name", "authority", "created", "revoked"):
            table.add_column(column)
        for key, authority_name in session.execute(query.order_by(ApiKey.id)):
            table.add_row(
                key.prefix,
                key.key_type,
                key.name,
                authority_name,
                _when(key.created_at),
                _when(key.revoked_at),
            )
    _console().print(table)


@apikey_app.command("revoke")
def apikey_revoke(
    prefix: Annotated[str, typer.Argument(help="The key's prefix (civ_…) or the whole key.")],
    db: DbOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Revoke an API key: every request with it answers 401 from now on."""
    wanted = prefix.strip().split(".", 1)[0]
    with server_session(db, data_dir) as (_settings, session):
        row = session.scalars(select(ApiKey).where(ApiKey.prefix == wanted)).one_or_none()
        if row is None:
            raise CliError(f"PREFIX: no API key {wanted!r}")
        if row.revoked_at is not None:
            print(f"API key {wanted} was already revoked on {_when(row.revoked_at)}")
            return
        row.revoked_at = datetime.now(UTC)
        session.commit()
    print(f"revoked API key {wanted}")


# --- token and certificate signing keys ----------------------------------------------------------


def _purpose(value: str) -> Purpose:
    try:
        return Purpose(value.strip().lower())
    except ValueError:
        raise CliError(f"--purpose: {value!r} is not one of token, certificate") from None


@signing_app.command("rotate")
def signing_rotate(
    purpose: Annotated[str, typer.Option(help="token or certificate.")],
    db: DbOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Create a new active version; the previous one keeps verifying until retired."""
    kind = _purpose(purpose)
    with server_session(db, data_dir) as (settings, session):
        ring = SigningKeyRing(ServerSecrets.load(settings.data_dir).kek)
        row = ring.create(session, kind)
        session.commit()
    print(f"new active {kind.value} signing key {row.kid}")


@signing_app.command("list")
def signing_list(
    purpose: Annotated[
        str | None, typer.Option(help="Only token or only certificate keys.")
    ] = None,
    db: DbOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Every version: kid, purpose, active, created, retired."""
    kind = _purpose(purpose) if purpose is not None else None
    with server_session(db, data_dir) as (_settings, session):
        query = select(SigningKey).order_by(SigningKey.purpose, SigningKey.created_at)
        if kind is not None:
            query = query.where(SigningKey.purpose == kind.value)
        table = Table(title="Token and certificate signing keys")
        for column in ("kid", "purpose", "active", "created", "retired"):
            table.add_column(column)
        for row in session.scalars(query):
            table.add_row(
                row.kid,
                row.purpose,
                "yes" if row.active else "no",
                _when(row.created_at),
                _when(row.retired_at),
            )
    _console().print(table)


@signing_app.command("retire")
def signing_retire(
    kid: Annotated[str, typer.Argument(help="The key id (kid) of a non-active version.")],
    db: DbOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Stop trusting an old version: what it signed no longer verifies."""
    with server_session(db, data_dir) as (settings, session):
        ring = SigningKeyRing(ServerSecrets.load(settings.data_dir).kek)
        ring.retire(session, kid)
        session.commit()
    print(f"retired signing key {kid}")
