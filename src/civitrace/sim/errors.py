"""Exceptions of the policy lab."""

from civitrace.errors import CivitraceError


class SimError(CivitraceError):
    """Any policy-lab error: a bad scenario, population or run request."""


class ScenarioError(SimError, ValueError):
    """A scenario file or value is invalid; ``field`` names the offending key (dotted path)."""

    def __init__(self, source: str, field: str, message: str) -> None:
        self.source = source
        self.field = field
        self.reason = message
        super().__init__(f"{source}: {field}: {message}")


class ParameterError(SimError, ValueError):
    """A population, disease or run parameter is out of its allowed range."""


class SweepError(SimError, ValueError):
    """A sweep grid, grid file or scheduler is unusable; the message names the parameter."""
