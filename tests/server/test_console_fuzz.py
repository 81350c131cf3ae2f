"""Hypothesis over every console and follow-up route: whatever the form, path or cookie, the
answer is a page or a redirect, never a server error."""

import re
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from civitrace.server.db.console_models import StaffRole
from tests.server.test_console_auth import concrete, console_routes
from tests.server.test_console_basics import Console, console, csrf_of

__all__ = ["console"]

FIELDS = (
    "username", "password", "new_password", "new_password_again", "code", "next", "role",
    "test_type", "test_date", "symptom_onset", "submission", "venue", "day", "start_time",
    "end_time", "utc_offset", "risk_level", "days", "feeling", "symptoms", "needs",
)  # fmt: skip
TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=40) | st.sampled_from(
    ["", "0", "-1", "99999999999", "2026-02-30", "confirmed", "25:61", "%00"]
)
FORMS = st.dictionaries(st.sampled_from(FIELDS), TEXT | st.lists(TEXT, max_size=3), max_size=8)
SEGMENT = st.text(alphabet="abcdefABCDEF0123456789-_.%~ZXC", min_size=1, max_size=40)
SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _roles_for(roles: frozenset[StaffRole] | None) -> StaffRole | None:
    return None if roles is None else sorted(roles)[0]


@SETTINGS
@given(data=st.data())
def test_signed_in_staff_never_get_a_server_error(console: Console, data: Any) -> None:
    routes = console_routes(console)
    method, path, roles = data.draw(st.sampled_from(routes))
    console.login(_roles_for(roles) or StaffRole.CASE_WORKER)
    target = re.sub(r"\{\w+\}", lambda _m: data.draw(SEGMENT), path)
    form = data.draw(FORMS)
    if method == "GET":
        response = console.get(target, params={k: v for k, v in form.items() if isinstance(v, str)})
    else:
        response = console.post(target, form)
    assert response.status_code < 500, (method, target, form, response.text[:500])


@SETTINGS
@given(path=SEGMENT, form=FORMS, cookie=TEXT)
def test_the_public_follow_up_pages_never_fail(
    console: Console, path: str, form: dict[str, Any], cookie: str
) -> None:
    console.client.cookies.clear()
    entry = console.client.get("/followup")
    assert entry.status_code == 200
    body = {"csrf_token": csrf_of(entry.text), **form}
    for target in ("/followup", f"/followup/{path}", f"/followup/{path}/stop"):
        response = console.client.post(target, data=body, follow_redirects=False)
        assert response.status_code < 500, (target, form, response.text[:300])
    console.client.cookies.set(
        "civitrace_console", cookie.encode("ascii", "ignore").decode() or "x"
    )
    assert console.client.get(concrete("/console/cases/{reference}")).status_code < 500
