"""``POST /v1/presence/reports``: a certificate from the real verification flow admits exactly
the reports it binds, once; every bad field is a 4xx naming it; arbitrary bodies never 5xx."""

import base64
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from civitrace.presence.report import fake_report
from civitrace.server.db import make_engine, session_factory
from civitrace.server.db.presence_models import (
    CheckInReport,
    CheckInSubmission,
    SpentCertificate,
)
from civitrace.server.presence import binding
from civitrace.server.presence.certificate import certificate_hash
from civitrace.server.settings import Settings
from tests.server.conftest import Authority
from tests.server.test_presence_support import (
    PresenceApi,
    TestClient,
    assert_presence_error,
    b64,
    make_presence,
    make_venue,
    open_client,
    report_json,
    reports_for,
    stay,
    two_days_ago_at_noon,
)


@pytest.fixture(scope="module")
def presence_client(settings: Settings) -> Iterator[TestClient]:
    yield from open_client(settings)


@pytest.fixture
def presence(presence_client: TestClient, client: TestClient, authority: Authority) -> PresenceApi:
    return make_presence(presence_client, authority)


@pytest.fixture
def reports() -> list[Any]:
    venue = make_venue()
    return reports_for([stay(venue, two_days_ago_at_noon(), 90)])


def _count(database_url: str, model: Any) -> int:
    engine = make_engine(database_url)
    with session_factory(engine)() as session:
        count = session.scalar(select(func.count()).select_from(model))
    engine.dispose()
    return int(count or 0)


def test_submission_is_stored_pending_with_every_report(
    presence: PresenceApi, reports: list[Any], database_url: str, settings: Settings
) -> None:
    before = datetime.now(UTC)
    response = presence.submit(presence.body(reports))
    assert response.status_code == 200, response.text
    assert response.headers["x-api-version"] == "v1"
    document = response.json()
    assert document["insertedReports"] == len(reports) >= 20
    assert len(document["padding"]) > 1000

    engine = make_engine(database_url)
    with session_factory(engine)() as session:
        (submission,) = session.scalars(select(CheckInSubmission)).all()
        stored = session.scalars(select(CheckInReport)).all()
    engine.dispose()
    assert submission.status == "pending"
    assert submission.report_type == "confirmed"
    assert submission.report_count == len(reports)
    assert submission.decided_at is None
    window = settings.publish.truncate_window
    assert submission.submitted_at.timestamp() % window.total_seconds() == 0
    assert before - window < submission.submitted_at <= before
    assert {r.mac for r in stored} == {r.mac for r in reports}
    assert all(r.submitted_at == submission.submitted_at for r in stored)


def test_report_order_does_not_matter(presence: PresenceApi, reports: list[Any]) -> None:
    body = presence.body(reports)
    body["checkInProtectedReports"].reverse()
    assert presence.submit(body).status_code == 200


def test_url_safe_unpadded_base64_is_accepted(presence: PresenceApi, reports: list[Any]) -> None:
    body = presence.body(reports)
    for document in body["checkInProtectedReports"]:
        for name, value in document.items():
            raw = base64.b64decode(value)
            document[name] = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    assert presence.submit(body).status_code == 200


def test_a_certificate_is_spent_once(
    presence: PresenceApi, reports: list[Any], database_url: str
) -> None:
    body = presence.body(reports)
    assert presence.submit(body).status_code == 200
    again = presence.submit(body)
    assert_presence_error(again, 409, "certificate_already_used", "verificationPayload:")
    assert _count(database_url, CheckInSubmission) == 1


def _twin(token: str) -> str:
    """The same certificate with the other valid ECDSA signature (r, n - s)."""
    signed, _, signature = token.rpartition(".")
    raw = base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4))
    r, s = raw[:32], int.from_bytes(raw[32:], "big")
    order = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
    twin = r + (order - s).to_bytes(32, "big")
    return f"{signed}.{base64.urlsafe_b64encode(twin).decode().rstrip('=')}"


def test_the_twin_signature_of_a_spent_certificate_is_spent_too(
    presence: PresenceApi, reports: list[Any]
) -> None:
    body = presence.body(reports)
    twin = _twin(body["verificationPayload"])
    assert twin != body["verificationPayload"]
    assert certificate_hash(twin) == certificate_hash(body["verificationPayload"])
    assert presence.submit(body).status_code == 200
    response = presence.submit({**body, "verificationPayload": twin})
    assert_presence_error(response, 409, "certificate_already_used")


def test_the_certificate_binds_exactly_its_reports(
    presence: PresenceApi, reports: list[Any]
) -> None:
    body = presence.body(reports)
    swapped = dict(body)
    swapped["checkInProtectedReports"] = [
        *body["checkInProtectedReports"][1:],
        report_json(fake_report()),
    ]
    response = presence.submit(swapped)
    assert_presence_error(
        response, 401, "health_authority_verification_certificate_invalid", "tekmac"
    )
    wrong_key = {**body, "hmacKey": b64(secrets.token_bytes(32))}
    assert_presence_error(
        presence.submit(wrong_key),
        401,
        "health_authority_verification_certificate_invalid",
        "tekmac",
    )
    assert presence.submit(body).status_code == 200  # the refusals did not spend it


def test_a_publish_certificate_cannot_submit_reports(
    presence: PresenceApi, reports: list[Any]
) -> None:
    """The binding's label separates the two uses: the tekmac of keys never matches reports."""
    secret = secrets.token_bytes(32)
    api = presence.verification
    keys_mac = b64(secrets.token_bytes(32))
    certificate = api.certificate(api.token(), keys_mac).json()["certificate"]
    body = {
        "healthAuthorityID": "Demo Health Authority",
        "verificationPayload": certificate,
        "hmacKey": b64(secret),
        "checkInProtectedReports": [report_json(r) for r in reports],
    }
    assert_presence_error(
        presence.submit(body), 401, "health_authority_verification_certificate_invalid"
    )
    assert binding.cleartext(reports).startswith(b"civitrace-presence-reports-v1\n")


def test_a_negative_test_cannot_warn(presence: PresenceApi, reports: list[Any]) -> None:
    body = presence.body(reports, testType="negative")
    assert_presence_error(
        presence.submit(body), 401, "health_authority_verification_certificate_invalid", "negative"
    )


def test_likely_and_user_report_certificates_are_accepted(
    presence: PresenceApi, reports: list[Any], database_url: str
) -> None:
    for test_type in ("likely", "user-report"):
        assert presence.submit(presence.body(reports, testType=test_type)).status_code == 200
    engine = make_engine(database_url)
    with session_factory(engine)() as session:
        types = set(session.scalars(select(CheckInSubmission.report_type)))
    engine.dispose()
    assert types == {"likely", "user-report"}


def test_a_certificate_signed_by_another_key_is_refused(
    presence: PresenceApi, reports: list[Any]
) -> None:
    body = presence.body(reports)
    claims = jwt.decode(body["verificationPayload"], options={"verify_signature": False})
    header = jwt.get_unverified_header(body["verificationPayload"])
    forged = jwt.encode(
        claims, ec.generate_private_key(ec.SECP256R1()), algorithm="ES256", headers=header
    )
    response = presence.submit({**body, "verificationPayload": forged})
    assert_presence_error(response, 401, "health_authority_verification_certificate_invalid")


def test_another_authority_cannot_use_the_certificate(
    presence: PresenceApi, reports: list[Any], other_authority: Authority
) -> None:
    body = presence.body(reports)
    unknown = presence.submit({**body, "healthAuthorityID": "Nobody"})
    assert_presence_error(unknown, 401, "unknown_health_authority_id", "healthAuthorityID:")


def _mutate(body: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    copy = {**body, "checkInProtectedReports": [dict(r) for r in body["checkInProtectedReports"]]}
    if path.startswith("report."):
        copy["checkInProtectedReports"][3][path.removeprefix("report.")] = value
    elif value is _DELETE:
        del copy[path]
    else:
        copy[path] = value
    return copy


_DELETE = object()

BAD_FIELDS = [
    ("report.locationIdHash", b64(bytes(31)), "invalid_report", "[3].locationIdHash: must be 32"),
    (
        "report.locationIdHash",
        "not base64!",
        "invalid_report",
        "[3].locationIdHash: must be base64",
    ),
    ("report.iv", b64(bytes(17)), "invalid_report", "[3].iv: must be 16 bytes"),
    ("report.mac", b64(bytes(16)), "invalid_report", "[3].mac: must be 32 bytes"),
    ("report.encryptedCheckInRecord", b64(bytes(48)), "invalid_report", "16 or 32 bytes"),
    ("report.encryptedCheckInRecord", b64(bytes(15)), "invalid_report", "encryptedCheckInRecord"),
    ("report.encryptedCheckInRecord", "", "invalid_report", "encryptedCheckInRecord"),
    ("report.iv", 16, "bad_request", "checkInProtectedReports.3.iv"),
    ("report.extra", "x", "bad_request", "checkInProtectedReports.3.extra"),
    ("checkInProtectedReports", "all of them", "bad_request", "checkInProtectedReports"),
    ("hmacKey", b64(bytes(8)), "health_authority_verification_certificate_invalid", "hmacKey:"),
    ("hmacKey", "%%%", "health_authority_verification_certificate_invalid", "hmacKey:"),
    ("hmacKey", _DELETE, "bad_request", "hmacKey"),
    (
        "verificationPayload",
        "a.b.c",
        "health_authority_verification_certificate_invalid",
        "verificationPayload:",
    ),
    ("verificationPayload", _DELETE, "bad_request", "verificationPayload"),
    ("healthAuthorityID", "", "unknown_health_authority_id", "healthAuthorityID:"),
    ("healthAuthorityID", 7, "bad_request", "healthAuthorityID"),
    ("unknownField", 1, "bad_request", "unknownField"),
    ("padding", ["x"], "bad_request", "padding"),
]


@pytest.mark.parametrize(("path", "value", "code", "mentions"), BAD_FIELDS)
def test_bad_fields_are_named(
    presence: PresenceApi, reports: list[Any], path: str, value: Any, code: str, mentions: str
) -> None:
    body = _mutate(presence.body(reports), path, value)
    response = presence.submit(body)
    assert 400 <= response.status_code < 500, response.text
    assert_presence_error(response, response.status_code, code, mentions)


def test_repeated_report_is_refused(presence: PresenceApi, reports: list[Any]) -> None:
    body = presence.body(reports)
    body["checkInProtectedReports"][5] = body["checkInProtectedReports"][2]
    assert_presence_error(
        presence.submit(body), 400, "invalid_report", "checkInProtectedReports[5]: repeats report 2"
    )


@pytest.mark.parametrize("count", [0, 19, 251])
def test_report_counts_outside_the_limits_are_refused(
    presence: PresenceApi, reports: list[Any], count: int
) -> None:
    chosen = [fake_report() for _ in range(count)]
    body = presence.body(reports)
    body["checkInProtectedReports"] = [report_json(r) for r in chosen]
    assert_presence_error(presence.submit(body), 400, "invalid_report_count", "20..250 reports")


def test_padding_is_tolerated(presence: PresenceApi, reports: list[Any]) -> None:
    body = presence.body(reports)
    body["padding"] = b64(secrets.token_bytes(2000))
    assert presence.submit(body).status_code == 200


def test_chaff_touches_nothing(
    presence: PresenceApi, reports: list[Any], database_url: str
) -> None:
    body = presence.body(reports)
    response = presence.submit(body, **{"X-Chaff": "1"})
    assert response.status_code == 200
    assert set(response.json()) == {"padding"}
    assert _count(database_url, CheckInSubmission) == 0
    assert _count(database_url, SpentCertificate) == 0
    assert presence.submit(body).status_code == 200  # the certificate is still unspent


def test_body_cap_answers_413(presence: PresenceApi) -> None:
    response = presence.client.post(
        "/v1/presence/reports",
        content=b"{" + b" " * 70_000 + b"}",
        headers={"Content-Type": "application/json"},
    )
    assert_presence_error(response, 413, "bad_request", "body: larger than")


_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**40), max_value=2**40)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=24)
)
_json = st.recursive(
    _scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)
_b64 = st.binary(min_size=0, max_size=40).map(lambda b: base64.b64encode(b).decode())
_report = st.fixed_dictionaries(
    {},
    optional={
        "locationIdHash": _b64 | _json,
        "iv": _b64 | _json,
        "encryptedCheckInRecord": _b64 | _json,
        "mac": _b64 | _json,
    },
)
_body = st.fixed_dictionaries(
    {},
    optional={
        "healthAuthorityID": st.sampled_from(["Demo Health Authority", "", "x"]) | _json,
        "verificationPayload": st.sampled_from(["a.b.c", "", "eyJhbGciOiJFUzI1NiJ9.e30.AA"])
        | _json,
        "hmacKey": _b64 | _json,
        "checkInProtectedReports": st.lists(_report, max_size=25) | _json,
        "padding": _b64 | _json,
    },
)


def test_fuzz_submission_bodies(presence: PresenceApi) -> None:
    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(body=_body | _json)
    def check(body: Any) -> None:
        response = presence.client.post("/v1/presence/reports", json=body)
        assert 400 <= response.status_code < 500, response.text  # nothing random is valid
        document = response.json()
        assert document["code"], document
        assert ":" in document["error"], document  # "<field>: <what is wrong>"

    check()


def test_fuzz_raw_bytes(presence: PresenceApi) -> None:
    @settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(raw=st.binary(max_size=200))
    def check(raw: bytes) -> None:
        response = presence.client.post(
            "/v1/presence/reports", content=raw, headers={"Content-Type": "application/json"}
        )
        assert 400 <= response.status_code < 500, response.text
        assert response.json()["error"].startswith("body:")

    check()
