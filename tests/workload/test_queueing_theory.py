"""The exact engine against queueing theory: M/M/1, M/M/c and M/G/1-PS mean response times.

Each case is one task of the exact request plane (:class:`ExactPlane`) fed by Poisson arrivals
(the ``poisson`` pattern: Poisson counts per 1 s tick, uniform times within the tick — a Poisson
process) with mean CPU work ``E[S] = 0.1`` s:

* **M/M/1**: 1 vCPU, ``workersPerTask: 1`` (one server, FIFO), exponential work, ``ρ = 0.7``
  (``λ = 7``/s, ``μ = 10``/s). ``E[T] = 1/(μ − λ) = 1/3`` s; the response time is exponential
  with rate ``μ − λ``, so its ``q`` quantile is ``−ln(1 − q)/(μ − λ)``.
* **M/M/c**: 4 vCPUs and ``workersPerTask: 4`` (four servers of rate 1 sharing one FIFO queue:
  a request never gets more than one vCPU), exponential work, ``λ = 30``/s, ``a = λ/μ = 3``,
  ``ρ = 0.75``. ``E[T] = C(c, a)/(cμ − λ) + 1/μ`` with Erlang's C formula computed below
  (``C(4, 3) = 27/53``, ``E[T] ≈ 0.15094`` s).
* **M/G/1-PS**: 1 vCPU shared by every request in the task (unlimited workers), lognormal work
  with ``cv = 2``, ``ρ = 0.7``. Processor sharing is insensitive to the work distribution:
  ``E[T] = E[S]/(1 − ρ) = 1/3`` s (FIFO would give ``E[S] + λE[S²]/(2(1 − ρ)) ≈ 0.683`` s, so
  the check tells the disciplines apart).

Method and tolerance: ``R = 10`` independent replications per case (seeds differ), each of
``N = 40 000`` expected arrivals (``N/λ`` simulated seconds), the first 5 % of the run discarded
as warm-up (the system starts empty; the M/M/1 relaxation time ``1/(μ(1 − √ρ)²) ≈ 3.7`` s is
about 1/75 of the warm-up). A replication's estimate is the mean response time of the requests
completed after the warm-up (exact: the histogram keeps the exact sum). The replication means
are independent and close to normal (each averages 40 000 correlated response times), so a
Student-t interval ``mean ± t(0.995, R−1)·s/√R`` covers the true mean with 99 % probability; the
test asserts that the analytic value lies inside it. That interval is the tolerance: it is
estimated from the data (a few % of ``E[T]`` here: the response times of a queue at ``ρ ≈ 0.7``
are strongly autocorrelated) rather than guessed, and with fixed seeds the test is
deterministic. Excluding the requests still in flight at the end biases a mean by about
``L/N ≈ 10⁻⁴`` (``L`` requests in the system), negligible against the interval. Quantiles come
from the latency histogram, whose percentiles are within 1.158 % of the exact sample quantiles,
so their tolerance is the interval plus 1.2 % of the analytic value. The CPU utilization
(``cpu_used / cpu_capacity`` of the Totals, what CloudWatch reports) must match ``ρ`` the same
way.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
from scipy import stats

from fargasim.core import Context
from fargasim.scenario.schema import WorkloadSpec
from fargasim.workload.exact import ExactPlane

R = 10  # replications per case
N = 40_000  # expected arrivals per replication
WARMUP = 0.05  # share of each run discarded
CONFIDENCE = 0.99
MEAN_WORK = 0.1  # seconds


@dataclass
class Replication:
    mean: float  # mean response time after the warm-up
    p50: float
    p95: float
    utilization: float  # cpu_used / cpu_capacity after the warm-up
    completed: int


def replicate(
    seed: int,
    rate: float,
    work: dict[str, Any],
    vcpu: float,
    workers: int | None,
) -> Replication:
    duration = N / rate
    warmup = WARMUP * duration
    doc: dict[str, Any] = {
        "service": "web",
        "arrivals": {"pattern": "poisson", "rps": rate},
        "request": {"cpuSeconds": work},
    }
    if workers is not None:
        doc["workersPerTask"] = workers
    ctx = Context(seed=seed, end_time=duration)
    plane = ExactPlane(ctx, 1.0)
    flow = plane.add_service("web", vcpu, 1024.0, WorkloadSpec.model_validate(doc), 0.0)
    plane.task_state("web", "task", "running")
    plane.set_targets("web", {"task": 1.0})
    plane.set_counts("web", 1.0, 1)
    ctx.env.run(until=warmup)
    plane.advance_to(warmup)
    latency_before = flow.latency.copy()
    cpu_before, capacity_before = flow.totals.cpu_used, flow.totals.cpu_capacity
    ctx.env.run(until=duration)
    plane.advance_to(duration)
    latency = flow.latency - latency_before
    p50, p95 = latency.percentiles([50, 95])
    utilization = (flow.totals.cpu_used - cpu_before) / (flow.totals.cpu_capacity - capacity_before)
    return Replication(latency.mean, p50, p95, utilization, latency.total)


def interval(values: list[float]) -> tuple[float, float]:
    """The mean of the replications and the half-width of its Student-t interval."""
    x = np.asarray(values, dtype=np.float64)
    half = stats.t.ppf(0.5 + CONFIDENCE / 2, x.size - 1) * x.std(ddof=1) / math.sqrt(x.size)
    return float(x.mean()), float(half)


def assert_inside(values: list[float], want: float, extra: float = 0.0) -> None:
    mean, half = interval(values)
    assert abs(mean - want) <= half + extra, (
        f"{mean:.5f} ± {half:.5f} (+{extra:.5f}) does not contain {want:.5f}"
    )


def erlang_c(c: int, a: float) -> float:
    """Probability that an arrival waits in M/M/c with offered load ``a = λ/μ < c``."""
    top = a**c / math.factorial(c) * c / (c - a)
    return top / (sum(a**k / math.factorial(k) for k in range(c)) + top)


EXPONENTIAL = {"distribution": "exponential", "mean": MEAN_WORK}


@pytest.fixture(scope="module")
def mm1() -> list[Replication]:
    return [replicate(100 + i, 7.0, EXPONENTIAL, 1.0, 1) for i in range(R)]


@pytest.fixture(scope="module")
def mmc() -> list[Replication]:
    return [replicate(200 + i, 30.0, EXPONENTIAL, 4.0, 4) for i in range(R)]


@pytest.fixture(scope="module")
def mg1_ps() -> list[Replication]:
    lognormal = {"distribution": "lognormal", "mean": MEAN_WORK, "cv": 2.0}
    return [replicate(300 + i, 7.0, lognormal, 1.0, None) for i in range(R)]


def test_mm1_mean_response_time(mm1: list[Replication]) -> None:
    """E[T] = 1/(μ − λ) = 1/(10 − 7) s."""
    assert min(r.completed for r in mm1) > 0.9 * N * (1 - WARMUP)
    assert_inside([r.mean for r in mm1], 1.0 / (10.0 - 7.0))


def test_mm1_response_time_quantiles(mm1: list[Replication]) -> None:
    """FIFO M/M/1 response time ~ Exp(μ − λ): p50 = ln 2/3, p95 = ln 20/3 s (histogram
    percentiles: interval + 1.2 % bin error)."""
    for q, values in ((0.50, [r.p50 for r in mm1]), (0.95, [r.p95 for r in mm1])):
        want = -math.log(1.0 - q) / (10.0 - 7.0)
        assert_inside(values, want, extra=0.012 * want)


def test_mmc_mean_response_time(mmc: list[Replication]) -> None:
    """E[T] = C(4, 3)/(4μ − λ) + 1/μ with Erlang C, μ = 10, λ = 30."""
    c, mu, rate = 4, 10.0, 30.0
    assert erlang_c(c, rate / mu) == pytest.approx(27.0 / 53.0)
    want = erlang_c(c, rate / mu) / (c * mu - rate) + 1.0 / mu
    assert_inside([r.mean for r in mmc], want)


def test_mg1_ps_mean_response_time(mg1_ps: list[Replication]) -> None:
    """E[T] = E[S]/(1 − ρ) whatever the work distribution (here lognormal, cv 2)."""
    assert_inside([r.mean for r in mg1_ps], MEAN_WORK / (1.0 - 0.7))


@pytest.mark.parametrize(("case", "rho"), [("mm1", 0.7), ("mmc", 0.75), ("mg1_ps", 0.7)])
def test_cpu_utilization_is_rho(case: str, rho: float, request: pytest.FixtureRequest) -> None:
    """CloudWatch's CPU utilization (CPU used over the task's vCPU) is the offered load ρ."""
    runs: list[Replication] = request.getfixturevalue(case)
    assert_inside([r.utilization for r in runs], rho)
