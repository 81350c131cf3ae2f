"""Google's code-management endpoints and the user-report flow, on SQLite and PostgreSQL.

``/api/batch-issue`` (up to 10 codes, not atomic, status of the first failure),
``/api/checkcodestatus`` and ``/api/expirecode`` (ADMIN key, own authority only), and staff-issued
``user-report`` codes (gated by ``allow_admin_user_report``; long code lives as long as the
short one; accepted by apps that accept ``user-report``; certificates carry the type).
"""

import base64
import time
import uuid
from collections.abc import Callable
from typing import Any

import jwt
import pytest

from tests.server.conftest import Api, Authority, TestClient, assert_error, days_ago


def _batch(api: Api, codes: list[dict[str, Any]], headers: dict[str, str] | None = None) -> Any:
    return api.client.post(
        "/api/batch-issue",
        json={"codes": codes, "padding": "AAAA"},
        headers=headers if headers is not None else api.authority.admin,
    )


def _status(api: Api, code_id: str, authority: Authority | None = None) -> Any:
    return api.client.post(
        "/api/checkcodestatus",
        json={"uuid": code_id, "padding": "AAAA"},
        headers=(authority or api.authority).admin,
    )


def _expire(api: Api, code_id: str, authority: Authority | None = None) -> Any:
    return api.client.post(
        "/api/expirecode",
        json={"uuid": code_id, "padding": "AAAA"},
        headers=(authority or api.authority).admin,
    )


def _code(test_type: str = "confirmed", **fields: Any) -> dict[str, Any]:
    return {"testType": test_type, "symptomDate": days_ago(2), **fields}


# -- /api/batch-issue ---------------------------------------------------------------------------


def test_batch_issues_every_code(api: Api) -> None:
    chosen = str(uuid.uuid4())
    response = _batch(api, [_code(), _code("likely", uuid=chosen)])
    assert response.status_code == 200, response.text
    body = response.json()
    assert "error" not in body
    assert "errorCode" not in body
    assert body["padding"]
    first, second = body["codes"]
    assert second["uuid"] == chosen
    assert first["uuid"] != chosen
    for issued, test_type in ((first, "confirmed"), (second, "likely")):
        assert len(issued["code"]) == 8
        assert issued["expiresAtTimestamp"] > time.time()
        verified = api.verify(issued["code"])
        assert verified.status_code == 200, verified.text
        assert verified.json()["testtype"] == test_type


def test_batch_is_not_atomic_and_answers_the_first_failure(api: Api) -> None:
    taken = api.issued()["uuid"]
    response = _batch(api, [_code(), _code("bogus"), _code(uuid=taken), _code()])
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["errorCode"] == "invalid_test_type"
    assert body["error"].startswith("codes: 2 of 4 could not be issued"), body["error"]
    ok, bad_type, duplicate, ok_again = body["codes"]
    assert bad_type["errorCode"] == "invalid_test_type"
    assert bad_type["error"].startswith("codes[1].testType:"), bad_type
    assert duplicate["errorCode"] == "uuid_already_exists"
    assert duplicate["error"].startswith("codes[2].uuid:"), duplicate
    for issued in (ok, ok_again):  # the others were issued and work
        assert api.verify(issued["code"]).status_code == 200


def test_batch_status_is_that_of_the_first_failure(api: Api) -> None:
    taken = api.issued()["uuid"]
    response = _batch(api, [_code(uuid=taken), _code("bogus")])
    assert response.status_code == 409
    assert response.json()["errorCode"] == "uuid_already_exists"


def test_batch_of_more_than_ten_is_refused_whole(api: Api, database_url: str) -> None:
    assert_error(_batch(api, [_code() for _ in range(11)]), 400, "unparsable_request", "codes")
    assert _batch(api, [_code() for _ in range(10)]).status_code == 200


def test_empty_batch_issues_nothing(api: Api) -> None:
    response = _batch(api, [])
    assert response.status_code == 200
    assert response.json()["codes"] == []


@pytest.mark.parametrize(
    ("body", "mentions"),
    [({"codes": "x"}, "codes"), ({"codes": [{"testType": 1}]}, "codes.0.testType")],
)
def test_batch_malformed_body_names_the_field(api: Api, body: Any, mentions: str) -> None:
    response = api.client.post("/api/batch-issue", json=body, headers=api.authority.admin)
    assert_error(response, 400, "unparsable_request", mentions)


def test_code_management_needs_an_admin_key(api: Api) -> None:
    code_id = api.issued()["uuid"]
    for path, body in (
        ("/api/batch-issue", {"codes": [_code()]}),
        ("/api/checkcodestatus", {"uuid": code_id}),
        ("/api/expirecode", {"uuid": code_id}),
    ):
        for headers in ({}, api.authority.device):
            assert_error(api.client.post(path, json=body, headers=headers), 401, "unauthorized")
    assert _status(api, code_id).json()["claimed"] is False  # nothing was expired


# -- /api/checkcodestatus -----------------------------------------------------------------------


def test_status_follows_the_code(api: Api) -> None:
    issued = api.issued()
    response = _status(api, issued["uuid"])
    assert response.status_code == 200, response.text
    status = response.json()
    assert status["claimed"] is False
    assert status["expiresAtTimestamp"] == issued["expiresAtTimestamp"]
    assert status["longExpiresAtTimestamp"] == issued["longExpiresAtTimestamp"]
    assert api.verify(issued["code"]).status_code == 200
    assert _status(api, issued["uuid"].upper()).json()["claimed"] is True  # any UUID spelling


@pytest.mark.parametrize("call", [_status, _expire], ids=["checkcodestatus", "expirecode"])
def test_unknown_or_foreign_code_is_not_found(
    api: Api, other_authority: Authority, call: Callable[..., Any]
) -> None:
    assert_error(call(api, str(uuid.uuid4())), 404, "code_not_found", "uuid")
    foreign = Api(api.client, other_authority).issued()["uuid"]
    assert_error(call(api, foreign), 404, "code_not_found", "uuid")


@pytest.mark.parametrize("path", ["/api/checkcodestatus", "/api/expirecode"])
@pytest.mark.parametrize(
    ("body", "mentions"),
    [
        ({}, "uuid: is required"),
        ({"uuid": "not-a-uuid"}, "uuid: must be a UUID"),
        ({"uuid": 7}, "uuid"),
    ],
)
def test_bad_uuid_is_named(api: Api, path: str, body: Any, mentions: str) -> None:
    response = api.client.post(path, json=body, headers=api.authority.admin)
    assert_error(response, 400, "unparsable_request", mentions)


# -- /api/expirecode ----------------------------------------------------------------------------


def test_expired_code_can_no_longer_be_used(api: Api) -> None:
    issued = api.issued()
    before = int(time.time())
    response = _expire(api, issued["uuid"])
    assert response.status_code == 200, response.text
    expired = response.json()
    assert before <= expired["expiresAtTimestamp"] <= time.time() + 1
    assert expired["longExpiresAtTimestamp"] == expired["expiresAtTimestamp"]
    assert_error(api.verify(issued["code"]), 400, "code_expired", "code")
    assert_error(api.verify(issued["longCode"]), 400, "code_expired", "code")
    status = _status(api, issued["uuid"]).json()
    assert status["expiresAtTimestamp"] == expired["expiresAtTimestamp"]
    assert status["claimed"] is False
    assert_error(_expire(api, issued["uuid"]), 400, "code_expired", "uuid")


def test_used_code_cannot_be_expired(api: Api) -> None:
    issued = api.issued()
    assert api.verify(issued["code"]).status_code == 200
    assert_error(_expire(api, issued["uuid"]), 400, "code_invalid", "uuid")
    assert _status(api, issued["uuid"]).json()["claimed"] is True


# -- user-report ----------------------------------------------------------------------------------


def test_user_report_flow(api: Api) -> None:
    issued = api.issued(testType="user-report")
    assert issued["longExpiresAtTimestamp"] == issued["expiresAtTimestamp"]  # Google's rule
    assert issued["longExpiresAt"] == issued["expiresAt"]
    refused = api.verify(issued["code"], accept=["confirmed", "likely", "negative"])
    assert_error(refused, 412, "unsupported_test_type", "accept")
    verified = api.verify(issued["code"], accept=["user-report"])  # the code was not spent
    assert verified.status_code == 200, verified.text
    assert verified.json()["testtype"] == "user-report"
    assert jwt.decode(verified.json()["token"], options={"verify_signature": False})[
        "sub"
    ].startswith("user-report.")
    mac = base64.b64encode(bytes(range(32))).decode()
    certificate = api.certificate(verified.json()["token"], mac)
    assert certificate.status_code == 200, certificate.text
    claims = jwt.decode(certificate.json()["certificate"], options={"verify_signature": False})
    assert claims["reportType"] == "user-report"
    assert claims["tekmac"] == mac


def test_user_report_accepted_when_apps_accept_everything(api: Api) -> None:
    for accept in (None, []):
        code = api.issued(testType="user-report")["code"]
        verified = api.verify(code, accept=accept)
        assert verified.status_code == 200, verified.text
        assert verified.json()["testtype"] == "user-report"


def test_user_report_gated_in_batches_too(
    make_client: Callable[..., TestClient], authority: Authority
) -> None:
    strict = Api(make_client(allow_admin_user_report=False), authority)
    response = _batch(strict, [_code("user-report"), _code()])
    assert response.status_code == 400
    body = response.json()
    assert body["errorCode"] == "unsupported_test_type"
    assert body["codes"][0]["error"].startswith("codes[0].testType:")
    assert "code" in body["codes"][1]
