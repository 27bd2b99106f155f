"""Arrival patterns: the request rate ``λ(t)`` of each workload and its integral over ticks.

``Λ(t0, t1) = ∫ λ`` is computed in closed form for every pattern, so tick length never biases the
expected number of requests. Counts per tick are then deterministic (``constant``, and any
pattern with ``poisson: false``: the whole part of the cumulative expectation, so no request is
lost to rounding) or Poisson (the others).

Patterns: ``constant``/``poisson`` (flat), ``piecewise`` (held rates), ``diurnal`` (a cosine
day), ``ramp`` (linear between two rates), ``spike`` (a flash crowd: linear rise, exponential
decay) and ``trace`` (a recorded per-minute or per-second request count, piecewise linear or
held); their shapes are given by the schema classes in :mod:`fargasim.scenario.schema`.
"""

from __future__ import annotations

import itertools
import math
from typing import Protocol

import numpy as np
import numpy.typing as npt

from fargasim.scenario.schema import (
    AnyArrivals,
    ConstantArrivals,
    DiurnalArrivals,
    PiecewiseArrivals,
    PoissonArrivals,
    RampArrivals,
    SpikeArrivals,
    TraceArrivals,
)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


class ArrivalPattern(Protocol):
    """One decision: how many requests arrive in each tick."""

    def expected(self, t0: FloatArray, t1: FloatArray) -> FloatArray:
        """``∫ λ`` over each interval ``[t0, t1)``."""

    def counts(self, t0: FloatArray, t1: FloatArray, rng: np.random.Generator) -> IntArray:
        """Request counts in consecutive intervals (called in time order, never overlapping)."""

    def rate(self, t: FloatArray) -> FloatArray:
        """``λ(t)`` in requests per second."""


class _Base:
    poisson = True

    def expected(self, t0: FloatArray, t1: FloatArray) -> FloatArray:
        return self.cumulative(t1) - self.cumulative(t0)

    def cumulative(self, t: FloatArray) -> FloatArray:
        raise NotImplementedError

    def counts(self, t0: FloatArray, t1: FloatArray, rng: np.random.Generator) -> IntArray:
        if self.poisson:
            return rng.poisson(np.maximum(self.expected(t0, t1), 0.0)).astype(np.int64)
        # Deterministic: whole requests arrived by t1 minus those by t0 (no drift from rounding).
        eps = 1e-9
        return (np.floor(self.cumulative(t1) + eps) - np.floor(self.cumulative(t0) + eps)).astype(
            np.int64
        )


class Constant(_Base):
    def __init__(self, rps: float, poisson: bool) -> None:
        self.rps = rps
        self.poisson = poisson

    def cumulative(self, t: FloatArray) -> FloatArray:
        return self.rps * np.asarray(t, dtype=np.float64)

    def rate(self, t: FloatArray) -> FloatArray:
        return np.full(np.shape(t), self.rps)


class Piecewise(_Base):
    """The rate of the last point at or before ``t`` (0 before the first point)."""

    def __init__(self, points: list[tuple[float, float]], poisson: bool) -> None:
        points = sorted(points)
        self.at = np.array([p[0] for p in points])
        self.rps = np.array([p[1] for p in points])
        durations = np.diff(self.at)
        self.cum_at = np.concatenate(([0.0], np.cumsum(durations * self.rps[:-1])))
        self.poisson = poisson

    def cumulative(self, t: FloatArray) -> FloatArray:
        t = np.asarray(t, dtype=np.float64)
        i = np.searchsorted(self.at, t, side="right") - 1
        before = i < 0
        i = np.clip(i, 0, None)
        value = self.cum_at[i] + self.rps[i] * (t - self.at[i])
        return np.where(before, 0.0, value)

    def rate(self, t: FloatArray) -> FloatArray:
        i = np.searchsorted(self.at, np.asarray(t, dtype=np.float64), side="right") - 1
        return np.where(i < 0, 0.0, self.rps[np.clip(i, 0, None)])


class Diurnal(_Base):
    """``λ(t) = m(1 + a·cos(2π(t − peakAt)/P))``, ``a = (r − 1)/(r + 1)`` for peak/trough ``r``."""

    def __init__(self, spec: DiurnalArrivals) -> None:
        self.mean = spec.mean_rps
        self.amplitude = (spec.peak_to_trough - 1.0) / (spec.peak_to_trough + 1.0)
        self.peak_at = spec.peak_at
        self.period = spec.period
        self.poisson = spec.poisson

    def cumulative(self, t: FloatArray) -> FloatArray:
        t = np.asarray(t, dtype=np.float64)
        omega = 2.0 * math.pi / self.period
        return self.mean * (
            t
            + self.amplitude
            / omega
            * (np.sin(omega * (t - self.peak_at)) + math.sin(omega * self.peak_at))
        )

    def rate(self, t: FloatArray) -> FloatArray:
        omega = 2.0 * math.pi / self.period
        return self.mean * (1.0 + self.amplitude * np.cos(omega * (np.asarray(t) - self.peak_at)))


class Ramp(_Base):
    """``fromRps`` until ``start``, linear to ``toRps`` at ``end``, ``toRps`` after (a jump when
    ``end == start``)."""

    def __init__(self, spec: RampArrivals) -> None:
        self.from_rps = spec.from_rps
        self.to_rps = spec.to_rps
        self.start = spec.start
        self.end = max(spec.end, spec.start)
        self.poisson = spec.poisson

    def cumulative(self, t: FloatArray) -> FloatArray:
        t = np.asarray(t, dtype=np.float64)
        width = self.end - self.start
        before = self.from_rps * np.minimum(t, self.start)
        after = self.to_rps * np.maximum(t - self.end, 0.0)
        if width <= 0:
            return before + after
        u = np.clip(t, self.start, self.end) - self.start
        slope = (self.to_rps - self.from_rps) / width
        return before + self.from_rps * u + 0.5 * slope * u * u + after

    def rate(self, t: FloatArray) -> FloatArray:
        t = np.asarray(t, dtype=np.float64)
        width = self.end - self.start
        if width <= 0:
            return np.where(t < self.start, self.from_rps, self.to_rps)
        u = np.clip(t, self.start, self.end) - self.start
        return self.from_rps + (self.to_rps - self.from_rps) * u / width


class Spike(_Base):
    """``baseRps``, a linear rise to ``peakRps`` over ``riseSeconds`` from ``at``, then an
    exponential decay back towards ``baseRps`` with time constant ``decaySeconds``::

        Λ(t) = b·t + (p − b)·(min(x, r)²/(2r) + d·(1 − exp(−max(x − r, 0)/d))),  x = max(t − a, 0)
    """

    def __init__(self, spec: SpikeArrivals) -> None:
        self.base = spec.base_rps
        self.peak = spec.peak_rps
        self.at = spec.at
        self.rise = spec.rise_seconds
        self.decay = spec.decay_seconds
        self.poisson = spec.poisson

    def cumulative(self, t: FloatArray) -> FloatArray:
        t = np.asarray(t, dtype=np.float64)
        x = np.maximum(t - self.at, 0.0)
        rising = np.minimum(x, self.rise)
        rise = rising * rising / (2.0 * self.rise) if self.rise > 0 else np.zeros_like(x)
        decay = -self.decay * np.expm1(-np.maximum(x - self.rise, 0.0) / self.decay)
        return self.base * t + (self.peak - self.base) * (rise + decay)

    def rate(self, t: FloatArray) -> FloatArray:
        t = np.asarray(t, dtype=np.float64)
        x = t - self.at
        shape = np.where(
            x < 0,
            0.0,
            np.where(
                x < self.rise,
                x / (self.rise or 1.0),
                np.exp(-np.maximum(x - self.rise, 0.0) / self.decay),
            ),
        )
        return self.base + (self.peak - self.base) * shape


#: Seconds each trace value counts requests over, by ``valuesPer``.
TRACE_PERIOD = {"minute": 60.0, "second": 1.0}


class Polyline(_Base):
    """A piecewise-linear rate: segment ``k`` runs from ``(start[k], first[k])`` to
    ``(start[k+1], last[k])``; 0 before the first start and from the end (``start[-1]``, which
    holds no segment) on. Segments are contiguous; a jump is two values at one knot."""

    def __init__(
        self, start: list[float], first: list[float], last: list[float], poisson: bool
    ) -> None:
        assert len(start) == len(first) + 1 == len(last) + 1
        self.start = np.array(start[:-1], dtype=np.float64)
        self.width = np.diff(np.array(start, dtype=np.float64))
        self.first = np.array(first, dtype=np.float64)
        self.slope = np.divide(
            np.array(last, dtype=np.float64) - self.first,
            self.width,
            out=np.zeros_like(self.first),
            where=self.width > 0,
        )
        area = self.width * (self.first + np.array(last, dtype=np.float64)) / 2.0
        self.cum = np.concatenate(([0.0], np.cumsum(area)))
        self.poisson = poisson

    def _segment(self, t: FloatArray) -> tuple[IntArray, FloatArray]:
        """Each time's segment (clipped to the first and last) and offset within it (clipped
        to the segment)."""
        i = np.clip(np.searchsorted(self.start, t, side="right") - 1, 0, len(self.start) - 1)
        return i, np.clip(t - self.start[i], 0.0, self.width[i])

    def cumulative(self, t: FloatArray) -> FloatArray:
        t = np.asarray(t, dtype=np.float64)
        i, u = self._segment(t)
        return self.cum[i] + self.first[i] * u + 0.5 * self.slope[i] * u * u

    def rate(self, t: FloatArray) -> FloatArray:
        t = np.asarray(t, dtype=np.float64)
        i, u = self._segment(t)
        inside = (t >= self.start[0]) & (t < self.start[-1] + self.width[-1])
        # A segment between two non-negative values is non-negative; the floor only stops
        # rounding (a denormal scale, say) from making first + slope·u a hair below zero.
        return np.where(inside, np.maximum(self.first[i] + self.slope[i] * u, 0.0), 0.0)


def trace_intervals(spec: TraceArrivals) -> list[tuple[float, float, float]]:
    """``(start, end, rate)`` of each period of a trace in time order, with the gaps between
    periods as intervals of rate 0 (periods that overlap are cut at the next point's time)."""
    period = TRACE_PERIOD[spec.values_per]
    points = sorted((p.at, p.value) for p in spec.points or [])
    intervals: list[tuple[float, float, float]] = []
    for k, (at, value) in enumerate(points):
        end = at + period if k + 1 == len(points) else min(at + period, points[k + 1][0])
        if intervals and intervals[-1][1] < at:
            intervals.append((intervals[-1][1], at, 0.0))
        if end > at:
            intervals.append((at, end, spec.scale * value / period))
    return intervals


def trace_pattern(spec: TraceArrivals) -> Polyline:
    """The rate of a ``trace`` (see :class:`~fargasim.scenario.schema.TraceArrivals`).

    The trace is cut into intervals: its periods, and the gaps between them at rate 0.
    ``step``: each period's rate ``r = scale·value/period`` held over it. ``linear``: knots at
    each interval's ends and midpoint; between two intervals the boundary value
    ``e = min((r₁ + r₂)/2, 2·min(r₁, r₂))``; at the trace's first start ``2r − e`` of the first
    interval's end (and at its last end the same of the last interval's start), so the outer
    intervals are straight lines; at each midpoint ``m = 2r − (e_start + e_end)/2``. An interval
    then integrates to ``w/4·(e_start + 2m + e_end) = r·w`` exactly, and ``m ≥ 0`` as every
    ``e ≤ 2r`` of both its intervals."""
    intervals = trace_intervals(spec)
    if not intervals:
        raise ValueError("a trace needs at least one point (the loader reads 'file' into them)")
    knots = [intervals[0][0]]
    first: list[float] = []
    last: list[float] = []
    if spec.interpolation == "step":
        for _, end, rate in intervals:
            knots.append(end)
            first.append(rate)
            last.append(rate)
        return Polyline(knots, first, last, spec.poisson)
    rates = [r for _, _, r in intervals]
    inner = [min((a + b) / 2.0, 2.0 * min(a, b)) for a, b in itertools.pairwise(rates)]
    if inner:
        edges = [2.0 * rates[0] - inner[0], *inner, 2.0 * rates[-1] - inner[-1]]
    else:
        edges = [rates[0], rates[0]]
    for k, (start, end, rate) in enumerate(intervals):
        middle = max(0.0, 2.0 * rate - (edges[k] + edges[k + 1]) / 2.0)
        knots += [(start + end) / 2.0, end]
        first += [edges[k], middle]
        last += [middle, edges[k + 1]]
    return Polyline(knots, first, last, spec.poisson)


def build_pattern(spec: AnyArrivals) -> ArrivalPattern:
    """The arrival pattern a workload's ``arrivals:`` entry describes."""
    if isinstance(spec, ConstantArrivals):
        return Constant(spec.rps, poisson=False)
    if isinstance(spec, PoissonArrivals):
        return Constant(spec.rps, poisson=True)
    if isinstance(spec, PiecewiseArrivals):
        return Piecewise([(p.at, p.rps) for p in spec.points], poisson=spec.poisson)
    if isinstance(spec, RampArrivals):
        return Ramp(spec)
    if isinstance(spec, SpikeArrivals):
        return Spike(spec)
    if isinstance(spec, TraceArrivals):
        return trace_pattern(spec)
    return Diurnal(spec)
