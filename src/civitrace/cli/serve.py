"""``civitrace serve``: migrate the database, seed the demo if asked, run the API with uvicorn."""

import ipaddress
import signal
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Final

import typer
import uvicorn
from sqlalchemy import Engine, select

from civitrace.cli._output import CliError
from civitrace.server.app import create_app
from civitrace.server.db import session_factory
from civitrace.server.db.models import HealthAuthority
from civitrace.server.demo import DEMO_REGION, SeedResult, seed_demo
from civitrace.server.logs import configure_logging, uvicorn_log_config
from civitrace.server.metrics import METRICS_PATH
from civitrace.server.runtime import open_database, server_settings

DEFAULT_PORT: Final = 8080
DEFAULT_HOST: Final = "127.0.0.1"  # loopback: exposing the service is an explicit choice


def base_url(host: str, port: int) -> str:
    """The URL a local client uses: wildcard addresses become loopback, IPv6 is bracketed."""
    shown = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)  # noqa: S104
    try:
        if ipaddress.ip_address(shown).version == 6:
            shown = f"[{shown}]"
    except ValueError:
        pass  # a host name
    return f"http://{shown}:{port}"


def check_bindable(host: str, port: int) -> None:
    """Fail with a one-line error, before any set-up, when ``host:port`` cannot be listened on
    (in use, not an address of this machine, unresolvable)."""
    try:
        family, kind, proto, _name, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except socket.gaierror as exc:
        raise CliError(f"--host: cannot resolve {host!r} ({exc.strerror})") from None
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            probe.bind(address)
        except OSError as exc:
            raise CliError(f"--port: cannot listen on {host}:{port} ({exc.strerror})") from None


def _regions(engine: Engine) -> list[str]:
    with session_factory(engine)() as session:
        regions = {
            r for listed in session.scalars(select(HealthAuthority)) for r in listed.region_list
        }
    return sorted(regions)


def _print_urls(url: str, regions: list[str], seeded: SeedResult | None) -> None:
    print(f"civitrace server on {url}", flush=False)
    print(f"  front page     {url}/")
    print(f"  console        {url}/console/  (demo staff accounts in demo.json)")
    print(f"  venue poster   {url}/venue/new  (check-in pages: {url}/checkin)")
    print(f"  statistics     {url}/stats")
    print(f"  transparency   {url}/transparency  (proposals: {url}/proposals)")
    print(f"  consultations  {url}/consult")
    print(f"  health         {url}/health")
    print(f"  OpenAPI        {url}/openapi.json")
    print(f"  metrics        {url}{METRICS_PATH}  (ADMIN API key)")
    print(f"  verification   {url}/api/issue, /api/verify, /api/certificate")
    print(f"  publish        {url}/v1/publish")
    for region in regions:
        print(f"  exports {region:<6} {url}/exports/{region}/index.txt")
    if seeded is not None:
        state = "new API keys" if seeded.rotated_api_keys else "API keys reused"
        print(f"  demo           {seeded.path} ({state}, mode 600)")
        print(
            f"  demo flush     civitrace export run --until <ISO time 3 h ahead> "
            f"(region {DEMO_REGION})"
        )
    print("stop with Ctrl-C or SIGTERM", flush=True)


def _stopped(signum: int, _frame: object) -> None:
    print(f"stopped by {signal.Signals(signum).name}", flush=True)
    raise SystemExit(0)


@contextmanager
def _stop_signals_exit_cleanly() -> Iterator[None]:
    """Let SIGTERM and SIGINT end ``serve`` with status 0.

    uvicorn installs its own handlers while it runs (graceful shutdown, lifespan end) and then
    re-raises the signal to the handler that was there before; the default ones would turn that
    into death by signal or a ``KeyboardInterrupt`` traceback. A signal that arrives before
    uvicorn has started stops the process at once, also with status 0.
    """
    stop = (signal.SIGTERM, signal.SIGINT)
    previous = {number: signal.getsignal(number) for number in stop}
    for number in stop:
        signal.signal(number, _stopped)
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def run(
    db: Annotated[
        str | None,
        typer.Option("--db", help="Database URL (default: $CIVITRACE_DATABASE_URL, else SQLite)."),
    ] = None,
    port: Annotated[int, typer.Option(help="TCP port to listen on.")] = DEFAULT_PORT,
    host: Annotated[
        str, typer.Option(help="Address to bind (default loopback only).")
    ] = DEFAULT_HOST,
    data_dir: Annotated[
        Path | None,
        typer.Option(help="Data directory: secrets, exports (default: $CIVITRACE_DATA_DIR)."),
    ] = None,
    demo: Annotated[
        bool, typer.Option(help="Seed a demo health authority (ZZ) and write DATA_DIR/demo.json.")
    ] = False,
) -> None:
    """Migrate the database and serve the verification, publish and export APIs."""
    if not 1 <= port <= 65535:
        raise CliError(f"--port: {port} is not a TCP port (1..65535)")
    if not host.strip():
        raise CliError("--host: must not be empty")
    check_bindable(host, port)
    settings = server_settings(db, data_dir)
    configure_logging(settings.log_level)
    url = base_url(host, port)
    with open_database(settings, migrate_first=True) as engine:
        seeded = seed_demo(engine, settings, settings.exports, url) if demo else None
        regions = _regions(engine)
    application = create_app(settings)
    _print_urls(url, regions, seeded)
    with _stop_signals_exit_cleanly():
        uvicorn.run(
            application,
            host=host,
            port=port,
            access_log=False,  # uvicorn's access log records client addresses
            log_config=uvicorn_log_config(settings.log_level),
            proxy_headers=False,  # never read X-Forwarded-For: no client address, even forwarded
            server_header=False,
            lifespan="on",  # a failed start-up check (unmigrated schema) stops the process
        )
