"""``civitrace governance``: the data inventory, retention and sunset enforcement, proposals,
and the data-access-request register (DESIGN §5).

``enforce`` is a batch job: it holds the ``retention`` job lock (exit 75 when another host holds
it) and exits 1 when a table could not be enforced, after enforcing the others. Commands that
change something append an audit entry naming ``--actor``.
"""

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from civitrace.cli._output import CliError, fail, print_json
from civitrace.cli._server import DataDirOption, DbOption, server_session
from civitrace.governance import access_requests
from civitrace.governance.access_requests import NewRequest
from civitrace.governance.enforce import enforce as _enforce
from civitrace.governance.inventory import load_inventory
from civitrace.governance.proposals import (
    Proposal,
    attach_consultation_summary,
    effective_inventory,
    list_proposals,
    propose,
    withdraw,
)
from civitrace.governance.settings import governance_settings
from civitrace.governance.transparency import transparency_snapshot
from civitrace.server.exports.storage import open_storage
from civitrace.server.jobs.lock import JOB_BUSY_EXIT_CODE, JobAlreadyRunningError
from civitrace.server.retention import shorter_retentions
from civitrace.server.runtime import open_database, server_settings

app = typer.Typer(
    help="Data inventory, retention and sunset, proposals, access-request register.",
    no_args_is_help=True,
)
requests_app = typer.Typer(
    help="The register of third parties' requests for data.", no_args_is_help=True
)
app.add_typer(requests_app, name="access-request")

DEFAULT_ACTOR = "operator (cli)"
NowOption = Annotated[
    str | None, typer.Option("--now", help="Act as if it were this time (ISO 8601; default now).")
]
ActorOption = Annotated[
    str, typer.Option(help="Who acts, as recorded in the audit log (a staff account and role).")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def parse_moment(value: str | None, option: str = "--now") -> datetime:
    """An aware datetime from ISO 8601 (UTC when no zone is given); now when ``None``."""
    if value is None:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise CliError(f"{option}: {value!r} is not an ISO-8601 date-time") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


@app.command("enforce")
def enforce_command(
    db: DbOption = None, data_dir: DataDirOption = None, now: NowOption = None
) -> None:
    """Delete what is past its declared retention, and every personal record after the sunset."""
    moment = parse_moment(now)
    settings = server_settings(db, data_dir)
    try:
        with open_database(settings) as engine:
            report = _enforce(
                engine,
                governance_settings(settings),
                now=moment,
                storage=open_storage(settings.exports, settings.data_dir),
                exports=settings.exports,
                shorter=shorter_retentions(settings.retention),
            )
    except JobAlreadyRunningError as exc:
        fail(str(exc), JOB_BUSY_EXIT_CODE)
    if report.sunset:
        print("sunset has passed: every personal record is deleted")
    for table, count in report.deleted.items():
        print(f"{table}: {count} deleted")
    for problem in report.problems:
        print(f"warning: {problem}", file=sys.stderr)
    if report.problems:
        raise typer.Exit(1)


@app.command("inventory")
def inventory_command(
    db: DbOption = None,
    data_dir: DataDirOption = None,
    now: NowOption = None,
    as_json: JsonOption = False,
) -> None:
    """Print the data inventory in force (TOML, a starting point for ``propose``)."""
    moment = parse_moment(now)
    with server_session(db, data_dir) as (settings, session):
        governance = governance_settings(settings)
        configured = governance.configured_inventory()
        inventory = effective_inventory(session, configured, moment)
    if as_json:
        print_json(inventory.to_document())
    else:
        print(inventory.to_toml(), end="")
    if configured != inventory:
        print(
            "note: the configured inventory differs from the one in force; changes take effect "
            "through 'civitrace governance propose FILE'",
            file=sys.stderr,
        )


def _print_proposal(proposal: Proposal) -> None:
    print(
        f"proposal {proposal.id} ({proposal.kind}): {proposal.status}, "
        f"effective {proposal.effective_at.isoformat()}"
    )


@app.command("propose")
def propose_command(
    file: Annotated[Path, typer.Argument(help="The new inventory (TOML), e.g. an edited copy.")],
    title: Annotated[str, typer.Option(help="One line for the public: what changes and why.")],
    rationale: Annotated[str, typer.Option(help="Why the change is proposed.")] = "",
    effective: Annotated[
        str | None,
        typer.Option(help="When widening changes take effect (ISO 8601; default: the earliest)."),
    ] = None,
    dry_run: Annotated[bool, typer.Option(help="Show the changes, store nothing.")] = False,
    actor: ActorOption = DEFAULT_ACTOR,
    db: DbOption = None,
    data_dir: DataDirOption = None,
    now: NowOption = None,
) -> None:
    """Diff FILE against the inventory in force and store the changes as proposals: narrowing
    ones apply at once, widening ones after the notice period and a consultation summary."""
    moment = parse_moment(now)
    when = parse_moment(effective, "--effective") if effective is not None else None
    proposed = load_inventory(file)
    with server_session(db, data_dir) as (settings, session):
        result = propose(
            session,
            governance_settings(settings),
            proposed,
            actor=actor,
            now=moment,
            title=title,
            rationale=rationale,
            effective_at=when,
            dry_run=dry_run,
        )
        session.commit()
    if not result.changes:
        print("no change: the file declares the inventory in force")
        return
    for change in result.changes:
        print(change.describe())
    for change in result.already_pending:
        print(f"already proposed, not stored again: {change.describe()}")
    for proposal in (result.immediate, result.widening):
        if proposal is not None:
            _print_proposal(proposal)


@app.command("proposals")
def proposals_command(
    db: DbOption = None,
    data_dir: DataDirOption = None,
    now: NowOption = None,
    as_json: JsonOption = False,
) -> None:
    """List every proposal with its status (they are public)."""
    moment = parse_moment(now)
    with server_session(db, data_dir) as (_, session):
        found = list_proposals(session, moment)
    if as_json:
        print_json([p.to_json() for p in found])
        return
    for proposal in found:
        _print_proposal(proposal)
        print(f"  {proposal.title}")
        for change in proposal.changes:
            print(f"  - {change.describe()}")


@app.command("summary")
def summary_command(
    proposal_id: Annotated[int, typer.Argument(help="The widening proposal.")],
    url: Annotated[str, typer.Argument(help="Where the consultation summary is published.")],
    actor: ActorOption = DEFAULT_ACTOR,
    db: DbOption = None,
    data_dir: DataDirOption = None,
    now: NowOption = None,
) -> None:
    """Attach the published consultation summary a widening proposal waits for."""
    moment = parse_moment(now)
    with server_session(db, data_dir) as (_, session):
        proposal = attach_consultation_summary(session, proposal_id, url, actor=actor, now=moment)
        session.commit()
    _print_proposal(proposal)


@app.command("withdraw")
def withdraw_command(
    proposal_id: Annotated[int, typer.Argument(help="The pending widening proposal.")],
    actor: ActorOption = DEFAULT_ACTOR,
    db: DbOption = None,
    data_dir: DataDirOption = None,
    now: NowOption = None,
) -> None:
    """Withdraw a widening proposal before it takes effect."""
    moment = parse_moment(now)
    with server_session(db, data_dir) as (_, session):
        proposal = withdraw(session, proposal_id, actor=actor, now=moment)
        session.commit()
    _print_proposal(proposal)


@app.command("transparency")
def transparency_command(
    db: DbOption = None, data_dir: DataDirOption = None, now: NowOption = None
) -> None:
    """Print what the transparency page shows, as JSON."""
    moment = parse_moment(now)
    with server_session(db, data_dir) as (settings, session):
        snapshot = transparency_snapshot(session, governance_settings(settings), moment)
    print_json(snapshot.to_json())


@requests_app.command("add")
def request_add(
    requester: Annotated[str, typer.Option(help="Who asked: the body, or the person.")],
    requester_type: Annotated[
        str, typer.Option("--type", help="police, ministry, company or other.")
    ],
    legal_basis: Annotated[str, typer.Option(help="The legal basis the requester claimed.")],
    data: Annotated[str, typer.Option(help="What they asked for, as received (not published).")],
    category: Annotated[
        list[str] | None, typer.Option(help="An inventory category asked for (repeatable).")
    ] = None,
    individual: Annotated[
        bool, typer.Option(help="The requester is a private person: never publish the name.")
    ] = False,
    received: Annotated[
        str | None, typer.Option(help="When it was received (ISO 8601; default: now).")
    ] = None,
    actor: ActorOption = DEFAULT_ACTOR,
    db: DbOption = None,
    data_dir: DataDirOption = None,
    now: NowOption = None,
) -> None:
    """Record a request for data; prints its id."""
    moment = parse_moment(now)
    received_at = parse_moment(received, "--received") if received is not None else moment
    with server_session(db, data_dir) as (settings, session):
        inventory = effective_inventory(
            session, governance_settings(settings).configured_inventory(), moment
        )
        row = access_requests.record_request(
            session,
            NewRequest(requester, requester_type, legal_basis, data, category or [], individual),
            received_at=received_at,
            actor=actor,
            now=moment,
            inventory=inventory,
        )
        session.commit()
        print(f"access request {row.id} recorded")


@requests_app.command("decide")
def request_decide(
    request_id: Annotated[int, typer.Argument(help="The request.")],
    decision: Annotated[str, typer.Option(help="granted, partial or refused.")],
    reason: Annotated[str, typer.Option(help="Why (published).")],
    actor: ActorOption = DEFAULT_ACTOR,
    db: DbOption = None,
    data_dir: DataDirOption = None,
    now: NowOption = None,
) -> None:
    """Record the decision on a request."""
    moment = parse_moment(now)
    with server_session(db, data_dir) as (_, session):
        row = access_requests.decide(
            session, request_id, decision=decision, reason=reason, actor=actor, now=moment
        )
        session.commit()
        print(f"access request {row.id}: {row.decision}")


@requests_app.command("list")
def request_list(
    public: Annotated[bool, typer.Option(help="Only what is published (redacted).")] = False,
    db: DbOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Every request as JSON (staff view, or the redacted public view), with statistics."""
    with server_session(db, data_dir) as (_, session):
        register = access_requests.public_register(session)
        if not public:
            full = {row.id: row for row in access_requests.all_requests(session)}
            for entry in register:
                row = full[entry["id"]]
                entry["requester"] = row.requester
                entry["dataRequested"] = row.data_requested
        document = {"statistics": access_requests.statistics(session), "register": register}
    print(json.dumps(document, indent=2, ensure_ascii=False))
