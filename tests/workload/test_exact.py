"""The exact request plane by hand (fargasim/workload/exact.py docstring).

Every case drives :class:`ExactPlane` directly on a :class:`Context` (no engine). Requests are
injected at chosen times with :meth:`ExactFlow.arrive` (the workload's own arrivals are a Poisson
pattern of rate 0, so they add nothing), except where the drawn arrivals are the point.

Processor sharing by hand: one task of 1 vCPU, request A (1 CPU-second) at 0, B (1 CPU-second)
at 0.5. A runs alone at rate 1 until 0.5 (0.5 s done, 0.5 left). From 0.5 both run at rate
1/2: A's remaining 0.5 takes 1 s, so A ends at 1.5; by then B has done 0.5 and runs alone at
rate 1 for its last 0.5: B ends at 2.0. With 2 vCPUs nobody shares: A ends at 1.0, B at 1.5.
With one worker (FIFO): A ends at 1.0, B starts at 1.0 and ends at 2.0.
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from typing import Any

import numpy as np
import pytest
import simpy

from fargasim.core import Context
from fargasim.scenario.schema import WorkloadSpec
from fargasim.workload.dataplane import DataPlane, ServiceFlow
from fargasim.workload.exact import REQUEST_COLUMNS, ExactFlow, ExactPlane, RequestRecord
from fargasim.workload.plane import RequestPlane


def workload(**changes: Any) -> WorkloadSpec:
    doc: dict[str, Any] = {
        "service": "web",
        "arrivals": {"pattern": "poisson", "rps": 0},
        "request": {"cpuSeconds": {"distribution": "constant", "mean": 1.0}},
    }
    for key, value in changes.items():
        if key == "request":
            doc["request"] = {**doc["request"], **value}
        else:
            doc[key] = value
    return WorkloadSpec.model_validate(doc)


def make(
    wl: WorkloadSpec | None = None,
    vcpu: float = 1.0,
    memory: float = 1024.0,
    tasks: Sequence[str] = ("t1",),
    weights: Sequence[float] | None = None,
    algorithm: str = "round_robin",
    idle: float = 0.0,
    end: float = 100.0,
    seed: int = 1,
) -> tuple[Context, ExactPlane, ExactFlow]:
    ctx = Context(seed=seed, end_time=end)
    plane = ExactPlane(ctx, 1.0, record_requests=True)
    flow = plane.add_service("web", vcpu, memory, wl or workload(), idle, algorithm)
    for task in tasks:
        plane.task_state("web", task, "running")
    w = weights or [1.0] * len(tasks)
    plane.set_targets("web", dict(zip(tasks, w, strict=True)))
    plane.set_counts("web", float(sum(1 for x in w if x > 0)), len(tasks))
    return ctx, plane, flow


def inject(ctx: Context, flow: ExactFlow, arrivals: Sequence[tuple[float, float, float]]) -> None:
    """Requests ``(time, cpu work, off-CPU wait)``."""

    def run() -> Generator[simpy.Event, Any, None]:
        for time, work, wait in arrivals:
            yield ctx.timeout(time - ctx.now)
            flow.arrive(ctx.now, work, wait)

    ctx.process(run())


def at(ctx: Context, time: float, action: Any) -> None:
    """Run ``action()`` at ``time`` (after same-time events scheduled earlier)."""

    def run() -> Generator[simpy.Event, Any, None]:
        yield ctx.timeout(time)
        action()

    ctx.process(run())


def records(plane: ExactPlane) -> list[RequestRecord]:
    return sorted(plane.requests, key=lambda r: r.arrival)


def ends(plane: ExactPlane) -> list[float]:
    return [r.end for r in records(plane)]


def run(ctx: Context, until: float | None = None) -> None:
    ctx.env.run(until=until if until is not None else ctx.end_time)


# -- one task: processor sharing, workers, queue, timeout, waits ------------------------------


def test_processor_sharing_two_requests() -> None:
    """1 vCPU, A at 0 and B at 0.5, 1 CPU-second each: A ends at 1.5, B at 2.0 (module doc)."""
    ctx, plane, flow = make()
    inject(ctx, flow, [(0.0, 1.0, 0.0), (0.5, 1.0, 0.0)])
    run(ctx)
    assert ends(plane) == pytest.approx([1.5, 2.0], abs=1e-12)
    assert [r.start for r in records(plane)] == [0.0, 0.5]
    assert flow.totals.completed == 2
    assert flow.latency.total == 2
    assert flow.latency.mean == pytest.approx((1.5 + 1.5) / 2)


def test_two_vcpus_do_not_share() -> None:
    """2 vCPUs: each request has its own vCPU, A ends at 1.0 and B at 1.5."""
    ctx, plane, flow = make(vcpu=2.0)
    inject(ctx, flow, [(0.0, 1.0, 0.0), (0.5, 1.0, 0.0)])
    run(ctx)
    assert ends(plane) == pytest.approx([1.0, 1.5], abs=1e-12)


def test_half_a_vcpu_runs_a_request_at_half_speed() -> None:
    """0.5 vCPU: a request uses at most the task's CPU, 1 CPU-second takes 2 s; with three at
    once each gets 1/6: all end at 6 s."""
    ctx, plane, flow = make(vcpu=0.5)
    inject(ctx, flow, [(0.0, 1.0, 0.0), (10.0, 1.0, 0.0), (10.0, 1.0, 0.0), (10.0, 1.0, 0.0)])
    run(ctx)
    assert ends(plane) == pytest.approx([2.0, 16.0, 16.0, 16.0], abs=1e-9)


def test_processor_sharing_with_unequal_work() -> None:
    """1 vCPU, works 3, 1, 2 all at 0: the smallest finishes first. Rates 1/3 until the 1 s
    request ends at 3; then 1/2 with 2 and 1 left: the 2 s request ends at 3 + 2 = 5, the 3 s
    one has 1 left at rate 1: ends at 6."""
    ctx, plane, flow = make()
    inject(ctx, flow, [(0.0, 3.0, 0.0), (0.0, 1.0, 0.0), (0.0, 2.0, 0.0)])
    run(ctx)
    assert [r.end for r in plane.requests] == pytest.approx([3.0, 5.0, 6.0], abs=1e-9)
    assert flow.totals.work_used == pytest.approx(6.0)


def test_one_worker_is_fifo() -> None:
    """workersPerTask 1: B waits for A's worker, starts at 1.0 and ends at 2.0."""
    ctx, plane, flow = make(workload(workersPerTask=1))
    inject(ctx, flow, [(0.0, 1.0, 0.0), (0.5, 1.0, 0.0), (0.6, 1.0, 0.0)])
    run(ctx)
    got = records(plane)
    assert [r.start for r in got] == pytest.approx([0.0, 1.0, 2.0])
    assert [r.end for r in got] == pytest.approx([1.0, 2.0, 3.0])
    assert [r.latency for r in got] == pytest.approx([1.0, 1.5, 2.4])


def test_queue_limit_zero_drops_when_busy() -> None:
    """queueLimit 0 with one worker: B, arriving while A is served, is dropped at once."""
    ctx, plane, flow = make(workload(workersPerTask=1, queueLimit=0))
    inject(ctx, flow, [(0.0, 1.0, 0.0), (0.5, 1.0, 0.0), (1.5, 1.0, 0.0)])
    run(ctx)
    got = records(plane)
    assert [r.outcome for r in got] == ["completed", "dropped_queue_full", "completed"]
    assert got[1].task_id == "t1"
    assert got[1].end == 0.5
    assert np.isnan(got[1].start)
    t = flow.totals
    assert (t.arrivals, t.completed, t.dropped_queue_full, t.dropped) == (3, 2, 1, 1)


def test_queue_limit_one() -> None:
    """queueLimit 1: B waits (A busy), C finds the queue full; B runs from 1 to 2."""
    ctx, plane, flow = make(workload(workersPerTask=1, queueLimit=1))
    inject(ctx, flow, [(0.0, 1.0, 0.0), (0.1, 1.0, 0.0), (0.2, 1.0, 0.0)])
    run(ctx)
    assert [r.outcome for r in records(plane)] == ["completed", "completed", "dropped_queue_full"]
    assert ends(plane) == pytest.approx([1.0, 2.0, 0.2])


def test_timeout_drops_a_waiting_request() -> None:
    """timeoutSeconds 0.3, one worker busy until 1.0: B (at 0.5) is dropped at 0.8; C (at 0.9)
    gets the worker at 1.0, after 0.1 s of waiting, and is not timed out (ends at 2.0)."""
    wl = workload(workersPerTask=1, request={"timeoutSeconds": 0.3})
    ctx, plane, flow = make(wl)
    inject(ctx, flow, [(0.0, 1.0, 0.0), (0.5, 1.0, 0.0), (0.9, 1.0, 0.0)])
    run(ctx)
    got = records(plane)
    assert [r.outcome for r in got] == ["completed", "dropped_timeout", "completed"]
    assert [r.end for r in got] == pytest.approx([1.0, 0.8, 2.0])
    assert flow.totals.dropped_timeout == 1
    assert flow.latency.total == 2


def test_wait_seconds_are_off_cpu() -> None:
    """waitSeconds 0.5 then 1 CPU-second, A at 0 and B at 0.5, 1 vCPU. A computes alone from
    0.5 to 1.0 (0.5 done); from 1.0 both share: A's last 0.5 at rate 1/2 ends at 2.0; B has
    0.5 done then and ends at 2.5. CPU used = 2 vCPU-s; both hold memory from arrival."""
    wl = workload(request={"memoryMiB": 10.0})
    ctx, plane, flow = make(wl)
    inject(ctx, flow, [(0.0, 1.0, 0.5), (0.5, 1.0, 0.5)])
    run(ctx, 5.0)
    plane.advance_to(5.0)
    assert ends(plane) == pytest.approx([2.0, 2.5], abs=1e-12)
    assert flow.totals.work_used == pytest.approx(2.0)
    assert flow.totals.request_memory == pytest.approx(10.0 * (2.0 + 2.0))


def test_zero_work_completes_after_its_wait() -> None:
    """cpuSeconds 0: a request completes when its off-CPU wait ends (or at once)."""
    ctx, plane, flow = make(workload(workersPerTask=1))
    inject(ctx, flow, [(0.0, 0.0, 0.25), (0.1, 0.0, 0.0), (1.0, 0.0, 0.0)])
    run(ctx)
    assert ends(plane) == pytest.approx([0.25, 0.25, 1.0])
    assert flow.latency.total == 3


# -- routing -------------------------------------------------------------------------------


def test_round_robin_cycles_in_target_order() -> None:
    ctx, plane, flow = make(tasks=("a", "b", "c"))
    inject(ctx, flow, [(float(i), 0.1, 0.0) for i in range(7)])
    run(ctx)
    assert [r.task_id for r in records(plane)] == ["a", "b", "c", "a", "b", "c", "a"]


def test_smooth_weighted_round_robin() -> None:
    """nginx's smooth weighted round robin, weights 5/1/1: a a b a c a a (interleaved)."""
    ctx, plane, flow = make(tasks=("a", "b", "c"), weights=(5.0, 1.0, 1.0))
    inject(ctx, flow, [(float(i), 0.01, 0.0) for i in range(14)])
    run(ctx)
    assert "".join(r.task_id for r in records(plane)) == "aabacaa" * 2


def test_slow_start_weights_are_honoured() -> None:
    """Weights 1 and 0.25 (a target in slow start): b gets exactly 1 request in 5; when b's
    weight grows to 1 the two alternate, starting after the last task chosen (a)."""
    ctx, plane, flow = make(tasks=("a", "b"), weights=(1.0, 0.25))
    at(ctx, 99.95, lambda: plane.set_targets("web", {"a": 1.0, "b": 1.0}))
    inject(ctx, flow, [(i / 10, 0.001, 0.0) for i in range(1010)])
    run(ctx, 102.0)
    got = [r.task_id for r in records(plane)]
    assert got[:1000].count("b") == 200
    assert "".join(got[:5]) == "aabaa"
    assert got[1000:] == ["b", "a"] * 5


def test_weight_zero_and_draining_tasks_get_nothing() -> None:
    ctx, plane, flow = make(tasks=("a", "b", "c"), weights=(1.0, 0.0, 1.0))
    at(ctx, 1.5, lambda: plane.task_state("web", "c", "draining"))
    inject(ctx, flow, [(float(i), 0.01, 0.0) for i in range(5)])
    run(ctx)
    assert [r.task_id for r in records(plane)] == ["a", "c", "a", "a", "a"]


def test_weighted_random_proportions() -> None:
    """Weights 3:1, 8000 requests: task a's share is 3/4 within 4 standard deviations
    (σ = √(¾·¼/8000) ≈ 0.0048)."""
    wl = workload(
        arrivals={"pattern": "poisson", "rps": 40}, request={"cpuSeconds": {"mean": 0.001}}
    )
    ctx, plane, _flow = make(
        wl, tasks=("a", "b"), weights=(3.0, 1.0), algorithm="weighted_random", end=200.0
    )
    run(ctx, 200.0)
    got = [r.task_id for r in plane.requests]
    share = got.count("a") / len(got)
    sigma = (0.75 * 0.25 / len(got)) ** 0.5
    assert 7000 < len(got) < 9000
    assert abs(share - 0.75) < 4 * sigma


def test_least_outstanding_requests() -> None:
    """a gets A (long); B goes to idle b; C: both hold 1, the tie goes round robin (after b:
    a); D: a holds 2, b 1 → b; E: 2 each, after b → a."""
    ctx, _plane, flow = make(tasks=("a", "b"), algorithm="least_outstanding_requests")
    inject(ctx, flow, [(float(i), 100.0, 0.0) for i in range(5)])
    run(ctx, 10.0)
    got = sorted(flow.in_flight(), key=lambda r: r.arrival)
    assert [r.task_id for r in got] == ["a", "b", "a", "b", "a"]


def test_least_outstanding_picks_the_idle_task() -> None:
    """Three long requests on a (weight routing ignored: only a is routable at first); b joins
    idle and gets the next two requests (it holds fewer until it has as many)."""
    ctx, plane, flow = make(
        tasks=("a", "b"), weights=(1.0, 0.0), algorithm="least_outstanding_requests"
    )
    at(ctx, 5.0, lambda: plane.set_targets("web", {"a": 1.0, "b": 1.0}))
    inject(
        ctx,
        flow,
        [
            (0.0, 100.0, 0.0),
            (1.0, 100.0, 0.0),
            (2.0, 100.0, 0.0),
            (6.0, 100.0, 0.0),
            (7.0, 100.0, 0.0),
        ],
    )
    run(ctx, 10.0)
    got = sorted(flow.in_flight(), key=lambda r: r.arrival)
    assert [r.task_id for r in got] == ["a", "a", "a", "b", "b"]


def test_no_target_is_a_503() -> None:
    ctx = Context(seed=1, end_time=10.0)
    plane = ExactPlane(ctx, 1.0, record_requests=True)
    flow = plane.add_service("web", 1.0, 1024.0, workload(), 0.0)
    inject(ctx, flow, [(1.0, 1.0, 0.0), (2.0, 1.0, 0.0)])
    at(ctx, 1.5, lambda: plane.set_targets("web", {"t1": 0.0}))
    run(ctx)
    assert flow.totals.arrivals == 2
    assert flow.totals.dropped_no_target == 2
    assert [(r.task_id, r.outcome, r.latency) for r in records(plane)] == [
        ("", "dropped_no_target", 0.0)
    ] * 2
    assert flow.latency.total == 0


def test_unknown_algorithm_is_refused() -> None:
    with pytest.raises(ValueError, match="algorithm"):
        make(algorithm="fastest")


# -- task states ---------------------------------------------------------------------------


def test_gone_task_drops_what_it_holds() -> None:
    """One worker: A (2 s) active, B queued; the task stops at 0.5: both dropped. A later
    set_targets naming the stopped task does not bring it back: C is a 503."""
    ctx, plane, flow = make(workload(workersPerTask=1, request={"memoryMiB": 100.0}))
    inject(ctx, flow, [(0.0, 2.0, 0.0), (0.1, 2.0, 0.0), (1.0, 1.0, 0.0)])
    at(ctx, 0.5, lambda: plane.task_state("web", "t1", "gone"))
    at(ctx, 0.6, lambda: plane.set_targets("web", {"t1": 1.0}))
    run(ctx, 5.0)
    plane.advance_to(5.0)
    got = records(plane)
    assert [r.outcome for r in got] == [
        "dropped_task_stopped",
        "dropped_task_stopped",
        "dropped_no_target",
    ]
    assert [r.end for r in got[:2]] == [0.5, 0.5]
    t = flow.totals
    assert (t.dropped_task_stopped, t.dropped_no_target, t.completed) == (2, 1, 0)
    assert t.work_used == pytest.approx(0.5)  # A ran 0.5 s, then nothing ran
    assert flow.in_flight() == []


def test_draining_task_finishes_its_requests() -> None:
    """a drains at 0.2 holding A: A still ends at 1.0; B and C go to b. a's CPU after 0.2 is
    request work (work_used) but not RUNNING CPU (cpu_used): running count 1 from 0.2."""
    ctx, plane, flow = make(tasks=("a", "b"))

    def drain() -> None:
        plane.task_state("web", "a", "draining")
        plane.set_counts("web", 1.0, 1)

    at(ctx, 0.2, drain)
    inject(ctx, flow, [(0.0, 1.0, 0.0), (0.3, 1.0, 0.0), (0.4, 1.0, 0.0)])
    run(ctx, 4.0)
    plane.advance_to(4.0)
    got = records(plane)
    assert [r.task_id for r in got] == ["a", "b", "b"]
    assert [r.outcome for r in got] == ["completed"] * 3
    assert got[0].end == pytest.approx(1.0)
    t = flow.totals
    assert t.work_used == pytest.approx(3.0)
    # RUNNING CPU: a until 0.2 (0.2) + b from 0.3 to 2.3 (busy with 2 s of work at rate 1).
    assert t.cpu_used == pytest.approx(0.2 + 2.0)
    assert t.running_seconds == pytest.approx(2 * 0.2 + 3.8)


def test_task_back_from_draining_counts_again() -> None:
    """A (3 CPU-s) at 0; the task drains from 1 to 2 (B at 1.5 finds no target: 503); C
    (1 CPU-s) at 2.5. A runs alone to 2.5 (0.5 left), shares with C until A ends at 3.5; C,
    0.5 done, ends at 4.0. Busy 0–4 (4 vCPU-s of work); RUNNING CPU excludes 1–2: 3."""
    ctx, plane, flow = make()
    at(ctx, 1.0, lambda: plane.task_state("web", "t1", "draining"))
    at(ctx, 2.0, lambda: plane.task_state("web", "t1", "running"))
    inject(ctx, flow, [(0.0, 3.0, 0.0), (1.5, 1.0, 0.0), (2.5, 1.0, 0.0)])
    run(ctx, 10.0)
    plane.advance_to(10.0)
    assert [r.outcome for r in records(plane)] == ["completed", "dropped_no_target", "completed"]
    assert ends(plane) == pytest.approx([3.5, 1.5, 4.0])
    assert flow.totals.cpu_used == pytest.approx(3.0)
    assert flow.totals.work_used == pytest.approx(4.0)


# -- totals --------------------------------------------------------------------------------


def test_totals_by_hand() -> None:
    """1 task of 1 vCPU and 1000 MiB (base 250), 10 % idle CPU, 100 MiB per request; A at 0
    and B at 0.5 (1 CPU-s each: end 1.5 and 2.0), integrals to t = 3:

    * running = serving = 3 task-s; capacity 3 vCPU-s, 3000 MiB-s;
    * work used: 1 vCPU busy from 0 to 2 → 2 vCPU-s (all the work);
    * CPU used: min(work + 0.1, 1) → 1 on [0, 2), 0.1 on [2, 3) → 2.1;
    * requests in the task: 1 on [0, 0.5), 2 on [0.5, 1.5), 1 on [1.5, 2) → 3 request-s,
      300 MiB-s; memory used 3·250 + 300 = 1050 MiB-s.
    """
    wl = workload(request={"memoryMiB": 100.0}, baseMemoryMiB=250.0)
    ctx, plane, flow = make(wl, memory=1000.0, idle=10.0)
    inject(ctx, flow, [(0.0, 1.0, 0.0), (0.5, 1.0, 0.0)])
    run(ctx, 3.0)
    plane.advance_to(3.0)
    t = flow.totals
    assert t.arrivals == 2
    assert t.completed == 2
    assert t.running_seconds == pytest.approx(3.0)
    assert t.serving_seconds == pytest.approx(3.0)
    assert t.cpu_capacity == pytest.approx(3.0)
    assert t.memory_capacity == pytest.approx(3000.0)
    assert t.work_used == pytest.approx(2.0)
    assert t.cpu_used == pytest.approx(2.1)
    assert t.request_memory == pytest.approx(300.0)
    assert t.memory_used == pytest.approx(1050.0)


def test_memory_is_capped_at_the_task_memory() -> None:
    """300 MiB task, base 250, 100 MiB per request: two requests for 1 s would need 450;
    memory used is capped at 300 per task while request memory keeps the full 200."""
    wl = workload(request={"memoryMiB": 100.0}, baseMemoryMiB=250.0)
    ctx, plane, flow = make(wl, vcpu=2.0, memory=300.0)
    inject(ctx, flow, [(0.0, 1.0, 0.0), (0.0, 1.0, 0.0)])
    run(ctx, 2.0)
    plane.advance_to(2.0)
    assert flow.totals.memory_used == pytest.approx(300.0 + 250.0)
    assert flow.totals.request_memory == pytest.approx(200.0)


def test_advance_to_is_idempotent_and_never_runs_ahead() -> None:
    ctx, plane, flow = make()
    run(ctx, 4.0)
    plane.advance_to(4.0)
    plane.advance_to(4.0)
    plane.advance_to(10.0)  # the clock is at 4: the integrals stop there
    assert flow.totals.running_seconds == pytest.approx(4.0)


def test_base_memory_default_is_a_quarter() -> None:
    _, _, flow = make(memory=2048.0)
    assert flow.base_memory == 512.0


# -- drawn arrivals ------------------------------------------------------------------------


def arrivals_per_tick(plane: ExactPlane, ticks: int) -> np.ndarray:
    times = np.array([r.arrival for r in plane.requests])
    return np.bincount(np.floor(times).astype(int), minlength=ticks)[:ticks]


@pytest.mark.parametrize(
    "arrivals",
    [
        {"pattern": "poisson", "rps": 3.7},
        {"pattern": "constant", "rps": 2.5},
        {"pattern": "diurnal", "meanRps": 5.0, "period": 100.0, "peakToTrough": 4.0},
    ],
)
def test_same_counts_per_tick_as_the_vectorized_plane(arrivals: dict[str, Any]) -> None:
    """Same seed, same pattern: the exact plane's requests per tick are the vectorized
    plane's, whatever windows the vectorized plane is advanced by."""
    ticks = 300
    wl = workload(arrivals=arrivals)
    ctx = Context(seed=7, end_time=float(ticks))
    exact = ExactPlane(ctx, 1.0, record_requests=True)
    exact.add_service("web", 1.0, 1024.0, wl, 0.0)
    ctx.env.run(until=ctx.end_time)  # no target: every request is a recorded 503
    got = arrivals_per_tick(exact, ticks)

    ctx2 = Context(seed=7, end_time=float(ticks))
    vector = DataPlane(ctx2, 1.0)
    vector.add(ServiceFlow(ctx2, "web", 1.0, 1024.0, wl, 0.0))
    want, before, k = [], 0.0, 0
    for width in [1, 7, 50, 1, 64, 100, 77]:
        for _ in range(width):
            k += 1
            vector.advance_to(float(k))
            now = vector.flows["web"].totals.arrivals
            want.append(now - before)
            before = now
    assert k == ticks
    np.testing.assert_array_equal(got, np.array(want))
    assert got.sum() > 500


def test_constant_arrivals_are_evenly_spaced() -> None:
    """constant 2.5 rps, 1 s ticks: 2, 3, 2, 3, … requests at (j + ½)/n within each tick."""
    ctx, plane, _ = make(workload(arrivals={"pattern": "constant", "rps": 2.5}), end=4.0)
    plane.set_targets("web", {})  # every request is a recorded 503
    run(ctx)
    times = [r.arrival for r in records(plane)]
    want = [0.25, 0.75, 1 + 1 / 6, 1.5, 1 + 5 / 6, 2.25, 2.75, 3 + 1 / 6, 3.5, 3 + 5 / 6]
    assert times == pytest.approx(want)


def test_poisson_arrival_times_look_uniform() -> None:
    """Within ticks, Poisson arrival times are uniform: the fractional parts of 20 000 arrival
    times have mean ½ and each tenth of the tick holds 10 % of them (within 5σ)."""
    ctx, plane, _ = make(workload(arrivals={"pattern": "poisson", "rps": 200.0}), end=100.0)
    plane.set_targets("web", {})
    run(ctx)
    frac = np.array([r.arrival for r in plane.requests]) % 1.0
    n = frac.size
    assert abs(frac.mean() - 0.5) < 5 * (1 / 12 / n) ** 0.5
    tenths = np.bincount((frac * 10).astype(int), minlength=10) / n
    assert np.all(np.abs(tenths - 0.1) < 5 * (0.09 / n) ** 0.5)


def busy_run(seed: int) -> dict[str, Any]:
    wl = workload(
        arrivals={"pattern": "poisson", "rps": 5.0},
        request={
            "cpuSeconds": {"distribution": "exponential", "mean": 0.3},
            "waitSeconds": {"distribution": "lognormal", "mean": 0.1, "cv": 1.0},
            "timeoutSeconds": 0.5,
        },
        workersPerTask=1,
        queueLimit=3,
    )
    ctx, plane, _ = make(wl, tasks=("a", "b"), algorithm="weighted_random", end=200.0, seed=seed)
    run(ctx)
    return plane.request_columns()


def test_same_seed_same_records() -> None:
    one, two, other = busy_run(3), busy_run(3), busy_run(4)
    assert list(one) == list(REQUEST_COLUMNS)
    for name in REQUEST_COLUMNS:
        np.testing.assert_array_equal(np.asarray(one[name]), np.asarray(two[name]))
    assert len(one["arrival"]) != len(other["arrival"]) or not np.array_equal(
        one["arrival"], other["arrival"]
    )
    outcomes = set(one["outcome"])
    assert {"completed", "dropped_timeout", "dropped_queue_full"} <= outcomes


def test_request_columns() -> None:
    """Sorted by arrival, in-flight requests included (end and latency NaN)."""
    ctx, plane, flow = make(workload(workersPerTask=1, queueLimit=0))
    inject(ctx, flow, [(0.0, 1.0, 0.0), (0.2, 1.0, 0.0), (3.0, 10.0, 0.0)])
    run(ctx, 5.0)
    cols = plane.request_columns()
    assert list(cols) == list(REQUEST_COLUMNS)
    assert cols["service"] == ["web"] * 3
    assert cols["taskId"] == ["t1"] * 3
    assert cols["outcome"] == ["completed", "dropped_queue_full", "in_flight"]
    np.testing.assert_array_equal(cols["arrival"], [0.0, 0.2, 3.0])
    np.testing.assert_array_equal(cols["start"], [0.0, np.nan, 3.0])
    np.testing.assert_array_equal(cols["end"], [1.0, 0.2, np.nan])
    np.testing.assert_allclose(cols["latency"], [1.0, 0.0, np.nan])
    finished = plane.request_columns(include_in_flight=False)
    assert finished["outcome"] == ["completed", "dropped_queue_full"]


def test_no_records_unless_asked() -> None:
    ctx = Context(seed=1, end_time=20.0)
    plane = ExactPlane(ctx, 1.0)
    flow = plane.add_service(
        "web", 1.0, 1024.0, workload(arrivals={"pattern": "poisson", "rps": 5}), 0.0
    )
    plane.set_targets("web", {"t1": 1.0})
    ctx.env.run(until=20.0)
    assert plane.requests == []
    assert flow.totals.arrivals > 50
    assert flow.latency.total == flow.totals.completed


def test_satisfies_the_request_plane_protocol() -> None:
    ctx = Context(seed=1, end_time=1.0)
    plane: RequestPlane = ExactPlane(ctx, 1.0)
    assert dict(plane.flows) == {}
