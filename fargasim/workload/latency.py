"""Request latency in the vectorized engine: queueing formulas applied tick by tick.

The exact engine (:mod:`fargasim.workload.exact`) follows every request; the vectorized one
cannot, so for the requests that arrive in a tick it draws a request's own work and wait and
applies the steady state of one task's queue at that tick's load — for every request, or for at
most ``limit`` of them a tick, each standing for several (:meth:`LatencyModel.draw`; the sampling
error: :mod:`fargasim.workload.dataplane`).

One task
--------
* ``c = min(vCPU, workersPerTask)`` is what a task can run at once: ``k = max(1, ⌊c⌋)`` servers
  of speed ``c/k`` (a 0.25-vCPU task is one server at a quarter speed).
* **Worker-bound** tasks (``workersPerTask ≤ vCPU``: every active request has a whole vCPU) are
  ``k`` FIFO slots held ``waitSeconds + cpuSeconds``. **CPU-bound** tasks share their vCPUs by
  processor sharing among at most ``workersPerTask`` requests (unlimited if unset); the others
  wait FIFO.
* The number ``N`` of requests in a task is taken as the birth–death chain of M/M/k — exact
  for exponential work under any discipline, and for processor sharing the same distribution
  whatever the work (:func:`queue_state`) — truncated by ``queueLimit`` (M/M/k/K) or, with only
  ``timeoutSeconds``, by the deterministic patience (M/M/k+D: FIFO waiting with a timeout is the
  same as turning away an arrival whose virtual wait would reach it). It gives per tick the
  share of requests turned away (``queueFull`` / ``timeout``), the share that waits for a worker
  and the distribution of that wait, and the slowdown ``s`` of the CPU phase by Little's law
  (M/M/1-PS: ``1/(1 − ρ)``; M/M/k-PS: ``1 + C(k, a)/(k(1 − ρ))``). With a queue limit a drawn wait
  beyond ``timeoutSeconds`` is a timeout too.
* A processor-sharing request of work ``x`` takes ``x·(1 + (s − 1)·G)``: never less than its own
  time, with ``G`` a gamma of mean 1 whose spread gives ``T`` the conditional variance of M/M/1-PS
  (:func:`ps_spread_scv`; the share a request starts with is the chain's, so a CPU phase that is
  always full, as in overload, adds no spread). Without the spread the p99 of M/M/1-PS at
  ρ = 0.8 came out at 238 ms against the exact engine's 368 ms; with it, within 1 %.

Arrivals at a task
------------------
The load is the arrival pattern's intensity over the tick (:meth:`ArrivalPattern.expected`), not
the tick's Poisson count, and the data plane's fluid CPU backlog (built by that count's noise) is
not added: the queueing formulas already describe that noise, and counting it twice made a task
at ρ = 0.8 79 % slow. The tasks that serve in a tick take all its requests (as the data plane
routes them), so the load is spread over at least one task, and in a tick where serving starts
(or stops) over the tasks serving at its end (start): the exact engine answers the requests
before the first task serves with 503s, and a tick in which ten tasks start at its middle is not
an overload of five. The load balancer's split sets what one task sees:

* ``round_robin`` (also without a load balancer): every n-th request of a Poisson stream, Erlang-n
  interarrivals (``c_a² = 1/n``; :func:`arrival_scv`). For exponential work GI/M/k is exact with
  the number found by an arrival geometric of ratio ``σ``, the root of ``σ = A*(kμ(1 − σ))``
  (:func:`gi_ratio`), so the chain is used at the load ``σ`` instead of ``ρ``. Other work
  distributions scale the queueing part ``C(k, a)/(1 − ρ)`` (:func:`effective_load`) relative to
  GI/M/k: FIFO by Allen–Cunneen, ``(c_a² + c_s²)/(c_a² + 1)``; processor sharing by the
  heavy-traffic ``(c_a² + c_s²)/(1 + c_s²)`` over its exponential value ``(c_a² + 1)/2`` — 1 for
  Poisson arrivals, where processor sharing is insensitive. Under such arrivals a short request
  meets the state arrivals see while a long one gets the spare capacity the others leave
  (``1/(1 − ρ)`` for one server): the slowdown rises with the work, keeping the mean
  (:meth:`LatencyModel._by_work`).
* ``weighted_random``: a random split of a Poisson stream is Poisson (``c_a² = 1``).
* ``least_outstanding_requests`` (join the shortest queue, JSQ): round robin's ``c_a²`` is an
  upper bound that overestimated the latency by 15 % (ρ = 0.4) to 80 % (ρ = 0.85). JSQ keeps the
  tasks balanced, so an arrival is taken to join a task holding ``⌊N/n⌋`` of the service's ``N``
  requests, ``N`` as in the pooled M/M/nk queue: queueing index ``C(nk, nkρ)/(1 − ρⁿ)``
  (:func:`jsq_index`); worker-bound tasks wait ``Exp(kμ(1 − ρⁿ))`` with probability
  ``C(nk, nkρ)``.
* Patterns with ``poisson: false`` (evenly spaced) have ``c_a² = 0`` before the split.

The data plane passes ``algorithm`` (the target group's ``load_balancing.algorithm.type``).

Tables
------
The per-tick work is interpolation: the chain's state (:func:`queue_state`) on a grid of loads,
and the GI/G/k correction (:func:`gi_load`) on the same grid for the task counts between which a
tick's count is interpolated in ``1/n`` (every whole count up to 32, then steps of 25 %:
:data:`_TASK_NODES`), so that fractional counts — tasks starting within a tick, slow start — and
fleets of thousands of tasks build a few dozen tables. The tables depend only on a handful of
model parameters and are shared by every run in the process (bounded caches).

Overload
--------
Bounded queues (``queueLimit`` or ``timeoutSeconds`` with limited workers) have a steady state at
any load: above capacity the chain fills and turns the excess away. An open queue does not: its
formulas use at most :data:`RHO_CAP`, and in ticks at or above capacity it keeps the queue of the
last tick below capacity, while the excess of the expected load builds a backlog in the tasks
that take it (:mod:`fargasim.workload.overload`): a fluid per cohort of tasks that started
serving together — round robin never moves a request, so tasks joining during an overload start
empty while the first keep theirs (``least_outstanding_requests``: one backlog spread over every
task) — in time steps cut where the serving count steps within a tick. Under processor sharing
(unlimited workers) a request of work ``x`` that meets a backlog takes the time its task needs to
give ``x`` to it and to every request there or arriving later that needs as much
(``x + Σ_j min(x, r_j)`` over the task's capacity, the remaining works ``r_j`` followed per tick
of arrivals): short requests pass a backlog quickly, long ones stay, and a task is slow for as
long as it holds one. That time depends on the ticks to come, so the draw is held until its
request completes and is counted in that tick (as the exact engine counts a request). Workers
first in, first out (worker-bound tasks, or fewer workers than requests) make a request wait for
its own task's backlog ahead of it. Either adds to the steady-state draw.

Accuracy
--------
``tests/workload/test_engine_agreement.py`` runs both engines on 18 scenarios; with 12 seeds of
10 minutes each the mean, p50, p95 and p99 agree within ±4 %, with three exceptions (and a
start-up overload, below). ``least_outstanding_requests``: +3.5 % mean, +7.6 % p99 for processor
sharing; +4.3 % mean, +5.5 % p50 worker-bound. An off-CPU ``waitSeconds`` phase before the
CPU: −3 % (it reorders requests, so the CPU sees arrivals closer to Poisson than round robin's).
Low-variability work behind many round-robin tasks comes out slow, because the heavy-traffic
factor for processor sharing is loose at moderate load (the exact engine lies between it and
Allen–Cunneen's FIFO factor): lognormal cv 0.5 over eight tasks at ρ = 0.6, mean +6 %, p95 +9 %,
p99 +12 % (over sixteen: mean +7 %, p99 +14 %; constant work over three tasks at ρ = 0.67:
mean +8 %, p99 +28 %). Drop shares agree within 0.002, CPU utilization within 0.2 pp (0.6 pp
where timeouts drop requests: the fluid CPU model counts their work). CPU-bound tasks with few
workers and a long ``waitSeconds`` ignore that the off-CPU phase holds a worker. The quickstart
(a day of diurnal traffic with target tracking, 2 to 20 tasks): exact 29.7/23.7/68.4/113.5 ms
(mean/p50/p95/p99), vectorized 31.2/24.8/75.0/124.5 ms (before these formulas:
54.3/47.3/108.4/153.1 ms).

A flash crowd (the agreement case: four round-robin 1-vCPU tasks, 100 requests/s rising at
60 s to 400, ρ = 2, for ~25 s; 4-minute runs, 12 seeds): mean −0.2 %, p50 −1.2 %, p95 −0.3 %,
p99 +0.5 % (with one fluid backlog spread over all tasks whose drain time every request of a
tick waited: p95 −31 %, p99 −61 %). The same with ``least_outstanding_requests`` (8 seeds):
−1.4/−2.4/−0.9/−0.9 % (before: −4.2/+0.7/−31.5/−62.0 %); with four workers a task, first in,
first out: −1.0/−1.3/−2.4/−5.6 % (unchanged: the tasks share one backlog).

Benchmark B3 (an hour of 300 req/s over ten round-robin 1-vCPU tasks, lognormal work of 20 ms,
cv 1, ρ = 0.6): in steady state the formulas agree — arrivals after the first two minutes,
12 seeds of 10 minutes: mean +1.4 %, p50 +2.7 %, p95 +0.6 %, p99 −0.9 % (standard error of
the exact p99 0.6 %); the agreement case "ten tasks, lognormal cv 1" is the same queue. The
hour starts with an overload: health checks bring the targets in one to three at a time over
15–20 s, the first ones take all 300 req/s (ρ = 2 to 6) for 0.5 to 3 s and keep a backlog for
up to a minute, in which short requests pass in tens of milliseconds and long ones stay 20–45 s:
it makes a fifth or more of the hour's mean latency, and the 1 % of requests that arrive in
its first minute set a good part of the p99. Over the whole hour (seed 11) the
vectorized engine gives mean/p50/p95/p99 37.93/18.41/105.9/231.7 ms against the exact
38.50/17.99/103.5/237.1 ms: −1.5/+2.3/+2.3/−2.3 % (with the drain time of one backlog spread
over all tasks: mean −5.0 %, p99 +0.0 %). Seeds 1 to 5 start up differently, and the exact
engine's start-up latency varies much from run to run (replaying one run's arrivals and routes
with fresh work draws moves its sum by ±5 %): mean +2.1 to +12.6 %, p99 −1.8 to +1.3 % (before:
mean −7.0 to +2.2 %, p99 +2.5 to +6.0 %). The model gives the start-up's expectation: over 40
seeds of 3-minute runs the latencies of the requests after the first serving tick add up to
+2.3 % of the exact engine's, with as many above 1 s (−0.0 %). In that first tick the
vectorized engine serves the requests that the exact engine answers with 503s before its first
target is healthy (up to a tick of arrivals, as the data plane counts them), with the latencies
of the tick's others, the longest of the start-up: its latency sum is 1.8 times the exact
engine's, about +1.5 % of the hour's mean (−1 to +3 % for the seeds above).
"""

from __future__ import annotations

import bisect
import functools
import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import special

from fargasim.core.distributions import sample
from fargasim.scenario.schema import Distribution, WorkloadSpec
from fargasim.workload.arrivals import build_pattern
from fargasim.workload.overload import Pieces, TaskBacklogs, Trace, split_ticks

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

#: Open queues (no ``queueLimit``, no ``timeoutSeconds``) have no steady state at or above full
#: load: their formulas use at most this load, and the excess builds the overload backlog.
RHO_CAP = 0.98
#: The load balancer algorithms (``load_balancing.algorithm.type``); without a target group the
#: engine routes round robin.
ALGORITHMS = ("round_robin", "weighted_random", "least_outstanding_requests")
_LOW_LOAD = 1e-9  # offered load floor (erlangs): keeps Erlang B and the logs finite
_BISECTIONS = 60
#: The loads (in ``u = −ln(1 − ρ)``, evenly spaced) at which the GI corrections are tabulated.
_GRID_U = np.linspace(0.0, -math.log(1e-6), 4097)
_GRID_RHO = -np.expm1(-_GRID_U)
#: Loads at and above capacity (bounded queues only), evenly spaced in ``ln ρ`` up to 100.
_GRID_LOG = np.linspace(math.log(_GRID_RHO[-1]), math.log(100.0), 2049)
_HERMITE = np.polynomial.hermite.hermgauss(40)  # nodes and weights for lognormal expectations
#: The task counts between which the GI corrections are interpolated in ``1/n``
#: (:meth:`LatencyModel._tabled`): every whole count up to 32, then steps of 25 % up to about
#: 26,000; :data:`_NODE_X` holds their ``1/n`` in increasing order, from 0 (infinitely many).
_TASK_NODES = np.concatenate((np.arange(1.0, 33.0), 32.0 * 1.25 ** np.arange(1, 31)))
_NODE_X = np.concatenate(([0.0], 1.0 / _TASK_NODES[::-1]))
_NODE_LIST = _NODE_X.tolist()
#: The :class:`QueueState` fields tabulated on the load grids (the others follow from the load).
_TABLED = ("p_block", "p_queue", "slowdown", "share_scv")


# -- Erlang's formulas ---------------------------------------------------------------------------


#: Up to this many servers Erlang B is computed by its recursion (one array pass per server);
#: above, from the Poisson distribution (:func:`_erlang_b_many`).
_RECURSION_SERVERS = 64


def erlang_b(servers: int, offered: FloatArray) -> FloatArray:
    """Erlang B: the probability that all ``servers`` are busy in M/M/``servers``/``servers``
    with ``offered`` load (erlangs), by the stable recursion ``B_j = a·B_{j−1}/(j + a·B_{j−1})``
    for a few servers, else as a Poisson ratio (:func:`_erlang_b_many`)."""
    a = np.asarray(offered, dtype=np.float64)
    if servers > _RECURSION_SERVERS:
        return _erlang_b_many(servers, a)
    b = np.ones_like(a)
    for j in range(1, servers + 1):
        b = a * b / (j + a * b)
    return b


def _erlang_b_many(n: int, a: FloatArray) -> FloatArray:
    """Erlang B for many servers (join-the-shortest-queue pools ``n`` tasks × ``k`` servers):
    ``B = P(X = n) / P(X ≤ n)`` for ``X ~ Poisson(a)``, i.e. ``exp(n ln a − a − ln n!) /
    Q(n + 1, a)`` (regularized upper incomplete gamma) — O(1) per load where the recursion
    takes ``n`` passes (40,000 servers: 0.4 ms instead of 180 ms; the two agree to 1e-10
    relative). Where ``P(X ≤ n)`` underflows (loads far above ``n``),
    ``1/B = Σ_j Π_{i<j} (n − i)/a``, a series whose terms fall at least as fast as
    ``(n/a)^j``."""
    with np.errstate(divide="ignore", invalid="ignore", under="ignore"):
        log_pmf = n * np.log(a) - a - special.gammaln(n + 1.0)
        below = special.gammaincc(n + 1.0, a)
        b = np.array(np.exp(log_pmf) / below, dtype=np.float64)
    bad = ~np.isfinite(b) | (below <= 0.0)
    if bad.any():
        load = a[bad]
        term = np.ones_like(load)
        total = np.ones_like(load)
        for i in range(n):
            term *= (n - i) / load
            total += term
            if not (term > 1e-17 * total).any():
                break
        b[bad] = 1.0 / total
    return b


def erlang_c(servers: int, offered: FloatArray) -> FloatArray:
    """Erlang C: the probability that an arrival waits in M/M/``servers`` with ``offered`` load
    (erlangs); 1 where the load reaches the servers (computed from Erlang B's recursion)."""
    a = np.asarray(offered, dtype=np.float64)
    b = erlang_b(servers, a)
    rho = a / servers
    with np.errstate(divide="ignore", invalid="ignore"):
        c = b / (1.0 - rho * (1.0 - b))
    return np.where(rho < 1.0, c, 1.0)


def queueing_index(servers: int, rho: FloatArray) -> FloatArray:
    """``C(k, kρ)/(1 − ρ)``: the M/M/k mean wait in units of ``1/(kμ)`` — the "queueing part"
    the GI/G/k approximations scale (∞ at ``ρ ≥ 1``)."""
    rho = np.asarray(rho, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        q = erlang_c(servers, servers * rho) / (1.0 - rho)
    return np.where(rho < 1.0, q, np.inf)


# -- arrivals at one task ------------------------------------------------------------------------


def scv(dist: Distribution) -> float:
    """Squared coefficient of variation of a scenario distribution (0 for ``constant``)."""
    if dist.mean == 0 or dist.distribution == "constant":
        return 0.0
    if dist.distribution == "exponential":
        return 1.0
    return float(dist.cv) ** 2


def arrival_scv(algorithm: str, tasks: FloatArray, base: float = 1.0) -> FloatArray:
    """The squared coefficient of variation ``c_a²`` of one task's interarrival times when the
    load balancer splits a stream of interarrival scv ``base`` (1: Poisson; 0: the evenly spaced
    ``poisson: false`` patterns) over ``tasks`` tasks:

    * ``round_robin``: each task gets every n-th arrival, the sum of n interarrivals: ``base/n``
      (Poisson: Erlang-n, ``1/n``);
    * ``weighted_random``: a random thinning with probability ``1/n``: ``1 − (1 − base)/n``
      (Poisson stays Poisson: 1);
    * ``least_outstanding_requests`` (join the shortest queue) balances at least as well as
      round robin: round robin's value, an upper bound (with Poisson arrivals the model uses
      :func:`jsq_index` instead)."""
    if algorithm not in ALGORITHMS:
        raise ValueError(f"unknown load balancing algorithm {algorithm!r}")
    n = np.maximum(np.asarray(tasks, dtype=np.float64), 1.0)
    if algorithm == "weighted_random":
        return np.asarray(1.0 - (1.0 - base) / n, dtype=np.float64)
    return np.asarray(base / n, dtype=np.float64)


def jsq_index(servers: int, tasks: FloatArray, rho: FloatArray) -> FloatArray:
    """The queueing index (``queueing_index``'s units) of one task under join-the-shortest-queue
    routing over ``n = round(tasks)`` tasks of ``k = servers`` servers each, Poisson arrivals,
    exponential work: ``C(nk, nkρ)/(1 − ρⁿ)``. JSQ keeps the tasks balanced (state-space
    collapse; Foschini & Salz 1978), so an arrival is taken to join a task holding ``⌊N/n⌋`` of
    the service's ``N`` requests, ``N`` distributed as in the pooled M/M/nk queue (geometric of
    ratio ρ beyond ``nk``, reached with probability ``C(nk, nkρ)``); the index is
    ``E[(⌊N/n⌋ + 1 − k)⁺]``. ``n = 1`` gives M/M/k's ``C(k, kρ)/(1 − ρ)``."""
    rho = np.asarray(rho, dtype=np.float64)
    n = np.maximum(np.rint(np.asarray(tasks, dtype=np.float64)), 1.0)
    out = np.full_like(rho, np.inf)
    inside = rho < 1.0
    for count in np.unique(n[inside]):
        sel = inside & (n == count)
        pooled = int(count) * servers
        c = erlang_c(pooled, pooled * rho[sel])
        out[sel] = c / -np.expm1(count * np.log(np.maximum(rho[sel], 1e-300)))
    return out


def gi_ratio(rho: FloatArray, ca2: FloatArray) -> FloatArray:
    """``σ``, the geometric ratio of the number of requests a GI/M/k arrival finds (beyond the
    servers): the root in (0, 1) of ``σ = A*(kμ(1 − σ))``, with ``A*`` the Laplace transform of
    a gamma interarrival time of mean ``1/λ`` and scv ``c_a²``, ``A*(s) = (1 + s·c_a²/λ)^(−1/c_a²)``
    (``e^(−s/λ)`` for ``c_a² = 0``). Erlang-n interarrivals (round robin over n tasks of a Poisson
    stream) are exactly that gamma; ``c_a² = 1`` gives ``σ = ρ`` (Poisson). Only for ``ρ < 1``
    (the value is ``ρ`` elsewhere)."""
    rho = np.asarray(rho, dtype=np.float64)
    ca2 = np.broadcast_to(np.asarray(ca2, dtype=np.float64), rho.shape)
    inside = (rho > 0.0) & (rho < 1.0) & (np.abs(ca2 - 1.0) > 1e-12)
    out: FloatArray = np.array(rho, dtype=np.float64)
    if not inside.any():
        return out
    r, c = rho[inside], ca2[inside]
    lo, hi = np.zeros_like(r), np.ones_like(r)
    small = c < 1e-9
    safe_c = np.where(small, 1.0, c)
    for _ in range(_BISECTIONS):
        mid = 0.5 * (lo + hi)
        x = (1.0 - mid) / r
        log_a = np.where(small, -x, -np.log1p(x * safe_c) / safe_c)
        above = log_a > np.log(mid)  # A*(…) > σ: the root lies higher
        lo = np.where(above, mid, lo)
        hi = np.where(above, hi, mid)
    out[inside] = 0.5 * (lo + hi)
    return out


def effective_load(servers: int, rho: FloatArray, factor: FloatArray) -> FloatArray:
    """The load ``ρ'`` whose M/M/k queueing part is ``factor`` times that at ``rho``:
    ``queueing_index(k, ρ') = factor · queueing_index(k, ρ)`` (bisection; ``ρ`` where
    ``factor = 1`` or ``ρ`` is not in (0, 1))."""
    rho = np.asarray(rho, dtype=np.float64)
    factor = np.broadcast_to(np.asarray(factor, dtype=np.float64), rho.shape)
    inside = (rho > 0.0) & (rho < 1.0) & (np.abs(factor - 1.0) > 1e-12)
    out: FloatArray = np.array(rho, dtype=np.float64)
    if not inside.any():
        return out
    target = factor[inside] * queueing_index(servers, rho[inside])
    lo, hi = np.zeros(target.size), np.ones(target.size)
    for _ in range(_BISECTIONS):
        mid = 0.5 * (lo + hi)
        above = queueing_index(servers, mid) < target
        lo = np.where(above, mid, lo)
        hi = np.where(above, hi, mid)
    out[inside] = 0.5 * (lo + hi)
    return out


# -- sums of geometric weights, in logs (loads above 1 and long queues never overflow) ----------


def log_geo(lr: FloatArray, n: FloatArray | float) -> FloatArray:
    """``log Σ_{i<n} e^(i·lr)`` (``n`` may be ∞ where ``lr < 0``; −∞ for ``n = 0``)."""
    lr = np.asarray(lr, dtype=np.float64)
    n = np.broadcast_to(np.asarray(n, dtype=np.float64), lr.shape)
    neg = -np.abs(lr)  # the sum of the mirrored weights, then shifted back for lr > 0
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        mirrored = np.log(-np.expm1(n * neg)) - np.log(-np.expm1(neg))
        shift = np.where(lr > 0.0, (n - 1.0) * lr, 0.0)
        out = np.where(lr == 0.0, np.log(n), mirrored + shift)
    return np.asarray(np.where(n <= 0.0, -np.inf, out), dtype=np.float64)


def geo_mean(lr: FloatArray, n: FloatArray | float) -> FloatArray:
    """The mean index ``Σ i·e^(i·lr) / Σ e^(i·lr)`` over ``0 ≤ i < n``."""
    lr = np.asarray(lr, dtype=np.float64)
    n = np.broadcast_to(np.asarray(n, dtype=np.float64), lr.shape)
    x = np.abs(lr)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        tail = np.where(np.isinf(n), 0.0, n / np.expm1(n * x))
        low = 1.0 / np.expm1(x) - tail  # the mean for the decreasing weights e^(−i·|lr|)
        low = np.where(n * x < 1e-3, (n - 1.0) / 2.0 - (n * n - 1.0) * x / 12.0, low)
        out = np.where(lr > 0.0, n - 1.0 - low, low)
    return np.asarray(np.where(n <= 0.0, 0.0, out), dtype=np.float64)


def geo_var(lr: FloatArray, n: FloatArray | float) -> FloatArray:
    """The variance of the index ``i`` under the weights ``e^(i·lr)``, ``0 ≤ i < n``:
    ``r/(1−r)² − n²rⁿ/(1−rⁿ)²`` with ``r = e^(−|lr|)`` (the same for ``±lr``)."""
    lr = np.asarray(lr, dtype=np.float64)
    n = np.broadcast_to(np.asarray(n, dtype=np.float64), lr.shape)
    x = np.abs(lr)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        tail = np.where(np.isinf(n), 0.0, n * n * np.exp(-n * x) / np.expm1(-n * x) ** 2)
        out = np.exp(-x) / np.expm1(-x) ** 2 - tail
        out = np.where(n * x < 1e-3, (n * n - 1.0) / 12.0, out)
    return np.asarray(np.where(n <= 0.0, 0.0, np.maximum(out, 0.0)), dtype=np.float64)


def log_integral(beta: FloatArray, theta: float) -> FloatArray:
    """``log ∫_0^θ e^(β·v) dv`` (θ may be ∞ where ``β < 0``)."""
    beta = np.asarray(beta, dtype=np.float64)
    x = np.abs(beta)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        mirrored = np.log(-np.expm1(-x * theta)) - np.log(x)
        out = np.where(beta > 0.0, beta * theta + mirrored, mirrored)
        out = np.where(x * theta < 1e-9, math.log(theta) + beta * theta / 2.0, out)
    return np.asarray(out, dtype=np.float64)


# -- the queue of one task in steady state -------------------------------------------------------


@dataclass
class QueueState:
    """One task's queue in steady state at each tick's load (arrays over ticks).

    ``p_block``: the share of arrivals turned away (the queue is full, or they would wait
    longer than ``timeoutSeconds``); ``p_queue``: the share that waits for a worker and gets one;
    ``slowdown``: ``E[time in the CPU phase]`` over the request's own CPU time (processor
    sharing; 1 when worker-bound)."""

    p_block: FloatArray
    p_queue: FloatArray
    slowdown: FloatArray
    lr: FloatArray  # log of the load the formulas use (the geometric ratio of the queue)
    share_scv: FloatArray  # scv of max(1, (requests on CPU with it)/k) when a request starts
    beta: FloatArray  # a queued request waits Exp(−β·kμ) in an open queue (β = ρ − 1)


def _logsumexp(*terms: FloatArray) -> FloatArray:
    stacked = np.stack(terms)
    top = np.max(stacked, axis=0)
    top = np.where(np.isfinite(top), top, 0.0)
    with np.errstate(divide="ignore"):
        return np.asarray(top + np.log(np.exp(stacked - top).sum(axis=0)), dtype=np.float64)


def queue_state(
    servers: int, workers: float, places: float, theta: float, rho: FloatArray
) -> QueueState:
    """The birth–death chain of the number ``N`` of requests in one task: arrivals at rate
    ``λ = ρkμ``, departures at ``min(N, k)·μ`` (``k = servers``; with exponential work this is the
    exact engine's task for any discipline, and for unlimited processor sharing its distribution
    is the same whatever the work distribution). At most ``workers`` requests hold a worker (they
    share the CPU); the others wait first in, first out:

    * ``places < ∞`` (``queueLimit``): ``N ≤ workers + places``; an arrival finding ``N`` at the
      limit is turned away (M/M/k/K: ``π_n ∝ aⁿ/n!`` up to ``k``, ``ρ^(n−k)`` beyond);
    * ``theta = kμ·timeoutSeconds < ∞`` (with ``places = ∞``): FIFO waiting with a deterministic
      patience is the same as turning away an arrival whose virtual wait ``V`` would reach the
      timeout; ``V`` has density ``λ·π_(w−1)·e^((λ − kμ)v)`` below it (M/M/k+D);
    * both ∞: the open M/M/k queue (``ρ < 1`` required).

    Computed in logs relative to ``π_k``, so any load and queue length is finite."""
    rho = np.asarray(rho, dtype=np.float64)
    k = servers
    a = np.maximum(k * rho, _LOW_LOAD)
    rho = a / k
    lr = np.log(rho)
    b = erlang_b(k, a)
    # States below k: mass (1 − B)/B relative to π_k, mean number (a(1 − B) − kB)/(1 − B).
    with np.errstate(divide="ignore", invalid="ignore"):
        lm_low = np.log1p(-b) - np.log(b)
        mean_low = np.where(b < 1.0, (a * (1.0 - b) - k * b) / (1.0 - b), 0.0)
    free = workers - k  # states k .. workers−1 start at once
    lm_free = log_geo(lr, free)
    mean_free = k + geo_mean(lr, free)
    lm_queue = np.full_like(rho, -np.inf)
    lm_top = np.full_like(rho, -np.inf)
    if math.isfinite(workers):
        if math.isfinite(places):
            lm_queue = free * lr + log_geo(lr, places)
            lm_top = (free + places) * lr
        else:
            # π_(w−1) relative to π_k: ρ^(w−1−k), or π_(k−1)/π_k = k/a when w = k.
            log_p = (free - 1.0) * lr if free >= 1 else np.log(k / a)
            beta = rho - 1.0
            lm_queue = lr + log_p + log_integral(beta, theta)
            with np.errstate(invalid="ignore"):
                lm_top = np.where(
                    np.isinf(theta) & (beta < 0.0), -np.inf, lr + log_p + beta * theta
                )
    log_z = _logsumexp(lm_low, lm_free, lm_queue, lm_top)
    p_low, p_free = np.exp(lm_low - log_z), np.exp(lm_free - log_z)
    p_queue, p_block = np.exp(lm_queue - log_z), np.exp(lm_top - log_z)
    held = workers if math.isfinite(workers) else 0.0
    in_cpu = p_low * mean_low + p_free * mean_free + (p_queue + p_block) * held
    served = np.maximum(1.0 - p_block, 1e-300)
    slowdown = np.maximum(in_cpu / (a * served), 1.0)
    # The share a request starts with: 1 below k requests, (n+1)/k with n = k..w−1 others, w/k
    # after waiting for a worker (the queue's requests are served with w on the CPU).
    d_free = (k + 1.0 + geo_mean(lr, free)) / k
    var_free = geo_var(lr, free) / k**2
    full = held / k if math.isfinite(workers) else 0.0
    e1 = (p_low + p_free * d_free + p_queue * full) / served
    e2 = (p_low + p_free * (var_free + d_free**2) + p_queue * full**2) / served
    share_scv = np.maximum(e2 / np.maximum(e1, 1e-300) ** 2 - 1.0, 0.0)
    return QueueState(p_block, p_queue, slowdown, lr, share_scv, rho - 1.0)


def ps_spread_scv(short_scv: FloatArray, y: FloatArray) -> FloatArray:
    """The squared coefficient of variation of a processor-sharing request's time given its
    work. M/M/1-PS has ``Var[T | x] = 2ρx/(1−ρ)³ − 2ρ(1 − e^(−(1−ρ)x))/(1−ρ)⁴`` (x in mean service
    times; Coffman, Muntz & Trotter 1970), i.e. ``scv = 2ρ·(y − 1 + e^(−y))/y²`` with
    ``y = (1 − ρ)x = x/s``: ``ρ`` for a short request (the scv of the share it starts with, one over
    1 + the geometric number it finds), falling as ``2ρ/y`` for a long one, which sees the load
    average out. In general ``ρ`` is replaced by ``short_scv``, the scv of the share a request
    starts with (:attr:`QueueState.share_scv`: ``ρ`` for M/M/1-PS, 0 when the CPU phase is always
    full), and ``y = x/(s·E[S])`` for the slowdown ``s``."""
    y = np.maximum(np.asarray(y, dtype=np.float64), 1e-12)
    with np.errstate(invalid="ignore"):
        h = np.where(y < 1e-4, 0.5 - y / 6.0, (y - 1.0 + np.exp(-y)) / (y * y))
    return np.asarray(2.0 * np.asarray(short_scv) * h, dtype=np.float64)


@dataclass
class TickLatencies:
    """The outcome of a window of ticks. ``latencies``: draws of the latency of requests that
    complete, each standing for ``weights`` requests of its tick (one each unless
    :meth:`LatencyModel.draw` was given a ``limit``), in the tick ``ticks`` of their arrival — or,
    for requests held in an open queue's processor-sharing backlog, of their completion,
    perhaps windows later (:mod:`fargasim.workload.overload`); per tick, the requests that
    complete and those dropped (exact counts, in the tick of arrival)."""

    latencies: FloatArray
    weights: IntArray
    ticks: IntArray
    completed: IntArray
    dropped_timeout: IntArray
    dropped_queue_full: IntArray


@dataclass
class _Ticks:
    """Per tick of a window: the state of one task's queue (:class:`QueueState`), the chance that
    a request not turned away waits for a worker, the long-run slowdown and its work-weighted part
    (:meth:`LatencyModel._by_work`; None when requests of any work see the same), and an open
    queue's overload backlogs over the window's pieces (:mod:`fargasim.workload.overload`; None:
    none, and no draw held)."""

    state: QueueState
    p_wait: FloatArray
    backlog: Trace | None
    long: tuple[FloatArray, FloatArray] | None
    pieces: Pieces | None


def _interp_rows(x: FloatArray, grid: FloatArray, table: FloatArray) -> FloatArray:
    """:func:`numpy.interp` of every row of ``table`` (fields × grid points) at ``x``, for an
    evenly spaced ``grid`` (one index computation for all the rows)."""
    if grid.size == 1:
        return np.repeat(table, x.size, axis=1)
    pos = np.clip((x - grid[0]) / (grid[1] - grid[0]), 0.0, grid.size - 1.0)
    i = np.minimum(pos.astype(np.intp), grid.size - 2)
    f = pos - i
    return np.asarray(table[:, i] * (1.0 - f) + table[:, i + 1] * f, dtype=np.float64)


def draw_weights(served: IntArray, size: IntArray, tick: IntArray) -> IntArray:
    """Whole weights for ``size[k]`` draws standing for the ``served[k]`` requests of tick ``k``
    (``tick``: the tick of each draw, in order): ``⌊served/size⌋`` each and one more for the first
    ``served mod size`` draws of the tick — the draws of a tick are exchangeable, so which of them
    carry the remainder does not matter. The weights of a tick sum to ``served``."""
    per = served // np.maximum(size, 1)
    extra = served - per * size
    first = np.cumsum(size) - size
    rank = np.arange(tick.size) - first[tick]
    return np.asarray(per[tick] + (rank < extra[tick]), dtype=np.int64)


@dataclass(frozen=True)
class _Corrections:
    """What the GI/G/k corrections of one task's queue depend on (:func:`gi_load`)."""

    servers: int
    service_scv: float
    worker_bound: bool
    jsq: bool
    algorithm: str
    base_scv: float


def gi_load(fix: _Corrections, rho: FloatArray, tasks: FloatArray) -> FloatArray:
    """The load of the M/M/k chain that stands for one task's actual arrivals and work at load
    ``rho < 1`` with ``tasks`` serving tasks (the GI/G/k corrections, module docstring)."""
    k = fix.servers
    cs2 = fix.service_scv
    if fix.jsq:
        # Join the shortest queue: balanced tasks (jsq_index), relative to M/M/k; FIFO's work
        # variability by Allen–Cunneen, processor sharing's taken as insensitive.
        with np.errstate(divide="ignore", invalid="ignore"):
            factor = jsq_index(k, tasks, rho) / queueing_index(k, rho)
        factor = np.where(np.isfinite(factor), factor, 1.0)
        if fix.worker_bound:
            factor = factor * (1.0 + cs2) / 2.0
        return effective_load(k, rho, factor)
    ca2 = arrival_scv(fix.algorithm, tasks, fix.base_scv)
    sigma = gi_ratio(rho, ca2)
    if fix.worker_bound:  # FIFO: Allen–Cunneen, relative to GI/M/k
        factor = (ca2 + cs2) / (ca2 + 1.0)
    else:  # processor sharing: heavy traffic's (c_a² + c_s²)/(1 + c_s²), relative to GI/M/k
        factor = 2.0 * (ca2 + cs2) / ((1.0 + cs2) * (1.0 + ca2))
    return effective_load(k, sigma, factor)


@functools.lru_cache(maxsize=256)
def _load_table(fix: _Corrections, tasks: float) -> FloatArray:
    """:func:`gi_load` on :data:`_GRID_RHO` (read-only; shared by every run in the process,
    since it depends on nothing else)."""
    table = gi_load(fix, _GRID_RHO, np.full(_GRID_RHO.size, tasks))
    table.flags.writeable = False
    return table


def work_weighted(long: FloatArray, distribution: str, service_scv: float) -> FloatArray:
    """``E[x·g(x)]/E[x]`` of :meth:`LatencyModel._by_work` for the long-run slowdowns ``long``
    (``distribution`` and ``service_scv``: the request's work)."""
    z = 1.0 / long  # E[S]/τ
    if distribution == "exponential":
        laplace = 1.0 / (1.0 + z)  # E[e^(−x/τ)]
    elif service_scv == 0.0:
        laplace = np.exp(-z)
    else:
        sigma = math.sqrt(math.log1p(service_scv))
        nodes = np.exp(sigma * math.sqrt(2.0) * _HERMITE[0] - sigma**2 / 2.0)
        laplace = np.exp(-np.multiply.outer(z, nodes)) @ _HERMITE[1] / math.sqrt(math.pi)
    return np.asarray(1.0 - (1.0 - laplace) / z, dtype=np.float64)


@dataclass(frozen=True)
class _Chain:
    """What one task's birth–death chain depends on (:func:`queue_state`), and the work whose
    :func:`work_weighted` the tables carry (None: not needed)."""

    servers: int
    workers: float
    places: float
    theta: float
    work: tuple[str, float] | None


def chain_state(chain: _Chain, loads: FloatArray) -> FloatArray:
    """The :data:`_TABLED` fields of :func:`queue_state` at ``loads`` (fields × loads), and
    :func:`work_weighted` of the slowdown when ``chain.work`` is set."""
    state = queue_state(chain.servers, chain.workers, chain.places, chain.theta, loads)
    fields = [getattr(state, name) for name in _TABLED]
    if chain.work is not None:
        fields.append(work_weighted(state.slowdown, *chain.work))
    return np.stack(fields)


@functools.lru_cache(maxsize=32)
def _state_tables(chain: _Chain, bounded: bool) -> tuple[FloatArray, FloatArray]:
    """:func:`chain_state` on :data:`_GRID_RHO` and on :data:`_GRID_LOG`'s loads (read-only,
    shared by every run in the process). Open queues never get a load at or above capacity
    (:data:`RHO_CAP`): their second table is the top of the first."""
    grids = (_GRID_RHO, np.exp(_GRID_LOG) if bounded else _GRID_RHO[-1:])
    low, high = (chain_state(chain, grid) for grid in grids)
    low.flags.writeable = False
    high.flags.writeable = False
    return low, high


class LatencyModel:
    """Draws the latencies of the requests of a window of ticks (module docstring).

    ``algorithm``: the target group's ``load_balancing.algorithm.type`` (``round_robin`` without a
    load balancer). Windows of ticks are drawn in order from time 0, as the data plane advances
    (an open queue's backlog carries over)."""

    def __init__(
        self,
        workload: WorkloadSpec,
        vcpu: float,
        rng: np.random.Generator,
        algorithm: str = "round_robin",
    ) -> None:
        if algorithm not in ALGORITHMS:
            raise ValueError(f"unknown load balancing algorithm {algorithm!r}")
        self.workload = workload
        self.rng = rng
        self.algorithm = algorithm
        poisson = getattr(build_pattern(workload.arrivals), "poisson", True)
        self.base_scv = 1.0 if poisson else 0.0
        workers = workload.workers_per_task
        capacity = min(vcpu, float(workers)) if workers else vcpu
        self.servers = max(1, int(np.floor(capacity + 1e-9)))
        self.speed = capacity / self.servers
        self.worker_bound = workers is not None and workers <= vcpu
        request = workload.request
        self.mean_work = request.cpu_seconds.mean
        self.mean_wait = request.wait_seconds.mean if request.wait_seconds is not None else 0.0
        work_var = scv(request.cpu_seconds) * self.mean_work**2
        if self.worker_bound:
            hold = self.mean_wait + self.mean_work
            wait_var = (
                scv(request.wait_seconds) * self.mean_wait**2
                if request.wait_seconds is not None
                else 0.0
            )
            self.service_time = hold  # of one server (a worker slot)
            self.service_scv = (work_var + wait_var) / hold**2 if hold > 0 else 1.0
            self.workers = float(self.servers)
        else:
            self.service_time = self.mean_work / self.speed
            self.service_scv = work_var / self.mean_work**2 if self.mean_work > 0 else 1.0
            self.workers = float(workers) if workers is not None else math.inf
        self.rate = self.servers / max(self.service_time, 1e-12)  # kμ: requests/s per task
        limit = workload.queue_limit
        timeout = request.timeout_seconds
        self.places = math.inf
        self.theta = math.inf
        self.timeout_by_wait = False  # drop drawn waits above the timeout (queueLimit mode)
        if math.isfinite(self.workers):
            theta = self.rate * timeout if timeout is not None else math.inf
            if limit is not None and limit < theta:
                self.places = float(limit)
                self.timeout_by_wait = timeout is not None
            else:
                self.theta = theta
        self.bounded = math.isfinite(self.places) or math.isfinite(self.theta)
        self.jsq = algorithm == "least_outstanding_requests" and self.base_scv == 1.0
        # Requests of different work see different loads only when arrivals are not Poisson and
        # the routing ignores the tasks' state (JSQ steers new requests away from a long one).
        poisson = algorithm == "weighted_random" and self.base_scv == 1.0
        self.long_run = not (self.worker_bound or self.jsq or poisson)
        # Open queues: the backlog beyond the steady state, kept by the tasks that took it
        # (processor sharing with unlimited workers; otherwise first in, first out).
        self.overload: TaskBacklogs | None = None
        if not self.bounded:
            shared = not self.worker_bound and math.isinf(self.workers)
            self.overload = TaskBacklogs(
                shared,
                self.servers * self.speed if shared else self.rate,
                request.cpu_seconds,
                self.jsq,
                rng,
            )
        self.clock = 0.0  # the time the next window starts at
        self.last_below = 0.0  # open queues: the load of the last tick below capacity
        self._corrections = _Corrections(
            self.servers,
            self.service_scv,
            self.worker_bound,
            self.jsq,
            algorithm,
            self.base_scv,
        )
        work = (request.cpu_seconds.distribution, self.service_scv) if self.long_run else None
        self._chain = _Chain(self.servers, self.workers, self.places, self.theta, work)

    def _loads(self, tasks: FloatArray, arrival_rate: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Per tick: the load ``ρ`` of one task the formulas start from (for open queues at most
        :data:`RHO_CAP`, and in overload that of the last tick below capacity), and the load of
        the M/M/k chain that stands for the actual arrivals and work (:func:`gi_load`, tabulated
        by :meth:`_tabled`; above capacity: ``ρ``)."""
        rho = arrival_rate / np.maximum(tasks, 1e-12) / self.rate
        if not self.bounded:
            if rho.max() >= 1.0:
                # An open queue has no steady state at or above capacity: there the fluid
                # backlog grows, on top of the queue the overload started from (the last tick
                # below capacity's; a short overload never reaches the capped steady state).
                last = np.maximum.accumulate(np.where(rho < 1.0, np.arange(rho.size), -1))
                rho = np.where(last >= 0, rho[np.maximum(last, 0)], self.last_below)
            self.last_below = float(rho[-1])
            rho = np.minimum(rho, RHO_CAP)
        tasks = np.maximum(tasks, 1.0)
        if rho.max() < _GRID_RHO[-1]:
            return rho, self._tabled(rho, tasks)
        used = rho.copy()
        tabled = rho < _GRID_RHO[-1]
        if tabled.any():
            used[tabled] = self._tabled(rho[tabled], tasks[tabled])
        near = ~tabled & (rho < 1.0)
        if near.any():
            used[near] = gi_load(self._corrections, rho[near], np.round(tasks[near], 2))
        return rho, used

    def _tabled(self, rho: FloatArray, tasks: FloatArray) -> FloatArray:
        """:func:`gi_load` for loads below the top of :data:`_GRID_RHO`: for join the shortest
        queue computed at the window's loads (its index moves too much between task counts to
        interpolate, and a table per whole count, 4,097 loads, cost 4 ms: a service swinging
        over thousands of counts spent most of its time building them); otherwise interpolated
        in tables on :data:`_GRID_U`, linearly in ``1/n`` between the task counts of
        :data:`_TASK_NODES` — exact for whole counts up to 32, and beyond them the arrival scv
        ``1/n`` moves by less than 0.008 between nodes — so that the fractional task counts of a
        long run with thousands of tasks build a few dozen tables, not one per count."""
        if self.jsq:
            return gi_load(self._corrections, rho, np.rint(tasks))
        u = -np.log1p(-rho)
        if (tasks == tasks[0]).all():
            return self._steady_tabled(u, float(tasks[0]))
        out = np.zeros_like(rho)
        x = 1.0 / tasks
        upper = np.minimum(np.maximum(np.searchsorted(_NODE_X, x), 1), _NODE_X.size - 1)
        f = (x - _NODE_X[upper - 1]) / (_NODE_X[upper] - _NODE_X[upper - 1])
        for node, weight in ((upper - 1, 1.0 - f), (upper, f)):
            used = weight > 0.0
            for j in np.unique(node[used]):
                sel = used & (node == j)
                out[sel] += weight[sel] * np.interp(u[sel], _GRID_U, self._node_table(j))
        return out

    def _steady_tabled(self, u: FloatArray, tasks: float) -> FloatArray:
        """:meth:`_tabled` at the loads ``u`` (``−ln(1 − ρ)``) of a window with a steady task
        count: one or two tables."""
        x = 1.0 / tasks
        upper = min(max(bisect.bisect_left(_NODE_LIST, x), 1), len(_NODE_LIST) - 1)
        lo, hi = _NODE_LIST[upper - 1], _NODE_LIST[upper]
        f = (x - lo) / (hi - lo)
        out: FloatArray = f * np.interp(u, _GRID_U, self._node_table(upper))
        if f < 1.0:
            out += (1.0 - f) * np.interp(u, _GRID_U, self._node_table(upper - 1))
        return out

    def _node_table(self, index: int) -> FloatArray:
        """:func:`gi_load` on :data:`_GRID_RHO` for the task count of node ``index`` of
        :data:`_NODE_X` (∞ for ``1/n = 0``)."""
        x = float(_NODE_X[index])
        return _load_table(self._corrections, 1.0 / x if x > 0.0 else math.inf)

    def _tabled_state(self, loads: FloatArray) -> FloatArray:
        """:func:`chain_state` at ``loads``, interpolated in tables (:func:`_state_tables`; the
        state depends on nothing else): in ``−ln(1 − ρ)`` below capacity, in ``ln ρ`` above it;
        computed directly beyond them."""
        low, high = _state_tables(self._chain, self.bounded)
        top = _GRID_RHO[-1]
        values = _interp_rows(-np.log1p(-np.minimum(loads, top)), _GRID_U, low)
        if loads.max() < top:
            return values
        above = loads >= top
        values[:, above] = _interp_rows(np.log(loads[above]), _GRID_LOG[: high.shape[1]], high)
        beyond = loads > 100.0
        if beyond.any():
            values[:, beyond] = chain_state(self._chain, loads[beyond])
        return values

    def _by_work(
        self,
        own: FloatArray,
        tick: IntArray,
        mean: FloatArray,
        long: FloatArray,
        weighted: FloatArray,
    ) -> FloatArray:
        """The slowdown of each request of own time ``own`` in tick ``tick`` when short
        requests see the arrival-epoch slowdown and long ones the long-run one. Per tick, ``mean``
        is the chain's slowdown (the mean, by Little) and ``long`` the Poisson chain's at the
        actual load: ``s(x) = mean + (long − mean)·(g(x) − E[x·g(x)]/E[x])`` with
        ``g(x) = 1 − ψ(x/τ)``, ``ψ(y) = (1 − e^(−y))/y`` (the share relaxing as ``e^(−t/τ)`` over
        the attained time), ``τ = E[S]·long`` (the scale of :func:`ps_spread_scv`); subtracting
        the work-weighted mean of ``g`` (``weighted``, :func:`work_weighted`) keeps
        ``E[x·s(x)] = E[S]·mean``. Against the exact engine (four round-robin tasks, ρ = 0.8,
        exponential work) it gives +4 % and +9 % over the mean slowdown at x = 3 and 4.4·E[S],
        as measured."""
        y = own / (self.service_time * long[tick])
        with np.errstate(invalid="ignore", divide="ignore"):
            g = np.where(y < 1e-8, y / 2.0, 1.0 + np.expm1(-y) / y)
        slowdown = mean[tick] + (long - mean)[tick] * (g - weighted[tick])
        return np.asarray(slowdown, dtype=np.float64)

    def draw(
        self,
        counts: IntArray,
        expected: FloatArray,
        tasks: FloatArray,
        dt: FloatArray,
        limit: int | None = None,
        levels: FloatArray | None = None,
    ) -> TickLatencies:
        """``counts``: requests served per tick; ``expected``: the arrival pattern's expected
        requests in each tick (its intensity sets the load); ``tasks``: mean serving tasks per
        tick; ``dt``: the ticks' lengths (the ticks follow the previous call's); ``limit``: the
        most latency draws per tick (None: one per request); ``levels``: the serving tasks at
        every edge of the ticks (None: steady within each tick).

        A tick's requests go to the tasks that serve in it, as if they served all of it: the
        load of a tick where serving starts (or stops) is spread over the tasks serving at its
        end (start) — in the exact engine the load balancer answers the requests before them
        with 503s — and an overload backlog (:mod:`fargasim.workload.overload`) takes the
        arrivals while tasks serve, with tasks joining or leaving at the step that keeps the
        tick's mean (:func:`~fargasim.workload.overload.split_ticks`).

        Per tick the requests turned away are a binomial draw of the chain's ``p_block``; of
        the others, ``min(n, limit)`` draws are made, weighted to stand for all ``n``
        (:func:`draw_weights`), so the counts of completed and dropped requests stay exact
        while the latencies are a sample (its error: :mod:`fargasim.workload.dataplane`). A
        drawn wait above ``timeoutSeconds`` (``queueLimit`` mode) drops the requests its draw
        stands for."""
        mean = tasks
        if levels is not None:
            begin, end = levels[:-1], levels[1:]
            starts = (begin <= 0.0) & (end > 0.0)
            stops = (end <= 0.0) & (begin > 0.0)
            tasks = np.where(mean > 0.0, np.where(starts, end, np.where(stops, begin, mean)), 0.0)
        ticks = self._ticks(expected, tasks, dt, mean, levels)
        p_block = np.minimum(np.maximum(ticks.state.p_block, 0.0), 1.0)
        blocked = self.rng.binomial(counts, p_block)
        served = counts - blocked
        size = served if limit is None else np.minimum(served, limit)
        tick = np.repeat(np.arange(counts.size), size)
        weights = draw_weights(served, size, tick)
        latency, late, work = self._sample(tick, ticks)
        late_counts = np.zeros_like(served)
        if late is not None:  # whole numbers below 2^53: bincount sums them exactly
            late_counts = np.bincount(tick[late], weights[late], counts.size).astype(np.int64)
            keep = ~late
            latency, weights, tick = latency[keep], weights[keep], tick[keep]
        starts_at = self.clock + np.cumsum(dt) - dt
        self.clock += float(dt.sum())
        if ticks.pieces is not None:
            pieces = ticks.pieces
            assert self.overload is not None
            latency, weights, tick = self.overload.apply(
                ticks.backlog,
                latency,
                work,
                weights,
                tick,
                pieces,
                starts_at[pieces.tick] + pieces.offset,
            )
        if math.isfinite(self.places):
            queue_full, timed_out = blocked, late_counts
        else:  # the M/M/k+D chain turns away the arrivals that would wait past the timeout
            queue_full, timed_out = np.zeros_like(blocked), blocked + late_counts
        return TickLatencies(latency, weights, tick, served - late_counts, timed_out, queue_full)

    def _ticks(
        self,
        expected: FloatArray,
        tasks: FloatArray,
        dt: FloatArray,
        mean: FloatArray,
        levels: FloatArray | None,
    ) -> _Ticks:
        """The per-tick state of a window (the open-queue backlog and the last load below
        capacity are carried to the next; ``mean``, ``levels``: as given to :meth:`draw`)."""
        serving = tasks > 0
        # A task that serves part of a tick still takes all of the tick's requests (the data
        # plane routes a tick's requests to the tasks that served in it), and targets all in slow
        # start still share every request: at least one task's worth.
        tasks = np.where(serving, np.maximum(tasks, 1.0), 0.0)
        arrival_rate = np.where(serving, np.maximum(expected, 0.0), 0.0) / dt
        rho, used = self._loads(tasks, arrival_rate)
        if self.long_run:  # one interpolation for the chain's state and the long-run slowdown
            values = self._tabled_state(np.concatenate((used, rho)))
            n = rho.size
            long: tuple[FloatArray, FloatArray] | None = (values[2, n:], values[4, n:])
            values = values[:, :n]
        else:
            values, long = self._tabled_state(used), None
        p_block, p_queue, slowdown, share_scv = values[:4]
        load = np.maximum(used, _LOW_LOAD / self.servers)
        state = QueueState(p_block, p_queue, slowdown, np.log(load), share_scv, load - 1.0)
        if self.jsq and self.worker_bound and not self.bounded:
            # Balanced JSQ (jsq_index): a request waits when the pooled M/M/nk queue has every
            # server busy, for as many departures of its task as the geometric (ratio ρⁿ)
            # number of rounds of requests ahead: Exp(kμ(1 − ρⁿ)), stretched by Allen–Cunneen.
            rounded = np.maximum(np.rint(tasks), 1.0)
            for count in np.unique(rounded):
                sel = rounded == count
                pooled = int(count) * self.servers
                state.p_queue[sel] = erlang_c(pooled, pooled * rho[sel])
                stretch = (1.0 + self.service_scv) / 2.0
                state.beta[sel] = np.expm1(count * np.log(np.maximum(rho[sel], 1e-300))) / stretch
        # Not turned away, a request waits for a worker with probability p_queue/(1 − p_block).
        with np.errstate(divide="ignore", invalid="ignore"):
            p_wait = np.where(p_block < 1.0, state.p_queue / (1.0 - p_block), 0.0)
        backlog = pieces = None
        if self.overload is not None:
            pieces = split_ticks(levels, mean, dt)
            at_least_one = np.where(pieces.tasks > 0.0, np.maximum(pieces.tasks, 1.0), 0.0)
            rate = np.where(pieces.tasks > 0.0, arrival_rate[pieces.tick], 0.0)
            backlog = self.overload.advance(rate, at_least_one, pieces.length)
            if backlog is None and not self.overload.pending:
                pieces = None
        return _Ticks(state, p_wait, backlog, long, pieces)

    @property
    def backlog(self) -> float:
        """An open queue's overload backlog in all tasks: vCPU-seconds of work under processor
        sharing, requests otherwise (0 for bounded queues)."""
        return self.overload.total() if self.overload is not None else 0.0

    def _sample(
        self, tick: IntArray, ticks: _Ticks
    ) -> tuple[FloatArray, BoolArray | None, FloatArray]:
        """The latency of one request drawn in each tick of ``tick`` among those not turned
        away, whether its wait for a worker passed the timeout (``queueLimit`` mode; None
        when none can), and its CPU work."""
        n = tick.size
        request = self.workload.request
        work = sample(request.cpu_seconds, self.rng, n)
        latency = work.copy() if self.worker_bound else self._cpu_time(work, tick, ticks)
        if request.wait_seconds is not None:
            latency = latency + sample(request.wait_seconds, self.rng, n)
        late = None
        if n and ticks.p_wait.max() > 0.0:
            queued = np.flatnonzero(self.rng.random(n) < ticks.p_wait[tick])
            slot_wait = self._slot_waits(tick[queued], ticks.state)
            latency[queued] += slot_wait
            timeout = request.timeout_seconds
            if self.timeout_by_wait and timeout is not None:
                late = np.zeros(n, dtype=bool)
                late[queued] = slot_wait > timeout
        return latency, late, work

    def _slot_waits(self, which: IntArray, state: QueueState) -> FloatArray:
        """The wait for a worker of requests that queue in the ticks ``which``: with a queue
        limit, the requests ahead (the chain's truncated geometric) each leave after an
        exponential time; with an open or timed-out queue, the virtual wait's exponential
        density, truncated at the timeout."""
        v = self.rng.random(which.size)
        rate = self.rate
        if math.isfinite(self.places):
            lr = state.lr[which]
            places = self.places
            with np.errstate(divide="ignore", invalid="ignore"):
                x = np.abs(lr)
                j = np.floor(np.log1p(v * np.expm1(-places * x)) / -x)
                j = np.where(places * x < 1e-9, np.floor(v * places), j)
            j = np.clip(j, 0.0, places - 1.0)
            j = np.where(lr > 0.0, places - 1.0 - j, j)
            return np.asarray(self.rng.gamma(j + 1.0) / rate, dtype=np.float64)
        beta = state.beta[which]
        theta = self.theta
        z = beta * theta
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            # log1p(v·expm1(z))/β, written for z > 0 as θ + log(v + (1 − v)e^(−z))/β so that a
            # heavily overloaded queue (large z) stays finite.
            grows = theta + np.log(v + (1.0 - v) * np.exp(-np.maximum(z, 0.0))) / beta
            shrinks = np.log1p(v * np.expm1(np.minimum(z, 0.0))) / beta
            t = np.where(z > 0.0, grows, shrinks)
            t = np.where(np.abs(z) < 1e-9, v * theta, t)
        return np.asarray(t / rate, dtype=np.float64)

    def _cpu_time(self, work: FloatArray, tick: IntArray, ticks: _Ticks) -> FloatArray:
        """The time of each request's CPU phase under processor sharing: ``x·(1 + (s − 1)·G)``
        for own time ``x`` and slowdown ``s``, never below the request's own time, with a gamma
        ``G`` of mean 1 whose scv gives the time the variance of :func:`ps_spread_scv` (shape
        < 1: most requests share little, a few a lot)."""
        state = ticks.state
        own = work / self.speed
        if ticks.long is not None:
            slowdown = self._by_work(own, tick, state.slowdown, *ticks.long)
        else:
            slowdown = state.slowdown[tick]
        y = own / (self.service_time * slowdown)
        extra = slowdown - 1.0
        spread = (
            ps_spread_scv(state.share_scv[tick], y) * (slowdown / np.maximum(extra, 1e-12)) ** 2
        )
        spread = np.minimum(np.maximum(spread, 1e-9), 1e9)
        share = np.where(extra > 1e-9, self.rng.gamma(1.0 / spread, spread), 0.0)
        return np.asarray(own * (1.0 + extra * share), dtype=np.float64)
