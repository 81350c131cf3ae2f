"""Retention: at a controlled ``now`` nothing outlives its retention and nothing younger goes.

``retention run`` delegates to the governance enforcement job; the server's retention settings
can only shorten the inventory's declared retentions (the generic per-category privacy tests
are in ``tests/governance/test_privacy_per_category.py``).
"""

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from civitrace.governance.enforce import retention_of
from civitrace.governance.inventory import shipped_inventory
from civitrace.server.apikeys import create_api_key
from civitrace.server.authorities import create_health_authority
from civitrace.server.db import make_engine, session_factory
from civitrace.server.db.models import (
    ApiKeyType,
    Exposure,
    FailedGuess,
    Token,
    VerificationCode,
)
from civitrace.server.exports.storage import MemoryStorage
from civitrace.server.jobs import JOB_BUSY_EXIT_CODE, JobAlreadyRunningError, job_lock
from civitrace.server.jobs.settings import RetentionSettings
from civitrace.server.retention import JOB_NAME, run_retention, shorter_retentions
from civitrace.server.settings import Settings
from tests.server.conftest import _wipe

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)
SRC = str(Path(__file__).resolve().parents[2] / "src")


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    _wipe(database_url)
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def _exposure(n: int, created_at: datetime) -> Exposure:
    return Exposure(
        exposure_key=bytes([n]) * 16,
        transmission_risk=2,
        regions="ZZ",
        interval_number=2_000_000,
        interval_count=144,
        created_at=created_at,
    )


def _code(n: int, expires_at: datetime, long_expires_at: datetime, ha: int) -> VerificationCode:
    return VerificationCode(
        uuid=f"00000000-0000-4000-8000-{n:012d}",
        health_authority_id=ha,
        code_hmac=bytes([n]) * 32,
        long_code_hmac=bytes([n + 100]) * 32,
        test_type="confirmed",
        symptom_date=date(2026, 2, 20),
        expires_at=expires_at,
        long_expires_at=long_expires_at,
        claimed=n % 2 == 0,
    )


@dataclass(frozen=True)
class Effective:
    """The retentions in force: the inventory's, shortened (never lengthened) by settings."""

    exposures: timedelta
    codes_after_expiry: timedelta
    tokens_after_expiry: timedelta
    failed_guesses: timedelta

    @classmethod
    def of(cls, settings: RetentionSettings) -> "Effective":
        shorter = shorter_retentions(settings)
        inventory = shipped_inventory()

        def get(category: str) -> timedelta:
            value = retention_of(inventory, category, shorter)
            assert value is not None
            return value

        return cls(
            get("exposure_keys"),
            get("verification_codes"),
            get("verification_tokens"),
            get("rate_limits"),
        )


def _seed(engine: Engine, settings: Settings, configured: RetentionSettings) -> None:
    retention = Effective.of(configured)
    with session_factory(engine)() as session:
        ha = create_health_authority(session, settings, "Retention HA", ["ZZ"])
        key = create_api_key(session, ha, ApiKeyType.DEVICE, "app")
        old, young = NOW - retention.exposures - SECOND, NOW - retention.exposures + SECOND
        session.add_all([_exposure(1, old), _exposure(2, young), _exposure(3, NOW)])
        grace = retention.codes_after_expiry
        session.add_all(
            [
                _code(1, NOW - grace - 2 * SECOND, NOW - grace - SECOND, ha.id),  # both expired
                _code(2, NOW - grace - 2 * SECOND, NOW - grace - SECOND, ha.id),  # claimed too
                _code(3, NOW - grace - SECOND, NOW + timedelta(hours=20), ha.id),  # long alive
                _code(4, NOW - grace + SECOND, NOW - grace + SECOND, ha.id),  # within grace
            ]
        )
        token_grace = retention.tokens_after_expiry
        for n, expiry in enumerate((NOW - token_grace - SECOND, NOW - token_grace + SECOND)):
            session.add(
                Token(
                    jti=f"jti-{n}",
                    health_authority_id=ha.id,
                    test_type="confirmed",
                    expires_at=expiry,
                    claimed=True,
                )
            )
        for n, start in enumerate(
            (NOW - retention.failed_guesses - SECOND, NOW - retention.failed_guesses + SECOND)
        ):
            session.add(FailedGuess(api_key_id=key.row.id, window_start=start, count=n + 1))
        session.commit()


@pytest.mark.parametrize(
    "retention",
    [
        RetentionSettings(),
        RetentionSettings(
            exposures=timedelta(days=3),
            codes_after_expiry=timedelta(0),
            tokens_after_expiry=timedelta(days=2),
            failed_guesses=timedelta(days=7),
        ),
    ],
)
def test_nothing_outlives_retention_and_nothing_younger_goes(
    engine: Engine, settings: Settings, retention: RetentionSettings
) -> None:
    _seed(engine, settings, retention)
    storage = MemoryStorage()
    report = run_retention(engine, retention, now=NOW, storage=storage)
    expected = {
        "exposures": 1,
        "verification_codes": 2,
        "tokens": 1,
        "failed_guesses": 1,
        "export_files": 0,
    }
    assert {table: report.counts[table] for table in expected} == expected
    effective = Effective.of(retention)
    with session_factory(engine)() as session:
        keys = set(session.scalars(select(Exposure.exposure_key)))
        assert keys == {bytes([2]) * 16, bytes([3]) * 16}
        codes = set(session.scalars(select(VerificationCode.uuid)))
        assert codes == {f"00000000-0000-4000-8000-{n:012d}" for n in (3, 4)}
        for code in session.scalars(select(VerificationCode)):
            assert max(code.expires_at, code.long_expires_at) >= NOW - effective.codes_after_expiry
        for token in session.scalars(select(Token)):
            assert token.expires_at >= NOW - effective.tokens_after_expiry
        for bucket in session.scalars(select(FailedGuess)):
            assert bucket.window_start >= NOW - effective.failed_guesses
        assert len(session.scalars(select(Token)).all()) == 1
        assert len(session.scalars(select(FailedGuess)).all()) == 1
    # A second run at the same moment finds nothing left to delete.
    again = run_retention(engine, retention, now=NOW)
    assert set(again.counts.values()) == {0}


def test_a_longer_setting_does_not_extend_the_declared_retention() -> None:
    longer = RetentionSettings(tokens_after_expiry=timedelta(days=2))
    declared = shipped_inventory().get("verification_tokens")
    assert declared is not None
    assert declared.retention == timedelta(hours=1)
    assert Effective.of(longer).tokens_after_expiry == timedelta(hours=1)


def test_later_run_catches_up(engine: Engine, settings: Settings) -> None:
    retention = RetentionSettings()
    _seed(engine, settings, retention)
    run_retention(engine, retention, now=NOW + timedelta(days=30))
    with session_factory(engine)() as session:
        for model in (Exposure, VerificationCode, Token, FailedGuess):
            assert session.scalars(select(model)).all() == [], model.__tablename__


def test_retention_refuses_to_run_twice(engine: Engine) -> None:
    with job_lock(engine, JOB_NAME), pytest.raises(JobAlreadyRunningError):
        run_retention(engine, RetentionSettings(), now=NOW)


@pytest.mark.parametrize(
    "values",
    [
        {"exposures": timedelta(days=30)},
        {"exposures": timedelta(hours=1)},
        {"codes_after_expiry": timedelta(days=8)},
        {"tokens_after_expiry": timedelta(seconds=-1)},
        {"failed_guesses": timedelta(hours=2)},
    ],
)
def test_unsafe_retention_is_refused(values: dict[str, timedelta]) -> None:
    with pytest.raises(ValueError, match=next(iter(values))):
        RetentionSettings(**values)


CLI = """
import typer
from civitrace.cli._output import fail
from civitrace.cli.jobs import retention_app
from civitrace.errors import CivitraceError
app = typer.Typer(pretty_exceptions_enable=False)
app.add_typer(retention_app, name="retention")
try:
    app()  # as 'civitrace retention' once registered; errors mapped as cli.main does
except CivitraceError as exc:
    fail(str(exc))
"""


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", CLI, "retention", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": SRC},
        timeout=120,
        check=False,
    )


def test_cli_prints_counts_and_exits_75_when_busy(
    engine: Engine, settings: Settings, database_url: str, tmp_path: Path
) -> None:
    _seed(engine, settings, RetentionSettings())
    args = ("run", "--db", database_url, "--data-dir", str(tmp_path), "--now", NOW.isoformat())
    with job_lock(engine, JOB_NAME):
        busy = _cli(*args)
    assert busy.returncode == JOB_BUSY_EXIT_CODE, busy.stderr
    assert "another host is running retention" in busy.stderr
    done = _cli(*args)
    assert done.returncode == 0, done.stderr
    assert "exposures: 1 deleted" in done.stdout
    assert "verification_codes: 2 deleted" in done.stdout
    assert "export_files: 0 deleted" in done.stdout
    bad = _cli("run", "--db", database_url, "--data-dir", str(tmp_path), "--now", "yesterday")
    assert bad.returncode != 0
    assert "--now" in bad.stderr
