"""Constants of the DP statistics: privacy unit, bands, intervals, suppression; one per line."""

from typing import Final

AGE_BANDS: Final = ("0-17", "18-34", "35-49", "50-64", "65+")  # published age bands, fixed
ALL_AGES: Final = "all"  # the age band of cells that are not broken down by age
ALL_REGIONS: Final = "all"  # the region of city-wide cells (age breakdowns, totals)
PERIOD_DAYS: Final = 7  # a budget period is one ISO week (Monday..Sunday)
DEFAULT_CONTRIBUTIONS: Final = 1  # k: records one person may add per release in a period
MAX_CONTRIBUTIONS: Final = 28  # refuse larger k: beyond it the noise swamps any city count
CONFIDENCE: Final = 0.95  # every released cell carries an interval of this coverage
MAX_EPSILON: Final = 10.0  # refuse a single release above this ε: it would be no protection
MECHANISM_DISCRETE_LAPLACE: Final = "discrete Laplace (OpenDP make_laplace on integers)"
MECHANISM_RANDOMIZED_RESPONSE: Final = "randomized response (OpenDP)"
# Release.kind: what a release tabulates (positivity is derived from positives and tests)
KINDS: Final = ("cases", "age_bands", "venue_warnings", "test_positivity", "positives", "tests")
USAGE_FLAGS: Final = ("received_notification", "uploaded_keys", "checked_in")  # ENPA-like bits
USAGE_EPSILON: Final = 1.0  # ε of each randomized usage bit: devices keep a bit with p ≈ 0.73
USAGE_MIN_REPORTS: Final = 30  # fewer reports: no estimate (the normal interval would mislead)
