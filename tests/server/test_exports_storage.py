"""One conformance test for every export storage: memory, local directory, S3 (moto server).

The S3 backend runs over real HTTP against moto's server mode on 127.0.0.1 (a free port); in
CI a missing moto fails the test instead of skipping it.
"""

import importlib.util
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from civitrace.server.exports.errors import InvalidObjectNameError, ObjectNotFoundError
from civitrace.server.exports.storage import (
    INDEX_CONTENT_TYPE,
    ZIP_CONTENT_TYPE,
    ExportStorage,
    LocalDirectoryStorage,
    MemoryStorage,
    S3Storage,
    content_type,
)
from tests.conftest import require

BUCKET = "civitrace-exports"


@pytest.fixture(scope="module")
def moto_endpoint() -> Iterator[str]:
    available = all(importlib.util.find_spec(m) for m in ("boto3", "moto", "flask"))
    require(available, "boto3 and moto[server] (S3 test server)")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from moto.server import ThreadedMotoServer  # noqa: PLC0415 - optional, checked above

        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def _s3(endpoint: str, prefix: str) -> S3Storage:
    import boto3  # noqa: PLC0415 - optional, checked by moto_endpoint

    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    buckets = {b["Name"] for b in client.list_buckets().get("Buckets", [])}
    if BUCKET not in buckets:
        client.create_bucket(Bucket=BUCKET)
    for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    return S3Storage(BUCKET, prefix=prefix, client=client)


@pytest.fixture(params=["memory", "local", "s3"])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ExportStorage]:
    if request.param == "memory":
        yield MemoryStorage()
    elif request.param == "local":
        yield LocalDirectoryStorage(tmp_path / "exports")
    else:
        endpoint = request.getfixturevalue("moto_endpoint")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            yield _s3(endpoint, "exports")


def test_put_get_replace(storage: ExportStorage) -> None:
    storage.put("ZZ/1-2-00001.zip", b"first", ZIP_CONTENT_TYPE)
    assert storage.get("ZZ/1-2-00001.zip") == b"first"
    storage.put("ZZ/1-2-00001.zip", b"second", ZIP_CONTENT_TYPE)
    assert storage.get("ZZ/1-2-00001.zip") == b"second"
    storage.put("ZZ/index.txt", b"", INDEX_CONTENT_TYPE)
    assert storage.get("ZZ/index.txt") == b""


def test_list_by_prefix_sorted(storage: ExportStorage) -> None:
    for name in ("ZZ/index.txt", "DE/index.txt", "ZZ/3-4-00001.zip", "ZZ/1-2-00001.zip"):
        storage.put(name, name.encode(), content_type(name))
    assert storage.list("ZZ/") == ["ZZ/1-2-00001.zip", "ZZ/3-4-00001.zip", "ZZ/index.txt"]
    assert storage.list() == sorted(
        ["DE/index.txt", "ZZ/1-2-00001.zip", "ZZ/3-4-00001.zip", "ZZ/index.txt"]
    )
    assert storage.list("XX/") == []


def test_delete_and_missing(storage: ExportStorage) -> None:
    storage.put("ZZ/index.txt", b"x", INDEX_CONTENT_TYPE)
    storage.delete("ZZ/index.txt")
    storage.delete("ZZ/index.txt")  # deleting a missing object is fine
    with pytest.raises(ObjectNotFoundError):
        storage.get("ZZ/index.txt")
    assert storage.list() == []


@pytest.mark.parametrize(
    "name", ["", "/etc/passwd", "../x", "ZZ/../../x", "ZZ/./x", "ZZ\\x", "ZZ//x", ".hidden", "a b"]
)
def test_unsafe_names_are_refused(storage: ExportStorage, name: str) -> None:
    with pytest.raises(InvalidObjectNameError):
        storage.put(name, b"x", ZIP_CONTENT_TYPE)
    with pytest.raises(InvalidObjectNameError):
        storage.get(name)


def test_s3_objects_carry_content_types(moto_endpoint: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        s3 = _s3(moto_endpoint, "exports")
        s3.put("ZZ/index.txt", b"ZZ/1-2-00001.zip", INDEX_CONTENT_TYPE)
        s3.put("ZZ/1-2-00001.zip", b"PK", ZIP_CONTENT_TYPE)
        client: Any = s3._client
        head = client.head_object(Bucket=BUCKET, Key="exports/ZZ/1-2-00001.zip")
        assert head["ContentType"] == ZIP_CONTENT_TYPE
        head = client.head_object(Bucket=BUCKET, Key="exports/ZZ/index.txt")
        assert head["ContentType"] == INDEX_CONTENT_TYPE
