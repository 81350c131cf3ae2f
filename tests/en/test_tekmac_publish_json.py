"""The tekmac HMAC against Google's vectors, and publish-API key parsing."""

import base64
import hmac as _hmac
from hashlib import sha256

import pytest
from hypothesis import given
from hypothesis import strategies as st

from civitrace.en import tekmac
from civitrace.en.keys import ReportType
from civitrace.en.publish_json import KeyFieldError, exposure_key_to_json, parse_key_list
from tests.vectors import load_vectors

HMAC_VECTORS = load_vectors("gaen_hmac.json")
SECRET = bytes.fromhex(HMAC_VECTORS["secret_hex"])


@pytest.mark.parametrize("case", HMAC_VECTORS["cases"], ids=["with-risk", "zero-risk"])
def test_hmac_vectors(case: dict[str, object]) -> None:
    keys = parse_key_list(case["keys"])
    assert tekmac.cleartext(keys) == case["cleartext"]
    expected = base64.b64decode(str(case["hmac_base64"]))
    assert tekmac.compute(SECRET, keys) == expected
    assert tekmac.matches(SECRET, keys, expected)
    if "alternate_hmac_base64" in case:
        assert tekmac.cleartext(keys, with_risk=False) == case["alternate_cleartext_without_risk"]
        assert tekmac.matches(SECRET, keys, base64.b64decode(str(case["alternate_hmac_base64"])))


def test_alternate_form_refused_when_a_risk_is_set() -> None:
    case = HMAC_VECTORS["cases"][0]
    keys = parse_key_list(case["keys"])
    alternate = _hmac.digest(SECRET, tekmac.cleartext(keys, with_risk=False).encode(), sha256)
    assert not tekmac.matches(SECRET, keys, alternate)
    assert not tekmac.matches(b"other secret", keys, tekmac.compute(SECRET, keys))


def test_publish_body_and_bare_list_are_both_accepted() -> None:
    items = HMAC_VECTORS["cases"][0]["keys"]
    assert parse_key_list({"temporaryExposureKeys": items}) == parse_key_list(items)


def test_defaults_and_extensions() -> None:
    (key,) = parse_key_list(
        [
            {
                "key": "z2Cx9hdz2SlxZ8GEgqTYpA==",
                "rollingStartNumber": 144,
                "reportType": "likely",
                "daysSinceOnsetOfSymptoms": -2,
            }
        ]
    )
    assert key.rolling_period == 144
    assert key.transmission_risk_level == 0
    assert key.report_type is ReportType.CONFIRMED_CLINICAL_DIAGNOSIS
    assert exposure_key_to_json(key)["reportType"] == "CONFIRMED_CLINICAL_DIAGNOSIS"


@pytest.mark.parametrize(
    ("document", "field"),
    [
        ({}, "temporaryExposureKeys"),
        ({"temporaryExposureKeys": "x"}, "temporaryExposureKeys"),
        ([1], "temporaryExposureKeys[0]"),
        ([{"rollingStartNumber": 1}], "temporaryExposureKeys[0].key"),
        ([{"key": "!!", "rollingStartNumber": 1}], "temporaryExposureKeys[0].key"),
        ([{"key": "AAAA", "rollingStartNumber": 1}], "temporaryExposureKeys[0].key"),
        ([{"key": "z2Cx9hdz2SlxZ8GEgqTYpA=="}], "temporaryExposureKeys[0].rollingStartNumber"),
        (
            [{"key": "z2Cx9hdz2SlxZ8GEgqTYpA==", "rollingStartNumber": True}],
            "temporaryExposureKeys[0].rollingStartNumber",
        ),
        (
            [{"key": "z2Cx9hdz2SlxZ8GEgqTYpA==", "rollingStartNumber": 1, "rollingPeriod": 145}],
            "temporaryExposureKeys[0]",
        ),
        (
            [{"key": "z2Cx9hdz2SlxZ8GEgqTYpA==", "rollingStartNumber": 1, "reportType": "x"}],
            "temporaryExposureKeys[0].reportType",
        ),
    ],
)
def test_bad_keys_name_their_field(document: object, field: str) -> None:
    with pytest.raises(KeyFieldError) as info:
        parse_key_list(document)
    assert info.value.field == field


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(),
        lambda inner: (
            st.lists(inner, max_size=3)
            | st.dictionaries(
                st.sampled_from(
                    [
                        "key",
                        "rollingStartNumber",
                        "rollingPeriod",
                        "transmissionRisk",
                        "temporaryExposureKeys",
                    ]
                ),
                inner,
                max_size=4,
            )
        ),
    )
)
def test_arbitrary_json_gives_our_error_or_keys(document: object) -> None:
    try:
        keys = parse_key_list(document)
    except KeyFieldError:
        return
    assert isinstance(keys, list)
