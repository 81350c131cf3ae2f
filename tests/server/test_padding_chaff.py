"""Padding on every response; chaff that never reaches the database and takes as long as real
requests of the same route."""

import asyncio
import base64
import time
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from civitrace.server.db import Base, make_engine
from civitrace.server.middleware import (
    FALLBACK_DELAY,
    MAX_CHAFF_DELAY,
    ChaffMiddleware,
    LatencySampler,
)
from civitrace.server.settings import Settings
from tests.server.conftest import Api, Authority, TestClient


def _padding_size(body: dict[str, object]) -> int:
    padding = body["padding"]
    assert isinstance(padding, str)
    return len(base64.b64decode(padding, validate=True))


def test_padding_on_success_and_error(api: Api) -> None:
    sizes = set()
    for _ in range(20):
        for response in (api.issue(), api.verify("nope")):
            size = _padding_size(response.json())
            assert 1024 <= size < 2048
            sizes.add(size)
    assert len(sizes) > 10  # random, not fixed


@pytest.mark.parametrize("path", ["/health", "/api/nothing"])
def test_padding_everywhere(client: TestClient, path: str) -> None:
    assert 1024 <= _padding_size(client.get(path).json()) < 2048


def _row_counts(url: str) -> dict[str, int]:
    engine = make_engine(url)
    with engine.connect() as connection:
        counts = {
            table.name: connection.execute(select(func.count()).select_from(table)).scalar_one()
            for table in Base.metadata.sorted_tables
        }
    engine.dispose()
    return counts


@pytest.mark.parametrize("path", ["/api/issue", "/api/verify", "/api/certificate"])
def test_chaff_touches_nothing(
    client: TestClient, authority: Authority, database_url: str, path: str
) -> None:
    before = _row_counts(database_url)
    for headers in ({"X-Chaff": "1"}, {**authority.admin, "X-Chaff": "yes"}):
        response = client.post(path, json={"code": "x", "testType": "confirmed"}, headers=headers)
        assert response.status_code == 200
        assert 1024 <= _padding_size(response.json()) < 2048
    assert _row_counts(database_url) == before


# -- chaff latency mimicry ------------------------------------------------------------------------

REAL_SECONDS = 0.15  # how long the stub's real requests take


def _stub(statuses: dict[str, int]) -> Any:
    """An ASGI app whose real requests take REAL_SECONDS and answer ``statuses[path]``."""

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await asyncio.sleep(REAL_SECONDS)
        await send(
            {
                "type": "http.response.start",
                "status": statuses.get(scope["path"], 200),
                "headers": [],
            }
        )
        await send({"type": "http.response.body", "body": b"{}"})

    return app


async def _timed(client: httpx.AsyncClient, path: str, *, chaff: bool) -> tuple[float, int]:
    headers = {"X-Chaff": "1"} if chaff else {}
    began = time.perf_counter()
    response = await client.post(path, json={}, headers=headers)
    return time.perf_counter() - began, response.status_code


def test_chaff_waits_as_long_as_recent_real_requests(settings: Settings) -> None:
    middleware = ChaffMiddleware(_stub({"/v1/failing": 500}), settings=settings)
    transport = httpx.ASGITransport(app=middleware)

    async def scenario() -> None:
        async with httpx.AsyncClient(transport=transport, base_url="http://civitrace") as client:
            low, high = FALLBACK_DELAY
            fallback, _ = await _timed(client, "/v1/publish", chaff=True)
            assert low <= fallback < high + 0.5  # nothing real seen yet: the default range
            await _timed(client, "/v1/failing", chaff=False)  # a 500 is not a sample
            assert middleware.latencies.sample("/v1/failing") < high
            for _ in range(3):
                real, status = await _timed(client, "/v1/publish", chaff=False)
                assert status == 200
                assert real >= REAL_SECONDS
            for path in ("/v1/publish", "/v1/other"):  # the route's samples, else its API's
                chaffed, status = await _timed(client, path, chaff=True)
                assert status == 200
                assert REAL_SECONDS <= chaffed < REAL_SECONDS + 1.0
            unrelated, _ = await _timed(client, "/api/verify", chaff=True)
            assert unrelated < high + 0.5  # the verification API has its own samples

    asyncio.run(scenario())


def test_sampler_is_bounded_and_capped() -> None:
    sampler = LatencySampler(size=4)
    for seconds in (1.0, 2.0, 3.0, 4.0, 5.0, 60.0):
        sampler.record("/v1/publish", seconds)
    assert {sampler.sample("/v1/publish") for _ in range(200)} == {3.0, 4.0, 5.0, MAX_CHAFF_DELAY}


def test_chaff_time_is_comparable_to_real_requests(api: Api) -> None:
    """Through the whole app: a chaff issue takes about as long as the real issues before it."""
    real = []
    for _ in range(5):
        began = time.perf_counter()
        assert api.issue().status_code == 200
        real.append(time.perf_counter() - began)
    chaff = []
    for _ in range(5):
        began = time.perf_counter()
        response = api.client.post(
            "/api/issue", json={"testType": "confirmed"}, headers={"X-Chaff": "1"}
        )
        chaff.append(time.perf_counter() - began)
        assert response.status_code == 200
    # each chaff sleeps one real latency (measured inside the app, so a little shorter than the
    # client saw); generous bounds keep a loaded machine from failing it
    assert min(chaff) >= 0.3 * min(real), (real, chaff)
    assert max(chaff) <= max(real) + 0.5, (real, chaff)
