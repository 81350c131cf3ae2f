"""The presence pages as HTTP responses (in-process): which page ``/`` serves, the headers and
the shape of every page, the scripts each loads, the messages their scripts show, the service
worker, the pages' settings, and the check-in page's weight."""

import base64
import gzip
import hashlib
import json
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from starlette.testclient import TestClient

from civitrace.server.demo import demo_path, write_private_json
from civitrace.server.presence.settings import PresenceSettings
from civitrace.web.i18n import LANGUAGES, gettext
from civitrace.web.presence import assets
from civitrace.web.presence.messages import MESSAGES, page_messages
from civitrace.web.presence.settings import PageSettings, resolve
from civitrace.web.presence.worker import OFFLINE_PAGES, precache
from civitrace.web.templating import CONTENT_SECURITY_POLICY

PAGES = {
    "/?v=1": "checkin.js",
    "/checkin": "scan.js",
    "/checkin/list": "list.js",
    "/positive": "positive.js",
    "/kiosk?v=1": "kiosk.js",
    "/slip": "slip.js",
}
STATIC = Path(assets.__file__).resolve().parent.parent / "static" / "presence"
T_CALL = re.compile(r"\bt\(\s*'((?:[^'\\]|\\.)*)'")
BUDGET = 30 * 1024  # bytes, gzip, the check-in page with everything it loads


def _json_block(html: str, block: str) -> object:
    found = re.search(rf'<script type="application/json" id="{block}">(.*?)</script>', html, re.S)
    assert found, f"no {block} block"
    return json.loads(found.group(1))


def test_front_page_without_v_and_check_in_page_with_it(client: TestClient) -> None:
    front = client.get("/").text
    assert "checkin.js" not in front
    page = client.get("/?v=1").text
    assert '<script type="module" src="/static/presence/checkin.js"></script>' in page
    assert "<h1>Check in</h1>" in page


@pytest.mark.parametrize(("path", "entry"), PAGES.items())
def test_every_page_is_a_safe_shell_for_its_script(
    client: TestClient, path: str, entry: str
) -> None:
    response = client.get(path, headers={"Accept-Language": "es"})
    assert response.status_code == 200
    if entry != "checkin.js":  # the check-in page's own policy is checked below
        assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert response.headers["cache-control"] == "no-store"
    html = response.text
    for tag in re.findall(r"<script[^>]*>", html):
        assert 'type="application/json"' in tag or "src=" in tag, f"inline script: {tag}"
    preloads = re.findall(r'<link rel="modulepreload" href="([^"]+)">', html)
    assert preloads == [assets.module_url(name) for name in assets.closure(entry)]
    for url in preloads:
        assert client.get(url).status_code == 200
    messages = _json_block(html, "messages")
    assert isinstance(messages, dict)
    spanish = next(language for language in LANGUAGES if language.tag == "es")
    assert messages == {
        message: gettext(spanish, message)
        for message in page_messages(entry)
        if gettext(spanish, message) != message
    }
    assert set(messages) <= set(page_messages(entry))
    assert isinstance(_json_block(html, "config"), dict)


def test_check_in_page_carries_its_styles_inline_admitted_by_hash(client: TestClient) -> None:
    response = client.get("/?v=1", headers={"Accept-Encoding": "identity"})
    html = response.text
    assert '<link rel="stylesheet"' not in html
    (css,) = re.findall(r"<style>(.*?)</style>", html, re.S)
    assert css == assets.inline_css()
    assert ".slip-code" in css  # presence.css
    assert "--accent" in css  # civitrace.css
    policy = response.headers["content-security-policy"]
    assert policy == CONTENT_SECURITY_POLICY.replace(
        "style-src 'self'", f"style-src 'self' {assets.style_source(css)}"
    )
    digest = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
    assert f"'sha256-{digest}'" in policy
    assert "script-src 'self';" in policy  # still no inline script
    assert int(response.headers["content-length"]) == len(response.content)


@pytest.mark.parametrize("module", sorted(path.name for path in STATIC.glob("*.js")))
def test_every_message_a_script_shows_is_listed(module: str) -> None:
    shown = list(dict.fromkeys(T_CALL.findall((STATIC / module).read_text(encoding="utf-8"))))
    assert list(MESSAGES.get(module, ())) == shown


def test_every_module_belongs_to_a_page() -> None:
    used = {name for entry in PAGES.values() for name in assets.closure(entry)}
    assert used == {path.name for path in STATIC.glob("*.js")}


def test_the_service_worker(client: TestClient) -> None:
    response = client.get("/sw.js")
    assert response.headers["content-type"].startswith("text/javascript")
    assert response.headers["cache-control"] == "no-cache"
    first, _, logic = response.text.partition("\n")
    prefix = "self.CIVITRACE = "
    assert first.startswith(prefix)
    setup = json.loads(first.removeprefix(prefix).rstrip(";"))
    assert setup["version"] == assets.version()
    assert setup["precache"] == precache()
    assert setup["pages"] == list(OFFLINE_PAGES)
    for entry in ("checkin.js", "list.js", "scan.js"):
        for name in assets.closure(entry):
            assert assets.module_url(name) in setup["precache"]
    for url in setup["precache"]:
        assert client.get(url).status_code == 200, url
    assert "addEventListener('fetch'" in logic


def test_check_in_page_weighs_at_most_30_kb_gzipped(client: TestClient) -> None:
    html = client.get("/?v=1").text
    urls = re.findall(r'<link rel="(?:stylesheet|modulepreload)" href="([^"]+)">', html)
    assert "/static/presence/checkin.js" in urls  # the styles are in the HTML itself
    total = len(gzip.compress(html.encode()))
    total += sum(len(gzip.compress(client.get(url).content)) for url in urls)
    assert total <= BUDGET, f"{total} bytes gzipped"


def test_positive_page_embeds_the_public_key_only_when_set_up(client: TestClient) -> None:
    client.app.state.presence_pages = PageSettings(  # type: ignore[attr-defined]
        health_authority_id="Health Dept", device_api_key="civ_abc.def", regions=("ZZ",)
    )
    config = _json_block(client.get("/positive").text, "config")
    assert config == {"authority": "Health Dept", "apiKey": "civ_abc.def"}
    assert _json_block(client.get("/checkin/list").text, "config") == {"regions": ["ZZ"]}
    client.app.state.presence_pages = PageSettings()  # type: ignore[attr-defined]
    assert _json_block(client.get("/positive").text, "config") == {}
    days = PresenceSettings().slip_retention.days
    assert _json_block(client.get("/slip").text, "config") == {"regions": [], "slipDays": days}
    assert _json_block(client.get("/kiosk?v=1").text, "config") == {"slipDays": days}


def test_settings_come_from_the_section_then_the_demo(tmp_path: Path) -> None:
    section = PageSettings(health_authority_id="A", device_api_key="k", regions=("DE",))
    assert resolve(SimpleNamespace(pages=section, data_dir=tmp_path)) is section
    assert resolve(SimpleNamespace(data_dir=tmp_path)) == PageSettings()
    write_private_json(
        demo_path(tmp_path),
        {"health_authority_id": "Demo", "device_api_key": "civ_1.2", "region": "ZZ"},
    )
    demo = resolve(SimpleNamespace(pages=PageSettings(), data_dir=tmp_path))
    assert demo == PageSettings(
        health_authority_id="Demo", device_api_key="civ_1.2", regions=("ZZ",)
    )
    assert demo.can_submit
    demo_path(tmp_path).write_text("{not json", encoding="utf-8")
    assert resolve(SimpleNamespace(data_dir=tmp_path)) == PageSettings()


@pytest.mark.parametrize(
    "regions", [("zz",), ("Germany",), tuple(f"A{c}" for c in "ABCDEFGHIJKLMNOPQ")]
)
def test_settings_refuse_bad_regions(regions: tuple[str, ...]) -> None:
    with pytest.raises(ValueError, match="region"):
        PageSettings(regions=regions)


def test_the_version_follows_the_files(tmp_path: Path) -> None:
    assert re.fullmatch(r"[0-9a-f]{16}", assets.version())
    first, second = tmp_path / "a.js", tmp_path / "b.js"
    first.write_text("one", encoding="utf-8")
    second.write_text("two", encoding="utf-8")
    before = assets.version_of([first, second])
    assert assets.version_of([first, second]) == before
    second.write_text("two!", encoding="utf-8")
    assert assets.version_of([first, second]) != before
    names = {entry.name for entry in assets._files()}
    assert {"sw.js", "checkin.js", "checkin.html", "presence.po", "base.html"} <= names
