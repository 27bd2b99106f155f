"""The vectorized engine's latency formulas (:mod:`fargasim.workload.latency`) against hand
computations: Erlang B and C, the GI/M/1 root, the arrival scv rules of the routing algorithms,
the join-the-shortest-queue index, the M/M/k/K, M/M/k+D and processor-sharing chains, and the
draws of whole ticks (means and drop shares within a few standard errors)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from fargasim.scenario.schema import WorkloadSpec
from fargasim.workload.latency import (
    LatencyModel,
    arrival_scv,
    draw_weights,
    effective_load,
    erlang_b,
    erlang_c,
    geo_mean,
    geo_var,
    gi_ratio,
    jsq_index,
    log_geo,
    ps_spread_scv,
    queue_state,
    queueing_index,
)


def arr(*values: float) -> np.ndarray:
    return np.array(values, dtype=np.float64)


# -- Erlang's formulas ----------------------------------------------------------------------------


def test_erlang_c_of_one_server_is_the_load() -> None:
    """M/M/1: an arrival waits with probability ρ."""
    rho = arr(0.0, 0.1, 0.5, 0.9, 0.99)
    np.testing.assert_allclose(erlang_c(1, rho), rho, rtol=1e-12, atol=1e-15)


def test_erlang_c_of_two_servers() -> None:
    """M/M/2: C(2, a) = a²/(2 + a) = 2ρ²/(1 + ρ); e.g. a = 1 (ρ = ½): 1/3."""
    a = arr(0.2, 1.0, 1.5, 1.9)
    np.testing.assert_allclose(erlang_c(2, a), a**2 / (2 + a), rtol=1e-12)
    assert erlang_c(2, arr(1.0))[0] == pytest.approx(1 / 3)


def test_erlang_c_of_four_servers_against_the_sum() -> None:
    """C(4, 3) = 27/53 (the M/M/c case of test_queueing_theory), and the textbook sum."""
    assert erlang_c(4, arr(3.0))[0] == pytest.approx(27 / 53)
    a, c = 2.8, 4
    top = a**c / math.factorial(c) * c / (c - a)
    want = top / (sum(a**k / math.factorial(k) for k in range(c)) + top)
    assert erlang_c(c, arr(a))[0] == pytest.approx(want)


def test_erlang_b_and_c_at_and_above_capacity() -> None:
    """B(1, a) = a/(1 + a) at any load; C is 1 once the load reaches the servers."""
    a = arr(0.5, 1.0, 3.0)
    np.testing.assert_allclose(erlang_b(1, a), a / (1 + a))
    np.testing.assert_array_equal(erlang_c(2, arr(2.0, 5.0)), [1.0, 1.0])


def test_queueing_index() -> None:
    """C(k, kρ)/(1 − ρ): ρ/(1 − ρ) for one server, ∞ at capacity."""
    np.testing.assert_allclose(queueing_index(1, arr(0.5, 0.8)), [1.0, 4.0])
    assert queueing_index(2, arr(0.5))[0] == pytest.approx((1 / 3) / 0.5)
    assert np.isinf(queueing_index(1, arr(1.0))[0])


# -- arrivals at one task ------------------------------------------------------------------------


def test_arrival_scv_per_algorithm() -> None:
    """Round robin over n tasks: every n-th arrival (Erlang-n: 1/n); weighted random: a random
    thinning of a Poisson stream stays Poisson (1) and of an evenly spaced one gives 1 − 1/n;
    least outstanding requests: round robin's (it balances at least as well)."""
    tasks = arr(1.0, 2.0, 4.0, 0.5)
    np.testing.assert_allclose(arrival_scv("round_robin", tasks), [1.0, 0.5, 0.25, 1.0])
    np.testing.assert_allclose(arrival_scv("weighted_random", tasks), [1.0, 1.0, 1.0, 1.0])
    np.testing.assert_allclose(
        arrival_scv("least_outstanding_requests", tasks), [1.0, 0.5, 0.25, 1.0]
    )
    np.testing.assert_allclose(arrival_scv("round_robin", tasks, base=0.0), 0.0)
    np.testing.assert_allclose(
        arrival_scv("weighted_random", tasks, base=0.0), [0.0, 0.5, 0.75, 0.0]
    )
    with pytest.raises(ValueError, match="unknown load balancing algorithm"):
        arrival_scv("random", tasks)


def test_gi_ratio_is_the_load_for_poisson_arrivals() -> None:
    rho = arr(0.1, 0.5, 0.9)
    np.testing.assert_allclose(gi_ratio(rho, arr(1.0, 1.0, 1.0)), rho)


def test_gi_ratio_of_erlang_two_arrivals() -> None:
    """E2/M/1: σ = (2ρ/(2ρ + 1 − σ))² has the root σ = (1 + 4ρ − √(1 + 8ρ))/2 besides 1
    (ρ = ½: (3 − √5)/2 ≈ 0.382)."""
    rho = arr(0.3, 0.5, 0.8)
    want = (1 + 4 * rho - np.sqrt(1 + 8 * rho)) / 2
    np.testing.assert_allclose(gi_ratio(rho, arr(0.5, 0.5, 0.5)), want, rtol=1e-9)


def test_gi_ratio_of_evenly_spaced_arrivals() -> None:
    """D/M/1: σ = e^(−(1 − σ)/ρ); at ρ = ½ the root is −2·W(−2e^(−2))/… ≈ 0.2032."""
    sigma = gi_ratio(arr(0.5), arr(0.0))[0]
    assert sigma == pytest.approx(math.exp(-(1 - sigma) / 0.5), rel=1e-9)
    assert sigma == pytest.approx(0.2031878699, rel=1e-6)


def test_gi_ratio_of_erlang_four_at_heavy_load() -> None:
    """E4/M/1 at ρ = 0.8: σ = (3.2/(4.2 − σ))⁴ ≈ 0.6940, so E[T] = E[S]/(1 − σ) ≈ 3.27 E[S]
    against M/M/1's 5 (the exact engine measures 131.8 ms = 3.30 E[S] for E[S] = 40 ms behind
    four round-robin tasks)."""
    sigma = gi_ratio(arr(0.8), arr(0.25))[0]
    assert sigma == pytest.approx((3.2 / (4.2 - sigma)) ** 4, rel=1e-9)
    assert sigma == pytest.approx(0.6940, abs=1e-4)


def test_effective_load_scales_the_queueing_index() -> None:
    rho = arr(0.3, 0.7, 0.95)
    for k in (1, 3):
        for factor in (0.25, 0.6, 1.8):
            used = effective_load(k, rho, arr(factor, factor, factor))
            np.testing.assert_allclose(
                queueing_index(k, used), factor * queueing_index(k, rho), rtol=1e-9
            )
    np.testing.assert_array_equal(effective_load(1, rho, arr(1.0, 1.0, 1.0)), rho)
    # One server: ρ'/(1 − ρ') = f·ρ/(1 − ρ).
    assert effective_load(1, arr(0.5), arr(0.5))[0] == pytest.approx(1 / 3)


def test_jsq_index() -> None:
    """Balanced JSQ over n tasks of k servers: C(nk, nkρ)/(1 − ρⁿ); n = 1 is M/M/k."""
    rho = arr(0.4, 0.7, 0.85)
    np.testing.assert_allclose(jsq_index(1, arr(1, 1, 1), rho), queueing_index(1, rho))
    np.testing.assert_allclose(jsq_index(2, arr(1, 1, 1), rho), queueing_index(2, rho))
    got = jsq_index(1, arr(4.0, 4.0, 4.0), rho)
    np.testing.assert_allclose(got, erlang_c(4, 4 * rho) / (1 - rho**4))
    # ρ = 0.7 over four tasks: C(4, 2.8) ≈ 0.4286; E[T]/E[S] = 1 + 0.4286/0.7599 ≈ 1.564
    # (the exact engine measures 61.0 ms for E[S] = 40 ms, 1.525).
    assert 1 + got[1] == pytest.approx(1.564, abs=0.001)


# -- geometric sums ------------------------------------------------------------------------------


@pytest.mark.parametrize("ratio", [0.3, 0.999999, 1.0, 1.000001, 1.7])
@pytest.mark.parametrize("n", [1, 2, 7, 40])
def test_geometric_sums_against_direct_sums(ratio: float, n: int) -> None:
    w = ratio ** np.arange(n)
    i = np.arange(n)
    lr = arr(math.log(ratio))
    assert log_geo(lr, n)[0] == pytest.approx(math.log(w.sum()), rel=1e-9, abs=1e-12)
    mean = (i * w).sum() / w.sum()
    assert geo_mean(lr, n)[0] == pytest.approx(mean, rel=1e-6, abs=1e-9)
    var = ((i - mean) ** 2 * w).sum() / w.sum()
    assert geo_var(lr, n)[0] == pytest.approx(var, rel=1e-5, abs=1e-9)


def test_geometric_sums_to_infinity() -> None:
    lr = arr(math.log(0.6))
    assert log_geo(lr, math.inf)[0] == pytest.approx(-math.log(0.4))
    assert geo_mean(lr, math.inf)[0] == pytest.approx(0.6 / 0.4)
    assert geo_var(lr, math.inf)[0] == pytest.approx(0.6 / 0.4**2)
    assert log_geo(lr, 0)[0] == -math.inf


# -- the queue of one task -----------------------------------------------------------------------


def test_processor_sharing_slowdown() -> None:
    """Unlimited processor sharing: s = 1 + C(k, a)/(k(1 − ρ)); M/M/1-PS: 1/(1 − ρ)."""
    rho = arr(0.3, 0.7, 0.95)
    state = queue_state(1, math.inf, math.inf, math.inf, rho)
    np.testing.assert_allclose(state.slowdown, 1 / (1 - rho), rtol=1e-9)
    np.testing.assert_array_equal(state.p_block, 0.0)
    np.testing.assert_array_equal(state.p_queue, 0.0)
    for k in (2, 4):
        state = queue_state(k, math.inf, math.inf, math.inf, rho)
        want = 1 + erlang_c(k, k * rho) / (k * (1 - rho))
        np.testing.assert_allclose(state.slowdown, want, rtol=1e-9)


def test_share_scv_of_mm1_ps_is_the_load() -> None:
    """A request joining M/M/1-PS shares with 1 + N, N geometric: scv ρ (the small-work limit
    of Var[T | x]); a CPU phase always full of w requests: 0."""
    rho = arr(0.2, 0.8)
    state = queue_state(1, math.inf, math.inf, math.inf, rho)
    np.testing.assert_allclose(state.share_scv, rho, rtol=1e-9)
    full = queue_state(1, 8.0, 20.0, math.inf, arr(50.0))
    assert full.share_scv[0] < 1e-6


def test_ps_spread_against_mm1_ps_variance() -> None:
    """Var[T | x] = 2ρx/(1−ρ)³ − 2ρ(1 − e^(−(1−ρ)x))/(1−ρ)⁴ (μ = 1; Coffman, Muntz & Trotter)."""
    rho = 0.7
    for x in (0.01, 0.5, 1.0, 4.0, 30.0):
        var = (
            2 * rho * x / (1 - rho) ** 3 - 2 * rho * (1 - math.exp(-(1 - rho) * x)) / (1 - rho) ** 4
        )
        want = var / (x / (1 - rho)) ** 2
        got = ps_spread_scv(arr(rho), arr((1 - rho) * x))[0]
        assert got == pytest.approx(want, rel=1e-6)


def test_worker_queue_of_mm1_and_mm2() -> None:
    """FIFO with k = w: an arrival waits with probability C(k, a) and nothing is turned away."""
    state = queue_state(1, 1.0, math.inf, math.inf, arr(0.7))
    assert state.p_queue[0] == pytest.approx(0.7)
    state = queue_state(2, 2.0, math.inf, math.inf, arr(0.5))
    assert state.p_queue[0] == pytest.approx(1 / 3)
    assert state.p_block[0] == 0.0


def test_mm1k_blocking() -> None:
    """M/M/1/K (one worker, queueLimit L, K = 1 + L): π_K = (1 − ρ)ρ^K/(1 − ρ^(K+1)), also
    above capacity and at ρ = 1 (1/(K + 1))."""
    for rho in (0.5, 0.9, 1.0, 1.3, 4.0):
        for places in (0, 1, 5, 20):
            k_cap = 1 + places
            pi = [rho**n for n in range(k_cap + 1)]  # π_n ∝ ρⁿ, n = 0 .. K
            z = sum(pi)
            if rho != 1.0:
                assert pi[-1] / z == pytest.approx(
                    (1 - rho) * rho**k_cap / (1 - rho ** (k_cap + 1))
                )
            state = queue_state(1, 1.0, float(places), math.inf, arr(rho))
            assert state.p_block[0] == pytest.approx(pi[-1] / z, rel=1e-6, abs=1e-12)
            # An arrival waits in states 1 .. K−1.
            assert state.p_queue[0] == pytest.approx(sum(pi[1:-1]) / z, rel=1e-6, abs=1e-12)


def test_erlang_loss_with_no_queue() -> None:
    """queueLimit 0, k = w = 3: Erlang B."""
    a = arr(1.0, 2.5, 6.0)
    state = queue_state(3, 3.0, 0.0, math.inf, a / 3)
    np.testing.assert_allclose(state.p_block, erlang_b(3, a), rtol=1e-9)
    np.testing.assert_array_equal(state.p_queue, 0.0)


def test_mm1_with_deterministic_patience() -> None:
    """M/M/1+D (timeout τ, θ = μτ): with β = ρ − 1, P(abandon) = ρ²e^(βθ)/Z and
    P(wait and served) = ρ²(e^(βθ) − 1)/(βZ), Z = 1 − … normalised with π_0 = 1/Z (level
    crossing; Baccelli & Hébuterne)."""
    for rho in (0.6, 1.0, 1.4):
        for theta in (0.5, 3.0, 20.0):
            beta = rho - 1
            integral = theta if beta == 0 else math.expm1(beta * theta) / beta
            # Relative to π_0: the density of V is λπ_0 e^(βμ v), so the masses are
            # ρ·integral (waits) and ρ·e^(βθ) (abandons).
            waits, abandons = rho * integral, rho * math.exp(beta * theta)
            z = 1 + waits + abandons
            state = queue_state(1, 1.0, math.inf, theta, arr(rho))
            assert state.p_block[0] == pytest.approx(abandons / z, rel=1e-9)
            assert state.p_queue[0] == pytest.approx(waits / z, rel=1e-9)


def test_limited_workers_slowdown_tends_to_workers_per_server() -> None:
    """Far above capacity with 8 workers on one server the CPU phase always holds 8: s → 8; far
    below, the limit does not matter (unlimited processor sharing's 1/(1 − ρ))."""
    assert queue_state(1, 8.0, 20.0, math.inf, arr(30.0)).slowdown[0] == pytest.approx(8, rel=1e-3)
    low = queue_state(1, 8.0, 20.0, math.inf, arr(0.2)).slowdown[0]
    assert low == pytest.approx(1 / 0.8, rel=1e-4)


# -- whole ticks ---------------------------------------------------------------------------------


def model(algorithm: str = "round_robin", vcpu: float = 1.0, **workload: Any) -> LatencyModel:
    doc: dict[str, Any] = {
        "service": "web",
        "arrivals": {"pattern": "poisson", "rps": 70.0},
        "request": {"cpuSeconds": {"distribution": "exponential", "mean": 0.01}},
    }
    doc.update(workload)
    return LatencyModel(WorkloadSpec.model_validate(doc), vcpu, np.random.default_rng(5), algorithm)


def draw(
    m: LatencyModel, counts: np.ndarray, rps: float, tasks: float, limit: int | None = None
) -> Any:
    """1-s ticks of a constant rate ``rps``: one draw per request, or at most ``limit`` a tick."""
    n = counts.size
    return m.draw(counts, np.full(n, rps), np.full(n, tasks), np.ones(n), limit)


def draw_ticks(m: LatencyModel, tasks: float, ticks: int = 2000) -> Any:
    counts = np.random.default_rng(9).poisson(70.0, ticks).astype(np.int64)
    return draw(m, counts, 70.0, tasks), int(counts.sum())


def test_mm1_draws() -> None:
    """One worker on 1 vCPU at 70 rps of 10 ms: M/M/1, T ~ Exp(μ − λ): mean 1/30 s."""
    out, n = draw_ticks(model(workersPerTask=1), 1.0)
    assert out.latencies.size == n
    assert out.latencies.mean() == pytest.approx(1 / 30, rel=0.02)
    assert np.percentile(out.latencies, 95) == pytest.approx(math.log(20) / 30, rel=0.03)


def test_ps_draws_follow_the_intensity_not_the_counts() -> None:
    """Unlimited processor sharing, one task: E[T] = E[S]/(1 − ρ) with ρ the pattern's
    intensity (the ticks' Poisson counts do not move the load)."""
    out, _ = draw_ticks(model(), 1.0)
    assert out.latencies.mean() == pytest.approx(0.01 / 0.3, rel=0.02)


def test_round_robin_draws_use_erlang_arrivals() -> None:
    """Four tasks of 1 vCPU at 280 rps total behind round robin: E4/M/1-PS at ρ = 0.7,
    E[T] = E[S]/(1 − σ) — below M/M/1's E[S]/(1 − ρ)."""
    m = model("round_robin", arrivals={"pattern": "poisson", "rps": 280.0})
    counts = np.random.default_rng(9).poisson(280.0, 1000).astype(np.int64)
    out = draw(m, counts, 280.0, 4.0)
    sigma = gi_ratio(arr(0.7), arr(0.25))[0]
    assert out.latencies.mean() == pytest.approx(0.01 / (1 - sigma), rel=0.02)
    wr = model("weighted_random", arrivals={"pattern": "poisson", "rps": 280.0})
    out = draw(wr, counts, 280.0, 4.0)
    assert out.latencies.mean() == pytest.approx(0.01 / 0.3, rel=0.02)


def test_overload_with_a_queue_limit_drops_the_excess() -> None:
    """130 % of capacity, 8 workers, queueLimit 20: about 1 − 1/1.3 of the requests are turned
    away as queueFull (M/M/1/28: π_K), none time out (waits stay below the 1 s timeout)."""
    m = model(
        arrivals={"pattern": "poisson", "rps": 130.0},
        request={
            "cpuSeconds": {"distribution": "exponential", "mean": 0.01},
            "timeoutSeconds": 1.0,
        },
        workersPerTask=8,
        queueLimit=20,
    )
    counts = np.random.default_rng(9).poisson(130.0, 1000).astype(np.int64)
    out = draw(m, counts, 130.0, 1.0)
    n = int(counts.sum())
    rho, k_cap = 1.3, 28
    want = (1 - rho) * rho**k_cap / (1 - rho ** (k_cap + 1))
    full = int(out.dropped_queue_full.sum())
    assert full / n == pytest.approx(want, abs=4 * math.sqrt(want / n))
    assert int(out.dropped_timeout.sum()) == 0
    assert out.latencies.size + full == n
    np.testing.assert_array_equal(out.completed + out.dropped_queue_full, counts)


def test_open_overload_builds_the_fluid_backlog() -> None:
    """Twice the capacity with no limit: the backlog grows by λ − μ each second and later
    requests wait for it to drain."""
    m = model(arrivals={"pattern": "poisson", "rps": 200.0}, workersPerTask=4)
    counts = np.full(10, 200, dtype=np.int64)
    out = draw(m, counts, 200.0, 1.0)
    assert m.backlog == pytest.approx(10 * (200 - 100))
    assert out.latencies.max() > 8.0  # the last second waits ~ 950 requests / 100 per s


def test_unknown_algorithm() -> None:
    with pytest.raises(ValueError, match="unknown load balancing algorithm"):
        model("fastest")


# -- a limited number of draws per tick ----------------------------------------------------------


def test_draw_weights_split_each_ticks_requests() -> None:
    served = np.array([10, 0, 3, 7])
    size = np.array([4, 0, 3, 2])
    tick = np.repeat(np.arange(4), size)
    weights = draw_weights(served, size, tick)
    assert weights.tolist() == [3, 3, 2, 2, 1, 1, 1, 4, 3]
    np.testing.assert_array_equal(np.bincount(tick, weights, 4), served)


def weighted_values(out: Any) -> np.ndarray:
    return np.asarray(np.repeat(out.latencies, out.weights))


def test_limited_draws_stand_for_every_request() -> None:
    """M/M/1 at 70 rps of 10 ms with at most 10 draws a tick: the draws' weights add up to the
    requests of their tick, and the weighted latencies keep M/M/1's mean 1/30 s and p95
    ln(20)/30 s (20,000 draws for 140,000 requests)."""
    counts = np.random.default_rng(9).poisson(70.0, 2000).astype(np.int64)
    out = draw(model(workersPerTask=1), counts, 70.0, 1.0, limit=10)
    assert np.bincount(out.ticks, minlength=counts.size).max() == 10
    np.testing.assert_array_equal(np.bincount(out.ticks, out.weights, counts.size), counts)
    np.testing.assert_array_equal(out.completed, counts)
    values = weighted_values(out)
    assert values.size == counts.sum()
    assert values.mean() == pytest.approx(1 / 30, rel=0.03)
    assert np.percentile(values, 95) == pytest.approx(math.log(20) / 30, rel=0.04)


def test_limited_draws_keep_drop_counts_whole_and_consistent() -> None:
    """Overload (130 %) of one worker with queueLimit 10 and a 0.12 s timeout: requests are
    turned away (queue full, a binomial count per tick) or time out waiting (each late draw
    drops the requests it stands for); per tick completed + timed out + queue full = served,
    with at most 10 draws, and the shares agree with one draw per request."""
    spec: dict[str, Any] = {
        "arrivals": {"pattern": "poisson", "rps": 130.0},
        "request": {
            "cpuSeconds": {"distribution": "exponential", "mean": 0.01},
            "timeoutSeconds": 0.12,
        },
        "workersPerTask": 1,
        "queueLimit": 10,
    }
    counts = np.random.default_rng(9).poisson(130.0, 2000).astype(np.int64)
    few = draw(model(**spec), counts, 130.0, 1.0, limit=10)
    every = draw(model(**spec), counts, 130.0, 1.0)
    for out in (few, every):
        np.testing.assert_array_equal(
            out.completed + out.dropped_timeout + out.dropped_queue_full, counts
        )
        np.testing.assert_array_equal(np.bincount(out.ticks, out.weights, 2000), out.completed)
    assert np.bincount(few.ticks, minlength=2000).max() <= 10
    n = counts.sum()
    late = few.dropped_timeout.sum() / n
    assert late > 0.02 and late == pytest.approx(every.dropped_timeout.sum() / n, abs=0.01)
    assert few.dropped_queue_full.sum() / n == pytest.approx(
        every.dropped_queue_full.sum() / n, abs=0.01
    )


@pytest.mark.parametrize("servers", [65, 500, 5000])
def test_erlang_b_for_many_servers_is_the_recursion(servers: int) -> None:
    """Above 64 servers (join-the-shortest-queue pools) Erlang B is a Poisson ratio, not the
    recursion B_j = a·B_{j−1}/(j + a·B_{j−1}); the two agree from no load to 1000× overload
    (where the Poisson cdf underflows and the series takes over)."""
    a = servers * np.concatenate([np.linspace(0.0, 0.999, 200), [1.0, 1.01, 1.5, 3.0, 1e3]])
    want = np.ones_like(a)
    for j in range(1, servers + 1):
        want = a * want / (j + a * want)
    np.testing.assert_allclose(erlang_b(servers, a), want, rtol=1e-9, atol=1e-300)
    half = servers / 2
    assert float(erlang_b(servers, np.float64(half))) == erlang_b(servers, np.array([half]))[0]
