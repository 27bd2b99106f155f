"""The engine end to end: billing of simulated tasks, result files, determinism (DESIGN.md §4,
§5; reference §1.1, §1.2, §1.4).

§1.1: "Pricing is calculated per second with a 1-minute minimum. Duration is calculated from the
time you start to download your container image (Docker pull) until the task terminates, rounded
up to the nearest second." Simulator rule: ``billed_seconds = max(60, ceil(t_stop −
t_pull_start))``; billed ephemeral GB = max(0, configured − 20).
§1.2 per-second rates (us-east-1): Linux/x86 $0.000011244 /vCPU-s, $0.000001235 /GB-s;
Linux/ARM $0.0000089944 /vCPU-s, $0.0000009889 /GB-s; ephemeral storage $0.0000000308 /GB-s.
§1.4: Spot = on-demand × 0.30 by default.

With the constant model of tests/builders.py a task created at 0 starts its pull at 4 s; a task
asked to stop at s (while RUNNING) has its containers stopped at s + 1 + 4.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from fargasim.engine import simulate
from fargasim.errors import SimulationError
from fargasim.scenario.loader import load_scenario_text
from tests import builders as b

X86_VCPU = 0.000011244
X86_GB = 0.000001235
ARM_VCPU = 0.0000089944
ARM_GB = 0.0000009889
STORAGE_GB = 0.0000000308
SPOT = 0.30

TASKS_COLUMNS = [
    "taskId",
    "service",
    "capacityProvider",
    "availabilityZone",
    "subnetId",
    "taskDefinition",
    "startedBy",
    "cpu",
    "memory",
    "createdAt",
    "pullStartedAt",
    "runningAt",
    "stoppingAt",
    "stoppedAt",
    "stopCode",
    "stoppedReason",
    "billedSeconds",
    "costUsd",
]
SCALING_COLUMNS = ["time", "service", "policyName", "fromCapacity", "toCapacity", "cause"]
SERVICE_SERIES = [
    "desiredCount",
    "runningCount",
    "pendingCount",
    "cpuUtilization",
    "memoryUtilization",
    "requestRate",
    "p50LatencyMs",
    "p95LatencyMs",
    "p99LatencyMs",
    "droppedRate",
]


def one_task(
    cpu: str = "256",
    memory: str = "512",
    stop_at: float | None = None,
    arch: str = "X86_64",
    ephemeral: int | None = None,
    spot: bool = False,
    duration: float = 600,
) -> Any:
    td: dict[str, Any] = {
        "cpu": cpu,
        "memory": memory,
        "runtimePlatform": {"cpuArchitecture": arch},
    }
    if ephemeral is not None:
        td["ephemeralStorage"] = {"sizeInGiB": ephemeral}
    svc: dict[str, Any] = {"desiredCount": 1}
    if spot:
        svc.update(
            launchType=None,
            capacityProviderStrategy=[{"capacityProvider": "FARGATE_SPOT", "weight": 1}],
        )
    sc = b.scenario(
        duration=duration,
        taskDefinitions=b.task_definition(**td),
        services=b.service(**svc),
        events=b.desired_events((stop_at - b.REACTION, 0)) if stop_at is not None else [],
    )
    return simulate(sc)


# -- billing end to end -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "billed", "per_second"),
    [
        # 0.25 vCPU / 0.5 GB x86 running to the end (600 s): pull 4 → 600: 596 s.
        ({}, 596, 0.25 * X86_VCPU + 0.5 * X86_GB),
        # 1 vCPU / 2 GB stopped at 101: containers stopped at 106: 106 − 4 = 102 s.
        ({"cpu": "1024", "memory": "2048", "stop_at": 101}, 102, 1 * X86_VCPU + 2 * X86_GB),
        # ARM64 (Graviton) rates, 0.5 vCPU / 1 GB, to the end.
        ({"cpu": "512", "memory": "1024", "arch": "ARM64"}, 596, 0.5 * ARM_VCPU + 1 * ARM_GB),
        # 30 GiB of ephemeral storage pays for 10 GiB (§1.1: 20 GB free).
        ({"ephemeral": 30}, 596, 0.25 * X86_VCPU + 0.5 * X86_GB + 10 * STORAGE_GB),
        # Fargate Spot = 0.30 × on-demand (§1.4 default).
        ({"cpu": "1024", "memory": "2048", "spot": True}, 596, SPOT * (X86_VCPU + 2 * X86_GB)),
        # A task whose containers stop 20 s after launch (16 s after the pull) bills 60 s.
        ({"stop_at": 15}, 60, 0.25 * X86_VCPU + 0.5 * X86_GB),
    ],
    ids=["quarter-vcpu", "one-vcpu-stopped", "arm64", "ephemeral-30", "spot", "20s-lived"],
)
def test_task_cost_by_hand(kwargs: dict[str, Any], billed: int, per_second: float) -> None:
    """§1.1 billed seconds and §1.2 rates: billedSeconds = max(60, ceil(stop − pull start)),
    costUsd = billedSeconds × Σ rate × size."""
    res = one_task(**kwargs)
    tasks = res.tasks
    assert len(tasks) == 1
    assert tasks["pullStartedAt"][0] == b.PULL
    stop = kwargs.get("stop_at")
    execution_stopped = 600.0 if stop is None else stop + b.DEACTIVATING + b.APP_EXIT
    assert billed == max(60, math.ceil(execution_stopped - b.PULL))
    assert tasks["billedSeconds"][0] == billed
    assert tasks["costUsd"][0] == pytest.approx(billed * per_second, rel=1e-12)
    assert res.summary.cost_usd.total == pytest.approx(billed * per_second, abs=1e-9)


def test_twenty_second_task_lifetime_is_twenty_seconds() -> None:
    """The "20-second-lived" task above: created at 0, containers stopped at 15 + 1 + 4 = 20."""
    res = one_task(stop_at=15)
    assert res.tasks["createdAt"][0] == 0.0
    assert res.tasks["stoppingAt"][0] == 15.0
    assert res.tasks["stoppedAt"][0] == 25.0  # + DEPROVISIONING 5 s, not billed (§1.1)
    assert res.tasks["billedSeconds"][0] == 60


def _busy_scenario(**changes: Any) -> Any:
    """Several tasks, on-demand and Spot, launched and stopped at different times, random
    (default) start-up, Poisson traffic."""
    return b.scenario(
        duration=900,
        model=None,
        services=b.service(
            desiredCount=3,
            launchType=None,
            capacityProviderStrategy=[
                {"capacityProvider": "FARGATE", "base": 1, "weight": 1},
                {"capacityProvider": "FARGATE_SPOT", "weight": 2},
            ],
        ),
        workload=[
            {
                "service": "web",
                "arrivals": {"pattern": "poisson", "rps": 40},
                "request": {"cpuSeconds": {"distribution": "lognormal", "mean": 0.01, "cv": 0.7}},
            }
        ],
        **{"events": b.desired_events((100, 7), (300, 2), (500, 5)), **changes},
    )


def test_summary_total_is_the_sum_of_task_costs_and_the_cost_curve_ends_there() -> None:
    """Summary costUsd.total = Σ tasks.csv costUsd; the cumulative cost series never decreases and
    its last value (at the end of the run) equals the total; the components add up."""
    res = simulate(_busy_scenario())
    costs = np.asarray(res.tasks["costUsd"])
    assert len(costs) > 3
    total = res.summary.cost_usd.total
    assert total == pytest.approx(costs.sum(), abs=1e-9 * len(costs))
    c = res.summary.cost_usd
    assert c.vcpu + c.memory + c.storage + c.os_license == pytest.approx(total, abs=1e-8)
    assert sum(c.by_service.values()) == pytest.approx(total, abs=1e-8)
    by_provider: dict[str, float] = {}
    for provider, cost in zip(res.tasks["capacityProvider"], costs, strict=True):
        by_provider[provider] = by_provider.get(provider, 0.0) + float(cost)
    for provider, cost in by_provider.items():
        assert c.by_capacity_provider[provider] == pytest.approx(cost, abs=1e-9)
    curve = np.asarray(res.timeseries["costUsd"])
    assert curve[0] == 0.0
    assert (np.diff(curve) >= -1e-12).all()
    assert curve[-1] == pytest.approx(total, abs=1e-9)


def test_billed_seconds_rule_for_every_task() -> None:
    """§1.1 for every task of a busy run: billedSeconds = max(60, ceil(executionStopped −
    pullStarted)), with executionStopped = the end of STOPPING, or the end of the run for a task
    still running; 0 for a task that never started its pull."""
    sc = _busy_scenario()
    res = simulate(sc)
    # The same run's task records (a run depends only on scenario and seed, DESIGN.md §5).
    model, _ = b.recorded_model(sc)
    b.run(model, sc.duration)
    assert [t.task_id for t in model.tasks] == list(res.tasks["taskId"])
    assert any(not math.isnan(t.execution_stopped_at) for t in model.tasks)
    assert any(math.isnan(t.execution_stopped_at) for t in model.tasks)
    for task, billed in zip(model.tasks, res.tasks["billedSeconds"], strict=True):
        if math.isnan(task.pull_started_at):
            assert billed == 0
            continue
        stop = task.execution_stopped_at
        if math.isnan(stop):
            stop = sc.duration
        assert billed == max(60, math.ceil(stop - task.pull_started_at))


def test_summary_service_figures_by_hand() -> None:
    """Two tasks running from 9 s to the end (600 s): meanRunning = 2·591/600, peakRunning 2,
    taskHours = 2·(600 − 4)/3600 (billable, unrounded), tasksLaunched 2."""
    res = simulate(b.scenario())
    web = res.summary.services["web"]
    assert web.tasks_launched == 2
    assert web.peak_running == 2
    assert web.mean_running == pytest.approx(2 * 591 / 600, abs=1e-6)
    assert web.task_hours == pytest.approx(2 * 596 / 3600, abs=1e-6)
    assert res.summary.duration_seconds == 600.0
    assert res.summary.seed == 3 and res.summary.engine == "vectorized"


# -- result files -------------------------------------------------------------------------


def test_column_lists() -> None:
    """DESIGN.md §4 / the output spec: timeseries = time, per service the six series, costUsd;
    tasks and scaling_activities columns exactly as specified."""
    doc = b.document()
    doc["services"].append({**doc["services"][0], "serviceName": "api"})
    res = simulate(b.scenario_from(doc))
    expected = ["time"]
    for svc in ("web", "api"):
        expected += [f"{svc}.{s}" for s in SERVICE_SERIES]
    expected.append("costUsd")
    assert res.timeseries.names == expected
    assert res.tasks.names == TASKS_COLUMNS
    assert res.scaling_activities.names == SCALING_COLUMNS


def test_written_files_and_their_headers(tmp_path: Path) -> None:
    res = simulate(b.scenario(events=b.desired_events((100, 3))))
    out = res.write(tmp_path / "run", report=False)
    names = {p.name for p in out.iterdir()}
    assert names >= {
        "summary.json",
        "timeseries.csv",
        "tasks.csv",
        "scaling_activities.csv",
        "service_events.jsonl",
        "scenario.resolved.yaml",
    }
    header = (out / "tasks.csv").read_text().splitlines()[0]
    assert header.split(",") == TASKS_COLUMNS
    header = (out / "scaling_activities.csv").read_text().splitlines()[0]
    assert header.split(",") == SCALING_COLUMNS
    ts_lines = (out / "timeseries.csv").read_text().splitlines()
    assert ts_lines[0].split(",") == ["time", *(f"web.{s}" for s in SERVICE_SERIES), "costUsd"]
    assert len(ts_lines) == 1 + 61
    tasks_lines = (out / "tasks.csv").read_text().splitlines()
    assert len(tasks_lines) == 1 + 3
    summary = json.loads((out / "summary.json").read_text())
    assert set(summary) == {
        "scenario",
        "seed",
        "engine",
        "durationSeconds",
        "costUsd",
        "services",
        "runTask",
        "platform",
    }
    assert set(summary["costUsd"]) == {
        "total",
        "vcpu",
        "memory",
        "storage",
        "osLicense",
        "byService",
        "byCapacityProvider",
    }
    assert set(summary["services"]["web"]) == {
        "tasksLaunched",
        "peakRunning",
        "meanRunning",
        "taskHours",
        "stopCodes",
        "deployments",
        "requests",
        "slo",
    }
    events = [json.loads(line) for line in (out / "service_events.jsonl").read_text().splitlines()]
    assert all(set(e) == {"time", "service", "message"} for e in events)
    assert events[0]["message"].startswith("(service web) has started 2 tasks: ")


def test_tasks_csv_cells(tmp_path: Path) -> None:
    """Times are float seconds; a time never reached is an empty cell (pullStartedAt of a task
    stopped while provisioning); cpu/memory as in ECS (strings of units)."""
    res = simulate(b.scenario(events=b.desired_events((1, 0))))
    out = res.write(tmp_path / "run", report=False)
    rows = (out / "tasks.csv").read_text().splitlines()
    cells = dict(zip(rows[0].split(","), rows[1].split(","), strict=True))
    assert cells["pullStartedAt"] == "" and cells["runningAt"] == ""
    assert cells["createdAt"] == "0.0" and cells["stoppingAt"] == "2.0"
    assert cells["cpu"] == "512" and cells["memory"] == "1024"
    assert cells["billedSeconds"] == "0" and cells["costUsd"] == "0.0"
    assert cells["stopCode"] == "ServiceSchedulerInitiated"


@pytest.mark.parametrize(("duration", "interval"), [(600, 10), (600, 7), (3600, 60), (95, 5)])
def test_one_row_per_sample_interval(duration: float, interval: float) -> None:
    """One row at 0, interval, 2·interval, … up to the duration, and a last row at the duration
    itself when it is not a multiple of the interval (so the series ends at the run's end)."""
    res = simulate(b.scenario(duration=duration, output={"sampleInterval": interval}))
    times = np.asarray(res.timeseries["time"])
    expected = np.arange(math.floor(duration / interval) + 1) * interval
    if expected[-1] < duration:
        expected = np.append(expected, duration)
    count = expected.size
    np.testing.assert_allclose(times, expected)
    for name in res.timeseries.names:
        assert len(res.timeseries[name]) == count


def test_first_row_sees_the_launches_of_time_zero() -> None:
    """DESIGN.md §5: sampling runs after the scheduler in the same instant, so the row at 0 shows
    the desired tasks as pending; at 10 s they are RUNNING (since 9 s)."""
    ts = simulate(b.scenario()).timeseries
    assert (ts["web.desiredCount"][0], ts["web.pendingCount"][0], ts["web.runningCount"][0]) == (
        2,
        2,
        0,
    )
    assert (ts["web.pendingCount"][1], ts["web.runningCount"][1]) == (0, 2)


def test_resolved_scenario_loads_back_to_the_same_scenario(tmp_path: Path) -> None:
    """scenario.resolved.yaml is "the scenario as fargasim ran it, every default filled in": it
    loads back to an equal Scenario."""
    sc = _busy_scenario()
    out = simulate(sc).write(tmp_path / "run", report=False)
    text = (out / "scenario.resolved.yaml").read_text()
    assert yaml.safe_load(text)["name"] == sc.name
    assert load_scenario_text(text) == sc


# -- determinism ---------------------------------------------------------------------------


def test_same_scenario_and_seed_write_identical_files(tmp_path: Path) -> None:
    """DESIGN.md §5: "A run depends only on the scenario and the seed" — byte for byte, every
    file (report included)."""
    sc = _busy_scenario()
    first = simulate(sc, seed=21).write(tmp_path / "one")
    second = simulate(sc, seed=21).write(tmp_path / "two")
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(second) for p in second.rglob("*") if p.is_file())
    assert Path("tasks.csv") in files and Path("report.html") in files
    for rel in files:
        assert (first / rel).read_bytes() == (second / rel).read_bytes(), rel


@pytest.mark.parametrize("engine", ["vectorized", "exact"])
def test_metric_datapoints_do_not_depend_on_the_publish_delay(engine: str) -> None:
    """A datapoint is computed when it is about to become visible (monitoring.py), from the
    totals kept at its period's end: with nothing scaling on them, delays of 0 and 60 s publish
    the same datapoints and only ``visibleAt`` moves (the vectorized plane advances in windows of
    60 and of 120 s)."""

    def metrics(delay: float) -> Any:
        sc = b.scenario(
            duration=610,
            model={"cloudwatch": {"publishDelaySeconds": delay}},
            services=b.service(desiredCount=3),
            workload=[
                {
                    "service": "web",
                    "arrivals": {"pattern": "poisson", "rps": 40},
                    "request": {"cpuSeconds": {"distribution": "exponential", "mean": 0.02}},
                }
            ],
        )
        return simulate(sc, seed=5, engine=engine).metrics

    now, later = metrics(0.0), metrics(60.0)
    assert len(now) == len(later) == 10 * 2  # CPU and memory, every minute up to 600 s
    for name in now.names:
        if name == "visibleAt":
            np.testing.assert_array_equal(later[name], now[name] + 60.0)
        elif isinstance(now[name], list):
            assert now[name] == later[name]
        else:
            np.testing.assert_allclose(later[name], now[name], rtol=1e-12)


def test_a_different_seed_changes_tasks() -> None:
    sc = _busy_scenario()
    a = simulate(sc, seed=1).tasks
    c = simulate(sc, seed=2).tasks
    assert not np.array_equal(a["runningAt"], c["runningAt"], equal_nan=True)
    assert list(a["taskId"]) == list(c["taskId"])  # ids depend on the scenario, not the seed


def test_seed_defaults_to_the_scenario_seed() -> None:
    sc = _busy_scenario()
    implicit = simulate(sc)
    explicit = simulate(sc, seed=sc.seed)
    assert implicit.summary == explicit.summary
    np.testing.assert_array_equal(implicit.tasks["runningAt"], explicit.tasks["runningAt"])


def test_desired_count_events_do_not_change_the_traffic() -> None:
    """DESIGN.md §5: "changing a policy does not change the traffic": with and without scaling
    events, the same requests arrive in the same ticks (requestRate columns identical)."""
    with_events = simulate(_busy_scenario())
    without = simulate(_busy_scenario(events=[]))
    other = simulate(_busy_scenario(events=b.desired_events((50, 12), (700, 1))))
    rate = np.asarray(with_events.timeseries["web.requestRate"])
    assert np.isfinite(rate[5:]).all() and rate[5:].mean() > 30
    np.testing.assert_array_equal(rate, without.timeseries["web.requestRate"])
    np.testing.assert_array_equal(rate, other.timeseries["web.requestRate"])
    # …while the control plane did differ.
    assert len(with_events.tasks) != len(without.tasks)


# -- the public entry point -----------------------------------------------------------------


def test_unknown_engines_and_records_without_the_exact_engine_are_refused() -> None:
    sc = b.scenario()
    with pytest.raises(SimulationError, match="unknown engine"):
        simulate(sc, engine="fast")
    with pytest.raises(SimulationError, match="exact engine"):
        simulate(sc, record_requests=True)


def test_progress_reports_up_to_one() -> None:
    seen: list[float] = []
    res = simulate(b.scenario(), progress=seen.append)
    assert seen[-1] == 1.0 and seen == sorted(seen) and len(seen) == 100
    plain = simulate(b.scenario())
    assert res.summary == plain.summary


def test_cost_series_ends_at_the_total_when_the_duration_is_not_a_multiple() -> None:
    """The last timeseries row is the end of the run, so cumulative cost there is the bill (§1.1:
    tasks still running at the end are billed to the end)."""
    res = simulate(b.scenario(duration=605, output={"sampleInterval": 10}))
    assert res.timeseries["time"][-1] == 605
    assert res.timeseries["costUsd"][-1] == pytest.approx(res.summary.cost_usd.total, abs=1e-9)
