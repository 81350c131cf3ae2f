"""Hypothesis over the console's governance forms, on SQLite and PostgreSQL: whatever an
administrator submits, the answer is a page or a redirect naming the field, never a server
error, and nothing half-written is left behind."""

from typing import Any

from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from civitrace.governance import audit
from civitrace.server.db.console_models import StaffRole
from civitrace.web.governance.console_common import PREFIX
from tests.server.conftest import (
    _session_client,
    client,
    data_dir,
    database_url,
    make_settings,
    settings,
)
from tests.server.test_console_basics import Console, console

__all__ = [
    "_session_client",
    "client",
    "console",
    "data_dir",
    "database_url",
    "make_settings",
    "settings",
]

FIELDS = (
    "title", "rationale", "effective_on", "inventory", "proposal_id", "url", "requester",
    "requester_type", "requester_is_individual", "received_on", "legal_basis_claimed",
    "data_requested", "categories", "request_id", "decision", "reason",
)  # fmt: skip
TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=60) | st.sampled_from(
    [
        "",
        "0",
        "-1",
        "99999999999999999999",
        "2026-02-30",
        "police",
        "granted",
        "cases",
        "format = 1\n[categories.x]\npersonal = true",
        "\x00",
        "https://example.org/summary",
        "1",
    ]
)
FORMS = st.dictionaries(st.sampled_from(FIELDS), TEXT | st.lists(TEXT, max_size=3), max_size=8)
POSTS = (
    "/proposals/preview",
    "/proposals",
    "/proposals/summary",
    "/proposals/withdraw",
    "/access-requests",
    "/access-requests/decide",
)
ANSWERS = {200, 303, 400, 403, 404, 409}
FUZZ = hypothesis_settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@FUZZ
@given(path=st.sampled_from(POSTS), form=FORMS)
def test_any_form_gets_a_page_never_an_error(
    console: Console, path: str, form: dict[str, Any]
) -> None:
    if not console.csrf:
        assert console.login(StaffRole.ADMIN).status_code == 303
    response = console.post(f"{PREFIX}{path}", form)
    assert response.status_code in ANSWERS, (path, form, response.status_code)
    assert "text/html" in response.headers["content-type"]
    if response.status_code == 400:
        assert 'id="problem"' in response.text
    with console.session() as session:
        assert audit.verify(session).ok


@FUZZ
@given(head=TEXT, before=TEXT)
def test_any_audit_query_gets_a_page(console: Console, head: str, before: str) -> None:
    if not console.csrf:
        assert console.login(StaffRole.AUDITOR).status_code == 303
    response = console.get(f"{PREFIX}/audit", params={"head": head, "before": before})
    assert response.status_code == 200
