"""The exact request plane: every request is an event (the reference for correctness, and the
teaching mode; DESIGN.md §1, §5).

The model
---------
Per service (one :class:`ExactFlow`):

* **Arrivals.** The number of requests in each tick ``[k·dt, (k+1)·dt)`` (``dt`` = ``model.tick``)
  is drawn exactly as the vectorized plane draws it (:mod:`fargasim.workload.arrivals`, the same
  stream ``arrivals/{name}`` and the same tick edges), so both engines see the same requests per
  tick. Inside a tick, Poisson patterns place their ``n`` requests at ``n`` sorted uniform times
  (stream ``arrival-times/{name}``): given its count, a Poisson process's arrival times in an
  interval are uniform order statistics, so a constant rate is an exact Poisson process (a
  varying rate is taken as constant within the tick). Deterministic patterns space them evenly,
  at ``t0 + (j + ½)·dt/n``. Each request draws its CPU work ``request.cpuSeconds`` (stream
  ``requests/{name}``) and its off-CPU time ``request.waitSeconds`` (stream ``waits/{name}``).
* **Routing** (reference §9) among the tasks the control plane reports with a weight above 0 and
  not draining, in the order it lists them: ``round_robin`` is nginx's smooth weighted round
  robin — equal weights cycle in target order (resuming after the last task chosen when the
  targets change), unequal weights (slow start) get shares exactly proportional to their
  weight, interleaved (the smooth state restarts when the weights stop being all equal);
  ``weighted_random`` picks in proportion to weight (stream ``routing/{name}``);
  ``least_outstanding_requests`` picks the task holding the fewest requests (active and queued;
  ties broken in round-robin order, weights ignored). With no routable task the load balancer
  answers 503 (``dropped_no_target``). Fail open (every target unhealthy → route to all) is the
  control plane's job: it reports the weights the load balancer uses. A task reported ``gone``
  never receives requests again, even if a stale target list names it.
* **A task** serves up to ``workersPerTask`` requests at once (unlimited if unset); the others
  wait first-in first-out, at most ``queueLimit`` of them (unlimited if unset; beyond:
  ``dropped_queue_full``). A request still waiting ``request.timeoutSeconds`` after it arrived is
  dropped (``dropped_timeout``); a request that holds a worker is never timed out. An active
  request first spends ``waitSeconds`` off-CPU (I/O: it holds its worker and its memory but no
  CPU), then needs its CPU work. The requests in their CPU phase share the task's ``vcpu`` by
  **processor sharing**: with ``n`` of them each progresses at ``min(1, vcpu/n)`` (a request uses
  at most one vCPU). This is exact: each task keeps a virtual time ``V`` (the service attained by
  every CPU-phase request, growing at ``min(1, vcpu/n)``), a request entering at ``V0`` with work
  ``x`` gets the finish tag ``V0 + x`` in a heap, and one completion event per task is scheduled
  for the smallest tag (a version counter invalidates it when ``n`` changes).
* **Task states.** ``running`` (RUNNING), ``draining`` (stopping: it finishes the requests it
  holds but gets no new ones), ``gone`` (its containers stopped: the requests still in it are
  dropped, ``dropped_task_stopped``).

Totals (reference §11)
----------------------
The state is piecewise constant between events; every integral of :class:`Totals` is accrued at
each change and by :meth:`ExactPlane.advance_to`:

* ``running_seconds``/``serving_seconds``: the RUNNING count and the routable weight the control
  plane reports with :meth:`ExactPlane.set_counts` (as for the vectorized plane);
  ``cpu_capacity = running_seconds · vcpu``, ``memory_capacity = running_seconds · memory``.
* ``work_used = ∫ Σ_tasks min(n_cpu, vcpu)``: the request CPU actually used, in every task that
  holds requests, draining ones included (so it is all the request work done).
* ``cpu_used = ∫ min(Σ_RUNNING min(n_cpu, vcpu) + idle·vcpu·running, vcpu·running)``: CloudWatch's
  utilization is the CPU of RUNNING tasks over their capacity (§11, never above 100 %). A
  draining task (DEACTIVATING or later) is no longer RUNNING, so the CPU it spends finishing its
  requests is in ``work_used`` but not in ``cpu_used`` — it has no capacity in the denominator
  either.
* ``request_memory = ∫ memoryMiB · (requests in RUNNING tasks, active and queued)`` and
  ``memory_used = ∫ Σ_RUNNING min(base + memoryMiB · in_task, memory)``; a RUNNING task without
  requests counts its base memory (25 % of the task's memory unless ``baseMemoryMiB``).
* ``arrivals`` counts every request (dropped ones too); ``completed`` and the ``dropped_*``
  counters count outcomes. :attr:`ExactFlow.latency` holds the latency (end − arrival, seconds)
  of every completed request.

Records (``record_requests``): one :class:`RequestRecord` per request as it finishes
(:attr:`ExactPlane.requests`); :meth:`ExactPlane.request_columns` gives them as requests.csv
columns sorted by arrival, with the requests still in a task as ``in_flight``.

Determinism: the same seed gives the same requests, routes and records; every random draw comes
from a named :meth:`~fargasim.core.Context.rng` stream and draws are made in fixed batches of
ticks, never in step with the control plane. Events are plain SimPy events with callbacks (no
process per request).
"""

from __future__ import annotations

import bisect
import functools
import heapq
import itertools
import math
from collections import deque
from collections.abc import Callable, Generator, Mapping
from dataclasses import replace
from typing import Any, NamedTuple

import numpy as np
import simpy

from fargasim.core import Context, Phase
from fargasim.core.distributions import sample
from fargasim.scenario.schema import WorkloadSpec
from fargasim.workload.arrivals import ArrivalPattern, build_pattern
from fargasim.workload.dataplane import Totals, base_memory_mib
from fargasim.workload.histogram import LatencyHistogram
from fargasim.workload.plane import TaskPhase
from fargasim.workload.rows import RowSeries, SnapshotRows

#: Ticks of arrivals drawn at once (a fixed number: the draws never depend on the control plane).
ARRIVAL_BATCH_TICKS = 64
#: Uniform draws buffered at once for ``weighted_random`` routing.
_ROUTING_BUFFER = 1024

# Request states.
_QUEUED, _WAITING, _CPU, _DONE = 0, 1, 2, 3

COMPLETED = "completed"
DROPPED_NO_TARGET = "dropped_no_target"
DROPPED_QUEUE_FULL = "dropped_queue_full"
DROPPED_TIMEOUT = "dropped_timeout"
DROPPED_TASK_STOPPED = "dropped_task_stopped"
IN_FLIGHT = "in_flight"

#: The columns of :meth:`ExactPlane.request_columns` (requests.csv), in order.
REQUEST_COLUMNS = ("service", "taskId", "arrival", "start", "end", "latency", "outcome")


class RequestRecord(NamedTuple):
    """One request: ``start`` is when it got a worker (NaN if never), ``end`` when it completed
    or was dropped, ``latency = end − arrival`` (for a dropped request, the time until the
    client got its error), ``outcome`` ``completed`` or a ``dropped_*`` reason."""

    service: str
    task_id: str
    arrival: float
    start: float
    end: float
    latency: float
    outcome: str


class _Request:
    __slots__ = ("arrival", "start", "state", "task", "wait", "work")

    def __init__(self, arrival: float, work: float, wait: float, task: _Task) -> None:
        self.arrival = arrival
        self.work = work
        self.wait = wait
        self.task = task
        self.start = math.nan
        self.state = _QUEUED


class _Task:
    __slots__ = (
        "active",
        "current",
        "due",
        "heap",
        "in_task",
        "mem_part",
        "n_cpu",
        "phase",
        "queue",
        "queued",
        "task_id",
        "version",
        "vtime",
        "vtime_at",
        "waiting",
    )

    def __init__(self, task_id: str, phase: TaskPhase) -> None:
        self.task_id = task_id
        self.phase: TaskPhase = phase
        self.current = 0.0  # smooth weighted round robin state
        self.active = 0  # requests holding a worker (off-CPU or CPU phase)
        self.queued = 0  # requests waiting for a worker
        self.in_task = 0  # active + queued
        self.n_cpu = 0  # requests in their CPU phase
        self.mem_part = 0.0  # min(base + m·in_task, memory) − base
        self.queue: deque[_Request] = deque()  # FIFO, with lazily removed timed-out entries
        self.waiting: set[_Request] = set()  # active requests in their off-CPU phase
        self.heap: list[tuple[float, int, _Request]] = []  # (finish tag, sequence, request)
        self.vtime = 0.0  # attained service of every CPU-phase request
        self.vtime_at = 0.0
        self.version = 0  # invalidates scheduled completion events
        self.due = math.inf  # time of the valid completion event


class _Batch:
    """A batch of drawn arrivals, fed to the flow one event at a time (a chain of events)."""

    __slots__ = ("flow", "i", "times", "waits", "works")

    def __init__(
        self, flow: ExactFlow, times: list[float], works: list[float], waits: list[float]
    ) -> None:
        self.flow = flow
        self.times = times
        self.works = works
        self.waits = waits
        self.i = 0

    def schedule(self) -> None:
        if self.i < len(self.times):
            flow = self.flow
            event = flow.ctx.timeout(max(0.0, self.times[self.i] - flow.ctx.now))
            event.callbacks.append(self.fire)

    def fire(self, _event: simpy.Event) -> None:
        flow = self.flow
        now = flow.ctx.now
        times, n = self.times, len(self.times)
        i = self.i
        while i < n and times[i] <= now:
            flow.arrive(now, self.works[i], self.waits[i])
            i += 1
        self.i = i
        self.schedule()


class ExactFlow:
    """One service's requests, each an event (see the module docstring)."""

    def __init__(
        self,
        ctx: Context,
        name: str,
        vcpu: float,
        memory_mib: float,
        workload: WorkloadSpec | None,
        idle_cpu_percent: float,
        algorithm: str,
        tick: float,
        records: list[RequestRecord] | None,
        sequence: Callable[[], int],
    ) -> None:
        if algorithm not in ("round_robin", "weighted_random", "least_outstanding_requests"):
            raise ValueError(f"unknown load balancing algorithm {algorithm!r}")
        self.ctx = ctx
        self.name = name
        self.vcpu = vcpu
        self.memory_mib = memory_mib
        self.workload = workload
        self.algorithm = algorithm
        self.idle_fraction = idle_cpu_percent / 100.0
        self.base_memory = base_memory_mib(workload, memory_mib)
        self.totals = Totals()
        self._latency = LatencyHistogram()
        self._pending: list[float] = []  # latencies not yet added to the histogram
        self.tick = tick
        self._records = records
        self._sequence = sequence
        request = workload.request if workload is not None else None
        self.workers = workload.workers_per_task if workload is not None else None
        self.queue_limit = workload.queue_limit if workload is not None else None
        self.timeout = request.timeout_seconds if request is not None else None
        self.request_memory = request.memory_mib if request is not None else 0.0
        # Control-plane state and the rates of the integrals.
        self.tasks: dict[str, _Task] = {}
        self.gone: set[str] = set()  # stopped tasks never come back (a stale target is ignored)
        self.weights: dict[str, float] = {}
        self.routable: list[_Task] = []
        self.route_weights: list[float] = []
        self.cumulative: list[float] = []
        self.equal_weights = True
        self.rr_next = 0  # where the round-robin cycle resumes
        self.last_pick: _Task | None = None
        self._uniforms: list[float] = []
        self.running = 0.0
        self.serving = 0.0
        self.cpu_all = 0.0  # Σ_tasks min(n_cpu, vcpu)
        self.cpu_running = 0.0  # the same over RUNNING tasks
        self.in_running = 0  # requests in RUNNING tasks
        self.mem_running = 0.0  # Σ_RUNNING mem_part
        self.last = ctx.now
        if workload is not None:
            self.pattern: ArrivalPattern | None = build_pattern(workload.arrivals)
            ctx.process(self._arrivals(workload))
        else:
            self.pattern = None

    # -- the latency histogram (pending latencies are added in batches) ------------------------

    @property
    def latency(self) -> LatencyHistogram:
        """Latencies (seconds) of the requests completed so far."""
        if self._pending:
            self._latency.add(np.asarray(self._pending, dtype=np.float64))
            self._pending.clear()
        return self._latency

    # -- integrals ------------------------------------------------------------------------------

    def accrue(self, now: float) -> None:
        """Add the integrals of the current (constant) state from the last change to ``now``."""
        dt = now - self.last
        if dt <= 0.0:
            return
        self.last = now
        t = self.totals
        running = self.running
        capacity = running * self.vcpu
        t.running_seconds += running * dt
        t.serving_seconds += self.serving * dt
        t.cpu_capacity += capacity * dt
        t.work_used += self.cpu_all * dt
        t.cpu_used += min(self.cpu_running + self.idle_fraction * capacity, capacity) * dt
        t.request_memory += self.request_memory * self.in_running * dt
        memory_capacity = running * self.memory_mib
        memory = min(running * self.base_memory + self.mem_running, memory_capacity)
        t.memory_used += memory * dt
        t.memory_capacity += memory_capacity * dt

    def _held(self, task: _Task, d_cpu: int, d_in: int) -> None:
        """Change a task's CPU-phase and in-task counts by ``d_cpu`` and ``d_in`` (after
        :meth:`accrue`)."""
        running = task.phase == "running"
        if d_cpu:
            vcpu = self.vcpu
            old = min(task.n_cpu, vcpu)
            task.n_cpu += d_cpu
            delta = min(task.n_cpu, vcpu) - old
            self.cpu_all += delta
            if running:
                self.cpu_running += delta
        if d_in:
            task.in_task += d_in
            mem = min(self.base_memory + self.request_memory * task.in_task, self.memory_mib)
            mem -= self.base_memory
            if running:
                self.in_running += d_in
                self.mem_running += mem - task.mem_part
            task.mem_part = mem

    def _contribution(self, task: _Task, sign: int) -> None:
        """Add (``+1``) or remove (``−1``) a task's part of the RUNNING rates."""
        self.cpu_running += sign * min(task.n_cpu, self.vcpu)
        self.in_running += sign * task.in_task
        self.mem_running += sign * task.mem_part

    # -- arrivals -------------------------------------------------------------------------------

    def _arrivals(self, workload: WorkloadSpec) -> Generator[simpy.Event, Any, None]:
        """Draw ``ARRIVAL_BATCH_TICKS`` ticks of requests at a time and feed them as events."""
        assert self.pattern is not None
        ctx, tick, pattern = self.ctx, self.tick, self.pattern
        counts_rng = ctx.rng(f"arrivals/{self.name}")
        times_rng = ctx.rng(f"arrival-times/{self.name}")
        work_rng = ctx.rng(f"requests/{self.name}")
        wait_rng = ctx.rng(f"waits/{self.name}")
        poisson = bool(getattr(pattern, "poisson", True))
        n_ticks = math.ceil(ctx.end_time / tick - 1e-9)  # the ticks that start before the end
        k = 0
        while k < n_ticks:
            size = min(ARRIVAL_BATCH_TICKS, n_ticks - k)
            edges = np.arange(k, k + size + 1, dtype=np.float64) * tick
            counts = pattern.counts(edges[:-1], edges[1:], counts_rng)
            total = int(counts.sum())
            if total > 0:
                which = np.repeat(np.arange(size), counts)
                if poisson:
                    u = times_rng.random(total)
                    u = u[np.lexsort((u, which))]  # sorted within each tick
                else:
                    first = np.concatenate(([0], np.cumsum(counts)[:-1]))
                    u = (np.arange(total) - first[which] + 0.5) / counts[which]
                times = edges[which] + tick * u
                works = sample(workload.request.cpu_seconds, work_rng, total)
                if workload.request.wait_seconds is not None:
                    waits = sample(workload.request.wait_seconds, wait_rng, total)
                else:
                    waits = np.zeros(total)
                _Batch(self, times.tolist(), works.tolist(), waits.tolist()).schedule()
            k += size
            yield ctx.timeout(max(0.0, float(edges[-1]) - ctx.now))

    def arrive(self, now: float, work: float, wait: float) -> None:
        """A request arrives now: route it to a task, start it or queue it."""
        self.totals.arrivals += 1
        task = self._route()
        if task is None:
            self.totals.dropped_no_target += 1
            if self._records is not None:
                self._records.append(
                    RequestRecord(self.name, "", now, math.nan, now, 0.0, DROPPED_NO_TARGET)
                )
            return
        request = _Request(now, work, wait, task)
        workers = self.workers
        if workers is None or task.active < workers:
            self.accrue(now)
            self._held(task, 0, +1)
            self._start(request, now)
            return
        if self.queue_limit is not None and task.queued >= self.queue_limit:
            request.state = _DONE
            self.totals.dropped_queue_full += 1
            self._record(request, now, DROPPED_QUEUE_FULL)
            return
        self.accrue(now)
        self._held(task, 0, +1)
        task.queue.append(request)
        task.queued += 1
        if self.timeout is not None:
            event = self.ctx.timeout(self.timeout)
            event.callbacks.append(functools.partial(self._timed_out, request))

    # -- routing (reference §9) -----------------------------------------------------------------

    def set_targets(self, weights: Mapping[str, float]) -> None:
        self.weights = dict(weights)
        for task_id, weight in self.weights.items():
            if weight > 0 and task_id not in self.tasks and task_id not in self.gone:
                self.tasks[task_id] = _Task(task_id, "running")
        self._rebuild()

    def _rebuild(self) -> None:
        """The routable tasks: weight above 0 and RUNNING, in the order the targets came."""
        last = self.last_pick
        routable: list[_Task] = []
        weights: list[float] = []
        for task_id, weight in self.weights.items():
            task = self.tasks.get(task_id)
            if weight > 0 and task is not None and task.phase == "running":
                routable.append(task)
                weights.append(float(weight))
        kept = set(map(id, routable))
        for task in self.routable:
            if id(task) not in kept:
                task.current = 0.0
        equal = len(set(weights)) <= 1
        if not equal and self.equal_weights:
            for task in routable:  # the smooth round robin starts afresh
                task.current = 0.0
        self.equal_weights = equal
        if last is not None and id(last) in kept:
            self.rr_next = routable.index(last) + 1
        self.rr_next = self.rr_next % len(routable) if routable else 0
        self.routable = routable
        self.route_weights = weights
        self.cumulative = list(itertools.accumulate(weights))

    def _route(self) -> _Task | None:
        routable = self.routable
        n = len(routable)
        if n == 0:
            return None
        if n == 1:
            self.last_pick = routable[0]
            return routable[0]
        algorithm = self.algorithm
        if algorithm == "least_outstanding_requests":
            start = self.rr_next
            best = start
            fewest = routable[start].in_task
            if fewest > 0:
                for j in range(start + 1, start + n):
                    i = j % n
                    held = routable[i].in_task
                    if held < fewest:
                        best, fewest = i, held
                        if held == 0:
                            break
            self.rr_next = (best + 1) % n
            self.last_pick = routable[best]
            return routable[best]
        if algorithm == "weighted_random":
            if not self._uniforms:
                self._uniforms = (
                    self.ctx.rng(f"routing/{self.name}").random(_ROUTING_BUFFER)[::-1].tolist()
                )
            x = self._uniforms.pop() * self.cumulative[-1]
            return routable[min(bisect.bisect_right(self.cumulative, x), n - 1)]
        if self.equal_weights:  # smooth weighted round robin with equal weights: a cycle
            i = self.rr_next
            self.rr_next = (i + 1) % n
            self.last_pick = routable[i]
            return routable[i]
        best_task = routable[0]
        total = 0.0
        for task, weight in zip(
            routable, self.route_weights, strict=True
        ):  # nginx's smooth round robin
            task.current += weight
            total += weight
            if task.current > best_task.current:
                best_task = task
        best_task.current -= total
        self.last_pick = best_task
        return best_task

    # -- a task serving requests ----------------------------------------------------------------

    def _start(self, request: _Request, now: float) -> None:
        """The request gets a worker (its in-task count is already held)."""
        task = request.task
        task.active += 1
        request.start = now
        if request.wait > 0.0:
            request.state = _WAITING
            task.waiting.add(request)
            event = self.ctx.timeout(request.wait)
            event.callbacks.append(functools.partial(self._waited, request))
        else:
            self._enter_cpu(request, now)

    def _waited(self, request: _Request, _event: simpy.Event) -> None:
        if request.state != _WAITING:
            return  # dropped meanwhile
        task = request.task
        task.waiting.discard(request)
        self._enter_cpu(request, self.ctx.now)
        self._admit(task, self.ctx.now)  # if it needed no CPU, its worker is free

    def _rate(self, n: int) -> float:
        return min(1.0, self.vcpu / n) if n > 0 else 1.0

    def _enter_cpu(self, request: _Request, now: float) -> None:
        task = request.task
        if request.work <= 0.0:
            self.accrue(now)
            self._finish(request, now)  # the caller admits the next request
            return
        old_n = task.n_cpu
        if old_n:
            task.vtime += (now - task.vtime_at) * self._rate(old_n)
        task.vtime_at = now
        self.accrue(now)
        self._held(task, +1, 0)
        request.state = _CPU
        tag = task.vtime + request.work
        heap = task.heap
        previous_head = heap[0][0] if heap else math.inf
        heapq.heappush(heap, (tag, self._sequence(), request))
        if old_n + 1 <= self.vcpu and tag >= previous_head:
            return  # the rate (1) and the first finisher are unchanged: the event stands
        self._schedule_completion(task, now)

    def _schedule_completion(self, task: _Task, now: float) -> None:
        task.version += 1
        if not task.heap:
            task.due = math.inf
            return
        delay = max(0.0, (task.heap[0][0] - task.vtime) / self._rate(task.n_cpu))
        task.due = now + delay
        version = task.version
        event = self.ctx.timeout(delay)
        event.callbacks.append(functools.partial(self._complete, task, version))

    def _complete(self, task: _Task, version: int, _event: simpy.Event) -> None:
        """The CPU-phase request(s) with the smallest finish tag are done."""
        if version != task.version or task.phase == "gone":
            return
        now = self.ctx.now
        heap = task.heap
        vtime = heap[0][0]
        task.vtime, task.vtime_at = vtime, now
        limit = vtime + 1e-12 * (1.0 + abs(vtime))
        done: list[_Request] = []
        while heap and heap[0][0] <= limit:
            done.append(heapq.heappop(heap)[2])
        self.accrue(now)
        self._held(task, -len(done), 0)
        if not heap:
            task.vtime = 0.0  # an idle task restarts its virtual time (keeps it small)
        self._schedule_completion(task, now)
        for request in done:
            self._finish(request, now)
        self._admit(task, now)

    def _finish(self, request: _Request, now: float) -> None:
        """A request completes (after :meth:`accrue`)."""
        task = request.task
        request.state = _DONE
        task.active -= 1
        self._held(task, 0, -1)
        self.totals.completed += 1
        self._pending.append(now - request.arrival)
        if len(self._pending) >= 65536:
            _ = self.latency  # add the batch to the histogram
        self._record(request, now, COMPLETED)

    def _admit(self, task: _Task, now: float) -> None:
        """Give free workers to the requests waiting longest."""
        workers = self.workers
        queue = task.queue
        while queue and (workers is None or task.active < workers):
            request = queue.popleft()
            if request.state != _QUEUED:
                continue  # timed out
            task.queued -= 1
            self._start(request, now)

    def _timed_out(self, request: _Request, _event: simpy.Event) -> None:
        if request.state != _QUEUED:
            return
        now = self.ctx.now
        task = request.task
        request.state = _DONE
        task.queued -= 1
        self.accrue(now)
        self._held(task, 0, -1)
        self.totals.dropped_timeout += 1
        self._record(request, now, DROPPED_TIMEOUT)

    def _record(self, request: _Request, now: float, outcome: str) -> None:
        if self._records is not None:
            self._records.append(
                RequestRecord(
                    self.name,
                    request.task.task_id,
                    request.arrival,
                    request.start,
                    now,
                    now - request.arrival,
                    outcome,
                )
            )

    # -- task states ----------------------------------------------------------------------------

    def set_counts(self, serving: float, running: int) -> None:
        self.accrue(self.ctx.now)
        self.serving = float(serving)
        self.running = float(running)

    def task_state(self, task_id: str, phase: TaskPhase) -> None:
        now = self.ctx.now
        task = self.tasks.get(task_id)
        if task is None:
            if phase == "gone":
                self.gone.add(task_id)
                return
            if task_id in self.gone:
                return
            task = self.tasks[task_id] = _Task(task_id, phase)
            self._rebuild()
            return
        if task.phase == phase:
            return
        self.accrue(now)
        if task.phase == "running":
            self._contribution(task, -1)
        if phase == "gone":
            self._stop(task, now)
        else:
            task.phase = phase
            if phase == "running":
                self._contribution(task, +1)
        self._rebuild()

    def _stop(self, task: _Task, now: float) -> None:
        """The task's containers stopped: drop what it holds (after :meth:`accrue`)."""
        self.cpu_all -= min(task.n_cpu, self.vcpu)
        task.phase = "gone"
        task.version += 1
        del self.tasks[task.task_id]
        self.gone.add(task.task_id)
        dropped = [r for r in task.queue if r.state == _QUEUED]
        dropped.extend(sorted(task.waiting, key=lambda r: (r.start, r.arrival)))
        dropped.extend(entry[2] for entry in sorted(task.heap))
        task.queue.clear()
        task.waiting.clear()
        task.heap.clear()
        task.n_cpu = task.in_task = task.active = task.queued = 0
        task.mem_part = 0.0
        for request in dropped:
            request.state = _DONE
            self.totals.dropped_task_stopped += 1
            self._record(request, now, DROPPED_TASK_STOPPED)

    def in_flight(self) -> list[RequestRecord]:
        """Records of the requests still in tasks (``end`` NaN, outcome ``in_flight``)."""
        out: list[RequestRecord] = []
        for task in self.tasks.values():
            held = [r for r in task.queue if r.state == _QUEUED]
            held.extend(task.waiting)
            held.extend(entry[2] for entry in task.heap)
            for r in held:
                out.append(
                    RequestRecord(
                        self.name, task.task_id, r.arrival, r.start, math.nan, math.nan, IN_FLIGHT
                    )
                )
        return out


class ExactPlane:
    """The exact request plane of a run: every request an event (see the module docstring)."""

    def __init__(self, ctx: Context, tick: float, record_requests: bool = False) -> None:
        self.ctx = ctx
        self.tick = tick
        self.record_requests = record_requests
        self._flows: dict[str, ExactFlow] = {}
        self._records: list[RequestRecord] | None = [] if record_requests else None
        self._sequence = itertools.count().__next__
        self._rows: list[SnapshotRows] = []
        self._kept: dict[str, dict[float, Totals]] = {}

    def add_service(
        self,
        name: str,
        vcpu: float,
        memory_mib: float,
        workload: WorkloadSpec | None,
        idle_cpu_percent: float,
        algorithm: str = "round_robin",
    ) -> ExactFlow:
        flow = ExactFlow(
            self.ctx,
            name,
            vcpu,
            memory_mib,
            workload,
            idle_cpu_percent,
            algorithm,
            self.tick,
            self._records,
            self._sequence,
        )
        self._flows[name] = flow
        return flow

    @property
    def flows(self) -> Mapping[str, ExactFlow]:
        return self._flows

    def set_counts(self, service: str, serving: float, running: int) -> None:
        """The serving weight and RUNNING count (for the integrals, as the vectorized plane)."""
        self._flows[service].set_counts(serving, running)

    def set_targets(self, service: str, weights: Mapping[str, float]) -> None:
        """The routable tasks and their weights (weight 0 or absent: no new requests)."""
        self._flows[service].set_targets(weights)

    def task_state(self, service: str, task_id: str, phase: TaskPhase) -> None:
        self._flows[service].task_state(task_id, phase)

    def advance_to(self, time: float) -> None:
        """Bring the integrals up to ``time`` (never past the clock: events are not yet known)."""
        until = min(time, self.ctx.now)
        for flow in self._flows.values():
            flow.accrue(until)

    def keep_totals(self, service: str, period: float) -> None:
        """Keep the service's totals at every multiple of ``period``, read then (in the metrics
        phase) for :meth:`kept_totals`."""
        kept = self._kept.setdefault(service, {})
        flow = self._flows[service]

        def keep() -> Generator[simpy.Event, Any, None]:
            for k, event in enumerate(self.ctx.every(period, Phase.METRICS), start=1):
                yield event
                flow.accrue(self.ctx.now)
                kept[k * period] = replace(flow.totals)

        self.ctx.process(keep())

    def kept_totals(self, service: str, time: float) -> Totals:
        """The service's totals at ``time``, a multiple of a :meth:`keep_totals` period (once)."""
        return self._kept[service].pop(time)

    def record_rows(self, times: np.ndarray, series: Mapping[str, RowSeries]) -> None:
        """Fill ``series`` by reading each service's state at the sample times
        (:meth:`row_due`)."""
        self._rows = [SnapshotRows(self._flows[name], rows) for name, rows in series.items()]

    def row_due(self, index: int) -> None:
        """The clock is at the time of row ``index`` and its instant has settled: read it."""
        self.advance_to(self.ctx.now)
        for rows in self._rows:
            rows.take(index)

    @property
    def requests(self) -> list[RequestRecord]:
        """One record per finished request, in the order they finished (``record_requests``)."""
        return self._records if self._records is not None else []

    def request_columns(self, include_in_flight: bool = True) -> dict[str, Any]:
        """The records as CSV columns (:data:`REQUEST_COLUMNS`), sorted by arrival; requests
        still in a task are included with outcome ``in_flight`` unless ``include_in_flight``
        is false."""
        rows = list(self.requests)
        if include_in_flight:
            for flow in self._flows.values():
                rows.extend(flow.in_flight())
        arrival = np.array([r.arrival for r in rows], dtype=np.float64)
        order = np.argsort(arrival, kind="stable").tolist()
        rows = [rows[i] for i in order]
        return {
            "service": [r.service for r in rows],
            "taskId": [r.task_id for r in rows],
            "arrival": arrival[order],
            "start": np.array([r.start for r in rows], dtype=np.float64),
            "end": np.array([r.end for r in rows], dtype=np.float64),
            "latency": np.array([r.latency for r in rows], dtype=np.float64),
            "outcome": [r.outcome for r in rows],
        }
