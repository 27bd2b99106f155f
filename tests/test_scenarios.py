"""Every shipped scenario validates and runs, and its results hold together (DESIGN.md §2:
"ready scenarios, each one validated and run by the tests")."""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pytest

import fargasim
from fargasim.scenario.schema import (
    AzOutageEvent,
    Scenario,
    SpotCapacityEvent,
    SpotInterruptionEvent,
    UpdateServiceEvent,
)

SCENARIOS = sorted((Path(__file__).resolve().parent.parent / "scenarios").glob("*.yaml"))


def test_there_are_scenarios() -> None:
    names = {p.name for p in SCENARIOS}
    assert {"quickstart.yaml", "sample-fargate-app.yaml"} <= names


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_scenario_runs_and_results_hold_together(path: Path, tmp_path: Path) -> None:
    sc = fargasim.load_scenario(path)
    res = fargasim.simulate(sc)
    out = res.write(tmp_path / "out")
    summary = json.loads((out / "summary.json").read_text())
    with (out / "tasks.csv").open() as fh:
        tasks = list(csv.DictReader(fh))
    # Cost adds up: the total is the sum of the tasks' costs and of the components (§1.1).
    task_total = sum(float(t["costUsd"]) for t in tasks)
    assert summary["costUsd"]["total"] == pytest.approx(task_total, abs=1e-6)
    parts = ("vcpu", "memory", "storage", "osLicense")
    assert summary["costUsd"]["total"] == pytest.approx(
        sum(summary["costUsd"][p] for p in parts), abs=1e-6
    )
    # Every task that pulled its image is billed at least the 1-minute minimum (§1.1).
    for t in tasks:
        if t["pullStartedAt"]:
            assert int(t["billedSeconds"]) >= 60
        else:
            assert int(t["billedSeconds"]) == 0
    # The cumulative cost series ends at the total and never decreases.
    cost = res.timeseries["costUsd"]
    assert np.all(np.diff(cost) >= -1e-12)
    assert cost[-1] == pytest.approx(summary["costUsd"]["total"], abs=1e-6)
    # At the end every service runs its desired count (the scripted faults are over by then).
    for svc in sc.services:
        name = svc.serviceName
        assert (
            res.timeseries[f"{name}.runningCount"][-1] == res.timeseries[f"{name}.desiredCount"][-1]
        )
        assert summary["services"][name]["tasksLaunched"] == sum(
            t["service"] == name for t in tasks
        )
        util = res.timeseries[f"{name}.cpuUtilization"]
        finite = util[~np.isnan(util)]
        assert np.all((finite >= 0) & (finite <= 100 + 1e-9))  # §11: never above 100 %
    # Times of each task are in lifecycle order (§3.1).
    for t in tasks:
        times = [
            t[k] for k in ("createdAt", "pullStartedAt", "runningAt", "stoppingAt", "stoppedAt")
        ]
        reached = [float(v) for v in times if v]
        assert reached == sorted(reached)
        assert not math.isnan(float(t["createdAt"]))


# ---------------------------------------------------------------------------------------------
# The teaching point of each fault and limit scenario, read from the files a run writes. Every
# threshold comes from the scenario's own parameters.

_SCENARIO_DIR = Path(__file__).resolve().parent.parent / "scenarios"
_Action = TypeVar("_Action")


def _timed(sc: Scenario, kind: type[_Action]) -> list[tuple[float, _Action]]:
    """``(at, action)`` of the scenario's ``events:`` entries of one kind, in file order."""
    return [(e.at, a) for e in sc.events for _, a in e.actions if isinstance(a, kind)]


class _Run:
    """One run of a shipped scenario and the files it wrote."""

    def __init__(self, name: str, out: Path) -> None:
        self.scenario = fargasim.load_scenario(_SCENARIO_DIR / f"{name}.yaml")
        fargasim.simulate(self.scenario).write(out, report=False)
        self.summary = json.loads((out / "summary.json").read_text())
        with (out / "tasks.csv").open() as fh:
            self.tasks = list(csv.DictReader(fh))
        with (out / "timeseries.csv").open() as fh:
            rows = list(csv.DictReader(fh))
        self.series = {
            k: np.array([float(r[k]) if r[k] else np.nan for r in rows]) for k in rows[0]
        }
        with (out / "scaling_activities.csv").open() as fh:
            self.activities = list(csv.DictReader(fh))
        with (out / "alarm_history.csv").open() as fh:
            self.alarm_history = list(csv.DictReader(fh))
        lines = (out / "service_events.jsonl").read_text().splitlines()
        self.events: list[dict[str, Any]] = [json.loads(line) for line in lines]

    def events_matching(self, text: str) -> list[dict[str, Any]]:
        return [e for e in self.events if text in str(e["message"])]

    def created_between(self, start: float, end: float) -> list[dict[str, str]]:
        return [t for t in self.tasks if start <= float(t["createdAt"]) < end]


@pytest.fixture(scope="module")
def run_scenario(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], _Run]:
    def run(name: str) -> _Run:
        return _Run(name, tmp_path_factory.mktemp(name) / "out")

    return run


def test_spot_batch_interruptions(run_scenario: Callable[[str], _Run]) -> None:
    r = run_scenario("spot-batch-interruptions")
    sc = r.scenario
    ((burst_at, _),) = _timed(sc, SpotInterruptionEvent)
    gaps = _timed(sc, SpotCapacityEvent)
    ((gap_at, gap),) = [(at, g) for at, g in gaps if g.availability_zone is None]
    ((az_gap_at, az_gap),) = [(at, g) for at, g in gaps if g.availability_zone is not None]
    az = az_gap.availability_zone
    spot = [t for t in r.tasks if t["capacityProvider"] == "FARGATE_SPOT"]
    on_demand = [t for t in r.tasks if t["capacityProvider"] == "FARGATE"]

    # Every stop is a Spot interruption: TerminationNotice, AWS's example reason (§3.2, §7.3).
    interrupted = [t for t in r.tasks if t["stopCode"]]
    assert interrupted
    assert all(t["stopCode"] == sc.model.spot.stop_code == "TerminationNotice" for t in interrupted)
    assert all(t["stoppedReason"] == "Your Spot Task was interrupted." for t in interrupted)
    assert all(t["capacityProvider"] == "FARGATE_SPOT" for t in interrupted)
    assert r.summary["services"]["worker"]["stopCodes"] == {"TerminationNotice": len(interrupted)}
    # The containers are gone (billing ends) at most two minutes after the warning (§7.3).
    for t in interrupted:
        warned_for = float(t["stoppingAt"]) - float(t["pullStartedAt"]) + 120
        assert int(t["billedSeconds"]) <= max(60, math.ceil(warned_for))
    # Replacements run on FARGATE_SPOT only, one per interrupted task; on-demand never replaces
    # Spot (§7.3) and the on-demand tasks of the initial launch never stop.
    replacements = r.created_between(1e-9, sc.duration + 1)
    assert len(replacements) == len(interrupted)
    assert all(t["capacityProvider"] == "FARGATE_SPOT" for t in replacements)
    assert on_demand and all(float(t["createdAt"]) == 0 and not t["stoppedAt"] for t in on_demand)
    # No Spot capacity in one AZ: no Spot task starts there, and ECS says it placed elsewhere.
    start, end = az_gap_at, az_gap_at + az_gap.duration
    assert not [t for t in r.created_between(start, end) if t["availabilityZone"] == az]
    moved = r.events_matching(f"unable to place a task in {az} because Fargate Spot")
    assert moved and all(start <= e["time"] < end for e in moved)
    # No Spot capacity anywhere: the burst's replacements wait for the whole gap.
    start, end = gap_at, gap_at + gap.duration
    burst_stops = [t for t in interrupted if float(t["stoppingAt"]) == burst_at]
    assert len(burst_stops) >= 2
    assert not r.created_between(start, end)
    assert len(r.created_between(end, end + 60)) >= len(burst_stops)
    waiting = r.events_matching("Capacity is unavailable at this time")
    assert waiting and all(start <= e["time"] < end for e in waiting)
    during = (r.series["time"] > start + 10) & (r.series["time"] < end)
    missing = r.series["worker.desiredCount"][during] - r.series["worker.runningCount"][during]
    assert np.all(missing >= len(burst_stops))
    # Cost: Spot is billed at spotPriceMultiplier × the on-demand rate of the same task size.
    by_provider = r.summary["costUsd"]["byCapacityProvider"]
    spot_seconds = sum(int(t["billedSeconds"]) for t in spot)
    on_demand_seconds = sum(int(t["billedSeconds"]) for t in on_demand)
    assert spot_seconds > 2 * on_demand_seconds  # mostly Spot by task-hours …
    spot_rate = by_provider["FARGATE_SPOT"] / spot_seconds
    on_demand_rate = by_provider["FARGATE"] / on_demand_seconds
    assert spot_rate / on_demand_rate == pytest.approx(sc.pricing.spot_price_multiplier, rel=1e-6)


def test_deployment_under_load(run_scenario: Callable[[str], _Run]) -> None:
    r = run_scenario("deployment-under-load")
    sc = r.scenario
    svc = sc.service("web")
    config = svc.deploymentConfiguration
    (good_at, good), (bad_at, _) = sorted(_timed(sc, UpdateServiceEvent), key=lambda e: e[0])
    deployments = r.summary["services"]["web"]["deployments"]
    time = r.series["time"]

    # web:1 → web:2 completes; while it runs the service holds more tasks than desired, within
    # maximumPercent (§8.2).
    (d1,) = [d for d in deployments if d["createdAt"] == good_at]
    assert d1["taskDefinition"] == good.taskDefinition == "web:2"
    assert d1["rolloutState"] == "COMPLETED"
    before = r.series["web.desiredCount"][time < good_at][-1]
    window = (time >= good_at) & (time <= d1["completedAt"])
    peak = r.series["web.runningCount"][window].max()
    assert before < peak <= r.series["web.desiredCount"][window].max() * config.maximumPercent / 100
    # The old tasks drain for the whole deregistration delay before they stop (§9).
    group = sc.target_groups[0]
    delay = next(
        float(a.Value) for a in group.Attributes if a.Key == "deregistration_delay.timeout_seconds"
    )
    drained = [
        t for t in r.tasks if d1["id"] in t["stoppedReason"] and t["taskDefinition"] == "web:1"
    ]
    assert len(drained) >= before
    assert all(float(t["stoppedAt"]) - float(t["stoppingAt"]) >= delay for t in drained)
    assert r.events_matching("has begun draining connections")

    # web:3 cannot start; the circuit breaker fails it and rolls back to web:2 (§8.3).
    (d2,) = [d for d in deployments if d["createdAt"] == bad_at]
    assert d2["taskDefinition"] == "web:3" and d2["rolloutState"] == "FAILED"
    (d3,) = [d for d in deployments if d["rolledBackFrom"] == d2["id"]]
    assert d3["taskDefinition"] == "web:2" and d3["rolloutState"] == "COMPLETED"
    assert d3["createdAt"] == d2["failedAt"]
    broken = [t for t in r.tasks if t["taskDefinition"] == "web:3"]
    assert broken and not [t for t in broken if t["runningAt"]]
    failed = [t for t in broken if t["stopCode"] == "TaskFailedToStart"]
    assert all("CannotPullContainerError" in t["stoppedReason"] for t in failed)
    desired = r.series["web.desiredCount"][time <= bad_at][-1]
    threshold = max(sc.model.deployments.circuit_breaker_minimum_threshold, math.ceil(desired / 2))
    # The breaker trips at the threshold-th task that fails to start (when it starts stopping).
    assert len([t for t in failed if float(t["stoppingAt"]) <= d2["failedAt"]]) == threshold
    assert r.events_matching(f"(deployment {d2['id']}) deployment failed: tasks failed to start")
    assert r.events_matching(f"(deployment {d3['id']}) rolling back to deployment {d1['id']}")
    assert r.events_matching(f"(deployment {d3['id']}) deployment completed")
    # The web:2 tasks served throughout: the running count never fell below minimumHealthyPercent.
    after = (time >= bad_at) & (time <= d3["completedAt"])
    floor = np.ceil(r.series["web.desiredCount"][after] * config.minimumHealthyPercent / 100)
    assert np.all(r.series["web.runningCount"][after] >= floor)
    assert {t["taskDefinition"] for t in r.tasks if not t["stoppedAt"]} == {"web:2"}

    # No scale-in while a deployment is in progress (§6.1): the AlarmLow that went to ALARM
    # during the bad release scales in only at the first evaluation (every 60 s) after the
    # rollback completed.
    low = [a for a in r.alarm_history if "-AlarmLow-" in a["alarm"]]
    into_alarm = [
        float(a["time"])
        for a in low
        if a["newState"] == "ALARM" and bad_at <= float(a["time"]) <= d3["completedAt"]
    ]
    assert into_alarm
    left_alarm = [float(a["time"]) for a in low if float(a["time"]) > into_alarm[0]]
    assert not left_alarm or left_alarm[0] > d3["completedAt"]
    scale_ins = [
        float(a["time"])
        for a in r.activities
        if int(a["toCapacity"]) < int(a["fromCapacity"]) and float(a["time"]) >= bad_at
    ]
    assert d3["completedAt"] < scale_ins[0] <= d3["completedAt"] + 60
    busy = [
        (d1["createdAt"], d1["completedAt"]),
        (d2["createdAt"], d2["failedAt"]),
        (d3["createdAt"], d3["completedAt"]),
    ]
    for a in r.activities:
        if int(a["toCapacity"]) < int(a["fromCapacity"]):
            assert not any(s <= float(a["time"]) <= e for s, e in busy)


def test_az_outage(run_scenario: Callable[[str], _Run]) -> None:
    r = run_scenario("az-outage")
    sc = r.scenario
    ((start, outage),) = _timed(sc, AzOutageEvent)
    az, end = outage.availability_zone, start + outage.duration

    # Every task of the AZ stops at the outage, InfrastructureHealth; nothing else stops so.
    alive = [
        t
        for t in r.tasks
        if t["availabilityZone"] == az
        and float(t["createdAt"]) < start
        and (not t["stoppedAt"] or float(t["stoppedAt"]) >= start)
    ]
    lost = [t for t in r.tasks if t["stopCode"] == "InfrastructureHealth"]
    assert lost and {t["taskId"] for t in lost} == {t["taskId"] for t in alive}
    assert all(float(t["stoppingAt"]) == float(t["stoppedAt"]) == start for t in lost)
    assert r.summary["services"]["web"]["stopCodes"]["InfrastructureHealth"] == len(lost)
    # They are replaced in the other AZs; no task is created in the AZ during the outage.
    replacements = r.created_between(start, end)
    assert len(replacements) == len(lost)
    assert all(t["availabilityZone"] != az for t in replacements)
    assert all(float(t["createdAt"]) < start + 60 for t in replacements)
    assert r.events_matching(f"lost {len(lost)} tasks in {az}")
    moved = r.events_matching(f"unable to place a task in {az} because the Availability Zone")
    assert moved and all(start <= e["time"] < end for e in moved)
    # No rebalancing afterwards (not modelled): the AZ stays empty to the end of the run.
    running = [t for t in r.tasks if not t["stoppedAt"]]
    assert len(running) == sc.service("web").desiredCount
    assert not [t for t in running if t["availabilityZone"] == az]


def test_service_cannot_scale(run_scenario: Callable[[str], _Run]) -> None:
    r = run_scenario("service-cannot-scale")
    sc = r.scenario
    quota = sc.account.fargate_on_demand_vcpu_quota
    vcpu = {td.family: int(str(td.cpu)) / 1024 for td in sc.task_definitions}

    # The account's on-demand vCPU quota is reached, never exceeded (§5.2), and ECS says why.
    assert r.summary["platform"]["onDemandVcpuQuota"] == quota
    assert r.summary["platform"]["peakOnDemandVcpu"] == quota
    used = np.sum(
        [r.series[f"{s.serviceName}.runningCount"] * vcpu[s.family] for s in sc.services], axis=0
    )
    assert used.max() <= quota
    assert r.events_matching(
        "(service web) was unable to place a task. Reason: You've reached the limit on the "
        "number of vCPUs you can run concurrently"
    )
    assert r.summary["services"]["web"]["peakRunning"] <= quota // vcpu["web"]
    # api's subnet runs out of IPs: it never runs more tasks than the subnet had free IPs (§5.4).
    network = sc.service("api").networkConfiguration
    assert network is not None and network.awsvpcConfiguration is not None
    (subnet,) = network.awsvpcConfiguration.subnets
    free = sc.subnet(subnet).free_ips
    assert r.summary["services"]["api"]["peakRunning"] == free
    assert r.events_matching(
        f"(service api) was unable to place a task. Reason: no subnet of the service ({subnet}) "
        "has a free IP address"
    )
    # Both services asked for more than they got: desired above running for a sustained time.
    for name in ("web", "api"):
        short = r.series[f"{name}.desiredCount"] - r.series[f"{name}.runningCount"]
        assert np.count_nonzero(short > 0) * sc.output.sample_interval >= 600
