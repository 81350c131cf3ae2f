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

The server path repeats the headline scenario as a deployment runs it (``server_path`` in the
JSON): case ids become weekly HMAC pseudonyms, each week is charged to the database ledger
(a temporary SQLite file) and stored, and a thirteenth release of a spent week must be refused.
"""

import argparse
import json
import secrets
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import timedelta

from civitrace.analytics import synthetic
from civitrace.analytics.constants import ALL_AGES
from civitrace.analytics.errors import BudgetExceededError
from civitrace.analytics.ledger import InMemoryLedger, PrivacyBudget
from civitrace.analytics.model import Release
from civitrace.analytics.records import Event, Window, period_of
from civitrace.analytics.regions import demo_regions
from civitrace.analytics.release import release_case_counts
from civitrace.server.analytics.pseudonyms import WeeklyPseudonyms
from civitrace.server.analytics.publishing import ReleaseRequest, publish_release
from civitrace.server.analytics.sources import CaseRecord, RecordsCaseSource
from civitrace.server.db import make_engine, migrate, session_factory

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
    return score(release, records, window, granularity, by_age), len(release.cells)


def score(
    release: Release, records: Sequence[Event], window: Window, granularity: str, by_age: bool
) -> list[float]:
    """Relative error of each published cell whose true count is at least ``MIN_TRUE``."""
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
    return out


@dataclass(frozen=True)
class ServerPath:
    median_relative_error: float
    scored_cells: int
    release_seconds_median: float
    over_budget_release_refused: bool


def server_path(city: synthetic.City, weeks: Sequence[Window]) -> ServerPath:
    """The headline scenario through the server: weekly pseudonyms keyed by a KEK, the database
    ledger (a temporary SQLite file), releases stored; then one release too many, refused."""
    regions = demo_regions()
    source = RecordsCaseSource(
        cases=[CaseRecord(e.person, e.day, e.region, e.age_band) for e in city.cases]
    )
    pseudonyms = WeeklyPseudonyms(secrets.token_bytes(32))
    scored: list[float] = []
    seconds: list[float] = []
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/bench.sqlite3"
        migrate(url)
        engine = make_engine(url)
        sessions = session_factory(engine)

        def release(window: Window) -> Release:
            request = ReleaseRequest("cases", window, EPSILON, budget=PrivacyBudget(EPSILON))
            with sessions() as session:
                (published,) = publish_release(
                    session, request, source=source, pseudonyms=pseudonyms, regions=regions
                )
            return published

        for window in weeks:
            started = time.perf_counter()
            published = release(window)
            seconds.append(time.perf_counter() - started)
            scored.extend(score(published, city.cases, window, "day", True))
        try:
            release(weeks[-1])
            refused = False
        except BudgetExceededError:
            refused = True
        engine.dispose()
    return ServerPath(
        median_relative_error=round(statistics.median(scored), 4),
        scored_cells=len(scored),
        release_seconds_median=round(statistics.median(seconds), 3),
        over_budget_release_refused=refused,
    )


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
    server = server_path(city, weeks)
    print(
        f"{'server path (pseudonyms, DB ledger, stored)':45s} k=1 cells/week= 420"
        f" scored={server.scored_cells:5d} median={server.median_relative_error:.2%}"
        f" release={server.release_seconds_median}s refused={server.over_budget_release_refused}"
    )
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
                "server_path": asdict(server),
                "seconds": round(time.perf_counter() - started, 1),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
