"""Exceptions of the differential-privacy statistics package."""

from civitrace.errors import CivitraceError


class AnalyticsError(CivitraceError):
    """Any error of ``civitrace.analytics``: bad parameters, bad input data, refused releases."""


class ParameterError(AnalyticsError, ValueError):
    """A privacy or release parameter (ε, budget, window, granularity, ...) is out of range."""


class InputDataError(AnalyticsError, ValueError):
    """An input record (a case, a test, a warning) or an input file is malformed."""


class RegionDataError(AnalyticsError, ValueError):
    """A GeoJSON region file is malformed: bad geometry, missing or duplicate region ids."""


class BudgetExceededError(AnalyticsError):
    """A release would spend more privacy budget than its period has left; nothing was noised."""


class LedgerError(AnalyticsError):
    """A privacy budget ledger cannot be read or written, or contradicts itself."""
