"""Every refusal: status, exact error code, and a message naming the field."""

import base64
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import update

from civitrace.server.db import make_engine
from civitrace.server.db.models import Token, VerificationCode
from tests.server.conftest import Api, Authority, TestClient, assert_error, days_ago


def _expire(url: str, table: type[VerificationCode] | type[Token]) -> None:
    engine = make_engine(url)
    past = datetime.now(UTC) - timedelta(seconds=1)
    values = {"expires_at": past}
    if table is VerificationCode:
        values["long_expires_at"] = past
    with engine.begin() as connection:
        connection.execute(update(table).values(**values))
    engine.dispose()


def test_expired_code(api: Api, database_url: str) -> None:
    code = api.issued()["code"]
    _expire(database_url, VerificationCode)
    assert_error(api.verify(code), 400, "code_expired", "code")


def test_reused_code(api: Api) -> None:
    code = api.issued()["code"]
    assert api.verify(code).status_code == 200
    assert_error(api.verify(code), 400, "code_invalid", "code")


def test_unknown_code(api: Api) -> None:
    assert_error(api.verify("00000000"), 400, "code_invalid", "code")


def test_code_of_another_authority_is_invalid(api: Api, other_authority: Authority) -> None:
    code = api.issued()["code"]
    other = Api(api.client, other_authority)
    assert_error(other.verify(code), 400, "code_invalid")


def test_reused_token(api: Api) -> None:
    token = api.token()
    assert api.certificate(token).status_code == 200
    assert_error(api.certificate(token), 400, "token_expired", "token")


def test_expired_token(api: Api, database_url: str) -> None:
    token = api.token()
    _expire(database_url, Token)
    assert_error(api.certificate(token), 400, "token_expired", "token")


def test_token_of_another_authority(api: Api, other_authority: Authority) -> None:
    token = api.token()
    assert_error(Api(api.client, other_authority).certificate(token), 400, "token_expired")


@pytest.mark.parametrize(
    "token",
    [
        "",
        "not-a-jwt",
        "a.b.c",
        jwt.encode({"sub": "x"}, "secret-key-of-32-bytes-minimum!!", algorithm="HS256"),
    ],
)
def test_invalid_token(api: Api, token: str) -> None:
    assert_error(api.certificate(token), 400, "token_invalid", "token")


def test_forged_token_with_known_kid(api: Api) -> None:
    real = api.token()
    kid = jwt.get_unverified_header(real)["kid"]
    forged = jwt.encode(
        jwt.decode(real, options={"verify_signature": False}),
        ec.generate_private_key(ec.SECP256R1()),
        algorithm="ES256",
        headers={"kid": kid},
    )
    assert_error(api.certificate(forged), 400, "token_invalid", "token")


@pytest.mark.parametrize(
    "mac",
    [
        "",
        "not base64!",
        base64.b64encode(bytes(31)).decode(),
        base64.b64encode(bytes(33)).decode(),
        base64.b64encode(bytes(16)).decode(),
    ],
)
def test_hmac_invalid(api: Api, mac: str) -> None:
    assert_error(api.certificate(api.token(), mac), 400, "hmac_invalid", "ekeyhmac")


def test_hmac_invalid_does_not_spend_the_token(api: Api) -> None:
    token = api.token()
    assert_error(api.certificate(token, "short"), 400, "hmac_invalid")
    assert api.certificate(token).status_code == 200


@pytest.mark.parametrize(
    ("path", "use"),
    [("/api/issue", "device"), ("/api/verify", "admin"), ("/api/certificate", "admin")],
)
def test_wrong_api_key_type(client: TestClient, authority: Authority, path: str, use: str) -> None:
    headers = authority.device if use == "device" else authority.admin
    assert_error(client.post(path, json={}, headers=headers), 401, "unauthorized", "X-API-Key")


@pytest.mark.parametrize("headers", [{}, {"X-API-Key": "civ_nope.nope"}, {"X-API-Key": "x" * 500}])
@pytest.mark.parametrize("path", ["/api/issue", "/api/verify", "/api/certificate"])
def test_missing_or_unknown_key(client: TestClient, path: str, headers: dict[str, str]) -> None:
    assert_error(client.post(path, json={}, headers=headers), 401, "unauthorized", "X-API-Key")


@pytest.mark.parametrize(
    ("fields", "code", "mentions"),
    [
        ({"testType": "positive"}, "invalid_test_type", "testType"),
        ({"testType": None}, "invalid_test_type", "testType"),
        ({"symptomDate": "", "testDate": ""}, "missing_date", "Date"),
        ({"symptomDate": "2020-13-45"}, "unparsable_request", "symptomDate"),
        ({"symptomDate": "yesterday"}, "unparsable_request", "symptomDate"),
        ({"testDate": "2021-1-1"}, "unparsable_request", "testDate"),
        ({"symptomDate": days_ago(-1)}, "invalid_date", "symptomDate"),
        ({"symptomDate": days_ago(29)}, "invalid_date", "symptomDate"),
        ({"testDate": days_ago(29), "tzOffset": 60}, "invalid_date", "testDate"),
        ({"phone": "+15555550100"}, "phone_number_invalid", "phone"),
        ({"uuid": "not-a-uuid"}, "unparsable_request", "uuid"),
        ({"tzOffset": "60"}, "unparsable_request", "tzOffset"),
        ({"testType": 1}, "unparsable_request", "testType"),
    ],
)
def test_issue_refusals(api: Api, fields: dict[str, object], code: str, mentions: str) -> None:
    assert_error(api.issue(**fields), 400, code, mentions)


def test_west_of_utc_gets_one_more_day(api: Api) -> None:
    assert api.issue(symptomDate=days_ago(28)).status_code == 200
    assert api.issue(symptomDate=days_ago(29), tzOffset=-300).status_code == 200
    assert_error(api.issue(symptomDate=days_ago(30), tzOffset=-300), 400, "invalid_date")


def test_duplicate_uuid(api: Api) -> None:
    uuid = "9b2d3a52-1c4f-4d56-9a0b-7d8c2a7e6f10"
    assert api.issued(uuid=uuid)["uuid"] == uuid
    assert_error(api.issue(uuid=uuid), 409, "uuid_already_exists", "uuid")


def test_user_report_refused_unless_enabled(
    make_client: Callable[..., TestClient], authority: Authority
) -> None:
    strict = Api(make_client(allow_admin_user_report=False), authority)
    assert_error(strict.issue(testType="user-report"), 400, "unsupported_test_type", "testType")


@pytest.mark.parametrize(
    ("body", "code", "mentions"),
    [
        (b"{", "unparsable_request", "JSON"),
        (b"[]", "unparsable_request", "body"),
        (b"", "unparsable_request", "body"),
        (b'{"code": 12345678}', "unparsable_request", "code"),
        (b'{"code": "1", "accept": "confirmed"}', "unparsable_request", "accept"),
        (b'{"code": "1", "accept": ["positive"]}', "invalid_test_type", "accept[0]"),
        (b'{"accept": ["confirmed"]}', "unparsable_request", "code"),
    ],
)
def test_verify_bad_bodies(
    client: TestClient, authority: Authority, body: bytes, code: str, mentions: str
) -> None:
    response = client.post(
        "/api/verify",
        content=body,
        headers={**authority.device, "Content-Type": "application/json"},
    )
    assert_error(response, 400, code, mentions)


def test_certificate_bad_json_is_token_invalid(client: TestClient, authority: Authority) -> None:
    response = client.post(
        "/api/certificate",
        content=b"{oops",
        headers={**authority.device, "Content-Type": "application/json"},
    )
    assert_error(response, 400, "token_invalid", "JSON")


def test_unknown_route_and_method(client: TestClient) -> None:
    assert_error(client.get("/api/nothing"), 404, "not_found")
    assert_error(client.get("/api/verify"), 405, "method_not_allowed")


def test_body_too_large(client: TestClient, authority: Authority) -> None:
    response = client.post(
        "/api/verify", json={"code": "1", "padding": "A" * 70_000}, headers=authority.device
    )
    assert_error(response, 413, "unparsable_request", "body")
