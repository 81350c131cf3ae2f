"""``civitrace venue``: create venue check-in codes and print their posters, offline, in any of
the poster languages (every script: Arabic and Tamil shaped, Chinese and Korean in their own
forms), as the venue page's poster endpoint does."""

import datetime as dt
import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from civitrace.cli._output import CliError
from civitrace.presence.constants import DEFAULT_HOST, MAX_CHECK_IN_LENGTH_MINUTES
from civitrace.presence.payload import TraceLocationType, Venue
from civitrace.presence.poster import MAX_LANGUAGES, Paper, write_poster
from civitrace.presence.poster_text import POSTER_TEXTS
from civitrace.presence.url import check_in_url, host_of, parse_qr_text

HOST_ENV = "CIVITRACE_CHECKIN_HOST"  # the host serving the check-in page
DEFAULT_PERMANENT_LENGTH = 60  # minutes of a stay when --length is not given

app = typer.Typer(help="Venue QR codes and printable posters.", no_args_is_help=True)

LangOption = Annotated[
    str,
    typer.Option(
        "--lang",
        help=f"Poster languages, comma-separated, at most {MAX_LANGUAGES}, e.g. en,ar,zh-Hant "
        f"(available: {', '.join(POSTER_TEXTS)}).",
    ),
]
PaperOption = Annotated[Paper, typer.Option(help="Paper size.")]
OutOption = Annotated[Path, typer.Option(help="Poster file: .pdf or .svg.")]


def _languages(value: str) -> list[str]:
    languages = [part.strip() for part in value.split(",") if part.strip()]
    if not languages:
        raise CliError("--lang: give at least one language code")
    return languages


def _timestamp(value: str | None, option: str) -> int:
    if value is None:
        return 0
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise CliError(f"{option}: not an ISO 8601 date-time: {value!r}") from None
    if moment.tzinfo is None:
        raise CliError(f"{option}: give a UTC offset, e.g. {value}Z or {value}+02:00")
    seconds = int(moment.timestamp())
    if seconds <= 0:
        raise CliError(f"{option}: must be after 1970-01-01")
    return seconds


def _host(value: str | None) -> str:
    return value or os.environ.get(HOST_ENV) or DEFAULT_HOST


def _write(venue: Venue, out: Path, lang: str, paper: Paper, host: str) -> None:
    write_poster(venue, out, _languages(lang), paper, host=host)
    print(f"wrote {out}", file=sys.stderr)


@app.command()
def create(
    description: Annotated[str, typer.Option(help="Venue or event name (1..100 characters).")],
    address: Annotated[str, typer.Option(help="Address (1..100 characters).")],
    type_: Annotated[
        str,
        typer.Option("--type", help="Venue type: a name such as permanent-retail, or its number."),
    ],
    out: OutOption,
    length: Annotated[
        int | None,
        typer.Option(help="Default stay in minutes (permanent venues: 60 unless given)."),
    ] = None,
    start: Annotated[
        str | None, typer.Option(help="Event start, ISO 8601 with offset (temporary types).")
    ] = None,
    end: Annotated[str | None, typer.Option(help="Event end, ISO 8601 with offset.")] = None,
    host: Annotated[
        str | None, typer.Option(help=f"Host of the check-in page (default ${HOST_ENV}).")
    ] = None,
    lang: LangOption = "en",
    paper: PaperOption = Paper.A4,
) -> None:
    """Create a venue code: print its check-in URL and write its poster."""
    kind = TraceLocationType.parse(type_)
    start_ts, end_ts = _timestamp(start, "--start"), _timestamp(end, "--end")
    if length is None:
        if kind.is_permanent:
            length = DEFAULT_PERMANENT_LENGTH
        elif end_ts > start_ts:
            length = min(MAX_CHECK_IN_LENGTH_MINUTES, max(1, (end_ts - start_ts) // 60))
        else:
            length = 0
    if not 0 <= length <= MAX_CHECK_IN_LENGTH_MINUTES:
        raise CliError(f"--length must be 1..{MAX_CHECK_IN_LENGTH_MINUTES} minutes")
    venue = Venue.create(
        description,
        address,
        type=kind,
        default_check_in_length_minutes=length,
        start_timestamp=start_ts,
        end_timestamp=end_ts,
    )
    chosen_host = _host(host)
    url = check_in_url(venue.raw, chosen_host)
    _write(venue, out, lang, paper, chosen_host)
    print(url)


@app.command()
def poster(
    code: Annotated[
        str,
        typer.Argument(metavar="URL_OR_BASE64", help="An existing check-in URL or payload."),
    ],
    out: OutOption,
    host: Annotated[
        str | None,
        typer.Option(help="Host for a bare payload (a URL keeps its own host)."),
    ] = None,
    lang: LangOption = "en",
    paper: PaperOption = Paper.A4,
) -> None:
    """Write the poster of an existing venue code, byte for byte the same code."""
    venue = Venue.from_bytes(parse_qr_text(code))
    chosen_host = host_of(code) or _host(host)
    _write(venue, out, lang, paper, chosen_host)
    print(check_in_url(venue.raw, chosen_host))
