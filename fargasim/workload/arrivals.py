"""Arrival patterns: the request rate ``λ(t)`` of each workload and its integral over ticks.

``Λ(t0, t1) = ∫ λ`` is computed in closed form for every pattern, so tick length never biases the
expected number of requests. Counts per tick are then deterministic (``constant``: the whole part
of the cumulative expectation, so no request is lost to rounding) or Poisson (the others).
"""

from __future__ import annotations

import math
from typing import Protocol

import numpy as np
import numpy.typing as npt

from fargasim.scenario.schema import (
    ConstantArrivals,
    DiurnalArrivals,
    PiecewiseArrivals,
    PoissonArrivals,
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


def build_pattern(
    spec: ConstantArrivals | PoissonArrivals | PiecewiseArrivals | DiurnalArrivals,
) -> ArrivalPattern:
    """The arrival pattern a workload's ``arrivals:`` entry describes."""
    if isinstance(spec, ConstantArrivals):
        return Constant(spec.rps, poisson=False)
    if isinstance(spec, PoissonArrivals):
        return Constant(spec.rps, poisson=True)
    if isinstance(spec, PiecewiseArrivals):
        return Piecewise([(p.at, p.rps) for p in spec.points], poisson=spec.poisson)
    return Diurnal(spec)
