"""The mergeable latency histogram (histogram.py docstring: bin layout and error bound).

Bins are ``[10^(-5+k/100), 10^(-5+(k+1)/100))`` plus an underflow and an overflow bin; a
percentile is the geometric midpoint of the bin of each order statistic, interpolated like
``np.percentile``, so it is within ``10^(1/200) − 1 ≈ 1.158 %`` of ``np.percentile`` of the same
values. Counts, number, exact sum, min and max make merging, differencing and order independence
exact equalities.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fargasim.workload.histogram import (
    BINS_PER_DECADE,
    EDGES,
    MAX_SECONDS,
    MIN_SECONDS,
    N_BINS,
    OVERFLOW,
    RELATIVE_ERROR,
    UNDERFLOW,
    LatencyHistogram,
    bin_index,
    row_percentiles,
)

# The bound plus a few ulps of floating-point slack (sqrt, products, interpolation).
TOL = RELATIVE_ERROR * (1 + 1e-9) + 1e-12


def hist(values: list[float] | np.ndarray) -> LatencyHistogram:
    h = LatencyHistogram()
    h.add(values)
    return h


def rel_errors(h: LatencyHistogram, values: np.ndarray, qs: list[float]) -> np.ndarray:
    exact = np.percentile(values, qs)
    errors: np.ndarray = np.asarray(h.percentiles(qs)) / exact - 1.0
    return errors


in_range = st.floats(min_value=MIN_SECONDS, max_value=MAX_SECONDS, exclude_max=True)
any_latency = st.one_of(
    in_range,
    st.floats(min_value=0.0, max_value=1e-4),
    st.floats(min_value=1e4, max_value=1e7),
    st.sampled_from([0.0, MIN_SECONDS, MAX_SECONDS, 1e-3, 0.1]),
)

# -- bin layout ----------------------------------------------------------------------------------


def test_layout() -> None:
    assert BINS_PER_DECADE == 100 and MIN_SECONDS == 1e-5 and MAX_SECONDS == 1e5
    assert EDGES.shape == (1001,) and N_BINS == 1002 and UNDERFLOW == 0 and OVERFLOW == 1001
    assert [EDGES[100 * d] for d in range(11)] == [float(f"1e{d - 5}") for d in range(11)]
    ratios = EDGES[1:] / EDGES[:-1]
    assert np.allclose(ratios, 10 ** (1 / 100), rtol=1e-12, atol=0)
    assert abs(RELATIVE_ERROR - 0.011579) < 1e-6


@pytest.mark.parametrize(
    ("value", "index", "lower_edge"),
    [
        (0.001, 201, 1e-3),
        (1e-5, 1, 1e-5),
        (1.0, 501, 1.0),
        (0.1, 401, 0.1),
        (0.0999999, 400, 10**-1.01),
        (0.25, 440, 10 ** (-61 / 100)),  # log10(0.25) = -0.602
        (99999.0, 1000, 10**4.99),
    ],
)
def test_hand_picked_bins(value: float, index: int, lower_edge: float) -> None:
    assert int(bin_index(value)) == index
    assert EDGES[index - 1] == pytest.approx(lower_edge, rel=1e-12)
    assert EDGES[index - 1] <= value < EDGES[index]
    h = hist([value, value])
    assert h.counts[index] == 2 and h.counts.sum() == 2


def test_under_and_overflow_bins() -> None:
    assert bin_index([0.0, 5e-324, 9.99e-6, np.nextafter(1e-5, 0)]).tolist() == [0] * 4
    assert bin_index([1e5, 2e5, 1e300]).tolist() == [1001] * 3
    assert int(bin_index(np.nextafter(1e5, 0))) == 1000


def test_binning_matches_the_stored_edges_exactly() -> None:
    rng = np.random.default_rng(7)
    values = np.concatenate(
        [
            10 ** rng.uniform(-6, 6, 20_000),
            EDGES,
            np.nextafter(EDGES, 0.0),
            np.nextafter(EDGES, np.inf),
        ]
    )
    assert np.array_equal(bin_index(values), np.searchsorted(EDGES, values, side="right"))


# -- percentiles and the error bound --------------------------------------------------------------


def test_lognormal_percentiles_within_the_bound() -> None:
    rng = np.random.default_rng(20240601)
    values = rng.lognormal(mean=np.log(0.05), sigma=1.0, size=100_000)
    h = hist(values)
    errors = rel_errors(h, values, [50, 95, 99])
    assert np.all(np.abs(errors) <= TOL), errors
    every_q = list(np.linspace(0, 100, 401))
    assert np.all(np.abs(rel_errors(h, values, every_q)) <= TOL)
    # The extremes are exact.
    assert h.percentiles([0, 100]) == [values.min(), values.max()]


@settings(max_examples=150, deadline=None)
@given(
    values=st.lists(in_range, min_size=1, max_size=60),
    qs=st.lists(st.floats(min_value=0, max_value=100), min_size=1, max_size=5),
)
def test_every_percentile_within_the_bound(values: list[float], qs: list[float]) -> None:
    h = hist(values)
    assert np.all(np.abs(rel_errors(h, np.asarray(values), qs)) <= TOL)


def test_cohort_of_identical_values_at_a_bin_edge_within_the_bound() -> None:
    # Interpolating inside the bin would put p99 of these near the upper edge (2.3 % off).
    h = LatencyHistogram()
    h.add_weighted([0.1, 0.2], [1000, 1])
    values = np.repeat([0.1, 0.2], [1000, 1])
    assert np.all(np.abs(rel_errors(h, values, [1, 50, 90, 99, 99.9])) <= TOL)


def test_one_repeated_value_is_exact() -> None:
    h = hist([0.0123] * 7)
    assert h.percentiles([0, 13, 50, 99, 100]) == [0.0123] * 5


def test_percentiles_in_under_and_overflow_return_min_and_max() -> None:
    h = hist([0.0, 3e-7, 5e-6, 0.01, 0.02, 2e5, 7e6])
    assert h.counts[UNDERFLOW] == 3 and h.counts[OVERFLOW] == 2
    assert h.percentile(0) == 0.0
    assert h.percentile(20) == 0.0  # rank 1.2 lands in the underflow bin
    assert h.percentile(90) == 7e6  # rank 5.4 lands in the overflow bin
    assert h.percentile(100) == 7e6
    assert abs(h.percentile(50) / 0.01 - 1) <= TOL  # rank 3: in range, within the bound


def test_empty_histogram() -> None:
    h = LatencyHistogram()
    assert len(h) == 0 and h.total == 0 and h.sum == 0.0
    assert math.isnan(h.percentile(50)) and math.isnan(h.mean)
    assert all(math.isnan(x) for x in h.percentiles([0, 50, 100]))
    h.add([])
    assert h == LatencyHistogram()


def test_invalid_inputs_are_rejected() -> None:
    h = LatencyHistogram()
    for bad in ([-1.0], [math.nan], [math.inf]):
        with pytest.raises(ValueError):
            h.add(bad)
    for q in (-1.0, 100.5, math.nan):
        with pytest.raises(ValueError):
            h.percentile(q)
    with pytest.raises(ValueError):
        h.add_weighted([0.1], [1.5])
    with pytest.raises(ValueError):
        h.add_weighted([0.1], [-1])
    with pytest.raises(TypeError):
        h.add_weighted([0.1], [True])
    assert h == LatencyHistogram()


# -- exact sum and mean ------------------------------------------------------------------------


def test_sum_and_mean_are_exact() -> None:
    values = [0.1, 0.2, 0.3, 1e-7, 3e5, 5e-324, 0.0]
    h = hist(values)
    exact = sum(map(Fraction, values), Fraction(0))
    assert h.sum == float(exact) and h.mean == float(exact / len(values))
    assert len(h) == 7 and h.min == 0.0 and h.max == 3e5


# -- merge, difference, order independence, weights -------------------------------------------------


@settings(max_examples=100, deadline=None)
@given(a=st.lists(any_latency, max_size=40), b=st.lists(any_latency, max_size=40))
def test_merge_equals_adding_everything(a: list[float], b: list[float]) -> None:
    merged = hist(a)
    merged.merge(hist(b))
    assert merged == hist(a + b)
    assert len(merged) == len(a) + len(b)


@settings(max_examples=100, deadline=None)
@given(values=st.lists(any_latency, max_size=60), data=st.data())
def test_order_independence(values: list[float], data: st.DataObject) -> None:
    shuffled = data.draw(st.permutations(values))
    cuts = sorted(data.draw(st.lists(st.integers(0, len(values)), max_size=4)))
    batched = LatencyHistogram()
    for lo, hi in zip([0, *cuts], [*cuts, len(values)], strict=True):
        batched.add(shuffled[lo:hi])
    one = hist(values)
    assert batched == one
    assert batched.sum == one.sum and batched.percentiles([5, 50, 99]) == one.percentiles(
        [5, 50, 99]
    )


@settings(max_examples=100, deadline=None)
@given(before=st.lists(any_latency, max_size=40), between=st.lists(any_latency, max_size=40))
def test_difference_of_snapshots(before: list[float], between: list[float]) -> None:
    cumulative = hist(before)
    snapshot = cumulative.copy()
    cumulative.add(between)
    diff = cumulative - snapshot
    expected = hist(between)
    assert np.array_equal(diff.counts, expected.counts)
    assert diff.total == len(between) and diff.sum == expected.sum
    assert diff.mean == expected.mean or (math.isnan(diff.mean) and not between)
    assert snapshot == hist(before)  # the snapshot is a copy
    if between:
        assert diff.min <= min(between) and diff.max >= max(between)
        in_bins = [v for v in between if MIN_SECONDS <= v < MAX_SECONDS]
        if len(in_bins) == len(between):
            errs = rel_errors(diff, np.asarray(between), [0, 25, 50, 90, 100])
            assert np.all(np.abs(errs) <= TOL)


def test_difference_bounds_extremes_with_bin_edges() -> None:
    cumulative = hist([0.001, 5.0])
    snapshot = cumulative.copy()
    cumulative.add([0.0123, 0.5])
    diff = cumulative - snapshot
    assert not diff.extremes_exact
    assert diff.min == EDGES[int(bin_index(0.0123)) - 1]
    assert diff.max == EDGES[int(bin_index(0.5))]
    assert (cumulative - LatencyHistogram()) == cumulative
    assert (cumulative - cumulative) == LatencyHistogram()
    with pytest.raises(ValueError):
        snapshot - cumulative


@settings(max_examples=100, deadline=None)
@given(
    pairs=st.lists(st.tuples(any_latency, st.integers(0, 20)), max_size=30),
    float_weights=st.booleans(),
)
def test_add_weighted_equals_repeating(pairs: list[tuple[float, int]], float_weights: bool) -> None:
    values = [v for v, _ in pairs]
    weights = [float(w) if float_weights else w for _, w in pairs]
    h = LatencyHistogram()
    h.add_weighted(values, weights)
    assert h == hist(np.repeat(np.asarray(values, dtype=float), [w for _, w in pairs]))


def test_add_weighted_broadcasts_and_handles_huge_cohorts() -> None:
    h = LatencyHistogram()
    h.add_weighted([0.1, 0.3], 2)
    assert h == hist([0.1, 0.1, 0.3, 0.3])
    big = LatencyHistogram()
    weights = [2**40, 3**20, 1]
    big.add_weighted([0.1, 0.7, 1e-9], weights)  # Σ weights ≥ 2^36: the exact integer path
    exact = sum((Fraction(v) * w for v, w in zip([0.1, 0.7, 1e-9], weights, strict=True)))
    assert big.total == sum(weights) and big.sum == float(exact)
    assert big.counts[int(bin_index(0.1))] == 2**40


@given(pairs=st.lists(st.tuples(any_latency, st.integers(1, 20)), min_size=1, max_size=30))
def test_add_binned_equals_add_weighted(pairs: list[tuple[float, int]]) -> None:
    values = np.array([v for v, _ in pairs])
    weights = np.array([w for _, w in pairs], dtype=np.int64)
    h = LatencyHistogram()
    h.add_binned(np.bincount(bin_index(values), weights, N_BINS).astype(np.int64), values, weights)
    want = LatencyHistogram()
    want.add_weighted(values, weights)
    assert h == want


ROWS = st.lists(st.lists(any_latency, max_size=12), min_size=1, max_size=5)


@given(rows=ROWS, qs=st.lists(st.floats(0.0, 100.0), min_size=1, max_size=4))
def test_row_percentiles_are_each_rows_histogram_percentiles(
    rows: list[list[float]], qs: list[float]
) -> None:
    """Many rows at once, each with its own exact extremes: the estimator of
    :meth:`LatencyHistogram.percentiles`, row by row (NaN for an empty row)."""
    hists = [hist(row) for row in rows]
    got = row_percentiles(
        np.stack([h.counts for h in hists]),
        np.array([h.min for h in hists]),
        np.array([h.max for h in hists]),
        qs,
    )
    for h, row in zip(hists, got, strict=True):
        np.testing.assert_array_equal(row, h.percentiles(qs))


@given(
    before=st.lists(in_range, max_size=12),
    rows=st.lists(st.lists(in_range, max_size=12), min_size=1, max_size=5),
)
def test_row_percentiles_with_bounds_stay_within_the_bound(
    before: list[float], rows: list[list[float]]
) -> None:
    """``extremes_exact=False`` (rows bounded by the extremes of everything so far, narrowed to
    their own extreme bins, as a difference of snapshots is): every percentile of a row within
    the histogram's error bound of the row's exact percentile."""
    qs = [0, 50, 95, 99, 100]
    everything = before + [v for row in rows for v in row]
    if not everything:
        return
    got = row_percentiles(
        np.stack([hist(row).counts for row in rows]),
        np.full(len(rows), min(everything)),
        np.full(len(rows), max(everything)),
        qs,
        extremes_exact=False,
    )
    for row, values in zip(got, rows, strict=True):
        if not values:
            assert np.isnan(row).all()
            continue
        errors = row / np.percentile(values, qs) - 1.0
        assert np.all(np.abs(errors) <= TOL), errors


def test_copy_is_independent() -> None:
    h = hist([0.1, 0.2])
    c = h.copy()
    c.add([5.0])
    assert h == hist([0.1, 0.2]) and c == hist([0.1, 0.2, 5.0])
