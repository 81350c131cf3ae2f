"""``POST /v1/usage`` and ``GET /stats/usage.json``: randomized reports in, per-day totals kept,
unbiased estimates out; nothing per device stored; bad input refused naming the field."""

import logging
import math
import random
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, MetaData, func, select
from sqlalchemy.orm import Session

from civitrace.analytics.constants import USAGE_EPSILON, USAGE_FLAGS, USAGE_MIN_REPORTS
from civitrace.analytics.randomized_response import randomize
from civitrace.server.analytics.usage import record_usage, usage_estimates
from civitrace.server.db import Base, make_engine
from civitrace.server.db.analytics_models import UsageCount
from tests.analytics.server_support import session, stats_client, stats_session_client
from tests.server.conftest import TestClient

# fixtures the tests below use
__all__ = ["session", "stats_client", "stats_session_client"]

TRUTH = {"received_notification": 0.1, "uploaded_keys": 0.03, "checked_in": 0.6}
NAMES_A_FIELD = re.compile(r"^.+?: \S", re.DOTALL)


def device_report(rng: random.Random) -> dict[str, Any]:
    """What an app sends: each true bit randomized on the phone."""
    flags = {flag: randomize(rng.random() < TRUTH[flag], USAGE_EPSILON, rng) for flag in TRUTH}
    return {"epsilon": USAGE_EPSILON, "flags": flags, "padding": "AAAA"}


def _stored_rows(session: Session) -> list[UsageCount]:
    session.expire_all()
    return list(session.scalars(select(UsageCount)))


def test_reports_become_estimates(stats_client: TestClient, session: Session) -> None:
    rng = random.Random(8)
    devices = 400
    for _ in range(devices):
        response = stats_client.post("/v1/usage", json=device_report(rng))
        assert response.status_code == 200, response.text
        assert set(response.json()) == {"padding"}
        assert response.headers["x-api-version"] == "v1"
    rows = _stored_rows(session)
    today = datetime.now(UTC).date()
    assert {(r.day, r.flag) for r in rows} <= {
        (d, f) for d in (today, today - timedelta(days=1)) for f in USAGE_FLAGS
    }  # a run across midnight may use two days
    assert sum(r.reports for r in rows) == devices * len(USAGE_FLAGS)
    document = stats_client.get("/stats/usage.json").json()
    assert document["epsilon_per_flag"] == USAGE_EPSILON
    assert document["flags"] == list(USAGE_FLAGS)
    total = document["total"]["estimates"]
    for flag, truth in TRUTH.items():
        estimate = total[flag]
        assert estimate["reports"] == devices
        assert not estimate["suppressed"]
        clipped = min(1.0, max(0.0, estimate["proportion"]))  # unbiased: may leave [0, 1]
        assert estimate["low"] <= clipped <= estimate["high"]
        assert estimate["low"] - 0.02 <= truth <= estimate["high"] + 0.02  # seeded draw
        assert estimate["count"] == pytest.approx(estimate["proportion"] * devices, abs=0.1)


def test_unbiased_within_its_interval(session: Session) -> None:
    """Seeded: 50 days of 4000 devices each, stored as the totals the server would add up.
    Each day's 95 % interval covers that day's true share in most days, the mean estimate is
    within 4 standard errors of the mean truth (no bias), and the all-days interval covers."""
    rng = random.Random(8)
    first = date(2026, 3, 2)
    truths: dict[str, list[float]] = {flag: [] for flag in TRUTH}
    for offset in range(50):
        day = first + timedelta(days=offset)
        for flag, share in TRUTH.items():
            bits = [rng.random() < share for _ in range(4000)]
            truths[flag].append(sum(bits) / len(bits))
            yes = sum(randomize(bit, USAGE_EPSILON, rng) for bit in bits)
            session.add(
                UsageCount(day=day, flag=flag, epsilon=USAGE_EPSILON, reports=4000, yes=yes)
            )
    session.commit()
    document = usage_estimates(session)
    assert len(document["days"]) == 50
    for flag in TRUTH:
        daily = [d["estimates"][flag] for d in document["days"]]
        covered = sum(e["low"] <= t <= e["high"] for e, t in zip(daily, truths[flag], strict=True))
        assert covered >= 42, (flag, covered)  # 95 % of 50, minus a wide margin
        mean = sum(e["proportion"] for e in daily) / len(daily)
        stderr = math.sqrt(sum(e["stderr"] ** 2 for e in daily)) / len(daily)
        truth = sum(truths[flag]) / len(truths[flag])
        assert abs(mean - truth) <= 4 * stderr, flag
        overall = document["total"]["estimates"][flag]
        assert overall["reports"] == 200_000
        assert overall["low"] <= truth <= overall["high"], flag


def test_few_reports_give_no_estimate(session: Session) -> None:
    for _ in range(USAGE_MIN_REPORTS - 1):
        record_usage(session, dict.fromkeys(USAGE_FLAGS, True), USAGE_EPSILON, date(2026, 3, 2))
    estimate = usage_estimates(session)["days"][0]["estimates"]["uploaded_keys"]
    assert estimate["suppressed"]
    assert estimate["reports"] == USAGE_MIN_REPORTS - 1
    assert estimate["proportion"] is None
    record_usage(session, dict.fromkeys(USAGE_FLAGS, True), USAGE_EPSILON, date(2026, 3, 2))
    assert not usage_estimates(session)["days"][0]["estimates"]["uploaded_keys"]["suppressed"]


def _markers() -> dict[str, str]:
    tag = uuid.uuid4().hex[:10]
    return {
        "X-Forwarded-For": f"203.0.113.77, marker-xff-{tag}",
        "X-Real-IP": f"marker-xrealip-{tag}",
        "User-Agent": f"marker-useragent-{tag}",
        "Cookie": f"session=marker-cookie-{tag}",
        "X-Device-Id": f"marker-deviceid-{tag}",
    }


def _dump(database_url: str) -> dict[str, list[str]]:
    engine = make_engine(database_url)
    metadata = MetaData()
    metadata.reflect(engine)
    tables: dict[str, list[str]] = {}
    with engine.connect() as connection:
        for table in metadata.sorted_tables:
            tables[table.name] = [repr(tuple(row)) for row in connection.execute(table.select())]
    engine.dispose()
    return tables


def test_nothing_per_device_is_stored(
    stats_client: TestClient, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Many devices, each with its own identifying headers: the database gains one row per
    flag and day, whatever the number of devices, and no header reaches a table or a log."""
    caplog.set_level(logging.DEBUG)
    before = _dump(database_url)
    rng = random.Random(3)
    sent: list[dict[str, str]] = []
    for _ in range(40):
        headers = _markers()
        sent.append(headers)
        assert stats_client.post("/v1/usage", json=device_report(rng), headers=headers).is_success
    after = _dump(database_url)
    changed = {name for name in after if after[name] != before.get(name)}
    assert changed == {"usage_report_counts"}
    assert len(after["usage_report_counts"]) in (len(USAGE_FLAGS), 2 * len(USAGE_FLAGS))
    assert {c.name for c in Base.metadata.tables["usage_report_counts"].columns} == {
        "day",
        "flag",
        "epsilon",
        "reports",
        "yes",
    }
    logs = "\n".join(f"{record.getMessage()} {record.__dict__}" for record in caplog.records)
    haystack = "\n".join(after["usage_report_counts"]) + logs
    assert "/v1/usage" in logs  # the access log did log the requests
    for headers in sent:
        for value in headers.values():
            marker = value.split("marker-")[1]
            assert f"marker-{marker}" not in haystack
    assert "203.0.113.77" not in haystack


def test_chaff_touches_nothing(stats_client: TestClient, session: Session) -> None:
    response = stats_client.post(
        "/v1/usage", json=device_report(random.Random(1)), headers={"X-Chaff": "1"}
    )
    assert response.status_code == 200
    assert set(response.json()) == {"padding"}
    assert _stored_rows(session) == []


VALID: dict[str, Any] = {"epsilon": USAGE_EPSILON, "flags": dict.fromkeys(USAGE_FLAGS, False)}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"flags": VALID["flags"]}, "epsilon: "),
        ({**VALID, "epsilon": 2.0}, "epsilon: must be 1"),
        ({**VALID, "epsilon": "1"}, "epsilon: "),
        ({"epsilon": USAGE_EPSILON}, "flags: "),
        ({**VALID, "flags": {"uploaded_keys": True}}, "flags.received_notification: "),
        ({**VALID, "flags": {**VALID["flags"], "checked_in": "yes"}}, "flags.checked_in: "),
        ({**VALID, "flags": {**VALID["flags"], "checked_in": 1}}, "flags.checked_in: "),
        ({**VALID, "flags": {**VALID["flags"], "location": True}}, "flags.location: "),
        ({**VALID, "device_id": "abc"}, "device_id: "),
        ({**VALID, "padding": "A" * 5000}, "padding: "),
        ([], "body: "),
    ],
)
def test_bad_input_names_the_field(
    stats_client: TestClient, session: Session, body: Any, field: str
) -> None:
    response = stats_client.post("/v1/usage", json=body)
    assert response.status_code == 400, response.text
    document = response.json()
    assert document["code"] == "bad_request"
    assert field in document["error"], document["error"]
    assert _stored_rows(session) == []


def test_undecodable_bodies_are_named(stats_client: TestClient) -> None:
    json_type = {"Content-Type": "application/json"}
    for raw in (b"{bad", b"\xe3k<\x05", b"[" * 30_000 + b"]" * 30_000):
        response = stats_client.post("/v1/usage", content=raw, headers=json_type)
        assert response.status_code == 400
        assert response.json()["error"].startswith("body: is not valid JSON")
    flags = b'"flags": {"received_notification": true, "uploaded_keys": true, "checked_in": true}'
    for number in (b"NaN", b"Infinity", b"1e999"):
        raw = b'{"epsilon": ' + number + b", " + flags + b"}"
        response = stats_client.post("/v1/usage", content=raw, headers=json_type)
        assert response.status_code == 400, response.text
        assert response.json()["error"].startswith("epsilon: "), response.json()


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner),
    max_leaves=12,
)
flag_maps = st.fixed_dictionaries(
    {},
    optional={flag: st.booleans() | json_values for flag in USAGE_FLAGS},
).flatmap(lambda known: st.dictionaries(st.text(max_size=12), json_values).map(known.__or__))
bodies = st.one_of(
    json_values,
    st.fixed_dictionaries(
        {},
        optional={
            "epsilon": st.just(USAGE_EPSILON) | json_values,
            "flags": flag_maps | json_values,
            "padding": st.text(max_size=20) | json_values,
        },
    ),
    st.fixed_dictionaries(
        {
            "epsilon": st.just(USAGE_EPSILON),
            "flags": st.fixed_dictionaries({flag: st.booleans() for flag in USAGE_FLAGS}),
        }
    ),
)


@pytest.fixture
def engine(client: TestClient, database_url: str) -> Iterator[Engine]:
    opened = make_engine(database_url)
    yield opened
    opened.dispose()


def _reports(engine: Engine) -> int:
    total = select(func.coalesce(func.sum(UsageCount.reports), 0))
    with engine.connect() as connection:
        return int(connection.execute(total).scalar_one())


@settings(
    max_examples=100,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(body=bodies)
def test_fuzz_usage(stats_client: TestClient, engine: Engine, body: Any) -> None:
    """Any JSON: a 200 adds exactly one report to each flag, anything else is a 400 naming the
    field and adds nothing; never a 5xx."""
    before = _reports(engine)
    response = stats_client.post("/v1/usage", json=body)
    added = _reports(engine) - before
    if response.status_code == 200:
        assert added == len(USAGE_FLAGS)
        return
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert NAMES_A_FIELD.match(error), error
    assert added == 0
