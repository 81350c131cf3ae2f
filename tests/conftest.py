"""Shared fixtures. In CI (``CI=true``) a missing component fails a test instead of skipping."""

import os

import pytest

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def require(available: bool, what: str) -> None:
    """Skip locally, fail in CI, when a component a test needs is not there."""
    if available:
        return
    if IN_CI:
        pytest.fail(f"{what} is required in CI but is not available")
    pytest.skip(f"{what} is not available")
