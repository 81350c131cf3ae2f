"""Utility of the DP releases: median relative error per released cell, person-level ε = 0.5/week.

    python bench/dp.py [--quick]      (civitrace importable: installed, or PYTHONPATH=src)

A synthetic city (``civitrace.analytics.synthetic``: 300,000 people, 12 districts, 5 age bands,
an SIR epidemic curve over 12 weeks) is released week by week. Each week's release spends the
whole weekly budget ε = 0.5 on one OpenDP measurement over every cell of that week (regions x
days x age bands = 420 cells), with the person as the privacy unit: each person contributes at
most k records to the week (k = 1 for new cases; k = 3 for positive test results, where people
re-test). Error is |published - true| / true over cells whose true count is >= 50 (true counts
of the data before contribution bounding, so truncation counts as error); a suppressed cell
counts as error 1. The baseline, in the same run, splits ε evenly over the cells as if each cell
were a separate release (what one gets without person-level vector accounting).
"""

import argparse
import json
import statistics
import sys
import time
from collections import Counter
from collections.abc import Sequence
from datetime import timedelta

from civitrace.analytics import synthetic
from civitrace.analytics.constants import ALL_AGES
from civitrace.analytics.ledger import InMemoryLedger, PrivacyBudget
from civitrace.analytics.records import Event, Window, period_of
from civitrace.analytics.regions import demo_regions
from civitrace.analytics.release import release_case_counts

EPSILON = 0.5  # the whole budget of a week, for every cell released that week
MIN_TRUE = 50  # only cells with at least this many true cases are scored


def errors(
    records: Sequence[Event], window: Window, epsilon: float, k: int, granularity: str, by_age: bool
) -> tuple[list[float], int]:
    regions = demo_regions()
    ledger = InMemoryLedger(PrivacyBudget(EPSILON))
    release = release_case_counts(
        records, regions, window, epsilon, ledger,
        contributions_per_person=k, granularity="day" if granularity == "day" else "week",
        by_age=by_age,
    )  # fmt: skip
    truth = Counter(
        (
            e.region,
            e.day if granularity == "day" else window.start,
            e.age_band if by_age else ALL_AGES,
        )
        for e in records
        if e.day in window
    )
    out = []
    for cell in release.cells:
        true = truth.get((cell.region, cell.day, cell.age_band), 0)
        if true >= MIN_TRUE:
            out.append(1.0 if cell.value is None else abs(cell.value - true) / true)
    return out, len(release.cells)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100,000 people")
    args = parser.parse_args()
    started = time.perf_counter()
    people = 100_000 if args.quick else 300_000
    city = synthetic.generate(demo_regions(), people=people, days=84)
    weeks = [Window.week(period_of(city.start + timedelta(days=7 * w))) for w in range(12)]
    scenarios = [
        # name, records, k, granularity, by_age, epsilon per release
        ("new cases, region x day x age band", city.cases, 1, "day", True, EPSILON),
        ("positive tests, region x day x age band", city.positive_tests, 3, "day", True, EPSILON),
        ("positive tests, region x week x age band", city.positive_tests, 3, "week", True, EPSILON),
        ("new cases, region x day", city.cases, 1, "day", False, EPSILON),
        ("baseline: new cases, ε split per cell", city.cases, 1, "day", True, EPSILON / 420),
    ]
    results: list[dict[str, object]] = []
    medians: list[float] = []
    for name, records, k, granularity, by_age, epsilon in scenarios:
        scored: list[float] = []
        cells = 0
        for window in weeks:
            errs, cells = errors(records, window, epsilon, k, granularity, by_age)
            scored.extend(errs)
        median = statistics.median(scored) if scored else float("nan")
        medians.append(median)
        results.append(
            {
                "scenario": name,
                "contributions_per_person": k,
                "cells_per_week": cells,
                "scored_cells": len(scored),
                "median_relative_error": round(median, 4),
                "p90_relative_error": round(statistics.quantiles(scored, n=10)[-1], 4)
                if len(scored) > 1
                else None,
            }
        )
        print(f"{name:45s} k={k} cells/week={cells:4d} scored={len(scored):5d} median={median:.2%}")
    headline, baseline = results[0], results[-1]
    print(
        json.dumps(
            {
                "median_relative_error": headline["median_relative_error"],
                "epsilon": EPSILON,
                "cells": headline["cells_per_week"],
                "contributions_per_person": headline["contributions_per_person"],
                "baseline_median_relative_error": baseline["median_relative_error"],
                "people": people,
                "cases": len(city.cases),
                "weeks": len(weeks),
                "target_met": medians[0] <= 0.10,
                "scenarios": results,
                "seconds": round(time.perf_counter() - started, 1),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
