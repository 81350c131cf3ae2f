"""Fixtures for the protocol tests: signing keys and a small key set."""

import pytest

from civitrace.en import _primitives
from civitrace.en.export import ExportSigner, SignatureInfo, VerificationKey
from civitrace.en.keys import ReportType, TemporaryExposureKey


@pytest.fixture(scope="session")
def signing_key() -> _primitives.PrivateKey:
    return _primitives.generate_signing_key()


@pytest.fixture(scope="session")
def signer(signing_key: _primitives.PrivateKey) -> ExportSigner:
    return ExportSigner(signing_key, SignatureInfo("310", "v1"))


@pytest.fixture(scope="session")
def verification_key(signing_key: _primitives.PrivateKey) -> VerificationKey:
    return VerificationKey(signing_key.public_key(), "310", "v1")


@pytest.fixture
def sample_keys() -> list[TemporaryExposureKey]:
    return [
        TemporaryExposureKey(
            bytes([i]) * 16, 2_650_000 - 144 * i, 144, i % 9, ReportType.CONFIRMED_TEST, i - 3
        )
        for i in range(5)
    ]
