"""``serve`` enforces retention on its own timer: deletion needs no cron."""

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select

from civitrace.server import scheduler
from civitrace.server.app import create_app
from civitrace.server.db import make_engine, session_factory
from civitrace.server.db.models import Exposure
from civitrace.server.jobs.settings import RetentionSettings
from civitrace.server.retention import RetentionReport
from civitrace.server.settings import Settings
from tests.server.conftest import TestClient, _wipe
from tests.server.test_retention import _exposure

TICK = timedelta(milliseconds=200)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    _wipe(database_url)
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def _every(settings: Settings, interval: timedelta) -> Settings:
    return settings.model_copy(update={"retention": RetentionSettings(run_every=interval)})


def _keys(engine: Engine) -> set[bytes]:
    with session_factory(engine)() as session:
        return set(session.scalars(select(Exposure.exposure_key)))


def _wait_until(condition: object, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "the timer never ran"
        time.sleep(0.05)


def test_a_running_server_deletes_what_is_past_retention(
    engine: Engine, settings: Settings
) -> None:
    now = datetime.now(UTC)
    with session_factory(engine)() as session:
        session.add_all([_exposure(1, now - timedelta(days=15)), _exposure(2, now)])
        session.commit()
    with TestClient(create_app(_every(settings, TICK))):
        _wait_until(lambda: bytes([1]) * 16 not in _keys(engine))
    assert _keys(engine) == {bytes([2]) * 16}


def test_a_failed_round_does_not_stop_the_timer(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    rounds: list[str] = []

    def flaky(_engine: Engine, _settings: Settings) -> RetentionReport:
        rounds.append("ran")
        if len(rounds) == 1:
            raise RuntimeError("database went away")
        return RetentionReport(counts={})

    monkeypatch.setattr(scheduler, "enforce_retention", flaky)
    with TestClient(create_app(_every(settings, TICK))) as http:
        _wait_until(lambda: len(rounds) >= 2)
        assert http.get("/health").status_code == 200


def test_zero_leaves_it_to_cron_and_long_intervals_are_refused() -> None:
    assert not RetentionSettings(run_every=timedelta(0)).run_every
    with pytest.raises(ValueError, match="run_every"):
        RetentionSettings(run_every=timedelta(days=2))
    with pytest.raises(ValueError, match="run_every"):
        RetentionSettings(run_every=timedelta(seconds=-1))
