"""``/openapi.json`` describes each endpoint with its request and response schemas."""

from tests.server.conftest import TestClient


def test_openapi_describes_the_api(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert spec["openapi"].startswith("3.")
    schemas = spec["components"]["schemas"]
    for path, request, response in [
        ("/api/issue", "IssueCodeRequest", "IssueCodeResponse"),
        ("/api/verify", "VerifyCodeRequest", "VerifyCodeResponse"),
        ("/api/certificate", "CertificateRequest", "CertificateResponse"),
    ]:
        operation = spec["paths"][path]["post"]
        body = operation["requestBody"]["content"]["application/json"]["schema"]
        assert body["$ref"].endswith(request)
        ok = operation["responses"]["200"]["content"]["application/json"]["schema"]
        assert ok["$ref"].endswith(response)
        assert "400" in operation["responses"]
        assert "422" not in operation["responses"]
        assert operation["security"] == [{"APIKeyHeader": []}]
    assert "testType" in schemas["IssueCodeRequest"]["properties"]
    assert "testtype" in schemas["VerifyCodeResponse"]["properties"]
    assert set(schemas["ErrorResponse"]["properties"]) == {
        "error",
        "errorCode",
        "error_code",
        "padding",
    }
    assert "/health" in spec["paths"]
