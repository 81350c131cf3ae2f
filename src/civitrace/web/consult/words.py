"""The words the consultation pages show for the domain's fixed values, marked for translation
(the domain keeps English names for the published summary file)."""

from typing import Final

from civitrace.consult.groups import StakeholderGroup
from civitrace.consult.polls import PollKind
from civitrace.web.catalogs import N_

GROUP_NAMES: Final = {
    StakeholderGroup.CIVIL_SOCIETY.value: N_("Civil society"),
    StakeholderGroup.PRIVATE_SECTOR.value: N_("Private sector"),
    StakeholderGroup.GOVERNMENT.value: N_("Government"),
    StakeholderGroup.TECHNICAL_COMMUNITY.value: N_("Technical community"),
    StakeholderGroup.INTERGOVERNMENTAL.value: N_("Intergovernmental organisation"),
    StakeholderGroup.PUBLIC.value: N_("Member of the public"),
}
KIND_NAMES: Final = {
    PollKind.SINGLE.value: N_("One choice"),
    PollKind.MULTIPLE.value: N_("Several choices"),
    PollKind.SCALE.value: N_("Scale"),
    PollKind.WORDCLOUD.value: N_("Word cloud"),
}
POLL_STATUS_NAMES: Final = {
    "draft": N_("Not open yet"),
    "open": N_("Open"),
    "closed": N_("Closed"),
}
