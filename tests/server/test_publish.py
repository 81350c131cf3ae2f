"""``POST /v1/publish``: issue → verify → certificate → publish, and every rule of Google's API."""

import base64
import hmac
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from hashlib import sha256
from typing import Any

import jwt
import pytest
from sqlalchemy import select, update

from civitrace.en import tekmac
from civitrace.en.intervals import en_interval_number, rolling_start
from civitrace.en.keys import TemporaryExposureKey
from civitrace.server import crypto
from civitrace.server.db import make_engine, session_factory
from civitrace.server.db.models import Exposure, HealthAuthority, SigningKeyPurpose
from civitrace.server.errors import SettingsError
from civitrace.server.publish.revision import RevisionTokens
from civitrace.server.settings import load_settings
from tests.server.conftest import Api, TestClient

HA_NAME = "Demo Health Authority"  # the conftest authority; healthAuthorityID is its name
DAY = 144


def interval(moment: datetime) -> int:
    return en_interval_number(moment.timestamp())


def at_interval(number: int) -> datetime:
    return datetime.fromtimestamp(number * 600, UTC)


def tek(
    start: int, period: int = DAY, risk: int = 0, data: bytes | None = None
) -> TemporaryExposureKey:
    return TemporaryExposureKey(
        key_data=data or secrets.token_bytes(16),
        rolling_start_number=start,
        rolling_period=period,
        transmission_risk_level=risk,
    )


def key_json(key: TemporaryExposureKey) -> dict[str, Any]:
    return {
        "key": base64.b64encode(key.key_data).decode(),
        "rollingStartNumber": key.rolling_start_number,
        "rollingPeriod": key.rolling_period,
        "transmissionRisk": key.transmission_risk_level,
    }


def past_keys(now: datetime, days: int, *, today: bool = False) -> list[TemporaryExposureKey]:
    """One key per UTC day for the ``days`` days before today (and today's if asked)."""
    first = rolling_start(interval(now))
    keys = [tek(first - DAY * d) for d in range(1, days + 1)]
    return ([tek(first)] if today else []) + keys


@dataclass
class Upload:
    """What an app sends, built from a real certificate of the verification endpoints."""

    keys: list[TemporaryExposureKey]
    certificate: str
    hmac_key: str
    extra: dict[str, Any] = field(default_factory=dict)
    documents: list[dict[str, Any]] | None = None

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "temporaryExposureKeys": self.documents or [key_json(k) for k in self.keys],
            "healthAuthorityID": HA_NAME,
            "verificationPayload": self.certificate,
            "hmacKey": self.hmac_key,
            "padding": base64.b64encode(secrets.token_bytes(100)).decode(),
        }
        body.update(self.extra)
        return body


def sign_certificate(
    client: TestClient,
    database_url: str,
    keys: list[TemporaryExposureKey],
    issued: datetime,
    **claims: Any,
) -> tuple[str, str]:
    """A certificate signed by the server's own certificate key at ``issued`` (time travel)."""
    verifier = client.app.state.verifier  # type: ignore[attr-defined]
    engine = make_engine(database_url)
    with session_factory(engine)() as session:
        signer = verifier.keyring.active(session, SigningKeyPurpose.CERTIFICATE)
        session.commit()
    engine.dispose()
    secret = secrets.token_bytes(32)
    payload = {
        "reportType": "confirmed",
        "tekmac": base64.b64encode(tekmac.compute(secret, keys)).decode(),
        "iss": verifier.settings.certificate_issuer,
        "aud": verifier.settings.certificate_audience,
        "iat": int(issued.timestamp()),
        "nbf": int(issued.timestamp()),
        "exp": int(issued.timestamp()) + 900,
        **claims,
    }
    token = jwt.encode(payload, signer.private_key, algorithm="ES256", headers={"kid": signer.kid})
    return token, base64.b64encode(secret).decode()


class Publishing:
    """Certificates from the real verification API and publishes to ``/v1/publish``."""

    def __init__(self, api: Api) -> None:
        self.api = api
        self.client = api.client

    def certify(
        self, keys: list[TemporaryExposureKey], test_type: str = "confirmed", **issue: Any
    ) -> tuple[str, str]:
        secret = secrets.token_bytes(32)
        mac = base64.b64encode(tekmac.compute(secret, keys)).decode()
        token = self.api.token(testType=test_type, **issue)
        response = self.api.certificate(token, mac)
        assert response.status_code == 200, response.text
        return str(response.json()["certificate"]), base64.b64encode(secret).decode()

    def upload(
        self, keys: list[TemporaryExposureKey], test_type: str = "confirmed", **extra: Any
    ) -> Upload:
        certificate, hmac_key = self.certify(keys, test_type)
        return Upload(keys, certificate, hmac_key, extra)

    def send(self, upload: Upload | dict[str, Any], **headers: str) -> Any:
        body = upload.body() if isinstance(upload, Upload) else upload
        return self.client.post("/v1/publish", json=body, headers=headers)

    def publish(
        self, keys: list[TemporaryExposureKey], test_type: str = "confirmed", **extra: Any
    ) -> Any:
        return self.send(self.upload(keys, test_type, **extra))


def assert_publish_error(
    response: Any, status: int, code: str, mentions: str | None = None
) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["x-api-version"] == "v1"
    body = response.json()
    assert body["code"] == code, body
    assert body["error"]
    assert "errorCode" not in body
    assert len(base64.b64decode(body["padding"])) >= 1024
    if mentions is not None:
        assert mentions in body["error"], body["error"]
    return dict(body)


def stored(database_url: str) -> dict[bytes, Exposure]:
    engine = make_engine(database_url)
    with session_factory(engine)() as session:
        rows = {row.exposure_key: row for row in session.scalars(select(Exposure))}
        session.expunge_all()
    engine.dispose()
    return rows


@pytest.fixture
def now() -> datetime:
    """A fixed 'now' a little after the real time's hour (certificates are signed in real time)."""
    return datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
def clock(client: TestClient, now: datetime) -> Iterator[Callable[[datetime], None]]:
    """Pins the publisher's clock to ``now``; call the fixture's value to move it."""
    publisher = client.app.state.publisher  # type: ignore[attr-defined]
    original = publisher.clock
    publisher.clock = lambda: now

    def set_clock(moment: datetime) -> None:
        publisher.clock = lambda: moment

    yield set_clock
    publisher.clock = original


@pytest.fixture
def pub(api: Api, clock: Callable[[datetime], None]) -> Publishing:
    return Publishing(api)


def hour_floor(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


# -- the full flow ----------------------------------------------------------------------------


def test_full_flow_stores_keys_with_google_semantics(
    pub: Publishing, now: datetime, database_url: str
) -> None:
    keys = past_keys(now, 13, today=True)
    response = pub.publish(keys, symptomOnsetInterval=None)
    assert response.status_code == 200, response.text
    assert response.headers["x-api-version"] == "v1"
    body = response.json()
    assert body["insertedExposures"] == 14
    assert set(body) == {"revisionToken", "insertedExposures", "padding"}
    assert base64.b64decode(body["revisionToken"])
    rows = stored(database_url)
    assert set(rows) == {k.key_data for k in keys}
    today = keys[0]
    for key in keys:
        row = rows[key.key_data]
        assert row.regions == "ZZ"
        assert row.report_type == "confirmed"
        assert row.transmission_risk == 2  # backfilled from confirmed
        assert row.local_provenance
        assert row.federation_source is None
        assert row.interval_number == key.rolling_start_number
        assert row.interval_count == DAY
        assert not row.traveler
        if key is today:  # still valid: embargoed until its period ends, + 1 h
            release = at_interval(key.end_interval) + timedelta(hours=1)
            assert row.created_at == hour_floor(release)
        else:
            assert row.created_at == hour_floor(now)
    # symptomDate of the conftest code is 2 days ago: dsos = key day - onset day
    onset_day = rolling_start(interval(now)) // DAY - 2
    for key in keys:
        assert (
            rows[key.key_data].days_since_symptom_onset
            == key.rolling_start_number // DAY - onset_day
        )


def test_healthauthorityid_unknown(pub: Publishing, now: datetime) -> None:
    upload = pub.upload(past_keys(now, 2))
    upload.extra["healthAuthorityID"] = "Nobody"
    assert_publish_error(pub.send(upload), 401, "unknown_health_authority_id", "healthAuthorityID")
    upload.extra["healthAuthorityID"] = ""
    assert_publish_error(pub.send(upload), 401, "unknown_health_authority_id", "healthAuthorityID")


# -- request-wide limits ----------------------------------------------------------------------


def test_too_many_keys(pub: Publishing, now: datetime) -> None:
    first = rolling_start(interval(now)) - 20 * DAY
    keys = [tek(first + i * 10, 10) for i in range(31)]
    response = pub.publish(keys)
    assert_publish_error(
        response, 400, "bad_request", "too many exposure keys in publish: 31, max of 30"
    )


def test_no_keys(pub: Publishing, now: datetime) -> None:
    upload = pub.upload(past_keys(now, 1))
    upload.documents = []
    body = upload.body()
    body["temporaryExposureKeys"] = []
    assert_publish_error(pub.send(body), 400, "bad_request", "no exposure keys")


def test_overlapping_keys_fail_the_whole_request(pub: Publishing, now: datetime) -> None:
    start = rolling_start(interval(now)) - 3 * DAY
    keys = [tek(start), tek(start + 10, 20), tek(start - DAY)]
    assert_publish_error(pub.publish(keys), 400, "bad_request", "non aligned overlapping intervals")


def test_same_start_at_most_three(pub: Publishing, now: datetime, database_url: str) -> None:
    start = rolling_start(interval(now)) - 3 * DAY
    ok = [tek(start, 10), tek(start, 50), tek(start, DAY)]
    assert pub.publish(ok).status_code == 200
    four = [tek(start - DAY, p) for p in (10, 20, 30, DAY)]
    assert_publish_error(pub.publish(four), 400, "bad_request", "too many overlapping keys")


# -- per-key rules: the key is dropped, the rest stored (partial_failure) -------------------------


def _partial(
    pub: Publishing, now: datetime, bad: dict[str, Any], mentions: str, database_url: str
) -> None:
    keys = past_keys(now, 2)
    upload = pub.upload(keys)
    upload.documents = [key_json(k) for k in keys] + [bad]
    response = pub.send(upload)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["code"] == "partial_failure"
    assert body["insertedExposures"] == 2
    assert "temporaryExposureKeys[2]" in body["error"], body["error"]
    assert mentions in body["error"], body["error"]
    assert set(stored(database_url)) == {k.key_data for k in keys}


def test_bad_key_length_dropped(pub: Publishing, now: datetime, database_url: str) -> None:
    bad = key_json(tek(rolling_start(interval(now)) - 5 * DAY)) | {
        "key": base64.b64encode(bytes(15)).decode()
    }
    _partial(pub, now, bad, "must decode to 16 bytes", database_url)


def test_bad_base64_dropped(pub: Publishing, now: datetime, database_url: str) -> None:
    bad = key_json(tek(rolling_start(interval(now)) - 5 * DAY)) | {"key": "not base64!"}
    _partial(pub, now, bad, "base64", database_url)


@pytest.mark.parametrize("period", [0, 145, -1])
def test_bad_rolling_period_dropped(
    pub: Publishing, now: datetime, database_url: str, period: int
) -> None:
    bad = key_json(tek(rolling_start(interval(now)) - 5 * DAY)) | {"rollingPeriod": period}
    _partial(pub, now, bad, "rolling_period", database_url)


def test_bad_transmission_risk_dropped(pub: Publishing, now: datetime, database_url: str) -> None:
    bad = key_json(tek(rolling_start(interval(now)) - 5 * DAY)) | {"transmissionRisk": 9}
    _partial(pub, now, bad, "transmission_risk", database_url)


def test_too_old_key_dropped(pub: Publishing, now: datetime, database_url: str) -> None:
    keys = past_keys(now, 2)
    # ends exactly one interval before now - 360 h: too old; one ending at the limit is kept
    limit = interval(now - timedelta(hours=360))
    old, edge = tek(limit - 1 - DAY), tek(limit - DAY)
    response = pub.publish([*keys, old, edge])
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["code"] == "partial_failure"
    assert "temporaryExposureKeys[2]" in body["error"]
    assert "minimum window" in body["error"]
    assert "[3]" not in body["error"]
    assert set(stored(database_url)) == {k.key_data for k in [*keys, edge]}


def test_future_key_dropped(pub: Publishing, now: datetime, database_url: str) -> None:
    keys = past_keys(now, 2)
    future = tek(interval(now) + 1, 10)
    response = pub.publish([*keys, future])
    body = response.json()
    assert response.status_code == 200, body
    assert body["code"] == "partial_failure", body
    assert "future" in body["error"]
    assert future.key_data not in stored(database_url)


def test_all_keys_invalid_is_bad_request(pub: Publishing, now: datetime, database_url: str) -> None:
    limit = interval(now - timedelta(hours=360))
    keys = [tek(limit - 2 * DAY), tek(limit - 3 * DAY)]
    assert_publish_error(pub.publish(keys), 400, "bad_request", "minimum window")
    assert stored(database_url) == {}


def test_duplicate_key_in_one_request_dropped(
    pub: Publishing, now: datetime, database_url: str
) -> None:
    keys = past_keys(now, 2)
    response = pub.publish([*keys, keys[0]])
    body = response.json()
    assert body["code"] == "partial_failure", body
    assert "more than once" in body["error"], body
    assert body["insertedExposures"] == 2


# -- times: truncation and embargo --------------------------------------------------------------


def test_created_at_truncated_to_window(
    pub: Publishing, now: datetime, clock: Callable[[datetime], None], database_url: str
) -> None:
    moment = now + timedelta(minutes=10, seconds=1)  # inside the certificate's lifetime
    clock(moment)
    keys = past_keys(now, 3)
    assert pub.publish(keys).status_code == 200
    assert {row.created_at for row in stored(database_url).values()} == {hour_floor(moment)}


def test_same_day_embargo(
    pub: Publishing, now: datetime, clock: Callable[[datetime], None], database_url: str
) -> None:
    # Pin the clock at 06:05 UTC today: a full-day key for today is valid until midnight.
    midnight = now.replace(hour=0, minute=0, second=0)
    moment = midnight + timedelta(hours=6, minutes=5)
    clock(moment)
    start = interval(midnight)
    earlier = [tek(start - DAY), tek(start - 2 * DAY)]
    ended = tek(start, 30)  # 00:00-05:00 today: over, so not embargoed
    running = tek(start + 30, 10)  # 05:00-06:40: still valid at 06:05
    certificate, hmac_key = sign_certificate(
        pub.client, database_url, [*earlier, ended, running], moment
    )
    response = pub.send(Upload([*earlier, ended, running], certificate, hmac_key))
    assert response.status_code == 200, response.text
    rows = stored(database_url)
    assert rows[ended.key_data].created_at == midnight + timedelta(hours=6)
    assert rows[running.key_data].created_at == midnight + timedelta(
        hours=7
    )  # 06:40 + 1 h, floored
    assert rows[earlier[0].key_data].created_at == midnight + timedelta(hours=6)


def test_full_day_key_released_after_midnight(
    pub: Publishing, now: datetime, clock: Callable[[datetime], None], database_url: str
) -> None:
    midnight = now.replace(hour=0, minute=0, second=0)
    clock(midnight + timedelta(hours=6))
    today = tek(interval(midnight))
    certificate, hmac_key = sign_certificate(
        pub.client, database_url, [today], midnight + timedelta(hours=6)
    )
    assert pub.send(Upload([today], certificate, hmac_key)).status_code == 200
    assert stored(database_url)[today.key_data].created_at == midnight + timedelta(days=1, hours=1)


# -- certificate ------------------------------------------------------------------------------


def test_tekmac_mismatch(pub: Publishing, now: datetime) -> None:
    keys = past_keys(now, 3)
    certificate, hmac_key = pub.certify(keys)
    other = Upload(past_keys(now, 3), certificate, hmac_key)
    assert_publish_error(
        pub.send(other), 401, "health_authority_verification_certificate_invalid", "tekmac"
    )
    wrong_secret = Upload(keys, certificate, base64.b64encode(bytes(32)).decode())
    assert_publish_error(
        pub.send(wrong_secret), 401, "health_authority_verification_certificate_invalid"
    )
    no_secret = Upload(keys, certificate, "")
    assert_publish_error(
        pub.send(no_secret), 401, "health_authority_verification_certificate_invalid", "hmacKey"
    )


def test_tekmac_alternate_form_without_risk(pub: Publishing, now: datetime) -> None:
    keys = past_keys(now, 2)  # all risks 0
    secret = secrets.token_bytes(16)
    alternate = tekmac.cleartext(keys, with_risk=False).encode()
    mac = base64.b64encode(hmac.digest(secret, alternate, sha256)).decode()
    token = pub.api.token()
    certificate = pub.api.certificate(token, mac).json()["certificate"]
    response = pub.send(Upload(keys, certificate, base64.b64encode(secret).decode()))
    assert response.status_code == 200, response.text


def _set_authority(database_url: str, **values: str) -> None:
    engine = make_engine(database_url)
    with engine.begin() as connection:
        connection.execute(
            update(HealthAuthority).where(HealthAuthority.name == HA_NAME).values(**values)
        )
    engine.dispose()


def test_wrong_audience(pub: Publishing, now: datetime, database_url: str) -> None:
    upload = pub.upload(past_keys(now, 2))
    _set_authority(database_url, certificate_audience="another-key-server")
    assert_publish_error(
        pub.send(upload), 401, "health_authority_verification_certificate_invalid", "aud"
    )


def test_wrong_issuer(pub: Publishing, now: datetime, database_url: str) -> None:
    upload = pub.upload(past_keys(now, 2))
    _set_authority(database_url, certificate_issuer="another-verification-server")
    assert_publish_error(
        pub.send(upload), 401, "health_authority_verification_certificate_invalid", "iss"
    )


def test_expired_certificate(
    pub: Publishing, now: datetime, clock: Callable[[datetime], None]
) -> None:
    upload = pub.upload(past_keys(now, 2))
    clock(now + timedelta(minutes=15 + 2))  # certificate_ttl 15 min + 1 min leeway passed
    assert_publish_error(
        pub.send(upload), 401, "health_authority_verification_certificate_invalid", "expired"
    )


def test_certificate_not_yet_valid(
    pub: Publishing, now: datetime, clock: Callable[[datetime], None]
) -> None:
    upload = pub.upload(past_keys(now, 2))
    clock(now - timedelta(minutes=5))
    assert_publish_error(
        pub.send(upload), 401, "health_authority_verification_certificate_invalid", "not valid yet"
    )


def _forged(claims: dict[str, Any], kid: str) -> str:
    key = crypto.generate_es256_key()
    return jwt.encode(claims, key, algorithm="ES256", headers={"kid": kid})


def test_unknown_kid(pub: Publishing, now: datetime, settings: Any) -> None:
    keys = past_keys(now, 2)
    secret = secrets.token_bytes(32)
    issued = int(now.timestamp())
    claims = {
        "reportType": "confirmed",
        "tekmac": base64.b64encode(tekmac.compute(secret, keys)).decode(),
        "iss": settings.verification.certificate_issuer,
        "aud": settings.verification.certificate_audience,
        "iat": issued,
        "exp": issued + 600,
    }
    forged = Upload(
        keys, _forged(claims, "certificate-0000000000000000"), base64.b64encode(secret).decode()
    )
    assert_publish_error(
        pub.send(forged), 401, "health_authority_verification_certificate_invalid", "kid"
    )
    # a real kid with a forged signature fails too
    real_kid = jwt.get_unverified_header(pub.certify(keys)[0])["kid"]
    forged = Upload(keys, _forged(claims, real_kid), base64.b64encode(secret).decode())
    assert_publish_error(pub.send(forged), 401, "health_authority_verification_certificate_invalid")
    garbage = Upload(keys, "not.a.jwt", base64.b64encode(secret).decode())
    assert_publish_error(
        pub.send(garbage), 401, "health_authority_verification_certificate_invalid"
    )


# -- report type, transmission risk, symptom onset ----------------------------------------------


@pytest.mark.parametrize(
    ("test_type", "expected"),
    [("confirmed", 2), ("likely", 4), ("negative", 6), ("user-report", 0)],
)
def test_transmission_risk_backfill(
    pub: Publishing, now: datetime, database_url: str, test_type: str, expected: int
) -> None:
    start = rolling_start(interval(now))
    zero, three = tek(start - DAY), tek(start - 2 * DAY, risk=3)
    assert pub.publish([zero, three], test_type).status_code == 200
    rows = stored(database_url)
    assert rows[zero.key_data].transmission_risk == expected
    assert rows[three.key_data].transmission_risk == 3
    assert rows[zero.key_data].report_type == test_type


def test_days_since_onset_from_publish_then_claim_then_default(
    pub: Publishing, now: datetime, database_url: str, api: Api
) -> None:
    day = rolling_start(interval(now))
    key = tek(day - DAY)
    # publish field wins over the certificate's symptomOnsetInterval (2 days ago)
    assert pub.publish([key], symptomOnsetInterval=day - 5 * DAY + 7).status_code == 200
    assert stored(database_url)[key.key_data].days_since_symptom_onset == 4
    # a publish value out of range (in the future) falls back to the claim
    key2 = tek(day - 2 * DAY)
    assert pub.publish([key2], symptomOnsetInterval=day + 10 * DAY).status_code == 200
    assert stored(database_url)[key2.key_data].days_since_symptom_onset == 0
    # no onset anywhere (code with only a test date): 4 days ago by default
    key3 = tek(day - 3 * DAY)
    secret = secrets.token_bytes(32)
    token = api.token(symptomDate="", testDate=(now.date() - timedelta(days=1)).isoformat())
    certificate = api.certificate(
        token, base64.b64encode(tekmac.compute(secret, [key3])).decode()
    ).json()["certificate"]
    assert "symptomOnsetInterval" not in jwt.decode(
        certificate, options={"verify_signature": False}
    )
    response = pub.send(Upload([key3], certificate, base64.b64encode(secret).decode()))
    assert response.status_code == 200, response.text
    assert stored(database_url)[key3.key_data].days_since_symptom_onset == 1


def test_dsos_beyond_14_warns_and_drops(pub: Publishing, now: datetime, database_url: str) -> None:
    day = rolling_start(interval(now))
    keep, edge, drop = tek(day - DAY), tek(day - 14 * DAY), tek(day - 15 * DAY)
    # onset today (rounded down to today's midnight): -1, -14 (kept) and -15 (dropped)
    response = pub.publish([keep, edge, drop], symptomOnsetInterval=day + 1)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["insertedExposures"] == 2
    assert "code" not in body  # a warning, not a failure
    assert len(body["warnings"]) == 1
    assert "temporaryExposureKeys[2]" in body["warnings"][0]
    assert "-15 days since symptom onset" in body["warnings"][0]
    rows = stored(database_url)
    assert drop.key_data not in rows
    assert rows[keep.key_data].days_since_symptom_onset == -1
    assert rows[edge.key_data].days_since_symptom_onset == -14


def test_only_far_keys_is_bad_request(pub: Publishing, now: datetime, database_url: str) -> None:
    day = rolling_start(interval(now))
    response = pub.publish([tek(day - 15 * DAY)], symptomOnsetInterval=day + 1)
    assert_publish_error(response, 400, "bad_request", "symptom onset")
    assert stored(database_url) == {}


def test_traveler_flag_stored(pub: Publishing, now: datetime, database_url: str) -> None:
    keys = past_keys(now, 1)
    assert pub.publish(keys, traveler=True).status_code == 200
    assert stored(database_url)[keys[0].key_data].traveler is True


# -- revision ---------------------------------------------------------------------------------


def test_revision_likely_to_confirmed(pub: Publishing, now: datetime, database_url: str) -> None:
    keys = past_keys(now, 3)
    first = pub.publish(keys, "likely")
    assert first.status_code == 200, first.text
    token = first.json()["revisionToken"]
    assert {r.report_type for r in stored(database_url).values()} == {"likely"}
    second = pub.publish(keys, "confirmed", revisionToken=token)
    assert second.status_code == 200, second.text
    assert second.json()["insertedExposures"] == 3
    for row in stored(database_url).values():
        assert row.report_type == "likely"
        assert row.revised_report_type == "confirmed"
        assert row.revised_at == hour_floor(now)
        assert row.revised_transmission_risk == 2
        assert row.revised_days_since_symptom_onset == row.days_since_symptom_onset
    again = pub.publish(keys, "negative", revisionToken=second.json()["revisionToken"])
    assert_publish_error(again, 400, "key_already_revised")


def test_revision_user_report_to_likely_adds_new_keys(
    pub: Publishing, now: datetime, database_url: str
) -> None:
    keys = past_keys(now, 2)
    token = pub.publish(keys, "user-report").json()["revisionToken"]
    newer = tek(rolling_start(interval(now)) - 5 * DAY)
    response = pub.publish([*keys, newer], "likely", revisionToken=token)
    assert response.status_code == 200, response.text
    assert response.json()["insertedExposures"] == 3
    rows = stored(database_url)
    assert rows[newer.key_data].report_type == "likely"
    assert rows[newer.key_data].revised_report_type is None
    assert {rows[k.key_data].revised_report_type for k in keys} == {"likely"}


def test_missing_revision_token(pub: Publishing, now: datetime) -> None:
    keys = past_keys(now, 2)
    assert pub.publish(keys, "likely").status_code == 200
    assert_publish_error(
        pub.publish(keys, "confirmed"), 400, "missing_revision_token", "revisionToken"
    )


def test_invalid_revision_token(pub: Publishing, now: datetime, client: TestClient) -> None:
    keys = past_keys(now, 2)
    token = pub.publish(keys, "likely").json()["revisionToken"]
    raw = bytearray(base64.b64decode(token))
    raw[-1] ^= 1
    tampered = base64.b64encode(bytes(raw)).decode()
    for bad in (tampered, "!!!", base64.b64encode(b"\x02" + bytes(60)).decode()):
        assert_publish_error(
            pub.publish(keys, "confirmed", revisionToken=bad), 400, "invalid_revision_token"
        )
    # a valid token of another upload does not cover these keys
    other = pub.publish(past_keys(now - timedelta(days=5), 2), "likely").json()["revisionToken"]
    assert_publish_error(
        pub.publish(keys, "confirmed", revisionToken=other), 400, "invalid_revision_token"
    )
    # a token sealed under another server's key
    foreign = RevisionTokens(bytes(32), 28).seal([])
    assert_publish_error(
        pub.publish(keys, "confirmed", revisionToken=foreign), 400, "invalid_revision_token"
    )


def test_invalid_report_type_transition(pub: Publishing, now: datetime) -> None:
    keys = past_keys(now, 2)
    token = pub.publish(keys, "confirmed").json()["revisionToken"]
    response = pub.publish(keys, "likely", revisionToken=token)
    assert_publish_error(response, 400, "invalid_report_type_transition", "confirmed to likely")


def test_same_report_type_reupload_is_a_no_op(
    pub: Publishing, now: datetime, database_url: str
) -> None:
    keys = past_keys(now, 2)
    token = pub.publish(keys, "likely").json()["revisionToken"]
    response = pub.publish(keys, "likely", revisionToken=token)
    assert response.status_code == 200, response.text
    assert "insertedExposures" not in response.json()
    assert {r.revised_at for r in stored(database_url).values()} == {None}


def test_revision_token_size_hides_key_count(pub: Publishing, now: datetime) -> None:
    one = pub.publish(past_keys(now, 1))
    many = pub.publish(past_keys(now, 13))
    assert one.status_code == many.status_code == 200
    assert len(one.json()["revisionToken"]) == len(many.json()["revisionToken"])


# -- transport --------------------------------------------------------------------------------


def test_unknown_field_named(pub: Publishing, now: datetime) -> None:
    upload = pub.upload(past_keys(now, 1))
    upload.extra["deviceName"] = "x"
    assert_publish_error(pub.send(upload), 400, "bad_request", "deviceName")
    upload = pub.upload(past_keys(now, 1))
    upload.documents = [key_json(upload.keys[0]) | {"reportType": "confirmed"}]
    assert_publish_error(pub.send(upload), 400, "bad_request", "temporaryExposureKeys.0.reportType")


def test_field_names_match_case_insensitively(pub: Publishing, now: datetime) -> None:
    upload = pub.upload(past_keys(now, 1))
    body = upload.body()
    body["hmackey"] = body.pop("hmacKey")
    assert pub.send(body).status_code == 200


def test_wrong_types_named(pub: Publishing, now: datetime) -> None:
    upload = pub.upload(past_keys(now, 1))
    upload.extra["traveler"] = "yes"
    assert_publish_error(pub.send(upload), 400, "bad_request", "traveler")
    upload.extra["traveler"] = False
    upload.extra["symptomOnsetInterval"] = 2**31
    assert_publish_error(pub.send(upload), 400, "bad_request", "symptomOnsetInterval")


def test_not_json(client: TestClient, authority: Any) -> None:
    response = client.post(
        "/v1/publish", content=b"{bad", headers={"Content-Type": "application/json"}
    )
    assert_publish_error(response, 400, "bad_request", "JSON")
    response = client.post(
        "/v1/publish", content=b"[]", headers={"Content-Type": "application/json"}
    )
    assert_publish_error(response, 400, "bad_request")


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
def test_content_type_must_be_json(client: TestClient, content_type: str | None) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    response = client.post("/v1/publish", content=b"{}", headers=headers)
    assert_publish_error(response, 415, "bad_request", "Content-Type")


def test_body_cap(client: TestClient) -> None:
    body = b'{"padding": "' + b"A" * 64_000 + b'"}'
    response = client.post(
        "/v1/publish", content=body, headers={"Content-Type": "application/json"}
    )
    assert_publish_error(response, 413, "bad_request", "64000")


def test_chaff_touches_nothing(pub: Publishing, now: datetime, database_url: str) -> None:
    upload = pub.upload(past_keys(now, 2))
    response = pub.client.post("/v1/publish", json=upload.body(), headers={"X-Chaff": "1"})
    assert response.status_code == 200
    assert response.headers["x-api-version"] == "v1"
    assert set(response.json()) == {"padding"}
    assert stored(database_url) == {}
    # the same certificate then still works: chaff did not look at it
    assert pub.send(upload).status_code == 200


def test_settings_refuse_unsafe_publish_values(tmp_path: Any) -> None:
    for values in (
        {"truncate_window": "PT1M"},
        {"truncate_window": "PT7H"},
        {"max_interval_age": "P30D"},
        {"revision_token_min_keys": 1},
        {"max_symptom_onset_days": 20},
    ):
        with pytest.raises(SettingsError, match="publish"):
            load_settings(data_dir=tmp_path, publish=values)
