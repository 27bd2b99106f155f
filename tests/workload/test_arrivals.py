"""Arrival patterns: rates λ(t), their integrals and per-tick request counts.

The patterns are fargasim's own (DESIGN.md §3 ``workload:``; schema docstrings): ``constant``
(evenly spaced, ``rps``), ``poisson`` (rate ``rps``), ``piecewise`` (hold each point's rate),
``diurnal`` (``m(1 + a·cos(2π(t − peakAt)/P))``, ``a = (r − 1)/(r + 1)``, so the mean over a
period is ``meanRps`` and peak/trough is ``r``). ``expected()`` must be ``∫ λ`` exactly; it is
checked against ``scipy.integrate.quad`` of ``rate()`` and against hand integrals.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.integrate import quad

from fargasim.scenario.schema import (
    ConstantArrivals,
    DiurnalArrivals,
    PiecewiseArrivals,
    PoissonArrivals,
)
from fargasim.workload.arrivals import ArrivalPattern, Constant, Diurnal, Piecewise, build_pattern


def diurnal(
    mean: float = 300, ratio: float = 4, peak_at: float = 14 * 3600, **kw: float
) -> Diurnal:
    spec = DiurnalArrivals.model_validate(
        {"pattern": "diurnal", "meanRps": mean, "peakToTrough": ratio, "peakAt": peak_at, **kw}
    )
    return Diurnal(spec)


PATTERNS: dict[str, ArrivalPattern] = {
    "constant": Constant(12.5, poisson=False),
    "poisson": Constant(3.0, poisson=True),
    "piecewise": Piecewise([(0, 5.0), (100, 50.0), (250, 0.0), (400, 20.0)], poisson=True),
    "piecewise-late-start": Piecewise([(60, 8.0), (90, 2.0)], poisson=False),
    "diurnal": diurnal(),
    "diurnal-short-period": diurnal(mean=40, ratio=9, peak_at=100, period=600),
}


def _scalar_rate(pattern: ArrivalPattern):  # type: ignore[no-untyped-def]
    return lambda t: float(pattern.rate(np.array([t]))[0])


@pytest.mark.parametrize("name", list(PATTERNS))
def test_expected_is_the_integral_of_the_rate(name: str) -> None:
    """∫ λ over random intervals (some spanning rate breakpoints) equals quad(rate) to 1e-7."""
    pattern = PATTERNS[name]
    rng = np.random.default_rng(0)
    starts = np.concatenate(([0.0, 0.0, 95.0], rng.uniform(0, 2e5, 12)))
    lengths = np.concatenate(([1.0, 500.0, 10.0], rng.uniform(0.1, 5000, 12)))
    got = pattern.expected(starts, starts + lengths)
    rate = _scalar_rate(pattern)
    for t0, t1, value in zip(starts, starts + lengths, got, strict=True):
        points = [p for p in (60, 90, 100, 250, 400) if t0 < p < t1]
        want, _ = quad(rate, t0, t1, points=points or None, limit=500, epsabs=1e-9)
        assert value == pytest.approx(want, rel=1e-7, abs=1e-7)


@pytest.mark.parametrize("name", list(PATTERNS))
def test_expected_over_ticks_matches_a_fine_riemann_sum(name: str) -> None:
    """Second, independent check: midpoint Riemann sums with 1000 sub-steps per 1 s tick (error
    ≤ max|λ''|·dt²/24 per tick, far below the 1e-6 tolerance here)."""
    pattern = PATTERNS[name]
    edges = np.arange(0.0, 31.0)  # ticks [k, k+1)
    got = pattern.expected(edges[:-1], edges[1:])
    sub = (np.arange(1000) + 0.5) / 1000
    for k in range(30):
        mids = k + sub
        rates = pattern.rate(mids)
        assert got[k] == pytest.approx(float(rates.mean()), rel=1e-6, abs=1e-9)


def test_hand_integrals() -> None:
    """By hand: constant 12.5 rps over 8 s = 100; piecewise 5 rps for 100 s, 50 rps for 150 s,
    0 for 150 s, then 20 rps: ∫₀⁵⁰⁰ = 500 + 7500 + 0 + 2000 = 10 000; a pattern starting at 60 s
    has nothing before it."""
    assert PATTERNS["constant"].expected(np.array([2.0]), np.array([10.0]))[0] == 100.0
    assert PATTERNS["piecewise"].expected(np.array([0.0]), np.array([500.0]))[0] == 10_000.0
    late = PATTERNS["piecewise-late-start"]
    assert late.expected(np.array([0.0]), np.array([60.0]))[0] == 0.0
    assert late.expected(np.array([0.0]), np.array([100.0]))[0] == 30 * 8 + 10 * 2
    np.testing.assert_array_equal(
        late.rate(np.array([0.0, 59.9, 60.0, 89.9, 90.0, 1e6])), [0, 0, 8, 8, 2, 2]
    )


def test_piecewise_points_may_be_unsorted() -> None:
    a = Piecewise([(100, 1.0), (0, 3.0)], poisson=False)
    assert a.expected(np.array([0.0]), np.array([200.0]))[0] == 300 + 100


@pytest.mark.parametrize("shift", [0.0, 1234.5, 50_000.0])
@pytest.mark.parametrize(("mean", "ratio"), [(300.0, 4.0), (120.0, 1.0), (7.0, 25.0)])
def test_diurnal_mean_over_any_period_is_mean_rps(mean: float, ratio: float, shift: float) -> None:
    """Schema: "the mean over a period is meanRps" — for any window of one period."""
    d = diurnal(mean=mean, ratio=ratio)
    total = d.expected(np.array([shift]), np.array([shift + 86400.0]))[0]
    assert total / 86400.0 == pytest.approx(mean, rel=1e-12)


@pytest.mark.parametrize("ratio", [1.0, 2.0, 4.0, 10.0])
def test_diurnal_peak_to_trough(ratio: float) -> None:
    """Schema: "the peak is peakToTrough times the trough", the peak at peakAt and the trough
    half a period later; a grid search finds no higher or lower rate."""
    peak_at = 14 * 3600.0
    d = diurnal(mean=300, ratio=ratio, peak_at=peak_at)
    peak = float(d.rate(np.array([peak_at]))[0])
    trough = float(d.rate(np.array([peak_at - 43200.0]))[0])
    assert peak / trough == pytest.approx(ratio, rel=1e-12)
    grid = d.rate(np.linspace(0, 86400, 86401))
    assert grid.max() == pytest.approx(peak, rel=1e-12)
    assert grid.min() == pytest.approx(trough, rel=1e-9)
    # Hand values: peak = 2m·r/(r+1), trough = 2m/(r+1).
    assert peak == pytest.approx(2 * 300 * ratio / (ratio + 1))
    assert trough == pytest.approx(2 * 300 / (ratio + 1))


@pytest.mark.parametrize(
    ("rps", "dt", "horizon"),
    [(2.5, 1.0, 100.0), (7.0, 0.3, 60.0), (0.1, 1.0, 1000.0), (1000.0, 0.25, 5.0)],
)
def test_constant_arrivals_give_exactly_rps_times_t(rps: float, dt: float, horizon: float) -> None:
    """``constant``: requests evenly spaced, no request lost to rounding: the counts over the
    ticks of [0, T) sum to exactly rps·T (an integer here), and each tick gets ⌊rps·dt⌋ or
    ⌈rps·dt⌉."""
    pattern = Constant(rps, poisson=False)
    n = round(horizon / dt)
    edges = np.arange(n + 1) * dt
    counts = pattern.counts(edges[:-1], edges[1:], np.random.default_rng(0))
    assert counts.sum() == round(rps * horizon)
    assert set(counts.tolist()) <= {math.floor(rps * dt), math.ceil(rps * dt)}
    assert counts.dtype == np.int64


def test_constant_counts_split_into_windows_add_up() -> None:
    """Counts are asked window by window (DataPlane.advance_to); splitting changes nothing."""
    pattern = Constant(3.7, poisson=False)
    edges = np.arange(101.0)
    whole = pattern.counts(edges[:-1], edges[1:], np.random.default_rng(0))
    parts = np.concatenate(
        [
            pattern.counts(edges[a:b][:-1], edges[a:b][1:], np.random.default_rng(0))
            for a, b in [(0, 11), (10, 57), (56, 101)]
        ]
    )
    np.testing.assert_array_equal(whole, parts)
    assert whole.sum() == 370


def test_poisson_counts_mean_and_dispersion() -> None:
    """``poisson``: counts in 20 000 one-second ticks at 3 rps have mean 3 (SE √(3/N) ≈ 0.012;
    tolerance 5 SE) and variance/mean ≈ 1 (SE of the dispersion index ≈ √(2/N) ≈ 0.01;
    tolerance 5 SE)."""
    n = 20_000
    edges = np.arange(n + 1, dtype=np.float64)
    counts = PATTERNS["poisson"].counts(edges[:-1], edges[1:], np.random.default_rng(11))
    assert abs(counts.mean() - 3.0) < 5 * math.sqrt(3.0 / n)
    assert abs(counts.var(ddof=1) / counts.mean() - 1.0) < 5 * math.sqrt(2.0 / n)


def test_diurnal_poisson_counts_follow_the_curve() -> None:
    """Diurnal Poisson counts over a day in 60 s ticks: the total is within 5 SE of m·86400
    (Poisson: SE = √mean), and each hour's total is within 5 SE (√expected) of ∫ λ over the
    hour."""
    d = diurnal(mean=10, ratio=4)
    edges = np.arange(0, 86400 + 60, 60, dtype=np.float64)
    counts = d.counts(edges[:-1], edges[1:], np.random.default_rng(5))
    assert abs(counts.sum() - 864_000) < 5 * math.sqrt(864_000)
    hours = counts.reshape(24, 60).sum(axis=1)
    expected = d.expected(np.arange(24) * 3600.0, (np.arange(24) + 1) * 3600.0)
    z = (hours - expected) / np.sqrt(expected)
    assert np.abs(z).max() < 5


@settings(max_examples=100, deadline=None)
@given(
    rps=st.floats(min_value=0.0, max_value=500.0),
    a=st.floats(min_value=0.0, max_value=1e5),
    b=st.floats(min_value=0.0, max_value=1e5),
    c=st.floats(min_value=0.0, max_value=1e5),
)
def test_expected_is_additive_over_adjacent_intervals(
    rps: float, a: float, b: float, c: float
) -> None:
    """∫ over [t0, t2) = ∫ over [t0, t1) + ∫ over [t1, t2), for every pattern."""
    t0, t1, t2 = sorted((a, b, c))
    for pattern in (Constant(rps, False), diurnal(mean=rps + 1), PATTERNS["piecewise"]):
        whole = pattern.expected(np.array([t0]), np.array([t2]))[0]
        parts = pattern.expected(np.array([t0, t1]), np.array([t1, t2])).sum()
        assert whole == pytest.approx(parts, rel=1e-9, abs=1e-6)


def test_build_pattern_from_specs() -> None:
    """``constant`` is deterministic, ``poisson`` random, piecewise/diurnal follow ``poisson``."""
    c = build_pattern(ConstantArrivals(pattern="constant", rps=4))
    p = build_pattern(PoissonArrivals(pattern="poisson", rps=4))
    w = build_pattern(
        PiecewiseArrivals.model_validate(
            {"pattern": "piecewise", "points": [{"at": 0, "rps": 1}], "poisson": False}
        )
    )
    assert (c.poisson, p.poisson, w.poisson) == (False, True, False)  # type: ignore[attr-defined]
    assert isinstance(build_pattern(DiurnalArrivals(pattern="diurnal", mean_rps=3)), Diurnal)
    edges = np.arange(11.0)
    assert c.counts(edges[:-1], edges[1:], np.random.default_rng(0)).tolist() == [4] * 10
