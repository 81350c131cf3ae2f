"""``civitrace presence``: read venue check-in codes (civitrace's and real CWA ones)."""

import base64
from typing import Annotated, Any

import typer

from civitrace.cli._output import print_json
from civitrace.presence.payload import TraceLocationType, Venue
from civitrace.presence.url import parse_qr_text

app = typer.Typer(help="Venue check-in codes (CWA event registration).", no_args_is_help=True)


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
