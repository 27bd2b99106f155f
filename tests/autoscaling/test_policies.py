"""Scaling policies through the engine: step scaling on a custom metric with a user alarm
(reference §6.3), target tracking with DisableScaleIn, with two policies, without data, and from
zero capacity (§6.1, §6.2).

Common timing (``tests/builders.py`` and the defaults): a ``customMetrics`` series is sampled
every 10 s and averaged into 60 s datapoints; the datapoint of ``[s, s + 60)`` is visible at
``s + 120`` (publish delay 60 s); alarms are evaluated every 60 s; "an alarm invokes an Auto
Scaling action once each minute when the alarm remains in a new state" (CloudWatch, see
``fargasim.cloudwatch.alarms``). A series stepping to ``v`` at 600 therefore gives a first
datapoint ``v`` at [600, 660), seen by a 1-of-1 alarm at 720. A task created at ``t`` is RUNNING
at ``t + 9``; the scheduler reacts 1 s after a change.

§6.3 (Application Auto Scaling User Guide, step scaling): bounds are relative to the alarm
threshold: "If the metric value is above the breach threshold, the lower bound is inclusive and
the upper bound is exclusive. If the metric value is below the breach threshold, the lower bound
is exclusive and the upper bound is inclusive." Percent rounding: "Values greater than 1 are
rounded down … 12.7 → 12. Values between 0 and 1 are rounded to 1. Values between 0 and -1 are
rounded to -1. Values less than -1 are rounded up … -6.67 → -6." MinAdjustmentMagnitude: "if the
computed change is smaller, capacity changes by MinAdjustmentMagnitude instead" (the guide: 25 %
of 4 is 1, with a minimum of 2 "Application Auto Scaling adds 2"). Cooldown: "If the alarm
triggers again during the cooldown period but at a more aggressive step adjustment of 3, the
previous increase of 2 is considered part of the current capacity. Therefore, only 1 is added."
"""

from __future__ import annotations

from typing import Any

import pytest

from fargasim.engine import simulate
from fargasim.result import Result
from tests import builders as b

RESOURCE = b.RESOURCE
QUEUE_DIMENSIONS = [{"Name": "QueueName", "Value": "jobs"}]


def queue_metric(*points: tuple[float, float]) -> list[dict[str, Any]]:
    return [
        {
            "MetricName": "QueueDepth",
            "Namespace": "App",
            "Dimensions": QUEUE_DIMENSIONS,
            "series": [{"at": at, "value": value} for at, value in points],
        }
    ]


def step_policy(
    name: str,
    adjustment_type: str,
    steps: list[tuple[float | None, float | None, int]],
    cooldown: int = 300,
    **extra: Any,
) -> dict[str, Any]:
    adjustments = []
    for lower, upper, adjustment in steps:
        item: dict[str, Any] = {"ScalingAdjustment": adjustment}
        if lower is not None:
            item["MetricIntervalLowerBound"] = lower
        if upper is not None:
            item["MetricIntervalUpperBound"] = upper
        adjustments.append(item)
    return b.scaling_policy(
        name,
        "StepScaling",
        {
            "AdjustmentType": adjustment_type,
            "StepAdjustments": adjustments,
            "Cooldown": cooldown,
            **extra,
        },
    )


def queue_alarm(
    name: str, threshold: float, comparison: str, action: str, periods: int = 1
) -> dict[str, Any]:
    return {
        "AlarmName": name,
        "Namespace": "App",
        "MetricName": "QueueDepth",
        "Dimensions": QUEUE_DIMENSIONS,
        "Statistic": "Average",
        "Period": 60,
        "EvaluationPeriods": periods,
        "Threshold": threshold,
        "ComparisonOperator": comparison,
        "AlarmActions": [action],
    }


def tt_cpu(name: str, target: float, **config: Any) -> dict[str, Any]:
    return b.scaling_policy(
        name,
        "TargetTrackingScaling",
        {
            "TargetValue": target,
            "PredefinedMetricSpecification": {
                "PredefinedMetricType": "ECSServiceAverageCPUUtilization"
            },
            **config,
        },
    )


def tt_queue(name: str, target: float) -> dict[str, Any]:
    return b.scaling_policy(
        name,
        "TargetTrackingScaling",
        {
            "TargetValue": target,
            "CustomizedMetricSpecification": {
                "MetricName": "QueueDepth",
                "Namespace": "App",
                "Dimensions": QUEUE_DIMENSIONS,
                "Statistic": "Average",
            },
        },
    )


def simulate_with(
    *,
    desired: int,
    min_capacity: int,
    max_capacity: int,
    duration: float,
    policies: list[dict[str, Any]],
    **sections: Any,
) -> Result:
    sc = b.scenario(
        duration=duration,
        services=b.service(desiredCount=desired),
        scalableTargets=b.scalable_target(min_capacity, max_capacity),
        scalingPolicies=policies,
        **sections,
    )
    return simulate(sc)


def activities_by(res: Result) -> list[tuple[float, str, int, int]]:
    a = res.scaling_activities
    return [
        (
            float(a["time"][i]),
            a["policyName"][i],
            int(a["fromCapacity"][i]),
            int(a["toCapacity"][i]),
        )
        for i in range(len(a))
    ]


def changes(res: Result, name_part: str) -> list[tuple[float, str, str]]:
    h = res.alarm_history
    return [
        (float(h["time"][i]), h["oldState"][i], h["newState"][i])
        for i in range(len(h))
        if name_part in h["alarm"][i]
    ]


# ------------------------------------------------------------------------ step scaling

OUT_STEPS: list[tuple[float | None, float | None, int]] = [
    (0, 20, 1),
    (20, 50, 2),
    (50, None, 4),
]


@pytest.mark.parametrize(
    ("value", "added"),
    [
        (100.0, 1),  # threshold + 0: [0, 20), the lower bound is inclusive
        (119.5, 1),
        (120.0, 2),  # threshold + 20: the upper bound of [0, 20) is exclusive
        (149.5, 2),
        (150.0, 4),  # threshold + 50: [50, +inf)
        (400.0, 4),
    ],
)
def test_step_scale_out_steps_are_relative_to_the_threshold(value: float, added: int) -> None:
    res = simulate_with(
        desired=2,
        min_capacity=1,
        max_capacity=20,
        duration=900,
        policies=[step_policy("out", "ChangeInCapacity", OUT_STEPS)],
        customMetrics=queue_metric((0, 50), (600, value)),
        alarms=[queue_alarm("high", 100, "GreaterThanOrEqualToThreshold", "out")],
    )
    # One activity: the alarm re-invokes the policy at 780 and 840, inside the 300 s cooldown,
    # with the same step: not a larger scale-out (§6.1, §6.3).
    assert b.activities(res) == [(720.0, 2, 2 + added)]
    assert res.scaling_activities["cause"][0] == (
        f"monitor alarm high in state ALARM triggered policy out changing the desired capacity "
        f"from 2 to {2 + added}."
    )


@pytest.mark.parametrize(
    ("value", "removed"),
    [
        (20.0, 1),  # threshold − 0 (≤ 20 breaches): (−10, 0], the upper bound is inclusive
        (10.5, 1),
        (10.0, 3),  # threshold − 10: the lower bound of (−10, 0] is exclusive → (−inf, −10]
        (2.0, 3),
    ],
)
def test_step_scale_in_steps_are_relative_to_the_threshold(value: float, removed: int) -> None:
    res = simulate_with(
        desired=6,
        min_capacity=1,
        max_capacity=20,
        duration=900,
        policies=[step_policy("in", "ChangeInCapacity", [(-10, 0, -1), (None, -10, -3)])],
        customMetrics=queue_metric((0, 50), (600, value)),
        alarms=[queue_alarm("low", 20, "LessThanOrEqualToThreshold", "in")],
    )
    assert b.activities(res) == [(720.0, 6, 6 - removed)]


@pytest.mark.parametrize(
    ("desired", "percent", "magnitude", "expected"),
    [
        (4, 25, 2, 6),  # the guide: 25 % of 4 is 1, the minimum of 2 is added instead
        (4, 25, None, 5),
        (10, 127, None, 22),  # 12.7 is rounded down to 12
        (10, 5, None, 11),  # 0.5, between 0 and 1, is rounded to 1
        (10, -67, None, 4),  # -6.7 is rounded up to -6
        (3, -20, None, 2),  # -0.6, between 0 and -1, is rounded to -1
        (10, -20, 3, 7),  # -2 is smaller than the minimum of 3: remove 3
    ],
)
def test_percent_change_in_capacity(
    desired: int, percent: int, magnitude: int | None, expected: int
) -> None:
    extra = {} if magnitude is None else {"MinAdjustmentMagnitude": magnitude}
    if percent > 0:
        steps: list[tuple[float | None, float | None, int]] = [(0, None, percent)]
        alarm = queue_alarm("high", 100, "GreaterThanOrEqualToThreshold", "pct")
        value = 150.0
    else:
        steps = [(None, 0, percent)]
        alarm = queue_alarm("low", 20, "LessThanThreshold", "pct")
        value = 5.0
    res = simulate_with(
        desired=desired,
        min_capacity=1,
        max_capacity=30,
        duration=760,
        policies=[step_policy("pct", "PercentChangeInCapacity", steps, **extra)],
        customMetrics=queue_metric((0, 50), (600, value)),
        alarms=[alarm],
    )
    assert b.activities(res) == [(720.0, desired, expected)]


@pytest.mark.parametrize(
    ("desired", "minimum", "exact", "scale_out"),
    [(2, 1, 7, True), (6, 1, 3, False), (2, 0, 0, False)],
)
def test_exact_capacity(desired: int, minimum: int, exact: int, scale_out: bool) -> None:
    # ExactCapacity sets the capacity to the adjustment; 0 with MinCapacity 0 stops the service.
    if scale_out:
        steps: list[tuple[float | None, float | None, int]] = [(0, None, exact)]
        alarm = queue_alarm("high", 100, "GreaterThanOrEqualToThreshold", "exact")
        value = 150.0
    else:
        steps = [(None, 0, exact)]
        alarm = queue_alarm("low", 20, "LessThanThreshold", "exact")
        value = 5.0
    res = simulate_with(
        desired=desired,
        min_capacity=minimum,
        max_capacity=20,
        duration=760,
        policies=[step_policy("exact", "ExactCapacity", steps)],
        customMetrics=queue_metric((0, 50), (600, value)),
        alarms=[alarm],
    )
    assert b.activities(res) == [(720.0, desired, exact)]


def test_step_cooldown_only_1_is_added() -> None:
    """§6.3's example: +2 from 2 at 720 (105 is in [0, 10) above 100); the alarm triggers again
    during the cooldown, at 780 with the same step (4 is not larger: nothing) and at 840 "at a
    more aggressive step adjustment of 3" (115 is in [10, +inf)): "the previous increase of 2 is
    considered part of the current capacity. Therefore, only 1 is added": 4 → 5."""
    res = simulate_with(
        desired=2,
        min_capacity=1,
        max_capacity=20,
        duration=1100,
        policies=[step_policy("out", "ChangeInCapacity", [(0, 10, 2), (10, None, 3)])],
        customMetrics=queue_metric((0, 50), (600, 105), (720, 115)),
        alarms=[queue_alarm("high", 100, "GreaterThanOrEqualToThreshold", "out")],
    )
    assert b.activities(res) == [(720.0, 2, 4), (840.0, 4, 5)]


def test_alarm_reinvokes_the_policy_every_minute_so_it_steps_once_each_cooldown() -> None:
    """The alarm stays in ALARM from 720 and invokes the policy each minute; with Cooldown 120
    only the invocations at 720, 840, 960, … add 2 (from the running count, §6.1: the new tasks
    are RUNNING 10 s after each activity), until MaxCapacity 9 caps the last step (8 + 2 → 9)
    and the one after (9 + 2) adds nothing."""
    res = simulate_with(
        desired=2,
        min_capacity=1,
        max_capacity=9,
        duration=1300,
        policies=[step_policy("out", "ChangeInCapacity", [(0, None, 2)], cooldown=120)],
        customMetrics=queue_metric((0, 50), (600, 150)),
        alarms=[queue_alarm("high", 100, "GreaterThanOrEqualToThreshold", "out")],
    )
    assert b.activities(res) == [(720.0, 2, 4), (840.0, 4, 6), (960.0, 6, 8), (1080.0, 8, 9)]
    assert [c for c in changes(res, "high") if c[2] == "ALARM"] == [(720.0, "OK", "ALARM")]


def test_step_policy_named_by_arn_in_alarm_actions() -> None:
    arn = (
        "arn:aws:autoscaling:us-east-1:123456789012:scalingPolicy:4c2e6f1a-0000-4000-8000-"
        "000000000001:resource/ecs/service/default/web:policyName/out"
    )
    alarm = queue_alarm("high", 100, "GreaterThanOrEqualToThreshold", arn)
    res = simulate_with(
        desired=2,
        min_capacity=1,
        max_capacity=20,
        duration=760,
        policies=[step_policy("out", "ChangeInCapacity", [(0, None, 3)])],
        customMetrics=queue_metric((0, 50), (600, 150)),
        alarms=[alarm],
    )
    assert activities_by(res) == [(720.0, "out", 2, 5)]


# -------------------------------------------------------------------- target tracking


def test_disable_scale_in_never_scales_in() -> None:
    """§6.2 DisableScaleIn: when true the policy "won't remove capacity from the scalable
    target". 6 tasks (3 vCPU) with 0.2 vCPU of work: 6.7 % against a target of 50. With scale-in
    enabled AlarmLow (15 datapoints below 45 %) fires at 960 and the policy asks for
    ceil(6 × 6.67 / 50) = ceil(0.8) = 1; with DisableScaleIn nothing ever happens, and there is
    no AlarmLow at all."""
    kwargs: dict[str, Any] = {
        "desired": 6,
        "min_capacity": 1,
        "max_capacity": 10,
        "duration": 3600,
        "workload": b.exact_cpu_load((0, 2)),
    }
    enabled = simulate_with(policies=[tt_cpu("cpu", 50)], **kwargs)
    assert b.activities(enabled) == [(960.0, 6, 1)]
    disabled = simulate_with(policies=[tt_cpu("cpu", 50, DisableScaleIn=True)], **kwargs)
    assert b.activities(disabled) == []
    assert [a["kind"] for a in disabled.alarms] == ["AlarmHigh"]
    assert list(disabled.timeseries["web.desiredCount"]) == [6] * len(disabled.timeseries)


def test_two_policies_scale_in_only_when_both_low_alarms_are_in_alarm() -> None:
    """§6.2: "will scale in only if all of the target tracking policies (with the scale-in
    portion enabled) are ready to scale in" and "the policy that provides the largest capacity".

    10 tasks; ``cpu`` (target 50) sees 40 % from the start: its AlarmLow (< 45) is in ALARM from
    960. ``queue`` (target 100) sees 95 (not below 90) until 1500, then 50: its AlarmLow needs
    [1500, 1560) … [2340, 2400), visible at 2460. Only then is every policy ready; ``cpu`` asks
    for ceil(10 × 40 / 50) = 8, ``queue`` for ceil(10 × 50 / 100) = 5: the larger, 8, wins."""
    res = simulate_with(
        desired=10,
        min_capacity=1,
        max_capacity=10,
        duration=2500,
        policies=[tt_cpu("cpu", 50), tt_queue("queue", 100)],
        workload=b.exact_cpu_load((0, 20)),
        customMetrics=queue_metric((0, 95), (1500, 50)),
    )
    cpu_low = [c for c in changes(res, "AlarmLow") if c[2] == "ALARM"]
    assert cpu_low[0][0] == 960.0
    assert activities_by(res) == [(2460.0, "cpu", 10, 8)]


def test_two_policies_scale_out_if_either_says_so() -> None:
    """``cpu`` (target 50) sees 40 % (4 tasks, 0.8 vCPU of work): not high. ``queue`` (target
    100) sees 150 from 600: its AlarmHigh fires at 840 and asks ceil(4 × 150 / 100) = 6."""
    res = simulate_with(
        desired=4,
        min_capacity=1,
        max_capacity=20,
        duration=870,
        policies=[tt_cpu("cpu", 50), tt_queue("queue", 100)],
        workload=b.exact_cpu_load((0, 8)),
        customMetrics=queue_metric((0, 50), (600, 150)),
    )
    assert activities_by(res) == [(840.0, "queue", 4, 6)]


@pytest.mark.parametrize(
    ("queue_value", "winner", "capacity"),
    [(250.0, "cpu", 6), (400.0, "queue", 8)],
)
def test_two_high_alarms_of_one_instant_make_one_activity(
    queue_value: float, winner: str, capacity: int
) -> None:
    """Both AlarmHighs fire at 840 (CPU 20 % → 90 % of 2 tasks at 600, target 32: ceil(2 × 90 /
    32) = 6; the queue metric steps to ``queue_value`` at 600, target 100: ceil(2 × v / 100)).
    The proposals are decided together: one activity, to the largest capacity (§6.2)."""
    res = simulate_with(
        desired=2,
        min_capacity=2,
        max_capacity=20,
        duration=870,
        policies=[tt_cpu("cpu", 32), tt_queue("queue", 100)],
        workload=b.exact_cpu_load((0, 2), (600, 9)),
        customMetrics=queue_metric((0, 50), (600, queue_value)),
    )
    assert activities_by(res) == [(840.0, winner, 2, capacity)]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        # Low from its first datapoint: still 15 datapoints, [600, 660) … [1440, 1500),
        # visible at 1560; ceil(4 × 10 / 100) = 1.
        (10.0, (1560.0, 4, 1)),
        # High: 3 datapoints [600, 780), visible at 840; ceil(4 × 300 / 100) = 12.
        (300.0, (840.0, 4, 12)),
    ],
)
def test_target_tracking_does_nothing_while_its_metric_has_insufficient_data(
    value: float, expected: tuple[float, int, int]
) -> None:
    """§6.2: "A target tracking scaling policy does not perform scaling when the specified
    metric has insufficient data. It does not perform scale in because it does not interpret
    insufficient data as low utilization." The queue metric has no data before 600: no
    activity and no alarm state change until its first datapoint is visible at 720."""
    res = simulate_with(
        desired=4,
        min_capacity=1,
        max_capacity=20,
        duration=1600,
        policies=[tt_queue("queue", 100)],
        customMetrics=queue_metric((600, value)),
    )
    assert b.activities(res)[0] == expected
    assert min(float(t) for t in res.alarm_history["time"]) == 720.0


def test_no_data_at_all_means_no_scaling() -> None:
    res = simulate_with(
        desired=4,
        min_capacity=1,
        max_capacity=20,
        duration=3600,
        policies=[tt_queue("queue", 100)],
        customMetrics=queue_metric((7200, 1.0)),
    )
    assert b.activities(res) == []
    assert len(res.alarm_history) == 0  # both alarms stay INSUFFICIENT_DATA


# ---------------------------------------------------------------- request count per target


def alb_sections(rps: list[tuple[float, float]]) -> dict[str, Any]:
    return {
        "targetGroups": [{"Name": "web-tg"}],
        "workload": [
            {
                "service": "web",
                "arrivals": {
                    "pattern": "piecewise",
                    "poisson": False,
                    "points": [{"at": at, "rps": r} for at, r in rps],
                },
                "request": {"cpuSeconds": b.const(0.01)},
            }
        ],
    }


def alb_policy(target: float) -> dict[str, Any]:
    return b.scaling_policy(
        "requests",
        "TargetTrackingScaling",
        {
            "TargetValue": target,
            "PredefinedMetricSpecification": {
                "PredefinedMetricType": "ALBRequestCountPerTarget",
                "ResourceLabel": "app/web-alb/50dc6c495c0c9188/targetgroup/web-tg/6d0ecf831eec9f09",
            },
        },
    )


def alb_service(desired: int) -> list[dict[str, Any]]:
    return b.service(
        desiredCount=desired,
        loadBalancers=[{"targetGroupArn": "web-tg", "containerName": "app", "containerPort": 80}],
    )


def test_scale_from_zero_after_the_first_datapoint() -> None:
    """§6.1: "With target tracking scaling policies, when actual capacity is 0 and the metric
    indicates that there is workload demand, Service Auto Scaling waits for one data point to be
    sent before scaling out. In this case, it scales out by the minimum possible amount as a
    starting point". §6.2: ALBRequestCountPerTarget needs ResourceLabel, MinCapacity 0.

    0 tasks, MinCapacity 0; 30 req/s from 300, target 600 requests per target per minute. The
    first datapoint with demand is [300, 360) = 1800 requests (no target: all of them), visible
    at 420: desired 0 → 1 at 420, the task RUNNING at 430. (What comes next — "then resumes
    scaling based on the actual running task count" — is not asserted.)"""
    sc = b.scenario(
        duration=560,
        services=alb_service(0),
        scalableTargets=b.scalable_target(0, 10),
        scalingPolicies=[alb_policy(600)],
        **alb_sections([(0, 0), (300, 30)]),
    )
    res = simulate(sc)
    m = res.metrics
    first = next(
        (float(m["timestamp"][i]), float(m["sum"][i]))
        for i in range(len(m))
        if m["metricName"][i] == "RequestCountPerTarget" and m["sum"][i] > 0
    )
    assert first == (300.0, 1800.0)
    assert b.activities(res)[:1] == [(420.0, 0, 1)]
    assert res.tasks["createdAt"][0] == 421.0
    assert res.tasks["runningAt"][0] == 430.0


@pytest.mark.parametrize(("minimum", "expected"), [(0, 0), (1, 1)])
def test_real_zero_request_counts_scale_in_to_min(minimum: int, expected: int) -> None:
    """§6.2: "When a metric emits real 0 values … Application Auto Scaling can scale in to 0 …
    minimum capacity must be set to 0." No requests at all: 15 datapoints of 0 (below 0.9 × 600)
    are visible at 960; the capacity rule gives 0, clamped to MinCapacity."""
    sc = b.scenario(
        duration=1000,
        services=alb_service(2),
        scalableTargets=b.scalable_target(minimum, 10),
        scalingPolicies=[alb_policy(600)],
        **alb_sections([(0, 0)]),
    )
    res = simulate(sc)
    assert b.activities(res) == [(960.0, 2, expected)]
