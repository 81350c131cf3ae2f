"""Components the suite relies on. Locally a missing one skips; in CI it fails."""

import os
import shutil

import psycopg
import pytest

from civitrace.en import fast
from tests.conftest import require

POSTGRES_URL = os.environ.get(
    "CIVITRACE_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test"
)


def test_native_matching_extension_is_built() -> None:
    assert fast.NATIVE_AVAILABLE, "civitrace.en._native did not build; run make install"


def test_openssl_command_is_available() -> None:
    require(shutil.which("openssl") is not None, "the openssl command")


@pytest.mark.postgres
def test_postgresql_answers() -> None:
    try:
        with psycopg.connect(POSTGRES_URL, connect_timeout=5) as connection:
            version = connection.execute("show server_version").fetchone()
    except psycopg.OperationalError as exc:
        require(False, f"PostgreSQL at {POSTGRES_URL} ({exc})")
        return
    assert version is not None
