"""``GET /exports/{region}/{name}`` serves index.txt and zips, nothing else."""

import pytest

from civitrace.server.exports.storage import LocalDirectoryStorage
from civitrace.server.settings import Settings
from tests.server.conftest import TestClient, assert_error

ZIP = "ZZ/1793577600-1793581200-00001.zip"


@pytest.fixture
def storage(client: TestClient, settings: Settings) -> LocalDirectoryStorage:
    storage = LocalDirectoryStorage(settings.data_dir / "exports")
    storage.put(ZIP, b"PK\x03\x04zip", "application/zip")
    storage.put("ZZ/index.txt", ZIP.encode(), "text/plain")
    return storage


def test_index_and_files_with_content_types(
    client: TestClient, storage: LocalDirectoryStorage
) -> None:
    index = client.get("/exports/ZZ/index.txt")
    assert index.status_code == 200
    assert index.headers["content-type"] == "text/plain; charset=utf-8"
    assert index.text == ZIP
    export = client.get(f"/exports/{index.text}")
    assert export.status_code == 200
    assert export.headers["content-type"] == "application/zip"
    assert export.content == b"PK\x03\x04zip"
    assert "max-age" in export.headers["cache-control"]


@pytest.mark.parametrize(
    "path",
    [
        "/exports/ZZ/1793577600-1793581200-00002.zip",
        "/exports/DE/index.txt",
        "/exports/zz/index.txt",
        "/exports/ZZ/index.html",
        "/exports/ZZ",
        "/exports/ZZ/",
        "/exports/ZZ/sub/index.txt",
    ],
)
def test_unknown_paths_are_404(
    client: TestClient, storage: LocalDirectoryStorage, path: str
) -> None:
    assert_error(client.get(path), 404, "not_found")


@pytest.mark.parametrize(
    "path",
    [
        "/exports/ZZ/..%2F..%2Fsecrets%2Fkey-encryption.key",
        "/exports/..%2Fsecrets/key-encryption.key",
        "/exports/ZZ/%2E%2E",
        "/exports/%2E%2E/secrets",
        "/exports/ZZ/..%5C..%5Csecrets%5Ckey-encryption.key",
    ],
)
def test_no_directory_traversal(
    client: TestClient, storage: LocalDirectoryStorage, settings: Settings, path: str
) -> None:
    secret = (settings.data_dir / "secrets" / "key-encryption.key").read_bytes()
    response = client.get(path)
    assert response.status_code == 404
    assert response.json()["errorCode"] == "not_found"
    assert secret not in response.content
