"""Consent: no keys leave the device without an explicit yes; with it, a valid publish body."""

import base64
import json

import pytest

from civitrace.client.consent import Consent, keys_to_share, prepare_upload
from civitrace.client.device import Device
from civitrace.client.errors import ClientError, ConsentRequiredError
from civitrace.en import tekmac
from civitrace.en.publish_json import parse_key_list
from tests.client.conftest import DAY, DAY_SECONDS, NOW, FakeClock, MakeDevice


@pytest.fixture
def alice(make_device: MakeDevice) -> Device:
    return make_device("alice")  # keys for DAY (yesterday) and DAY + 1 (today)


@pytest.mark.parametrize(
    "consent",
    [None, Consent(share_diagnosis_keys=False), "yes", True, Consent(share_diagnosis_keys=1)],  # type: ignore[arg-type]
)
def test_without_an_explicit_yes_nothing_is_shared_or_recorded(
    alice: Device, consent: object
) -> None:
    before = alice.store.path.read_bytes()
    with pytest.raises(ConsentRequiredError, match="explicit consent"):
        prepare_upload(alice, consent, health_authority_id="ha")  # type: ignore[arg-type]
    assert alice.document.uploads == []
    assert alice.document.consents == []
    assert alice.store.path.read_bytes() == before  # not even rewritten


def test_with_consent_the_body_is_a_valid_publish_request(alice: Device) -> None:
    request = prepare_upload(
        alice,
        Consent(share_diagnosis_keys=True, days=14),
        health_authority_id="gov.example.ha",
        symptom_onset_interval=DAY * 144,
        revision_token="dG9rZW4=",
    )
    body = json.loads(json.dumps(request.body))
    keys = parse_key_list(body)
    assert [k.key_data for k in keys] == [alice.own_keys[0].key_data]  # yesterday's only
    assert set(body) == {
        "temporaryExposureKeys",
        "healthAuthorityID",
        "hmacKey",
        "symptomOnsetInterval",
        "revisionToken",
        "padding",
    }
    assert body["healthAuthorityID"] == "gov.example.ha"
    assert body["symptomOnsetInterval"] == DAY * 144
    secret = base64.b64decode(body["hmacKey"], validate=True)
    assert len(secret) == 32
    assert tekmac.matches(secret, keys, base64.b64decode(request.ekeyhmac))
    assert 1024 <= len(base64.b64decode(body["padding"])) < 2048


def test_consent_and_upload_are_recorded(alice: Device) -> None:
    request = prepare_upload(alice, Consent(True, days=7), health_authority_id="ha")
    (consent,) = alice.document.consents
    assert (consent.given_at, consent.days, consent.recipient) == (NOW, 7, "ha")
    assert consent.statement == "Share my diagnosis keys for the last 7 days"
    (upload,) = alice.document.uploads
    assert upload.key_count == len(request.keys) == 1
    assert upload.rolling_start_numbers == (DAY * 144,)
    reopened = alice.export_data()
    assert reopened["consents"][0]["purpose"] == "share-diagnosis-keys"


def test_todays_key_only_on_request(alice: Device) -> None:
    with_today = prepare_upload(
        alice, Consent(True), health_authority_id="ha", include_current_day=True
    )
    assert [k.rolling_start_number for k in with_today.keys] == [DAY * 144, (DAY + 1) * 144]


def test_keys_older_than_the_consented_days_stay(make_device: MakeDevice, clock: FakeClock) -> None:
    device = make_device("old")
    clock.advance(5 * DAY_SECONDS)
    device.ensure_todays_key()
    starts = [k.rolling_start_number for k in device.own_keys]
    assert starts == [DAY * 144, (DAY + 1) * 144, (DAY + 6) * 144]
    shared = keys_to_share(device.own_keys, clock.now, 5, include_current_day=False)
    assert [k.rolling_start_number for k in shared] == [(DAY + 1) * 144]


def test_no_key_to_share_yet(make_device: MakeDevice, clock: FakeClock) -> None:
    device = make_device("new")
    clock.advance(3 * DAY_SECONDS)
    with pytest.raises(ClientError, match="no keys to share"):
        prepare_upload(device, Consent(True, days=1), health_authority_id="ha")
    assert device.document.consents == []


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"health_authority_id": " "}, "health authority"),
        ({"health_authority_id": "ha", "symptom_onset_interval": 10**9}, "future"),
    ],
)
def test_bad_requests(alice: Device, options: dict[str, object], message: str) -> None:
    with pytest.raises(ClientError, match=message):
        prepare_upload(alice, Consent(True), **options)  # type: ignore[arg-type]
    assert alice.document.uploads == []


@pytest.mark.parametrize("days", [0, 15, -1])
def test_consented_days_are_bounded(alice: Device, days: int) -> None:
    with pytest.raises(ClientError, match="1 to 14"):
        prepare_upload(alice, Consent(True, days=days), health_authority_id="ha")
