"""Platform invariants of random small scenarios (Hypothesis), reference §5, §7, §8, §1.1, §3.2.

Each example is a scenario document (1–2 services, random desired counts and ``updateService``
events, 0–4 ``runTask`` calls (random counts, FARGATE / FARGATE_SPOT strategies, run times,
subsets of the subnets, groups), random subnets and free IPs, small vCPU quotas,
tasks-per-service and launch-rate limits, Spot weights, target groups with random
deregistration delays, constant or random start-up and stop times, Spot hazard / crash /
image-pull-failure rates, and ``azOutage``, ``spotInterruption``, ``spotCapacityUnavailable``,
``stopTask``, ``containerExit``, ``imagePullFailure`` and ``healthCheckFailure`` events), loaded
like a user's file (``tests.builders.scenario_from``) and run by :func:`simulate` on a
:class:`Model` subclass
that checks, at every task state change and right after every launch (of a service's task or
a standalone RunTask task alike):

(a) §5.2 "The number of Fargate vCPUs that can run concurrently": the vCPU of the tasks of a
    provider that are not STOPPED (services and RunTask together) never exceeds its quota (and
    equals what the quota holds); so does the summary's peak;
(b) §5.4 one IP per task: no subnet's free IPs go negative, and free IPs + tasks holding one of
    its IPs (launched, not STOPPED) = its initial free IPs;
(c) §5.3 "Tasks per service": a service's active tasks (and even its tasks not yet
    deprovisioning, which the scheduler counts) never exceed tasksPerService;
(g) no task is launched into an impaired AZ, nor a Spot task where Spot has no capacity (§7.3);
    a task's states only move forward (§3.1).

After the run: (d) §1.1 every task that reached RUNNING is billed ("per second with a 1-minute
minimum": billedSeconds ≥ 60) and costs more than 0; (e) §3.2 every STOPPED (or stopping) task
has a stop code; (f) the same scenario and seed give the identical tasks table and RunTask
summary; (h) §5.1 RunTask: calls are served first come first served, and for each group the
tasks launched + the tasks failed (summary.json ``runTask[group]``) = the sum of the counts of
its calls served before the end of the run (a call still throttled at the end counts as
neither); all calls are served if the run goes on long enough after the last one; a group's
tasks are in ``Model.run_task_api.tasks`` and ``Model.tasks`` with ``service`` = the group, in
the subnets of its calls, on at most as many tasks per provider as its calls' strategies split
their counts into (§7.1).
"""

from __future__ import annotations

import math
from typing import Any
from unittest import mock

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import fargasim.engine as engine
from fargasim.ecs.capacity import StrategyItem, split
from fargasim.ecs.faults import TaskOwner
from fargasim.ecs.lifecycle import Task, TaskState
from fargasim.ecs.limits import Provider
from fargasim.engine import Model, simulate
from fargasim.result import Result
from fargasim.scenario.schema import Scenario
from tests import builders as b

AZS = ("us-east-1a", "us-east-1b", "us-east-1c")
PROVIDERS: tuple[Provider, ...] = ("FARGATE", "FARGATE_SPOT")
SIZES = {"256": "512", "512": "1024", "1024": "2048"}  # cpu → a valid memory (§2.1)
GROUPS = (None, "batch", "nightly")  # RunTask groups (None: ECS's default family:<family>)
#: Slack, in seconds, on top of the launch-token wait of the queued RunTask calls, for tokens the
#: services take meanwhile (see :func:`served_within`).
SERVICE_SLACK = 60.0


class CheckedModel(Model):
    """A Model that asserts the platform invariants after every state change and launch."""

    def __init__(self, scenario: Scenario, seed: int, **options: Any) -> None:
        self.initial_ips = {s.subnet_id: s.free_ips for s in scenario.network.subnets}
        self.quota_units = {
            "FARGATE": round(scenario.account.fargate_on_demand_vcpu_quota * 1024),
            "FARGATE_SPOT": round(scenario.account.fargate_spot_vcpu_quota * 1024),
        }
        self.tasks_per_service = scenario.account.tasks_per_service
        self.checks = 0
        # The scripted windows, from the file (independent of the platform's own bookkeeping):
        # an event at ``at`` applies before the scheduler acts in that instant, until at + duration.
        self.outages: list[tuple[float, float, str | None]] = []
        self.no_spot: list[tuple[float, float, str | None]] = []
        for event in scenario.events:
            if event.az_outage is not None:
                window = event.az_outage
                self.outages.append(
                    (event.at, event.at + window.duration, window.availability_zone)
                )
            if event.spot_capacity_unavailable is not None:
                gone = event.spot_capacity_unavailable
                self.no_spot.append((event.at, event.at + gone.duration, gone.availability_zone))
        super().__init__(scenario, seed, **options)
        CheckedModel.last = self

    last: CheckedModel | None = None

    def observe(self, task: Task, previous: TaskState) -> None:
        assert task.state > previous, (task.task_id, previous, task.state)
        super().observe(task, previous)
        self.check()

    def _launch(self, scheduler: TaskOwner, task: Task) -> float:
        now, az = self.ctx.now, task.availability_zone
        for start, end, zone in self.outages:
            assert not (start <= now < end and zone == az), ("impaired AZ", task)
        if task.capacity_provider == "FARGATE_SPOT":
            for start, end, zone in self.no_spot:
                assert not (start <= now < end and zone in (None, az)), ("no Spot", task)
        u_run = super()._launch(scheduler, task)
        self.check()
        return u_run

    def check(self) -> None:
        self.checks += 1
        live = [t for t in self.tasks if t.state != TaskState.STOPPED]
        # (a) vCPU quota per provider.
        for provider in PROVIDERS:
            held = sum(t.cpu_units for t in live if t.capacity_provider == provider)
            assert held <= self.quota_units[provider], (provider, held, self.now())
            assert self.platform.limits.quota(provider).in_use_units == held
        # (b) subnet IPs.
        for sid, initial in self.initial_ips.items():
            free = self.pool[sid].free_ips
            holding = sum(1 for t in live if t.subnet_id == sid)
            assert free >= 0, (sid, free, self.now())
            assert free + holding == initial, (sid, free, holding, initial, self.now())
        # (c) tasks per service.
        for name, scheduler in self.schedulers.items():
            assert len(scheduler.active) <= self.tasks_per_service, (name, self.now())
            in_flight = sum(1 for t in scheduler.tasks if t.state < TaskState.DEPROVISIONING)
            assert in_flight <= self.tasks_per_service, (name, in_flight, self.now())

    def now(self) -> float:
        return self.ctx.now


def checked_simulate(sc: Scenario) -> tuple[Result, CheckedModel]:
    with mock.patch.object(engine, "Model", CheckedModel):
        res = simulate(sc)
    model = CheckedModel.last
    assert model is not None
    model.check()  # the state at the end of the run
    return res, model


# -- random scenario documents --------------------------------------------------------------


@st.composite
def documents(draw: st.DrawFn) -> dict[str, Any]:
    duration = draw(st.integers(300, 3600))
    n_subnets = draw(st.integers(1, 3))
    zones = [draw(st.sampled_from(AZS)) for _ in range(n_subnets)]
    subnets: list[dict[str, Any]] = [
        {
            "subnetId": f"subnet-{i}",
            "availabilityZone": zone,
            "freeIps": draw(st.sampled_from([0, 1, 2, 3, 4, 6, 8])),
        }
        for i, zone in enumerate(zones)
    ]
    subnet_ids = [f"subnet-{i}" for i in range(n_subnets)]
    azs = sorted(set(zones))

    services: list[dict[str, Any]] = []
    task_definitions: list[dict[str, Any]] = []
    spot_services: list[str] = []
    lb_services: list[str] = []
    target_groups: list[dict[str, Any]] = []
    for name in ("web", "api")[: draw(st.integers(1, 2))]:
        cpu = draw(st.sampled_from(sorted(SIZES)))
        task_definitions.extend(b.task_definition(family=name, cpu=cpu, memory=SIZES[cpu]))
        chosen = draw(st.lists(st.sampled_from(subnet_ids), min_size=1, unique=True))
        changes: dict[str, Any] = {
            "serviceName": name,
            "taskDefinition": name,
            "desiredCount": draw(st.integers(1, 6)),
            "networkConfiguration": {"awsvpcConfiguration": {"subnets": chosen}},
        }
        if draw(st.booleans()):  # behind a target group (§9): drains in DEACTIVATING
            group = f"{name}-tg"
            delay = draw(st.sampled_from(["0", "30", "300"]))
            target_groups.append(
                {
                    "Name": group,
                    "HealthCheckIntervalSeconds": 5,
                    "HealthCheckTimeoutSeconds": 2,
                    "HealthyThresholdCount": 2,
                    "Attributes": [{"Key": "deregistration_delay.timeout_seconds", "Value": delay}],
                }
            )
            task_definitions[-1]["containerDefinitions"][0]["portMappings"] = [
                {"containerPort": 80}
            ]
            changes["loadBalancers"] = [
                {"targetGroupArn": group, "containerName": "app", "containerPort": 80}
            ]
            lb_services.append(name)
        if draw(st.booleans()):
            od_weight = draw(st.integers(0, 3))
            spot_weight = draw(st.integers(0 if od_weight else 1, 3))
            strategy = [
                {
                    "capacityProvider": "FARGATE",
                    "weight": od_weight,
                    "base": draw(st.integers(0, 2)),
                },
                {"capacityProvider": "FARGATE_SPOT", "weight": spot_weight},
            ]
            changes.update(launchType=None, capacityProviderStrategy=strategy)
            if spot_weight > 0:
                spot_services.append(name)
        services.extend(b.service(**changes))
    names = [s["serviceName"] for s in services]

    quota = st.sampled_from([0.5, 1.0, 1.5, 2.0, 3.0, 6.0])
    account = {
        "fargateOnDemandVcpuQuota": draw(quota),
        "fargateSpotVcpuQuota": draw(quota),
        "fargateTaskLaunchBurst": draw(st.integers(1, 6)),
        "fargateTaskLaunchRate": draw(st.sampled_from([0.1, 0.5, 2.0, 20.0])),
        "fargateSpotTaskLaunchBurst": draw(st.integers(1, 6)),
        "fargateSpotTaskLaunchRate": draw(st.sampled_from([0.1, 0.5, 2.0, 20.0])),
        "serviceTaskLaunchesPerMinute": draw(st.integers(1, 10)),
        "tasksPerService": draw(st.integers(1, 8)),
    }

    spot: dict[str, Any] = {"interruptionsPerTaskHour": draw(st.sampled_from([0.0, 5.0, 30.0]))}
    if draw(st.booleans()):
        spot["availabilityZones"] = {draw(st.sampled_from(azs)): draw(st.sampled_from([0.0, 60.0]))}
    faults = {
        "containerExitsPerTaskHour": draw(st.sampled_from([0.0, 5.0, 30.0])),
        "imagePullFailureProbability": draw(st.sampled_from([0.0, 0.2, 0.6])),
        "imagePullFailureSeconds": b.const(draw(st.sampled_from([5, 30, 90]))),
    }
    model: dict[str, Any] = {"spot": spot, "faults": faults}
    if draw(st.booleans()):
        model = {**b.CONSTANT_MODEL, **model}  # otherwise the default random start-up and stops

    at = st.integers(0, duration - 1)
    run_tasks = [
        draw(run_task_events(at, [t["family"] for t in task_definitions], subnet_ids))
        for _ in range(draw(st.integers(0, 4)))
    ]
    spot_run_tasks = any(
        i["capacityProvider"] == "FARGATE_SPOT" and (i["weight"] > 0 or i.get("base", 0) > 0)
        for e in run_tasks
        for i in e["runTask"].get("capacityProviderStrategy", [])
    )

    length = st.integers(10, 600)
    kinds = ["updateService", "azOutage", "spotCapacityUnavailable", "stopTask"]
    kinds += ["containerExit", "imagePullFailure"]
    if spot_services or spot_run_tasks:
        kinds.append("spotInterruption")
    if lb_services:
        kinds.append("healthCheckFailure")
    events: list[dict[str, Any]] = []
    for _ in range(draw(st.integers(0, 6))):
        kind = draw(st.sampled_from(kinds))
        action: dict[str, Any]
        if kind == "updateService":
            action = {
                "service": draw(st.sampled_from(names)),
                "desiredCount": draw(st.integers(0, 8)),
            }
        elif kind == "azOutage":
            action = {"availabilityZone": draw(st.sampled_from(azs)), "duration": draw(length)}
        elif kind == "spotCapacityUnavailable":
            action = {"duration": draw(length)}
            if draw(st.booleans()):
                action["availabilityZone"] = draw(st.sampled_from(azs))
        elif kind == "imagePullFailure":
            action = {"duration": draw(length)}
            if draw(st.booleans()):
                action["service"] = draw(st.sampled_from(names))
        else:
            pool = {"spotInterruption": spot_services, "healthCheckFailure": lb_services}.get(
                kind, names
            )
            action = {"duration": draw(length)} if kind == "healthCheckFailure" else {}
            # Only RunTask may run Spot tasks: a spotInterruption then names no service.
            if draw(st.booleans()) and pool:
                action["service"] = draw(st.sampled_from(pool))
            if draw(st.booleans()):
                action["count"] = draw(st.integers(1, 3))
            else:
                action["fraction"] = draw(st.sampled_from([0.5, 1.0]))
        events.append({"at": draw(at), kind: action})
    # After the other events: a fault at the same instant as a call applies before the call, as
    # the launch checks of CheckedModel assume (events at one time run in file order).
    events.extend(run_tasks)

    return b.document(
        duration=duration,
        seed=draw(st.integers(0, 2**16)),
        network={"subnets": subnets},
        taskDefinitions=task_definitions,
        services=services,
        targetGroups=target_groups,
        account=account,
        events=events,
        model=model,
        output={"sampleInterval": 60},
    )


@st.composite
def run_task_events(
    draw: st.DrawFn, at: st.SearchStrategy[int], families: list[str], subnet_ids: list[str]
) -> dict[str, Any]:
    """One ``runTask`` event: a random call (count, strategy, subnets, group) and run time."""
    call: dict[str, Any] = {
        "taskDefinition": draw(st.sampled_from(families)),
        "count": draw(st.integers(1, 10)),
        "networkConfiguration": {
            "awsvpcConfiguration": {
                "subnets": draw(st.lists(st.sampled_from(subnet_ids), min_size=1, unique=True))
            }
        },
    }
    strategy = draw(st.sampled_from(["default", "launchType", "FARGATE", "FARGATE_SPOT", "mix"]))
    if strategy == "launchType":
        call["launchType"] = "FARGATE"
    elif strategy in PROVIDERS:
        call["capacityProviderStrategy"] = [{"capacityProvider": strategy, "weight": 1}]
    elif strategy == "mix":
        od_weight = draw(st.integers(0, 3))
        call["capacityProviderStrategy"] = [
            {"capacityProvider": "FARGATE", "weight": od_weight, "base": draw(st.integers(0, 3))},
            {
                "capacityProvider": "FARGATE_SPOT",
                "weight": draw(st.integers(0 if od_weight else 1, 3)),
            },
        ]
    group = draw(st.sampled_from(GROUPS))
    if group is not None:
        call["group"] = group
    mean = draw(st.sampled_from([0, 5, 60, 300, 1200]))
    run = draw(
        st.sampled_from(
            [
                b.const(mean),
                {"distribution": "exponential", "mean": max(mean, 1)},
                {"distribution": "lognormal", "mean": max(mean, 1), "cv": 0.5},
            ]
        )
    )
    return {"at": draw(at), "runTask": call, "runSeconds": run}


def same(a: Any, b_: Any) -> bool:
    """Equal, with NaN equal to NaN."""
    if isinstance(a, float) and isinstance(b_, float) and math.isnan(a) and math.isnan(b_):
        return True
    return bool(a == b_)


def served_within(sc: Scenario, n_calls: int) -> float:
    """How long after the last call all ``n_calls`` calls are served: each call waits for at most
    a full launch bucket (the call rate, 20 per second, does not bind for 4 calls), one after
    the other, plus :data:`SERVICE_SLACK` for the tokens the services take meanwhile."""
    a = sc.account
    refill = max(
        a.fargate_task_launch_burst / a.fargate_task_launch_rate,
        a.fargate_spot_task_launch_burst / a.fargate_spot_task_launch_rate,
    )
    return n_calls * refill + SERVICE_SLACK


def check_run_task(sc: Scenario, res: Result, model: CheckedModel) -> None:
    """(h) of the module docstring: RunTask calls, their groups' accounting and their tasks."""
    end = sc.duration
    ordered = sorted(enumerate(sc.events), key=lambda pair: (pair[1].at, pair[0]))
    calls = [e.run_task for _, e in ordered if e.run_task is not None and e.at < end]
    times = [e.at for _, e in ordered if e.run_task is not None and e.at < end]
    summary = res.summary.run_task
    assert set(summary) == {c.group_name for c in calls}, summary
    # First come first served: the calls served by the end are the first ones made.
    served = sum(g.calls for g in summary.values())
    assert served <= len(calls), (served, len(calls))
    if times and max(times) <= end - served_within(sc, len(calls)):
        assert served == len(calls), (served, times, end)
    standalone = model.run_task_api.tasks
    assert {id(t) for t in standalone} == {
        id(t) for t in model.tasks if t.service not in model.schedulers
    }
    assert len({id(t) for t in model.tasks}) == len(model.tasks)
    subnet_az = {s.subnet_id: s.availability_zone for s in sc.network.subnets}
    table = list(res.tasks["service"])
    for group, stats in summary.items():
        mine_calls = [c for c in calls[:served] if c.group_name == group]
        assert stats.calls == len(mine_calls), (group, stats)
        assert stats.tasks_failed == sum(stats.failures.values()), (group, stats)
        assert stats.tasks_launched + stats.tasks_failed == sum(c.count for c in mine_calls), (
            group,
            stats,
            [c.count for c in mine_calls],
        )
        mine = [t for t in standalone if t.service == group]
        assert len(mine) == stats.tasks_launched == table.count(group), (group, stats)
        subnets = {
            sid
            for c in mine_calls
            if c.networkConfiguration and c.networkConfiguration.awsvpcConfiguration
            for sid in c.networkConfiguration.awsvpcConfiguration.subnets
        }
        # §7.1: a call's strategy splits its count over the providers; failures only lower it.
        most: dict[str, int] = {}
        for c in mine_calls:
            strategy = [
                StrategyItem(i.capacityProvider, i.weight, i.base)
                for i in c.capacityProviderStrategy
            ] or [StrategyItem("FARGATE", 1, 0)]
            for provider, n in split(strategy, c.count).items():
                most[provider] = most.get(provider, 0) + n
        first = min(t for c, t in zip(calls, times, strict=True) if c.group_name == group)
        for task in mine:
            assert task.subnet_id in subnets, (group, task)
            assert task.availability_zone == subnet_az[task.subnet_id], task
            assert task.created_at >= first, (group, task)
        for provider in PROVIDERS:
            n = sum(1 for t in mine if t.capacity_provider == provider)
            assert n <= most.get(provider, 0), (group, provider, n, most)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=documents())
def test_platform_invariants_hold_in_random_scenarios(doc: dict[str, Any]) -> None:
    """(a)–(h) of the module docstring for one random scenario."""
    sc = b.scenario_from(doc)
    res, model = checked_simulate(sc)
    assert model.checks > 0 or len(model.tasks) == 0
    platform = res.summary.platform
    assert platform is not None
    assert platform.peak_on_demand_vcpu <= sc.account.fargate_on_demand_vcpu_quota + 1e-9
    assert platform.peak_spot_vcpu <= sc.account.fargate_spot_vcpu_quota + 1e-9
    check_run_task(sc, res, model)
    tasks = res.tasks
    for i in range(len(tasks)):
        running_at = float(tasks["runningAt"][i])
        if not math.isnan(running_at):
            # (d) §1.1: billed from pull start, per second, 1-minute minimum.
            assert int(tasks["billedSeconds"][i]) >= 60, i
            assert float(tasks["costUsd"][i]) > 0, i
        if not math.isnan(float(tasks["stoppedAt"][i])) or not math.isnan(
            float(tasks["stoppingAt"][i])
        ):
            # (e) §3.2: every stopped task says why.
            assert tasks["stopCode"][i] != "", i
    for task in model.tasks:
        if task.state == TaskState.STOPPED:
            assert task.stop_code, task
    # (f) determinism: the same scenario and seed, run again on the plain engine.
    rerun = simulate(sc)
    assert rerun.summary.run_task == res.summary.run_task
    again = rerun.tasks
    assert again.names == tasks.names
    assert len(again) == len(tasks)
    for name in tasks.names:
        first = list(tasks[name])
        second = list(again[name])
        assert all(same(x, y) for x, y in zip(first, second, strict=True)), name
