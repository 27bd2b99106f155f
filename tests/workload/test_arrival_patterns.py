"""The ``ramp``, ``spike`` and ``trace`` arrival patterns: rates λ(t), their closed-form
integrals Λ and per-tick counts (schema docstrings of RampArrivals, SpikeArrivals,
TraceArrivals; :mod:`fargasim.workload.arrivals`).

``expected()`` must be ``∫ λ`` exactly: it is checked against ``scipy.integrate.quad`` of
``rate()`` over random intervals (Hypothesis) and against hand integrals; a trace must put exactly
``scale × value`` requests in each of its periods.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from scipy.integrate import quad

from fargasim.scenario.schema import RampArrivals, SpikeArrivals, TraceArrivals
from fargasim.workload.arrivals import (
    ArrivalPattern,
    Polyline,
    Ramp,
    Spike,
    build_pattern,
    trace_intervals,
    trace_pattern,
)


def ramp(**fields: Any) -> Ramp:
    spec = {"pattern": "ramp", "fromRps": 10, "toRps": 50, "start": 100, "end": 500, **fields}
    return Ramp(RampArrivals.model_validate(spec))


def spike(**fields: Any) -> Spike:
    spec = {
        "pattern": "spike",
        "baseRps": 20,
        "peakRps": 200,
        "at": 300,
        "riseSeconds": 60,
        "decaySeconds": 120,
        **fields,
    }
    return Spike(SpikeArrivals.model_validate(spec))


def trace_spec(values: list[float], **fields: Any) -> TraceArrivals:
    """A trace of consecutive periods (each ``valuesPer``, default a minute) from t = 0."""
    period = 1.0 if fields.get("valuesPer") == "second" else 60.0
    points = [{"at": k * period, "value": v} for k, v in enumerate(values)]
    return TraceArrivals.model_validate({"pattern": "trace", "points": points, **fields})


def trace(values: list[float], **fields: Any) -> Polyline:
    return trace_pattern(trace_spec(values, **fields))


#: A trace with a gap: minutes 0-2, nothing in minute 3 (no CloudWatch datapoint), minute 4.
GAPPED = TraceArrivals.model_validate(
    {
        "pattern": "trace",
        "scale": 2.5,
        "points": [
            {"at": 0, "value": 600},
            {"at": 60, "value": 1200},
            {"at": 120, "value": 0},
            {"at": 240, "value": 300},
        ],
    }
)

PATTERNS: dict[str, tuple[ArrivalPattern, list[float]]] = {
    # name: (pattern, its breakpoints, where λ has a kink or a jump)
    "ramp-up": (ramp(), [100, 500]),
    "ramp-down": (ramp(fromRps=80, toRps=0, start=0, end=1000), [0, 1000]),
    "ramp-jump": (ramp(start=200, end=200), [200]),
    "spike": (spike(), [300, 360]),
    "spike-no-rise": (spike(riseSeconds=0), [300]),
    "spike-dip": (spike(baseRps=50, peakRps=5, decaySeconds=30), [300, 360]),
    "trace-linear": (
        trace([600, 1200, 900, 60, 0, 3000, 2400]),
        [30.0 * k for k in range(15)],
    ),
    "trace-step": (
        trace([600, 1200, 900, 60, 0, 3000, 2400], interpolation="step", scale=0.5),
        [60.0 * k for k in range(8)],
    ),
    "trace-gap": (trace_pattern(GAPPED), [30.0 * k for k in range(11)]),
    "trace-seconds": (
        trace([5, 0, 12, 7, 7, 30], valuesPer="second", poisson=False),
        [0.5 * k for k in range(13)],
    ),
}


def rate_at(pattern: ArrivalPattern, t: float) -> float:
    return float(pattern.rate(np.array([t]))[0])


def integral(pattern: ArrivalPattern, t0: float, t1: float) -> float:
    return float(pattern.expected(np.array([t0]), np.array([t1]))[0])


def quad_integral(pattern: ArrivalPattern, t0: float, t1: float, breaks: list[float]) -> float:
    inside = [b for b in breaks if t0 < b < t1]
    value, _ = quad(
        lambda t: rate_at(pattern, t), t0, t1, points=inside or None, limit=500, epsabs=1e-10
    )
    return float(value)


# ---------------------------------------------------------------------------------- Λ = ∫ λ


@settings(max_examples=60, deadline=None)
@given(
    name=st.sampled_from(sorted(PATTERNS)),
    a=st.floats(min_value=0.0, max_value=3000.0),
    b=st.floats(min_value=0.0, max_value=3000.0),
)
def test_expected_is_the_integral_of_the_rate(name: str, a: float, b: float) -> None:
    """Λ(t1) − Λ(t0) equals quad(λ) over [t0, t1] (breakpoints passed to quad) to 1e-7."""
    pattern, breaks = PATTERNS[name]
    t0, t1 = min(a, b), max(a, b)
    want = quad_integral(pattern, t0, t1, breaks)
    assert integral(pattern, t0, t1) == pytest.approx(want, rel=1e-7, abs=1e-7)


@pytest.mark.parametrize("name", sorted(PATTERNS))
def test_expected_over_ticks_matches_a_fine_riemann_sum(name: str) -> None:
    """Independently: midpoint Riemann sums of λ with 1000 sub-steps per 1 s tick over the
    first 600 s (λ is linear or smooth within each sub-step, except at breakpoints, which fall
    on sub-step edges here)."""
    pattern, _ = PATTERNS[name]
    edges = np.arange(0.0, 601.0)
    got = pattern.expected(edges[:-1], edges[1:])
    sub = (np.arange(1000) + 0.5) / 1000
    means = np.array([pattern.rate(k + sub).mean() for k in range(600)])
    np.testing.assert_allclose(got, means, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("name", sorted(PATTERNS))
def test_cumulative_starts_at_zero_and_never_decreases(name: str) -> None:
    pattern, _ = PATTERNS[name]
    grid = np.linspace(0.0, 5000.0, 20001)
    cum = pattern.cumulative(grid)  # type: ignore[attr-defined]
    assert cum[0] == 0.0
    assert np.all(np.diff(cum) >= -1e-9)
    assert np.all(pattern.rate(grid) >= 0.0)


@settings(max_examples=60, deadline=None)
@given(
    name=st.sampled_from(sorted(PATTERNS)),
    cuts=st.lists(st.floats(min_value=0.0, max_value=2000.0), min_size=2, max_size=6),
    tick=st.sampled_from([0.25, 1.0, 7.0]),
)
def test_deterministic_counts_add_up_to_the_integral(
    name: str, cuts: list[float], tick: float
) -> None:
    """``poisson: false``: per-tick counts over [0, T) sum to ⌊Λ(T)⌋ (no request lost to
    rounding), asked window by window as the data plane does."""
    pattern, _ = PATTERNS[name]
    pattern.poisson = False  # type: ignore[attr-defined]
    try:
        horizon = 2000.0
        edges = np.arange(0.0, horizon + tick / 2, tick)
        windows = sorted({0, len(edges) - 1, *(int(c / tick) for c in cuts)})
        rng = np.random.default_rng(0)
        counts = np.concatenate(
            [
                pattern.counts(edges[a:b], edges[a + 1 : b + 1], rng)
                for a, b in itertools.pairwise(windows)
            ]
        )
        assert counts.min() >= 0
        assert counts.sum() == math.floor(integral(pattern, 0.0, edges[-1]) + 1e-9)
    finally:
        pattern.poisson = True  # type: ignore[attr-defined]


# --------------------------------------------------------------------------------------- ramp


def test_ramp_shape_and_hand_integral() -> None:
    """fromRps 10 until 100 s, linear to toRps 50 at 500 s, 50 after: λ(300) = 30. Λ(600) =
    10·100 + (10 + 50)/2·400 + 50·100 = 1000 + 12 000 + 5000 = 18 000."""
    r = ramp()
    times = [0, 99.9, 100, 200, 300, 500, 501, 1e6]
    np.testing.assert_allclose(r.rate(np.array(times)), [10, 10, 10, 20, 30, 50, 50, 50])
    assert integral(r, 0, 600) == pytest.approx(18_000, rel=1e-12)
    assert integral(r, 0, 100) == pytest.approx(1_000, rel=1e-12)


def test_a_ramp_with_end_at_start_is_a_step() -> None:
    r = ramp(start=200, end=200)
    np.testing.assert_array_equal(r.rate(np.array([199.0, 200.0, 201.0])), [10, 50, 50])
    assert integral(r, 0, 300) == pytest.approx(10 * 200 + 50 * 100)


# -------------------------------------------------------------------------------------- spike


def test_spike_shape() -> None:
    """base 20 until 300 s; linear to the peak 200 at 360 s (110 halfway); then the excess of
    180 decays with time constant 120 s: 20 + 180/e ≈ 86.2 at 480 s, back within 1 % of the
    excess (21.8) ln(100)·120 ≈ 553 s after the peak."""
    s = spike()
    assert rate_at(s, 0) == 20
    assert rate_at(s, 299.999) == 20
    assert rate_at(s, 300) == 20
    assert rate_at(s, 330) == pytest.approx(110)
    assert rate_at(s, 360) == pytest.approx(200)
    assert rate_at(s, 480) == pytest.approx(20 + 180 / math.e)
    assert rate_at(s, 360 + math.log(100) * 120) == pytest.approx(20 + 1.8)
    grid = np.linspace(0, 5000, 50001)
    assert s.rate(grid).max() == pytest.approx(200)
    assert s.rate(grid).argmax() == 3600  # t = 360 s


def test_spike_extra_requests() -> None:
    """Schema: the spike brings (p − b)·(r/2 + d) requests above the base: 180·(30 + 120)
    = 27 000; by the peak 180·30 = 5400 of them."""
    s = spike()
    far = 360 + 60 * 120.0  # e^-60: the decay is over
    assert integral(s, 0, far) - 20 * far == pytest.approx(27_000, rel=1e-12)
    assert integral(s, 0, 360) - 20 * 360 == pytest.approx(5_400, rel=1e-12)


def test_a_spike_without_rise_jumps_to_the_peak() -> None:
    s = spike(riseSeconds=0)
    assert rate_at(s, 299.999) == 20
    assert rate_at(s, 300) == 200
    assert rate_at(s, 420) == pytest.approx(20 + 180 / math.e)


# -------------------------------------------------------------------------------------- trace


@example(  # a denormal scale once made λ a hair below zero by rounding
    values=[0.0, 2250.0, 0.0],
    gaps=[0] * 12,
    scale=5e-324,
    interpolation="linear",
    values_per="minute",
)
@settings(max_examples=80, deadline=None)
@given(
    values=st.lists(
        st.one_of(st.just(0.0), st.floats(min_value=0.0, max_value=1e5)), min_size=1, max_size=12
    ),
    gaps=st.lists(st.integers(min_value=0, max_value=3), min_size=12, max_size=12),
    scale=st.floats(min_value=0.0, max_value=10.0),
    interpolation=st.sampled_from(["linear", "step"]),
    values_per=st.sampled_from(["minute", "second"]),
)
def test_each_period_holds_exactly_scale_times_value(
    values: list[float], gaps: list[int], scale: float, interpolation: str, values_per: str
) -> None:
    """Λ over each whole period equals scale × value; gaps (whole missing periods) and the time
    after the last period hold nothing; λ ≥ 0 everywhere."""
    period = 60.0 if values_per == "minute" else 1.0
    at, points = 0.0, []
    for value, gap in zip(values, gaps[: len(values)], strict=True):
        points.append({"at": at, "value": value})
        at += (1 + gap) * period
    spec = TraceArrivals.model_validate(
        {
            "pattern": "trace",
            "points": points,
            "scale": scale,
            "interpolation": interpolation,
            "valuesPer": values_per,
        }
    )
    pattern = trace_pattern(spec)
    starts = np.array([p["at"] for p in points])
    got = pattern.expected(starts, starts + period)
    want = scale * np.array(values)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-9 * max(1.0, want.max()))
    end = starts[-1] + period
    assert integral(pattern, 0.0, end + 1e6) == pytest.approx(want.sum(), rel=1e-12, abs=1e-9)
    assert integral(pattern, end, end + 1e6) == 0.0
    grid = np.linspace(0.0, end + 2 * period, 4001)
    assert np.all(pattern.rate(grid) >= 0.0)


def test_trace_step_holds_each_periods_rate() -> None:
    """CloudWatch RequestCount Sums per minute 600, 1200, 900 at scale 2: 20, 40, 30 rps, each
    over its minute; 0 from 180 s (the last period's end)."""
    t = trace([600, 1200, 900], interpolation="step", scale=2)
    times = [0, 59.9, 60, 119.9, 120, 179.9, 180, 1e4]
    np.testing.assert_allclose(t.rate(np.array(times)), [20, 20, 40, 40, 30, 30, 0, 0])


def test_trace_linear_is_the_line_through_the_period_midpoints() -> None:
    """A steadily rising trace (60, 120, 180, 240 per minute: 1, 2, 3, 4 rps) is the straight
    line through (30 s, 1), (90 s, 2), (150 s, 3), (210 s, 4): λ(t) = 0.5 + t/60 over [0, 240),
    the first and last periods included; 0 from 240 s."""
    t = trace([60, 120, 180, 240])
    grid = np.linspace(0, 239.99, 1000)
    np.testing.assert_allclose(t.rate(grid), 0.5 + grid / 60, rtol=1e-12)
    np.testing.assert_allclose(t.rate(np.array([30.0, 90.0, 150.0, 210.0])), [1, 2, 3, 4])
    assert rate_at(t, 240) == 0.0


def test_trace_linear_boundaries_and_midpoints_by_hand() -> None:
    """Rates 10, 20, 0 rps (per-minute 600, 1200, 0): boundary 0|1 = mean 15; boundary 1|2 =
    min(10, 2·0) = 0 (a period with no requests is 0 throughout); the first period is a line
    through (30 s, 10): 5 at 0; the middle one peaks at 2·20 − (15 + 0)/2 = 32.5 at 90 s."""
    t = trace([600, 1200, 0])
    times = [0, 30, 60, 90, 120, 150, 180]
    np.testing.assert_allclose(t.rate(np.array(times)), [5, 10, 15, 32.5, 0, 0, 0])
    # Continuous inside the trace: no jump at the period boundaries.
    for edge in (60.0, 120.0):
        assert rate_at(t, edge - 1e-9) == pytest.approx(rate_at(t, edge), abs=1e-6)


def test_a_single_point_trace_is_flat_over_its_period() -> None:
    t = trace([1200], scale=0.5)
    np.testing.assert_allclose(t.rate(np.array([0.0, 30.0, 59.9, 60.0])), [10, 10, 10, 0])


def test_trace_points_may_be_unsorted_and_start_late() -> None:
    """Points are sorted; before the first there is nothing."""
    spec = TraceArrivals.model_validate(
        {
            "pattern": "trace",
            "interpolation": "step",
            "points": [{"at": "3m", "value": 120}, {"at": "2m", "value": 60}],
        }
    )
    assert trace_intervals(spec) == [(120.0, 180.0, 1.0), (180.0, 240.0, 2.0)]
    t = trace_pattern(spec)
    assert integral(t, 0, 120) == 0.0
    assert integral(t, 0, 1000) == pytest.approx(180)


def test_trace_gap_is_a_period_without_requests() -> None:
    """GAPPED: minute 3 has no point (CloudWatch reports no RequestCount without requests), so
    it holds no request; minute 4 holds 2.5 × 300 = 750."""
    t = trace_pattern(GAPPED)
    assert trace_intervals(GAPPED)[-2:] == [(180.0, 240.0, 0.0), (240.0, 300.0, 12.5)]
    assert integral(t, 180, 240) == 0.0
    assert integral(t, 240, 300) == pytest.approx(750)


# ------------------------------------------------------------------------------- build_pattern


def test_build_pattern_from_the_new_specs() -> None:
    r = build_pattern(
        RampArrivals.model_validate(
            {"pattern": "ramp", "fromRps": 1, "toRps": 2, "start": 0, "end": "1m", "poisson": False}
        )
    )
    s = build_pattern(
        SpikeArrivals.model_validate(
            {"pattern": "spike", "baseRps": 1, "peakRps": 9, "at": "1m", "decaySeconds": "30s"}
        )
    )
    t = build_pattern(trace_spec([60.0]))
    assert isinstance(r, Ramp) and isinstance(s, Spike) and isinstance(t, Polyline)
    assert (r.poisson, s.poisson, t.poisson) == (False, True, True)  # type: ignore[attr-defined]


def test_poisson_trace_counts_follow_the_trace() -> None:
    """Poisson counts in 1 s ticks over a 30-minute trace: each minute's total within 5 SE
    (√expected) of scale × value."""
    values = [float(v) for v in np.random.default_rng(3).integers(100, 5000, 30)]
    t = trace(values, scale=1.5)
    edges = np.arange(0.0, 1801.0)
    counts = t.counts(edges[:-1], edges[1:], np.random.default_rng(8))
    minutes = counts.reshape(30, 60).sum(axis=1)
    expected = 1.5 * np.array(values)
    assert np.abs((minutes - expected) / np.sqrt(expected)).max() < 5
