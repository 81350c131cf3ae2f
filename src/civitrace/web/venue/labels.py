"""Plain-language words for the venue form: venue types and the messages of broken rules.

Rule names are those of :func:`civitrace.presence.payload.validate_payload`, so the page's
script, which checks the same rules before it makes a code, shows the same words for them.
"""

from dataclasses import dataclass
from typing import Final

from civitrace.presence.payload import TraceLocationType
from civitrace.web.catalogs import N_


@dataclass(frozen=True, slots=True)
class TypeLabel:
    """One venue type as the form offers it."""

    type: TraceLocationType
    label: str  # English source text; translated when shown

    @property
    def value(self) -> int:
        return int(self.type)

    @property
    def permanent(self) -> bool:
        return self.type.is_permanent


T = TraceLocationType
TYPE_LABELS: Final = (
    TypeLabel(T.PERMANENT_RETAIL, N_("Shop")),
    TypeLabel(T.PERMANENT_FOOD_SERVICE, N_("Restaurant, café or bar")),
    TypeLabel(T.PERMANENT_CRAFT, N_("Craft business, such as a hairdresser or a workshop")),
    TypeLabel(T.PERMANENT_WORKPLACE, N_("Workplace or office")),
    TypeLabel(T.PERMANENT_EDUCATIONAL_INSTITUTION, N_("School, college or childcare")),
    TypeLabel(T.PERMANENT_PUBLIC_BUILDING, N_("Public building, such as a library or town hall")),
    TypeLabel(T.PERMANENT_OTHER, N_("Another kind of place")),
    TypeLabel(T.TEMPORARY_CULTURAL_EVENT, N_("Concert, show or exhibition")),
    TypeLabel(T.TEMPORARY_CLUB_ACTIVITY, N_("Club or group meeting")),
    TypeLabel(T.TEMPORARY_PRIVATE_EVENT, N_("Private event, such as a party or wedding")),
    TypeLabel(T.TEMPORARY_WORSHIP_SERVICE, N_("Religious service")),
    TypeLabel(T.TEMPORARY_OTHER, N_("Another kind of event")),
)

# What the page says when a rule is broken, by field (the form's error messages).
RULE_MESSAGES: Final = {
    "description.non-empty": N_("Enter the name of the place or event."),
    "description.single-line": N_("Write the name on one line."),
    "description.max-length": N_("Shorten the name to %(count)s characters or fewer."),
    "address.non-empty": N_("Enter the address."),
    "address.single-line": N_("Write the address on one line."),
    "address.max-length": N_("Shorten the address to %(count)s characters or fewer."),
    "type.known": N_("Choose what kind of place or event this is."),
    "permanent.check-in-length": N_("Enter a usual stay between 1 and %(count)s minutes."),
    "temporary.start": N_("Enter when the event starts."),
    "temporary.end": N_("Enter when the event ends."),
    "temporary.times": N_("The event must end after it starts."),
}

# Other text the page's script shows.
SCRIPT_MESSAGES: Final = (
    N_("There is a problem"),
    N_("Making your poster…"),
    N_("Your poster is ready. If the download did not start, use this link:"),
    N_("The poster could not be made:"),
    N_("Choose at least one language."),
    N_("Copied."),
    N_("Select the link and copy it."),
    N_("QR code for %(name)s"),
)
