"""Fargate Spot interruptions and random or scripted task faults, through the engine (reference
§7.3, §3.2, §1.1, §8.1, §8.4).

§7.3: "When tasks using Fargate Spot capacity are stopped due to a Spot interruption, a
two-minute warning is sent before a task is stopped. The warning is sent as a task state change
event to Amazon EventBridge and as a SIGTERM signal to the running task." "If you use Fargate
Spot as part of a service … the service scheduler receives the interruption signal and attempts
to launch additional tasks on Fargate Spot if there's capacity available." The example event has
``"stopCode": "TerminationNotice"``, ``"stoppedReason": "Your Spot Task was interrupted."`` (§3.2).
AWS publishes no interruption or fault frequency (§12): fargasim draws exponential times with
the rates ``model.spot.interruptionsPerTaskHour`` (counted from launch, per AZ overridable) and
``model.faults.containerExitsPerTaskHour`` (counted from RUNNING), and fails an image pull with
probability ``model.faults.imagePullFailureProbability``. The statistical tests compare the
counts of one seeded run with a 99.9 % Poisson or binomial interval computed here with
scipy.stats from the exposure the run itself had.

CONSTANT_MODEL timings (tests/builders.py): created t → pull t+4 → RUNNING t+9; a graceful stop
at s while RUNNING: DEACTIVATING 1, STOPPING 4, DEPROVISIONING 5 → STOPPED s+10; the scheduler
reacts 1 s after a change.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

import numpy as np
import pytest
from scipy import stats

from fargasim.engine import simulate
from fargasim.result import Result
from tests import builders as b

SPOT = "FARGATE_SPOT"
SPOT_ONLY = [{"capacityProvider": SPOT, "weight": 1}]
SPOT_REASON = "Your Spot Task was interrupted."
CRASH_REASON = "Essential container in task exited"
CONFIDENCE = 0.999


def rows(res: Result) -> list[dict[str, Any]]:
    t = res.tasks
    return [{name: t[name][i] for name in t.names} for i in range(len(t))]


def poisson_interval(mean: float) -> tuple[float, float]:
    low, high = stats.poisson.interval(CONFIDENCE, mean)
    return float(low), float(high)


def spot_model(**spot: Any) -> dict[str, Any]:
    return {**b.CONSTANT_MODEL, "spot": spot}


def faults_model(**faults: Any) -> dict[str, Any]:
    return {**b.CONSTANT_MODEL, "faults": faults}


# -- §7.3 scripted Spot interruption ---------------------------------------------------------

LB_TASK_DEFINITION = b.task_definition(
    containerDefinitions=[
        {
            "name": "app",
            "image": "registry.example/app:1",
            "essential": True,
            "portMappings": [{"containerPort": 80}],
        }
    ]
)


def _interrupted_behind_a_load_balancer(**model: Any) -> Result:
    """Spot-only web (desired 2) behind web-tg with a 300 s deregistration delay; at t=100 a
    spotInterruption of one task."""
    sc = b.scenario(
        duration=400,
        targetGroups=[
            {
                "Name": "web-tg",
                "Attributes": [{"Key": "deregistration_delay.timeout_seconds", "Value": "300"}],
            }
        ],
        taskDefinitions=LB_TASK_DEFINITION,
        services=b.service(
            desiredCount=2,
            launchType=None,
            capacityProviderStrategy=SPOT_ONLY,
            loadBalancers=[
                {"targetGroupArn": "web-tg", "containerName": "app", "containerPort": 80}
            ],
        ),
        events=[{"at": 100, "spotInterruption": {"service": "web", "count": 1}}],
        model=model,
    )
    return simulate(sc)


def test_spot_interruption_stop_code_replacement_and_two_minute_cut() -> None:
    """§7.3 two-minute warning, §3.2 example event. Interruption at t=100 of one of two RUNNING
    Spot tasks behind a target group whose deregistration delay is 300 s:

    * stopCode TerminationNotice, stoppedReason "Your Spot Task was interrupted.", stoppingAt 100;
    * the scheduler replaces it on FARGATE_SPOT at 100 + 1 (reaction) = 101 (RUNNING at 110);
    * draining would take 300 s, but "a two-minute warning is sent before a task is stopped":
      the containers are gone at 100 + 120 = 220 (the drain is cut; no STOPPING time is left),
      DEPROVISIONING 5 s → stoppedAt 225. Billed from pull start (4) to 220: 216 s (§1.1),
      i.e. execution stop = pullStartedAt + billedSeconds = 220 ≤ t + 120.
    * the survivor is untouched."""
    res = _interrupted_behind_a_load_balancer()
    tasks = rows(res)
    assert len(tasks) == 3
    victim = next(r for r in tasks if r["stopCode"])
    assert victim["stopCode"] == "TerminationNotice"
    assert victim["stoppedReason"] == SPOT_REASON
    assert victim["stoppingAt"] == 100.0
    assert victim["pullStartedAt"] + victim["billedSeconds"] == 220.0
    assert victim["billedSeconds"] == 216
    assert victim["stoppedAt"] == 225.0
    replacement = tasks[2]
    assert replacement["capacityProvider"] == SPOT
    assert replacement["createdAt"] == 101.0
    assert replacement["runningAt"] == 110.0
    assert sum(1 for r in tasks if r["stopCode"] == "") == 2
    assert all(r["capacityProvider"] == SPOT for r in tasks)
    warning = [e for e in res.service_events if "interruption warning" in e["message"]]
    assert [e["time"] for e in warning] == [100.0]


def test_spot_interruption_stop_code_setting() -> None:
    """§3.2: the TaskStopCode list also has SpotInterruption; ``model.spot.stopCode:
    SpotInterruption`` switches the code, the rest is the same (stoppedAt 225)."""
    res = _interrupted_behind_a_load_balancer(spot={"stopCode": "SpotInterruption"})
    victim = next(r for r in rows(res) if r["stopCode"])
    assert (victim["stopCode"], victim["stoppedReason"]) == ("SpotInterruption", SPOT_REASON)
    assert victim["stoppedAt"] == 225.0


def test_spot_interruption_without_a_load_balancer_stops_normally_within_the_warning() -> None:
    """§7.3 / §3.2: with no drain to cut, the interrupted task goes DEACTIVATING 1 s, STOPPING
    (SIGTERM, the app exits in 4 s), DEPROVISIONING 5 s: interrupted at 50 → containers gone at
    55 (≤ 50 + 120), STOPPED at 60; billed 55 − 4 = 51 s → the 60 s minimum (§1.1).
    ``fraction: 1`` interrupts both Spot tasks; both are replaced at 51."""
    sc = b.scenario(
        duration=200,
        services=b.service(desiredCount=2, launchType=None, capacityProviderStrategy=SPOT_ONLY),
        events=[{"at": 50, "spotInterruption": {"fraction": 1}}],
    )
    tasks = rows(simulate(sc))
    stopped = [r for r in tasks if r["stopCode"]]
    assert [(r["stopCode"], r["stoppingAt"], r["stoppedAt"]) for r in stopped] == [
        ("TerminationNotice", 50.0, 60.0)
    ] * 2
    assert [r["billedSeconds"] for r in stopped] == [60, 60]
    assert sorted(r["createdAt"] for r in tasks if not r["stopCode"]) == [51.0, 51.0]


# -- §7.3 random Spot interruptions -----------------------------------------------------------


def test_spot_interruption_rate_per_az_matches_the_hazard() -> None:
    """§7.3 / §12: each Spot task is interrupted after an exponential time with rate λ per
    task-hour counted from its launch; λ = 2 in general, overridden per AZ: us-east-1a 0 (never),
    us-east-1c 4. Spot-only, desired 30, 24 h; every interrupted task is replaced.

    Exposure of a task = from createdAt until its stop request (stoppingAt) or the end. The
    interruptions in an AZ are then Poisson with mean λ_AZ × exposure_AZ (in hours); the count
    must lie in the 99.9 % Poisson interval. In 1a there are none, and its 10 tasks (30 over 3
    AZs) are never replaced."""
    end = 24 * 3600
    rates = {"us-east-1a": 0.0, "us-east-1b": 2.0, "us-east-1c": 4.0}
    sc = b.scenario(
        duration=end,
        services=b.service(desiredCount=30, launchType=None, capacityProviderStrategy=SPOT_ONLY),
        model=spot_model(
            interruptionsPerTaskHour=2.0,
            availabilityZones={"us-east-1a": 0.0, "us-east-1c": 4.0},
        ),
        output={"sampleInterval": 3600},
    )
    tasks = rows(simulate(sc))
    for az, rate in rates.items():
        mine = [r for r in tasks if r["availabilityZone"] == az]
        hours = (
            sum(
                (min(end, r["stoppingAt"]) if not math.isnan(r["stoppingAt"]) else end)
                - r["createdAt"]
                for r in mine
            )
            / 3600.0
        )
        interrupted = sum(1 for r in mine if r["stopCode"] == "TerminationNotice")
        if rate == 0:
            assert interrupted == 0
            assert len(mine) == 10 and hours == pytest.approx(10 * 24)
        else:
            low, high = poisson_interval(rate * hours)
            assert low <= interrupted <= high, (az, interrupted, rate * hours)
            assert interrupted > 100  # the test has power: λ × hours is in the hundreds
    assert all(r["stoppedReason"] == SPOT_REASON for r in tasks if r["stopCode"])
    assert {r["capacityProvider"] for r in tasks} == {SPOT}


def test_on_demand_tasks_are_never_spot_interrupted() -> None:
    """§7.3: only tasks on Fargate Spot capacity are interrupted. Strategy FARGATE weight 1 +
    FARGATE_SPOT weight 1 (desired 10 → 5 + 5), λ = 20 per task-hour for 2 h: Spot tasks are
    interrupted (mean about 5 × 2 × 20 = 200), FARGATE ones never."""
    strategy = [
        {"capacityProvider": "FARGATE", "weight": 1},
        {"capacityProvider": SPOT, "weight": 1},
    ]
    sc = b.scenario(
        duration=7200,
        services=b.service(desiredCount=10, launchType=None, capacityProviderStrategy=strategy),
        model=spot_model(interruptionsPerTaskHour=20.0),
        output={"sampleInterval": 600},
    )
    tasks = rows(simulate(sc))
    codes = Counter((r["capacityProvider"], r["stopCode"]) for r in tasks if r["stopCode"])
    assert set(codes) == {(SPOT, "TerminationNotice")}
    assert codes[(SPOT, "TerminationNotice")] > 100
    assert sum(1 for r in tasks if r["capacityProvider"] == "FARGATE") == 5


# -- §3.2 essential container exits -----------------------------------------------------------


def test_crash_rate_matches_the_hazard_and_crashed_tasks_are_replaced() -> None:
    """§3.2 stop code EssentialContainerExited; §8.1 "If one of your tasks fails or stops, the
    Amazon ECS service scheduler launches another instance". Crash rate μ = 2 per RUNNING
    task-hour, desired 30, 12 h.

    Exposure = from runningAt until stoppingAt (or the end); crashes ~ Poisson(μ × exposure),
    checked against the 99.9 % interval. Every crash is replaced 1 s later (reaction), so the
    tasks launched after t=0 are the crashes, give or take those in the last second of the run.
    """
    end = 12 * 3600
    sc = b.scenario(
        duration=end,
        services=b.service(desiredCount=30),
        model=faults_model(containerExitsPerTaskHour=2.0),
        output={"sampleInterval": 3600},
    )
    res = simulate(sc)
    tasks = rows(res)
    hours = (
        sum(
            (min(end, r["stoppingAt"]) if not math.isnan(r["stoppingAt"]) else end) - r["runningAt"]
            for r in tasks
            if not math.isnan(r["runningAt"])
        )
        / 3600.0
    )
    crashed = [r for r in tasks if r["stopCode"]]
    assert {(r["stopCode"], r["stoppedReason"]) for r in crashed} == {
        ("EssentialContainerExited", CRASH_REASON)
    }
    low, high = poisson_interval(2.0 * hours)
    assert low <= len(crashed) <= high, (len(crashed), 2.0 * hours)
    assert len(crashed) > 300
    replacements = sum(1 for r in tasks if r["createdAt"] > 0)
    before_last_second = sum(1 for r in crashed if r["stoppingAt"] + b.REACTION < end)
    assert before_last_second <= replacements <= len(crashed)
    assert res.timeseries["web.desiredCount"][-1] == 30


def test_scripted_container_exit_skips_the_stopping_wait_and_is_replaced() -> None:
    """§3.2 EssentialContainerExited via a ``containerExit`` event at t=50 on one of 3 tasks
    (lifecycle stop mode ``exited``: the containers are already gone, no SIGTERM wait):
    DEACTIVATING 50..51, STOPPING 0 s, DEPROVISIONING 51..56 → STOPPED 56. Billed 51 − 4 = 47 s
    → 60 s (§1.1). The replacement is created at 51, in the same AZ (§8.1 balance)."""
    sc = b.scenario(
        duration=200,
        services=b.service(desiredCount=3),
        events=[{"at": 50, "containerExit": {"service": "web", "count": 1}}],
    )
    tasks = rows(simulate(sc))
    assert len(tasks) == 4
    crashed = next(r for r in tasks if r["stopCode"])
    assert (crashed["stopCode"], crashed["stoppedReason"]) == (
        "EssentialContainerExited",
        CRASH_REASON,
    )
    assert (crashed["stoppingAt"], crashed["stoppedAt"], crashed["billedSeconds"]) == (
        50.0,
        56.0,
        60,
    )
    replacement = tasks[3]
    assert replacement["createdAt"] == 51.0
    assert replacement["availabilityZone"] == crashed["availabilityZone"]


# -- image pull failures ----------------------------------------------------------------------


def test_image_pull_failure_fraction_and_billing() -> None:
    """Each pull fails with probability p = 0.25 (``imagePullFailureProbability``), the failure
    stopping the task ``imagePullFailureSeconds`` = 90 s after the pull started, with stop code
    TaskFailedToStart (§3.2) before RUNNING (the service throttle, §8.4, spaces out restarts).
    desired 300, 3 h; RUNNING tasks also crash at 1 per task-hour so that there are many
    launches (crashes happen only after RUNNING, so they do not touch the pull outcome).

    * Among the tasks whose pull outcome is known by the end (pull started ≤ end − 91 s), the
      number that failed is Binomial(n, 0.25): inside its 99.9 % interval.
    * §1.1 "Duration is calculated from the time you start to download your container image …
      until the task terminates", "with a 1-minute minimum": a failed task is billed 90 s
      (pull start → failure), ≥ 60, with a cost > 0, and never reached RUNNING; its stoppedAt is
      the failure + DEPROVISIONING 5 s (no RUNNING → no DEACTIVATING or STOPPING wait).
    """
    end = 3 * 3600
    sc = b.scenario(
        duration=end,
        services=b.service(desiredCount=300),
        model=faults_model(
            imagePullFailureProbability=0.25,
            imagePullFailureSeconds=b.const(90),
            containerExitsPerTaskHour=1.0,
        ),
        output={"sampleInterval": 600},
    )
    res = simulate(sc)
    tasks = rows(res)
    known = [r for r in tasks if r["pullStartedAt"] <= end - 91]
    failed = [r for r in known if r["stopCode"] == "TaskFailedToStart"]
    n = len(known)
    low, high = stats.binom.interval(CONFIDENCE, n, 0.25)
    assert low <= len(failed) <= high, (len(failed), n)
    assert n > 1000
    for r in (r for r in tasks if r["stopCode"] == "TaskFailedToStart"):
        assert math.isnan(r["runningAt"])
        assert r["billedSeconds"] == 90
        assert r["costUsd"] > 0
        assert r["stoppingAt"] == r["pullStartedAt"] + 90
        assert r["stoppedAt"] == r["stoppingAt"] + 5
        assert r["stoppedReason"].startswith("CannotPullContainerError")
    succeeded = [r for r in known if r["stopCode"] != "TaskFailedToStart"]
    assert all(not math.isnan(r["runningAt"]) for r in succeeded)


def test_short_pull_failure_is_billed_the_one_minute_minimum() -> None:
    """§1.1 "per second with a 1-minute minimum": a scripted ``imagePullFailure`` window (0–20 s)
    with imagePullFailureSeconds 30: the task created at 0 starts its pull at 4 and fails at 34
    (30 s of pull) → billed 60 s, stoppedAt 34 + 5 = 39, never RUNNING. Its replacement (created
    after the window) pulls fine and runs."""
    sc = b.scenario(
        duration=200,
        services=b.service(desiredCount=1),
        events=[{"at": 0, "imagePullFailure": {"service": "web", "duration": 20}}],
        model=faults_model(imagePullFailureSeconds=b.const(30)),
    )
    tasks = rows(simulate(sc))
    first = tasks[0]
    assert first["stopCode"] == "TaskFailedToStart"
    assert (first["pullStartedAt"], first["stoppingAt"], first["stoppedAt"]) == (4.0, 34.0, 39.0)
    assert math.isnan(first["runningAt"])
    assert first["billedSeconds"] == 60
    assert len(tasks) == 2
    assert tasks[1]["stopCode"] == "" and not math.isnan(tasks[1]["runningAt"])


# -- §3.2 StopTask ----------------------------------------------------------------------------


def test_stop_task_event_is_user_initiated_and_replaced() -> None:
    """§3.2 UserInitiated; §8.1 replacement. ``stopTask`` at t=50 with reason "Scheduled
    maintenance" on one of 3 tasks: stopCode UserInitiated, that reason, graceful stop:
    DEACTIVATING 50..51, STOPPING 51..55, DEPROVISIONING 55..60 → STOPPED 60; billed 55 − 4 = 51
    → 60 s. The scheduler replaces it at 51 in the same AZ. Without a reason the schema's
    default "Task stopped by user" is used."""
    sc = b.scenario(
        duration=200,
        services=b.service(desiredCount=3),
        events=[
            {
                "at": 50,
                "stopTask": {"service": "web", "count": 1, "reason": "Scheduled maintenance"},
            },
            {"at": 100, "stopTask": {"availabilityZone": "us-east-1c"}},
        ],
    )
    tasks = rows(simulate(sc))
    first = [r for r in tasks if r["stoppingAt"] == 50.0]
    assert len(first) == 1
    victim = first[0]
    assert (victim["stopCode"], victim["stoppedReason"]) == (
        "UserInitiated",
        "Scheduled maintenance",
    )
    assert victim["stoppedAt"] == 60.0
    assert victim["billedSeconds"] == 60
    replacement = next(r for r in tasks if r["createdAt"] == 51.0)
    assert replacement["availabilityZone"] == victim["availabilityZone"]
    second = [r for r in tasks if r["stoppingAt"] == 100.0]
    assert [(r["availabilityZone"], r["stopCode"], r["stoppedReason"]) for r in second] == [
        ("us-east-1c", "UserInitiated", "Task stopped by user")
    ]
    assert [r["availabilityZone"] for r in tasks if r["createdAt"] == 101.0] == ["us-east-1c"]
    assert np.isnan([r["stoppingAt"] for r in tasks if r not in first and r not in second]).all()
