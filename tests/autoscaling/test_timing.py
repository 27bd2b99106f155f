"""End to end: a load step on a target-tracked service produces a scale-out whose timing follows
from the metric period, the alarm datapoints and the publishing delay (reference §6.1, §6.2, §11).

The scenario (every number constant, so every time below is derived by hand):

* ``web``: 2 tasks of 0.5 vCPU, MinCapacity 2, MaxCapacity 40. With the constant start-up of
  ``tests/builders.py`` a task created at ``t`` is RUNNING at ``t + 9`` and serves at ``t + 11``;
  the service scheduler reacts 1 s after a change of desired count.
* Requests arrive at exactly 2 /s before the step time ``T`` and 9 /s after it, each using
  0.1 vCPU-s: 0.2 then 0.9 vCPU of work on 1 vCPU, i.e. CPUUtilization 20 % then 90 % (§11:
  CPU used over the CPU of the RUNNING tasks; no queue, since 0.9 < 1).
* One target tracking policy, ``ECSServiceAverageCPUUtilization`` (60 s datapoints) or
  ``…HighResolution`` (20 s), TargetValue 32: AlarmHigh = 3 of 3 datapoints > 32, evaluated
  every min(60, Period) s; AlarmLow = 15 (45 for 20 s) datapoints < 0.9 × 32 = 28.8 (§6.2).
* ``model.cloudwatch.publishDelaySeconds`` is set explicitly: the datapoint of ``[s, s + P)`` is
  visible from ``s + P + delay`` (§11, a parameter).

Derivation. The period containing ``T`` averages the two levels: with ``o`` seconds of it
before ``T``, ``(o · 20 + (P − o) · 90) / P`` %. If that is above 32 it is the first breaching
datapoint, else the next period is. AlarmHigh goes to ALARM at the first evaluation (a multiple
of min(60, P)) at or after the third breaching period's end + delay; its newest datapoint is
90 %, so the policy asks for ceil(2 × 90 / 32) = ceil(5.625) = 6 tasks (§6.2 assumption: scale
out to ``ceil(running × metric / target)``, the running count as "starting point", §6.1). The
scheduler creates the 4 new tasks 1 s later and they are RUNNING 9 s after that.

============ ======= ====== ======================= ========== ============ ============
metric       T       delay  period containing T     scale-out  step → act.  step → RUNNING
============ ======= ====== ======================= ========== ============ ============
60 s         600     60     (starts at T)           840        240 s        250 s
60 s         640     60     [600, 660) 43.3 % > 32  840        200 s        210 s
60 s         655     60     [600, 660) 25.8 % ≤ 32  900        245 s        255 s
60 s         640     90     [600, 660) 43.3 % > 32  900        260 s        270 s
60 s         640     0      [600, 660) 43.3 % > 32  780        140 s        150 s
20 s (HR)    600     60     (starts at T)           720        120 s        130 s
20 s (HR)    645     60     [640, 660) 72.5 % > 32  760        115 s        125 s
20 s (HR)    658     60     [640, 660) 27.0 % ≤ 32  780        122 s        132 s
20 s (HR)    645     30     [640, 660) 72.5 % > 32  740         95 s        105 s
============ ======= ====== ======================= ========== ============ ============

In general, with the default publish delay of 60 s and ``o = T mod P``: a step on a period
boundary scales out 3P + 60 s after it (60 s metric: **240 s**; 20 s metric: **120 s**); any
other step scales out ``3P + 60 − o`` s after it when the period containing T already breaches,
``4P + 60 − o`` s when it does not: **180–300 s** for 60 s metrics, **100–140 s** for 20 s
metrics. The new tasks are RUNNING a scheduler reaction (1 s) plus their start-up to RUNNING
(9 s here; about 24 s with the default start-up model for this 40 MiB image on 0.5 vCPU) later.

Also here: scale-in only after 15 consecutive low datapoints and not within ScaleInCooldown
(§6.2, §6.1), and a second scale-out within ScaleOutCooldown only if larger (§6.1).
"""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np
import pytest

from fargasim.engine import simulate
from fargasim.result import Result
from tests import builders as b

CPU = "ECSServiceAverageCPUUtilization"
CPU_HR = "ECSServiceAverageCPUUtilizationHighResolution"
TARGET = 32.0
REACTION = b.REACTION  # 1 s
RUNNING = b.RUNNING  # 9 s from createdAt


def cpu_policy(metric: str = CPU, target: float = TARGET, **config: Any) -> list[dict[str, Any]]:
    return [
        b.scaling_policy(
            "cpu",
            "TargetTrackingScaling",
            {
                "TargetValue": target,
                "PredefinedMetricSpecification": {"PredefinedMetricType": metric},
                **config,
            },
        )
    ]


def run(
    *points: tuple[float, float],
    metric: str = CPU,
    delay: float = 60.0,
    duration: float = 1500.0,
    desired: int = 2,
    min_capacity: int = 2,
    max_capacity: int = 40,
    target: float = TARGET,
    startup: dict[str, Any] | None = None,
    base: str = "runningCount",
    **config: Any,
) -> Result:
    model = b.merge(
        b.CONSTANT_MODEL,
        {
            "cloudwatch": {"publishDelaySeconds": delay},
            "autoscaling": {"scaleOutBaseInCooldown": base},
        },
    )
    if startup:
        model = b.merge(model, {"startup": startup})
    sc = b.scenario(
        duration=duration,
        services=b.service(desiredCount=desired),
        scalableTargets=b.scalable_target(min_capacity, max_capacity),
        scalingPolicies=cpu_policy(metric, target, **config),
        workload=b.exact_cpu_load(*points),
        model=model,
    )
    return simulate(sc)


def datapoint(res: Result, timestamp: float, period: float) -> float:
    """The published CPUUtilization average of the period starting at ``timestamp``."""
    m = res.metrics
    for i in range(len(m)):
        if (
            m["metricName"][i] == "CPUUtilization"
            and m["period"][i] == period
            and m["timestamp"][i] == timestamp
        ):
            return float(m["average"][i])
    raise AssertionError(f"no CPUUtilization datapoint at {timestamp}")


def alarm_changes(res: Result, kind: str) -> list[tuple[float, str, str]]:
    h = res.alarm_history
    return [
        (float(h["time"][i]), h["oldState"][i], h["newState"][i])
        for i in range(len(h))
        if f"-{kind}-" in h["alarm"][i]
    ]


# ------------------------------------------------------------------- the scale-out timing

# (metric, T, delay, period start containing T, its hand-computed average, activity time)
STEP_CASES = [
    pytest.param(CPU, 600.0, 60.0, 600.0, 90.0, 840.0, id="60s-T600"),
    pytest.param(CPU, 640.0, 60.0, 600.0, (40 * 20 + 20 * 90) / 60, 840.0, id="60s-T640"),
    pytest.param(CPU, 655.0, 60.0, 600.0, (55 * 20 + 5 * 90) / 60, 900.0, id="60s-T655"),
    pytest.param(CPU, 640.0, 90.0, 600.0, (40 * 20 + 20 * 90) / 60, 900.0, id="60s-T640-d90"),
    pytest.param(CPU, 640.0, 0.0, 600.0, (40 * 20 + 20 * 90) / 60, 780.0, id="60s-T640-d0"),
    pytest.param(CPU_HR, 600.0, 60.0, 600.0, 90.0, 720.0, id="20s-T600"),
    pytest.param(CPU_HR, 645.0, 60.0, 640.0, (5 * 20 + 15 * 90) / 20, 760.0, id="20s-T645"),
    pytest.param(CPU_HR, 658.0, 60.0, 640.0, (18 * 20 + 2 * 90) / 20, 780.0, id="20s-T658"),
    pytest.param(CPU_HR, 645.0, 30.0, 640.0, (5 * 20 + 15 * 90) / 20, 740.0, id="20s-T645-d30"),
]


def expected_activity_time(period: float, step: float, delay: float, containing: float) -> float:
    """The derivation of the module docstring, step by step."""
    boundary = math.floor(step / period) * period
    first = boundary if containing > TARGET else boundary + period
    third_end = first + 3 * period
    cadence = min(60.0, period)
    return math.ceil((third_end + delay) / cadence) * cadence


@pytest.mark.parametrize(("metric", "step", "delay", "start", "partial", "at"), STEP_CASES)
def test_load_step_scale_out_timing(
    metric: str, step: float, delay: float, start: float, partial: float, at: float
) -> None:
    """§6.2 AlarmHigh (3 of 3 datapoints above the target), §11 one datapoint per period
    visible ``delay`` after its end, §6.1 the running count as starting point."""
    period = 20.0 if metric == CPU_HR else 60.0
    assert expected_activity_time(period, step, delay, partial) == at  # the table agrees
    res = run((0, 2), (step, 9), metric=metric, delay=delay, duration=at + 30)

    # The datapoints are what the derivation assumed: 20 %, the partial period, then 90 %.
    assert datapoint(res, start - period, period) == pytest.approx(20.0)
    assert datapoint(res, start, period) == pytest.approx(partial)
    assert datapoint(res, start + period, period) == pytest.approx(90.0)
    m = res.metrics
    visible = {
        float(m["timestamp"][i]): float(m["visibleAt"][i])
        for i in range(len(m))
        if m["metricName"][i] == "CPUUtilization"
    }
    assert visible[start] == start + period + delay

    # The scale-out: at the derived time, from 2 to ceil(2 × 90 / 32) = 6.
    first = b.activities(res)[0]
    assert first == (at, 2, 6)
    cause = res.scaling_activities["cause"][0]
    assert re.fullmatch(
        r"monitor alarm TargetTracking-service/default/web-AlarmHigh-[0-9a-f-]{36} in state "
        r"ALARM triggered policy cpu changing the desired capacity from 2 to 6\.",
        cause,
    ), cause
    assert (at, "OK", "ALARM") in alarm_changes(res, "AlarmHigh")
    assert not any(t < at and new == "ALARM" for t, _, new in alarm_changes(res, "AlarmHigh"))

    # The 4 new tasks: created after the scheduler's reaction, RUNNING after the start-up.
    tasks = res.tasks
    new = [i for i in range(len(tasks)) if tasks["createdAt"][i] > 0]
    assert len(new) == 4
    assert all(tasks["createdAt"][i] == at + REACTION for i in new)
    assert all(tasks["runningAt"][i] == at + REACTION + RUNNING for i in new)
    # The timeseries sees desired 6 from the activity on (rows every 10 s).
    ts = res.timeseries
    row = int(np.searchsorted(ts["time"], at))
    assert ts["time"][row] == at
    assert ts["web.desiredCount"][row - 1] == 2 and ts["web.desiredCount"][row] == 6
    assert ts["web.runningCount"][row] == 2


def test_high_resolution_publishes_20_second_datapoints() -> None:
    """§6.2: "By default, Amazon ECS publishes CPUUtilization and MemoryUtilization metrics at
    60-second resolution. You can configure 20-second resolution." With the HighResolution
    policy the service's datapoints are 20 s, and the alarms are evaluated every 20 s."""
    res = run((0, 2), metric=CPU_HR, duration=300)
    m = res.metrics
    periods = {float(m["period"][i]) for i in range(len(m)) if m["namespace"][i] == "AWS/ECS"}
    assert periods == {20.0}
    res60 = run((0, 2), duration=300)
    m = res60.metrics
    periods = {float(m["period"][i]) for i in range(len(m)) if m["namespace"][i] == "AWS/ECS"}
    assert periods == {60.0}
    # 20 s evaluations: the high alarm leaves INSUFFICIENT_DATA at the first multiple of 20 s
    # at which a datapoint is visible: [0, 20) has RUNNING tasks from 9 s, visible at 80 s.
    assert alarm_changes(res, "AlarmHigh")[0] == (80.0, "INSUFFICIENT_DATA", "OK")
    # 60 s: [0, 60) is visible at 120 s, the first evaluation at or after it.
    assert alarm_changes(res60, "AlarmHigh")[0] == (120.0, "INSUFFICIENT_DATA", "OK")


# ----------------------------------------------------------------------------- scale-in


def test_scale_in_waits_for_15_low_datapoints_then_for_the_scale_in_cooldown() -> None:
    """§6.2: AlarmLow "has 15 data points configured. This means the scale-in activity will need
    at least 15 consecutive minutes before triggering the alarm"; §6.1 "scale-in activities are
    blocked until the cooldown period has expired"; ScaleInCooldown defaults to 300 s for ECS.

    10 tasks (5 vCPU), target 50 %, AlarmLow below 45 %. 2 vCPU of work (20 req/s) → 40 %
    (the first period, RUNNING from 9 s and serving from 11 s: 49 · 2 / (10 · 51 · 0.5) =
    38.4 %). Low datapoints [0, 60) … [840, 900): the 15th is visible at 960 → AlarmLow ALARM at
    960, newest datapoint 40 % → ceil(10 × 40 / 50) = 8. At 960 the load halves (10 req/s):
    [960, 1020) is 60 / ((8 · 60 + 2 · 1) · 0.5) = 24.9 %, then 25 %, all low, so AlarmLow stays
    in ALARM and re-invokes the policy every minute, which asks for ceil(8 × 40 / 50) = 7 at
    1020 and ceil(8 × 25 / 50) = 4 afterwards — refused until 960 + 300 = 1260.
    """
    res = run((0, 20), (960, 10), desired=10, min_capacity=1, max_capacity=10, target=50)
    assert b.activities(res) == [(960.0, 10, 8), (1260.0, 8, 4)]
    low = alarm_changes(res, "AlarmLow")
    assert [c for c in low if c[2] == "ALARM"] == [(960.0, "INSUFFICIENT_DATA", "ALARM")]


def test_a_shorter_scale_in_cooldown_lets_the_second_scale_in_through_sooner() -> None:
    """Same as above with ScaleInCooldown 120: the first re-invocation at or after 960 + 120 =
    1080 sees [960, 1020) = 24.9 % → ceil(8 × 24.9 / 50) = ceil(3.98) = 4."""
    res = run(
        (0, 20),
        (960, 10),
        desired=10,
        min_capacity=1,
        max_capacity=10,
        target=50,
        ScaleInCooldown=120,
    )
    assert b.activities(res) == [(960.0, 10, 8), (1080.0, 8, 4)]


def test_one_datapoint_that_is_not_low_restarts_the_15() -> None:
    """A minute at 48 % (not below 45) at [300, 360) breaks the run of low datapoints: the 15
    consecutive ones are [360, 420) … [1200, 1260), the last visible at 1320."""
    res = run(
        (0, 20),
        (300, 24),
        (360, 20),
        desired=10,
        min_capacity=1,
        max_capacity=10,
        target=50,
        duration=1400,
    )
    assert datapoint(res, 300.0, 60.0) == pytest.approx(48.0)
    assert b.activities(res) == [(1320.0, 10, 8)]


# ------------------------------------------------------------------ the scale-out cooldown


def test_second_scale_out_within_the_cooldown_happens_when_larger() -> None:
    """§6.1: "The scaling policy won't increase the desired capacity again unless either a
    larger scale out is initiated or the cooldown period ends. While the scale-out cooldown
    period is in effect, the capacity added by the initiating scale-out activity is calculated
    as part of the desired capacity for the next scale-out activity."

    2 tasks, target 32. 60 % from 600 (6 req/s), 90 % from 780 (9 req/s). Slow start-up
    (provisioning 70 s: RUNNING 76 s after creation) keeps the new tasks out of the running
    count until the second decision. AlarmHigh: 60 % at [600, 660) … [720, 780) → ALARM at 840,
    ceil(2 × 60 / 32) = 4. [780, 840) = 90 % is visible at 900, when the alarm (still in ALARM)
    invokes the policy again: ceil(2 × 90 / 32) = 6 > 4, a larger scale-out, inside the
    ScaleOutCooldown that runs to 1140: 4 → 6, adding only the 2 that the 4 did not cover.
    """
    res = run(
        (0, 2),
        (600, 6),
        (780, 9),
        startup={"provisioningSeconds": b.const(70)},
        duration=930,
    )
    assert b.activities(res)[:2] == [(840.0, 2, 4), (900.0, 4, 6)]


def test_no_second_scale_out_within_the_cooldown_when_not_larger() -> None:
    """§6.1 again: the load stays at 90 % of 2 tasks after the step at 640, so every later
    proposal is the same scale-out (to ceil(2 × 90 / 32) = 6), not a larger one; the capacity
    added at 840 "is calculated as part of the desired capacity for the next scale-out".

    Timeline: 2 → 6 at 840 (see the table); the new tasks are RUNNING at 850. AlarmHigh stays in
    ALARM while its 3 newest datapoints breach and re-invokes the policy every minute: at 900
    its newest datapoint is still [780, 840) = 90 %, measured on 2 tasks; at 960 it is
    [840, 900) = 54 / ((2 · 60 + 4 · 50) · 0.5) = 33.75 %, partly measured on 2 tasks. Neither
    says more than 6 tasks are needed for this load (90 % of 2 tasks = 30 % of 6). From 1020 the
    datapoints are 54 / (6 · 60 · 0.5) = 30 %: AlarmHigh OK (30 ≤ 32) and AlarmLow never low
    (30 ≥ 28.8). So the whole run has one activity.
    """
    res = run((0, 2), (640, 9), duration=1500, base="capacityBeforeScaleOut")
    assert datapoint(res, 840.0, 60.0) == pytest.approx(33.75)
    assert b.activities(res) == [(840.0, 2, 6)]
    assert datapoint(res, 960.0, 60.0) == pytest.approx(30.0)


def test_with_the_running_count_as_base_a_stale_datapoint_compounds() -> None:
    """The default base is the RUNNING count (§6.1: "the actual running task count in a service
    is the value that Service Auto Scaling uses as its starting point"). At 900 AlarmHigh
    re-invokes the policy with its newest datapoint still [780, 840) = 90 %, measured on 2
    tasks, while 6 tasks now run: ceil(6 × 90 / 32) = ceil(16.875) = 17 > 6 is "a larger scale
    out" and goes through — the overshoot that a stale metric causes."""
    res = run((0, 2), (640, 9), duration=1000)
    assert b.activities(res)[:2] == [(840.0, 2, 6), (900.0, 6, 17)]
