"""Keyed draws (issue #6): one item or a block of items gives the same numbers, the uniforms are
uniform, and inverse-CDF draws have the distribution's moments."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from fargasim.core import Context
from fargasim.core.distributions import quantile
from fargasim.core.keyed import KeyedStream, hex_ids
from fargasim.scenario.schema import Distribution


def test_a_block_equals_its_rows_drawn_one_at_a_time_in_any_order() -> None:
    stream = KeyedStream(seed=5, key=17, slots=9)
    block = stream.rows(1000, 50)
    for i in (49, 0, 17, 3):
        np.testing.assert_array_equal(block[i], stream.row(1000 + i))
    # Overlapping blocks agree where they overlap.
    np.testing.assert_array_equal(stream.rows(1010, 5), block[10:15])


def test_streams_differ_by_seed_and_by_name() -> None:
    a = Context(1, 10).keyed("lifecycle/web", 9).rows(0, 4)
    b = Context(2, 10).keyed("lifecycle/web", 9).rows(0, 4)
    c = Context(1, 10).keyed("lifecycle/api", 9).rows(0, 4)
    assert not np.array_equal(a, b) and not np.array_equal(a, c)
    np.testing.assert_array_equal(a, Context(1, 10).keyed("lifecycle/web", 9).rows(0, 4))


def test_a_stream_keeps_its_slot_count() -> None:
    ctx = Context(1, 10)
    ctx.keyed("x", 3)
    with pytest.raises(ValueError, match="slots"):
        ctx.keyed("x", 4)


def test_uniforms_are_uniform_and_independent_across_slots() -> None:
    """Kolmogorov–Smirnov on 200,000 draws of each slot (p > 0.001), and the correlation of two
    slots within ±4.5 standard errors (1/√n) of 0."""
    u = KeyedStream(seed=3, key=99, slots=9).rows(0, 200_000)
    assert u.min() > 0.0 and u.max() < 1.0
    for slot in range(9):
        assert stats.kstest(u[:, slot], "uniform").pvalue > 0.001
    r = np.corrcoef(u[:, 0], u[:, 8])[0, 1]
    assert abs(r) < 4.5 / math.sqrt(u.shape[0])


@pytest.mark.parametrize(
    "dist",
    [
        Distribution(distribution="lognormal", mean=12.0, cv=0.4),
        Distribution(distribution="lognormal", mean=300.0, cv=1.5),
        Distribution(distribution="exponential", mean=2.0),
    ],
)
def test_inverse_cdf_draws_have_the_distributions_mean_and_cv(dist: Distribution) -> None:
    """Mean within 4.5 standard errors (σ/√n); the cv within 5 % (lognormal cv 1.5 has a heavy
    tail, so its sample cv is the loosest)."""
    n = 400_000
    x = quantile(dist, KeyedStream(seed=11, key=7, slots=1).rows(0, n)[:, 0])
    cv = dist.cv if dist.distribution == "lognormal" else 1.0
    sd = dist.mean * cv
    assert abs(x.mean() - dist.mean) < 4.5 * sd / math.sqrt(n)
    assert x.std() / x.mean() == pytest.approx(cv, rel=0.05)


def test_constant_and_zero_mean_quantiles() -> None:
    u = np.array([0.1, 0.5, 0.9])
    assert quantile(Distribution(distribution="constant", mean=3.0), u).tolist() == [3.0] * 3
    assert quantile(Distribution(mean=2.0, cv=0.0), u).tolist() == [2.0] * 3
    assert quantile(Distribution(distribution="exponential", mean=0.0), u).tolist() == [0.0] * 3


def test_hex_ids_are_the_bytes_of_the_words() -> None:
    words = KeyedStream(seed=0, key=1, slots=2).words(0, 3)
    ids = hex_ids(words)
    assert ids.tolist() == [row[:2].tobytes().hex() for row in words]
    assert all(len(i) == 32 for i in ids)
