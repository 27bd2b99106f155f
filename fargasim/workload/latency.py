"""Request latency in the vectorized engine: queueing formulas applied tick by tick.

The exact engine (:mod:`fargasim.workload.exact`) follows every request; the vectorized one
cannot, so for the requests that arrive in a tick it draws each request's own work and wait and
applies the steady-state behaviour of the task's queue at that tick's load. Per task (requests
are split evenly over the serving tasks, as round robin does):

* ``c = min(vCPU, workersPerTask)`` is what a task can run at once; it is ``k = max(1, ⌊c⌋)``
  servers of speed ``c / k`` (a 0.25-vCPU task is one server at a quarter speed).
* **Worker-bound tasks** (``workersPerTask ≤ vCPU``: every active request has a whole vCPU) are an
  M/G/k FCFS queue of slots held ``waitSeconds + cpuSeconds``: a request waits with the Erlang C
  probability ``C(k, a)`` for an exponential time of rate ``k/E[S] − λ`` (exact for M/M/k), then
  takes its own wait and work.
* **CPU-bound tasks** (more workers than vCPUs, or unlimited) share the vCPUs by processor
  sharing. The number of requests in such a system (each served at ``min(1, c/n)``) is that of
  an M/M/k birth-death chain whatever the work distribution (the queue is symmetric, hence
  insensitive), so a request of work ``x`` expects ``E[T | x] = x · s`` with the slowdown
  ``s = 1 + C(k, a) / (k (1 − ρ))``. A request's latency is its wait plus ``x · s``; the spread of
  ``T`` given ``x`` is left out, so tail percentiles come out lower than the exact engine's (the
  agreement tests state by how much).
* ``a = λ · E[S]`` per task in server units and ``ρ = a / k`` come from the tick's requests and
  serving task-seconds; ``ρ`` is capped at 0.98 for the formulas, and load beyond capacity
  builds the fluid backlog of :mod:`fargasim.workload.dataplane`, whose drain time
  ``backlog / capacity`` every request of the tick also waits.
* ``timeoutSeconds``: a request whose wait for a slot (Erlang wait plus backlog) exceeds it is
  dropped. ``queueLimit``: when the backlog per task, in requests, exceeds it, the tick's
  requests are dropped as ``queueFull``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from fargasim.core.distributions import sample
from fargasim.scenario.schema import WorkloadSpec

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

RHO_CAP = 0.98


def erlang_c(servers: int, offered: FloatArray) -> FloatArray:
    """Erlang C: the probability that an arrival waits in M/M/``servers`` with ``offered`` load
    (erlangs); 1 where the load reaches the servers (computed from Erlang B's recursion)."""
    a = np.asarray(offered, dtype=np.float64)
    b = np.ones_like(a)
    for j in range(1, servers + 1):
        b = a * b / (j + a * b)
    rho = a / servers
    with np.errstate(divide="ignore", invalid="ignore"):
        c = b / (1.0 - rho * (1.0 - b))
    return np.where(rho < 1.0, c, 1.0)


@dataclass
class TickLatencies:
    """The outcome of one window of ticks: latencies of the requests that complete, and the
    requests dropped."""

    latencies: FloatArray
    dropped_timeout: int
    dropped_queue_full: int


class LatencyModel:
    """Draws the latency of every request of a window of ticks (module docstring)."""

    def __init__(self, workload: WorkloadSpec, vcpu: float, rng: np.random.Generator) -> None:
        self.workload = workload
        self.rng = rng
        workers = workload.workers_per_task
        capacity = min(vcpu, float(workers)) if workers else vcpu
        self.servers = max(1, int(np.floor(capacity + 1e-9)))
        self.speed = capacity / self.servers
        self.worker_bound = workers is not None and workers <= vcpu
        request = workload.request
        self.mean_work = request.cpu_seconds.mean
        self.mean_wait = request.wait_seconds.mean if request.wait_seconds is not None else 0.0

    def draw(
        self,
        counts: IntArray,
        tasks: FloatArray,
        dt: FloatArray,
        backlog_wait: FloatArray,
        backlog_per_task: FloatArray,
    ) -> TickLatencies:
        """``counts``: requests served per tick; ``tasks``: mean serving tasks per tick;
        ``backlog_wait``: seconds to drain the fluid backlog at each tick's start;
        ``backlog_per_task``: that backlog in requests per task."""
        n = int(counts.sum())
        if n == 0:
            return TickLatencies(np.zeros(0), 0, 0)
        request = self.workload.request
        tick = np.repeat(np.arange(counts.size), counts)
        work = sample(request.cpu_seconds, self.rng, n)
        wait = (
            sample(request.wait_seconds, self.rng, n)
            if request.wait_seconds is not None
            else np.zeros(n)
        )
        safe_tasks = np.maximum(tasks, 1e-12)
        rate = counts / dt / safe_tasks  # requests per second per task
        k = self.servers
        dropped_full = np.zeros(n, dtype=bool)
        limit = self.workload.queue_limit
        if limit is not None:
            dropped_full = (backlog_per_task > limit)[tick]
        if self.worker_bound:
            hold = self.mean_wait + self.mean_work
            offered = np.minimum(rate * hold, RHO_CAP * k)
            waits_p = erlang_c(k, offered)
            drain = np.maximum(k / max(hold, 1e-12) - offered / max(hold, 1e-12), 1e-12)
            queued = self.rng.random(n) < waits_p[tick]
            slot_wait = np.where(queued, self.rng.exponential(1.0, n) / drain[tick], 0.0)
            slot_wait = slot_wait + backlog_wait[tick]
            latency = slot_wait + wait + work
        else:
            offered = np.minimum(rate * self.mean_work / self.speed, RHO_CAP * k)
            rho = offered / k
            slowdown = 1.0 + erlang_c(k, offered) / (k * (1.0 - rho))
            slot_wait = backlog_wait[tick]
            latency = slot_wait + wait + work / self.speed * slowdown[tick]
        timeout = request.timeout_seconds
        dropped_time = (
            (slot_wait > timeout) & ~dropped_full if timeout is not None else np.zeros(n, bool)
        )
        keep = ~(dropped_full | dropped_time)
        return TickLatencies(
            np.asarray(latency[keep], dtype=np.float64),
            int(dropped_time.sum()),
            int(dropped_full.sum()),
        )
