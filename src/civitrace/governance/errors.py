"""The governance package's exceptions, one family under :class:`CivitraceError`.

The CLI turns them into ``error: <one line>``; the web layer into a 4xx JSON body.
"""

from civitrace.errors import CivitraceError


class GovernanceError(CivitraceError):
    """Any error of :mod:`civitrace.governance`."""


class InventoryError(GovernanceError, ValueError):
    """A data inventory is malformed: unknown key, bad duration, undeclared reader…

    The message names the file and the dotted path of the offending value.
    """


class ProposalError(GovernanceError, ValueError):
    """A proposal cannot be made or changed (too early, no change, unknown id…)."""


class AccessRequestError(GovernanceError, ValueError):
    """A data-access request is malformed or cannot be decided."""


class AuditError(GovernanceError, ValueError):
    """An audit entry cannot be appended (details not JSON, empty actor…)."""
