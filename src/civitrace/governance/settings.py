"""Governance settings: the inventory file, the sunset date, the notice period.

A section of the server's one settings object (``Settings.governance``, environment
``CIVITRACE_GOVERNANCE__SUNSET_AT`` etc.), frozen once read. Values that would weaken the
rules are refused at start-up: a notice period shorter than :data:`MIN_NOTICE_PERIOD`, a sunset
without a time zone, an inventory file that does not validate.
"""

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Final, Self

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator

from civitrace.governance.errors import InventoryError
from civitrace.governance.inventory import Inventory, load_inventory, shipped_inventory

MIN_NOTICE_PERIOD: Final = timedelta(days=14)  # shorter leaves no time for a consultation
MAX_NOTICE_PERIOD: Final = timedelta(days=365)  # longer is a typo more likely than a policy


class GovernanceSettings(BaseModel):
    """How this deployment is governed (DESIGN §5)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    inventory_file: Path | None = Field(
        default=None, description="data inventory TOML; default: the one shipped with civitrace"
    )
    sunset_at: datetime | None = Field(
        default=None,
        description="end of the service (ISO 8601 with time zone): personal data is then "
        "deleted and public endpoints answer 410",
    )
    notice_period: timedelta = Field(
        default=timedelta(days=30),
        description="least time between a widening proposal and its effect",
    )
    _inventory: Inventory | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _refuse_unsafe(self) -> Self:
        problems = []
        if self.sunset_at is not None and self.sunset_at.tzinfo is None:
            problems.append("sunset_at must include a time zone, e.g. 2027-06-30T00:00:00Z")
        if not MIN_NOTICE_PERIOD <= self.notice_period <= MAX_NOTICE_PERIOD:
            problems.append(
                f"notice_period must be {MIN_NOTICE_PERIOD.days}..{MAX_NOTICE_PERIOD.days} days"
            )
        if self.inventory_file is not None:
            try:
                self._inventory = load_inventory(self.inventory_file)
            except InventoryError as exc:
                problems.append(f"inventory_file: {exc}")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def sunset_utc(self) -> datetime | None:
        """The sunset as an aware UTC datetime, or ``None`` when none is configured."""
        return None if self.sunset_at is None else self.sunset_at.astimezone(UTC)

    def configured_inventory(self) -> Inventory:
        """The inventory this deployment is configured with (before proposals are applied)."""
        return self._inventory if self._inventory is not None else shipped_inventory()

    def sunset_passed(self, now: datetime) -> bool:
        """True once ``now`` is at or after the configured sunset."""
        sunset = self.sunset_utc
        return sunset is not None and now >= sunset


def governance_settings(settings: object) -> GovernanceSettings:
    """The ``governance`` section of the server settings, or the defaults when the server's
    settings object has none (as before the section is hooked into ``Settings``)."""
    found = getattr(settings, "governance", None)
    return found if isinstance(found, GovernanceSettings) else GovernanceSettings()
