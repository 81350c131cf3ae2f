"""Issue → verify → certificate, and what each step hands back."""

import base64
from datetime import UTC, datetime, timedelta

import jwt
from sqlalchemy import select

from civitrace.en import tekmac
from civitrace.en.publish_json import parse_key_list
from civitrace.server.db import make_engine, session_factory
from civitrace.server.db.models import SigningKey
from civitrace.server.settings import Settings
from tests.server.conftest import Api, TestClient, days_ago
from tests.vectors import load_vectors


def _public_keys(url: str, purpose: str) -> dict[str, str]:
    engine = make_engine(url)
    with session_factory(engine)() as session:
        rows = session.scalars(select(SigningKey).where(SigningKey.purpose == purpose)).all()
        keys = {row.kid: row.public_key_pem for row in rows}
    engine.dispose()
    return keys


def test_issue_answers_google_fields(api: Api, settings: Settings) -> None:
    before = datetime.now(UTC)
    body = api.issued()
    assert set(body) == {
        "uuid",
        "code",
        "longCode",
        "expiresAt",
        "expiresAtTimestamp",
        "longExpiresAt",
        "longExpiresAtTimestamp",
        "padding",
    }
    assert len(body["code"]) == 8
    assert body["code"].isdigit()
    assert len(body["longCode"]) == 16
    assert body["longCode"].isalnum()
    short_ttl = body["expiresAtTimestamp"] - before.timestamp()
    assert abs(short_ttl - settings.verification.short_code_ttl.total_seconds()) < 5
    long_ttl = body["longExpiresAtTimestamp"] - before.timestamp()
    assert abs(long_ttl - 24 * 3600) < 5
    assert body["expiresAt"].endswith(" UTC")
    parsed = datetime.strptime(body["expiresAt"], "%a, %d %b %Y %H:%M:%S UTC").replace(tzinfo=UTC)
    assert int(parsed.timestamp()) == body["expiresAtTimestamp"]


def test_full_flow_certificate_claims(api: Api, database_url: str, settings: Settings) -> None:
    symptom = days_ago(3)
    code = api.issued(testType="likely", symptomDate=symptom, testDate=days_ago(1))["code"]
    verified = api.verify(code)
    assert verified.status_code == 200, verified.text
    body = verified.json()
    assert body["testtype"] == "likely"
    assert body["symptomDate"] == symptom
    assert body["testDate"] == days_ago(1)
    token_keys = _public_keys(database_url, "token")
    header = jwt.get_unverified_header(body["token"])
    assert header["alg"] == "ES256"
    assert header["kid"] in token_keys
    token = jwt.decode(
        body["token"],
        token_keys[header["kid"]],
        algorithms=["ES256"],
        audience=settings.verification.token_issuer,
    )
    assert token["sub"] == f"likely.{symptom}.{days_ago(1)}"
    assert token["iss"] == token["aud"] == settings.verification.token_issuer
    assert token["exp"] - token["iat"] == 24 * 3600

    mac = base64.b64encode(bytes(range(32))).decode()
    now = int(datetime.now(UTC).timestamp())
    response = api.certificate(body["token"], mac)
    assert response.status_code == 200, response.text
    assert set(response.json()) == {"certificate", "padding"}
    certificate = response.json()["certificate"]
    header = jwt.get_unverified_header(certificate)
    cert_keys = _public_keys(database_url, "certificate")
    assert header["alg"] == "ES256"
    assert header["typ"] == "JWT"
    assert header["kid"] in cert_keys
    claims = jwt.decode(
        certificate,
        cert_keys[header["kid"]],
        algorithms=["ES256"],
        audience="exposure-notifications-server",
    )
    day = datetime.fromisoformat(symptom).replace(tzinfo=UTC)
    assert set(claims) == {
        "reportType",
        "symptomOnsetInterval",
        "tekmac",
        "iss",
        "aud",
        "iat",
        "nbf",
        "exp",
    }
    assert claims["reportType"] == "likely"
    assert claims["symptomOnsetInterval"] == int(day.timestamp()) // 600
    assert claims["tekmac"] == mac
    assert claims["iss"] == settings.verification.certificate_issuer
    assert claims["aud"] == "exposure-notifications-server"
    assert claims["iat"] == claims["nbf"]
    assert now - 5 - 2 <= claims["iat"] <= now - 5 + 2
    assert claims["exp"] - (claims["iat"] + 5) == 15 * 60


def test_certificate_without_symptom_date_omits_onset(api: Api, database_url: str) -> None:
    token = api.token(symptomDate="", testDate=days_ago(1))
    certificate = api.certificate(token).json()["certificate"]
    claims = jwt.decode(certificate, options={"verify_signature": False})
    assert "symptomOnsetInterval" not in claims
    verify_body = api.verify(api.issued(symptomDate=None, testDate=days_ago(1))["code"]).json()
    assert "symptomDate" not in verify_body
    assert verify_body["testDate"] == days_ago(1)


def test_long_code_verifies(api: Api) -> None:
    body = api.issued()
    response = api.verify(body["longCode"])
    assert response.status_code == 200, response.text


def test_tekmac_vectors_pass_through_unchanged(api: Api) -> None:
    """The ekeyhmac a device computes for the vector keys comes back as the tekmac claim."""
    vectors = load_vectors("gaen_hmac.json")
    secret = bytes.fromhex(vectors["secret_hex"])
    for case in vectors["cases"]:
        keys = parse_key_list(case["keys"])
        mac = base64.b64encode(tekmac.compute(secret, keys)).decode()
        assert mac == case["hmac_base64"]
        response = api.certificate(api.token(), mac)
        assert response.status_code == 200, response.text
        claims = jwt.decode(response.json()["certificate"], options={"verify_signature": False})
        assert claims["tekmac"] == case["hmac_base64"]
        assert tekmac.matches(secret, keys, base64.b64decode(claims["tekmac"]))


def test_urlsafe_unpadded_hmac_is_accepted(api: Api) -> None:
    mac = base64.urlsafe_b64encode(bytes([0xFB] * 32)).decode().rstrip("=")
    assert api.certificate(api.token(), mac).status_code == 200


def test_health(client: TestClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_token_and_certificate_expiry_are_settings(api: Api) -> None:
    claims = jwt.decode(api.token(), options={"verify_signature": False})
    assert timedelta(seconds=claims["exp"] - claims["iat"]) == timedelta(hours=24)
