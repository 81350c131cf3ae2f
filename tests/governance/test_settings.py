"""Governance settings refuse what would weaken the rules, at start-up."""

from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from pydantic import ValidationError

from civitrace.governance.inventory import shipped_inventory
from civitrace.governance.settings import GovernanceSettings, governance_settings


def test_defaults_use_the_shipped_inventory_and_no_sunset() -> None:
    settings = GovernanceSettings()
    assert settings.configured_inventory() == shipped_inventory()
    assert settings.sunset_utc is None
    assert not settings.sunset_passed(datetime(2999, 1, 1, tzinfo=UTC))
    assert settings.notice_period == timedelta(days=30)


def test_the_sunset_is_a_moment_with_a_zone() -> None:
    settings = GovernanceSettings(sunset_at="2027-06-30T02:00:00+02:00")  # type: ignore[arg-type]
    assert settings.sunset_utc == datetime(2027, 6, 30, tzinfo=UTC)
    assert settings.sunset_passed(datetime(2027, 6, 30, tzinfo=UTC))
    assert not settings.sunset_passed(datetime(2027, 6, 29, 23, 59, 59, tzinfo=UTC))
    with pytest.raises(ValidationError, match="sunset_at must include a time zone"):
        GovernanceSettings(sunset_at="2027-06-30T00:00:00")  # type: ignore[arg-type]


@pytest.mark.parametrize("days", [0, 13, 366])
def test_notice_periods_outside_the_bounds_are_refused(days: int) -> None:
    with pytest.raises(ValidationError, match=r"notice_period must be 14\.\.365 days"):
        GovernanceSettings(notice_period=timedelta(days=days))


def test_an_invalid_inventory_file_is_refused_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "inventory.toml"
    path.write_text(shipped_inventory().to_toml().replace('"1 day"', '"one day"'))
    with pytest.raises(ValidationError, match=r"inventory_file: .*inventory.toml: categories\."):
        GovernanceSettings(inventory_file=path)
    with pytest.raises(ValidationError, match="no such file"):
        GovernanceSettings(inventory_file=tmp_path / "missing.toml")


def test_unknown_settings_are_refused() -> None:
    with pytest.raises(ValidationError, match="extra"):
        GovernanceSettings(sunset="2027-01-01T00:00:00Z")  # type: ignore[call-arg]


def test_the_server_settings_section_is_found_or_defaulted() -> None:
    own = GovernanceSettings(notice_period=timedelta(days=60))
    assert governance_settings(SimpleNamespace(governance=own)) is own
    assert governance_settings(SimpleNamespace()) == GovernanceSettings()
