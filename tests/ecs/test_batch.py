"""``batch:`` entries: batch jobs submitted as ECS RunTask calls (reference §5.1, §5.2, §3.2).

§5.1: "Each call to this API can, however, launch up to 10 tasks", at 20 calls per second (burst
and sustained); the tasks draw on the Fargate launch token bucket of their capacity provider (100
tokens, refilled at 20 per second by default). A submission of ``count`` tasks is
``ceil(count/10)`` calls at one instant. Times come from tests/builders.py's CONSTANT_MODEL: a task
created at t is RUNNING at t+9; its essential container exits ``runSeconds`` later
(EssentialContainerExited), DEACTIVATING takes 1 s and DEPROVISIONING 5 s.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
import pytest

from fargasim.engine import simulate
from fargasim.scenario.schema import RunTaskEvent
from fargasim.timeline import batch_calls
from tests import builders as b

SUBNETS = ["subnet-a", "subnet-b", "subnet-c"]


def entry(at: Any, count: int, run: float = 100.0, **fields: Any) -> dict[str, Any]:
    return {
        "at": at,
        "taskDefinition": "web",
        "count": count,
        "runSeconds": b.const(run),
        "subnets": SUBNETS,
        **fields,
    }


def no_service() -> list[dict[str, Any]]:
    """The base service at desired 0, so only batch tasks run."""
    return b.service(desiredCount=0)


def started_messages(res: Any, group: str) -> list[tuple[float, str]]:
    return [
        (float(e["time"]), str(e["message"]))
        for e in res.service_events
        if e["service"] == group and "started" in str(e["message"])
    ]


@pytest.mark.parametrize(
    ("count", "calls"),
    [(1, [1]), (10, [10]), (11, [10, 1]), (25, [10, 10, 5]), (40, [10, 10, 10, 10])],
)
def test_a_submission_is_calls_of_at_most_ten(count: int, calls: list[int]) -> None:
    made: list[int] = []

    def request(n: int) -> RunTaskEvent:
        made.append(n)
        return RunTaskEvent(taskDefinition="job", count=n)

    sequence = batch_calls(count, request)
    assert [r.count for r in sequence] == calls
    assert len(sequence) == len(calls)
    assert made == sorted(set(calls), reverse=True)  # one request per call size


def test_25_tasks_at_60_are_three_calls_of_10_10_and_5() -> None:
    """All 25 created at 60 (3 call tokens of 20, 25 launch tokens of 100); RUNNING at 69;
    the essential container exits at 69 + 100 = 169; STOPPED at 175."""
    res = simulate(b.scenario(services=no_service(), batch=[entry(60, 25)]))
    t = res.tasks
    assert len(t) == 25
    assert set(t["service"]) == {"family:web"}
    assert list(t["createdAt"]) == [60.0] * 25
    assert list(t["runningAt"]) == [69.0] * 25
    assert list(t["stoppingAt"]) == [169.0] * 25
    assert list(t["stoppedAt"]) == [175.0] * 25
    assert list(t["stopCode"]) == ["EssentialContainerExited"] * 25
    assert set(t["stoppedReason"]) == {"Essential container in task exited"}
    summary = res.summary.run_task["family:web"]
    assert (summary.calls, summary.tasks_launched, summary.tasks_failed) == (3, 25, 0)
    # One event per submission, not one per call.
    messages = [
        (float(e["time"]), str(e["message"]))
        for e in res.service_events
        if e["service"] == "family:web"
    ]
    assert messages == [
        (60.0, "Batch (group family:web) submitted 25 tasks of web:1 in 3 RunTask calls.")
    ]
    # Spread over the three AZs of the subnets (§8.1), 9/8/8 in some order.
    assert sorted(Counter(t["availabilityZone"]).values()) == [8, 8, 9]


def test_a_submission_every_10_minutes_until_1h() -> None:
    """at 1m, every 10m, until 1h, in a 2h run: submissions at 60, 660, …, 3060 (6; the next,
    3660, is after until); 4 tasks each, running 300 s."""
    sc = b.scenario(
        duration="2h",
        services=no_service(),
        batch=[entry("1m", 4, run=300, every="10m", until="1h", group="hourly")],
    )
    res = simulate(sc)
    created = Counter(float(x) for x in res.tasks["createdAt"])
    assert created == {60.0 + 600 * k: 4 for k in range(6)}
    assert list(res.tasks["stoppingAt"]) == [c + 9 + 300 for c in res.tasks["createdAt"]]
    assert set(res.tasks["stopCode"]) == {"EssentialContainerExited"}
    summary = res.summary.run_task["hourly"]
    assert (summary.calls, summary.tasks_launched) == (6, 24)


def test_without_until_a_batch_repeats_to_the_end_of_the_run() -> None:
    """The 600 s run ends before a submission at 600 could happen: 0, 200, 400."""
    res = simulate(b.scenario(services=no_service(), batch=[entry(0, 2, run=10, every=200)]))
    assert Counter(float(x) for x in res.tasks["createdAt"]) == {0.0: 2, 200.0: 2, 400.0: 2}


def test_a_large_submission_waits_for_launch_tokens() -> None:
    """150 tasks at 0 = 15 calls: the launch bucket holds 100 tokens (§5.1), so the first 10
    calls start at 0 and each later call of 10 waits for 10 tokens at 20 per second: 0.5, 1.0,
    1.5, 2.0, 2.5."""
    res = simulate(b.scenario(services=no_service(), batch=[entry(0, 150, run=30)]))
    created = Counter(round(float(x), 9) for x in res.tasks["createdAt"])
    assert created == {0.0: 100, 0.5: 10, 1.0: 10, 1.5: 10, 2.0: 10, 2.5: 10}
    assert res.summary.run_task["family:web"].calls == 15


def test_batch_tasks_use_their_strategy_group_and_quota() -> None:
    """FARGATE base 1 + FARGATE_SPOT weight 3 over 9 tasks: 1 on-demand for the base, then the
    other 8 split 1:3 → 3 on-demand and 6 Spot in all (§7.1); an on-demand vCPU quota of 1
    (0.5-vCPU tasks) holds 2, so the third on-demand task fails (§5.2, not retried)."""
    strategy = [
        {"capacityProvider": "FARGATE", "base": 1, "weight": 1},
        {"capacityProvider": "FARGATE_SPOT", "weight": 3},
    ]
    sc = b.scenario(
        services=no_service(),
        account={"fargateOnDemandVcpuQuota": 1},
        batch=[entry(30, 9, capacityProviderStrategy=strategy, group="nightly")],
    )
    res = simulate(sc)
    providers = Counter(res.tasks["capacityProvider"])
    assert providers == {"FARGATE": 2, "FARGATE_SPOT": 6}
    summary = res.summary.run_task["nightly"]
    assert (summary.calls, summary.tasks_launched, summary.tasks_failed) == (1, 8, 1)
    (reason,) = summary.failures
    assert reason.startswith("You've reached the limit on the number of vCPUs")


def test_batch_and_events_at_the_same_time() -> None:
    """At one time the events come first, then the batch submissions in file order: a runTask
    event and two batch entries at 10 s start in that order (tasks.csv is in creation order)."""
    run_task = {
        "at": 10,
        "runTask": {
            "taskDefinition": "web",
            "count": 1,
            "group": "event",
            "networkConfiguration": {"awsvpcConfiguration": {"subnets": SUBNETS}},
        },
        "runSeconds": b.const(50),
    }
    sc = b.scenario(
        services=no_service(),
        events=[run_task],
        batch=[entry(10, 2, group="second"), entry(0, 1, every=10, group="first")],
    )
    res = simulate(sc)
    tasks = zip(res.tasks["service"], res.tasks["createdAt"], strict=True)
    at_10 = [group for group, created in tasks if created == 10.0]
    assert at_10 == ["event", "second", "second", "first"]


def test_the_same_seed_gives_the_same_batch_run() -> None:
    """Lognormal run times are drawn from the group's stream: two runs agree exactly."""
    batch = [
        entry(0, 12, every="2m", until="8m") | {"runSeconds": {"mean": 90, "cv": 0.5}},
    ]
    first = simulate(b.scenario(services=no_service(), batch=batch))
    second = simulate(b.scenario(services=no_service(), batch=batch))
    np.testing.assert_array_equal(first.tasks["stoppingAt"], second.tasks["stoppingAt"])
    assert len(set(first.tasks["stoppingAt"])) > 40  # drawn, not constant
