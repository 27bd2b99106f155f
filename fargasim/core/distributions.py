"""Sampling the scenario's positive distributions (``constant``, ``exponential``, ``lognormal``).

A lognormal with mean ``m`` and coefficient of variation ``c`` has ``σ² = ln(1 + c²)`` and
``μ = ln m − σ²/2``. A lognormal with ``cv: 0`` is the constant ``mean``.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
from scipy import special

from fargasim.scenario.schema import Distribution

FloatArray = npt.NDArray[np.float64]


def lognormal_params(mean: float, cv: float) -> tuple[float, float]:
    """``(μ, σ)`` of the underlying normal for a lognormal of this mean and cv."""
    sigma2 = math.log1p(cv * cv)
    return math.log(mean) - sigma2 / 2.0, math.sqrt(sigma2)


def sample(dist: Distribution, rng: np.random.Generator, size: int) -> FloatArray:
    """``size`` independent draws."""
    if (
        dist.mean == 0
        or dist.distribution == "constant"
        or (dist.distribution == "lognormal" and dist.cv == 0)
    ):
        return np.full(size, float(dist.mean))
    if dist.distribution == "exponential":
        return np.asarray(rng.exponential(dist.mean, size), dtype=np.float64)
    mu, sigma = lognormal_params(dist.mean, dist.cv)
    return np.asarray(rng.lognormal(mu, sigma, size), dtype=np.float64)


def quantile(dist: Distribution, u: npt.ArrayLike) -> FloatArray:
    """The inverse CDF at ``u`` in ``[0, 1)``: one uniform per draw, so that draws keyed by item
    (:mod:`fargasim.core.keyed`) are the same one at a time or in blocks."""
    u = np.asarray(u, dtype=np.float64)
    if (
        dist.mean == 0
        or dist.distribution == "constant"
        or (dist.distribution == "lognormal" and dist.cv == 0)
    ):
        return np.full(u.shape, float(dist.mean))
    if dist.distribution == "exponential":
        return np.asarray(-float(dist.mean) * np.log1p(-u), dtype=np.float64)
    mu, sigma = lognormal_params(dist.mean, dist.cv)
    return np.asarray(np.exp(mu + sigma * special.ndtri(u)), dtype=np.float64)


def sample_one(dist: Distribution, rng: np.random.Generator) -> float:
    return float(sample(dist, rng, 1)[0])


def variance(dist: Distribution) -> float:
    """Variance of one draw."""
    if dist.distribution == "constant":
        return 0.0
    if dist.distribution == "exponential":
        return float(dist.mean) ** 2
    return float(dist.mean * dist.cv) ** 2


def sample_sums(
    dist: Distribution, counts: npt.NDArray[np.int64], rng: np.random.Generator
) -> FloatArray:
    """For each ``n`` in ``counts``, the sum of ``n`` independent draws.

    Exact for ``constant`` (n·mean) and ``exponential`` (a Gamma(n, mean) draw). For ``lognormal``
    sums of fewer than 32 draws are drawn exactly; larger sums use the normal approximation
    (central limit theorem) with the exact mean and variance, floored at 0.
    """
    counts = np.asarray(counts, dtype=np.int64)
    out = np.zeros(counts.shape, dtype=np.float64)
    positive = counts > 0
    if not positive.any():
        return out
    if (
        dist.distribution == "constant"
        or dist.mean == 0
        or (dist.distribution == "lognormal" and dist.cv == 0)
    ):
        return np.asarray(counts * float(dist.mean), dtype=np.float64)
    if dist.distribution == "exponential":
        out[positive] = rng.gamma(counts[positive].astype(np.float64), dist.mean)
        return out
    small = positive & (counts < 32)
    large = counts >= 32
    if small.any():
        n_small = counts[small]
        draws = sample(dist, rng, int(n_small.sum()))
        edges = np.concatenate(([0], np.cumsum(n_small)))
        sums = np.add.reduceat(draws, edges[:-1])
        out[small] = sums
    if large.any():
        n = counts[large].astype(np.float64)
        sd = math.sqrt(variance(dist))
        out[large] = np.maximum(0.0, n * dist.mean + np.sqrt(n) * sd * rng.standard_normal(n.size))
    return out
