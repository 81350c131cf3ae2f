"""What a participant tells a consultation: a display name, a stakeholder group, a language.

Nothing else is asked or kept (DESIGN §8): the name may be a pseudonym, there is no account,
no e-mail address, no organisation. :class:`Profile` checks all three once, at construction.
"""

import re
from dataclasses import dataclass
from typing import Final

from civitrace.consult.errors import ConsultInputError
from civitrace.consult.groups import StakeholderGroup, parse_group
from civitrace.consult.text import clean_text

MAX_DISPLAY_NAME: Final = 60  # characters; room for a name, short enough for a table card
MAX_LANGUAGE_TAG: Final = 35  # the longest BCP 47 tag a browser realistically sends
_LANGUAGE: Final = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8}){0,3}$")


def parse_language(value: str, field: str = "language") -> str:
    """A BCP 47 language tag (``fr``, ``pt-BR``, ``zh-Hant``), primary subtag in lower case."""
    tag = value.strip()
    if len(tag) > MAX_LANGUAGE_TAG or not _LANGUAGE.match(tag):
        raise ConsultInputError(field, "must be a language tag such as 'en' or 'pt-BR'")
    primary, _, rest = tag.partition("-")
    return f"{primary.lower()}-{rest}" if rest else primary.lower()


@dataclass(frozen=True, slots=True)
class Profile:
    """A participant as they introduced themselves; every field checked and normalized."""

    display_name: str
    group: StakeholderGroup
    language: str

    def __post_init__(self) -> None:
        name = clean_text(self.display_name, "display_name", max_length=MAX_DISPLAY_NAME)
        object.__setattr__(self, "display_name", name)
        object.__setattr__(self, "group", parse_group(str(self.group)))
        object.__setattr__(self, "language", parse_language(self.language))
