"""Property: whatever the policies, load and schedule, the desired count stays inside the
[MinCapacity, MaxCapacity] in force, and RUNNING tasks never exceed MaxCapacity (reference §6.1,
§6.4).

§6.1: nothing goes above the maximum and a scale-in never goes below the minimum (a desired
count already below min is left alone — so the initial desired count is drawn inside the range).
§6.4: a scheduled action sets MinCapacity and/or MaxCapacity; "current < new min → scale out to
min; current > new max → scale in to max", at once. Scheduled actions here are ``at(…)``
expressions at whole minutes after ``startTime`` (t = 0), applied
``model.autoscaling.scheduledActionDelaySeconds`` (5 s) later; every action keeps min ≤ max, as
AWS requires of a scalable target.

Random pieces: min/max; zero or one target tracking policy on CPU (60 s or 20 s metric, random
target, cooldowns, DisableScaleIn); zero to two step policies on a custom metric with random
steps and adjustment types, each invoked by its own alarm; a piecewise load; a piecewise custom
metric; scheduled actions. Runs of 30–60 minutes, derandomized, no example database.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fargasim.engine import simulate
from fargasim.result import Result
from tests import builders as b

RESOURCE = b.RESOURCE
START = dt.datetime(2026, 1, 5, tzinfo=dt.timezone.utc)  # builders' default startTime
ACTION_DELAY = 5.0
METRIC = {"MetricName": "Backlog", "Namespace": "App", "Dimensions": []}


@dataclass(frozen=True)
class Bounds:
    """(apply time, MinCapacity, MaxCapacity) after each change; the first is at t = 0."""

    changes: tuple[tuple[float, int, int], ...]

    def at(self, t: float) -> tuple[int, int]:
        current = self.changes[0]
        for change in self.changes:
            if change[0] <= t + 1e-9:
                current = change
        return current[1], current[2]


@st.composite
def target_tracking(draw: st.DrawFn) -> dict[str, Any]:
    metric = draw(
        st.sampled_from(
            ["ECSServiceAverageCPUUtilization", "ECSServiceAverageCPUUtilizationHighResolution"]
        )
    )
    return b.scaling_policy(
        "cpu",
        "TargetTrackingScaling",
        {
            "TargetValue": draw(st.integers(15, 85)),
            "PredefinedMetricSpecification": {"PredefinedMetricType": metric},
            "ScaleOutCooldown": draw(st.sampled_from([0, 60, 300])),
            "ScaleInCooldown": draw(st.sampled_from([0, 60, 300])),
            "DisableScaleIn": draw(st.booleans()),
        },
    )


@st.composite
def step_pair(draw: st.DrawFn, direction: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """A step policy and the alarm that invokes it, scaling out (above) or in (below)."""
    kind = draw(st.sampled_from(["ChangeInCapacity", "PercentChangeInCapacity", "ExactCapacity"]))
    widths = draw(st.lists(st.integers(5, 80), min_size=0, max_size=2))
    bounds = [0]
    for width in widths:
        bounds.append(bounds[-1] + width)
    steps: list[dict[str, Any]] = []
    for i, lower in enumerate(bounds):
        upper = bounds[i + 1] if i + 1 < len(bounds) else None
        if kind == "ChangeInCapacity":
            size = draw(st.integers(1, 5))
        elif kind == "PercentChangeInCapacity":
            size = draw(st.integers(10, 200)) if direction == "out" else draw(st.integers(10, 90))
        else:
            size = draw(st.integers(0, 15))
        adjustment = size if direction == "out" or kind == "ExactCapacity" else -size
        item: dict[str, Any] = {"ScalingAdjustment": adjustment}
        if direction == "out":
            item["MetricIntervalLowerBound"] = lower
            if upper is not None:
                item["MetricIntervalUpperBound"] = upper
        else:  # mirrored below the threshold: (−upper, −lower]
            item["MetricIntervalUpperBound"] = -lower
            if upper is not None:
                item["MetricIntervalLowerBound"] = -upper
        steps.append(item)
    config: dict[str, Any] = {
        "AdjustmentType": kind,
        "StepAdjustments": steps,
        "Cooldown": draw(st.sampled_from([0, 60, 120, 300])),
    }
    if kind == "PercentChangeInCapacity" and draw(st.booleans()):
        config["MinAdjustmentMagnitude"] = draw(st.integers(1, 4))
    name = f"backlog-{direction}"
    periods = draw(st.integers(1, 3))
    alarm = {
        "AlarmName": f"{name}-alarm",
        **METRIC,
        "Statistic": "Average",
        "Period": 60,
        "EvaluationPeriods": periods,
        "DatapointsToAlarm": draw(st.integers(1, periods)),
        "Threshold": draw(st.integers(150, 300))
        if direction == "out"
        else draw(st.integers(20, 100)),
        "ComparisonOperator": (
            "GreaterThanOrEqualToThreshold" if direction == "out" else "LessThanThreshold"
        ),
        "AlarmActions": [name],
    }
    return b.scaling_policy(name, "StepScaling", config), alarm


@st.composite
def schedule(
    draw: st.DrawFn, minimum: int, maximum: int, duration: int
) -> tuple[list[dict[str, Any]], Bounds]:
    minutes = sorted(draw(st.sets(st.integers(1, duration // 60 - 1), max_size=4)))
    actions: list[dict[str, Any]] = []
    changes = [(0.0, minimum, maximum)]
    low, high = minimum, maximum
    for i, minute in enumerate(minutes):
        what = draw(st.sampled_from(["both", "min", "max"]))
        change: dict[str, int] = {}
        if what == "both":
            low = draw(st.integers(0, 6))
            high = draw(st.integers(max(low, 1), 12))
            change = {"MinCapacity": low, "MaxCapacity": high}
        elif what == "min":
            low = draw(st.integers(0, high))
            change = {"MinCapacity": low}
        else:
            high = draw(st.integers(max(low, 1), 12))
            change = {"MaxCapacity": high}
        when = START + dt.timedelta(minutes=minute)
        actions.append(
            {
                "ScheduledActionName": f"action-{i}",
                "ServiceNamespace": "ecs",
                "ResourceId": RESOURCE,
                "ScalableDimension": "ecs:service:DesiredCount",
                "Schedule": f"at({when:%Y-%m-%dT%H:%M:%S})",
                "ScalableTargetAction": change,
            }
        )
        changes.append((minute * 60.0 + ACTION_DELAY, low, high))
    return actions, Bounds(tuple(changes))


def piecewise(draw: st.DrawFn, duration: int, values: st.SearchStrategy[float]) -> list[Any]:
    times = sorted(draw(st.sets(st.integers(1, duration // 60 - 1), max_size=5)))
    return [(0, draw(values)), *((m * 60, draw(values)) for m in times)]


@st.composite
def cases(draw: st.DrawFn) -> tuple[dict[str, Any], Bounds]:
    duration = draw(st.sampled_from([1800, 2700, 3600]))
    minimum = draw(st.integers(0, 4))
    maximum = draw(st.integers(max(minimum, 1), 10))
    desired = draw(st.integers(minimum, maximum))
    policies: list[dict[str, Any]] = []
    alarms: list[dict[str, Any]] = []
    if draw(st.booleans()):
        policies.append(draw(target_tracking()))
    for direction in ("out", "in"):
        if draw(st.booleans()):
            step, alarm = draw(step_pair(direction))
            policies.append(step)
            alarms.append(alarm)
    if not policies:
        policies.append(draw(target_tracking()))
    actions, bounds = draw(schedule(minimum, maximum, duration))
    load = piecewise(draw, duration, st.sampled_from([0.0, 2.0, 5.0, 10.0, 20.0, 40.0]))
    backlog = piecewise(draw, duration, st.sampled_from([0.0, 10.0, 60.0, 160.0, 260.0, 500.0]))
    doc = b.document(
        duration=duration,
        services=b.service(desiredCount=desired),
        scalableTargets=b.scalable_target(minimum, maximum),
        scalingPolicies=policies,
        alarms=alarms,
        scheduledActions=actions,
        customMetrics=[{**METRIC, "series": [{"at": t, "value": v} for t, v in backlog]}],
        workload=[
            {
                "service": "web",
                "arrivals": {
                    "pattern": "piecewise",
                    "poisson": False,
                    "points": [{"at": t, "rps": r} for t, r in load],
                },
                "request": {"cpuSeconds": b.const(0.05)},
            }
        ],
        model=b.merge(
            b.CONSTANT_MODEL,
            {"autoscaling": {"scheduledActionDelaySeconds": ACTION_DELAY}},
        ),
    )
    return doc, bounds


def check(res: Result, bounds: Bounds, initial: int) -> None:
    ts = res.timeseries
    for i in range(len(ts)):
        t = float(ts["time"][i])
        low, high = bounds.at(t)
        desired = int(ts["web.desiredCount"][i])
        assert low <= desired <= high, f"t={t}: desired {desired} outside [{low}, {high}]"
        # RUNNING only: a task asked to stop leaves RUNNING 1 s later (scheduler reaction), so
        # also allow the bound of just before.
        running = int(ts["web.runningCount"][i])
        assert running <= max(high, bounds.at(t - 2.0)[1]), f"t={t}: {running} RUNNING > {high}"
    a = res.scaling_activities
    previous = initial
    for i in range(len(a)):
        t = float(a["time"][i])
        low, high = bounds.at(t)
        to = int(a["toCapacity"][i])
        assert low <= to <= high, f"activity at {t} to {to} outside [{low}, {high}]"
        # Only Application Auto Scaling changes the desired count here: the log is a chain.
        assert int(a["fromCapacity"][i]) == previous, f"activity at {t}"
        previous = to


@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(cases())
def test_desired_and_running_counts_stay_within_the_bounds_in_force(
    case: tuple[dict[str, Any], Bounds],
) -> None:
    doc, bounds = case
    res = simulate(b.scenario_from(doc))
    check(res, bounds, doc["services"][0]["desiredCount"])


def test_the_property_check_can_fail() -> None:
    """The checker itself: a run whose scheduled max is lowered must be judged against the new
    max, not the registered one (so a wrong bound bookkeeping would be caught)."""
    doc = b.document(
        duration=600,
        services=b.service(desiredCount=6),
        scalableTargets=b.scalable_target(1, 10),
        scheduledActions=[
            {
                "ScheduledActionName": "cap",
                "ServiceNamespace": "ecs",
                "ResourceId": RESOURCE,
                "ScalableDimension": "ecs:service:DesiredCount",
                "Schedule": "at(2026-01-05T00:05:00)",
                "ScalableTargetAction": {"MaxCapacity": 3},
            }
        ],
    )
    res = simulate(b.scenario_from(doc))
    right = Bounds(((0.0, 1, 10), (305.0, 1, 3)))
    check(res, right, 6)
    wrong = Bounds(((0.0, 1, 10), (305.0, 1, 2)))
    try:
        check(res, wrong, 6)
    except AssertionError:
        pass
    else:
        raise AssertionError("a desired count of 3 under a max of 2 went unnoticed")
    assert [
        (float(t), int(c))
        for t, c in zip(
            res.scaling_activities["time"], res.scaling_activities["toCapacity"], strict=True
        )
    ] == [(305.0, 3)]
