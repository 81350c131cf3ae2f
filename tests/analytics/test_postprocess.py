"""Post-processing invariants, for any noisy vector."""

from hypothesis import given
from hypothesis import strategies as st

from civitrace.analytics.postprocess import consistent_counts, interval, is_suppressed


@given(st.lists(st.integers(-1000, 1000), min_size=1, max_size=40))
def test_consistent_counts(noisy: list[int]) -> None:
    values, total = consistent_counts(noisy)
    assert total == max(0, sum(noisy))
    assert sum(values) == total
    assert all(isinstance(v, int) and v >= 0 for v in values)
    if all(v >= 0 for v in noisy):
        assert values == noisy  # nothing to fix: the noisy counts are published as they are
    assert all(v <= max(0, x) for v, x in zip(values, noisy, strict=True))


@given(st.integers(0, 10_000), st.integers(0, 50))
def test_suppression_and_interval(value: int, threshold: int) -> None:
    low, high = interval(value, threshold)
    assert 0 <= low <= value <= high
    assert is_suppressed(value, threshold) == (threshold > 0 and value <= threshold)
