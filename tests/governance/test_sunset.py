"""After the sunset, public endpoints answer 410 with an explanation (JSON for APIs, a page
in the reader's language for browsers); the transparency data and operations stay open."""

import warnings
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.exceptions import StarletteDeprecationWarning
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from civitrace.governance.settings import GovernanceSettings
from civitrace.governance.sunset_middleware import SunsetMiddleware, gone_html
from civitrace.governance.sunset_text import TEXTS
from civitrace.web.i18n import BY_TAG, LANGUAGES
from tests.browser import assert_accessible
from tests.governance.conftest import Clock

with warnings.catch_warnings():
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient

SUNSET = datetime(2027, 6, 30, tzinfo=UTC)
PATHS = ["/api/verify", "/v1/publish", "/venue", "/console/cases", "/exports/ZZ/index.txt"]
OPEN = ["/transparency", "/transparency.json", "/governance/proposals.json", "/health"]


def _ok(_request: Request) -> Response:
    return PlainTextResponse("ok")


async def _socket(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.send_text("live")
    await websocket.close()


def _client(clock: Clock, sunset: datetime | None = SUNSET) -> TestClient:
    routes = [Route(path, _ok, methods=["GET", "POST"]) for path in PATHS + OPEN]
    app = Starlette(routes=[*routes, WebSocketRoute("/live", _socket)])
    app.add_middleware(SunsetMiddleware, settings=GovernanceSettings(sunset_at=sunset), clock=clock)
    return TestClient(app)


def test_everything_answers_until_the_sunset(clock: Clock) -> None:
    clock.now = SUNSET - timedelta(seconds=1)
    client = _client(clock)
    for path in PATHS + OPEN:
        assert client.get(path).status_code == 200, path
    with client.websocket_connect("/live") as socket:
        assert socket.receive_text() == "live"


def test_no_sunset_configured_means_no_410(clock: Clock) -> None:
    clock.now = SUNSET + timedelta(days=3650)
    assert _client(clock, None).get("/venue").status_code == 200


def test_api_clients_get_a_json_410_after_the_sunset(clock: Clock) -> None:
    clock.now = SUNSET
    client = _client(clock)
    for path in PATHS:
        response = client.post(path, json={}, headers={"Accept": "application/json"})
        assert response.status_code == 410, path
        body = response.json()
        assert body["errorCode"] == body["code"] == "service_ended"
        assert "2027-06-30" in body["error"]
        assert body["sunsetAt"] == "2027-06-30T00:00:00Z"
    html = client.get("/api/verify", headers={"Accept": "text/html"})
    assert html.headers["content-type"].startswith("application/json")  # an API path


def test_what_explains_the_sunset_stays_open(clock: Clock) -> None:
    clock.now = SUNSET + timedelta(days=400)
    client = _client(clock)
    for path in OPEN:
        assert client.get(path, headers={"Accept": "text/html"}).status_code == 200, path


def test_websockets_are_refused_after_the_sunset(clock: Clock) -> None:
    clock.now = SUNSET
    with pytest.raises(WebSocketDisconnect), _client(clock).websocket_connect("/live") as socket:
        socket.receive_text()


@pytest.mark.parametrize(
    ("headers", "cookies", "query", "tag", "title"),
    [
        ({}, {}, "", "en", "This service has ended"),
        (
            {"Accept-Language": "es-ES,es;q=0.9,en;q=0.5"},
            {},
            "",
            "es",
            "Este servicio ha terminado",
        ),
        ({"Accept-Language": "zh-TW"}, {}, "", "zh-Hant", "本服務已結束"),
        ({}, {"lang": "ko"}, "", "ko", "이 서비스는 종료되었습니다"),
        ({"Accept-Language": "es"}, {"lang": "ko"}, "?lang=ar", "ar", "انتهت هذه الخدمة"),
    ],
)
def test_browsers_get_a_page_in_their_language(
    clock: Clock,
    headers: dict[str, str],
    cookies: dict[str, str],
    query: str,
    tag: str,
    title: str,
) -> None:
    clock.now = SUNSET + timedelta(hours=1)
    client = _client(clock)
    client.cookies.update(cookies)
    response = client.get(
        f"/venue{query}", headers={"Accept": "text/html,application/xhtml+xml", **headers}
    )
    assert response.status_code == 410
    assert response.headers["content-language"] == tag
    page = response.text
    assert f'<html lang="{tag}" dir="{BY_TAG[tag.lower()].direction}">' in page
    assert f"<title>{title}</title>" in page
    assert f'href="/transparency?lang={tag}"' in page


def test_every_page_language_has_the_sunset_text() -> None:
    assert {language.tag for language in LANGUAGES} <= set(TEXTS)
    for text in TEXTS.values():
        assert "{date}" in text.body


def test_the_410_page_is_accessible_in_every_language(page: Any) -> None:
    for language in LANGUAGES:
        response = gone_html(SUNSET, language)
        page.set_content(bytes(response.body).decode("utf-8"))
        assert_accessible(page, f"410 page ({language.tag})")


def test_the_real_app_answers_410_after_the_sunset(
    governance_app: Callable[..., TestClient], clock: Clock
) -> None:
    past = datetime(2021, 1, 1, tzinfo=UTC)  # past on any clock, the app's own included
    clock.now = past + timedelta(days=1)
    client = governance_app(sunset_at=past)
    gone = client.post("/api/verify", json={"code": "12345678"}, headers={"X-API-Key": "x"})
    assert gone.status_code == 410
    assert gone.json()["errorCode"] == "service_ended"
    assert client.get("/health").status_code == 200
    transparency = client.get("/transparency.json")
    assert transparency.status_code == 200
    assert transparency.json()["sunset"] == {"at": "2021-01-01T00:00:00Z", "passed": True}
