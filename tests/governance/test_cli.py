"""``civitrace governance …`` and ``civitrace audit …`` as a user runs them: output, exit
codes, and one-line errors for bad input."""

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, update

from civitrace.cli import main
from civitrace.governance.enforce import JOB_NAME
from civitrace.governance.inventory import Inventory, parse_inventory, shipped_inventory
from civitrace.server.db import session_factory
from civitrace.server.db.governance_models import AuditEntry
from civitrace.server.jobs.lock import JOB_BUSY_EXIT_CODE, job_lock
from tests.governance.factories import load_factories

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
NOW = ("--now", T0.isoformat())


@dataclass
class Result:
    exit_code: int
    stdout: str
    stderr: str


def _run(argv: list[str]) -> None:
    """The real entry point, as the installed ``civitrace`` script runs it."""
    main(argv)


Invoke = Callable[..., Result]


@pytest.fixture
def civitrace(
    capsys: pytest.CaptureFixture[str], engine: Engine, database_url: str, tmp_path: Path
) -> Invoke:
    def invoke(*args: str) -> Result:
        code = 0
        try:
            _run([*args, "--db", database_url, "--data-dir", str(tmp_path)])
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        out, err = capsys.readouterr()
        return Result(code, out, err)

    return invoke


def _file(tmp_path: Path, inventory: Inventory) -> Path:
    path = tmp_path / "proposed.toml"
    path.write_text(inventory.to_toml(), encoding="utf-8")
    return path


def _longer_cases(days: int) -> Inventory:
    base = shipped_inventory()
    cases = base.get("cases")
    assert cases is not None
    changed = replace(cases, retention=timedelta(days=days))
    return Inventory((*(c for c in base if c.name != "cases"), changed))


def test_enforce_deletes_what_is_past_retention(civitrace: Invoke, engine: Engine) -> None:
    with session_factory(engine)() as session:
        load_factories()["exposures"](session, T0 - timedelta(days=15))
        load_factories()["exposures"](session, T0 - timedelta(days=13))
        session.commit()
    result = civitrace("governance", "enforce", *NOW)
    assert result.exit_code == 0, result.stderr
    assert "exposures: 1 deleted" in result.stdout
    assert "sunset" not in result.stdout
    with job_lock(engine, JOB_NAME):
        busy = civitrace("governance", "enforce", *NOW)
    assert busy.exit_code == JOB_BUSY_EXIT_CODE
    assert "another host is running retention" in busy.stderr
    bad = civitrace("governance", "enforce", "--now", "yesterday")
    assert (bad.exit_code, bad.stderr.strip()) == (
        1,
        "error: --now: 'yesterday' is not an ISO-8601 date-time",
    )


def test_inventory_prints_what_is_in_force(civitrace: Invoke) -> None:
    result = civitrace("governance", "inventory", *NOW)
    assert result.exit_code == 0, result.stderr
    assert parse_inventory(result.stdout) == shipped_inventory()
    as_json = civitrace("governance", "inventory", "--json", *NOW)
    assert '"format": 1' in as_json.stdout


def test_propose_summary_withdraw(civitrace: Invoke, tmp_path: Path) -> None:
    path = _file(tmp_path, _longer_cases(45))
    proposed = civitrace("governance", "propose", str(path), "--title", "Longer cases", *NOW)
    assert proposed.exit_code == 0, proposed.stderr
    assert "cases: retention 30 days -> 45 days (widening)" in proposed.stdout
    found = re.search(r"proposal (\d+) \(widening\): pending, effective (\S+)", proposed.stdout)
    assert found is not None, proposed.stdout
    number, effective = found.groups()
    assert effective == "2026-04-01T09:00:00+00:00"
    listed = civitrace("governance", "proposals", *NOW)
    assert re.search(r"proposal \d+ \(baseline\): in-force", listed.stdout)
    assert "  - cases: retention 30 days -> 45 days (widening)" in listed.stdout
    late = ("--now", (T0 + timedelta(days=31)).isoformat())
    waiting = civitrace("governance", "proposals", "--json", *late)
    assert '"status": "awaiting-summary"' in waiting.stdout
    summary = civitrace("governance", "summary", number, "https://example.org/s/2", *late)
    assert f"proposal {number} (widening): in-force" in summary.stdout
    in_force = civitrace("governance", "inventory", *late)
    assert parse_inventory(in_force.stdout).get("cases").retention == timedelta(days=45)  # type: ignore[union-attr]
    again = civitrace("governance", "withdraw", number, *late)
    assert again.exit_code == 1
    assert again.stderr.startswith(f"error: proposal {number}: is in-force")


def test_propose_refuses_bad_input_in_one_line(civitrace: Invoke, tmp_path: Path) -> None:
    path = _file(tmp_path, _longer_cases(45))
    early = civitrace(
        "governance", "propose", str(path), "--title", "t", "--effective", "2026-03-05", *NOW
    )
    assert early.exit_code == 1
    assert early.stderr.startswith("error: effective_at: a widening change takes effect no earlier")
    broken = tmp_path / "broken.toml"
    broken.write_text(shipped_inventory().to_toml().replace('"30 days"', '"-30 days"'))
    bad = civitrace("governance", "propose", str(broken), "--title", "t", *NOW)
    assert bad.exit_code == 1
    assert "categories.cases.retention" in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1
    missing = civitrace("governance", "propose", str(tmp_path / "nope.toml"), "--title", "t")
    assert missing.exit_code == 1
    assert "no such file" in missing.stderr
    same = civitrace(
        "governance", "propose", str(_file(tmp_path, shipped_inventory())), "--title", "t"
    )
    assert same.stdout.startswith("no change")


def test_access_requests_from_the_command_line(civitrace: Invoke) -> None:
    added = civitrace(
        "governance", "access-request", "add",
        "--requester", "Jane Doe", "--type", "other", "--individual",
        "--legal-basis", "FOI", "--data", "My neighbour", "--category", "cases", *NOW,
    )  # fmt: skip
    recorded = re.fullmatch(r"access request (\d+) recorded", added.stdout.strip())
    assert recorded is not None, added.stderr
    number = recorded.group(1)
    decided = civitrace(
        "governance", "access-request", "decide", number, "--decision", "refused",
        "--reason", "Personal data of a third person", *NOW,
    )  # fmt: skip
    assert decided.stdout.strip() == f"access request {number}: refused"
    staff = civitrace("governance", "access-request", "list")
    assert "Jane Doe" in staff.stdout
    assert "My neighbour" in staff.stdout
    public = civitrace("governance", "access-request", "list", "--public")
    assert "Jane Doe" not in public.stdout
    assert "My neighbour" not in public.stdout
    assert '"refused": 1' in public.stdout
    wrong = civitrace(
        "governance", "access-request", "add", "--requester", "X", "--type", "press",
        "--legal-basis", "b", "--data", "d",
    )  # fmt: skip
    assert wrong.exit_code == 1
    assert wrong.stderr.startswith("error: requester_type: must be one of")


def test_audit_verify_and_head(civitrace: Invoke, engine: Engine, tmp_path: Path) -> None:
    civitrace("governance", "propose", str(_file(tmp_path, _longer_cases(7))), "--title", "t", *NOW)
    head = civitrace("audit", "head")
    sequence, digest = head.stdout.strip().split(":")
    assert sequence == "2"
    ok = civitrace("audit", "verify")
    assert ok.exit_code == 0
    assert digest in ok.stdout
    assert civitrace("audit", "verify", "--head", head.stdout.strip()).exit_code == 0
    with session_factory(engine)() as session:
        session.execute(update(AuditEntry).where(AuditEntry.sequence == 1).values(object="x"))
        session.commit()
    broken = civitrace("audit", "verify")
    assert broken.exit_code == 1
    assert broken.stderr.startswith("error: audit chain broken at entry 1:")
    malformed = civitrace("audit", "verify", "--head", "latest")
    assert malformed.exit_code == 1
    assert "--head" in malformed.stderr


def test_transparency_prints_the_page_data(civitrace: Invoke) -> None:
    result = civitrace("governance", "transparency", *NOW)
    assert result.exit_code == 0
    assert '"headDigest": "' + "0" * 64 + '"' in result.stdout
