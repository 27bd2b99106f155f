"""The most held at once (§5.2 vCPU, §5.4 IPs), from launch and release times."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from fargasim.ecs.concurrency import peak_count, peak_count_sorted, peak_held


def _by_definition(start: list[float], stop: list[float]) -> int:
    """The count just after each launch instant (releases at that instant first), by counting
    every task: O(n²), independent of both algorithms."""
    best = 0
    for t in start:
        held = sum(1 for s, e in zip(start, stop, strict=True) if s <= t and not e <= t)
        best = max(best, held)
    return best


def test_peak_held_counts_releases_before_launches() -> None:
    """Three tasks: [0, 10), [10, 20) and [5, never): at 10 one stops as one starts, so at most
    2 are held; with 2, 1 and 4 units the peak is 2 + 4 = 6 on [5, 10)."""
    starts, stops = [0.0, 10.0, 5.0], [10.0, 20.0, float("nan")]
    assert peak_held(starts, stops, 1) == 2
    assert peak_held(starts, stops, [2, 1, 4]) == 6
    assert peak_held([], [], 1) == 0


def test_a_batch_peak_by_hand() -> None:
    """1,000 tasks launched one a second, each held 99.5 s: from t = 99.5 one leaves half a
    second before the next arrives, so at most 100 are held (just after each launch from 99 on)."""
    start = np.arange(1000, dtype=np.float64)
    assert peak_count(start, start + 99.5) == 100
    assert peak_count(start, start + 100.0) == 100  # the one leaving at t leaves first
    assert peak_count(start, start + 100.5) == 101


times = st.floats(0, 50).map(lambda t: round(t * 4) / 4)  # quarter seconds: many ties


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(times, st.one_of(st.just(math.nan), st.floats(0, 30).map(lambda d: round(d)))),
        min_size=0,
        max_size=300,
    )
)
def test_peak_count_is_the_definition(tasks: list[tuple[float, float]]) -> None:
    """Any launches and holding times, with ties and tasks never released: the binned count,
    the sorted count and counting every task agree."""
    start = np.array([s for s, _ in tasks], dtype=np.float64)
    stop = np.array([s + d for s, d in tasks], dtype=np.float64)
    expected = _by_definition(start.tolist(), stop.tolist())
    assert peak_count_sorted(start, stop) == expected
    assert peak_count(start, stop) == expected


def test_peak_count_on_a_large_random_batch_equals_the_sorted_count() -> None:
    """10⁵ tasks of a B1-like batch (20 launches a second, lognormal 300 s)."""
    rng = np.random.default_rng(7)
    start = np.repeat(np.arange(10_000) * 0.5, 10) + rng.lognormal(2.5, 0.3, 100_000)
    stop = start + rng.lognormal(5.7, 0.3, 100_000)
    assert peak_count(start, stop) == peak_count_sorted(start, stop)
