"""The six stakeholder groups of a consultation (DESIGN §8), a fixed list.

Participants pick exactly one; it is the only thing besides a display name and a language that
a consultation asks of them. The order is the order used in tables, charts and seating.
"""

import enum
from typing import Final

from civitrace.consult.errors import ConsultInputError


class StakeholderGroup(enum.StrEnum):
    """Who a participant speaks for; the value is the stable wire and storage name."""

    CIVIL_SOCIETY = "civil-society"
    PRIVATE_SECTOR = "private-sector"
    GOVERNMENT = "government"
    TECHNICAL_COMMUNITY = "technical-community"
    INTERGOVERNMENTAL = "intergovernmental"
    PUBLIC = "public"

    @property
    def label(self) -> str:
        """The English name, for summaries."""
        return _LABELS[self]


_LABELS: Final = {
    StakeholderGroup.CIVIL_SOCIETY: "Civil society",
    StakeholderGroup.PRIVATE_SECTOR: "Private sector",
    StakeholderGroup.GOVERNMENT: "Government",
    StakeholderGroup.TECHNICAL_COMMUNITY: "Technical community",
    StakeholderGroup.INTERGOVERNMENTAL: "Intergovernmental",
    StakeholderGroup.PUBLIC: "Public",
}

GROUPS: Final = tuple(StakeholderGroup)
"""Every group, in the fixed order."""


def parse_group(value: str, field: str = "group") -> StakeholderGroup:
    """The group named ``value``, or a :class:`ConsultInputError` listing the valid names."""
    try:
        return StakeholderGroup(value)
    except ValueError:
        names = ", ".join(g.value for g in GROUPS)
        raise ConsultInputError(field, f"must be one of {names}") from None
