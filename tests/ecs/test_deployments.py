"""Rolling deployments, the deployment circuit breaker and the service throttle through the
engine (reference §8.2, §8.3, §8.4, §6.1).

Timing (``tests/builders.py``, CONSTANT_MODEL): a task created at ``t`` starts its image pull at
``t+4`` and is RUNNING at ``t+9``; a RUNNING task asked to stop at ``s`` is DEACTIVATING
``s..s+1``, STOPPING ``s+1..s+5`` (appExit 4 s, below the default stopTimeout of 30 s),
DEPROVISIONING ``s+5..s+10``, STOPPED at ``s+10``. The scheduler reconciles 1 s after a change
(task RUNNING, stopping, deprovisioning, STOPPED; a deployment starting). A task whose image pull
fails (``model.faults.imagePullFailureSeconds`` constant 5 s) stops at ``t+4+5 = t+9`` without
ever RUNNING: straight to STOPPING and DEPROVISIONING (no deregistration, no SIGTERM wait).

The deployment arithmetic is the documented one (§8.2): at most ``⌊desired·max/100⌋`` tasks
"in the RUNNING, STOPPING, or PENDING state" (a task leaves the count when it starts
DEPROVISIONING, i.e. its containers are gone) and at least ``⌈desired·min/100⌉`` healthy
(RUNNING, no load balancer here). How ECS sequences steps inside those bounds is not published;
the times below follow the simulator's documented rule (:func:`fargasim.ecs.rollout.rolling_step`:
start as many new tasks as the maximum allows; stop old ones down to the minimum; when the new
deployment has all its tasks, stop every old one the budget allows).

Revisions: ``taskDefinitions`` lists ``web`` twice (builders ``two_revisions``), so the service
runs ``web:1`` and an ``updateService`` to ``web:2`` starts a deployment.
"""

from __future__ import annotations

import itertools
import math
import re
from typing import Any

import pytest

from fargasim.ecs.lifecycle import TaskState
from fargasim.engine import Model, simulate
from fargasim.result import Result
from tests import builders as b

PULL_FAILS = 5.0  # model.faults.imagePullFailureSeconds (constant)
DEPLOYMENT_ID = re.compile(r"^ecs-svc/\d{19}$")


def deployment(
    desired: int,
    *,
    minimum: int = 100,
    maximum: int = 200,
    breaker: dict[str, bool] | None = None,
    events: list[dict[str, Any]] | None = None,
    model: dict[str, Any] | None = None,
    duration: float = 300,
    **changes: Any,
) -> Any:
    """web at ``web:1`` with ``desired`` tasks and the given deployment configuration."""
    config: dict[str, Any] = {"minimumHealthyPercent": minimum, "maximumPercent": maximum}
    if breaker is not None:
        config["deploymentCircuitBreaker"] = breaker
    return b.scenario(
        duration=duration,
        taskDefinitions=b.two_revisions(),
        services=b.service(
            desiredCount=desired, taskDefinition="web:1", deploymentConfiguration=config
        ),
        events=events if events is not None else [b.deploy(100)],
        model=b.merge(b.CONSTANT_MODEL, model or {}),
        **changes,
    )


def failing_pulls(**extra: Any) -> dict[str, Any]:
    """``model`` changes: failed pulls take PULL_FAILS seconds."""
    return b.merge({"faults": {"imagePullFailureSeconds": b.const(PULL_FAILS)}}, extra)


#: With DEPROVISIONING 0 s a task that fails to start is STOPPED the instant it fails, so the
#: throttle and the circuit breaker count it before the scheduler's next look (1 s later).
NO_DEPROVISIONING = {"shutdown": {"deprovisioningSeconds": b.const(0)}}


def rows(res: Result, **match: Any) -> list[dict[str, Any]]:
    """tasks.csv rows (as dicts) whose columns equal ``match``."""
    t = res.tasks
    out = []
    for i in range(len(t)):
        row = {name: t[name][i] for name in t.names}
        if all(row[k] == v for k, v in match.items()):
            out.append(row)
    return out


def column(res: Result, name: str, **match: Any) -> list[Any]:
    return [r[name] for r in rows(res, **match)]


def events_with(res: Result, fragment: str) -> list[tuple[float, str]]:
    return [(e["time"], e["message"]) for e in res.service_events if fragment in e["message"]]


def nan_to_inf(value: float) -> float:
    return math.inf if math.isnan(value) else value


def counts_over_time(model: Model, log: list[b.Transition]) -> list[tuple[float, int, int]]:
    """``(t, in flight, RUNNING)`` after every instant at which something happened. In flight:
    launched and not yet DEPROVISIONING (what maximumPercent limits, §8.2)."""
    deprovisioning = {tid: t for t, tid, _, new in log if new == TaskState.DEPROVISIONING}
    spans = [
        (
            task.created_at,
            deprovisioning.get(task.task_id, math.inf),
            nan_to_inf(task.running_at),
            nan_to_inf(task.stopping_at),
        )
        for task in model.tasks
    ]
    instants = sorted({t for span in spans for t in span if t != math.inf})
    return [
        (
            t,
            sum(1 for c, d, _, _ in spans if c <= t < d),
            sum(1 for _, _, r, s in spans if r <= t < s),
        )
        for t in instants
    ]


# ---------------------------------------------------------------------------------------------
# Rolling deployments (§8.2)


def test_min_100_max_200_starts_all_new_tasks_then_stops_the_old_ones() -> None:
    """§8.2: maximumPercent "upper limit on the number of your service's tasks that are allowed
    in the RUNNING, STOPPING, or PENDING state during a deployment" (200 % of 4 = 8) and
    minimumHealthyPercent 100 % (4 healthy at all times).

    Hand-derived: 4 web:1 tasks created at 0, RUNNING at 9. updateService to web:2 at 100; the
    scheduler reacts at 101: room for 8 − 4 = 4 → 4 web:2 tasks created at 101, RUNNING at 110.
    No old task can stop before (healthy 4 = the minimum). At 110 the new ones are healthy (no
    load balancer: RUNNING), reaction at 111: stop all 4 old ones (healthy 8 − 4 ≥ 4). They
    DEACTIVATE 111..112, STOP 112..116, DEPROVISION 116..121. Once they are out of the
    maximumPercent count (DEPROVISIONING at 116) the scheduler looks again at 117: 4 new tasks,
    all healthy, no old one left → "deployment completed" and a steady state at 117.
    """
    res = simulate(deployment(4, output={"sampleInterval": 10}))
    assert column(res, "createdAt", taskDefinition="web:1") == [0.0] * 4
    assert column(res, "createdAt", taskDefinition="web:2") == [101.0] * 4
    assert column(res, "runningAt", taskDefinition="web:2") == [110.0] * 4
    assert column(res, "stoppingAt", taskDefinition="web:1") == [111.0] * 4
    assert column(res, "stoppedAt", taskDefinition="web:1") == [121.0] * 4
    assert all(math.isnan(t) for t in column(res, "stoppingAt", taskDefinition="web:2"))
    assert set(column(res, "stopCode", taskDefinition="web:1")) == {"ServiceSchedulerInitiated"}

    # startedBy: one ecs-svc/ id per deployment (generation).
    old_ids = set(column(res, "startedBy", taskDefinition="web:1"))
    new_ids = set(column(res, "startedBy", taskDefinition="web:2"))
    assert len(old_ids) == 1 and len(new_ids) == 1 and old_ids != new_ids
    (old_id,) = old_ids
    (new_id,) = new_ids
    assert DEPLOYMENT_ID.match(old_id) and DEPLOYMENT_ID.match(new_id)
    assert set(column(res, "stoppedReason", taskDefinition="web:1")) == {
        f"Scaling activity initiated by (deployment {new_id})"
    }

    assert events_with(res, "deployment started") == [
        (100.0, f"(service web) (deployment {new_id}) deployment started: task definition web:2.")
    ]
    assert events_with(res, "deployment completed") == [
        (117.0, f"(service web) (deployment {new_id}) deployment completed.")
    ]
    assert [t for t, _ in events_with(res, "steady state")] == [10.0, 117.0]

    # The bump: 8 RUNNING at the 110 sample (old until 111, new from 110), 4 before and after.
    ts = res.timeseries
    running = dict(zip(ts["time"].tolist(), ts["web.runningCount"].tolist(), strict=True))
    assert (running[100.0], running[110.0], running[120.0]) == (4, 8, 4)
    assert max(ts["web.runningCount"]) == 8
    assert res.summary.services["web"].peak_running == 8


def test_the_deployment_bump_is_billed() -> None:
    """§1.1 billing (pull start to the end of STOPPING, per second, 60 s minimum) over the run
    of the previous test, against the same run without the deployment (duration 300).

    With: 4 old tasks billed 4 → 116 = 112 s each; 4 new ones 105 → 300 = 195 s each:
    4·112 + 4·195 = 1228 task-seconds. Without: 4 tasks 4 → 300 = 296 s each = 1184. Every task
    is the same size, so the cost ratio is 1228 / 1184."""
    with_deployment = simulate(deployment(4))
    without = simulate(deployment(4, events=[]))
    assert column(with_deployment, "billedSeconds", taskDefinition="web:1") == [112.0] * 4
    assert column(with_deployment, "billedSeconds", taskDefinition="web:2") == [195.0] * 4
    assert sum(with_deployment.tasks["billedSeconds"]) == 1228.0
    assert sum(without.tasks["billedSeconds"]) == 1184.0
    assert with_deployment.cost.total > without.cost.total
    assert with_deployment.cost.total / without.cost.total == pytest.approx(1228 / 1184, rel=1e-6)


def test_min_50_max_100_replaces_two_tasks_at_a_time() -> None:
    """§8.2: max 100 % of 4 = 4 tasks in flight, min 50 % of 4 = 2 healthy.

    Hand-derived: no room to start (4 in flight = max), so at 101 stop 2 old ones (healthy
    4 → 2 = min). They DEPROVISION at 106 (1 + 4 s), reaction 107: 2 in flight → start 2 new
    (created 107, RUNNING 116). Reaction 117: healthy 4 → stop the 2 remaining old ones
    (DEPROVISIONING 122); reaction 123: start the last 2 (RUNNING 132); reaction 133: complete.
    Throughout: never more than 4 tasks in flight, never fewer than 2 RUNNING."""
    model, log = b.recorded_model(deployment(4, minimum=50, maximum=100))
    b.run(model, 300)
    old = [t for t in model.tasks if t.task_definition == "web:1"]
    new = [t for t in model.tasks if t.task_definition == "web:2"]
    assert sorted(t.stopping_at for t in old) == [101.0, 101.0, 117.0, 117.0]
    assert sorted(t.stopped_at for t in old) == [111.0, 111.0, 127.0, 127.0]
    assert sorted(t.created_at for t in new) == [107.0, 107.0, 123.0, 123.0]
    assert sorted(t.running_at for t in new) == [116.0, 116.0, 132.0, 132.0]
    completed = [e.time for e in model.events.events if "deployment completed" in e.message]
    assert completed == [133.0]

    counts = counts_over_time(model, log)
    during = [(t, f, r) for t, f, r in counts if 100 <= t <= 133]
    assert max(f for _, f, _ in during) == 4
    assert min(r for _, _, r in during) == 2
    by_time = {t: (f, r) for t, f, r in counts}
    assert by_time[101.0] == (4, 2)  # 2 old stopping (in flight), 2 old RUNNING
    assert by_time[107.0] == (4, 2)  # 2 old RUNNING + 2 new starting
    assert by_time[116.0] == (4, 4)
    assert by_time[117.0] == (4, 2)  # the 2 new RUNNING, the last 2 old stopping


def test_maximum_percent_is_rounded_down() -> None:
    """§8.2: "The maximum number of tasks during a deployment is the desiredCount multiplied by
    the maximumPercent/100, rounded down": desired 3, max 150 % → ⌊4.5⌋ = 4 (5 if rounded up),
    min 100 % → 3 healthy. So one new task at a time.

    Hand-derived: 101 start 1 (3 + 1 = 4), RUNNING 110; 111 stop 1 old (healthy 4 − 1 = 3),
    DEPROVISIONING 116; 117 start 1, RUNNING 126; 127 stop 1 old, DEPROVISIONING 132; 133 start
    the last, RUNNING 142; 143 stop the last old (the new deployment is complete: stop every old
    one the budget allows), DEPROVISIONING 148; 149 completed."""
    res = simulate(deployment(3, maximum=150))
    assert column(res, "createdAt", taskDefinition="web:2") == [101.0, 117.0, 133.0]
    assert sorted(column(res, "stoppingAt", taskDefinition="web:1")) == [111.0, 127.0, 143.0]
    assert [t for t, _ in events_with(res, "deployment completed")] == [149.0]
    started = events_with(res, "has started 1 tasks")
    assert [t for t, _ in started] == [101.0, 117.0, 133.0]


def test_minimum_healthy_percent_is_rounded_up() -> None:
    """§8.2: "The minimum number of healthy tasks during a deployment is the desiredCount
    multiplied by the minimumHealthyPercent/100, rounded up": desired 3, min 50 % → ⌈1.5⌉ = 2
    (1 if rounded down, and 2 old tasks would stop at once); max 100 % → 3 in flight.

    Hand-derived: 101 stop 1 old (healthy 3 → 2), DEPROVISIONING 106; 107 start 1, RUNNING 116;
    117 stop 1 old (healthy 3 → 2), DEPROVISIONING 122; 123 start 1, RUNNING 132; 133 stop the
    last old one, DEPROVISIONING 138; 139 start the last, RUNNING 148; 149 completed."""
    res = simulate(deployment(3, minimum=50, maximum=100))
    assert sorted(column(res, "stoppingAt", taskDefinition="web:1")) == [101.0, 117.0, 133.0]
    assert column(res, "createdAt", taskDefinition="web:2") == [107.0, 123.0, 139.0]
    assert [t for t, _ in events_with(res, "has stopped")] == [101.0, 117.0, 133.0]
    assert [t for t, _ in events_with(res, "deployment completed")] == [149.0]


def test_force_new_deployment_replaces_the_tasks_with_the_same_definition() -> None:
    """``forceNewDeployment`` starts a deployment without a new task definition (§8.2): desired
    2, min 100 / max 200: 2 new web:1 tasks created at 101 (startedBy the new deployment),
    RUNNING 110, the old ones stopped at 111, completed at 117 (as in the first test)."""
    force = {"at": 100, "updateService": {"service": "web", "forceNewDeployment": True}}
    res = simulate(deployment(2, events=[force]))
    assert set(res.tasks["taskDefinition"]) == {"web:1"}
    (first,) = set(column(res, "startedBy", createdAt=0.0))
    (second,) = set(res.tasks["startedBy"]) - {first}
    assert column(res, "createdAt", startedBy=second) == [101.0, 101.0]
    assert column(res, "stoppingAt", startedBy=first) == [111.0, 111.0]
    assert [t for t, _ in events_with(res, "deployment completed")] == [117.0]


# ---------------------------------------------------------------------------------------------
# Deployment circuit breaker (§8.3)


def test_circuit_breaker_fails_the_deployment_and_rolls_back() -> None:
    """§8.3: the threshold is "0.5 * desired task count" with a "minimum threshold of 3":
    desired 4 → max(3, ⌈2⌉) = 3; stage 1 counts tasks that fail to reach RUNNING; a FAILED
    deployment "doesn't launch any new tasks"; with rollback the service returns to the last
    COMPLETED deployment (web:1's, completed at 10). min 100 %: the old tasks keep serving.

    Setup: image pulls of web fail during [90, 110) after 5 s; DEPROVISIONING 0 s (a failed task
    is STOPPED the instant it fails). max 175 % → ⌊7⌋ = 7 in flight.

    Hand-derived: web:1 ×4 created 0, RUNNING 9, deployment completed (silently) at 10. Update
    at 100 → 101: start 3 web:2 (7 − 4). Pulls at 105 fail at 110: TaskFailedToStart,
    CannotPullContainerError, STOPPED 110 → 3 failures → FAILED at 110, rollback deployment at
    110. 111: start 3 web:1 of the rollback (pull 115, after the window), RUNNING 120. 121:
    healthy 7 → stop 1 old (only 1 more is missing: 3 + 1 = 4 new), STOPPED 126 (1 + 4 + 0).
    127: start the 4th new (RUNNING 136) and, the new set now complete, stop 2 old (healthy
    6 − 2 = 4). 137: stop the last old one, STOPPED 142. 143: rollback completed.
    """
    sc = deployment(
        4,
        maximum=175,
        breaker={"enable": True, "rollback": True},
        events=[b.pull_failures(90, 20), b.deploy(100)],
        model=failing_pulls(**NO_DEPROVISIONING),
    )
    model, log = b.recorded_model(sc)
    b.run(model, 300)
    res = simulate(sc)

    failed = rows(res, taskDefinition="web:2")
    assert [r["createdAt"] for r in failed] == [101.0] * 3
    assert [r["stoppedAt"] for r in failed] == [110.0] * 3
    assert all(math.isnan(r["runningAt"]) for r in failed)
    assert {r["stopCode"] for r in failed} == {"TaskFailedToStart"}
    assert all(r["stoppedReason"].startswith("CannotPullContainerError") for r in failed)

    original = rows(res, taskDefinition="web:1", createdAt=0.0)
    original_id = original[0]["startedBy"]
    failed_id = failed[0]["startedBy"]
    rollback = [r for r in rows(res, taskDefinition="web:1") if r["startedBy"] != original_id]
    rollback_id = rollback[0]["startedBy"]
    assert len({original_id, failed_id, rollback_id}) == 3

    assert events_with(res, "deployment failed") == [
        (110.0, f"(service web) (deployment {failed_id}) deployment failed: tasks failed to start.")
    ]
    assert events_with(res, "rolling back") == [
        (
            110.0,
            f"(service web) (deployment {rollback_id}) rolling back to deployment {original_id}.",
        )
    ]
    assert [r["createdAt"] for r in rollback] == [111.0, 111.0, 111.0, 127.0]
    assert [r["runningAt"] for r in rollback] == [120.0, 120.0, 120.0, 136.0]
    assert sorted(r["stoppingAt"] for r in original) == [121.0, 127.0, 127.0, 137.0]
    assert events_with(res, "deployment completed") == [
        (143.0, f"(service web) (deployment {rollback_id}) deployment completed.")
    ]
    # No web:2 task after the failure; never fewer than 4 RUNNING once started (min 100 %).
    assert max(column(res, "createdAt", taskDefinition="web:2")) < 110.0
    assert min(r for t, _, r in counts_over_time(model, log) if t >= 9) == 4
    assert [d.rollout_state for d in model.schedulers["web"].deployments] == [
        "COMPLETED",
        "FAILED",
        "COMPLETED",
    ]


@pytest.mark.parametrize(
    ("desired", "maximum", "threshold", "failed_at"),
    [
        # max(3, ⌈4/2⌉ = 2) = 3: the minimum of 3 decides (⌈0.5·4⌉ alone would fail at 130)
        (4, 125, 3, 160.0),
        # max(3, ⌈8/2⌉ = 4) = 4
        (8, 113, 4, 210.0),
    ],
)
def test_circuit_breaker_threshold_without_rollback(
    desired: int, maximum: int, threshold: int, failed_at: float
) -> None:
    """§8.3: threshold ``max(3, ⌈0.5·desired⌉)`` (current API: "minimum threshold of 3 … 0.5 *
    desired task count"); with ``rollback: false`` the FAILED deployment "doesn't launch any new
    tasks" and the old tasks keep running.

    maximumPercent leaves room for exactly one new task (⌊4·1.25⌋ = 5, ⌊8·1.13⌋ = 9), so the
    failures come one at a time, spaced by the service throttle (§8.4; model: 10, 20, 40 s after
    the 1st, 2nd, 3rd failure). Pull failures all along; DEPROVISIONING 0 s.

    Hand-derived: the k-th web:2 task is created at c_k, fails (and is STOPPED) at c_k + 9; the
    scheduler looks at c_k + 10, finds the throttle on until c_k + 9 + d_k, and launches 1 s
    after it ends: c_1 = 101, fails 110; c_2 = 110 + 10 + 1 = 121, fails 130;
    c_3 = 130 + 20 + 1 = 151, fails 160; c_4 = 160 + 40 + 1 = 201, fails 210.
    The deployment FAILS at the threshold-th failure; nothing is launched after it."""
    sc = deployment(
        desired,
        maximum=maximum,
        breaker={"enable": True, "rollback": False},
        # from 5 on: the pulls of the initial web:1 tasks (at 4) succeed
        events=[b.pull_failures(5, 1000), b.deploy(100)],
        model=failing_pulls(**NO_DEPROVISIONING),
        duration=400,
    )
    res = simulate(sc)
    new = rows(res, taskDefinition="web:2")
    assert [r["createdAt"] for r in new] == [101.0, 121.0, 151.0, 201.0][:threshold]
    assert {r["stopCode"] for r in new} == {"TaskFailedToStart"}
    assert [t for t, _ in events_with(res, "deployment failed")] == [failed_at]
    assert not events_with(res, "rolling back")
    assert max(res.tasks["createdAt"]) < failed_at  # FAILED: no new task after it
    old = rows(res, taskDefinition="web:1")
    assert len(old) == desired
    assert all(math.isnan(r["stoppingAt"]) for r in old)  # they run to the end
    assert res.timeseries["web.runningCount"][-1] == desired


def test_rollback_is_not_throttled_by_the_failed_deployment() -> None:
    """§8.4: "A new task definition resets the throttle" (the model resets it for a rollback
    too). desired 4, max 200 %, breaker threshold 3, pulls fail during [90, 110), DEPROVISIONING
    0 s.

    Hand-derived: 101: start 4 web:2 (8 − 4); all 4 fail and are STOPPED at 110. The 3rd trips
    the breaker: FAILED and rollback at 110 (throttle reset). The 4th belongs to the FAILED
    deployment; it must not throttle the rollback. 111: start 4 web:1 of the rollback (pull 115,
    after the window), RUNNING 120; 121: stop the 4 old ones, STOPPED 126; 127: completed.
    No "unable to consistently start tasks" event."""
    res = simulate(
        deployment(
            4,
            breaker={"enable": True, "rollback": True},
            events=[b.pull_failures(90, 20), b.deploy(100)],
            model=failing_pulls(**NO_DEPROVISIONING),
        )
    )
    assert [t for t, _ in events_with(res, "rolling back")] == [110.0]
    assert not events_with(res, "unable to consistently start")
    rollback = [r for r in rows(res, taskDefinition="web:1") if r["createdAt"] > 0]
    assert [r["createdAt"] for r in rollback] == [111.0] * 4
    assert [t for t, _ in events_with(res, "deployment completed")] == [127.0]


# ---------------------------------------------------------------------------------------------
# Service throttle (§8.4)


def throttle_scenario(events: list[dict[str, Any]] | None = None) -> Any:
    """desired 1 at web:1 (web:2 exists), no load balancer; pulls fail after 5 s; by default
    every pull of web fails from 0 on."""
    return deployment(
        1,
        events=events if events is not None else [b.pull_failures(0, 1000)],
        model=failing_pulls(),
    )


def test_a_service_whose_tasks_never_start_keeps_retrying() -> None:
    """§8.4: tasks that "repeatedly fail to enter the RUNNING state (progressing directly from a
    PENDING to a STOPPED status)": every task stops TaskFailedToStart with a
    CannotPullContainerError, none reaches RUNNING; "Amazon ECS doesn't ever stop a failing
    service from retrying" (tasks keep being created over the 300 s); ECS says "(service web) is
    unable to consistently start tasks successfully"."""
    res = simulate(throttle_scenario())
    assert len(res.tasks) >= 4
    assert set(res.tasks["stopCode"][:-1]) == {"TaskFailedToStart"}
    assert all(r.startswith("CannotPullContainerError") for r in res.tasks["stoppedReason"][:-1])
    assert all(math.isnan(t) for t in res.tasks["runningAt"])
    assert res.tasks["createdAt"][0] == 0.0
    assert events_with(res, "is unable to consistently start tasks successfully")
    assert not events_with(res, "steady state")


def test_throttle_spaces_restarts_increasingly() -> None:
    """§8.4: "the time between subsequent restart attempts is incrementally increased up to a
    maximum of 15 minutes" (curve UNSOURCED; model: 10, 20, 40, 80 s after the 1st, 2nd, 3rd,
    4th consecutive failure).

    Hand-derived: a task created at c pulls at c+4 and its pull fails at c+9 (pull failure 5 s):
    it stops then (no STOPPING wait, DEPROVISIONING frees its slot at once) and the failure is
    counted at that instant, so its replacement waits the throttle d_k from c+9, then the
    scheduler's reaction 1 s: c_{k+1} = c_k + 4 + 5 + d_k + 1. c = 0, 20, 50, 100, 190.
    Successive gaps grow by d_k − d_{k−1} = 10, 20, 40 s, and each gap is at least
    4 + 5 + d_k + 1."""
    res = simulate(throttle_scenario())
    created = res.tasks["createdAt"].tolist()[:5]
    gaps = [later - earlier for earlier, later in itertools.pairwise(created)]
    assert [g2 - g1 for g1, g2 in itertools.pairwise(gaps)] == [10.0, 20.0, 40.0]
    assert all(g >= 4 + 5 + d + 1 for g, d in zip(gaps, (10, 20, 40, 80), strict=True))
    assert created == [0.0, 20.0, 50.0, 100.0, 190.0]


def test_a_new_task_definition_resets_the_throttle() -> None:
    """§8.4: "A new task definition resets the throttle". Pulls fail during [0, 140); at 140 the
    service is throttled (whatever the exact restart times, the wait after the 3rd and later
    failures is 40 s or more, and the last failing task was created before 140). updateService to
    web:2 at 140: the throttle resets and the scheduler launches at once (reaction: 141); the
    task pulls at 145 (window over), RUNNING at 150, steady by 151. Without the update the next
    launch is still throttled at 141..149."""
    res = simulate(throttle_scenario([b.pull_failures(0, 140), b.deploy(140)]))
    web2 = rows(res, taskDefinition="web:2")
    assert [(r["createdAt"], r["runningAt"]) for r in web2] == [(141.0, 150.0)]
    assert max(column(res, "createdAt", taskDefinition="web:1")) < 140.0
    # A steady state once the scheduler sees it RUNNING: at 151 (reaction), or at 150 if a
    # throttle timer set before the reset happens to wake it then (harmless).
    (steady,) = [t for t, _ in events_with(res, "steady state")]
    assert 150.0 <= steady <= 151.0

    res_without = simulate(throttle_scenario([b.pull_failures(0, 140)]))
    later = [t for t in res_without.tasks["createdAt"] if t >= 140.0]
    assert later and min(later) >= 150.0


# ---------------------------------------------------------------------------------------------
# Scale-in is suspended during deployments (§6.1, §8.2)


def step_policies_on_queue(value_after_600: float, kind: str) -> dict[str, Any]:
    """A custom metric QueueDepth 50 until 600, then ``value_after_600``; a 1-of-1 alarm and a
    step policy removing (``in``) or adding (``out``) one task. The datapoint of [600, 660) is
    visible at 720 (60 s publish delay), seen by the alarm evaluated at 720; while in ALARM the
    alarm invokes its action again every minute (780, 840 …)."""
    dims = [{"Name": "QueueName", "Value": "jobs"}]
    if kind == "in":
        alarm_threshold, comparison, step = 20, "LessThanThreshold", {"MetricIntervalUpperBound": 0}
        adjustment = -1
    else:
        alarm_threshold, comparison, step = (
            100,
            "GreaterThanThreshold",
            {"MetricIntervalLowerBound": 0},
        )
        adjustment = 1
    return {
        "customMetrics": [
            {
                "MetricName": "QueueDepth",
                "Namespace": "App",
                "Dimensions": dims,
                "series": [{"at": 0, "value": 50}, {"at": 600, "value": value_after_600}],
            }
        ],
        "alarms": [
            {
                "AlarmName": "queue",
                "Namespace": "App",
                "MetricName": "QueueDepth",
                "Dimensions": dims,
                "Statistic": "Average",
                "Period": 60,
                "EvaluationPeriods": 1,
                "Threshold": alarm_threshold,
                "ComparisonOperator": comparison,
                "AlarmActions": ["step"],
            }
        ],
        "scalableTargets": b.scalable_target(1, 10),
        "scalingPolicies": [
            b.scaling_policy(
                "step",
                "StepScaling",
                {
                    "AdjustmentType": "ChangeInCapacity",
                    "StepAdjustments": [{**step, "ScalingAdjustment": adjustment}],
                    "Cooldown": 300,
                },
            )
        ],
    }


def test_scale_in_waits_for_the_deployment_to_complete() -> None:
    """§6.1: "Application Auto Scaling turns off scale-in processes while Amazon ECS deployments
    are in progress".

    Without a deployment the scale-in alarm fires at 720: desired 4 → 3 at 720. With a
    deployment at 715 (min 100 / max 200, desired 4): 716 start 4 web:2, RUNNING 725; 726 stop
    the 4 old ones, DEPROVISIONING 731; 732 completed. At 720 the deployment is in progress: no
    scale-in; the alarm, still in ALARM, invokes the policy again at 780: desired 4 → 3."""
    sections = step_policies_on_queue(5, "in")
    plain = simulate(deployment(4, events=[], duration=900, **sections))
    assert b.activities(plain) == [(720.0, 4, 3)]

    sc = deployment(4, events=[b.deploy(715)], duration=900, **sections)
    res = simulate(sc)
    assert [t for t, _ in events_with(res, "deployment completed")] == [732.0]
    assert b.activities(res) == [(780.0, 4, 3)]

    model, _ = b.recorded_model(sc)
    scheduler = model.schedulers["web"]
    b.run(model, 700)
    assert not scheduler.deployment_in_progress
    b.run(model, 720.5)
    assert scheduler.deployment_in_progress
    assert scheduler.desired == 4
    b.run(model, 731.5)
    assert scheduler.deployment_in_progress
    b.run(model, 732.5)
    assert not scheduler.deployment_in_progress


def test_scale_out_continues_during_a_deployment() -> None:
    """§6.1: "scale-out processes continue to occur, unless suspended, during a deployment":
    the scale-out alarm fires at 720 in the middle of the deployment started at 715: desired
    4 → 5 at 720, as without a deployment. The deployment then needs 5 web:2 tasks: 4 created at
    716, the 5th at 721 (room: ⌊5·2⌋ = 10 ≥ 9)."""
    sections = step_policies_on_queue(500, "out")
    plain = simulate(deployment(4, events=[], duration=900, **sections))
    assert b.activities(plain) == [(720.0, 4, 5)]
    res = simulate(deployment(4, events=[b.deploy(715)], duration=900, **sections))
    assert b.activities(res) == [(720.0, 4, 5)]
    assert column(res, "createdAt", taskDefinition="web:2") == [716.0] * 4 + [721.0]
