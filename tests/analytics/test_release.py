"""Releases: no un-noised count escapes, contributions are bounded, outputs round-trip."""

import importlib
import inspect
import json
import pkgutil
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import civitrace.analytics
from civitrace.analytics import _mechanisms
from civitrace.analytics.constants import AGE_BANDS
from civitrace.analytics.contribution import bound_contributions, max_contributions
from civitrace.analytics.errors import BudgetExceededError, InputDataError, ParameterError
from civitrace.analytics.ledger import InMemoryLedger, PrivacyBudget
from civitrace.analytics.model import Release
from civitrace.analytics.records import Event, Window
from civitrace.analytics.regions import RegionSet
from civitrace.analytics.release import (
    RELEASE_FUNCTIONS,
    release_age_bands,
    release_case_counts,
    release_test_positivity,
)
from tests.analytics.conftest import WEEK, events, make_tests

SENTINEL = 10_000


def _module_release_functions() -> set[str]:
    """Every public module-level function of the package whose result is (or holds) a Release."""
    found = set()
    package = civitrace.analytics
    for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        module = importlib.import_module(info.name)
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if name.startswith("_") or fn.__module__ != module.__name__:
                continue
            if "Release" in str(inspect.signature(fn).return_annotation):
                found.add(name)
    return found


def test_registry_lists_every_release_function() -> None:
    assert _module_release_functions() == set(RELEASE_FUNCTIONS)


def _call(name: str, regions: RegionSet, ledger: InMemoryLedger) -> Sequence[Release]:
    cases = events(regions, 300)
    args: dict[str, Callable[[], Any]] = {
        "release_case_counts": lambda: release_case_counts(cases, regions, WEEK, 1.0, ledger),
        "release_venue_warnings": lambda: RELEASE_FUNCTIONS["release_venue_warnings"](
            cases, regions, WEEK, 1.0, ledger
        ),
        "release_age_bands": lambda: release_age_bands(cases, WEEK, 1.0, ledger),
        "release_test_positivity": lambda: release_test_positivity(
            make_tests(regions, 300), regions, WEEK, 1.0, ledger
        ),
    }
    result = args[name]()
    return result if isinstance(result, tuple) else (result,)


@pytest.mark.parametrize("name", sorted(RELEASE_FUNCTIONS))
def test_every_cell_comes_from_the_opendp_measurement(
    name: str, regions: RegionSet, ledger: InMemoryLedger, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Replace the noisy vector by sentinels: every published cell must be its sentinel."""
    seen: list[int] = []

    def sentinel(measurement: Any, data: Sequence[str]) -> list[int]:
        assert "MaxDivergence" in str(measurement.output_measure)
        size = len(measurement(list(data)))  # the real measurement still runs
        seen.append(size)
        return [SENTINEL * len(seen) + i for i in range(size)]

    monkeypatch.setattr(_mechanisms, "invoke", sentinel)
    releases = _call(name, regions, ledger)
    assert seen, "no OpenDP measurement was invoked"
    for release in releases:
        for index, cell in enumerate(release.cells):
            assert not cell.suppressed
            if release.kind == "test_positivity":
                expected = round((SENTINEL + index) / (2 * SENTINEL + index), 4)
                assert cell.value == expected
            else:
                assert cell.value is not None
                assert cell.value % SENTINEL == index


def test_refused_release_draws_no_noise(
    regions: RegionSet, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(*_: Any) -> list[int]:
        raise AssertionError("noise drawn for a refused release")

    ledger = InMemoryLedger(PrivacyBudget(1.0))
    release_case_counts(events(regions, 50), regions, WEEK, 0.6, ledger)
    monkeypatch.setattr(_mechanisms, "invoke", boom)
    with pytest.raises(BudgetExceededError, match="No noise was drawn"):
        release_case_counts(events(regions, 50), regions, WEEK, 0.6, ledger)
    with pytest.raises(BudgetExceededError):  # positivity needs 2 x 0.3 > 0.4 left
        release_test_positivity(make_tests(regions, 50), regions, WEEK, 0.3, ledger)
    assert len(ledger.entries()) == 1


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 9), st.integers(0, 6), st.integers(0, 2), st.integers(0, 4)),
        max_size=80,
    ),
    st.integers(1, 4),
)
def test_contribution_bound(rows: list[tuple[int, int, int, int]], k: int) -> None:
    """After bounding, removing any one person moves the cell counts by at most k in L1."""
    ids = ("A", "B", "C")
    records = [Event(WEEK.days[d], f"p{p}", ids[r], AGE_BANDS[b]) for p, d, r, b in rows]
    kept = bound_contributions(records, k, WEEK)
    assert max_contributions(kept) <= k
    full = Counter((e.day, e.region, e.age_band) for e in kept)
    for person in {e.person for e in records}:
        without = bound_contributions([e for e in records if e.person != person], k, WEEK)
        rest = Counter((e.day, e.region, e.age_band) for e in without)
        assert sum(abs(full[c] - rest[c]) for c in full.keys() | rest.keys()) <= k


def test_opendp_maps_the_bound_to_epsilon(regions: RegionSet, ledger: InMemoryLedger) -> None:
    for k in (1, 3):
        release = release_case_counts(
            events(regions, 100), regions, WEEK, 0.5, ledger, contributions_per_person=k
        )
        assert release.sensitivity == k
        assert release.epsilon == pytest.approx(0.5)
        assert release.noise_scale == pytest.approx(k / 0.5)
    assert [e.sensitivity for e in ledger.entries()] == [1, 3]


def test_cells_cover_the_fixed_grid_and_totals_are_consistent(
    regions: RegionSet, ledger: InMemoryLedger
) -> None:
    release = release_case_counts(events(regions, 500), regions, WEEK, 1.0, ledger)
    assert len(release.cells) == len(regions) * 7 * len(AGE_BANDS)
    assert len(release.totals) == 7 * len(AGE_BANDS)
    assert release.window_start == WEEK.start
    assert release.period == "2026-W03"


def test_json_and_csv(regions: RegionSet, ledger: InMemoryLedger) -> None:
    release = release_case_counts(
        events(regions, 200), regions, WEEK, 1.0, ledger, granularity="week"
    )
    again = Release.from_json(json.loads(json.dumps(release.to_json())))
    assert again == release
    lines = release.to_csv().splitlines()
    assert lines[0].startswith("# kind=cases epsilon=1")
    assert lines[1] == "region,day,age_band,value,low,high,suppressed,epsilon"
    assert all(line.endswith(",1.0") for line in lines[2:])
    assert len(lines) == 2 + len(release.cells) + len(release.totals)
    with pytest.raises(InputDataError):
        Release.from_json({"kind": "cases"})


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"epsilon": 0.0}, ParameterError),
        ({"epsilon": 50.0}, ParameterError),
        ({"contributions_per_person": 0}, ParameterError),
        ({"granularity": "hour"}, ParameterError),
    ],
)
def test_bad_parameters(
    regions: RegionSet, ledger: InMemoryLedger, kwargs: dict[str, Any], error: type[Exception]
) -> None:
    params: dict[str, Any] = {"epsilon": 1.0, **kwargs}
    epsilon = params.pop("epsilon")
    with pytest.raises(error):
        release_case_counts(events(regions, 10), regions, WEEK, epsilon, ledger, **params)
    assert not ledger.entries()


def test_unknown_region_and_window_errors(regions: RegionSet, ledger: InMemoryLedger) -> None:
    with pytest.raises(InputDataError, match="unknown region"):
        release_case_counts([Event(WEEK.start, "p", "nowhere", "0-17")], regions, WEEK, 1, ledger)
    with pytest.raises(ParameterError, match="one ISO week"):
        Window(WEEK.start, WEEK.end.replace(day=WEEK.end.day + 1))
    with pytest.raises(InputDataError):
        Event(WEEK.start, "p", "D01", "teen")


def test_positivity_interval_holds_ratio(regions: RegionSet, ledger: InMemoryLedger) -> None:
    ratio, positives, tests = release_test_positivity(
        make_tests(regions, 3000), regions, WEEK, 1.0, ledger
    )
    assert ratio.derived_from == (positives.release_id, tests.release_id)
    assert ratio.epsilon == pytest.approx(2.0)
    assert len(ledger.entries()) == 2
    for cell in ratio.cells:
        if not cell.suppressed:
            assert cell.low is not None
            assert cell.high is not None
            assert cell.value is not None
            assert 0 <= cell.low <= cell.value <= cell.high <= 1
