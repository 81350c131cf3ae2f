"""``civitrace presence``: read venue check-in codes (civitrace's and real CWA ones), and build
the server's hourly warning packages (``presence package run|list``)."""

import base64
import sys
from datetime import UTC, datetime
from typing import Annotated, Any

import typer
from sqlalchemy import select

from civitrace.cli._output import CliError, print_json
from civitrace.cli._server import DataDirOption, DbOption, server_session
from civitrace.presence.payload import TraceLocationType, Venue
from civitrace.presence.url import parse_qr_text
from civitrace.server.db.presence_models import WarningPackageRecord
from civitrace.server.exports.storage import open_storage
from civitrace.server.presence.packages import PackageBuilder, hour_start, package_name
from civitrace.server.presence.settings import presence_settings
from civitrace.server.runtime import open_database, server_settings

app = typer.Typer(help="Venue check-in codes (CWA event registration).", no_args_is_help=True)
package_app = typer.Typer(
    help="Hourly TraceWarningPackages of published venue warnings (server).", no_args_is_help=True
)
app.add_typer(package_app, name="package")


def venue_to_json(venue: Venue) -> dict[str, Any]:
    """The JSON ``presence decode`` prints (a stable contract for scripts)."""
    payload = venue.payload
    try:
        type_name: str | None = TraceLocationType(payload.type).slug
    except ValueError:
        type_name = None
    return {
        "description": payload.location.description,
        "address": payload.location.address,
        "type": payload.type,
        "typeName": type_name,
        "defaultCheckInLengthInMinutes": payload.vendor.default_check_in_length_minutes,
        "startTimestamp": payload.location.start_timestamp,
        "endTimestamp": payload.location.end_timestamp,
        "locationId": base64.b64encode(venue.location_id).decode("ascii"),
        "locationIdHash": venue.location_id_hash.hex(),
    }


@app.command()
def decode(
    code: Annotated[
        str,
        typer.Argument(
            metavar="URL_OR_BASE64", help="A check-in URL, or its payload in base64(url)."
        ),
    ],
    lenient: Annotated[
        bool, typer.Option(help="Print the payload even when it breaks the scheme's rules.")
    ] = False,
) -> None:
    """Print a venue code's content and location ID as JSON; exit 1 naming a broken rule."""
    print_json(venue_to_json(Venue.from_bytes(parse_qr_text(code), validate=not lenient)))


def _parse_until(value: str | None) -> datetime:
    if value is None:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise CliError(f"--until: {value!r} is not an ISO-8601 date-time") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


@package_app.command("run")
def package_run(
    until: Annotated[
        str | None,
        typer.Option(help="Build hours ending at or before this (ISO-8601; default now)."),
    ] = None,
    db: DbOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Build and store the package of every complete hour since the last one, per region."""
    moment = _parse_until(until)
    if moment > datetime.now(UTC):
        print(
            "warning: --until is in the future; warnings published later in hours built now "
            "go into the next package",
            file=sys.stderr,
        )
    settings = server_settings(db, data_dir)
    with open_database(settings) as engine:
        builder = PackageBuilder(
            engine,
            open_storage(settings.exports, settings.data_dir),
            presence_settings(settings),
        )
        built = builder.run(moment)
    for package in built:
        print(
            f"{package.region} {package.interval_number} {package.start.isoformat()} "
            f"reports={package.report_count} file={package.name}"
        )
    print(f"built {len(built)} packages")


@package_app.command("list")
def package_list(
    region: Annotated[str | None, typer.Option(help="Only this region.")] = None,
    db: DbOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Every package built (complete or pending) as JSON, oldest first."""
    with server_session(db, data_dir) as (_, session):
        query = select(WarningPackageRecord).order_by(
            WarningPackageRecord.region, WarningPackageRecord.interval_number
        )
        if region is not None:
            query = query.where(WarningPackageRecord.region == region)
        print_json(
            [
                {
                    "region": row.region,
                    "intervalNumber": row.interval_number,
                    "start": hour_start(row.interval_number).isoformat(),
                    "status": row.status,
                    "reports": row.report_count,
                    "file": package_name(row.region, row.interval_number),
                }
                for row in session.scalars(query)
            ]
        )
