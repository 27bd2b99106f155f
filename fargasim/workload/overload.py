"""The backlog of an open queue in overload, kept by the tasks that took it (vectorized engine).

The steady-state formulas of :mod:`fargasim.workload.latency` describe a task's queue below
capacity. An open queue (no ``queueLimit``, no ``timeoutSeconds``) above it builds a backlog:
here a fluid, the requests infinitely divisible and arriving at the pattern's expected rate
``λ`` (the queueing formulas describe the Poisson noise), each time step's requests of a task
one *column* of mass ``a = λ·dt/n`` (requests per task, ``n`` serving tasks) whose work is
distributed as ``request.cpuSeconds``.

Time steps
----------
The ticks, cut where the serving count steps (:func:`split_ticks`): a tick whose count goes
from ``s`` to ``e`` is two steps, ``s`` tasks and then ``e``, at the one step time that keeps its
mean count, so a task joining at a tick's 0.54 s takes a share of its arrivals from then on.
Arrivals reach tasks only while some serve — in the exact engine the load balancer answers the
others with 503s — so the vectorized engine's requests of a tick where serving starts
(routed to the tasks, as the data plane counts them) arrive, and are drawn, in its serving part.

Tasks in cohorts
----------------
Round robin (and a random split) gives every serving task the same arrivals and never moves a
request from the task that took it, so tasks that started serving together share one state: a
*cohort*. Tasks without a backlog are the free pool; in a step whose arrivals exceed a task's
capacity the free pool becomes a new cohort, so tasks joining during an overload start empty
while the first ones keep their backlog (a start-up where health checks bring the targets in
one to three at a time: the first take all the traffic, and stay slow for as long as they hold
it). A falling count takes tasks from every cohort alike; a cohort whose backlog clears returns
its tasks to the free pool. ``least_outstanding_requests`` sends new requests to the emptiest
tasks and is taken as balanced: one pooled cohort, its backlog spread over every serving task.

Processor sharing (unlimited workers)
-------------------------------------
Every request in a task progresses at the same rate, so a cohort's state is its *virtual time*
``V`` (the service a request present all along has had) and, per column ``j``, the service
``A_j`` its requests have had: of its mass ``M_j``, ``M_j·P(X > A_j)`` is still there. In a step
the task's capacity ``c·dt`` (vCPU-seconds) serves every request alike, so ``V`` advances by
the ``Δ`` that spends it (work is conserved):
``Σ_j M_j·(E[min(X, A_j + Δ)] − E[min(X, A_j)]) + a·E[min(X, Δ/2)] = c·dt``,
the step's own arrivals taken as arriving at its middle in ``V`` (Newton's method on this
concave function; closed forms of ``E[min(X, y)]`` for constant, exponential and lognormal
work). When the backlog and the step's arrivals need less than ``c·dt`` the cohort clears.

A request of work ``x`` arriving at a fraction ``u`` of a step in a cohort finishes when ``V``
reaches ``V_start + u·Δ + x`` (``V`` taken as linear within a step; in the step that clears the
cohort, when the work of its backlog up to that ``V`` is done at the capacity its arrivals
leave). That is the processor-sharing sojourn ``x + Σ_j min(x, r_j) + (the same for later
arrivals)``, in units of the task's capacity: a short request's time grows with the number of
requests it shares the task with, not with their work, so it passes a backlog of long requests
quickly; a long one stays until the task has served its work alongside everything else; and
every request of a task that holds a backlog is slowed by it. Requests of the free pool (and
those arriving in the step that clears a cohort) have no sojourn added. The sojourn depends on
the steps to come (the task count, the arrivals), so the draw is held until its cohort's ``V``
passes its target — possibly windows later — and its latency, the steady-state draw of
:mod:`fargasim.workload.latency` plus the sojourn, goes into the tick it completes in, as the
exact engine records a request when it completes. A draw still held when the run ends has no
latency (in the exact engine its requests are in flight; the request counts are unchanged).

Against a simulation of round robin over per-task processor sharing with the same joins (a
start-up like benchmark B3's, Poisson arrivals, 20 runs) the latencies of the requests after
the first serving tick add up to the same within 0.5 %, the mean of each 4-s bin of arrivals
within 10 % and its p99 within 15 % (lower: the fluid has no spread of its own); against the
exact engine: :mod:`fargasim.workload.latency`, Accuracy.

Workers first in, first out
---------------------------
Worker-bound tasks, and tasks with fewer workers than requests in overload, serve the backlog
first in, first out: a cohort's state is its backlog ``b`` (requests per task, Lindley's
recursion at the task's rate), and a request arriving at a fraction ``u`` of a step waits
``max(0, b + (a − rate·dt)·u)/rate`` for the requests of its own task ahead of it, known at once
(later arrivals do not delay it): its latency stays in its arrival tick.

Bounds
------
Columns whose remaining mass falls below :data:`NEGLIGIBLE` requests per task are dropped;
beyond :data:`MAX_COLUMNS` columns the oldest half are merged in pairs (service averaged by the
requests left, mass set to keep their remaining work: the backlog drains as before). Beyond
:data:`MAX_COHORTS` cohorts (an overload through many scale-outs) the two with the closest
backlogs merge at a window's start. More than :data:`MAX_PENDING` held draws (an overload that
never ends) are thinned at random to half, each kept one standing for the requests of two (the
draws of a tick are exchangeable: :func:`~fargasim.workload.latency.draw_weights`). The
recursion is a Python loop over the steps that have a backlog or an overload only (numpy over
cohorts and columns, ~0.2 ms a step); a window without either costs a few array operations.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import special

from fargasim.core.distributions import lognormal_params
from fargasim.scenario.schema import Distribution

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

#: The most columns (ticks of arrivals) a cohort keeps apart; older ones merge in pairs.
MAX_COLUMNS = 64
#: The most cohorts kept apart (merged at a window's start beyond it).
MAX_COHORTS = 64
#: The most draws held until their requests complete; beyond it they are thinned to half.
MAX_PENDING = 1 << 17
#: Requests per task below which what is left of a column is dropped.
NEGLIGIBLE = 1e-7
_NEWTON = 200  # iterations at most (monotone; a handful unless the work is constant)
_TOLERANCE = 1e-7  # of a tick's capacity


class WorkTail:
    """``E[min(X, y)]`` and ``P(X > y)`` for a request's work ``X`` (``y ≥ 0``, ∞ allowed)."""

    def __init__(self, dist: Distribution) -> None:
        self.mean = float(dist.mean)
        kind = dist.distribution
        if kind == "lognormal" and dist.cv == 0:
            kind = "constant"
        self.kind = kind
        self.mu, self.sigma = (
            lognormal_params(dist.mean, dist.cv) if kind == "lognormal" else (0.0, 1.0)
        )

    def __call__(self, y: FloatArray) -> tuple[FloatArray, FloatArray]:
        m = self.mean
        if self.kind == "constant":
            return np.minimum(y, m), (y < m).astype(np.float64)
        y = np.clip(y, 1e-300, 1e300)  # finite logs and products
        if self.kind == "exponential":
            x = -y / m
            return m * -np.expm1(x), np.exp(x)
        z = (np.log(y) - self.mu) / self.sigma
        survive = special.ndtr(-z)
        below = m * special.ndtr(z - self.sigma)  # E[X; X ≤ y]
        return below + y * survive, survive


@dataclass
class Trace:
    """The cohorts over the pieces of a window (slots × pieces; 0 where the recursion skipped a
    piece): each slot's cohort id, its share of the serving tasks, and per piece its virtual time
    (or FIFO backlog) at the start and end (``v_end``: −∞ before the cohort exists, ∞ from the
    piece it clears in; FIFO: ``slope`` is the backlog's change over the piece); ``cleared``: per
    cohort that clears, what finishing within that piece needs (the piece, its columns' service
    and mass, the work the piece's arrivals leave to them)."""

    ids: IntArray
    share: FloatArray
    v_start: FloatArray
    v_end: FloatArray
    slope: FloatArray
    live: BoolArray  # arrivals in the cohort join its backlog (PS: not in the piece it clears in)
    cleared: dict[int, tuple[int, FloatArray, FloatArray, float]]


@dataclass
class Pieces:
    """A window's ticks cut where the serving count steps (the recursion's time steps): per
    piece its tick, start (seconds into the tick), length and serving tasks (0: none); per tick
    its first piece and the share of its serving time in that piece (the rest is in the next)."""

    tick: IntArray
    offset: FloatArray
    length: FloatArray
    tasks: FloatArray
    first: IntArray
    cut: FloatArray

    def place(self, tick: IntArray, u: FloatArray) -> tuple[IntArray, FloatArray]:
        """The piece of a request arriving at the fraction ``u`` of its tick's serving time,
        and where in the piece (a fraction of it)."""
        cut = self.cut[tick]
        second = u >= cut
        with np.errstate(divide="ignore", invalid="ignore"):
            at = np.where(second, (u - cut) / (1.0 - cut), u / cut)
        return self.first[tick] + second, np.clip(np.nan_to_num(at), 0.0, 1.0)


def split_ticks(levels: FloatArray | None, tasks: FloatArray, dt: FloatArray) -> Pieces:
    """Cut each tick whose serving count goes from ``s`` (at its start) to ``e ≠ s`` (at its
    end; ``levels``: the count at every edge) in two, at the time ``τ`` of the one step that keeps
    its mean ``tasks``: ``τ = dt·(e − m)/(e − s)``; ``s`` tasks before it, ``e`` after. Other ticks
    are one piece of ``tasks``. Arrivals reach tasks only while some serve (in the exact engine
    the load balancer answers the others with 503s), so a tick where serving starts or stops
    has its serving time in one piece. ``levels`` None: one piece a tick."""
    n = dt.size
    if levels is None:
        first = np.arange(n)
        return Pieces(first, np.zeros(n), dt, tasks, first, np.ones(n))
    begin, end = levels[:-1], levels[1:]
    steps = (begin != end) & (dt > 0.0)
    if not steps.any():
        first = np.arange(n)
        return Pieces(first, np.zeros(n), dt, tasks, first, np.ones(n))
    with np.errstate(divide="ignore", invalid="ignore"):
        tau = np.clip(dt * (end - tasks) / (end - begin), 0.0, dt)
    count = 1 + steps.astype(np.int64)
    first = np.cumsum(count) - count
    total = int(count.sum())
    tick = np.repeat(np.arange(n), count)
    second = np.zeros(total, dtype=bool)
    second[first[steps] + 1] = True
    offset = np.where(second, tau[tick], 0.0)
    length = np.where(second, dt[tick] - tau[tick], np.where(steps[tick], tau[tick], dt[tick]))
    served = np.where(second, end[tick], np.where(steps[tick], begin[tick], tasks[tick]))
    with np.errstate(divide="ignore", invalid="ignore"):
        cut = np.where(
            steps,
            np.where(begin <= 0.0, 0.0, np.where(end <= 0.0, 1.0, tau / dt)),
            1.0,
        )
    return Pieces(tick, offset, length, served, first, cut)


class TaskBacklogs:
    """The overload backlogs of one service's tasks (module docstring): ``shared`` (processor
    sharing, work in vCPU-seconds, ``capacity`` in vCPU) or first in, first out (work in requests,
    ``capacity`` in requests per second); ``pooled``: one cohort spread over every serving task
    (join the shortest queue)."""

    def __init__(
        self,
        shared: bool,
        capacity: float,
        work: Distribution,
        pooled: bool,
        rng: np.random.Generator,
    ) -> None:
        self.shared = shared
        self.capacity = capacity
        self.tail = WorkTail(work)
        self.unit = self.tail.mean if shared else 1.0  # the work of one request
        self.pooled = pooled
        self.rng = rng
        self.free = 0.0  # tasks without backlog
        self.ids = np.zeros(0, dtype=np.int64)
        self.tasks = np.zeros(0)  # per cohort
        self.v = np.zeros(0)  # virtual time (PS) or backlog in requests per task (FIFO)
        self.served = np.zeros((0, 0))  # PS: the service A each column has had, cohorts × columns
        self.mass = np.zeros((0, 0))  # PS: each column's arrivals per task (0: not in the cohort)
        self.next_id = 0
        # PS draws held until their requests complete: cohort, target V, arrival time, the
        # steady-state part of the latency, weight.
        self.p_id = np.zeros(0, dtype=np.int64)
        self.p_target = np.zeros(0)
        self.p_arrival = np.zeros(0)
        self.p_base = np.zeros(0)
        self.p_weight = np.zeros(0, dtype=np.int64)

    # -- the state --------------------------------------------------------------------------------

    def total(self) -> float:
        """The backlog in every task: vCPU-seconds of work (PS) or requests (FIFO)."""
        if not self.ids.size:
            return 0.0
        if not self.shared:
            return float(self.tasks @ self.v)
        done, _ = self.tail(self.served)
        return float(self.tasks @ (self.mass * (self.unit - done)).sum(axis=1))

    @property
    def pending(self) -> int:
        """Draws held until their requests complete."""
        return int(self.p_id.size)

    def _remaining(self) -> FloatArray:
        """Each cohort's backlog per task (the unit of :meth:`total`)."""
        if not self.shared:
            return self.v
        done, _ = self.tail(self.served)
        return np.asarray((self.mass * (self.unit - done)).sum(axis=1), dtype=np.float64)

    def _keep(self, rows: BoolArray) -> None:
        self.ids, self.tasks, self.v = self.ids[rows], self.tasks[rows], self.v[rows]
        if self.shared:
            self.served, self.mass = self.served[rows], self.mass[rows]

    def _merge_cohorts(self) -> None:
        """Beyond :data:`MAX_COHORTS`, merge the two cohorts with the closest backlogs into the
        larger one's state (its pending draws keep what they still need)."""
        while self.ids.size > MAX_COHORTS:
            order = np.argsort(self._remaining())
            gaps = np.diff(self._remaining()[order])
            i = int(np.argmin(gaps))
            a, b = int(order[i]), int(order[i + 1])
            keep, gone = (a, b) if self.tasks[a] >= self.tasks[b] else (b, a)
            moved = self.p_id == self.ids[gone]
            self.p_target[moved] += self.v[keep] - self.v[gone]
            self.p_id[moved] = self.ids[keep]
            self.tasks[keep] += self.tasks[gone]
            rows = np.ones(self.ids.size, dtype=bool)
            rows[gone] = False
            self._keep(rows)

    # -- a window ---------------------------------------------------------------------------------

    def advance(self, arrival_rate: FloatArray, tasks: FloatArray, dt: FloatArray) -> Trace | None:
        """Run the recursion over a window's pieces (:func:`split_ticks`; ``arrival_rate``:
        expected arrivals per second, 0 where no task serves; ``tasks``: serving tasks, at least
        1 where any serves; ``dt``: their lengths). None when none has a backlog or an
        overload."""
        with np.errstate(invalid="ignore"):
            over = (tasks > 0.0) & (arrival_rate * self.unit > tasks * self.capacity)
        if not self.ids.size and not over.any():
            return None
        self._merge_cohorts()
        over_at = np.flatnonzero(over)
        records: list[tuple[int, IntArray, FloatArray, FloatArray, FloatArray, FloatArray]] = []
        cleared: dict[int, tuple[int, FloatArray, FloatArray, float]] = {}
        k, n_ticks = 0, dt.size
        while k < n_ticks:
            if not self.ids.size:  # no backlog: on to the next overloaded tick
                j = int(np.searchsorted(over_at, k))
                if j == over_at.size:
                    break
                k = int(over_at[j])
                self.free = float(tasks[k])
            records.append(
                self._tick(k, float(arrival_rate[k]), float(tasks[k]), float(dt[k]), cleared)
            )
            k += 1
        return self._trace(records, cleared, n_ticks)

    def _tick(
        self,
        k: int,
        arrival_rate: float,
        n: float,
        dt: float,
        cleared: dict[int, tuple[int, FloatArray, FloatArray, float]],
    ) -> tuple[int, IntArray, FloatArray, FloatArray, FloatArray, FloatArray]:
        """One tick of the recursion; returns what the trace keeps of it."""
        arrivals = 0.0
        if n > 0.0:
            held = self.tasks.sum()
            total = self.free + held
            if self.pooled and self.ids.size:  # the backlog spreads over every serving task
                scale = held / n
                if self.shared:
                    self.mass *= scale
                else:
                    self.v *= scale
                self.tasks[:] = n
                self.free = 0.0
            elif n > total:
                self.free += n - total
            elif n < total:
                self.free *= n / total
                self.tasks *= n / total
            arrivals = arrival_rate * dt / n
        cap = self.capacity * dt
        if self.free > 0.0 and arrivals * self.unit > cap and not (self.pooled and self.ids.size):
            self._open(self.free)
            self.free = 0.0
        share = self.tasks / n if n > 0.0 else np.zeros(self.ids.size)
        ids = self.ids.copy()
        if self.shared:
            start, end = self._shared_tick(k, arrivals, cap, cleared)
            slope = np.zeros(ids.size)
        else:
            start = self.v.copy()
            slope = np.full(ids.size, arrivals - cap)
            self.v = np.maximum(start + arrivals - cap, 0.0)
            kept = self.v > 0.0
            end = np.where(kept, self.v, np.inf)
            self.free += float(self.tasks[~kept].sum())
            self._keep(kept)
        return k, ids, share, start, end, slope

    def _open(self, tasks: float) -> None:
        """A new cohort of ``tasks`` tasks without backlog."""
        self.ids = np.append(self.ids, self.next_id)
        self.next_id += 1
        self.tasks = np.append(self.tasks, tasks)
        self.v = np.append(self.v, 0.0)
        if self.shared:
            columns = self.served.shape[1]
            self.served = np.vstack((self.served, np.zeros((1, columns))))
            self.mass = np.vstack((self.mass, np.zeros((1, columns))))

    def _shared_tick(
        self,
        k: int,
        arrivals: float,
        cap: float,
        cleared: dict[int, tuple[int, FloatArray, FloatArray, float]],
    ) -> tuple[FloatArray, FloatArray]:
        """Processor sharing: advance every cohort's virtual time by what the tick's capacity
        serves (module docstring); returns the virtual times at the tick's start and end (∞:
        the cohort clears)."""
        tail, unit = self.tail, self.unit
        served, mass = self.served, self.mass
        done, left = tail(served)
        before = (mass * done).sum(axis=1)
        remaining = (mass * unit).sum(axis=1) - before
        clears = remaining + arrivals * unit <= cap
        live = ~clears
        step = np.zeros(self.ids.size)
        if live.any():
            # The tick's arrivals are one more column, served Δ/2 (weight a, slope a/2).
            n_live = int(live.sum())
            weight = np.hstack((mass[live], np.full((n_live, 1), arrivals)))
            rate = np.hstack((mass[live], np.full((n_live, 1), arrivals / 2.0)))
            origin = np.hstack((served[live], np.zeros((n_live, 1))))
            scale = np.ones(origin.shape[1])
            scale[-1] = 0.5
            base = before[live]
            # Newton's method from 0 (its first step: the capacity over the requests there),
            # rising to the root of the concave g.
            d = cap / ((mass[live] * left[live]).sum(axis=1) + arrivals / 2.0)
            for _ in range(_NEWTON):
                e1, f1 = tail(origin + d[:, None] * scale)
                g = (weight * e1).sum(axis=1) - base - cap
                if (np.abs(g) <= _TOLERANCE * cap).all():
                    break
                with np.errstate(divide="ignore", invalid="ignore"):
                    guess = d - g / (rate * f1).sum(axis=1)
                # From above the root a step may overshoot below 0 (or a flat tail stall it):
                # start again lower.
                d = np.where(np.isfinite(guess) & (guess >= 0.0), guess, d / 2.0)
            step[live] = d
        start = self.v.copy()
        end = np.where(live, start + step, np.inf)
        for i in np.flatnonzero(clears):
            cleared[int(self.ids[i])] = (
                k,
                served[i].copy(),
                mass[i].copy(),
                max(cap - arrivals * unit, 0.0),
            )
        self.free += float(self.tasks[clears].sum())
        self._keep(live)
        if self.ids.size:
            self.v = self.v + step[live]
            served = np.hstack((self.served + step[live][:, None], step[live][:, None] / 2.0))
            mass = np.hstack((self.mass, np.full((self.ids.size, 1), arrivals)))
            _, left = self.tail(served)
            keep = (mass * left > NEGLIGIBLE).any(axis=0)
            self.served, self.mass = served[:, keep], mass[:, keep]
            if self.served.shape[1] > MAX_COLUMNS:
                self._merge_columns()
        else:
            self.served = np.zeros((0, 0))
            self.mass = np.zeros((0, 0))
        return start, end

    def _merge_columns(self) -> None:
        """Merge the oldest columns in pairs: each pair's service is the mean of the two
        weighted by the requests left in them, and its mass keeps the work they have left (so
        the backlog drains as before)."""
        half = (self.served.shape[1] // 2) & ~1
        a, m = self.served[:, :half], self.mass[:, :half]
        done, left = self.tail(a)
        count = m * left
        c0, c1 = count[:, 0::2], count[:, 1::2]
        work = m * (self.unit - done)
        work = work[:, 0::2] + work[:, 1::2]
        with np.errstate(invalid="ignore", divide="ignore"):
            merged = np.where(c0 + c1 > 0.0, (c0 * a[:, 0::2] + c1 * a[:, 1::2]) / (c0 + c1), 0.0)
            done_merged, _ = self.tail(merged)
            mass = np.where(work > 0.0, work / (self.unit - done_merged), 0.0)
        self.served = np.hstack((merged, self.served[:, half:]))
        self.mass = np.hstack((np.nan_to_num(mass), self.mass[:, half:]))

    def _trace(
        self,
        records: list[tuple[int, IntArray, FloatArray, FloatArray, FloatArray, FloatArray]],
        cleared: dict[int, tuple[int, FloatArray, FloatArray, float]],
        n_ticks: int,
    ) -> Trace:
        ids = np.unique(np.concatenate([r[1] for r in records])) if records else np.zeros(0, int)
        slots = ids.size
        share = np.zeros((slots, n_ticks))
        v_start = np.zeros((slots, n_ticks))
        v_end = np.full((slots, n_ticks), -np.inf)
        slope = np.zeros((slots, n_ticks))
        for k, rid, sh, st, en, sl in records:
            rows = np.searchsorted(ids, rid)
            share[rows, k] = sh
            v_start[rows, k] = st
            v_end[rows, k] = en
            slope[rows, k] = sl
        done = np.isinf(v_end) & (v_end > 0)
        v_end = np.where(np.maximum.accumulate(done, axis=1), np.inf, v_end)
        live = np.isfinite(v_end) if self.shared else share > 0.0
        return Trace(ids, share, v_start, v_end, slope, live, cleared)

    # -- the draws ----------------------------------------------------------------------------------

    def apply(
        self,
        trace: Trace | None,
        latency: FloatArray,
        work: FloatArray,
        weights: IntArray,
        tick: IntArray,
        pieces: Pieces,
        start: FloatArray,
    ) -> tuple[FloatArray, IntArray, IntArray]:
        """Add the backlog to a window's draws (steady-state ``latency``, requests of ``work``
        arriving in ``tick``; ``pieces`` as given to :meth:`advance`, ``start``: their times).
        FIFO: each draw's wait, in its tick. Processor sharing: the draws that join a backlog
        are held, and those held (from this window or earlier) whose requests complete in it are
        returned in their completion tick."""
        if trace is None:
            return latency, weights, tick
        slots = trace.ids.size
        dt = pieces.length
        piece, at = pieces.place(tick, self.rng.random(tick.size))
        # The cohort of each draw, by the share of the tasks each holds: the cumulative shares of
        # piece p, offset by p, are one sorted array (the shares of a piece add up to at most 1).
        cum = np.cumsum(trace.share * trace.live, axis=0)
        flat = (cum + np.arange(dt.size)[None, :]).T.ravel()
        key = piece + self.rng.random(tick.size)
        slot = np.searchsorted(flat, key, side="right") - piece * slots
        joins = slot < slots
        if joins.any():
            s, k, at = slot[joins], piece[joins], at[joins]
            if not self.shared:
                ahead = np.maximum(trace.v_start[s, k] + trace.slope[s, k] * at, 0.0)
                latency = latency.copy()
                latency[joins] += ahead / self.capacity
                return latency, weights, tick
            v0, v1 = trace.v_start[s, k], trace.v_end[s, k]
            self._hold(
                trace.ids[s],
                v0 + at * (v1 - v0) + work[joins],
                start[k] + at * dt[k],
                latency[joins],
                weights[joins],
            )
            keep = ~joins
            latency, weights, tick = latency[keep], weights[keep], tick[keep]
        if not self.shared or not self.p_id.size:
            return latency, weights, tick
        done_latency, done_weight, done_piece = self._complete(trace, start, dt)
        done_tick = pieces.tick[done_piece]
        while self.p_id.size > MAX_PENDING:
            self._thin()
        return (
            np.concatenate((latency, done_latency)),
            np.concatenate((weights, done_weight)),
            np.concatenate((tick, done_tick)),
        )

    def _hold(
        self,
        ids: IntArray,
        target: FloatArray,
        arrival: FloatArray,
        base: FloatArray,
        weight: IntArray,
    ) -> None:
        self.p_id = np.concatenate((self.p_id, ids))
        self.p_target = np.concatenate((self.p_target, target))
        self.p_arrival = np.concatenate((self.p_arrival, arrival))
        self.p_base = np.concatenate((self.p_base, base))
        self.p_weight = np.concatenate((self.p_weight, weight))

    def _complete(
        self, trace: Trace, start: FloatArray, dt: FloatArray
    ) -> tuple[FloatArray, IntArray, IntArray]:
        """The held draws whose requests complete in the window: their latencies, weights and
        completion ticks (removed from the held ones)."""
        n_ticks = dt.size
        finish = np.full(self.p_id.size, np.nan)
        at_tick = np.full(self.p_id.size, -1, dtype=np.int64)
        slot_of = np.searchsorted(trace.ids, self.p_id)
        for s in np.unique(slot_of):
            sel = np.flatnonzero(slot_of == s)
            row = trace.v_end[s]
            target = self.p_target[sel]
            k = np.searchsorted(row, target, side="left")
            found = k < n_ticks
            sel, k, target = sel[found], k[found], target[found]
            v0 = trace.v_start[s, k]
            v1 = row[k]
            with np.errstate(invalid="ignore", divide="ignore"):
                frac = np.where(np.isfinite(v1), (target - v0) / (v1 - v0), 0.0)
            clearing = ~np.isfinite(v1)
            if clearing.any():
                _, served, mass, net = trace.cleared[int(trace.ids[s])]
                delta = target[clearing] - v0[clearing]
                before, _ = self.tail(served)
                after, _ = self.tail(served[None, :] + delta[:, None])
                needed = ((after - before[None, :]) * mass[None, :]).sum(axis=1)
                rest = float((mass * (self.unit - before)).sum())
                frac[clearing] = np.minimum(needed, rest) / (net if net > 0.0 else np.inf)
            frac = np.clip(np.nan_to_num(frac), 0.0, 1.0)
            finish[sel] = start[k] + frac * dt[k]
            at_tick[sel] = k
        done = at_tick >= 0
        latency = self.p_base[done] + np.maximum(finish[done] - self.p_arrival[done], 0.0)
        out = (latency, self.p_weight[done], at_tick[done])
        left = ~done
        self.p_id, self.p_target = self.p_id[left], self.p_target[left]
        self.p_arrival, self.p_base = self.p_arrival[left], self.p_base[left]
        self.p_weight = self.p_weight[left]
        return out

    def _thin(self) -> None:
        """Keep half of the held draws at random, each standing for the requests of two."""
        n = self.p_id.size
        order = self.rng.permutation(n)
        keep, drop = order[: n // 2], order[n // 2 : 2 * (n // 2)]
        rest = order[2 * (n // 2) :]
        self.p_weight[keep] += self.p_weight[drop]
        keep = np.sort(np.concatenate((keep, rest)))
        self.p_id, self.p_target = self.p_id[keep], self.p_target[keep]
        self.p_arrival, self.p_base = self.p_arrival[keep], self.p_base[keep]
        self.p_weight = self.p_weight[keep]
