"""A service behind an ALB target group through the engine (reference §3.1, §8.2, §9).

Timing (``tests/builders.py``, CONSTANT_MODEL): a task created at ``t`` is RUNNING at ``t+9``
(its target is registered then, §3.1: registration "occurs during" ACTIVATING, whose last instant
that is) and its application answers at ``t+11`` (appStart 2 s). The target group checks a target
at ``registration + k·interval``, k = 0, 1, …; a check at ``t+9`` fails (the app is not up yet),
the next one passes. A RUNNING task asked to stop at ``s`` is DEACTIVATING for the drain
(deregistration delay), then STOPPING 4 s, DEPROVISIONING 5 s. The scheduler reacts 1 s after a
change (a task RUNNING or stopping, a target turning healthy or unhealthy).

The target group (builders ``target_group``) is ``web-tg``: interval 10 s unless stated,
UnhealthyThresholdCount 2, HealthyThresholdCount 5; the service maps it to container port 80.
"""

from __future__ import annotations

import math
from typing import Any

import pytest

from fargasim.engine import simulate
from fargasim.errors import ScenarioError
from fargasim.result import Result
from tests import builders as b

TG = b.TARGET_GROUP
NO_DRAIN = {"deregistration_delay.timeout_seconds": "0"}


def lb_scenario(
    *,
    desired: int,
    interval: int = 10,
    unhealthy: int = 2,
    healthy: int = 5,
    attributes: dict[str, str] | None = None,
    model: dict[str, Any] | None = None,
    duration: float = 200,
    revisions: int = 1,
    service: dict[str, Any] | None = None,
    **changes: Any,
) -> Any:
    sections = b.behind_target_group(
        target_groups=b.target_group(interval, unhealthy, healthy, attributes),
        revisions=revisions,
        desiredCount=desired,
        **(service or {}),
    )
    return b.scenario(
        duration=duration, model=b.merge(b.CONSTANT_MODEL, model or {}), **sections, **changes
    )


def events_with(res: Result, fragment: str) -> list[tuple[float, str]]:
    return [(e["time"], e["message"]) for e in res.service_events if fragment in e["message"]]


def task_rows(res: Result) -> list[dict[str, Any]]:
    t = res.tasks
    return [{name: t[name][i] for name in t.names} for i in range(len(t))]


# ---------------------------------------------------------------------------------------------
# Registration and the first health check (§9)

#: 2 requests per second of 0.1 vCPU-s each = 0.2 vCPU of work; one 0.5 vCPU task serving them
#: all is 40 % busy. Sampled every second: the row at t is the CPU utilization over [t−1, t).
TRAFFIC = {"workload": b.exact_cpu_load((0, 2)), "output": {"sampleInterval": 1}}


def cpu_by_second(res: Result) -> dict[float, float]:
    ts = res.timeseries
    return dict(zip(ts["time"].tolist(), ts["web.cpuUtilization"].tolist(), strict=True))


def test_a_new_target_is_healthy_after_one_passing_check() -> None:
    """§9: "After your target is registered, it must pass one health check to be considered
    healthy" (HealthyThresholdCount 5 only applies when recovering from unhealthy); ALB "routes
    requests only to the healthy targets".

    Hand-derived (interval 10): task created 0, RUNNING and registered at 9 ("(service web)
    registered 1 targets in (target-group web-tg)" at 9); check at 9 fails (app ready at 11),
    check at 19 passes → healthy at 19: the load balancer's routable weight is 1 from 19, the
    scheduler sees the healthy task at 20 (steady state). Traffic served: 0 % CPU over [9, 11)
    (nothing answers), 40 % from [19, 20) on."""
    sc = lb_scenario(desired=1, duration=40, **TRAFFIC)
    res = simulate(sc)
    assert events_with(res, "(service web) registered") == [
        (9.0, f"(service web) registered 1 targets in (target-group {TG})")
    ]
    assert [t for t, _ in events_with(res, "steady state")] == [20.0]
    cpu = cpu_by_second(res)
    assert (cpu[10.0], cpu[11.0]) == (0.0, 0.0)
    assert all(cpu[float(t)] == pytest.approx(40.0) for t in range(20, 41))
    assert res.timeseries["web.requestRate"][20] == 2.0  # arrivals, whether served or not

    model, _ = b.recorded_model(sc)
    b.run(model, 9.5)
    group = model.targets["web"].attachments[0].group
    (key,) = group.keys()
    assert group.state(key).value == "initial"
    b.run(model, 19.5)
    assert group.state(key).value == "healthy"
    assert model.state["web"].routable == 1.0


def test_no_traffic_before_the_first_passing_check() -> None:
    """§9: "Each load balancer node routes requests only to the healthy targets"; "After your
    target is registered, it must pass one health check to be considered healthy"; fail open is
    for a group that "contains only unhealthy registered targets" — a target in ``initial`` is not
    unhealthy. So a first task gets no traffic until healthy at 19 (see the previous test):
    routable 0 at 18.5, CPU utilization 0 over every second of [9, 19)."""
    sc = lb_scenario(desired=1, duration=40, **TRAFFIC)
    model, _ = b.recorded_model(sc)
    b.run(model, 18.5)
    assert model.state["web"].routable == 0.0
    cpu = cpu_by_second(simulate(sc))
    assert [cpu[float(t)] for t in range(10, 20)] == [0.0] * 10


# ---------------------------------------------------------------------------------------------
# Health check grace period (§8.2)

SLOW_APP = {"startup": {"appStartSeconds": b.const(12)}}  # ready at t+21


def test_an_unhealthy_new_task_is_stopped_without_a_grace_period() -> None:
    """§9 UnhealthyThresholdCount, §8.2 grace period default 0: interval 5, threshold 2, the app
    answers only at 9 + 12 = 21. Checks at 9 and 14 fail → unhealthy at 14 → ECS reports
    "(service web) (task …) (port 80) is unhealthy in (target-group web-tg) due to (reason Health
    checks failed)." and stops the task at once: "Task failed ELB health checks in
    (target-group web-tg)", ServiceSchedulerInitiated. No deregistration delay: STOPPING 14..18,
    DEPROVISIONING 18..23. A replacement is created at 15 (reaction) and fails the same way at
    15 + 9 + 5 = 29."""
    res = simulate(
        lb_scenario(
            desired=1, interval=5, healthy=2, attributes=NO_DRAIN, model=SLOW_APP, duration=40
        )
    )
    first, second, third = task_rows(res)
    assert (first["stoppingAt"], first["stoppedAt"]) == (14.0, 23.0)
    assert first["stopCode"] == "ServiceSchedulerInitiated"
    assert first["stoppedReason"] == f"Task failed ELB health checks in (target-group {TG})"
    assert (second["createdAt"], second["stoppingAt"]) == (15.0, 29.0)
    assert third["createdAt"] == 30.0
    assert events_with(res, "is unhealthy") == [
        (
            14.0,
            f"(service web) (task {first['taskId']}) (port 80) is unhealthy in (target-group "
            f"{TG}) due to (reason Health checks failed).",
        ),
        (
            29.0,
            f"(service web) (task {second['taskId']}) (port 80) is unhealthy in (target-group "
            f"{TG}) due to (reason Health checks failed).",
        ),
    ]
    assert not events_with(res, "steady state")


def test_the_grace_period_keeps_a_slow_starting_task() -> None:
    """§8.2: healthCheckGracePeriodSeconds: "ignore unhealthy Elastic Load Balancing target
    health checks … after a task enters a RUNNING state". Same task, grace 30 s (until 39): the
    target is unhealthy at 14 (the load balancer still says so) but the task is not stopped; the
    app answers at 21, checks at 24 and 29 pass (HealthyThresholdCount 2 to recover) → healthy at
    29, steady state at 30; the task runs to the end."""
    res = simulate(
        lb_scenario(
            desired=1,
            interval=5,
            healthy=2,
            attributes=NO_DRAIN,
            model=SLOW_APP,
            duration=80,
            service={"healthCheckGracePeriodSeconds": 30},
        )
    )
    (task,) = task_rows(res)
    assert math.isnan(task["stoppingAt"])
    assert [t for t, _ in events_with(res, "is unhealthy")] == [14.0]
    assert [t for t, _ in events_with(res, "steady state")] == [30.0]


def test_a_task_still_unhealthy_when_the_grace_period_ends_is_stopped() -> None:
    """§8.2: the grace period only postpones: an app answering at 9 + 40 = 49 is still unhealthy
    when the 30 s grace ends at 9 + 30 = 39 → stopped at 39 ("Task failed ELB health checks"),
    replacement created at 40."""
    res = simulate(
        lb_scenario(
            desired=1,
            interval=5,
            healthy=2,
            attributes=NO_DRAIN,
            model={"startup": {"appStartSeconds": b.const(40)}},
            duration=45,
            service={"healthCheckGracePeriodSeconds": 30},
        )
    )
    first, second = task_rows(res)
    assert first["stoppingAt"] == 39.0
    assert first["stoppedReason"] == f"Task failed ELB health checks in (target-group {TG})"
    assert second["createdAt"] == 40.0


# ---------------------------------------------------------------------------------------------
# Deregistration delay (§9, §3.1)


@pytest.mark.parametrize(
    ("attributes", "drain_mode", "stopped_at"),
    [
        # DEACTIVATING = deregistration_delay.timeout_seconds 30: 101 + 30 + 4 + 5
        ({"deregistration_delay.timeout_seconds": "30"}, "fullDelay", 140.0),
        # inFlight: only the in-flight requests (the 1 s deactivating draw): 101 + 1 + 4 + 5
        ({"deregistration_delay.timeout_seconds": "30"}, "inFlight", 111.0),
        # no attribute: "The default value is 300 seconds": 101 + 300 + 4 + 5
        ({}, "fullDelay", 410.0),
    ],
)
def test_scale_in_drains_for_the_deregistration_delay(
    attributes: dict[str, str], drain_mode: str, stopped_at: float
) -> None:
    """§3.1: "target group deregistration occurs during" DEACTIVATING; §9: deregistration delay
    0–3600 s, "The default value is 300 seconds"; "If a deregistering target has no in-flight
    requests and no active connections, Elastic Load Balancing immediately completes the
    deregistration process" (model.loadBalancer.drain: inFlight). desired 2 → 1 at 100: one task
    stops at 101 with "deregistered 1 targets" and "has begun draining connections on 1 tasks."
    at 101; its containers get SIGTERM only after the drain."""
    sc = lb_scenario(
        desired=2,
        attributes=attributes,
        model={"loadBalancer": {"drain": drain_mode}},
        duration=500,
        events=b.desired_events((100, 1)),
    )
    res = simulate(sc)
    stopped = [r for r in task_rows(res) if not math.isnan(r["stoppingAt"])]
    assert [(r["stoppingAt"], r["stoppedAt"]) for r in stopped] == [(101.0, stopped_at)]
    # Billed from the pull (4) to the end of STOPPING (5 s before STOPPED), §1.1.
    assert stopped[0]["billedSeconds"] == stopped_at - 5.0 - 4.0
    assert events_with(res, "deregistered") == [
        (101.0, f"(service web) deregistered 1 targets in (target-group {TG})")
    ]
    assert events_with(res, "draining") == [
        (101.0, "(service web) has begun draining connections on 1 tasks.")
    ]
    model, _ = b.recorded_model(sc)
    b.run(model, 101.5)
    group = model.targets["web"].attachments[0].group
    registered = group.keys()  # the draining one is still registered
    assert sorted(group.state(k).value for k in registered) == ["draining", "healthy"]
    assert model.state["web"].routable == 1.0  # a draining target gets no new requests


# ---------------------------------------------------------------------------------------------
# Failing health checks (§9, §8.2)


def test_a_task_failing_health_checks_is_replaced() -> None:
    """§9: a healthy target becomes unhealthy after UnhealthyThresholdCount consecutive failed
    checks; §8.2 / §8.1: ECS stops it and starts a replacement.

    Hand-derived: 3 tasks RUNNING and registered at 9, healthy at 19; checks at 9 + 10k. A
    healthCheckFailure on 1 task from 100: its checks at 109 and 119 fail → unhealthy at 119
    (2 × 10 s) → stopped at 119 (no deregistration delay: STOPPING 119..123, DEPROVISIONING
    123..128). Replacement created at 120, RUNNING and registered 129 (app 131), checks 129
    (fails), 139 (passes) → healthy 139 → steady state at 140. The other two are untouched."""
    res = simulate(
        lb_scenario(
            desired=3,
            attributes=NO_DRAIN,
            events=[
                {"at": 100, "healthCheckFailure": {"service": "web", "count": 1, "duration": 1000}}
            ],
        )
    )
    tasks = task_rows(res)
    assert len(tasks) == 4
    (victim,) = [r for r in tasks if not math.isnan(r["stoppingAt"])]
    assert (victim["stoppingAt"], victim["stoppedAt"]) == (119.0, 128.0)
    assert victim["stopCode"] == "ServiceSchedulerInitiated"
    assert victim["stoppedReason"] == f"Task failed ELB health checks in (target-group {TG})"
    replacement = tasks[3]
    assert (replacement["createdAt"], replacement["runningAt"]) == (120.0, 129.0)
    assert replacement["availabilityZone"] == victim["availabilityZone"]
    assert [t for t, _ in events_with(res, "is unhealthy")] == [119.0]
    assert [t for t, _ in events_with(res, "steady state")] == [20.0, 140.0]
    assert res.timeseries["web.runningCount"][-1] == 3


# ---------------------------------------------------------------------------------------------
# Slow start (§9)


def test_slow_start_ramps_a_new_target_up_in_steps() -> None:
    """§9: slow_start.duration_seconds "a linearly increasing share of the traffic" (model: a
    10-step staircase at the ramp's midpoints, weight (i + ½)/10 over [a + 10i, a + 10(i+1)) for
    a 100 s ramp; a new target enters slow start only when another target is healthy and out of
    slow start).

    Hand-derived: the first task is healthy at 19 (no other target: no slow start, weight 1).
    desired 1 → 2 at 100: task created 101, registered 110 (app 112), check 110 fails, 120
    passes → healthy at a = 120, weight 0.05 on [120, 130), 0.15 on [130, 140), …, 0.95 on
    [210, 220), 1 from 220. The data plane gets routable = 1 + weight."""
    sc = lb_scenario(
        desired=1,
        attributes={"slow_start.duration_seconds": "100"},
        duration=300,
        events=b.desired_events((100, 2)),
    )
    model, _ = b.recorded_model(sc)
    expected = [
        (19.5, 1.0),
        (119.5, 1.0),  # new target registered, initial: no traffic
        (120.5, 1.05),
        (129.5, 1.05),
        (130.5, 1.15),
        (175.0, 1.55),
        (219.5, 1.95),
        (220.5, 2.0),
        (299.0, 2.0),
    ]
    for time, routable in expected:
        b.run(model, time)
        assert model.state["web"].routable == pytest.approx(routable), time
        assert model.dataplane.flows["web"].serving.values[-1] == pytest.approx(routable), time
    group = model.targets["web"].attachments[0].group
    registered = group.keys()
    assert [group.in_slow_start(k) for k in registered] == [False, False]


# ---------------------------------------------------------------------------------------------
# Deployments behind a load balancer (§8.2)


def test_old_tasks_stop_only_once_new_ones_are_healthy_in_the_target_group() -> None:
    """§8.2: "tasks for services that do use a load balancer are considered healthy if they are
    in the RUNNING state and … reported as healthy by the load balancer".

    Hand-derived: desired 2, min 100 / max 200, web:1 → web:2 at 100. 101: start 2 new, RUNNING
    and registered at 110 (app 112); RUNNING is not enough (without a load balancer the old
    ones would stop at 111). Checks at 110 fail, 120 pass → healthy at 120; 121: stop the 2 old
    ones (deregistered 121, no delay: STOPPING 121..125, DEPROVISIONING 125..130); 126:
    completed."""
    res = simulate(
        lb_scenario(
            desired=2,
            attributes=NO_DRAIN,
            revisions=2,
            service={"taskDefinition": "web:1"},
            events=[b.deploy(100)],
        )
    )
    tasks = task_rows(res)
    old = [r for r in tasks if r["taskDefinition"] == "web:1"]
    new = [r for r in tasks if r["taskDefinition"] == "web:2"]
    assert [(r["createdAt"], r["runningAt"]) for r in new] == [(101.0, 110.0)] * 2
    assert [(r["stoppingAt"], r["stoppedAt"]) for r in old] == [(121.0, 130.0)] * 2
    assert events_with(res, "(service web) registered") == [
        (9.0, f"(service web) registered 2 targets in (target-group {TG})"),
        (110.0, f"(service web) registered 2 targets in (target-group {TG})"),
    ]
    assert [t for t, _ in events_with(res, "deregistered 2 targets")] == [121.0]
    assert [t for t, _ in events_with(res, "deployment completed")] == [126.0]


# ---------------------------------------------------------------------------------------------
# Configuration


def test_the_load_balanced_container_must_map_the_port() -> None:
    """ECS API (CreateService; not quoted in aws-ecs-fargate.md): a ``loadBalancers`` entry
    names a ``containerName`` and ``containerPort`` of the task definition, and ECS rejects the
    call when that container does not map the port: a container with no portMappings cannot
    take the load balancer's port 80."""
    lb = {"targetGroupArn": TG, "containerName": "app", "containerPort": 80}
    no_ports = {"name": "app", "image": "registry.example/app:1", "essential": True}
    with pytest.raises(ScenarioError, match="containerPort 80"):
        b.scenario(
            targetGroups=b.target_group(),
            taskDefinitions=b.task_definition(containerDefinitions=[no_ports]),
            services=b.service(loadBalancers=[lb]),
        )
