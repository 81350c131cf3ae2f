"""The statistics pages over HTTP, on SQLite and PostgreSQL: the public page and its refusals,
the statistician's release (ledger, stored tables and audit entry together), over-budget
refusals, roles, and bad input answered with 4xx pages, never a 5xx."""

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as examples
from hypothesis import strategies as st
from sqlalchemy import func, select

from civitrace.governance import audit
from civitrace.server.analytics import store
from civitrace.server.analytics.pseudonyms import WeeklyPseudonyms
from civitrace.server.analytics.publishing import ReleaseRequest
from civitrace.server.db.analytics_models import LedgerRecord, PrivacyPeriod, StoredRelease
from civitrace.server.db.console_models import StaffRole
from civitrace.server.db.governance_models import AuditEntry
from civitrace.web.i18n import LANGUAGES
from civitrace.web.stats import publishing, release_form
from civitrace.web.stats.deployment import StatsDeployment
from civitrace.web.templating import CONTENT_SECURITY_POLICY
from tests.server.conftest import (
    _session_client,
    client,
    data_dir,
    database_url,
    make_settings,
    settings,
)
from tests.server.test_console_basics import Console, console
from tests.web.test_stats_view import DEMO_WEEK, KEK, demo_source, publish, regions

__all__ = [  # fixtures, imported for pytest
    "_session_client",
    "client",
    "console",
    "data_dir",
    "database_url",
    "make_settings",
    "settings",
]

FORM = {
    "kind": "cases",
    "start": DEMO_WEEK.start.isoformat(),
    "end": DEMO_WEEK.end.isoformat(),
    "granularity": "day",
    "epsilon": "0.5",
    "budget": "1",
    "contributions": "",
}


@pytest.fixture
def stats(console: Console) -> Iterator[Console]:
    """The console over an emptied database, releasing from a small synthetic city."""
    state = console.client.app.state  # type: ignore[attr-defined]
    state.stats = StatsDeployment(regions(), demo_source(), synthetic=True)
    yield console
    state.stats = None


def _released(stats: Console, form: dict[str, str]) -> Any:
    return stats.post("/console/stats/release", form)


def _audit(stats: Console, action: str) -> list[AuditEntry]:
    with stats.session() as session:
        return list(
            session.scalars(
                select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.sequence)
            )
        )


def test_public_page_before_any_release(stats: Console) -> None:
    page = stats.client.get("/stats")
    assert page.status_code == 200
    assert page.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert "Nothing of this kind has been published yet." in page.text
    assert "No release has been published yet." in page.text
    assert "<svg" not in page.text


@pytest.mark.parametrize(
    ("query", "status", "field"),
    [
        ("kind=bogus", 400, "kind"),
        ("release=not-an-id", 400, "release"),
        ("release=0123456789abcdef", 404, "release"),
        ("day=2026-13-40", 400, "day"),
        ("day=yesterday", 400, "day"),
        ("ages=%3Cscript%3E", 400, "ages"),
    ],
)
def test_public_page_refuses_bad_queries(
    stats: Console, query: str, status: int, field: str
) -> None:
    page = stats.client.get(f"/stats?{query}")
    assert page.status_code == status
    assert "text/html" in page.headers["content-type"]
    assert f"{field}:" in page.text
    assert "<script>" not in page.text


def test_public_page_in_every_language(stats: Console) -> None:
    with stats.session() as session:
        (cases,) = publish(session, "cases")
    wrong_day = stats.client.get(f"/stats?release={cases.release_id}&day=2020-01-01")
    assert wrong_day.status_code == 400
    for language in LANGUAGES:
        page = stats.client.get(f"/stats?release={cases.release_id}&lang={language.tag}")
        assert page.status_code == 200
        assert f'<html lang="{language.tag}" dir="{language.direction}">' in page.text
        for link in ("releases/{id}.csv", "releases/{id}.json"):
            assert f'href="/stats/{link.format(id=cases.release_id)}"' in page.text
        assert page.text.count('class="region ') == len(regions())
        for region in regions():
            assert region.name in page.text  # names as in the GeoJSON, in every language


def _review(stats: Console, form: dict[str, str]) -> Any:
    return stats.post("/console/stats/review", form)


def test_statistician_releases_and_it_is_public(stats: Console) -> None:
    assert stats.login(StaffRole.STATISTICIAN).status_code == 303
    screen = stats.get("/console/stats")
    assert screen.status_code == 200
    assert "This is a demonstration" in screen.text
    reviewed = _review(stats, FORM)
    assert reviewed.status_code == 200
    assert 'data-testid="left-after">0.5<' in reviewed.text
    published = _released(stats, FORM)
    assert published.status_code == 303
    release_id = published.headers["location"].rsplit("=", 1)[1]
    notice = stats.get(published.headers["location"])
    assert f'href="/stats?release={release_id}"' in notice.text
    assert "ε left: 0.5 of 1" in notice.text
    with stats.session() as session:
        stored = store.get_release(session, release_id).release
        ledger = session.scalars(select(LedgerRecord)).all()
        budget = session.scalars(select(PrivacyPeriod)).one()
        assert audit.verify(session).ok
    assert stored.kind == "cases"
    assert (stored.window_start, stored.window_end) == (DEMO_WEEK.start, DEMO_WEEK.end)
    assert [(line.release_id, line.epsilon) for line in ledger] == [(release_id, 0.5)]
    assert (budget.period, budget.epsilon) == (DEMO_WEEK.period, 1.0)
    (entry,) = _audit(stats, publishing.RELEASED)
    assert entry.actor == "staff:staff-statistician (statistician)"
    assert entry.object == f"release:{release_id}"
    details = json.loads(entry.details)
    assert details["releases"] == [release_id]
    assert (details["epsilon"], details["period"], details["new_period_budget"]) == (
        0.5,
        DEMO_WEEK.period,
        1.0,
    )
    public = stats.client.get("/stats")
    assert f"/stats/releases/{release_id}.json" in public.text
    served = stats.client.get(f"/stats/releases/{release_id}.json").json()
    assert served["epsilon"] == 0.5


def test_positivity_release_stores_and_audits_its_three_tables(stats: Console) -> None:
    stats.login(StaffRole.STATISTICIAN)
    form = {**FORM, "kind": "test_positivity", "granularity": "week", "epsilon": "0.4"}
    assert _released(stats, form).status_code == 303
    (entry,) = _audit(stats, publishing.RELEASED)
    details = json.loads(entry.details)
    with stats.session() as session:
        kinds = {row.release_id: row.kind for row in session.scalars(select(StoredRelease))}
        spent = session.scalar(select(func.sum(LedgerRecord.epsilon)))
    assert sorted(kinds.values()) == ["positives", "test_positivity", "tests"]
    assert sorted(details["releases"]) == sorted(kinds)
    assert kinds[entry.object.removeprefix("release:")] == "test_positivity"
    assert details["contributions_per_person"] == 3
    assert spent == pytest.approx(0.4)  # half for positives, half for tests


def test_over_budget_is_refused_on_the_page(stats: Console) -> None:
    stats.login(StaffRole.STATISTICIAN)
    assert _released(stats, {**FORM, "epsilon": "0.75"}).status_code == 303
    screen = stats.get("/console/stats")
    assert "0.25" in screen.text  # ε left this week
    too_much = {**FORM, "epsilon": "0.5", "budget": ""}
    for response in (_review(stats, too_much), _released(stats, too_much)):
        assert response.status_code == 409
        assert "Refused: this release would spend more" in response.text
        assert "has only ε = 0.25 left of its budget of 1" in response.text
    (refusal,) = _audit(stats, publishing.REFUSED)  # the attempt to publish, not the review
    assert json.loads(refusal.details)["epsilon"] == 0.5
    with stats.session() as session:
        assert session.scalar(select(func.count()).select_from(StoredRelease)) == 1
        assert session.scalar(select(func.sum(LedgerRecord.epsilon))) == pytest.approx(0.75)
    assert _released(stats, {**too_much, "epsilon": "0.25"}).status_code == 303  # what is left


def test_the_ledger_refuses_what_the_check_let_through(
    stats: Console, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A release that passed the page's check but not the ledger's (another release spent the
    budget in between) is refused with the same page, and nothing is stored."""
    stats.login(StaffRole.STATISTICIAN)
    assert _released(stats, {**FORM, "epsilon": "0.75"}).status_code == 303
    monkeypatch.setattr(release_form, "check_budget", lambda form, week: None)
    refused = _released(stats, {**FORM, "epsilon": "0.5"})
    assert refused.status_code == 409
    assert "Refused: this release would spend more" in refused.text
    assert len(_audit(stats, publishing.REFUSED)) == 1
    with stats.session() as session:
        assert session.scalar(select(func.count()).select_from(StoredRelease)) == 1


BAD_FIELDS = [
    ("kind", "positives"),
    ("kind", ""),
    ("start", "2026-02-30"),
    ("start", "x" * 5000),
    ("end", "2026-02-08"),
    ("end", "2026-02-16"),
    ("end", "2999-01-01"),
    ("granularity", "hour"),
    ("epsilon", ""),
    ("epsilon", "-0.5"),
    ("epsilon", "NaN"),
    ("epsilon", "1e9"),
    ("epsilon", "11"),
    ("budget", "0"),
    ("budget", "1000"),
    ("contributions", "-1"),
    ("contributions", "100"),
]


@pytest.mark.parametrize(("name", "value"), BAD_FIELDS)
def test_bad_input_is_named_with_400(stats: Console, name: str, value: str) -> None:
    stats.login(StaffRole.STATISTICIAN)
    for path in ("/console/stats/review", "/console/stats/release"):
        response = stats.post(path, {**FORM, name: value})
        assert response.status_code == 400, (path, response.status_code)
        assert f"{name}:" in response.text
        assert re.search(rf'id="{name}[^"]*"[^>]*aria-invalid="true"', response.text) or (
            name in {"kind", "granularity"}
        )
    with stats.session() as session:
        assert session.scalar(select(func.count()).select_from(StoredRelease)) == 0


def test_a_first_release_of_a_week_needs_a_budget(stats: Console) -> None:
    stats.login(StaffRole.STATISTICIAN)
    response = _review(stats, {**FORM, "budget": ""})
    assert response.status_code == 400
    assert "budget: week 2026-W07 has no privacy budget yet" in response.text


@examples(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(values=st.dictionaries(st.sampled_from(release_form.FIELDS), st.text(max_size=50)))
def test_any_review_form_is_answered_without_a_server_error(
    stats: Console, values: dict[str, str]
) -> None:
    if not stats.csrf:
        stats.login(StaffRole.STATISTICIAN)
    response = _review(stats, values)
    assert response.status_code in {200, 400, 409}, response.status_code


def test_csrf_and_roles(stats: Console) -> None:
    stats.client.cookies.clear()
    assert stats.client.post("/console/stats/release", data=FORM).status_code == 401
    anonymous = stats.client.get("/console/stats", follow_redirects=False)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"].startswith("/console/login?next=")
    for role in StaffRole:
        if role == StaffRole.STATISTICIAN:
            continue
        stats.login(role)
        assert stats.get("/console/stats").status_code == 403
        refused = stats.post("/console/stats/release", FORM)
        assert refused.status_code == 403
        assert "text/html" in refused.headers["content-type"]
    stats.login(StaffRole.STATISTICIAN)
    no_token = stats.client.post("/console/stats/release", data=FORM, follow_redirects=False)
    assert no_token.status_code == 403
    with stats.session() as session:
        assert session.scalar(select(func.count()).select_from(StoredRelease)) == 0
        assert session.scalar(select(func.count()).select_from(LedgerRecord)) == 0


def test_without_case_data_nothing_can_be_released(stats: Console) -> None:
    state = stats.client.app.state  # type: ignore[attr-defined]
    state.stats = StatsDeployment(regions(), None)
    stats.login(StaffRole.STATISTICIAN)
    screen = stats.get("/console/stats")
    assert screen.status_code == 200
    assert 'action="/console/stats/review"' not in screen.text
    for path in ("/console/stats/review", "/console/stats/release"):
        response = stats.post(path, FORM)
        assert response.status_code == 409
        assert "No case data is connected to releases" in response.text


def test_changing_a_reviewed_release_keeps_its_values(stats: Console) -> None:
    stats.login(StaffRole.STATISTICIAN)
    form = {**FORM, "kind": "venue_warnings", "epsilon": "0.3"}
    again = stats.post("/console/stats", form)
    assert again.status_code == 200
    assert 'id="kind-venue_warnings" name="kind" value="venue_warnings" checked' in again.text
    assert 'value="0.3"' in again.text


def test_release_and_audit_entry_commit_together(
    stats: Console, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If the audit entry cannot be written, the release is neither charged nor stored."""

    def broken(*_args: Any, **_kwargs: Any) -> None:
        raise RuntimeError("audit log unavailable")

    monkeypatch.setattr(audit, "append", broken)
    request = release_form.parse(FORM, stats.clock.now.date()).request(week_has_budget=False)
    with stats.session() as session, pytest.raises(RuntimeError, match="audit log"):
        publishing.publish_with_audit(
            session,
            request,
            source=demo_source(),
            pseudonyms=WeeklyPseudonyms(KEK),
            regions=regions(),
            actor="staff:test (statistician)",
            details={},
            now=stats.clock.now,
        )
    with stats.session() as session:
        for table in (StoredRelease, LedgerRecord, PrivacyPeriod):
            assert session.scalar(select(func.count()).select_from(table)) == 0
    assert isinstance(request, ReleaseRequest)
