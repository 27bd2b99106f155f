"""The data plane's fluid model of CPU work (dataplane.py docstring; reference §11).

Per tick the serving tasks share the arrived work; capacity is ``serving task-seconds ·
min(vCPU, workersPerTask)``; excess work waits (Lindley's recursion ``b_k = max(0, b_{k−1} +
W_k − C_k)``); CPU utilization is the CPU used over the vCPU-seconds of RUNNING tasks (§11: "the
service average over RUNNING tasks … never above 100 %"); memory utilization is
``baseMemoryMiB`` per task (plus per-request memory in flight) over the task memory.

Hand formulas: with λ requests/s of c CPU-seconds each and n serving tasks of v vCPU,
underloaded (λc < n·v) CPU utilization = 100·λc/(n·v); overloaded = 100 % (or 100·w/v with w
workers per task); a backlog B drains at n·v − λc vCPU-s per second once capacity rises.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fargasim.core import Context
from fargasim.engine import simulate
from fargasim.scenario.schema import WorkloadSpec
from fargasim.workload.dataplane import DataPlane, ServiceFlow, _StepLog
from fargasim.workload.fluid import lindley as _lindley
from fargasim.workload.rows import RowSeries
from tests import builders as b

# -- Lindley's recursion -------------------------------------------------------------------


def lindley_loop(start: float, increments: list[float]) -> list[float]:
    out, level = [], start
    for x in increments:
        level = max(0.0, level + x)
        out.append(level)
    return out


@settings(max_examples=300, deadline=None)
@given(
    start=st.floats(min_value=0.0, max_value=1e4),
    increments=st.lists(st.floats(min_value=-1e3, max_value=1e3), min_size=1, max_size=60),
)
def test_lindley_matches_the_loop(start: float, increments: list[float]) -> None:
    """The vectorized b_k = max(0, b_{k−1} + x_k) equals a plain Python loop."""
    got = _lindley(start, np.array(increments, dtype=np.float64))
    want = lindley_loop(start, increments)
    scale = start + sum(abs(x) for x in increments) + 1.0
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-9 * scale)
    assert (got >= 0).all()


def test_lindley_by_hand() -> None:
    """start 5, increments −2, −4, +3, −1, −10, +6 → 3, 0, 3, 2, 0, 6."""
    got = _lindley(5.0, np.array([-2.0, -4.0, 3.0, -1.0, -10.0, 6.0]))
    np.testing.assert_array_equal(got, [3.0, 0.0, 3.0, 2.0, 0.0, 6.0])


# -- the step-function log ----------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(
    changes=st.lists(
        st.tuples(st.integers(min_value=0, max_value=400), st.integers(min_value=0, max_value=9)),
        max_size=12,
    ),
    windows=st.lists(st.integers(min_value=1, max_value=30), min_size=1, max_size=6),
)
def test_steplog_integral_matches_brute_force(
    changes: list[tuple[int, int]], windows: list[int]
) -> None:
    """∫ of a task-count step function over consecutive 1/4 s ticks, window by window (as
    advance_to asks), equals a brute-force sum over 1/8 s slices (exact: change times are
    multiples of 1/4 s)."""
    changes = sorted(changes)
    log = _StepLog()
    value_at: dict[float, float] = {}
    for time4, value in changes:
        log.set(time4 / 4.0, float(value))
        value_at[time4 / 4.0] = float(value)

    def value(t: float) -> float:
        keys = [k for k in value_at if k <= t]
        return value_at[max(keys)] if keys else 0.0

    done = 0
    for width in windows:
        edges = np.arange(done, done + width + 1) / 4.0
        got = log.integrate(edges)
        for k in range(width):
            t0 = edges[k]
            want = sum(value(t0 + (j + 0.5) / 8.0) for j in range(2)) / 8.0
            assert got[k] == pytest.approx(want, abs=1e-12)
        done += width


# -- ServiceFlow directly ------------------------------------------------------------------


def workload(**changes: Any) -> WorkloadSpec:
    doc = {
        "service": "web",
        "arrivals": {"pattern": "constant", "rps": 20},
        "request": {"cpuSeconds": b.const(0.01)},
        **changes,
    }
    return WorkloadSpec.model_validate(doc)


def flow_with(
    wl: WorkloadSpec | None, vcpu: float = 0.5, memory: float = 1024, idle: float = 0.0
) -> tuple[DataPlane, ServiceFlow]:
    ctx = Context(seed=1, end_time=10_000)
    plane = DataPlane(ctx, 1.0)
    flow = ServiceFlow(ctx, "web", vcpu, memory, wl, idle)
    plane.add(flow)
    return plane, flow


def test_flow_underloaded_by_hand() -> None:
    """2 tasks of 0.5 vCPU from t=0, 20 rps × 0.01 s: 100 s → 2000 requests, 20 vCPU-s used of
    100 → 20 %; memory 25 % (default base = 25 % of the task's)."""
    plane, flow = flow_with(workload())
    plane.set_counts("web", 2, 2)
    plane.advance_to(100.0)
    t = flow.totals
    assert t.arrivals == 2000
    assert t.cpu_used == pytest.approx(20.0)
    assert t.cpu_capacity == pytest.approx(100.0)
    assert t.memory_used / t.memory_capacity == pytest.approx(0.25)
    assert t.running_seconds == pytest.approx(200.0)
    assert flow.backlog == 0.0


def test_flow_work_is_conserved_under_overload() -> None:
    """20 rps × 0.1 s = 2 vCPU-s/s on 2 × 0.5 = 1 vCPU for 50 s → used 50, backlog 50. Then 6
    tasks (3 vCPU): the backlog drains at 3 − 2 = 1 per s → 20 left at 80 s, empty at 100 s.
    Throughout, work in = CPU used + backlog."""
    plane, flow = flow_with(workload(request={"cpuSeconds": b.const(0.1)}))
    plane.set_counts("web", 2, 2)
    plane.advance_to(50.0)
    assert flow.totals.cpu_used == pytest.approx(50.0)
    assert flow.backlog == pytest.approx(50.0)
    # Capacity rises to 3 vCPU: the backlog drains at 3 − 2 = 1 vCPU-s per second.
    plane.ctx.env.run(until=50.0)
    plane.set_counts("web", 6, 6)
    plane.advance_to(80.0)
    assert flow.backlog == pytest.approx(20.0)
    plane.advance_to(100.0)
    assert flow.backlog == pytest.approx(0.0, abs=1e-9)
    arrived_work = flow.totals.arrivals * 0.1
    assert arrived_work == pytest.approx(flow.totals.cpu_used + flow.backlog)


def test_work_arriving_with_no_serving_task_is_dropped() -> None:
    """No task serves → the load balancer has no target: the requests still arrive (and count in
    the request rate) but no work is queued or done."""
    plane, flow = flow_with(workload())
    plane.set_counts("web", 0, 2)  # RUNNING but the app not yet ready
    plane.advance_to(30.0)
    assert flow.totals.arrivals > 0 and flow.backlog == 0.0
    assert flow.totals.cpu_used == 0.0 and flow.totals.cpu_capacity == pytest.approx(30.0)


def test_idle_cpu_without_workload() -> None:
    """model.idleCpuPercent 10 with no traffic: utilization 10 %."""
    plane, flow = flow_with(None, vcpu=1.0, idle=10.0)
    plane.set_counts("web", 3, 3)
    plane.advance_to(40.0)
    assert flow.totals.cpu_used / flow.totals.cpu_capacity == pytest.approx(0.10)


# -- end to end through the engine ---------------------------------------------------------


def run_web(
    rps: float,
    cpu_seconds: float,
    desired: int = 2,
    cpu: str = "512",
    memory: str = "1024",
    events: list[dict[str, Any]] | None = None,
    duration: float = 300,
    **workload_changes: Any,
) -> dict[str, np.ndarray]:
    sc = b.scenario(
        duration=duration,
        taskDefinitions=b.task_definition(cpu=cpu, memory=memory),
        services=b.service(desiredCount=desired),
        workload=[
            {
                "service": "web",
                "arrivals": {"pattern": "constant", "rps": rps},
                "request": {"cpuSeconds": b.const(cpu_seconds)},
                **workload_changes,
            }
        ],
        events=events or [],
    )
    ts = simulate(sc).timeseries
    return {name.removeprefix("web."): np.asarray(ts[name]) for name in ts.names}


@pytest.mark.parametrize(
    ("rps", "c", "n", "cpu", "memory"),
    [(20, 0.01, 2, "512", "1024"), (30, 0.02, 3, "1024", "2048"), (2, 0.1, 1, "256", "512")],
)
def test_cpu_utilization_is_lambda_c_over_n_v(
    rps: float, c: float, n: int, cpu: str, memory: str
) -> None:
    """Underloaded: CPU utilization = 100·λc/(n·v) in every sample once all tasks serve (ready at
    11 s; the row at t covers [t − 10, t), so from the row at 30 s). requestRate = λ."""
    v = int(cpu) / 1024
    ts = run_web(rps, c, desired=n, cpu=cpu, memory=memory)
    expected = 100 * rps * c / (n * v)
    after = ts["time"] >= 30
    np.testing.assert_allclose(ts["cpuUtilization"][after], expected, rtol=1e-9)
    np.testing.assert_allclose(ts["requestRate"][after], rps, rtol=1e-12)
    np.testing.assert_allclose(ts["memoryUtilization"][after], 25.0, rtol=1e-12)
    assert (ts["runningCount"][after] == n).all()


def test_overload_saturates_then_backlog_drains_after_scale_out() -> None:
    """λc = 20 × 0.1 = 2 vCPU on n·v = 2 × 0.5 = 1 vCPU → 100 %. desiredCount 6 at t=100 (tasks
    created 101, RUNNING 110, ready 112, capacity 3 vCPU). Serving began at 11, so the backlog at
    112 is (2 − 1)·(112 − 11) = 101 vCPU-s; it drains at 3 − 2 = 1 per s, empty at 213. Hand
    utilization per 10 s sample (used / capacity of RUNNING tasks):
    [10,20) 9/10 (nobody serves in [10, 11)); [100,110) 10/10; [110,120) (2·1 + 8·3)/30;
    [120,210) 100 %; [210,220) (3·3 + 7·2)/30; after that 2/3."""
    ts = run_web(20, 0.1, desired=2, events=b.desired_events((100, 6)))
    util = dict(zip(ts["time"].tolist(), ts["cpuUtilization"].tolist(), strict=True))
    expected = {20.0: 90.0, 30.0: 100.0, 60.0: 100.0, 100.0: 100.0, 110.0: 100.0}
    expected[120.0] = 100 * 26 / 30
    expected.update({float(t): 100.0 for t in range(130, 211, 10)})
    expected[220.0] = 100 * 23 / 30
    expected.update({float(t): 100 * 2 / 3 for t in range(230, 301, 10)})
    for t, want in expected.items():
        assert util[t] == pytest.approx(want, rel=1e-9), t
    assert max(ts["cpuUtilization"][1:]) <= 100.0 + 1e-9


def test_workers_per_task_cap_utilization() -> None:
    """workersPerTask w = 1 on 2-vCPU tasks: a request uses at most one vCPU, so overloaded
    utilization is 100·w/v = 50 %; underloaded it is still λc/(n·v)."""
    over = run_web(10, 0.5, desired=2, cpu="2048", memory="4096", workersPerTask=1)
    under = run_web(10, 0.1, desired=2, cpu="2048", memory="4096", workersPerTask=1)
    after = over["time"] >= 30
    np.testing.assert_allclose(over["cpuUtilization"][after], 50.0, rtol=1e-9)
    np.testing.assert_allclose(under["cpuUtilization"][after], 100 * 10 * 0.1 / 4, rtol=1e-9)


def test_memory_utilization_is_base_memory_over_task_memory() -> None:
    """No per-request memory: memory utilization = baseMemoryMiB / task memory = 300/1024."""
    ts = run_web(20, 0.01, baseMemoryMiB=300)
    after = ts["time"] >= 30
    np.testing.assert_allclose(ts["memoryUtilization"][after], 100 * 300 / 1024, rtol=1e-12)


def test_memory_with_requests_in_flight_follows_littles_law() -> None:
    """Per-request memory m_r: in flight = λ·c = 20 × 0.01 = 0.2 requests (Little's law,
    underloaded), so memory = (2·256 + 0.2·100) / (2·1024)."""
    ts = run_web(
        20, 0.01, baseMemoryMiB=256, request={"cpuSeconds": b.const(0.01), "memoryMiB": 100}
    )
    after = ts["time"] >= 30
    np.testing.assert_allclose(
        ts["memoryUtilization"][after], 100 * (2 * 256 + 0.2 * 100) / 2048, rtol=1e-9
    )


def test_poisson_request_rate_averages_lambda() -> None:
    """Poisson arrivals at 50 rps over 1980 s of serving: the mean requestRate is within 5 SE of
    50 (SE = √(50/T) ≈ 0.16)."""
    sc = b.scenario(
        duration=2010,
        services=b.service(desiredCount=2),
        workload=[
            {
                "service": "web",
                "arrivals": {"pattern": "poisson", "rps": 50},
                "request": {"cpuSeconds": {"distribution": "exponential", "mean": 0.004}},
            }
        ],
    )
    ts = simulate(sc).timeseries
    after = np.asarray(ts["time"]) >= 30
    rate = np.asarray(ts["web.requestRate"])[after]
    assert abs(rate.mean() - 50) < 5 * np.sqrt(50 / 1980)
    util = np.asarray(ts["web.cpuUtilization"])[after]
    # λc/(n·v) = 50 × 0.004 / 1 = 20 %. Work in 10 s is compound Poisson: Var = λ·10·E[X²] =
    # 500 · 2c² (exponential), over a capacity of 10 vCPU-s; tolerance 5 SE of the mean of the rows.
    sd_row = 100 * np.sqrt(500 * 2 * 0.004**2) / 10
    assert abs(util.mean() - 20.0) < 5 * sd_row / np.sqrt(util.size)


def test_task_stopped_before_ready_never_counted_as_serving() -> None:
    """Tasks stopped between RUNNING (9 s) and app-ready (11 s) never served, so they must not be
    subtracted from the serving count: after desired 2 → 0 at 8.5 (stop at 9.5) and back to 2 at
    50 (created 51, ready 62), utilization is again 100·λc/(n·v) = 100·20·0.01/1 = 20 %."""
    ts = run_web(20, 0.01, desired=2, events=b.desired_events((8.5, 0), (50, 2)), duration=200)
    after = ts["time"] >= 80
    np.testing.assert_allclose(ts["cpuUtilization"][after], 20.0, rtol=1e-9)
    np.testing.assert_allclose(ts["requestRate"][after], 20.0, rtol=1e-12)
    before = (ts["time"] >= 20) & (ts["time"] <= 60)
    np.testing.assert_allclose(ts["requestRate"][before], 20.0, rtol=1e-12)  # offered load
    assert np.all(np.isnan(ts["cpuUtilization"][before]))  # no RUNNING task: no datapoint


# -- windows, rows of the time series and latency draws ------------------------------------------


def poisson_workload(**changes: Any) -> WorkloadSpec:
    doc = {
        "service": "web",
        "arrivals": {"pattern": "poisson", "rps": 300},
        "request": {"cpuSeconds": {"distribution": "exponential", "mean": 0.005}},
        **changes,
    }
    return WorkloadSpec.model_validate(doc)


def sampled_plane(
    wl: WorkloadSpec, tasks: int = 4, end: float = 600.0
) -> tuple[DataPlane, ServiceFlow, dict[str, np.ndarray]]:
    """A plane of ``tasks`` 1-vCPU tasks filling rows every 10 s up to ``end``."""
    ctx = Context(seed=3, end_time=end)
    plane = DataPlane(ctx, 1.0)
    flow = ServiceFlow(ctx, "web", 1.0, 2048, wl, 0.0)
    plane.add(flow)
    times = np.arange(0.0, end + 1.0, 10.0)
    names = ("cpu", "memory", "rate", "dropped", "p50", "p95", "p99")
    columns = {name: np.full(times.size, np.nan) for name in names}
    plane.record_rows(times, {"web": RowSeries(times, *columns.values())})
    plane.set_counts("web", tasks, tasks)
    return plane, flow, columns


def test_rows_do_not_depend_on_the_windows() -> None:
    """Advanced in 60-s windows or in irregular ones, the plane draws the same traffic and
    fills the same rows: utilization, request and dropped rates agree to rounding, and every row
    gets latency percentiles (their draws differ with the windows)."""
    runs = []
    for steps in (np.arange(60.0, 601.0, 60.0), np.cumsum([7, 13, 1, 99, 200, 280])):
        plane, flow, columns = sampled_plane(poisson_workload())
        for t in steps:
            plane.advance_to(float(t))
        runs.append((flow.totals, columns))
    (one, first), (other, second) = runs
    assert one.arrivals == other.arrivals and one.completed == other.completed
    for name in ("cpu", "memory", "rate", "dropped"):
        np.testing.assert_allclose(first[name], second[name], rtol=1e-12, equal_nan=True)
    for name in ("p50", "p95", "p99"):
        assert np.isnan(first[name][0]) and np.isfinite(first[name][1:]).all()
        assert np.isfinite(second[name][1:]).all()
    np.testing.assert_allclose(first["rate"][1:].mean(), 300.0, rtol=0.01)


def test_draws_are_limited_and_request_counts_exact() -> None:
    """300 rps over 2 tasks with a queue limit and a timeout (overload: drops of both kinds):
    at most ``draw_limit`` latency draws per tick, yet completed + dropped = arrivals in whole
    requests, and the histogram holds every completed request."""
    wl = poisson_workload(
        request={
            "cpuSeconds": {"distribution": "exponential", "mean": 0.008},
            "timeoutSeconds": 0.1,
        },
        workersPerTask=2,
        queueLimit=5,
    )
    plane, flow, _ = sampled_plane(wl, tasks=2)
    assert flow.latency_model is not None
    sizes: list[int] = []
    draw = flow.latency_model.draw

    def counted(*args: Any, **kwargs: Any) -> Any:
        out = draw(*args, **kwargs)
        sizes.extend(np.bincount(out.ticks, minlength=args[0].size).tolist())
        return out

    flow.latency_model.draw = counted  # type: ignore[method-assign]
    plane.advance_to(600.0)
    t = flow.totals
    assert max(sizes) <= plane.draw_limit < 300
    assert t.dropped_queue_full > 0 and t.dropped_timeout > 0
    assert t.completed + t.dropped == t.arrivals
    assert all(float(x).is_integer() for x in (t.completed, t.dropped_timeout, t.dropped))
    assert flow.latency.total == t.completed


@pytest.mark.parametrize(("end", "limit"), [(600.0, 64), (7 * 86400.0, 28), (1e9, 1)])
def test_fewer_draws_per_tick_in_long_runs(end: float, limit: int) -> None:
    """At most DRAWS_PER_SECOND, and RUN_DRAWS over the whole run (at least one a tick)."""
    plane = DataPlane(Context(seed=1, end_time=end), 1.0)
    assert plane.draw_limit == limit == max(1, math.ceil(min(64, 2**24 / end)))


def test_kept_totals_are_the_totals_at_their_times() -> None:
    """Totals kept at every 60 s while the plane advances past them in one window equal those
    of a plane advanced to each of those times."""
    ahead, flow, _ = sampled_plane(poisson_workload())
    ahead.keep_totals("web", 60.0)
    ahead.advance_to(300.0)
    step, twin, _ = sampled_plane(poisson_workload())
    for time in (60.0, 120.0, 180.0, 240.0, 300.0):
        step.advance_to(time)
        kept = ahead.kept_totals("web", time)
        for name in ("arrivals", "cpu_used", "memory_used", "running_seconds", "completed"):
            assert getattr(kept, name) == pytest.approx(getattr(twin.totals, name), rel=1e-12)
    assert flow.kept == {}
