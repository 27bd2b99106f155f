"""The data plane, first cut: a fluid model of each service's CPU work, vectorized over ticks.

Per service and per tick ``k`` of length ``dt`` (``model.tick``):

* ``N_k`` requests arrive (:mod:`fargasim.workload.arrivals`); their CPU need is the sum of ``N_k``
  draws of ``request.cpuSeconds`` (:func:`~fargasim.core.distributions.sample_sums`).
* The tasks that serve traffic (RUNNING and application started) share the work equally, as a
  round-robin load balancer would. Their capacity is ``C_k = S_k · min(vCPU, workersPerTask)``
  vCPU-seconds, where ``S_k`` is the task-seconds of serving tasks within the tick (a request uses
  at most one vCPU, so a task with fewer workers than vCPUs cannot use them all).
* Work beyond capacity waits (a fluid queue): ``b_k = max(0, b_{k−1} + W_k − C_k)`` (Lindley's
  recursion, solved for a whole window at once with cumulative sums), and the CPU used is
  ``u_k = b_{k−1} + W_k − b_k``. Work that arrives while no task serves is dropped (the load
  balancer has no target), though it still counts in the request rate.
* CPU utilization is ``u_k`` over the vCPU-seconds of RUNNING tasks (§11: the service average over
  RUNNING tasks, relative to the task-level CPU, never above 100 %).
* Memory utilization is ``baseMemoryMiB`` per RUNNING task plus ``request.memoryMiB`` per request
  in flight (in service ``u_k/dt`` plus waiting ``b_k / E[cpuSeconds]``), over the task memory.

The control plane only logs when serving/running counts change (:meth:`DataPlane.set_counts`);
:meth:`DataPlane.advance_to` integrates those step functions over each tick, so traffic draws
never depend on control-plane timing (DESIGN.md §5: changing a policy does not change traffic).
The request-level model (latency, drops) replaces this with its own issue.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from fargasim.core import Context
from fargasim.core.distributions import sample_sums
from fargasim.scenario.schema import WorkloadSpec
from fargasim.workload.arrivals import ArrivalPattern, build_pattern
from fargasim.workload.fluid import lindley, lindley_capped
from fargasim.workload.histogram import LatencyHistogram
from fargasim.workload.latency import IntArray, LatencyModel

if TYPE_CHECKING:
    from fargasim.workload.plane import TaskPhase

FloatArray = npt.NDArray[np.float64]


@dataclass
class Totals:
    """Cumulative quantities of one service since time 0 (differences give period averages)."""

    arrivals: float = 0.0
    cpu_used: float = 0.0  # vCPU-seconds
    cpu_capacity: float = 0.0  # vCPU-seconds of RUNNING tasks
    memory_used: float = 0.0  # MiB-seconds
    memory_capacity: float = 0.0  # MiB-seconds of RUNNING tasks
    running_seconds: float = 0.0  # task-seconds in RUNNING
    serving_seconds: float = 0.0  # task-seconds serving traffic (RUNNING and app started)
    work_used: float = 0.0  # vCPU-seconds of request work done (cpu_used less idle CPU)
    request_memory: float = 0.0  # MiB-seconds held by requests in flight
    completed: float = 0.0  # requests answered
    dropped_no_target: float = 0.0  # no healthy target: the load balancer answers 503
    dropped_queue_full: float = 0.0  # the task's queue (queueLimit) was full
    dropped_timeout: float = 0.0  # waited timeoutSeconds for a worker slot
    dropped_task_stopped: float = 0.0  # in the task when its containers stopped

    @property
    def dropped(self) -> float:
        return (
            self.dropped_no_target
            + self.dropped_queue_full
            + self.dropped_timeout
            + self.dropped_task_stopped
        )


def base_memory_mib(workload: WorkloadSpec | None, memory_mib: float) -> float:
    """Memory a task uses with no request in it: ``baseMemoryMiB`` (at most the task's), else a
    quarter of the task's memory (an assumption)."""
    if workload is not None and workload.base_memory_mib is not None:
        return min(workload.base_memory_mib, memory_mib)
    return 0.25 * memory_mib


@dataclass
class _StepLog:
    """A step function of time (task counts), integrated lazily."""

    times: list[float] = field(default_factory=lambda: [0.0])
    values: list[float] = field(default_factory=lambda: [0.0])

    def set(self, time: float, value: float) -> None:
        if time == self.times[-1]:
            self.values[-1] = value
        else:
            self.times.append(time)
            self.values.append(value)

    def integrate(self, edges: FloatArray) -> FloatArray:
        """``∫`` over each ``[edges[i], edges[i+1])``; drops history before ``edges[-1]``."""
        t = np.asarray(self.times)
        v = np.asarray(self.values)
        cum = np.concatenate(([0.0], np.cumsum(np.diff(t) * v[:-1])))
        i = np.searchsorted(t, edges, side="right") - 1
        i = np.clip(i, 0, None)
        at_edges = cum[i] + v[i] * (edges - t[i])
        result: FloatArray = np.asarray(np.diff(at_edges), dtype=np.float64)
        last = float(edges[-1])
        keep = int(np.searchsorted(t, last, side="right")) - 1
        self.times = [last, *self.times[keep + 1 :]]
        self.values = self.values[keep:]
        return result


class ServiceFlow:
    """The fluid model of one service."""

    def __init__(
        self,
        ctx: Context,
        name: str,
        vcpu: float,
        memory_mib: float,
        workload: WorkloadSpec | None,
        idle_cpu_percent: float,
        algorithm: str = "round_robin",
    ) -> None:
        self.name = name
        self.vcpu = vcpu
        self.memory_mib = memory_mib
        self.workload = workload
        self.idle_fraction = idle_cpu_percent / 100.0
        self.pattern: ArrivalPattern | None = build_pattern(workload.arrivals) if workload else None
        self.rng = ctx.rng(f"arrivals/{name}")
        self.work_rng = ctx.rng(f"requests/{name}")
        workers = workload.workers_per_task if workload and workload.workers_per_task else None
        self.per_task_vcpu = min(vcpu, float(workers)) if workers else vcpu
        self.base_memory = base_memory_mib(workload, memory_mib)
        self.serving = _StepLog()
        self.running = _StepLog()
        self.backlog = 0.0
        self.totals = Totals()
        self.latency = LatencyHistogram()  # completed requests (seconds)
        # ``algorithm``: the target group's routing (round robin without a load balancer).
        self.latency_model = (
            LatencyModel(workload, vcpu, ctx.rng(f"latency/{name}"), algorithm)
            if workload
            else None
        )

    def _latencies(
        self, counts: IntArray, serving_s: FloatArray, dt: FloatArray, backlog: FloatArray
    ) -> None:
        """Latencies and drops of the ticks' requests (:mod:`fargasim.workload.latency`).

        The latency model is given the requests and the serving tasks of each tick; it takes the
        load from the arrival pattern's intensity and keeps its own queue state, so ``backlog``
        (the fluid CPU backlog, whose per-tick Poisson noise the queueing formulas already
        describe, and which keeps the work of dropped requests) is not used for latency."""
        assert self.latency_model is not None
        del backlog
        outcome = self.latency_model.draw(counts, serving_s / dt, dt)
        self.latency.add(outcome.latencies)
        self.totals.completed += float(outcome.latencies.size)
        self.totals.dropped_timeout += float(outcome.dropped_timeout)
        self.totals.dropped_queue_full += float(outcome.dropped_queue_full)

    def _backlog_ceilings(self, serving_s: FloatArray, dt: FloatArray) -> FloatArray | None:
        """Most CPU work (vCPU-seconds) that can be in the tasks at the end of each tick: what the
        serving tasks do in ``timeoutSeconds`` (older work was given up), and the work of
        ``workersPerTask + queueLimit`` requests per task; ``None`` when neither bounds it."""
        assert self.workload is not None
        timeout = self.workload.request.timeout_seconds
        limit = self.workload.queue_limit
        if timeout is None and limit is None:
            return None
        tasks = serving_s / dt
        ceiling = np.full(dt.size, np.inf)
        if timeout is not None:
            ceiling = np.minimum(ceiling, timeout * tasks * self.per_task_vcpu)
        workers = self.workload.workers_per_task
        if limit is not None and workers is not None:  # unlimited workers: nobody queues
            mean_work = self.workload.request.cpu_seconds.mean
            ceiling = np.minimum(ceiling, (workers + limit) * tasks * mean_work)
        return ceiling

    def advance(self, edges: FloatArray) -> None:
        """Process the ticks ``[edges[i], edges[i+1])``."""
        serving_s = self.serving.integrate(edges)
        running_s = self.running.integrate(edges)
        dt = np.diff(edges)
        totals = self.totals
        idle = self.idle_fraction * running_s * self.vcpu
        if self.pattern is None or self.workload is None:
            used = idle
            used_work = np.zeros_like(dt)
            in_flight = np.zeros_like(dt)
        else:
            arrived = self.pattern.counts(edges[:-1], edges[1:], self.rng)
            counts = np.where(serving_s > 0, arrived, 0)  # no serving task: the ALB returns 503
            work = sample_sums(self.workload.request.cpu_seconds, counts, self.work_rng)
            capacity = serving_s * self.per_task_vcpu
            ceilings = self._backlog_ceilings(serving_s, dt)
            if ceilings is None:
                backlog = lindley(self.backlog, work - capacity)
            else:  # clients that gave up (timeout, full queue) leave no work behind
                backlog, _ = lindley_capped(
                    min(self.backlog, ceilings[0]), work - capacity, ceilings
                )
            previous = np.concatenate(([self.backlog], backlog[:-1]))
            used_work = previous + work - backlog
            self.backlog = float(backlog[-1])
            totals.arrivals += float(arrived.sum())
            totals.dropped_no_target += float((arrived - counts).sum())
            self._latencies(counts, serving_s, dt, previous)
            used = np.minimum(used_work + idle, running_s * self.vcpu)
            mean_cpu = max(self.workload.request.cpu_seconds.mean, 1e-12)
            in_flight = used_work / dt + backlog / mean_cpu
        totals.cpu_used += float(used.sum())
        totals.cpu_capacity += float((running_s * self.vcpu).sum())
        totals.running_seconds += float(running_s.sum())
        totals.serving_seconds += float(serving_s.sum())
        totals.work_used += float(used_work.sum())
        per_request = self.workload.request.memory_mib if self.workload else 0.0
        request_memory = per_request * in_flight * dt
        totals.request_memory += float(request_memory.sum())
        memory = running_s * self.base_memory + request_memory
        totals.memory_used += float(np.minimum(memory, running_s * self.memory_mib).sum())
        totals.memory_capacity += float((running_s * self.memory_mib).sum())


class DataPlane:
    """All services' flows, advanced together in whole ticks."""

    def __init__(self, ctx: Context, tick: float) -> None:
        self.ctx = ctx
        self.tick = tick
        self.flows: dict[str, ServiceFlow] = {}
        self.ticks_done = 0

    def add(self, flow: ServiceFlow) -> None:
        self.flows[flow.name] = flow

    def set_targets(self, service: str, weights: Mapping[str, float]) -> None:
        """Task-level routing is the exact engine's; the fluid model uses the counts."""

    def task_state(self, service: str, task_id: str, phase: TaskPhase) -> None:
        """Task-level state is the exact engine's; the fluid model uses the counts."""

    def set_counts(self, service: str, serving: float, running: int) -> None:
        """The control plane reports a change of a service's serving/running task counts now
        (``serving`` may be fractional: targets in slow start weigh less than one)."""
        flow = self.flows[service]
        flow.serving.set(self.ctx.now, serving)
        flow.running.set(self.ctx.now, running)

    def advance_to(self, time: float) -> None:
        """Process every whole tick that ends at or before ``time``."""
        target = int(np.floor(time / self.tick + 1e-9))
        if target <= self.ticks_done:
            return
        edges = np.arange(self.ticks_done, target + 1, dtype=np.float64) * self.tick
        for flow in self.flows.values():
            flow.advance(edges)
        self.ticks_done = target
