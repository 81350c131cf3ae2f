"""``GET /metrics``: Prometheus text behind an ADMIN key, counters that move, no label that
could identify a device."""

import base64

from prometheus_client.parser import text_string_to_metric_families

from civitrace.server.metrics import ServerMetrics
from tests.server.conftest import Api, Authority, TestClient

ALLOWED_LABELS = {"method", "route", "status", "outcome", "code", "le"}


def _scrape(client: TestClient, authority: Authority) -> str:
    response = client.get("/metrics", headers=authority.admin)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return str(response.text)


def _value(text: str, name: str, **labels: str) -> float:
    """The sample ``name`` with exactly these labels (0 when it does not exist yet)."""
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and sample.labels == labels:
                return float(sample.value)
    return 0.0


def test_metrics_need_an_admin_key(client: TestClient, authority: Authority) -> None:
    missing = client.get("/metrics")
    assert missing.status_code == 401
    assert missing.json()["errorCode"] == "unauthorized"
    assert "X-API-Key" in missing.json()["error"]
    assert client.get("/metrics", headers=authority.device).status_code == 401
    bearer = client.get("/metrics", headers={"Authorization": f"Bearer {authority.admin_key}"})
    assert bearer.status_code == 200
    assert "civitrace_http_requests_total" in bearer.text


def test_counters_move(client: TestClient, authority: Authority, api: Api) -> None:
    before = _scrape(client, authority)
    token = api.token()  # one issue, one verify
    assert api.verify("12345678").status_code == 400  # a wrong code
    certificate = api.certificate(token, base64.b64encode(bytes(32)).decode())
    assert certificate.status_code == 200
    bad_publish = client.post("/v1/publish", json={"temporaryExposureKeys": "no"})
    assert bad_publish.status_code == 400
    client.post("/api/issue", json={}, headers={**authority.admin, "X-Chaff": "1"})
    after = _scrape(client, authority)

    def moved(name: str, **labels: str) -> float:
        return _value(after, name, **labels) - _value(before, name, **labels)

    assert moved("civitrace_verification_codes_issued_total") == 1  # chaff is not counted
    assert moved("civitrace_verification_codes_verified_total") == 1
    assert moved("civitrace_verification_certificates_issued_total") == 1
    assert (
        moved("civitrace_verification_errors_total", route="/api/verify", code="code_invalid") == 1
    )
    assert moved("civitrace_publish_requests_total", outcome="error") == 1
    assert moved("civitrace_publish_errors_total", code="bad_request") == 1
    assert (
        moved("civitrace_http_requests_total", method="POST", route="/api/verify", status="200")
        == 1
    )
    assert (
        moved(
            "civitrace_http_request_duration_seconds_count",
            method="POST",
            route="/api/issue",
            status="200",
        )
        == 1
    )


def test_no_label_identifies_a_device(client: TestClient, authority: Authority) -> None:
    marker = "e7d1c0ffee42"
    headers = {
        "User-Agent": f"phone-{marker}",
        "X-Forwarded-For": f"203.0.113.{len(marker)}",
        "X-Real-IP": "198.51.100.7",
        "Cookie": f"id={marker}",
    }
    client.get(f"/exports/ZZ/{marker}.zip?device={marker}", headers=headers)
    client.get(f"/nowhere/{marker}", headers=headers)
    client.post(f"/api/verify?who={marker}", json={"code": marker}, headers=headers)
    client.request(f"X{marker.upper()}", "/health", headers=headers)
    text = _scrape(client, authority)
    for needle in (marker, "203.0.113", "198.51.100.7", "testclient", "phone-"):
        assert needle not in text
    routes = set()
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            assert set(sample.labels) <= ALLOWED_LABELS, sample
            if "route" in sample.labels:
                routes.add(sample.labels["route"])
            if "method" in sample.labels:
                assert sample.labels["method"] in {"GET", "POST", "other"}
    assert "/exports/{region}/{name}" in routes
    assert "(unmatched)" in routes
    assert all(route.startswith(("/", "(unmatched)")) for route in routes)


def test_publish_outcomes_from_response_bodies() -> None:
    metrics = ServerMetrics()
    metrics.observe_outcome("/v1/publish", 200, b'{"insertedExposures":14,"padding":"x"}')
    metrics.observe_outcome(
        "/v1/publish", 200, b'{"insertedExposures":3,"code":"partial_failure","error":"k[2]"}'
    )
    metrics.observe_outcome("/v1/publish", 401, b'{"code":"unknown_health_authority_id"}')
    metrics.observe_outcome("/v1/publish", 500, b"not json")
    metrics.observe_outcome("/api/verify", 400, b'{"errorCode":"Not A Code!"}')
    text = metrics.render().decode()
    assert _value(text, "civitrace_publish_inserted_keys_total") == 17
    assert _value(text, "civitrace_publish_requests_total", outcome="success") == 1
    assert _value(text, "civitrace_publish_requests_total", outcome="partial_failure") == 1
    assert _value(text, "civitrace_publish_requests_total", outcome="error") == 2
    assert _value(text, "civitrace_publish_errors_total", code="unknown_health_authority_id") == 1
    assert _value(text, "civitrace_publish_errors_total", code="other") == 1
    assert (
        _value(text, "civitrace_verification_errors_total", route="/api/verify", code="other") == 1
    )
