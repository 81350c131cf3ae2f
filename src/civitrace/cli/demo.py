"""``civitrace demo``: what ``make run`` shows — exposure notification from end to end.

The story itself is :func:`civitrace.client.scenario.run_scenario`; this command runs it in a
temporary directory (or ``--workdir``, which keeps the files) and prints what happened, then
the ``civitrace`` commands that perform each step by hand.
"""

import tempfile
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from civitrace.cli._output import CliError
from civitrace.client.scenario import (
    HEALTH_AUTHORITY_ID,
    MEETING_MINUTES,
    REGION,
    SIGNING_KEY_ID,
    PersonOutcome,
    ScenarioOutcome,
    run_scenario,
)
from civitrace.en.risk import epoch_day_to_date


def _verdict(person: PersonOutcome) -> str:
    if person.result is None:
        return "tested positive, shared her keys"
    classification = person.result.classification
    if classification is None:
        return "no exposure"
    return f"EXPOSED: {classification.name} on {epoch_day_to_date(classification.day)}"


def _summary_table(outcome: ScenarioOutcome) -> Table:
    table = Table(title="Who found what")
    for column in ("device", "sightings", "windows", "minutes", "score sum", "classification"):
        table.add_column(column)
    for person in outcome.people:
        result = person.result
        score = (
            max((s.summary_data.score_sum for s in result.summaries), default=0.0)
            if result
            else 0.0
        )
        table.add_row(
            person.name,
            str(person.sightings),
            "-" if result is None else str(len(result.windows)),
            "-" if result is None else f"{person.exposure_seconds / 60:.1f}",
            "-" if result is None else f"{score:.0f}",
            _verdict(person),
        )
    return table


def _commands(outcome: ScenarioOutcome) -> list[str]:
    alice, bob, carol = (outcome.person(n) for n in ("Alice", "Bob", "Carol"))
    onset = epoch_day_to_date(int(outcome.meeting.start // 86_400))
    commands = [f"cd {outcome.workdir}"]
    commands += [f"export {p.passphrase_env}={p.passphrase}" for p in outcome.people]

    def device(person: PersonOutcome) -> str:
        return f"--store {person.store.name} --passphrase-env {person.passphrase_env}"

    commands += [
        f"civitrace client init {device(p)} --now {outcome.device_created_at:.0f}"
        for p in outcome.people
    ]
    commands += [
        f"civitrace client scan {p.scan_feed.name} {device(p)}"
        for p in outcome.people
        if p.scan_feed is not None
    ]
    commands += [
        f"civitrace client share-keys {device(alice)} --health-authority {HEALTH_AUTHORITY_ID} "
        f"--consent yes --symptom-onset {onset} --out {outcome.publish_body.name}",
        f"civitrace export keygen --out {outcome.signing_key.name} "
        f"--public-out {outcome.public_key.name}",
        f"civitrace export build {outcome.publish_body.name} --signing-key "
        f"{outcome.signing_key.name} --region {REGION} --key-id {SIGNING_KEY_ID} "
        f"--out exports/{outcome.export_file.name}",
    ]
    for person in (bob, carol):
        commands += [
            f"civitrace client download exports {device(person)} "
            f"--public-key {outcome.public_key.name}",
            f"civitrace client check {device(person)}",
        ]
    commands.append(f"civitrace client status {device(bob)}")
    return commands


def report(outcome: ScenarioOutcome, console: Console) -> None:
    """Print the story's outcome and the commands that repeat it."""
    meeting_day = epoch_day_to_date(int(outcome.meeting.start // 86_400))
    console.print("[bold]civitrace demo: exposure notification, end to end[/bold]")
    console.print(
        f"Alice and Bob met for {MEETING_MINUTES} minutes at close range on {meeting_day}; "
        "Carol was near two strangers that day. Alice tested positive and consented to share "
        f"her keys; the health authority signed {outcome.shared_keys} key(s) into an export. "
        "Bob and Carol downloaded it, verified the signature and matched it on their devices."
    )
    console.print(_summary_table(outcome))
    for person in outcome.people:
        console.print(f"{person.name}: {_verdict(person)}")
    console.print(
        "\n[bold]The same steps with the CLI[/bold] (the scan feeds came from "
        "civitrace.client.simulate; a fresh `init` makes new keys, so they only match the "
        "demo's own stores):"
    )
    for command in _commands(outcome):
        console.print(f"  {command}", markup=False, highlight=False, soft_wrap=True)


def run(
    workdir: Annotated[
        Path | None,
        typer.Option(help="Keep the demo's files here (an empty or new directory)."),
    ] = None,
) -> None:
    """Run the end-to-end demo: two devices meet, one tests positive, the other is warned."""
    console = Console()
    now = time.time()
    if workdir is None:
        with tempfile.TemporaryDirectory(prefix="civitrace-demo-") as directory:
            report(run_scenario(Path(directory), now), console)
        console.print("(the files were in a temporary directory; pass --workdir DIR to keep them)")
        return
    workdir.mkdir(parents=True, exist_ok=True)
    if any(workdir.iterdir()):
        raise CliError(f"--workdir: {workdir} is not empty")
    report(run_scenario(workdir.resolve(), now), console)
