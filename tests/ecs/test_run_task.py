"""Standalone tasks started by ``runTask`` events: ECS RunTask (reference §5.1, §5.2, §3.2).

§5.1: "The rate quota for calls to the Amazon ECS RunTask API is 20 calls per second (burst and
sustained). Each call to this API can, however, launch up to 10 tasks." §5.2: the concurrent
vCPU quota counts every Fargate task. Times come from tests/builders.py's CONSTANT_MODEL: a task
created at t pulls at t+4 and is RUNNING at t+9; an exited essential container skips STOPPING
(DEACTIVATING 1 s, no load balancer) and DEPROVISIONING takes 5 s.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from fargasim.engine import simulate
from tests import builders as b

VPC = {"awsvpcConfiguration": {"subnets": ["subnet-a", "subnet-b", "subnet-c"]}}


def run_task(at: float, count: int = 1, run: float = 100.0, **fields: Any) -> dict[str, Any]:
    call = {"taskDefinition": "web", "count": count, "networkConfiguration": VPC, **fields}
    return {"at": at, "runTask": call, "runSeconds": b.const(run)}


def no_service() -> dict[str, Any]:
    """The base service at desired 0, so only standalone tasks run."""
    return b.service(desiredCount=0)


def test_a_call_starts_its_tasks_which_exit_after_their_run_time() -> None:
    """A call at 10 with count 3: tasks created at 10, RUNNING at 19, essential container exits
    at 19 + 100 = 119 (EssentialContainerExited, "Essential container in task exited", §3.2);
    DEACTIVATING 1 s → containers gone at 120 (billing ends), STOPPED at 125. Billed from the pull
    at 14 to 120: 106 s. The group is ECS's default ``family:web``, spread over the three AZs."""
    res = simulate(b.scenario(services=no_service(), events=[run_task(10, count=3)]))
    t = res.tasks
    assert list(t["service"]) == ["family:web"] * 3
    assert list(t["createdAt"]) == [10.0] * 3
    assert list(t["runningAt"]) == [19.0] * 3
    assert list(t["stoppingAt"]) == [119.0] * 3
    assert list(t["stoppedAt"]) == [125.0] * 3
    assert list(t["stopCode"]) == ["EssentialContainerExited"] * 3
    assert set(t["stoppedReason"]) == {"Essential container in task exited"}
    assert list(t["billedSeconds"]) == [106.0] * 3
    assert sorted(t["availabilityZone"]) == ["us-east-1a", "us-east-1b", "us-east-1c"]
    summary = res.summary.run_task["family:web"]
    assert (summary.calls, summary.tasks_launched, summary.tasks_failed) == (1, 3, 0)
    assert res.cost.by_service["family:web"] > 0


def test_the_call_rate_is_20_per_second_after_a_burst_of_20() -> None:
    """§5.1: 20 calls per second, burst and sustained: a bucket of 20 call tokens refilled at 20
    per second. 25 calls at t=0: 20 at once, then one every 1/20 s: 0.05, 0.10, 0.15, 0.20, 0.25."""
    events = [run_task(0, count=1, run=10) for _ in range(25)]
    res = simulate(b.scenario(services=no_service(), events=events))
    created = Counter(round(float(x), 9) for x in res.tasks["createdAt"])
    assert created == {0.0: 20, 0.05: 1, 0.1: 1, 0.15: 1, 0.2: 1, 0.25: 1}


def test_tasks_beyond_the_vcpu_quota_fail_and_are_not_retried() -> None:
    """§5.2 with a 2-vCPU on-demand quota and 0.5-vCPU tasks: a call for 10 starts 4; RunTask
    lists the other 6 as failures with ECS's reason. A second call after the first tasks stopped
    (STOPPED at 125 frees the vCPU) starts its tasks."""
    sc = b.scenario(
        services=no_service(),
        account={"fargateOnDemandVcpuQuota": 2},
        events=[run_task(10, count=10), run_task(200, count=4)],
    )
    res = simulate(sc)
    created = Counter(float(x) for x in res.tasks["createdAt"])
    assert created == {10.0: 4, 200.0: 4}
    summary = res.summary.run_task["family:web"]
    assert (summary.calls, summary.tasks_launched, summary.tasks_failed) == (2, 8, 6)
    (reason,) = summary.failures
    assert reason.startswith("You've reached the limit on the number of vCPUs")
    messages = [e["message"] for e in res.service_events if e["service"] == "family:web"]
    assert any("failed to start 6 of 10 tasks" in m for m in messages)
    assert res.summary.platform is not None and res.summary.platform.peak_on_demand_vcpu == 2.0


def test_spot_run_tasks_use_the_spot_quota_and_group() -> None:
    """§7.1 strategy on RunTask: FARGATE_SPOT only; a named group. The on-demand quota of 0.5
    vCPU does not limit Spot tasks (their own quota, §5.2)."""
    call = run_task(
        0,
        count=4,
        capacityProviderStrategy=[{"capacityProvider": "FARGATE_SPOT", "weight": 1}],
        group="nightly",
        startedBy="cron",
    )
    sc = b.scenario(services=no_service(), account={"fargateOnDemandVcpuQuota": 0.5}, events=[call])
    res = simulate(sc)
    assert list(res.tasks["capacityProvider"]) == ["FARGATE_SPOT"] * 4
    assert list(res.tasks["service"]) == ["nightly"] * 4
    assert list(res.tasks["startedBy"]) == ["cron"] * 4


def test_a_scripted_spot_interruption_hits_standalone_spot_tasks_too() -> None:
    """§7.3: a Spot interruption at 50 stops a RUNNING Spot task started by RunTask (stop code
    TerminationNotice); it is not replaced (no service). Only RunTask uses Spot here, which is
    enough for a spotInterruption without a service."""
    call = run_task(
        0,
        count=2,
        run=1000,
        capacityProviderStrategy=[{"capacityProvider": "FARGATE_SPOT", "weight": 1}],
    )
    spot = {"at": 50, "spotInterruption": {"count": 2}}
    sc = b.scenario(
        services=no_service(),
        events=[call, spot],
    )
    res = simulate(sc)
    assert len(res.tasks) == 2
    assert list(res.tasks["stopCode"]) == ["TerminationNotice"] * 2
    assert list(res.tasks["stoppingAt"]) == [50.0] * 2
