"""Fixtures for the presence tests: a valid venue of each kind."""

import pytest

from civitrace.presence.payload import TraceLocationType, Venue


@pytest.fixture
def shop() -> Venue:
    return Venue.create(
        "Icecream Shop",
        "Main Street 1",
        type=TraceLocationType.PERMANENT_FOOD_SERVICE,
        default_check_in_length_minutes=30,
        seed=bytes(range(16)),
    )


@pytest.fixture
def party() -> Venue:
    return Venue.create(
        "My Birthday Party",
        "at my place",
        type=TraceLocationType.TEMPORARY_PRIVATE_EVENT,
        start_timestamp=1_700_000_000,
        end_timestamp=1_700_010_000,
        seed=b"\x01" * 16,
    )
