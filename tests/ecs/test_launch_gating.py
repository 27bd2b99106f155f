"""What keeps a service's task from launching now, through the engine (reference §5, §7.3, §8.1).

The scheduler (fargasim/ecs/service.py) checks each launch in this order: the service throttle
(§8.4) → the capacity provider (§7.1, Spot never moved to FARGATE, §7.3) → a subnet (free IP, AZ
not impaired, Spot capacity; §5.4, §8.1) → the account (tasks per service, vCPU quota, the
service's launch rate, the provider's token bucket; §5). A task that cannot launch waits, and a
service event in ECS's wording says why: "(service web) was unable to place a task. Reason: …",
repeated only once the cause is resolved or six hours have passed (ECS Developer Guide,
service-event-messages: "duplicate event messages are omitted until either the cause is resolved
or six hours passes").

Scenarios come from tests/builders.py: with CONSTANT_MODEL a task created at t is RUNNING at t+9
and, asked to stop while RUNNING at s, is DEACTIVATING s..s+1, STOPPING s+1..s+5,
DEPROVISIONING s+5..s+10, STOPPED at s+10 (§3.1). The scheduler reacts 1 s after a change
(``model.scheduler.reactionSeconds``) unless a test sets it. Every expected number below is a
hand calculation, shown in the comments.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

from fargasim.ecs.lifecycle import Task, TaskState
from fargasim.engine import Model, simulate
from fargasim.result import Result
from tests import builders as b

OD = "FARGATE"
SPOT = "FARGATE_SPOT"
SPOT_ONLY = [{"capacityProvider": SPOT, "weight": 1}]
VCPU_EVENT = (
    "(service web) was unable to place a task. Reason: You've reached the limit on the number "
    "of vCPUs you can run concurrently."
)
SPOT_CAPACITY_EVENT = (
    "(service web) was unable to place a task. Reason: Capacity is unavailable at this time. "
    "Please try again later or in a different availability zone."
)
TWO_SUBNETS = {"awsvpcConfiguration": {"subnets": ["subnet-a", "subnet-b"]}}


def rows(res: Result) -> list[dict[str, Any]]:
    """tasks.csv as one dict per task, in launch order."""
    t = res.tasks
    return [{name: t[name][i] for name in t.names} for i in range(len(t))]


def created(res: Result, provider: str | None = None) -> list[float]:
    return sorted(
        float(r["createdAt"])
        for r in rows(res)
        if provider is None or r["capacityProvider"] == provider
    )


def messages(res: Result, containing: str = "") -> list[tuple[float, str]]:
    return [(e["time"], e["message"]) for e in res.service_events if containing in e["message"]]


def watched_model(sc: Any, check: Callable[[Model], None]) -> Model:
    """A Model that runs ``check(model)`` after every task state change (after the model's own
    bookkeeping, so an IP or vCPU released at STOPPED is already back)."""
    model = Model(sc, sc.seed)
    inner: Callable[[Task, TaskState], None] = model.observe

    def observe(task: Task, previous: TaskState) -> None:
        inner(task, previous)
        check(model)

    model.observe = observe  # type: ignore[method-assign]
    return model


# -- §5.1 launch token buckets ---------------------------------------------------------------


def test_token_bucket_burst_then_refill_after_the_scheduler_reaction() -> None:
    """§5.1: "the tasks and pods token bucket size for a Fargate customer account is 100 tokens,
    and the refill rate is 20 tokens per second. Therefore, you can immediately launch up to 100
    … with a sustained launch rate of 20 … per second."

    desired 150 at t=0. The scheduler does not poll: when the bucket is empty it asks to be woken
    at the bucket's ready time (one token = 1/20 s later) and, like after any change, acts
    reactionSeconds (1 s) after that wake-up. By hand:

    * t=0:    100 tokens → 100 tasks; the 101st finds 0 tokens, ready at 0 + 1/20 = 0.05.
    * t=1.05: 1.05 s × 20 = 21 tokens → 21 tasks; the next is ready at 1.05 + 0.05 = 1.1.
    * t=2.1:  (2.1 − 1.05) × 20 = 21 tokens → 21 tasks; ready at 2.15.
    * t=3.15: 21 tokens, 150 − 100 − 21 − 21 = 8 tasks left → 8 tasks.
    """
    sc = b.scenario(
        duration=30,
        account={"fargateTaskLaunchBurst": 100, "fargateTaskLaunchRate": 20},
        services=b.service(desiredCount=150),
    )
    res = simulate(sc)
    counts = Counter(round(t, 9) for t in created(res))
    assert counts == {0.0: 100, 1.05: 21, 2.1: 21, 3.15: 8}
    blocked = messages(res, "was unable to place a task")
    assert blocked[0] == (
        0.0,
        "(service web) was unable to place a task. Reason: Rate exceeded: the account's Fargate "
        "task launch rate (burst 100, 20 tasks per second) is used up.",
    )


def test_token_bucket_with_zero_reaction_launches_at_every_refill() -> None:
    """§5.1 with ``reactionSeconds: 0``: the scheduler retries exactly when a token is back, so
    after the burst of 100 the k-th extra task is created at k/20 s (the 101st at 0.05 s, the
    150th at 50/20 = 2.5 s): a sustained 20 launches per second."""
    sc = b.scenario(
        duration=30,
        account={"fargateTaskLaunchBurst": 100, "fargateTaskLaunchRate": 20},
        services=b.service(desiredCount=150),
        model={"scheduler": {"reactionSeconds": 0}},
    )
    times = created(simulate(sc))
    assert len(times) == 150
    assert times[:100] == [0.0] * 100
    assert times[100:] == pytest.approx([k / 20 for k in range(1, 51)])


def test_spot_has_its_own_launch_bucket() -> None:
    """§5.1: "A separate 100 / 20 bucket applies to 'Fargate Resource rate quota for Spot Amazon
    ECS tasks'". Spot bucket 2 tokens refilled at 1 /s, on-demand bucket the default 100 / 20;
    strategy FARGATE weight 1 + FARGATE_SPOT weight 1, desired 8, reactionSeconds 0.

    §7.1 split of 8 with equal weights (ties to the first listed): F S F S F S F S. At t=0 the
    Spot bucket gives 2 tokens: F F F F and S S launch, the third S waits (ready at 1 s), the
    on-demand tasks are not held up by it. t=1: one Spot token → 1 Spot task (next ready at 2);
    t=2: the last Spot task. Spot createdAt: 0, 0, 1, 2; on-demand: 0, 0, 0, 0."""
    strategy = [{"capacityProvider": OD, "weight": 1}, {"capacityProvider": SPOT, "weight": 1}]
    sc = b.scenario(
        duration=30,
        account={"fargateSpotTaskLaunchBurst": 2, "fargateSpotTaskLaunchRate": 1},
        services=b.service(desiredCount=8, launchType=None, capacityProviderStrategy=strategy),
        model={"scheduler": {"reactionSeconds": 0}},
    )
    res = simulate(sc)
    assert created(res, OD) == [0.0, 0.0, 0.0, 0.0]
    assert created(res, SPOT) == pytest.approx([0.0, 0.0, 1.0, 2.0])
    assert messages(res, "Rate exceeded")[0] == (
        0.0,
        "(service web) was unable to place a task. Reason: Rate exceeded: the account's Fargate "
        "Spot task launch rate (burst 2, 1 tasks per second) is used up.",
    )


# -- §5.2 concurrent vCPU quota --------------------------------------------------------------


def test_vcpu_quota_caps_the_service_and_a_stopped_task_frees_it() -> None:
    """§5.2: "Fargate On-Demand vCPU resource count | 6 | … The number of Fargate vCPUs that
    can run concurrently as Fargate On-Demand". 1-vCPU tasks (cpu "1024"), quota 6, desired 8:

    * t=0: 6 tasks (6 × 1 vCPU = 6); the 7th is refused with ECS's text "You've reached the limit
      on the number of vCPUs you can run concurrently." — said once: the re-checks at t=10 (the
      tasks RUNNING at 9) and t=101 (below) repeat the same unresolved cause.
    * stopTask at t=100 (one task, UserInitiated): DEACTIVATING 100..101, STOPPING 101..105,
      DEPROVISIONING 105..110, STOPPED at 110. Its vCPU is held until STOPPED, so the scheduler's
      look at 101 still finds 6 vCPU in use; at 110 the vCPU is back and the scheduler launches
      one task at 110 + 1 = 111 (the 8th stays blocked: 6 vCPU again), and says the reason again
      because the cause was resolved by that launch.
    * Never more than 6 vCPU of tasks not yet STOPPED at any state change."""
    sc = b.scenario(
        duration=200,
        account={"fargateOnDemandVcpuQuota": 6},
        taskDefinitions=b.task_definition(cpu="1024", memory="2048"),
        services=b.service(desiredCount=8),
        events=[{"at": 100, "stopTask": {"service": "web", "count": 1}}],
    )
    peak: list[int] = [0]

    def check(model: Model) -> None:
        held = sum(t.cpu_units for t in model.tasks if t.state != TaskState.STOPPED)
        assert held <= 6 * 1024
        assert model.platform.limits.quota("FARGATE").in_use_units == held
        peak[0] = max(peak[0], held)

    model = watched_model(sc, check)
    b.run(model, 200)
    assert peak[0] == 6 * 1024
    assert sorted(t.created_at for t in model.tasks) == [0.0] * 6 + [111.0]
    stopped = [t for t in model.tasks if t.state == TaskState.STOPPED]
    assert [(t.stop_code, t.stopping_at, t.stopped_at) for t in stopped] == [
        ("UserInitiated", 100.0, 110.0)
    ]
    assert [(e.time, e.message) for e in model.events.events if "unable" in e.message] == [
        (0.0, VCPU_EVENT),
        (111.0, VCPU_EVENT),
    ]


def test_vcpu_quota_counts_half_vcpu_tasks_exactly() -> None:
    """§5.2: the quota is in vCPU; 0.5-vCPU tasks (cpu "512", the base task definition) under a
    quota of 6 vCPU: 6 / 0.5 = 12 tasks launch, the 13th of desired 13 waits."""
    sc = b.scenario(
        duration=30, account={"fargateOnDemandVcpuQuota": 6}, services=b.service(desiredCount=13)
    )
    res = simulate(sc)
    assert created(res) == [0.0] * 12
    assert messages(res, "unable to place") == [(0.0, VCPU_EVENT)]


def test_vcpu_quota_event_repeats_after_six_hours() -> None:
    """ECS service events: "duplicate event messages are omitted until either the cause is
    resolved or six hours passes". Quota 6, 1-vCPU tasks, desired 8 → blocked from t=0 (said at
    0). desired 9 at t=10800 (3 h): the re-check at 10801 is within 6 h of 0 → omitted. desired
    10 at t=21601: the re-check at 21602 is 21602 s ≥ 21600 s after → said again."""
    sc = b.scenario(
        duration=22000,
        account={"fargateOnDemandVcpuQuota": 6},
        taskDefinitions=b.task_definition(cpu="1024", memory="2048"),
        services=b.service(desiredCount=8),
        events=b.desired_events((10800, 9), (21601, 10)),
        output={"sampleInterval": 1000},
    )
    res = simulate(sc)
    assert messages(res, "unable to place") == [(0.0, VCPU_EVENT), (21602.0, VCPU_EVENT)]
    assert created(res) == [0.0] * 6


# -- §5.1 per-service launch rate, §5.3 tasks per service -----------------------------------


def test_service_launch_rate_per_minute() -> None:
    """§5.1: "Rate of tasks launched by a service on AWS Fargate … 500 … The maximum number of
    tasks that can be provisioned per service per minute". With serviceTaskLaunchesPerMinute 5
    and desired 12 (a launch at t stops counting at t + 60):

    * t=0: 5 tasks; the 6th waits for the t=0 launches to leave the window at 60, and the
      scheduler acts 1 s after that wake-up → t=61: 5 tasks (window (1, 61] then holds 5);
    * they leave it at 121 → t=122: the last 12 − 10 = 2 tasks.
    """
    sc = b.scenario(
        duration=200,
        account={"serviceTaskLaunchesPerMinute": 5},
        services=b.service(desiredCount=12),
    )
    res = simulate(sc)
    assert Counter(created(res)) == {0.0: 5, 61.0: 5, 122.0: 2}
    blocked = messages(res, "unable to place")
    assert blocked[0] == (
        0.0,
        "(service web) was unable to place a task. Reason: the service has launched 5 tasks in "
        "the last 60 seconds (quota: 5 per minute).",
    )
    # The window is per service: a second service launches its 5 at t=0 as well.
    doc = b.document(
        duration=30,
        account={"serviceTaskLaunchesPerMinute": 5},
        services=[*b.service(desiredCount=5), *b.service(serviceName="api", desiredCount=5)],
    )
    assert created(simulate(b.scenario_from(doc))) == [0.0] * 10


def test_tasks_per_service_quota() -> None:
    """§5.3 "Tasks per service" (here tasksPerService 3), desired 5: 3 tasks at t=0, the event
    "the service has reached its quota of 3 tasks".

    stopTask at t=50 on one of them: DEACTIVATING 50..51, STOPPING 51..55, DEPROVISIONING from
    55, STOPPED 60. The scheduler counts the service's tasks that are not yet deprovisioning
    (the same count as maximumPercent; §8.2 counts tasks "in the RUNNING, STOPPING, or PENDING
    state"), so the look at 51 still finds 3; DEPROVISIONING at 55 wakes it and at 55 + 1 = 56
    one replacement launches. The service never has more than 3 active tasks."""
    sc = b.scenario(
        duration=200,
        account={"tasksPerService": 3},
        services=b.service(desiredCount=5),
        events=[{"at": 50, "stopTask": {"service": "web", "count": 1}}],
    )
    most: list[int] = [0]

    def check(model: Model) -> None:
        active = len(model.schedulers["web"].active)
        assert active <= 3
        most[0] = max(most[0], active)

    model = watched_model(sc, check)
    b.run(model, 200)
    assert most[0] == 3
    assert sorted(t.created_at for t in model.tasks) == [0.0, 0.0, 0.0, 56.0]
    said = [(e.time, e.message) for e in model.events.events if "unable" in e.message]
    assert said[0] == (
        0.0,
        "(service web) was unable to place a task. Reason: the service has reached its quota of "
        "3 tasks.",
    )


# -- §5.4 subnet IPs -------------------------------------------------------------------------


def test_a_full_subnet_breaks_the_az_spread() -> None:
    """§8.1: "Fargate tasks are spread across Availability Zones"; §5.4: each task takes an IP of
    its subnet. subnet-a (us-east-1a) has 2 free IPs, subnet-b (us-east-1b) 10; desired 6.

    Balanced would be 3/3, but 1a holds only 2 tasks: 1a 2, 1b 4. Once 1a is full while it has
    the fewer tasks, the task goes to 1b and a service event says so (fargasim's wording, §5.4:
    the ECS text is UNSOURCED), once. Free IPs end at 0 and 10 − 4 = 6 and are never negative;
    free + tasks holding an IP there = the initial count at every state change."""
    sc = b.scenario(
        duration=60,
        network={
            "subnets": [
                {"subnetId": "subnet-a", "availabilityZone": "us-east-1a", "freeIps": 2},
                {"subnetId": "subnet-b", "availabilityZone": "us-east-1b", "freeIps": 10},
            ]
        },
        services=b.service(desiredCount=6, networkConfiguration=TWO_SUBNETS),
    )
    initial = {"subnet-a": 2, "subnet-b": 10}

    def check(model: Model) -> None:
        for sid, start in initial.items():
            free = model.pool[sid].free_ips
            holding = sum(
                1 for t in model.tasks if t.subnet_id == sid and t.state != TaskState.STOPPED
            )
            assert free >= 0
            assert free + holding == start

    model = watched_model(sc, check)
    b.run(model, 60)
    check(model)
    assert Counter(t.availability_zone for t in model.tasks) == {"us-east-1a": 2, "us-east-1b": 4}
    assert (model.pool["subnet-a"].free_ips, model.pool["subnet-b"].free_ips) == (0, 6)
    assert [(e.time, e.message) for e in model.events.events if "unable" in e.message] == [
        (
            0.0,
            "(service web) was unable to place a task in us-east-1a because its subnets have no "
            "free IP address; placing tasks in the service's other Availability Zones.",
        )
    ]
    assert all(t.created_at == 0.0 for t in model.tasks)


def test_no_free_ip_anywhere() -> None:
    """§5.4 (inference: free IPs cap concurrent tasks): both subnets have 0 free IPs → no task,
    and one event "(service web) was unable to place a task. Reason: no subnet of the service
    (subnet-a, subnet-b) has a free IP address." (wording UNSOURCED, §12), not repeated by the
    re-check at 31 after desired changes at 30."""
    sc = b.scenario(
        duration=60,
        network={
            "subnets": [
                {"subnetId": "subnet-a", "availabilityZone": "us-east-1a", "freeIps": 0},
                {"subnetId": "subnet-b", "availabilityZone": "us-east-1b", "freeIps": 0},
            ]
        },
        services=b.service(desiredCount=2, networkConfiguration=TWO_SUBNETS),
        events=b.desired_events((30, 3)),
    )
    res = simulate(sc)
    assert len(res.tasks) == 0
    assert messages(res) == [
        (
            0.0,
            "(service web) was unable to place a task. Reason: no subnet of the service "
            "(subnet-a, subnet-b) has a free IP address.",
        )
    ]


# -- AZ outage -------------------------------------------------------------------------------


def test_az_outage_loses_its_tasks_and_blocks_the_az_until_it_ends() -> None:
    """timeline ``azOutage`` (lifecycle stop mode ``lost``): every task in the AZ stops at once
    with stop code InfrastructureHealth (§3.2 TaskStopCode), stoppedAt = the outage time; §8.1
    "If one of your tasks fails or stops, the Amazon ECS service scheduler launches another
    instance … to replace it", in the AZs that are not impaired.

    desired 6 over 3 AZs → 2/2/2 at t=0. Outage of us-east-1a at t=50 for 100 s (until 150):
    * both 1a tasks: stoppingAt = stoppedAt = 50, InfrastructureHealth; billed from pull start
      (4) to 50 = 46 s → the 60 s minimum (§1.1);
    * t=51: 2 replacements, in 1b and 1c (1a impaired) → 0/3/3; one event about 1a;
    * desired 9 at t=100 (inside the outage): 3 more at 101, none in 1a → 0/5/4 (1b first on
      the tie at 3/3, then 1c, then 1b);
    * desired 12 at t=200 (after the outage): 3 more at 201, all in 1a (0 < 4, 5) → 3/5/4.
    No task of 1a is created in [50, 150)."""
    sc = b.scenario(
        duration=300,
        services=b.service(desiredCount=6),
        events=[
            {"at": 50, "azOutage": {"availabilityZone": "us-east-1a", "duration": 100}},
            *b.desired_events((100, 9), (200, 12)),
        ],
    )
    res = simulate(sc)
    tasks = rows(res)
    lost = [r for r in tasks if r["stopCode"] == "InfrastructureHealth"]
    assert len(lost) == 2
    for r in lost:
        assert r["availabilityZone"] == "us-east-1a"
        assert r["stoppingAt"] == r["stoppedAt"] == 50.0
        assert r["billedSeconds"] == 60
    assert all(r["stopCode"] == "" for r in tasks if r not in lost)
    by_time = {
        t: Counter(r["availabilityZone"] for r in tasks if r["createdAt"] == t)
        for t in (51.0, 101.0, 201.0)
    }
    assert by_time == {
        51.0: {"us-east-1b": 1, "us-east-1c": 1},
        101.0: {"us-east-1b": 2, "us-east-1c": 1},
        201.0: {"us-east-1a": 3},
    }
    assert not [
        r for r in tasks if r["availabilityZone"] == "us-east-1a" and 50 <= r["createdAt"] < 150
    ]
    assert res.timeseries["web.runningCount"][-1] == 12
    events = messages(res)
    assert (
        50.0,
        "(service web) lost 2 tasks in us-east-1a: the Availability Zone is impaired for 100 s.",
    ) in events
    assert (
        51.0,
        "(service web) was unable to place a task in us-east-1a because the Availability Zone "
        "is impaired; placing tasks in the service's other Availability Zones.",
    ) in events


def test_az_outage_of_the_only_az_waits_for_its_end() -> None:
    """A service with one subnet (us-east-1a): the outage at 50 for 60 s loses its 2 tasks and
    nothing can launch until 110; the platform wakes the scheduler at 110 and it launches 2 at
    110 + 1 = 111. The event says the AZ with free IPs is impaired."""
    sc = b.scenario(
        duration=200,
        services=b.service(networkConfiguration={"awsvpcConfiguration": {"subnets": ["subnet-a"]}}),
        events=[{"at": 50, "azOutage": {"availabilityZone": "us-east-1a", "duration": 60}}],
    )
    res = simulate(sc)
    assert created(res) == [0.0, 0.0, 111.0, 111.0]
    assert (
        51.0,
        "(service web) was unable to place a task. Reason: the Availability Zones with free IP "
        "addresses (us-east-1a) are impaired.",
    ) in messages(res)


# -- §7.3 Spot capacity ----------------------------------------------------------------------


def test_spot_only_service_waits_for_spot_capacity() -> None:
    """§7.3: the scheduler "attempts to launch additional tasks on Fargate Spot if there's
    capacity available". spotCapacityUnavailable (every AZ) from t=0 for 100 s, a
    FARGATE_SPOT-only service with desired 2:

    * t=0: nothing launches; ECS's event "Capacity is unavailable at this time. Please try again
      later or in a different availability zone." — once: desired 3 at t=50 re-checks at 51 with
      the same cause;
    * t=100 the window ends, the scheduler acts at 101: 3 Spot tasks, RUNNING at 110."""
    sc = b.scenario(
        duration=200,
        services=b.service(desiredCount=2, launchType=None, capacityProviderStrategy=SPOT_ONLY),
        events=[
            {"at": 0, "spotCapacityUnavailable": {"duration": 100}},
            *b.desired_events((50, 3)),
        ],
    )
    res = simulate(sc)
    assert created(res, SPOT) == [101.0] * 3
    assert created(res, OD) == []
    assert sorted(res.tasks["runningAt"].tolist()) == [110.0] * 3
    assert messages(res, "unable to place") == [(0.0, SPOT_CAPACITY_EVENT)]


def test_spot_capacity_gone_in_one_az_moves_spot_tasks_to_the_others() -> None:
    """§7.3 / §8.1: no Spot capacity in us-east-1a only (t=0 for 100 s): the Spot tasks of
    desired 3 are spread over 1b and 1c instead (2 and 1, the first tie to 1b), at t=0."""
    sc = b.scenario(
        duration=60,
        services=b.service(desiredCount=3, launchType=None, capacityProviderStrategy=SPOT_ONLY),
        events=[
            {
                "at": 0,
                "spotCapacityUnavailable": {"availabilityZone": "us-east-1a", "duration": 100},
            }
        ],
    )
    res = simulate(sc)
    assert created(res) == [0.0] * 3
    assert Counter(res.tasks["availabilityZone"]) == {"us-east-1b": 2, "us-east-1c": 1}
    assert messages(res, "unable to place") == [
        (
            0.0,
            "(service web) was unable to place a task in us-east-1a because Fargate Spot has no "
            "capacity there; placing tasks in the service's other Availability Zones.",
        )
    ]


MIXED = [
    {"capacityProvider": OD, "base": 2, "weight": 1},
    {"capacityProvider": SPOT, "weight": 3},
]


def _mixed_in_spot_outage() -> Result:
    sc = b.scenario(
        duration=200,
        services=b.service(desiredCount=6, launchType=None, capacityProviderStrategy=MIXED),
        events=[{"at": 0, "spotCapacityUnavailable": {"duration": 100}}],
    )
    return simulate(sc)


def test_on_demand_share_launches_while_spot_waits() -> None:
    """§7.1 base/weight and §7.3 "Fargate doesn't replace Spot capacity with on-demand
    capacity". Strategy FARGATE base 2 weight 1 + FARGATE_SPOT weight 3, desired 6: base 2 on
    FARGATE, then the other 4 split 1 : 3 → 3 FARGATE + 3 FARGATE_SPOT. Spot capacity is gone
    from t=0 to 100:

    * t=0: the 3 FARGATE tasks launch, the 3 Spot ones wait;
    * t=10 (the re-check after RUNNING at 9) and every other look in the window: the missing 3
      are Spot by the strategy (FARGATE is at its share), so no extra FARGATE task ever appears;
    * t=101: the 3 Spot tasks."""
    res = _mixed_in_spot_outage()
    assert created(res, OD) == [0.0] * 3
    assert created(res, SPOT) == [101.0] * 3
    assert messages(res, "unable to place")[0] == (0.0, SPOT_CAPACITY_EVENT)


def test_spot_capacity_event_is_not_repeated_while_the_cause_lasts() -> None:
    """ECS service events: "duplicate event messages are omitted until either the cause is
    resolved or six hours passes". In the scenario above Spot capacity stays unavailable from 0
    to 100; launching the on-demand share at t=0 does not resolve it, so the event is said once
    (at t=0), not again at the re-check at t=10 (a FARGATE launch resolves FARGATE's causes
    only)."""
    res = _mixed_in_spot_outage()
    assert messages(res, "unable to place") == [(0.0, SPOT_CAPACITY_EVENT)]
