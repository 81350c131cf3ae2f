"""Fixtures and helpers of the server-side statistics tests (``tests/server/test_stats_*.py``).

They run on both databases of ``tests/server/conftest.py``. ``stats_client`` is the real
``create_app``, which includes the statistics routes.
"""

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from civitrace.analytics.constants import AGE_BANDS
from civitrace.analytics.ledger import PrivacyBudget
from civitrace.analytics.model import Release
from civitrace.analytics.records import Window
from civitrace.analytics.regions import RegionSet, demo_regions
from civitrace.server.analytics.pseudonyms import WeeklyPseudonyms
from civitrace.server.analytics.publishing import ReleaseRequest, publish_release
from civitrace.server.analytics.sources import CaseRecord, RecordsCaseSource, TestRecord
from civitrace.server.app import create_app
from civitrace.server.db import make_engine, session_factory
from civitrace.server.settings import Settings
from tests.server.conftest import TestClient

WEEK = Window.week("2026-W03")
KEK = bytes(range(32))


@pytest.fixture(scope="session")
def stats_session_client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as client:
        yield client


@pytest.fixture
def stats_client(stats_session_client: TestClient, client: TestClient) -> TestClient:
    """An app with the statistics routes, over a database ``client`` has just emptied."""
    return stats_session_client


@pytest.fixture
def session(client: TestClient, database_url: str) -> Iterator[Session]:
    """A session on the emptied test database."""
    engine = make_engine(database_url)
    with session_factory(engine)() as opened:
        yield opened
    engine.dispose()


@pytest.fixture(scope="session")
def regions() -> RegionSet:
    return demo_regions()


def case_records(regions: RegionSet, n: int, window: Window = WEEK) -> list[CaseRecord]:
    """``n`` deterministic cases spread over the window, the regions and the age bands."""
    ids = regions.ids
    return [
        CaseRecord(
            f"case-{i}",
            window.start + timedelta(days=i % 7),
            ids[i % len(ids)],
            AGE_BANDS[i % len(AGE_BANDS)],
        )
        for i in range(n)
    ]


def results_of_tests(regions: RegionSet, n: int, window: Window = WEEK) -> list[TestRecord]:
    """``n`` deterministic tests, one in five positive."""
    return [
        TestRecord(c.case_id, c.day, c.region, c.age_band, i % 5 == 0)
        for i, c in enumerate(case_records(regions, n, window))
    ]


def source(regions: RegionSet, n: int = 400, window: Window = WEEK) -> RecordsCaseSource:
    cases = case_records(regions, n, window)
    return RecordsCaseSource(
        cases=cases, tests=results_of_tests(regions, n, window), warnings=cases
    )


def publish(
    session: Session,
    regions: RegionSet,
    kind: str = "cases",
    *,
    epsilon: float = 0.5,
    budget: float | None = 10.0,
    window: Window = WEEK,
    granularity: str = "day",
) -> tuple[Release, ...]:
    """One release of synthetic records through the real service."""
    request = ReleaseRequest(
        kind=kind,
        window=window,
        epsilon=epsilon,
        granularity="day" if granularity == "day" else "week",
        budget=None if budget is None else PrivacyBudget(budget),
    )
    return publish_release(
        session,
        request,
        source=source(regions, window=window),
        pseudonyms=WeeklyPseudonyms(KEK),
        regions=regions,
    )
