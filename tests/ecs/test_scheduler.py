"""The ECS service scheduler of a REPLICA service on Fargate (reference §8.1, §5.4, §3.2).

§8.1: "If one of your tasks fails or stops, the Amazon ECS service scheduler launches another
instance of your task definition to replace it." "For a service that runs tasks on Fargate, when
the service scheduler launches new tasks or stops running tasks, the service scheduler attempts
to maintain a balance across Availability Zones." Scale-in (assumption, EC2 wording): "stop
tasks in the AZ with the most tasks of the service first".
§5.4: "The task is allocated its own elastic network interface (ENI) and a primary private IPv4
address"; inference: free IPs in the chosen subnets cap concurrent tasks.

Scenarios come from tests/builders.py (constant start-up: runningAt = createdAt + 9, stop steps
1 + 4 + 5 s) and the scheduler reacts ``reactionSeconds`` = 1 s after a change.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from fargasim.ecs.lifecycle import StopCode, TaskState
from fargasim.engine import Model, simulate
from tests import builders as b

STARTED = re.compile(r"^\(service (\S+)\) has started (\d+) tasks: ((?:\(task [0-9a-f]+\) ?)+)\.$")


def task_ids_in(message: str) -> list[str]:
    return re.findall(r"\(task ([0-9a-f]+)\)", message)


def az_counts(model: Model, service: str = "web") -> Counter[str]:
    return Counter(t.availability_zone for t in model.schedulers[service].active)


def messages(model: Model) -> list[tuple[float, str]]:
    return [(e.time, e.message) for e in model.events.events]


def test_desired_count_is_launched_at_start_with_ecs_style_events() -> None:
    """§8.1: the service starts desiredCount tasks at once; events in ECS wording:
    "(service web) has started 2 tasks: (task …) (task …)." then, when all are RUNNING,
    "(service web) has reached a steady state."."""
    model, _ = b.recorded_model(b.scenario())
    b.run(model, 60)
    assert len(model.tasks) == 2
    assert all(t.created_at == 0.0 for t in model.tasks)
    events = messages(model)
    time, first = events[0]
    assert time == 0.0
    match = STARTED.match(first)
    assert match is not None, first
    assert match.group(1) == "web" and match.group(2) == "2"
    assert task_ids_in(first) == [t.task_id for t in model.tasks]
    assert first == (
        f"(service web) has started 2 tasks: (task {model.tasks[0].task_id}) "
        f"(task {model.tasks[1].task_id})."
    )
    # Both RUNNING at 9; the scheduler notices 1 s later.
    assert events[1] == (b.RUNNING + b.REACTION, "(service web) has reached a steady state.")
    assert len(events) == 2


def test_task_ids_are_distinct_32_hex() -> None:
    model, _ = b.recorded_model(b.scenario(services=b.service(desiredCount=12)))
    b.run(model, 1)
    ids = [t.task_id for t in model.tasks]
    assert len(set(ids)) == 12
    assert all(re.fullmatch(r"[0-9a-f]{32}", i) for i in ids)


def test_update_service_raises_and_lowers_desired_and_counts_follow() -> None:
    """§8.1: desiredCount 2 → 5 at t=100 → 1 at t=200. The scheduler launches 3 tasks at 101 and
    stops 4 at 201 (reaction 1 s); desired/running/pending in the time series follow."""
    sc = b.scenario(
        duration=300,
        output={"sampleInterval": 5},
        events=b.desired_events((100, 5), (200, 1)),
    )
    res = simulate(sc)
    created = Counter(res.tasks["createdAt"].tolist())
    assert created == {0.0: 2, 101.0: 3}
    stopping = [t for t in res.tasks["stoppingAt"].tolist() if t == t]
    assert stopping == [201.0] * 4

    ts = res.timeseries
    row = {float(t): i for i, t in enumerate(ts["time"])}

    def at(col: str, t: float) -> Any:
        return ts[f"web.{col}"][row[t]]

    # The update is a state change at 100; the sample at 100 sees the new desired count.
    assert [at("desiredCount", t) for t in (95, 100, 195, 200, 300)] == [2, 5, 5, 1, 1]
    assert (at("runningCount", 100), at("pendingCount", 100)) == (2, 0)
    assert (at("runningCount", 105), at("pendingCount", 105)) == (2, 3)  # created 101, run 110
    assert (at("runningCount", 110), at("pendingCount", 110)) == (5, 0)
    assert at("runningCount", 200) == 5
    assert at("runningCount", 205) == 1  # four stopping since 201 are no longer RUNNING
    assert at("runningCount", 300) == 1
    stops = [e for e in res.service_events if "has stopped" in e["message"]]
    assert len(stops) == 1 and stops[0]["time"] == 201.0
    assert stops[0]["message"].startswith("(service web) has stopped 4 running tasks: (task ")


def test_zero_reaction_time_acts_in_the_same_instant() -> None:
    """model.scheduler.reactionSeconds 0: the update at t=100 launches at t=100 (SCHEDULER phase
    of the same instant, DESIGN.md §5)."""
    sc = b.scenario(events=b.desired_events((100, 3)), model={"scheduler": {"reactionSeconds": 0}})
    res = simulate(sc)
    assert sorted(res.tasks["createdAt"].tolist()) == [0.0, 0.0, 100.0]


def test_six_tasks_over_three_azs_are_two_each() -> None:
    """§8.1: "Fargate tasks are spread across Availability Zones": 6 over 3 AZs → 2/2/2."""
    model, _ = b.recorded_model(b.scenario(services=b.service(desiredCount=6)))
    b.run(model, 1)
    assert az_counts(model) == {"us-east-1a": 2, "us-east-1b": 2, "us-east-1c": 2}


def test_five_tasks_over_two_azs_are_three_and_two() -> None:
    """§8.1: 5 tasks over 2 AZs → 3/2 (the extra one in the AZ listed first)."""
    net = {"awsvpcConfiguration": {"subnets": ["subnet-a", "subnet-b"]}}
    sc = b.scenario(services=b.service(desiredCount=5, networkConfiguration=net))
    model, _ = b.recorded_model(sc)
    b.run(model, 1)
    assert az_counts(model) == {"us-east-1a": 3, "us-east-1b": 2}


def test_scale_in_stops_from_the_fullest_az() -> None:
    """§8.1 (EC2 wording assumed): 5 tasks as 3/2 over two AZs, desired → 4: the stopped task is
    in the AZ with 3; desired → 2 from 4 (2/2): one from each AZ."""
    net = {"awsvpcConfiguration": {"subnets": ["subnet-a", "subnet-b"]}}
    sc = b.scenario(
        services=b.service(desiredCount=5, networkConfiguration=net),
        events=b.desired_events((100, 4), (200, 2)),
    )
    model, _ = b.recorded_model(sc)
    b.run(model, 150)
    stopped = [t for t in model.tasks if t.stopping_at == t.stopping_at]
    assert [t.availability_zone for t in stopped] == ["us-east-1a"]
    assert az_counts(model) == {"us-east-1a": 2, "us-east-1b": 2}
    b.run(model, 250)
    assert az_counts(model) == {"us-east-1a": 1, "us-east-1b": 1}


def test_scale_in_six_over_three_azs_to_three_leaves_one_per_az() -> None:
    """§8.1: keep the AZ balance while stopping: 2/2/2 → 1/1/1."""
    sc = b.scenario(services=b.service(desiredCount=6), events=b.desired_events((50, 3)))
    model, _ = b.recorded_model(sc)
    b.run(model, 100)
    assert az_counts(model) == {"us-east-1a": 1, "us-east-1b": 1, "us-east-1c": 1}


def test_each_task_takes_one_ip_and_returns_it_at_stopped() -> None:
    """§5.4: one IP per task, held from launch until STOPPED (the ENI is deleted in
    DEPROVISIONING)."""
    sc = b.scenario(services=b.service(desiredCount=3), events=b.desired_events((100, 0)))
    model, _ = b.recorded_model(sc)
    free = {s: model.pool[s].free_ips for s in ("subnet-a", "subnet-b", "subnet-c")}
    assert free == {"subnet-a": 250, "subnet-b": 250, "subnet-c": 250}
    b.run(model, 50)
    assert [model.pool[s].free_ips for s in free] == [249, 249, 249]
    # Stop at 101: DEACTIVATING 1, STOPPING 4, DEPROVISIONING 5 → STOPPED at 111.
    b.run(model, 110.5)
    assert all(t.state == TaskState.DEPROVISIONING for t in model.tasks)
    assert [model.pool[s].free_ips for s in free] == [249, 249, 249]
    b.run(model, 112)
    assert all(t.state == TaskState.STOPPED for t in model.tasks)
    assert [model.pool[s].free_ips for s in free] == [250, 250, 250]


def _one_subnet(free_ips: int, desired: int, **changes: Any) -> Model:
    sc = b.scenario(
        network={
            "subnets": [
                {"subnetId": "subnet-a", "availabilityZone": "us-east-1a", "freeIps": free_ips}
            ]
        },
        services=b.service(
            desiredCount=desired,
            networkConfiguration={"awsvpcConfiguration": {"subnets": ["subnet-a"]}},
        ),
        **changes,
    )
    model, _ = b.recorded_model(sc)
    return model


def test_free_ips_cap_the_service_and_a_freed_ip_launches_a_task() -> None:
    """§5.4: a subnet with 2 free IPs holds at most 2 tasks: desired 3 stays at 2, a service event
    says no subnet has a free IP (wording UNSOURCED, §5.4). When a task stops unexpectedly
    (EssentialContainerExited, §3.2) its IP comes back at STOPPED and a replacement launches
    (§8.1) 1 s later."""
    model = _one_subnet(free_ips=2, desired=3)
    b.run(model, 50)
    scheduler = model.schedulers["web"]
    assert len(model.tasks) == 2 and len(scheduler.active) == 2
    assert model.pool["subnet-a"].free_ips == 0
    blocked = [m for t, m in messages(model) if "unable to place" in m]
    assert blocked == [
        "(service web) was unable to place a task. Reason: no subnet of the service (subnet-a) "
        "has a free IP address."
    ]
    victim = model.tasks[0]
    scheduler.stop_task(victim, StopCode.ESSENTIAL_CONTAINER_EXITED, "Essential container exited")
    # Stopping at 50 → STOPPED at 60 (1 + 4 + 5); until then no IP: no replacement yet.
    b.run(model, 60)
    assert len(model.tasks) == 2
    b.run(model, 100)
    assert victim.stop_code == "EssentialContainerExited"
    assert victim.stopped_at == 60.0
    assert len(model.tasks) == 3
    replacement = model.tasks[2]
    assert replacement.created_at == 60.0 + b.REACTION
    assert replacement.subnet_id == "subnet-a"
    assert len(scheduler.active) == 2  # still one short of desired 3
    assert model.pool["subnet-a"].free_ips == 0


def test_all_subnets_full_leaves_the_service_short() -> None:
    """§5.4: two subnets with one free IP each, desired 4 → 2 running tasks, one per subnet."""
    sc = b.scenario(
        network={
            "subnets": [
                {"subnetId": "subnet-a", "availabilityZone": "us-east-1a", "freeIps": 1},
                {"subnetId": "subnet-b", "availabilityZone": "us-east-1b", "freeIps": 1},
            ]
        },
        services=b.service(
            desiredCount=4,
            networkConfiguration={"awsvpcConfiguration": {"subnets": ["subnet-a", "subnet-b"]}},
        ),
    )
    res = simulate(sc)
    assert sorted(res.tasks["subnetId"]) == ["subnet-a", "subnet-b"]
    assert res.timeseries["web.runningCount"][-1] == 2
    assert res.timeseries["web.desiredCount"][-1] == 4
    assert any("unable to place a task" in e["message"] for e in res.service_events)
    assert not any("steady state" in e["message"] for e in res.service_events)


def test_ip_freed_by_another_service_wakes_the_waiting_one() -> None:
    """§5.4: subnets are shared by services; api waits for an IP that web frees when it scales to
    0 (stop at 101, STOPPED at 111), then launches 1 s later."""
    doc = b.document(
        network={
            "subnets": [{"subnetId": "subnet-a", "availabilityZone": "us-east-1a", "freeIps": 2}]
        },
        services=[
            *b.service(
                desiredCount=1,
                networkConfiguration={"awsvpcConfiguration": {"subnets": ["subnet-a"]}},
            ),
            *b.service(
                serviceName="api",
                desiredCount=2,
                networkConfiguration={"awsvpcConfiguration": {"subnets": ["subnet-a"]}},
            ),
        ],
        events=b.desired_events((100, 0)),
    )
    res = simulate(b.scenario_from(doc))
    api_created = sorted(
        t for t, s in zip(res.tasks["createdAt"], res.tasks["service"], strict=True) if s == "api"
    )
    assert api_created == [0.0, 112.0]


def test_unexpectedly_stopped_task_is_replaced_in_the_same_az() -> None:
    """§8.1: "If one of your tasks fails or stops, the Amazon ECS service scheduler launches
    another instance": stopped at 50 with EssentialContainerExited (§3.2), the replacement is
    created at 51 in the AZ that lost the task (AZ balance, §8.1) and the service returns to a
    steady state once it is RUNNING (51 + 9, noticed at 61)."""
    model, log = b.recorded_model(b.scenario(services=b.service(desiredCount=3)))
    b.run(model, 50)
    scheduler = model.schedulers["web"]
    victim = model.tasks[1]
    scheduler.stop_task(victim, StopCode.ESSENTIAL_CONTAINER_EXITED, "Essential container exited")
    b.run(model, 100)
    assert victim.stop_code == "EssentialContainerExited"
    assert victim.stopping_at == 50.0
    assert b.states_of(log, victim.task_id)[-1] == TaskState.STOPPED
    assert len(model.tasks) == 4
    replacement = model.tasks[3]
    assert replacement.created_at == 51.0
    assert replacement.availability_zone == victim.availability_zone
    assert replacement.running_at == 60.0
    assert az_counts(model) == {"us-east-1a": 1, "us-east-1b": 1, "us-east-1c": 1}
    events = messages(model)
    assert events[-2] == (
        51.0,
        f"(service web) has started 1 tasks: (task {replacement.task_id}).",
    )
    assert events[-1] == (61.0, "(service web) has reached a steady state.")


def test_stopping_a_task_twice_stops_it_once() -> None:
    """stop_task on a task that is already asked to stop is a no-op: the first stop code stays
    and the task still reaches STOPPED (§3.2)."""
    model, log = b.recorded_model(b.scenario(services=b.service(desiredCount=1)))
    b.run(model, 50)
    scheduler = model.schedulers["web"]
    task = model.tasks[0]
    scheduler.stop_task(task, StopCode.ESSENTIAL_CONTAINER_EXITED, "first")
    scheduler.stop_task(task, StopCode.USER_INITIATED, "second")
    b.run(model, 100)
    assert task.stop_code == "EssentialContainerExited"
    assert b.states_of(log, task.task_id) == sorted(TaskState)  # each state once, in order
    assert task.stopped_at == 60.0


def test_stopping_a_stopped_task_is_a_no_op() -> None:
    model, _ = b.recorded_model(b.scenario(services=b.service(desiredCount=1)))
    b.run(model, 50)
    scheduler = model.schedulers["web"]
    task = model.tasks[0]
    scheduler.stop_task(task, StopCode.USER_INITIATED, "stop")
    b.run(model, 100)
    scheduler.stop_task(task, StopCode.ESSENTIAL_CONTAINER_EXITED, "again")
    b.run(model, 150)
    assert task.stop_code == "UserInitiated" and task.stopped_at == 60.0
