"""Positive distributions of the scenario (``constant``, ``exponential``, ``lognormal``).

These sample start-up step durations (reference §4, an assumption with documented defaults) and
request CPU seconds. Expected values are analytic: a lognormal of mean ``m`` and coefficient of
variation ``c`` has ``σ² = ln(1 + c²)``, ``μ = ln m − σ²/2``; an exponential of mean ``m`` has
variance ``m²``; a sum of ``n`` i.i.d. draws has mean ``n·m`` and variance ``n·Var``.

Statistical checks use a fixed seed and a tolerance of 5 standard errors (a false alarm
probability below 1e-6 for a fresh seed); the standard error of a sample mean of ``N`` draws is
``sd/√N``, and of a sample variance ``≈ σ²·√(2/(N−1))`` (normal) — wider for heavy tails, so
variance checks use the exact fourth moment where stated.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fargasim.core.distributions import (
    lognormal_params,
    sample,
    sample_one,
    sample_sums,
    variance,
)
from fargasim.scenario.schema import Distribution


def dist(kind: str, mean: float, cv: float = 0.0) -> Distribution:
    return Distribution(distribution=kind, mean=mean, cv=cv)  # type: ignore[arg-type]


@settings(max_examples=200, deadline=None)
@given(
    mean=st.floats(min_value=1e-3, max_value=1e4),
    cv=st.floats(min_value=0.0, max_value=5.0),
)
def test_lognormal_params_give_the_asked_mean_and_cv(mean: float, cv: float) -> None:
    """E[X] = exp(μ + σ²/2) = m and CV = √(exp(σ²) − 1) = c for the returned (μ, σ)."""
    mu, sigma = lognormal_params(mean, cv)
    assert math.exp(mu + sigma**2 / 2) == pytest.approx(mean, rel=1e-12)
    assert math.sqrt(math.expm1(sigma**2)) == pytest.approx(cv, rel=1e-9, abs=1e-12)


@pytest.mark.parametrize(
    "d",
    [dist("constant", 3.5), dist("lognormal", 3.5, 0.0), dist("exponential", 0.0)],
    ids=["constant", "lognormal-cv0", "mean0"],
)
def test_degenerate_distributions_are_constant(d: Distribution) -> None:
    rng = np.random.default_rng(0)
    before = rng.bit_generator.state
    draws = sample(d, rng, 50)
    np.testing.assert_array_equal(draws, np.full(50, d.mean))
    assert sample_one(d, rng) == d.mean
    # A constant consumes no randomness: the stream is untouched.
    assert rng.bit_generator.state == before


def test_exponential_mean_and_variance() -> None:
    """Exponential(mean m): E = m, Var = m² (SE of the mean m/√N)."""
    m, n = 2.0, 40_000
    draws = sample(dist("exponential", m), np.random.default_rng(1), n)
    assert (draws > 0).all()
    assert abs(draws.mean() - m) < 5 * m / math.sqrt(n)
    # Var of the sample variance of an exponential: (μ4 − σ⁴)/N = (9m⁴ − m⁴)/N.
    assert abs(draws.var(ddof=1) - m**2) < 5 * math.sqrt(8 * m**4 / n)
    assert variance(dist("exponential", m)) == m**2


def test_lognormal_mean_and_cv() -> None:
    """Lognormal(mean m, cv c): E = m, SD = m·c; also log-moments μ and σ."""
    m, c, n = 15.0, 0.5, 40_000
    draws = sample(dist("lognormal", m, c), np.random.default_rng(2), n)
    assert (draws > 0).all()
    assert abs(draws.mean() - m) < 5 * m * c / math.sqrt(n)
    sigma2 = math.log(1 + c * c)
    mu = math.log(m) - sigma2 / 2
    logs = np.log(draws)
    assert abs(logs.mean() - mu) < 5 * math.sqrt(sigma2 / n)
    assert abs(logs.var(ddof=1) - sigma2) < 5 * sigma2 * math.sqrt(2 / (n - 1))
    assert variance(dist("lognormal", m, c)) == pytest.approx((m * c) ** 2)


def test_variance_of_constant_is_zero() -> None:
    assert variance(dist("constant", 9.0)) == 0.0


def test_sample_one_is_the_first_of_a_sample() -> None:
    d = dist("lognormal", 4.0, 0.3)
    one = sample_one(d, np.random.default_rng(5))
    assert one == sample(d, np.random.default_rng(5), 1)[0]


# -- sums --------------------------------------------------------------------------------------


def test_sums_of_constant_are_n_times_mean() -> None:
    counts = np.array([0, 1, 7, 1000], dtype=np.int64)
    out = sample_sums(dist("constant", 0.25), counts, np.random.default_rng(0))
    np.testing.assert_array_equal(out, [0.0, 0.25, 1.75, 250.0])


@pytest.mark.parametrize(
    "d",
    [dist("exponential", 0.5), dist("lognormal", 0.5, 0.8), dist("constant", 0.5)],
    ids=["exponential", "lognormal", "constant"],
)
def test_zero_counts_give_zero_sums(d: Distribution) -> None:
    counts = np.array([0, 3, 0, 50, 0], dtype=np.int64)
    out = sample_sums(d, counts, np.random.default_rng(3))
    assert out.shape == counts.shape
    np.testing.assert_array_equal(out[counts == 0], 0.0)
    assert (out[counts > 0] > 0).all()
    all_zero = sample_sums(d, np.zeros(4, dtype=np.int64), np.random.default_rng(3))
    np.testing.assert_array_equal(all_zero, np.zeros(4))


def test_small_lognormal_sums_are_sums_of_consecutive_draws() -> None:
    """Below 32 draws a lognormal sum is exact: brute force with a same-seeded stream, summing
    consecutive draws one count at a time in a Python loop."""
    d = dist("lognormal", 0.012, 0.5)
    counts = np.array([3, 0, 1, 31, 5, 0, 12], dtype=np.int64)
    out = sample_sums(d, counts, np.random.default_rng(77))
    draws = sample(d, np.random.default_rng(77), int(counts.sum()))
    expected, at = [], 0
    for n in counts:
        expected.append(float(sum(draws[at : at + n])))
        at += int(n)
    np.testing.assert_allclose(out, expected, rtol=1e-12)


@pytest.mark.parametrize("n", [5, 31, 32, 400])
@pytest.mark.parametrize(
    "d",
    [dist("exponential", 0.02), dist("lognormal", 0.02, 0.5)],
    ids=["exponential", "lognormal"],
)
def test_sum_mean_and_variance(d: Distribution, n: int) -> None:
    """A sum of n draws has mean n·m and variance n·Var(X), on both sides of the 32-draw switch
    from exact lognormal sums to the normal approximation. Tolerances: 5 SE of the mean
    (√(n·Var/K)) and 5 SE of the variance (normal approximation √(2/(K−1))·n·Var, ×2 for the
    skew of small sums)."""
    k = 20_000
    sums = sample_sums(d, np.full(k, n, dtype=np.int64), np.random.default_rng(n))
    var1 = variance(d)
    assert abs(sums.mean() - n * d.mean) < 5 * math.sqrt(n * var1 / k)
    assert abs(sums.var(ddof=1) - n * var1) < 2 * 5 * n * var1 * math.sqrt(2 / (k - 1))
    assert (sums >= 0).all()
