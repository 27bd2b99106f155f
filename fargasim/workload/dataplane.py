"""The vectorized data plane: each service's CPU work as a fluid and its requests' latencies,
in ticks of numpy arrays, advanced lazily in whole windows.

Per service and per tick ``k`` of length ``dt`` (``model.tick``):

* ``N_k`` requests arrive (:mod:`fargasim.workload.arrivals`); their CPU need is the sum of ``N_k``
  draws of ``request.cpuSeconds`` (:func:`~fargasim.core.distributions.sample_sums`). Neither
  depends on the control plane, so both are drawn an hour of ticks ahead (:data:`CHUNK_TICKS`).
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
* Latencies and drops come from the queueing formulas of :mod:`fargasim.workload.latency`,
  given per tick the expected arrivals, the mean serving count and the count at the tick's edges
  (where tasks join within a tick: an open queue's overload backlog stays in the tasks that took
  it, :mod:`fargasim.workload.overload`).

Windows
-------
The control plane only logs when serving/running counts change (:meth:`DataPlane.set_counts`);
:meth:`DataPlane.advance_to` integrates those step functions over each tick, so traffic draws
never depend on control-plane timing (DESIGN.md §5: changing a policy does not change traffic).
Only the metric publishers and the end of the run advance the plane, and when they make it
advance it goes on to the present: a datapoint is computed just before it becomes visible
(:mod:`fargasim.monitoring`), from the totals kept at its period's end, so with 60 s periods and
the default 60 s publish delay each window is 120 ticks. A window is processed with array
operations (at most :data:`WINDOW_TICKS` ticks at a time), and the same pass fills every row of the
time series that ends in it (:mod:`fargasim.workload.rows`): cumulative sums of the per-tick
quantities at the rows' ends, and one weighted ``bincount`` over (row, latency bin) pairs for the
rows' percentiles (a row that spans windows carries its partial bin counts). Nothing is kept per
request; latency draws wait for the histogram in batches of at most :data:`PENDING_DRAWS`, and
in an open queue's overload the draws of requests still in a processor-sharing backlog wait
until they complete (at most :data:`~fargasim.workload.overload.MAX_PENDING`; their latency goes
into the row of their completion, and a draw still waiting when the run ends has none).

Latency draws and their sampling error
--------------------------------------
Request counts are exact: arrivals, 503s, the binomial number turned away per tick, completions
and timeouts are whole requests with ``completed + dropped = arrivals``. Latencies are a sample: a
tick draws at most ``⌈min(DRAWS_PER_SECOND, RUN_DRAWS / duration)·dt⌉`` (64 a second, fewer in runs
longer than 3 days: 28 a second over a week), and when it has more requests each draw stands for
several, with whole weights that add up to them
(:func:`~fargasim.workload.latency.draw_weights`). The histograms' counts and totals are thus those
of every request, and their shape an unbiased sample of the model's: a run costs at most
``RUN_DRAWS`` (2²⁴) draws per service, about 0.2 µs each, whatever the request rate.

The error this adds to a row's percentiles, measured against the percentiles of the model itself
(4 M draws) in steady state, as the root mean square over 600 rows (95 % of rows within the
figure in brackets; the histogram's ±1.16 % binning included):

====================  ===============  ==============  ==============  ==============
draws per row         p50              p95             p99             typical row
====================  ===============  ==============  ==============  ==============
280                   4.4 % (9.7)      9.5 % (18)      17 % (35)       10 s, a week
640                   3.0 % (4.7)      6.6 % (13)      11 % (21)       10 s
1,680                 1.9 % (4.5)      4.1 % (7.1)     6.9 % (13)      60 s, a week
3,840                 1.2 % (2.3)      2.7 % (4.7)     4.6 % (9.0)     60 s
====================  ===============  ==============  ==============  ==============

for processor sharing (the quickstart's request: 12 ms lognormal, cv 0.5, on 0.5 vCPU at ρ = 0.6;
the week's 2.5 ms request on 0.25 vCPU is within 0.6 points of it). A FIFO worker (M/M/1 at
ρ = 0.8) has a larger error at p50 (9.1, 5.7, 3.5, 2.3 %) and a smaller one at p99 (13, 8.0, 4.9,
3.8 %). The mean error of a row's percentile is within ±0.7 % (±3 % for p99 at 280 draws): the
error is noise, falling as one over the square root of the draws. A row with no more requests
than its draws has none added: every request is drawn. For comparison, a 10-s row of the
quickstart (600 to 1,900 requests) has 6–8 % of p99 noise from its own requests, in either engine.
A run's percentiles come from all its draws (2²⁴ over a week, 5.5 M over the quickstart's day,
230,000 over an hour at 300 requests/s): their sampling error is 0.07, 0.1 and 0.6 % (p99).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from fargasim.core import Context
from fargasim.core.distributions import sample_sums
from fargasim.scenario.schema import Distribution, WorkloadSpec
from fargasim.workload.arrivals import ArrivalPattern, build_pattern
from fargasim.workload.fluid import lindley, lindley_capped
from fargasim.workload.histogram import N_BINS, LatencyHistogram, bin_index
from fargasim.workload.latency import IntArray, LatencyModel, TickLatencies
from fargasim.workload.rows import ROW_FIELDS, RowSeries, WindowRows

if TYPE_CHECKING:
    from fargasim.workload.plane import TaskPhase

FloatArray = npt.NDArray[np.float64]

#: The most latency draws per service and simulated second (see the module docstring) …
DRAWS_PER_SECOND = 64
#: … and in a whole run, so that long runs draw fewer per second.
RUN_DRAWS = 1 << 24
#: The most ticks one pass processes (bounds the temporaries of a long advance).
WINDOW_TICKS = 1024
#: Ticks of arrivals drawn ahead at once.
CHUNK_TICKS = 3600
#: Latency draws held before they are added to a service's histogram.
PENDING_DRAWS = 1 << 16


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

    def at(self, times: FloatArray) -> FloatArray:
        """The value at each of ``times`` (increasing, none before the history kept)."""
        if len(self.values) == 1:
            return np.full(times.size, self.values[0])
        i = np.searchsorted(np.asarray(self.times), times, side="right") - 1
        return np.asarray(self.values, dtype=np.float64)[np.clip(i, 0, None)]

    def integrate(self, edges: FloatArray) -> FloatArray:
        """``∫`` over each ``[edges[i], edges[i+1])``; drops history before ``edges[-1]``."""
        if len(self.times) == 1:  # unchanged since the last window
            self.times[0] = float(edges[-1])
            return np.asarray(self.values[0] * (edges[1:] - edges[:-1]), dtype=np.float64)
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


class _Traffic:
    """A service's arrivals per tick and the CPU work they bring, drawn :data:`CHUNK_TICKS` ticks
    at a time: neither depends on the control plane, so drawing ahead changes no draw (the exact
    engine draws the same counts from the same stream), and each window only slices them."""

    def __init__(
        self, ctx: Context, name: str, pattern: ArrivalPattern, work: Distribution
    ) -> None:
        self.pattern = pattern
        self.work = work
        self.rng = ctx.rng(f"arrivals/{name}")
        self.work_rng = ctx.rng(f"requests/{name}")
        self.start = 0  # the tick of the first one held
        self.expected = np.zeros(0)
        self.arrived = np.zeros(0, dtype=np.int64)
        self.works = np.zeros(0)

    def take(self, start: int, end: int, tick: float) -> tuple[FloatArray, IntArray, FloatArray]:
        """The expected arrivals, the arrivals and their total work (vCPU-seconds) in the ticks
        ``[start, end)`` (never before an earlier call's ``start``)."""
        drawn = self.start + self.arrived.size
        if end > drawn:
            stop = max(end, drawn + CHUNK_TICKS)
            edges = np.arange(drawn, stop + 1, dtype=np.float64) * tick
            expected = self.pattern.expected(edges[:-1], edges[1:])
            arrived = self.pattern.counts(edges[:-1], edges[1:], self.rng)
            works = sample_sums(self.work, arrived, self.work_rng)
            keep = start - self.start
            self.expected = np.concatenate((self.expected[keep:], expected))
            self.arrived = np.concatenate((self.arrived[keep:], arrived))
            self.works = np.concatenate((self.works[keep:], works))
            self.start = start
        i, j = start - self.start, end - self.start
        return self.expected[i:j], self.arrived[i:j], self.works[i:j]


#: The fields of :class:`Totals`, the rows of a window's per-tick array.
_FIELDS = tuple(f.name for f in fields(Totals))
#: Each of :data:`~fargasim.workload.rows.ROW_FIELDS` as a sum of :data:`_FIELDS`.
_ROW_SUMS = np.array(
    [
        [
            1.0 if name == row or (row == "dropped" and name.startswith("dropped_")) else 0.0
            for name in _FIELDS
        ]
        for row in ROW_FIELDS
    ]
)


@dataclass
class Window:
    """The ticks ``[start, start + n)`` of one pass (of length ``tick``, their ``edges``), the
    most latency draws in each (``limit``), and the rows of the time series they close: ``rows``
    (their indices) end after ``ends`` ticks of the window; ``row_of_tick`` is each tick's
    position among them (``rows.size``: a row that ends later)."""

    start: int
    tick: float
    edges: FloatArray
    limit: int
    rows: IntArray
    ends: IntArray
    row_of_tick: IntArray


class ServiceFlow:
    """The fluid model of one service, with its latency draws and its rows of the time series."""

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
        self.traffic = (
            _Traffic(ctx, name, build_pattern(workload.arrivals), workload.request.cpu_seconds)
            if workload
            else None
        )
        workers = workload.workers_per_task if workload and workload.workers_per_task else None
        self.per_task_vcpu = min(vcpu, float(workers)) if workers else vcpu
        self.base_memory = base_memory_mib(workload, memory_mib)
        self.serving = _StepLog()
        self.running = _StepLog()
        self.backlog = 0.0
        self.totals = Totals()
        self._latency = LatencyHistogram()
        # Draws not yet in the histogram: latencies, weights, weighted bin counts.
        self._pending: list[tuple[FloatArray, IntArray, IntArray]] = []
        self._held = 0  # draws pending
        self._low = np.inf  # the extremes of every draw so far
        self._high = -np.inf
        # ``algorithm``: the target group's routing (round robin without a load balancer).
        self.latency_model = (
            LatencyModel(workload, vcpu, ctx.rng(f"latency/{name}"), algorithm)
            if workload
            else None
        )
        self.rows: WindowRows | None = None  # the time series' columns, when sampled
        self.kept: dict[float, Totals] = {}  # totals at the multiples of keep_period
        self.keep_period: float | None = None
        self._next_kept = 1
        self._cumulative = np.zeros(len(_FIELDS))  # the totals as an array

    @property
    def latency(self) -> LatencyHistogram:
        """Latencies (seconds) of the requests completed so far (the weighted draws)."""
        self._fold()
        return self._latency

    def _fold(self) -> None:
        """Add the pending draws to the histogram (in batches: one exact sum for many windows)."""
        if not self._pending:
            return
        values, weights, counts = zip(*self._pending, strict=True)
        self._latency.add_binned(
            np.sum(counts, axis=0), np.concatenate(values), np.concatenate(weights)
        )
        self._pending.clear()
        self._held = 0

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

    def advance(self, window: Window) -> None:
        """Process the window's ticks ``[edges[i], edges[i+1])`` and the rows they close."""
        per_tick, draws = self._per_tick(window)
        cumulative = np.cumsum(per_tick, axis=1)
        start = self._cumulative
        self._cumulative = start + cumulative[:, -1]
        for name, value in zip(_FIELDS, self._cumulative.tolist(), strict=True):
            setattr(self.totals, name, value)
        if self.keep_period is not None:
            self._keep(window, start, cumulative)
        self._record(window, start, cumulative, draws)

    def _per_tick(self, window: Window) -> tuple[FloatArray, TickLatencies | None]:
        """The window's :class:`Totals` quantities per tick (fields × ticks) and its latency
        draws."""
        edges = window.edges
        levels = self.serving.at(edges)  # before integrate drops the history
        serving_s = self.serving.integrate(edges)
        running_s = self.running.integrate(edges)
        dt = np.diff(edges)
        per_tick = np.zeros((len(_FIELDS), dt.size))
        col = dict(zip(_FIELDS, per_tick, strict=True))
        capacity = running_s * self.vcpu
        col["cpu_capacity"][:] = capacity
        col["memory_capacity"][:] = running_s * self.memory_mib
        col["running_seconds"][:] = running_s
        col["serving_seconds"][:] = serving_s
        idle = self.idle_fraction * capacity
        draws = None
        if self.traffic is None or self.workload is None:
            col["cpu_used"][:] = idle
        else:
            expected, arrived, work = self.traffic.take(
                window.start, window.start + dt.size, window.tick
            )
            serving = serving_s > 0
            counts = np.where(serving, arrived, 0)  # no serving task: the ALB returns 503
            used_work, in_flight = self._fluid(np.where(serving, work, 0.0), serving_s, dt)
            col["arrivals"][:] = arrived
            col["dropped_no_target"][:] = arrived - counts
            col["cpu_used"][:] = np.minimum(used_work + idle, capacity)
            col["work_used"][:] = used_work
            col["request_memory"][:] = self.workload.request.memory_mib * in_flight * dt
            # The latency model takes the load from the arrival pattern's intensity and keeps its
            # own queue state: the fluid CPU backlog (whose per-tick Poisson noise the queueing
            # formulas already describe, and which keeps the work of dropped requests) is not
            # used for latency.
            assert self.latency_model is not None
            draws = self.latency_model.draw(
                counts, expected, serving_s / dt, dt, window.limit, levels=levels
            )
            col["completed"][:] = draws.completed
            col["dropped_timeout"][:] = draws.dropped_timeout
            col["dropped_queue_full"][:] = draws.dropped_queue_full
        memory = running_s * self.base_memory + col["request_memory"]
        col["memory_used"][:] = np.minimum(memory, running_s * self.memory_mib)
        return per_tick, draws

    def _keep(self, window: Window, start: FloatArray, cumulative: FloatArray) -> None:
        """Keep the totals at the multiples of :attr:`keep_period` that end in the window (at the
        last whole tick, as :meth:`DataPlane.advance_to` would leave them)."""
        assert self.keep_period is not None
        end = window.start + cumulative.shape[1]
        while True:
            time = self._next_kept * self.keep_period
            tick = int(np.floor(time / window.tick + 1e-9))
            if tick > end:
                return
            at = tick - window.start - 1
            totals = start + cumulative[:, at] if at >= 0 else start
            self.kept[time] = Totals(*totals.tolist())
            self._next_kept += 1

    def _fluid(
        self, work: FloatArray, serving_s: FloatArray, dt: FloatArray
    ) -> tuple[FloatArray, FloatArray]:
        """The fluid CPU queue over the window given the work arriving per tick: the request
        work done per tick (vCPU-seconds) and the requests in flight (in service and waiting)."""
        assert self.workload is not None
        capacity = serving_s * self.per_task_vcpu
        ceilings = self._backlog_ceilings(serving_s, dt)
        if ceilings is None:
            backlog = lindley(self.backlog, work - capacity)
        else:  # clients that gave up (timeout, full queue) leave no work behind
            backlog, _ = lindley_capped(min(self.backlog, ceilings[0]), work - capacity, ceilings)
        previous = np.concatenate(([self.backlog], backlog[:-1]))
        used_work = previous + work - backlog
        self.backlog = float(backlog[-1])
        mean_cpu = max(self.workload.request.cpu_seconds.mean, 1e-12)
        return used_work, used_work / dt + backlog / mean_cpu

    def _record(
        self,
        window: Window,
        start: FloatArray,
        cumulative: FloatArray,
        draws: TickLatencies | None,
    ) -> None:
        """Hold the window's latency draws for the histogram, and give the rows of the time series
        their part of the window: the totals at the ends of the rows it closes, and the draws'
        latency bins counted per row with their weights (one ``bincount``)."""
        n_rows = window.rows.size + 1  # the closed rows and the open one
        if draws is None or draws.latencies.size == 0:
            counts = np.zeros((n_rows, N_BINS), dtype=np.int64)
        else:
            values, weights = draws.latencies, draws.weights
            row = window.row_of_tick[draws.ticks]
            flat = np.bincount(row * N_BINS + bin_index(values), weights, n_rows * N_BINS)
            counts = flat.astype(np.int64).reshape(n_rows, N_BINS)  # whole sums below 2^53
            self._pending.append((values, weights, counts.sum(axis=0)))
            self._held += values.size
            self._low = min(self._low, float(values.min()))
            self._high = max(self._high, float(values.max()))
            if self._held >= PENDING_DRAWS:
                self._fold()
        if self.rows is None:
            return
        at_ends = (
            start[:, None]
            + np.concatenate((np.zeros((len(_FIELDS), 1)), cumulative), axis=1)[:, window.ends]
        )
        self.rows.add(window.rows, _ROW_SUMS @ at_ends, counts, self._low, self._high)


class DataPlane:
    """All services' flows, advanced together in whole ticks."""

    def __init__(self, ctx: Context, tick: float) -> None:
        self.ctx = ctx
        self.tick = tick
        self.flows: dict[str, ServiceFlow] = {}
        self.ticks_done = 0
        per_second = min(DRAWS_PER_SECOND, RUN_DRAWS / max(ctx.end_time, tick))
        self.draw_limit = max(1, math.ceil(per_second * tick))  # latency draws per tick
        self._row_ends = np.zeros(0, dtype=np.int64)  # the tick each row of the series ends at
        self._next_row = 1  # row 0 (time 0) covers nothing

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

    def record_rows(self, times: FloatArray, series: Mapping[str, RowSeries]) -> None:
        """Fill ``series`` at the sample ``times`` (increasing, from 0) as the plane advances: row
        ``i`` holds the ticks that end in ``(times[i−1], times[i]]``."""
        self._row_ends = np.floor(np.asarray(times) / self.tick + 1e-9).astype(np.int64)
        for name, rows in series.items():
            self.flows[name].rows = WindowRows(rows)

    def row_due(self, index: int) -> None:
        """Nothing to read at a sample time: rows are filled as the plane advances (the sampler
        advances it to the end of the run)."""

    def keep_totals(self, service: str, period: float) -> None:
        """Keep the service's totals at every multiple of ``period`` as the plane passes it."""
        self.flows[service].keep_period = period

    def kept_totals(self, service: str, time: float) -> Totals:
        """The service's totals at ``time``, a multiple of a :meth:`keep_totals` period (once)."""
        self.advance_to(time)
        return self.flows[service].kept.pop(time)

    def advance_to(self, time: float) -> None:
        """Process every whole tick that ends at or before ``time`` — and, when that means
        advancing at all, on to now (the task counts are known up to now): readers of the times
        in between then find them done, and the windows are longer."""
        target = int(np.floor(time / self.tick + 1e-9))
        if target <= self.ticks_done:
            return
        target = max(target, int(np.floor(self.ctx.now / self.tick + 1e-9)))
        while self.ticks_done < target:
            end = min(target, self.ticks_done + WINDOW_TICKS)
            window = self._window(self.ticks_done, end)
            for flow in self.flows.values():
                flow.advance(window)
            self.ticks_done = end
        if self._next_row >= self._row_ends.size:  # every row closed: write them
            for flow in self.flows.values():
                if flow.rows is not None:
                    flow.rows.flush()

    def _window(self, start: int, end: int) -> Window:
        """The ticks ``[start, end)`` and the rows of the time series they close."""
        ends = self._row_ends
        closed = max(int(np.searchsorted(ends, end, side="right")), self._next_row)
        rows = np.arange(self._next_row, closed, dtype=np.int64)
        self._next_row = closed
        relative = ends[rows] - start
        return Window(
            start,
            self.tick,
            np.arange(start, end + 1, dtype=np.float64) * self.tick,
            self.draw_limit,
            rows,
            relative,
            np.searchsorted(relative, np.arange(end - start), side="right"),
        )
