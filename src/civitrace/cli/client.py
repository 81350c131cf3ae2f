"""``civitrace client``: the reference device from the command line.

Every command opens the store given by ``--store`` (default: ``$CIVITRACE_CLIENT_STORE`` or
``~/.local/share/civitrace/device.store``) with the passphrase in the environment variable
named by ``--passphrase-env`` (default ``CIVITRACE_PASSPHRASE``; never on the command line,
where other users could read it in the process list) or with a 32-byte ``--key-file``. The
commands only parse, call :mod:`civitrace.client`, and print.
"""

import datetime as dt
import json
import os
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from civitrace.cli._output import CliError, print_json, read_bytes
from civitrace.client.consent import Consent, prepare_upload
from civitrace.client.device import Device
from civitrace.client.document import ExposureResult, result_to_json
from civitrace.client.downloads import DownloadReport
from civitrace.client.errors import ConsentRequiredError
from civitrace.client.scans import read_scan_feed
from civitrace.client.store import (
    DEFAULT_TX_POWER,
    Clock,
    KeyFile,
    Passphrase,
    Secret,
    write_private_file,
)
from civitrace.en.constants import KEY_RETENTION_DAYS, TEK_ROLLING_PERIOD
from civitrace.en.export import VerificationKey
from civitrace.en.intervals import en_interval_number, utc_day
from civitrace.en.risk import epoch_day_to_date

DEFAULT_STORE = "~/.local/share/civitrace/device.store"
STORE_ENV = "CIVITRACE_CLIENT_STORE"
PASSPHRASE_ENV = "CIVITRACE_PASSPHRASE"  # noqa: S105 - a variable name, not a secret

app = typer.Typer(
    help="Reference device: encrypted key store, scans, downloads, matching, consent.",
    no_args_is_help=True,
)

StoreOption = Annotated[
    Path,
    typer.Option("--store", envvar=STORE_ENV, help=f"The device's store file (or ${STORE_ENV})."),
]
PassphraseEnvOption = Annotated[
    str,
    typer.Option("--passphrase-env", help="Name of the environment variable with the passphrase."),
]
KeyFileOption = Annotated[
    Path | None,
    typer.Option("--key-file", help="A 32-byte device key file instead of a passphrase."),
]


def _secret(passphrase_env: str, key_file: Path | None) -> Secret:
    if key_file is not None:
        return KeyFile(key_file.expanduser())
    passphrase = os.environ.get(passphrase_env, "")
    if not passphrase:
        raise CliError(f"no passphrase: set ${passphrase_env} or pass --key-file")
    return Passphrase(passphrase)


def _open(store: Path, passphrase_env: str, key_file: Path | None) -> Device:
    return Device.open(store.expanduser(), _secret(passphrase_env, key_file))


def _date(day: int) -> str:
    return epoch_day_to_date(day).isoformat()


def _when(unix_seconds: float) -> str:
    moment = dt.datetime.fromtimestamp(unix_seconds, dt.UTC)
    return moment.strftime("%Y-%m-%d %H:%M UTC")


@app.command()
def init(
    store: StoreOption = Path(DEFAULT_STORE),
    passphrase_env: PassphraseEnvOption = PASSPHRASE_ENV,
    key_file: KeyFileOption = None,
    tx_power: Annotated[
        int, typer.Option(help="Calibrated TX power (dBm) written into every AEM.")
    ] = DEFAULT_TX_POWER,
    now: Annotated[
        float | None,
        typer.Option(help="Pretend it is this unix time (demos and tests): backdates the key."),
    ] = None,
) -> None:
    """Create an encrypted store with the first Temporary Exposure Key."""
    if not -128 <= tx_power <= 127:
        raise CliError("--tx-power must be -128..127 dBm")
    secret = _secret(passphrase_env, key_file)
    clock: Clock = time.time if now is None else (lambda: now)
    path = store.expanduser()
    device = Device.create(path, secret, tx_power=tx_power, clock=clock)
    with device:
        key = device.own_keys[-1]
        protection = f"key file {key_file}" if key_file is not None else "passphrase"
        print(f"created {path} (protected by {protection})")
        print(f"first key valid on {_date(key.rolling_start_number // TEK_ROLLING_PERIOD)}")


@app.command()
def status(
    store: StoreOption = Path(DEFAULT_STORE),
    passphrase_env: PassphraseEnvOption = PASSPHRASE_ENV,
    key_file: KeyFileOption = None,
) -> None:
    """Show what the device holds (counts and dates only, no key material)."""
    with _open(store, passphrase_env, key_file) as device:
        document = device.document
        table = Table(title=f"civitrace device: {device.store.path}")
        table.add_column("what")
        table.add_column("held", justify="right")
        table.add_column("detail")
        days = sorted({k.rolling_start_number // TEK_ROLLING_PERIOD for k in device.own_keys})
        table.add_row(
            "own keys", str(len(days)), f"{_date(days[0])} .. {_date(days[-1])}" if days else ""
        )
        times = [s.timestamp for s in document.sightings]
        table.add_row(
            "sightings",
            str(len(times)),
            f"{_when(min(times))} .. {_when(max(times))}" if times else "",
        )
        table.add_row("scan log entries", str(len(document.scan_times)), "")
        key_count = sum(len(d.keys) for d in document.downloads)
        table.add_row("downloaded exports", str(len(document.downloads)), f"{key_count} keys")
        latest = device.latest_result
        table.add_row(
            "exposure checks",
            str(len(document.results)),
            "" if latest is None else f"last {_when(latest.checked_at)}: {_verdict(latest)}",
        )
        table.add_row("consents", str(len(document.consents)), "")
        table.add_row("uploads", str(len(document.uploads)), "")
        table.add_row("TX power", f"{device.tx_power} dBm", "")
        table.add_row("retention", f"{KEY_RETENTION_DAYS} days", "older data is deleted")
        Console().print(table)


@app.command()
def scan(
    feed: Annotated[Path, typer.Argument(metavar="FEED.jsonl", help="JSON-lines scan feed.")],
    store: StoreOption = Path(DEFAULT_STORE),
    passphrase_env: PassphraseEnvOption = PASSPHRASE_ENV,
    key_file: KeyFileOption = None,
) -> None:
    """Add the sightings of a scan feed to the store."""
    parsed = read_scan_feed(feed)
    with _open(store, passphrase_env, key_file) as device:
        report = device.ingest_scans(parsed)
    print(
        f"added {report.added} sightings ({report.duplicates} already held, "
        f"{report.expired} older than {KEY_RETENTION_DAYS} days), "
        f"{report.scans_added} scan-log entries"
    )


def _print_download(report: DownloadReport) -> None:
    keys = sum(len(d.keys) for d in report.accepted)
    print(
        f"accepted {len(report.accepted)} files ({keys} keys), "
        f"skipped {len(report.skipped)} already held, rejected {len(report.rejected)}"
    )
    for rejected in report.rejected:
        typer.echo(f"rejected {rejected.name}: {rejected.reason}", err=True)


@app.command()
def download(
    source: Annotated[str, typer.Argument(help="Directory, export zip, or http(s) URL.")],
    public_key: Annotated[Path, typer.Option(help="Trusted export signing key (PEM).")],
    key_id: Annotated[str, typer.Option(help="Only accept signatures with this key id.")] = "",
    key_version: Annotated[str, typer.Option(help="Only accept this key version.")] = "",
    store: StoreOption = Path(DEFAULT_STORE),
    passphrase_env: PassphraseEnvOption = PASSPHRASE_ENV,
    key_file: KeyFileOption = None,
) -> None:
    """Download export files, verify their signatures, and keep the new ones."""
    trusted = VerificationKey.from_pem(read_bytes(public_key, "--public-key"), key_id, key_version)
    with _open(store, passphrase_env, key_file) as device:
        report = device.download(source, [trusted])
    _print_download(report)


def _verdict(result: ExposureResult) -> str:
    if result.classification is None:
        return "no exposure"
    return f"{result.classification.name} on {_date(result.classification.day)}"


def _print_result(result: ExposureResult, console: Console) -> None:
    if result.windows:
        _print_windows(result, console)
    console.print(
        f"checked {result.keys_checked} keys against {result.sightings_checked} sightings: "
        f"[bold]{_verdict(result)}[/bold]"
    )


def _print_windows(result: ExposureResult, console: Console) -> None:
    windows = Table(title="Exposure windows per day")
    for column in ("day", "windows", "minutes", "typical attenuation (dB)", "report type"):
        windows.add_column(column)
    by_day: dict[int, list[int]] = {}
    for window in result.windows:
        by_day.setdefault(window.day, []).append(window.duration_seconds)
    for day, durations in sorted(by_day.items()):
        in_day = [w for w in result.windows if w.day == day]
        attenuations = [s.typical_attenuation_db for w in in_day for s in w.scan_instances]
        types = sorted({w.report_type.name for w in in_day})
        windows.add_row(
            _date(day),
            str(len(durations)),
            f"{sum(durations) / 60:.1f}",
            f"{min(attenuations)}..{max(attenuations)}" if attenuations else "",
            ", ".join(types),
        )
    console.print(windows)
    summaries = Table(title="Daily summaries (GAEN v2)")
    for column in ("day", "score sum", "max window score", "weighted minutes"):
        summaries.add_column(column)
    for summary in result.summaries:
        data = summary.summary_data
        summaries.add_row(
            _date(summary.day),
            f"{data.score_sum:.1f}",
            f"{data.maximum_score:.1f}",
            f"{data.weighted_duration_sum / 60:.1f}",
        )
    console.print(summaries)


@app.command()
def check(
    store: StoreOption = Path(DEFAULT_STORE),
    passphrase_env: PassphraseEnvOption = PASSPHRASE_ENV,
    key_file: KeyFileOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Match downloaded keys against sightings, score the windows, and classify."""
    with _open(store, passphrase_env, key_file) as device:
        result = device.check_exposures()
    if as_json:
        print_json(result_to_json(result))
    else:
        _print_result(result, Console())


@app.command("export-data")
def export_data(
    out: Annotated[Path | None, typer.Option(help="Write to this file (mode 600).")] = None,
    store: StoreOption = Path(DEFAULT_STORE),
    passphrase_env: PassphraseEnvOption = PASSPHRASE_ENV,
    key_file: KeyFileOption = None,
) -> None:
    """Everything the device holds, as JSON (keys in base64)."""
    with _open(store, passphrase_env, key_file) as device:
        document = device.export_data()
    if out is None:
        print_json(document)
        return
    write_private_file(out, json.dumps(document, indent=2).encode("utf-8"))
    print(f"wrote {out}")


@app.command("delete-data")
def delete_data(
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
    store: StoreOption = Path(DEFAULT_STORE),
    passphrase_env: PassphraseEnvOption = PASSPHRASE_ENV,
    key_file: KeyFileOption = None,
) -> None:
    """Delete the store and the key file it created. This cannot be undone."""
    device = _open(store, passphrase_env, key_file)
    try:
        if not yes:
            typer.confirm(
                f"Delete everything in {device.store.path}? This cannot be undone", abort=True
            )
        removed = device.delete_data()
    finally:
        device.close()
    for path in removed:
        print(f"deleted {path}")


@app.command("share-keys")
def share_keys(
    health_authority: Annotated[str, typer.Option(help="healthAuthorityID of the key server.")],
    consent: Annotated[
        str, typer.Option(help="Type 'yes' to share your diagnosis keys; nothing else will do.")
    ] = "",
    days: Annotated[int, typer.Option(help="Share the keys of this many past days.")] = 14,
    symptom_onset: Annotated[
        str | None, typer.Option(help="Date symptoms began (YYYY-MM-DD), if known.")
    ] = None,
    revision_token: Annotated[
        str | None, typer.Option(help="revisionToken from an earlier upload.")
    ] = None,
    include_today: Annotated[
        bool, typer.Option(help="Also share today's key, still in use (the server embargoes it).")
    ] = False,
    traveler: Annotated[bool, typer.Option(help="Mark the keys as a traveler's.")] = False,
    out: Annotated[Path | None, typer.Option(help="Write the publish body here.")] = None,
    store: StoreOption = Path(DEFAULT_STORE),
    passphrase_env: PassphraseEnvOption = PASSPHRASE_ENV,
    key_file: KeyFileOption = None,
) -> None:
    """With your consent, print the publish-API request and the ekeyhmac for the certificate."""
    if consent.strip().lower() != "yes":
        raise ConsentRequiredError(
            f"nothing shared: to share your diagnosis keys for the last {days} days, "
            "pass --consent yes"
        )
    onset = None
    if symptom_onset is not None:
        try:
            onset_day = dt.date.fromisoformat(symptom_onset)
        except ValueError:
            raise CliError("--symptom-onset must be a date, YYYY-MM-DD") from None
        onset = (onset_day - dt.date(1970, 1, 1)).days * TEK_ROLLING_PERIOD
    with _open(store, passphrase_env, key_file) as device:
        if onset is not None and onset > en_interval_number(device.now()):
            raise CliError(f"--symptom-onset lies after today ({_date(utc_day(device.now()))})")
        request = prepare_upload(
            device,
            Consent(share_diagnosis_keys=True, days=days),
            health_authority_id=health_authority,
            symptom_onset_interval=onset,
            revision_token=revision_token,
            traveler=traveler,
            include_current_day=include_today,
        )
    if out is None:
        print_json({"ekeyhmac": request.ekeyhmac, "publishRequest": request.body})
        return
    write_private_file(out, json.dumps(request.body, indent=2).encode("utf-8"))
    print(f"wrote {out} ({len(request.keys)} keys)")
    print(f"ekeyhmac {request.ekeyhmac}")
