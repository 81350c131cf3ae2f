"""Padding on every response and chaff that never reaches the database."""

import base64

import pytest
from sqlalchemy import func, select

from civitrace.server.db import Base, make_engine
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
