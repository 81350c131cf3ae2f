"""Stored releases served as JSON and CSV, and no path that serves an un-noised count.

The second half replaces OpenDP's noisy vector by sentinels (10 000 times the call plus the
cell index, far above any true count here): every number a route or a serving function returns
must then be a sentinel, a ratio of two, or a sum of them, so a true count cannot pass. Both
lists (the router's routes; the functions of ``civitrace.server.analytics`` that return
releases) are enumerated, so a new one fails until it is checked here.
"""

import csv
import importlib
import inspect
import io
import json
import pkgutil
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy.orm import Session

import civitrace.server.analytics
from civitrace.analytics import _mechanisms
from civitrace.analytics.constants import KINDS
from civitrace.analytics.model import Release
from civitrace.analytics.regions import RegionSet
from civitrace.server.analytics import store
from civitrace.server.analytics.publishing import RELEASE_KINDS, stored_release
from civitrace.server.analytics.views import router
from tests.analytics.server_support import (
    publish,
    regions,
    session,
    stats_client,
    stats_session_client,
)
from tests.server.conftest import TestClient, assert_error

__all__ = [
    "regions",
    "session",
    "stats_client",
    "stats_session_client",
]  # fixtures used by the tests below

SENTINEL = 10_000


def test_downloads(stats_client: TestClient, session: Session, regions: RegionSet) -> None:
    (cases,) = publish(session, regions, "cases", epsilon=0.5, budget=2.0)
    ratio, positives, tests = publish(
        session, regions, "test_positivity", epsilon=1.0, budget=None, granularity="week"
    )
    listing = stats_client.get("/stats/releases.json")
    assert listing.status_code == 200
    assert listing.headers["cache-control"] == "public, max-age=300"
    document = listing.json()
    assert [r["release_id"] for r in document["releases"]][-1] == cases.release_id
    assert {r["kind"] for r in document["releases"]} == {
        "cases",
        "test_positivity",
        "positives",
        "tests",
    }
    by_id = {r["release_id"]: r for r in document["releases"]}
    assert by_id[ratio.release_id]["derived_from"] == [positives.release_id, tests.release_id]
    assert by_id[cases.release_id]["csv"] == f"/stats/releases/{cases.release_id}.csv"
    assert document["periods"] == [
        {
            "period": "2026-W03",
            "budget": {"epsilon": 2.0, "delta": 0.0},
            "spent": {"epsilon": pytest.approx(1.5), "delta": 0.0},
            "releases": 3,  # cases, positives, tests; the ratio is post-processing
        }
    ]
    served = stats_client.get(f"/stats/releases/{cases.release_id}.json").json()
    published_at = served.pop("published_at")
    assert served == json.loads(json.dumps(cases.to_json()))
    assert datetime.fromisoformat(published_at).tzinfo is not None
    text = stats_client.get(f"/stats/releases/{cases.release_id}.csv")
    assert text.headers["content-type"] == "text/csv; charset=utf-8"
    assert text.text == cases.to_csv()
    rows = list(csv.DictReader(io.StringIO(text.text.split("\n", 1)[1])))
    assert len(rows) == len(cases.cells) + len(cases.totals)
    assert {row["epsilon"] for row in rows} == {"0.5"}
    latest = stats_client.get("/stats/latest.json", params={"kind": "test_positivity"}).json()
    assert latest["release_id"] == ratio.release_id
    assert stats_client.get("/stats/latest.json").json()["release_id"] == cases.release_id
    assert stats_client.get("/stats/latest.csv", params={"kind": "tests"}).text == tests.to_csv()
    only = stats_client.get("/stats/releases.json", params={"kind": "cases", "limit": 5}).json()
    assert [r["release_id"] for r in only["releases"]] == [cases.release_id]


def test_refusals_name_the_problem(stats_client: TestClient) -> None:
    missing = stats_client.get("/stats/releases/0123456789abcdef.json")
    assert_error(missing, 404, "not_found", "release")
    assert_error(stats_client.get("/stats/releases/0123456789abcdef.csv"), 404, "not_found")
    assert_error(stats_client.get("/stats/latest.json"), 404, "not_found", "no cases release")
    malformed = stats_client.get("/stats/releases/not-an-id.json")
    assert_error(malformed, 400, "unparsable_request", "path.release_id: ")
    bad_kind = stats_client.get("/stats/latest.csv", params={"kind": "names"})
    assert_error(bad_kind, 400, "unparsable_request", "query.kind: ")
    bad_limit = stats_client.get("/stats/releases.json", params={"limit": 0})
    assert_error(bad_limit, 400, "unparsable_request", "query.limit: ")


# --- no un-noised count on any path -------------------------------------------------------


@pytest.fixture
def sentinels(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Replace the noisy vector of every measurement by sentinels; returns the vector sizes."""
    sizes: list[int] = []

    def sentinel(measurement: Any, data: Sequence[str]) -> list[int]:
        assert "MaxDivergence" in str(measurement.output_measure)
        size = len(measurement(list(data)))  # the real measurement still runs
        sizes.append(size)
        return [SENTINEL * len(sizes) + i for i in range(size)]

    monkeypatch.setattr(_mechanisms, "invoke", sentinel)
    return sizes


def _check_counts(release: Release) -> None:
    for index, cell in enumerate(release.cells):
        assert not cell.suppressed
        assert cell.value is not None
        assert cell.value >= SENTINEL
        assert cell.value % SENTINEL == index, (release.kind, index, cell.value)
    for total in release.totals:
        assert total.value is not None
        assert total.value >= SENTINEL


def _check_ratio(release: Release, sources: dict[str, Release]) -> None:
    positives, tests = (sources[i] for i in release.derived_from)
    for cell, p, t in zip(release.cells, positives.cells, tests.cells, strict=True):
        assert p.value is not None
        assert t.value is not None
        assert cell.value == round(p.value / t.value, 4)


def _check(release: Release, sources: dict[str, Release]) -> None:
    if release.kind == "test_positivity":
        _check_ratio(release, sources)
    else:
        _check_counts(release)


def _csv_values(text: str) -> list[float]:
    rows = csv.DictReader(io.StringIO(text.split("\n", 1)[1]))
    return [float(row["value"]) for row in rows]


RouteCheck = Callable[[TestClient, dict[str, Release]], None]


def _listing(client: TestClient, published: dict[str, Release]) -> None:
    document = client.get("/stats/releases.json").json()
    assert {r["release_id"] for r in document["releases"]} == set(published)
    for summary in document["releases"]:
        assert "cells" not in summary
        assert summary["epsilon"] == published[summary["release_id"]].epsilon


def _release_json(client: TestClient, published: dict[str, Release]) -> None:
    for release_id in published:
        _check(
            Release.from_json(client.get(f"/stats/releases/{release_id}.json").json()), published
        )


def _release_csv(client: TestClient, published: dict[str, Release]) -> None:
    for release_id, release in published.items():
        values = _csv_values(client.get(f"/stats/releases/{release_id}.csv").text)
        expected = [c.value for c in (*release.cells, *release.totals)]
        assert values == expected  # and ``expected`` passed _check through the JSON route


def _latest_json(client: TestClient, published: dict[str, Release]) -> None:
    for kind in KINDS:
        served = client.get("/stats/latest.json", params={"kind": kind}).json()
        _check(Release.from_json(served), published)


def _latest_csv(client: TestClient, published: dict[str, Release]) -> None:
    for kind in KINDS:
        values = _csv_values(client.get("/stats/latest.csv", params={"kind": kind}).text)
        release = next(r for r in published.values() if r.kind == kind)
        assert values == [c.value for c in (*release.cells, *release.totals)]


def _usage(client: TestClient, published: dict[str, Release]) -> None:
    """Usage estimates come from device reports only (none here), never from case data."""
    document = client.get("/stats/usage.json").json()
    assert document["days"] == []
    assert all(
        e["reports"] == 0 and e["suppressed"] for e in document["total"]["estimates"].values()
    )


ROUTE_CHECKS: dict[str, RouteCheck] = {
    "/stats/releases.json": _listing,
    "/stats/releases/{release_id}.json": _release_json,
    "/stats/releases/{release_id}.csv": _release_csv,
    "/stats/latest.json": _latest_json,
    "/stats/latest.csv": _latest_csv,
    "/stats/usage.json": _usage,
}


def test_every_route_is_checked() -> None:
    served = {getattr(r, "path", "") for r in router.routes if "GET" in getattr(r, "methods", ())}
    assert served == set(ROUTE_CHECKS)
    posted = {getattr(r, "path", "") for r in router.routes if "POST" in getattr(r, "methods", ())}
    assert posted == {"/v1/usage"}  # input only: it answers padding, nothing else


def _publish_every_kind(session: Session, regions: RegionSet) -> dict[str, Release]:
    published: dict[str, Release] = {}
    for kind in RELEASE_KINDS:
        for release in publish(session, regions, kind, epsilon=0.5):
            published[release.release_id] = release
    return published


def test_no_route_serves_an_unnoised_count(
    stats_client: TestClient, session: Session, regions: RegionSet, sentinels: list[int]
) -> None:
    published = _publish_every_kind(session, regions)
    assert len(sentinels) == 5  # cases, age bands, warnings, positives + tests
    assert {r.kind for r in published.values()} == set(KINDS)
    for release in published.values():
        _check(release, published)  # what publish_release returned
    for path, check in ROUTE_CHECKS.items():
        check(stats_client, published)
        assert path.startswith("/stats/")


SERVING_FUNCTIONS = {
    "publish_release",
    "stored_release",
    "get_release",
    "latest_release",
    "list_releases",
}
"""Every function of the server package that returns a release (or a summary of one)."""


def _functions_returning_releases() -> set[str]:
    found = set()
    package = civitrace.server.analytics
    for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        module = importlib.import_module(info.name)
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if name.startswith("_") or fn.__module__ != module.__name__:
                continue
            if "Release" in str(inspect.signature(fn).return_annotation):
                found.add(name)
    return found


def test_every_serving_function_is_checked(
    session: Session, regions: RegionSet, sentinels: list[int]
) -> None:
    assert _functions_returning_releases() == SERVING_FUNCTIONS
    published = _publish_every_kind(session, regions)  # publish_release
    for release_id, release in published.items():
        row = stored_release(release, store.get_release(session, release_id).published_at)
        _check(Release.from_json(json.loads(row.document)), published)
        _check(store.get_release(session, release_id).release, published)
    for kind in KINDS:
        _check(store.latest_release(session, kind).release, published)
    summaries = store.list_releases(session)
    assert {s.release_id for s in summaries} == set(published)
    assert all("cells" not in s.to_json() for s in summaries)
