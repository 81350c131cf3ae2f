"""Outcomes of a run as named numbers, and their bands over seeds.

Health: infections, hospitalisations, deaths. Burden: person-days of quarantine and isolation,
false-alarm quarantines (people quarantined while not infected). Equity: attack rates and
deaths by age band and by smartphone ownership. Privacy: identified person-records the
authority holds, people whose contacts or places a central operator could reconstruct, and
retention (records x days kept). ``cases_averted`` is added by the comparison, against the
baseline run with the same seed (hence the same population).
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from civitrace.sim import constants as c
from civitrace.sim.model import RunResult

PER_100K = 100_000


def _band_labels() -> list[tuple[str, int, int]]:
    bands = c.REPORT_AGE_BANDS
    out = []
    for i, low in enumerate(bands):
        if i + 1 < len(bands):
            out.append((f"{low}_{bands[i + 1] - 1}", low, bands[i + 1]))
        else:
            out.append((f"{low}_plus", low, 1000))
    return out


AGE_BANDS = _band_labels()

METRICS: dict[str, str] = {
    "infections": "people ever infected",
    "attack_rate": "share of the population ever infected",
    "cases_averted": "infections fewer than the baseline with the same seed",
    "hospitalisations": "people admitted to hospital (severe or critical)",
    "deaths": "deaths",
    "peak_infectious": "most people infectious on one day",
    "diagnosed": "people diagnosed by a test",
    "tests": "tests done",
    "tests_abandoned": "people who left the test queue untested (capacity exhausted)",
    "mean_test_wait_days": "mean days from asking for a test to getting one",
    "peak_test_queue": "most people waiting for a test at the end of one day",
    "quarantine_person_days": "person-days in quarantine",
    "isolation_person_days": "person-days in isolation",
    "quarantines": "quarantines started",
    "false_alarm_quarantines": "quarantines of people who were not infected when they began",
    "measure_days": "days with a lockdown or closure in force",
    **{f"attack_rate_age_{label}": f"attack rate, ages {label}" for label, _, _ in AGE_BANDS},
    **{
        f"deaths_per_100k_age_{label}": f"deaths per 100k, ages {label}"
        for label, _, _ in AGE_BANDS
    },
    "attack_rate_smartphone": "attack rate of smartphone owners",
    "attack_rate_no_smartphone": "attack rate of people without a smartphone",
    "deaths_per_100k_smartphone": "deaths per 100k smartphone owners",
    "deaths_per_100k_no_smartphone": "deaths per 100k people without a smartphone",
    "quarantine_days_per_person_smartphone": "quarantine days per smartphone owner",
    "quarantine_days_per_person_no_smartphone": "quarantine days per person without a smartphone",
    "app_users": "people carrying the app or a token",
    "authority_person_records": "identified person-records the authority holds",
    "reconstructable_people": "people whose contacts or places a central operator can rebuild",
    "retention_person_days": "records x days they are kept",
}


def _rate(mask: npt.NDArray[np.bool_], among: npt.NDArray[np.bool_]) -> float:
    n = int(among.sum())
    return float((mask & among).sum()) / n if n else float("nan")


def run_metrics(result: RunResult) -> dict[str, float]:
    """Every metric of one run except ``cases_averted`` (which needs the baseline)."""
    s = result.series
    m: dict[str, float] = {
        "infections": float(result.infected.sum()),
        "attack_rate": float(result.infected.mean()),
        "hospitalisations": float(result.hospitalised.sum()),
        "deaths": float(result.died.sum()),
        "peak_infectious": float(
            (
                s["presymptomatic"] + s["asymptomatic"] + s["mild"] + s["severe"] + s["critical"]
            ).max()
        ),
        "diagnosed": float(s["new_diagnoses"].sum()),
        "tests": result.totals["tests"],
        "tests_abandoned": result.totals["tests_abandoned"],
        "mean_test_wait_days": (
            result.totals["test_wait_days"] / result.totals["tests"]
            if result.totals["tests"]
            else float("nan")
        ),
        "peak_test_queue": float(s["test_queue"].max()),
        "quarantine_person_days": float(result.quarantine_days.sum()),
        "isolation_person_days": float(result.isolation_days.sum()),
        "quarantines": result.totals["quarantines"],
        "false_alarm_quarantines": result.totals["false_alarm_quarantines"],
        "measure_days": float((s["measures_active"] > 0).sum()),
    }
    age = np.asarray(c.AGE_BAND_LOWER)[result.age_band]
    for label, low, high in AGE_BANDS:
        among = (age >= low) & (age < high)
        m[f"attack_rate_age_{label}"] = _rate(result.infected, among)
        m[f"deaths_per_100k_age_{label}"] = _rate(result.died, among) * PER_100K
    for label, among in (("smartphone", result.smartphone), ("no_smartphone", ~result.smartphone)):
        m[f"attack_rate_{label}"] = _rate(result.infected, among)
        m[f"deaths_per_100k_{label}"] = _rate(result.died, among) * PER_100K
        count = int(among.sum())
        m[f"quarantine_days_per_person_{label}"] = (
            float(result.quarantine_days[among].sum()) / count if count else float("nan")
        )
    for key in ("app_users", "authority_person_records", "reconstructable_people"):
        m[key] = result.totals.get(key, 0.0)
    m["retention_person_days"] = result.totals["retention_person_days"]
    return m


@dataclass(frozen=True, slots=True)
class Band:
    """Mean and the 5th-95th percentile band of a metric over seeds."""

    mean: float
    low: float
    high: float
    seeds: int


def band(values: Sequence[float]) -> Band:
    """The band of ``values`` (nan entries ignored; all-nan gives nan)."""
    arr = np.asarray(values, dtype=np.float64)
    arr = arr[~np.isnan(arr)]
    if arr.shape[0] == 0:
        nan = float("nan")
        return Band(nan, nan, nan, 0)
    low, high = np.percentile(arr, [5, 95])
    return Band(float(arr.mean()), float(low), float(high), int(arr.shape[0]))


Row = tuple[str, int, str, float]  # scenario, seed, metric, value


def summarize(rows: Iterable[Row]) -> dict[str, dict[str, Band]]:
    """scenario -> metric -> band over seeds, in first-seen order."""
    grouped: dict[str, dict[str, list[float]]] = {}
    for scenario, _seed, metric, value in rows:
        grouped.setdefault(scenario, {}).setdefault(metric, []).append(value)
    return {s: {k: band(v) for k, v in by.items()} for s, by in grouped.items()}


def with_cases_averted(
    per_run: Mapping[tuple[str, int], dict[str, float]], baseline: str = "baseline"
) -> list[Row]:
    """Rows of every run, each with ``cases_averted`` against the baseline of its seed."""
    rows: list[Row] = []
    for (scenario, seed), metrics in per_run.items():
        base = per_run.get((baseline, seed))
        averted = base["infections"] - metrics["infections"] if base else float("nan")
        for key in METRICS:
            value = averted if key == "cases_averted" else metrics[key]
            rows.append((scenario, seed, key, value))
    return rows
