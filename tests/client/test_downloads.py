"""Downloading exports: from a directory and over real HTTP, verified before use."""

import hashlib
from pathlib import Path

import httpx
import pytest

from civitrace.client.device import Device
from civitrace.client.downloads import (
    USER_AGENT,
    DirectorySource,
    DownloadLimits,
    FileRejectedError,
    HttpSource,
    download_exports,
    open_source,
    safe_relative,
)
from civitrace.client.errors import ClientError, DownloadError
from civitrace.en.keys import TemporaryExposureKey, generate_tek
from tests.client.conftest import DAY, NOW, Authority, MakeDevice, Served


def _keys(count: int = 3) -> list[TemporaryExposureKey]:
    return [generate_tek(DAY * 144) for _ in range(count)]


@pytest.fixture
def device(make_device: MakeDevice) -> Device:
    return make_device("bob")


def test_every_zip_in_a_directory(
    tmp_path: Path, device: Device, authority: Authority, impostor: Authority
) -> None:
    exports = tmp_path / "exports"
    good = authority.publish(exports, "a.zip", _keys(2))
    authority.publish(exports, "b.zip", _keys(3))
    (exports / "c.zip").write_bytes(impostor.export(_keys(1)))  # someone else signed it
    (exports / "d.zip").write_bytes(b"not a zip")
    (exports / "notes.txt").write_text("ignored")

    report = device.download(exports, [authority.trusted])

    assert [d.name for d in report.accepted] == ["a.zip", "b.zip"]
    assert sum(len(d.keys) for d in report.accepted) == 5
    reasons = {r.name: r.reason for r in report.rejected}
    assert set(reasons) == {"c.zip", "d.zip"}
    assert "no signature in export.sig verifies" in reasons["c.zip"]
    assert "not a valid export zip" in reasons["d.zip"]
    first = report.accepted[0]
    assert first.sha256 == hashlib.sha256(good.read_bytes()).hexdigest()
    assert (first.source, first.downloaded_at, first.region) == (str(exports), NOW, "TEST")
    assert first.start_timestamp == DAY * 86_400
    assert len(device.document.downloads) == 2  # kept in the store


def test_files_already_held_are_skipped(
    tmp_path: Path, device: Device, authority: Authority
) -> None:
    exports = tmp_path / "exports"
    first = authority.publish(exports, "1.zip", _keys())
    (exports / "1b-copy.zip").write_bytes(first.read_bytes())  # same content, other name
    report = device.download(exports, [authority.trusted])
    assert ([d.name for d in report.accepted], report.skipped) == (["1.zip"], ("1b-copy.zip",))

    authority.publish(exports, "2.zip", _keys())
    again = device.download(exports, [authority.trusted])
    assert [d.name for d in again.accepted] == ["2.zip"]
    assert set(again.skipped) == {"1.zip", "1b-copy.zip"}
    assert len(device.document.downloads) == 2


def test_an_index_lists_the_files_google_style(
    tmp_path: Path, device: Device, authority: Authority
) -> None:
    root = tmp_path / "exposureKeyExport-US"
    authority.publish(root / "2024", "a.zip", _keys())
    authority.publish(root, "b.zip", _keys())
    authority.publish(root, "unlisted.zip", _keys())
    (root / "index.txt").write_text(
        "exposureKeyExport-US/2024/a.zip\n\nb.zip\n../secret.zip\n/etc/passwd\n"
        "https://elsewhere.example/x.zip\nmissing.zip\n"
    )
    report = device.download(root, [authority.trusted])
    assert [d.name for d in report.accepted] == ["exposureKeyExport-US/2024/a.zip", "b.zip"]
    reasons = {r.name: r.reason for r in report.rejected}
    assert reasons["missing.zip"] == "listed but not found"
    for unsafe in ("../secret.zip", "/etc/passwd", "https://elsewhere.example/x.zip"):
        assert reasons[unsafe].startswith("unsafe path")


def test_a_single_zip_file(tmp_path: Path, device: Device, authority: Authority) -> None:
    path = authority.publish(tmp_path, "one.zip", _keys())
    report = device.download(str(path), [authority.trusted])
    assert [d.name for d in report.accepted] == ["one.zip"]


def test_symlinks_out_of_the_directory_are_rejected(
    tmp_path: Path, device: Device, authority: Authority
) -> None:
    outside = authority.publish(tmp_path / "outside", "x.zip", _keys())
    exports = tmp_path / "exports"
    exports.mkdir()
    (exports / "link.zip").symlink_to(outside)
    (exports / "index.txt").write_text("link.zip\n")
    report = device.download(exports, [authority.trusted])
    assert report.rejected[0].reason == "the path leaves the export directory"


def test_size_limits(tmp_path: Path, authority: Authority) -> None:
    exports = tmp_path / "exports"
    authority.publish(exports, "big.zip", _keys(20))
    source = DirectorySource(exports, DownloadLimits(max_file_bytes=100))
    report = download_exports(source, [authority.trusted], set(), NOW)
    assert report.rejected[0].reason == "larger than 100 bytes"
    (exports / "index.txt").write_text("a.zip\n" * 11)
    with pytest.raises(DownloadError, match="more than 10"):
        DirectorySource(exports, DownloadLimits(max_files=10)).list_files()


def test_missing_directory_and_missing_keys(tmp_path: Path, device: Device) -> None:
    with pytest.raises(DownloadError, match="no such export directory"):
        device.download(tmp_path / "nowhere", [])
    (tmp_path / "empty").mkdir()
    with pytest.raises(ClientError, match="no trusted public key"):
        device.download(tmp_path / "empty", [])


@pytest.mark.parametrize("name", ["", "a//b.zip", "./a.zip", "a/../b.zip", "a\\b.zip", "a\x00"])
def test_unsafe_index_entries(name: str) -> None:
    with pytest.raises(FileRejectedError):
        safe_relative(name, "root")


# --- over HTTP ----------------------------------------------------------------------------------


def test_http_download_with_index(
    http_exports: Served, device: Device, authority: Authority, impostor: Authority
) -> None:
    authority.publish(http_exports.directory / "batch", "1.zip", _keys(2))
    authority.publish(http_exports.directory / "batch", "2.zip", _keys(1))
    (http_exports.directory / "batch" / "bad.zip").write_bytes(impostor.export(_keys(1)))
    (http_exports.directory / "index.txt").write_text(
        "batch/1.zip\nbatch/2.zip\nbatch/bad.zip\nbatch/absent.zip\n"
    )

    report = device.download(http_exports.url + "/", [authority.trusted])

    assert [d.name for d in report.accepted] == ["batch/1.zip", "batch/2.zip"]
    assert report.accepted[0].source == http_exports.url + "/"
    reasons = {r.name: r.reason for r in report.rejected}
    assert "no signature in export.sig verifies" in reasons["batch/bad.zip"]
    assert reasons["batch/absent.zip"] == "HTTP 404"

    again = device.download(http_exports.url, [authority.trusted])
    assert again.accepted == ()
    assert set(again.skipped) == {"batch/1.zip", "batch/2.zip"}


def test_http_requests_say_nothing_about_the_device(
    http_exports: Served, device: Device, authority: Authority
) -> None:
    authority.publish(http_exports.directory, "1.zip", _keys())
    authority.publish(http_exports.directory, "2.zip", _keys())
    (http_exports.directory / "index.txt").write_text("1.zip\n2.zip\n")
    device.download(http_exports.url + "/index.txt", [authority.trusted])
    device.download(http_exports.url, [authority.trusted])

    assert [r["path"] for r in http_exports.requests] == ["/index.txt", "/1.zip", "/2.zip"] * 2
    for headers in http_exports.requests:
        assert "cookie" not in headers  # the server set one on every response
        assert headers["user-agent"] == USER_AGENT
        assert "authorization" not in headers
        assert set(headers) <= {
            "host",
            "accept",
            "accept-encoding",
            "connection",
            "user-agent",
            "path",
        }


def test_http_single_file_url(http_exports: Served, device: Device, authority: Authority) -> None:
    authority.publish(http_exports.directory, "only.zip", _keys())
    report = device.download(f"{http_exports.url}/only.zip", [authority.trusted])
    assert [d.name for d in report.accepted] == ["only.zip"]


def test_http_without_index_is_a_download_error(
    http_exports: Served, device: Device, authority: Authority
) -> None:
    with pytest.raises(DownloadError, match=r"index\.txt: HTTP 404"):
        device.download(http_exports.url, [authority.trusted])
    assert device.document.downloads == []


def test_http_unreachable_server(device: Device, authority: Authority) -> None:
    with pytest.raises(DownloadError, match="ConnectError"):
        device.download("http://127.0.0.1:9/", [authority.trusted])


def test_http_size_limit_while_streaming(http_exports: Served, authority: Authority) -> None:
    authority.publish(http_exports.directory, "1.zip", _keys(30))
    (http_exports.directory / "index.txt").write_text("1.zip\n")
    with HttpSource(http_exports.url, DownloadLimits(max_file_bytes=200)) as source:
        report = download_exports(source, [authority.trusted], set(), NOW)
    assert report.rejected[0].reason == "larger than 200 bytes"


def test_http_redirects_are_not_followed(device: Device, authority: Authority) -> None:
    def redirect(request: httpx.Request) -> httpx.Response:
        return httpx.Response(302, headers={"Location": "https://tracker.example/"})

    client = httpx.Client(transport=httpx.MockTransport(redirect))
    with pytest.raises(DownloadError, match="HTTP 302"):
        HttpSource("https://exports.example/", DownloadLimits(), client).list_files()
    client.close()


@pytest.mark.parametrize(
    "url", ["ftp://host/x", "http://", "https://host/x?track=1", "https://host/x#frag"]
)
def test_bad_urls(url: str) -> None:
    with pytest.raises(DownloadError):
        open_source(url)
