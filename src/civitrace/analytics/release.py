"""Public releases: every function here noises through OpenDP and charges the ledger first.

Each release function (they are listed in :data:`RELEASE_FUNCTIONS`, and a test enumerates the
package to prove no other exists) runs the same steps:

1. bound every person to ``k`` records in the window (:mod:`contribution`);
2. build the OpenDP measurement over the fixed, data-independent list of cells
   (regions x days x age bands) and let OpenDP map ``d_in = k`` to ε;
3. charge the ledger: a release over its period's budget is refused here, before any noise;
4. draw the noisy counts (``_mechanisms.invoke``), then post-process them (:mod:`postprocess`).
"""

import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from civitrace.analytics import _mechanisms
from civitrace.analytics.constants import AGE_BANDS, ALL_AGES, ALL_REGIONS, CONFIDENCE, MAX_EPSILON
from civitrace.analytics.contribution import bound_contributions, check_contributions
from civitrace.analytics.errors import InputDataError, ParameterError
from civitrace.analytics.ledger import LedgerEntry, PrivacyLedger
from civitrace.analytics.model import Cell, Release
from civitrace.analytics.postprocess import consistent_counts, interval, is_suppressed
from civitrace.analytics.records import Event, TestResult, Window
from civitrace.analytics.regions import RegionSet

Granularity = Literal["day", "week"]
_SEP = "\x1f"  # joins region, day and age band into one category label

NOTES = (
    "Person-level differential privacy: each person adds at most {k} record(s) to this release"
    " (contribution bound), so removing anyone changes the counts by at most {k} in total."
    " Values are noisy counts clipped at 0, adjusted to add up to the group total, and rounded."
    " Intervals: {conf:.0%} range of the noise around the published value."
    " Suppressed: published value at or below {thr:g}, within the noise of zero."
)


@dataclass(frozen=True)
class _Plan:
    """A release prepared up to the measurement: nothing noised, nothing charged."""

    kind: str
    keys: tuple[tuple[str, date, str], ...]  # (region, day, age band) per category
    data: tuple[str, ...]  # one category label per bounded record
    mechanism: _mechanisms.CountingMechanism
    window: Window
    granularity: Granularity
    release_id: str

    def entry(self) -> LedgerEntry:
        return LedgerEntry(
            release_id=self.release_id,
            kind=self.kind,
            mechanism=self.mechanism.mechanism,
            epsilon=self.mechanism.epsilon,
            delta=self.mechanism.delta,
            sensitivity=self.mechanism.contributions,
            window_start=self.window.start,
            window_end=self.window.end,
            period=self.window.period,
        )


def _check_epsilon(epsilon: float) -> float:
    if isinstance(epsilon, bool) or not isinstance(epsilon, int | float):
        raise ParameterError("epsilon must be a number")
    if not 0 < epsilon <= MAX_EPSILON:
        raise ParameterError(f"epsilon must lie in (0, {MAX_EPSILON:g}]")
    return float(epsilon)


def _plan(
    kind: str,
    *,
    records: Sequence[Event],
    regions: RegionSet | None,
    window: Window,
    epsilon: float,
    contributions: int,
    granularity: Granularity,
    by_age: bool,
) -> _Plan:
    _check_epsilon(epsilon)
    check_contributions(contributions)
    if granularity not in ("day", "week"):
        raise ParameterError("granularity must be 'day' or 'week'")
    days = window.days if granularity == "day" else (window.start,)
    bands = AGE_BANDS if by_age else (ALL_AGES,)
    region_ids = regions.ids if regions is not None else (ALL_REGIONS,)
    keys = tuple((r, d, b) for d in days for b in bands for r in region_ids)
    known = set(region_ids)
    data: list[str] = []
    for record in bound_contributions(records, contributions, window):
        if regions is not None and record.region not in known:
            raise InputDataError(f"record in unknown region {record.region!r}")
        region = record.region if regions is not None else ALL_REGIONS
        day = record.day if granularity == "day" else window.start
        band = record.age_band if by_age else ALL_AGES
        data.append(_SEP.join((region, day.isoformat(), band)))
    labels = [_SEP.join((r, d.isoformat(), b)) for r, d, b in keys]
    mechanism = _mechanisms.counting_mechanism(labels, epsilon, contributions)
    release_id = secrets.token_hex(8)
    return _Plan(kind, keys, tuple(data), mechanism, window, granularity, release_id)


def _group_key(key: tuple[str, date, str], by_region: bool) -> tuple[str, date, str]:
    _, day, band = key
    return (ALL_REGIONS, day, band) if by_region else (ALL_REGIONS, day, ALL_AGES)


def _publish(plan: _Plan, by_region: bool) -> Release:
    """Draw the noise (the ledger has been charged) and post-process it."""
    noisy = _mechanisms.invoke(plan.mechanism.measurement, plan.data)
    scale = plan.mechanism.scale
    alpha = 1 - CONFIDENCE
    half = _mechanisms.halfwidth(scale, alpha)
    groups: dict[tuple[str, date, str], list[int]] = {}
    for index, key in enumerate(plan.keys):
        groups.setdefault(_group_key(key, by_region), []).append(index)
    published = [0] * len(noisy)
    totals: list[Cell] = []
    for group, members in groups.items():
        values, total = consistent_counts([noisy[i] for i in members])
        for i, value in zip(members, values, strict=True):
            published[i] = value
        total_half = round(1.96 * (len(members) * _mechanisms.variance(scale)) ** 0.5, 1)
        low, high = interval(total, total_half)
        totals.append(Cell(group[0], group[1], group[2], total, low, high, False))
    cells = []
    for (region, day, band), value in zip(plan.keys, published, strict=True):
        if is_suppressed(value, half):
            cells.append(Cell(region, day, band, None, None, None, True))
        else:
            low, high = interval(value, half)
            cells.append(Cell(region, day, band, value, low, high, False))
    mechanism = plan.mechanism
    return Release(
        release_id=plan.release_id,
        kind=plan.kind,
        mechanism=mechanism.mechanism,
        epsilon=mechanism.epsilon,
        delta=mechanism.delta,
        sensitivity=mechanism.contributions,
        contributions_per_person=mechanism.contributions,
        noise_scale=scale,
        window_start=plan.window.start,
        window_end=plan.window.end,
        period=plan.window.period,
        granularity=plan.granularity,
        confidence=CONFIDENCE,
        suppression_threshold=half,
        cells=tuple(cells),
        totals=tuple(totals),
        notes=NOTES.format(k=mechanism.contributions, conf=CONFIDENCE, thr=half),
    )


def _release_counts(
    kind: str,
    *,
    records: Sequence[Event],
    regions: RegionSet | None,
    window: Window,
    epsilon: float,
    ledger: PrivacyLedger,
    contributions: int,
    granularity: Granularity,
    by_age: bool,
) -> Release:
    plan = _plan(
        kind,
        records=records,
        regions=regions,
        window=window,
        epsilon=epsilon,
        contributions=contributions,
        granularity=granularity,
        by_age=by_age,
    )
    ledger.charge([plan.entry()])  # refuses over-budget releases before any noise is drawn
    return _publish(plan, by_region=regions is not None)


def release_case_counts(
    cases: Sequence[Event],
    regions: RegionSet,
    window: Window,
    epsilon: float,
    ledger: PrivacyLedger,
    *,
    contributions_per_person: int = 1,
    granularity: Granularity = "day",
    by_age: bool = True,
) -> Release:
    """Confirmed cases per region x day (or week) x age band."""
    return _release_counts(
        "cases",
        records=cases,
        regions=regions,
        window=window,
        epsilon=epsilon,
        ledger=ledger,
        contributions=contributions_per_person,
        granularity=granularity,
        by_age=by_age,
    )


def release_venue_warnings(
    warnings: Sequence[Event],
    regions: RegionSet,
    window: Window,
    epsilon: float,
    ledger: PrivacyLedger,
    *,
    contributions_per_person: int = 1,
    granularity: Granularity = "day",
) -> Release:
    """Venue warnings per region x day (or week); ``person`` is whoever triggered the warning."""
    return _release_counts(
        "venue_warnings",
        records=warnings,
        regions=regions,
        window=window,
        epsilon=epsilon,
        ledger=ledger,
        contributions=contributions_per_person,
        granularity=granularity,
        by_age=False,
    )


def release_age_bands(
    cases: Sequence[Event],
    window: Window,
    epsilon: float,
    ledger: PrivacyLedger,
    *,
    contributions_per_person: int = 1,
    granularity: Granularity = "week",
) -> Release:
    """City-wide cases per age band and day (or week); totals are per day over the bands."""
    return _release_counts(
        "age_bands",
        records=cases,
        regions=None,
        window=window,
        epsilon=epsilon,
        ledger=ledger,
        contributions=contributions_per_person,
        granularity=granularity,
        by_age=True,
    )


def _ratio_cells(positives: Release, tests: Release, alpha: float) -> tuple[Cell, ...]:
    half_p = _mechanisms.halfwidth(positives.noise_scale, alpha)
    half_t = _mechanisms.halfwidth(tests.noise_scale, alpha)
    cells = []
    for p, t in zip(positives.cells, tests.cells, strict=True):
        if p.value is None or t.value is None or t.value <= 0:
            cells.append(Cell(p.region, p.day, p.age_band, None, None, None, True))
            continue
        value = min(1.0, p.value / t.value)
        low = max(0.0, p.value - half_p) / (t.value + half_t)
        high = min(1.0, (p.value + half_p) / max(1.0, t.value - half_t))
        cells.append(
            Cell(p.region, p.day, p.age_band, round(value, 4), round(low, 4), round(high, 4), False)
        )
    return tuple(cells)


def release_test_positivity(
    tests: Sequence[TestResult],
    regions: RegionSet,
    window: Window,
    epsilon: float,
    ledger: PrivacyLedger,
    *,
    contributions_per_person: int = 1,
    granularity: Granularity = "week",
) -> tuple[Release, Release, Release]:
    """Positivity as noisy positives / noisy tests: two releases of ``epsilon`` each, charged
    together (both or neither), and the ratio derived from them (post-processing).

    The ratio's interval combines each count's interval at 97.5 % (Bonferroni), so it covers
    at least 95 %. Returns (positivity, positives, tests).
    """
    bounded = bound_contributions(tests, contributions_per_person, window)
    positive = [t for t in bounded if t.positive]
    common: dict[str, Any] = {
        "regions": regions,
        "window": window,
        "epsilon": epsilon,
        "contributions": contributions_per_person,
        "granularity": granularity,
        "by_age": False,
    }
    plan_pos = _plan("positives", records=positive, **common)
    plan_tests = _plan("tests", records=bounded, **common)
    ledger.charge([plan_pos.entry(), plan_tests.entry()])
    positives, all_tests = _publish(plan_pos, True), _publish(plan_tests, True)
    alpha = (1 - CONFIDENCE) / 2
    ratio = Release(
        release_id=secrets.token_hex(8),
        kind="test_positivity",
        mechanism=positives.mechanism,
        epsilon=positives.epsilon + all_tests.epsilon,  # basic composition of the two
        delta=positives.delta + all_tests.delta,
        sensitivity=contributions_per_person,
        contributions_per_person=contributions_per_person,
        noise_scale=positives.noise_scale,
        window_start=window.start,
        window_end=window.end,
        period=window.period,
        granularity=granularity,
        confidence=CONFIDENCE,
        suppression_threshold=positives.suppression_threshold,
        cells=_ratio_cells(positives, all_tests, alpha),
        derived_from=(positives.release_id, all_tests.release_id),
        notes="Share of tests that were positive: published positives / published tests."
        " Suppressed where either count is suppressed.",
    )
    return ratio, positives, all_tests


ReleaseFunction = Callable[..., Any]

RELEASE_FUNCTIONS: dict[str, ReleaseFunction] = {
    "release_case_counts": release_case_counts,
    "release_venue_warnings": release_venue_warnings,
    "release_age_bands": release_age_bands,
    "release_test_positivity": release_test_positivity,
}
