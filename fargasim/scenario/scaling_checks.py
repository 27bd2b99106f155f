"""Cross-checks of the auto-scaling sections: scalable targets, scaling policies, alarms,
scheduled actions and the custom metrics they watch (reference §6, §11).

Each check returns problems as ``(path, message)`` pairs; the loader locates them in the file.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence

from fargasim.cloudwatch import CloudWatchError, MetricKey
from fargasim.cloudwatch.names import (
    ECS_SERVICE_METRICS,
    ecs_service_metric,
    request_count_per_target,
    target_group_name,
)
from fargasim.scenario.schema import (
    AlarmSpec,
    MetricDimension,
    ScalingPolicySpec,
    Scenario,
    TargetTrackingConfiguration,
)

Path = tuple[str | int, ...]
Add = Callable[[Path, str], None]

POLICY_TYPES = ("TargetTrackingScaling", "StepScaling", "PredictiveScaling")
ECS_PREDEFINED = (
    "ECSServiceAverageCPUUtilization",
    "ECSServiceAverageMemoryUtilization",
    "ECSServiceAverageCPUUtilizationHighResolution",
    "ECSServiceAverageMemoryUtilizationHighResolution",
    "ALBRequestCountPerTarget",
)
STATISTICS = ("Average", "Sum", "Minimum", "Maximum", "SampleCount")
SIMPLE_OPERATORS = (
    "GreaterThanOrEqualToThreshold",
    "GreaterThanThreshold",
    "LessThanThreshold",
    "LessThanOrEqualToThreshold",
)


def policy_name_of(action: str) -> str:
    """A policy named in ``AlarmActions``: its name, or the ``policyName/NAME`` part of its ARN."""
    marker = ":policyName/"
    return action.split(marker, 1)[1] if marker in action else action


def parse_time(text: str) -> datetime.datetime:
    """An ISO 8601 time; a time without offset is UTC."""
    value = datetime.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=datetime.timezone.utc)


def check(sc: Scenario, add: Add) -> None:
    """Every auto-scaling rule the loader enforces."""
    try:
        parse_time(sc.start_time)
    except ValueError:
        add(
            ("startTime",), f"{sc.start_time!r} is not an ISO 8601 time (e.g. 2026-01-05T00:00:00Z)"
        )
    for i, target in enumerate(sc.scalable_targets):
        at: Path = ("scalableTargets", i)
        if target.MinCapacity is None or target.MaxCapacity is None:
            add(at, "MinCapacity and MaxCapacity are required when a scalable target is registered")
        elif target.MinCapacity > target.MaxCapacity:
            add((*at, "MinCapacity"), "MinCapacity must not exceed MaxCapacity")
    known = known_metrics(sc, add)
    step_policies = set()
    for i, policy in enumerate(sc.scaling_policies):
        _check_policy(sc, policy, ("scalingPolicies", i), known, add)
        if policy.PolicyType == "StepScaling":
            step_policies.add(policy.PolicyName)
    names = [p.PolicyName for p in sc.scaling_policies]
    if len(set(names)) != len(names):
        for i, name in enumerate(names):
            if names.index(name) != i:
                add(("scalingPolicies", i, "PolicyName"), f"policy {name!r} is defined twice")
    for i, alarm in enumerate(sc.alarms):
        _check_alarm(alarm, ("alarms", i), known, step_policies, add)
    for i, action in enumerate(sc.scheduled_actions):
        at = ("scheduledActions", i)
        if action.Schedule is None:
            add(at, "missing required field 'Schedule'")
        else:
            _check_schedule(
                action.Schedule, action.Timezone, action.StartTime, action.EndTime, at, add
            )
        if action.ScalableTargetAction is None or (
            action.ScalableTargetAction.MinCapacity is None
            and action.ScalableTargetAction.MaxCapacity is None
        ):
            add(
                at,
                "a scheduled action needs ScalableTargetAction with MinCapacity and/or MaxCapacity",
            )
    for i, metric in enumerate(sc.custom_metrics):
        if not metric.series:
            add(("customMetrics", i), "give 'series' (a list of {at, value}) or 'file' (a CSV)")


def metric_key(namespace: str, name: str, dimensions: Sequence[MetricDimension]) -> MetricKey:
    """The key of a metric a policy or alarm names (:class:`CloudWatchError` on duplicate
    dimension names)."""
    return MetricKey.of(namespace, name, [{"Name": d.Name, "Value": d.Value} for d in dimensions])


def _unknown_metric(
    namespace: str, name: str, dimensions: Sequence[MetricDimension], known: set[MetricKey]
) -> str | None:
    """Why a named metric cannot be watched, or None when the scenario publishes it."""
    try:
        key = metric_key(namespace, name, dimensions)
    except CloudWatchError as exc:
        return str(exc)
    if key in known:
        return None
    return f"no such metric in this scenario; known: {_describe(known)}"


def known_metrics(sc: Scenario, add: Add) -> set[MetricKey]:
    """Every metric the simulation publishes; a custom metric whose dimensions CloudWatch would
    refuse is reported through ``add``."""
    known: set[MetricKey] = set()
    for svc in sc.services:
        for name in ECS_SERVICE_METRICS:
            known.add(ecs_service_metric(name, svc.cluster, svc.serviceName))
        for lb in svc.loadBalancers:
            if lb.targetGroupArn:
                known.add(request_count_per_target(lb.targetGroupArn))
    for i, metric in enumerate(sc.custom_metrics):
        try:
            known.add(MetricKey.of(metric.Namespace, metric.MetricName, metric.Dimensions))
        except CloudWatchError as exc:
            add(("customMetrics", i, "Dimensions"), str(exc))
    return known


def _describe(known: set[MetricKey]) -> str:
    shown = sorted(f"{key.namespace} {key.name} {dict(key.dimensions)}" for key in known)
    return "; ".join(shown[:6]) + (" …" if len(shown) > 6 else "")


def _check_policy(
    sc: Scenario, policy: ScalingPolicySpec, at: Path, known: set[MetricKey], add: Add
) -> None:
    kind = policy.PolicyType
    if kind is None:
        add(at, "missing required field 'PolicyType' (TargetTrackingScaling or StepScaling)")
        return
    if kind not in POLICY_TYPES:
        add((*at, "PolicyType"), f"unknown PolicyType {kind!r}: {', '.join(POLICY_TYPES)}")
        return
    tt = policy.TargetTrackingScalingPolicyConfiguration
    step = policy.StepScalingPolicyConfiguration
    if kind == "TargetTrackingScaling":
        if tt is None:
            add(at, "a TargetTrackingScaling policy needs TargetTrackingScalingPolicyConfiguration")
        else:
            _check_target_tracking(
                sc, policy, tt, (*at, "TargetTrackingScalingPolicyConfiguration"), known, add
            )
    elif kind == "StepScaling":
        if step is None:
            add(at, "a StepScaling policy needs StepScalingPolicyConfiguration")
            return
        where = (*at, "StepScalingPolicyConfiguration")
        if step.AdjustmentType is None:
            add(where, "missing required field 'AdjustmentType'")
        if not step.StepAdjustments:
            add(where, "give at least one StepAdjustments entry")
        if (
            step.MinAdjustmentMagnitude is not None
            and step.AdjustmentType != "PercentChangeInCapacity"
        ):
            add(
                (*where, "MinAdjustmentMagnitude"),
                "only valid with AdjustmentType PercentChangeInCapacity (§6.3)",
            )
        from fargasim.autoscaling.step import StepAdjustment, validate_steps

        steps = tuple(
            StepAdjustment(
                s.MetricIntervalLowerBound, s.MetricIntervalUpperBound, s.ScalingAdjustment
            )
            for s in step.StepAdjustments
        )
        for message in validate_steps(steps):
            add((*where, "StepAdjustments"), message)


def _check_target_tracking(
    sc: Scenario,
    policy: ScalingPolicySpec,
    tt: TargetTrackingConfiguration,
    at: Path,
    known: set[MetricKey],
    add: Add,
) -> None:
    if tt.TargetValue <= 0:
        add((*at, "TargetValue"), "TargetValue must be greater than 0")
    predefined, custom = tt.PredefinedMetricSpecification, tt.CustomizedMetricSpecification
    if (predefined is None) == (custom is None):
        add(
            at,
            "give exactly one of PredefinedMetricSpecification and CustomizedMetricSpecification",
        )
        return
    if predefined is not None:
        kind = predefined.PredefinedMetricType
        where = (*at, "PredefinedMetricSpecification")
        if kind not in ECS_PREDEFINED:
            add(
                (*where, "PredefinedMetricType"),
                f"not an ECS service metric: use one of {', '.join(ECS_PREDEFINED)}",
            )
        elif kind == "ALBRequestCountPerTarget":
            if not predefined.ResourceLabel:
                add(
                    where,
                    "ALBRequestCountPerTarget needs ResourceLabel (…/targetgroup/<name>/<id>) (§6.2)",
                )
            elif request_count_per_target(predefined.ResourceLabel) not in known:
                tg = target_group_name(predefined.ResourceLabel)
                add(
                    (*where, "ResourceLabel"),
                    f"target group {tg!r} is not attached to a service (loadBalancers)",
                )
        return
    assert custom is not None
    where = (*at, "CustomizedMetricSpecification")
    if "Metrics" in (custom.model_extra or {}):
        add(
            (*where, "Metrics"),
            "metric math is not simulated: name one metric (MetricName, Namespace, Statistic)",
        )
        return
    if custom.MetricName is None or custom.Namespace is None or custom.Statistic is None:
        add(where, "give MetricName, Namespace and Statistic")
        return
    if custom.Statistic not in STATISTICS:
        add((*where, "Statistic"), f"one of {', '.join(STATISTICS)}")
    reason = _unknown_metric(custom.Namespace, custom.MetricName, custom.Dimensions, known)
    if reason:
        add(where, reason)


def _check_alarm(
    alarm: AlarmSpec, at: Path, known: set[MetricKey], step_policies: set[str], add: Add
) -> None:
    extra = alarm.model_extra or {}
    if "Metrics" in extra:
        add((*at, "Metrics"), "metric math alarms are not simulated: name one metric")
        return
    if alarm.ExtendedStatistic is not None:
        add((*at, "ExtendedStatistic"), "percentile statistics are not simulated: use Statistic")
    for field in ("MetricName", "Namespace", "Period", "Threshold"):
        if getattr(alarm, field) is None:
            add(at, f"missing required field {field!r}")
    if alarm.Statistic is None and alarm.ExtendedStatistic is None:
        add(at, "missing required field 'Statistic'")
    if alarm.ComparisonOperator not in SIMPLE_OPERATORS:
        add((*at, "ComparisonOperator"), "anomaly-detection operators are not simulated")
    if alarm.Period is not None and alarm.Period not in (10, 20, 30) and alarm.Period % 60 != 0:
        add((*at, "Period"), "CloudWatch periods are 10, 20, 30 or a multiple of 60 seconds")
    if alarm.DatapointsToAlarm is not None and alarm.DatapointsToAlarm > alarm.EvaluationPeriods:
        add((*at, "DatapointsToAlarm"), "must not exceed EvaluationPeriods")
    if alarm.EvaluationPeriods < 1:
        add((*at, "EvaluationPeriods"), "must be at least 1")
    if alarm.TreatMissingData not in ("missing", "notBreaching", "breaching", "ignore"):
        add((*at, "TreatMissingData"), "one of missing, notBreaching, breaching, ignore")
    if alarm.MetricName is not None and alarm.Namespace is not None:
        reason = _unknown_metric(alarm.Namespace, alarm.MetricName, alarm.Dimensions, known)
        if reason:
            add(at, reason)
    for j, action in enumerate([*alarm.AlarmActions, *alarm.OKActions]):
        field = "AlarmActions" if j < len(alarm.AlarmActions) else "OKActions"
        index = j if j < len(alarm.AlarmActions) else j - len(alarm.AlarmActions)
        if policy_name_of(action) not in step_policies:
            add((*at, field, index), f"{action!r} names no StepScaling policy in scalingPolicies")


def _check_schedule(
    expression: str, timezone: str | None, start: str | None, end: str | None, at: Path, add: Add
) -> None:
    from fargasim.autoscaling.schedule import Schedule

    times: dict[str, datetime.datetime | None] = {"StartTime": None, "EndTime": None}
    for field, text in (("StartTime", start), ("EndTime", end)):
        if text is not None:
            try:
                times[field] = parse_time(text)
            except ValueError:
                add((*at, field), f"{text!r} is not an ISO 8601 time")
                return
    # A bad Timezone or StartTime after EndTime is reported at that field, not at Schedule; the
    # expression is still checked (in UTC, without the bounds).
    if timezone is not None:
        try:
            Schedule.parse("rate(1 day)", timezone)  # a valid expression: only the zone is checked
        except ValueError as exc:
            add((*at, "Timezone"), str(exc))
            timezone = None
    first, last = times["StartTime"], times["EndTime"]
    if first is not None and last is not None and first > last:
        add(
            (*at, "StartTime"), f"StartTime {first.isoformat()} is after EndTime {last.isoformat()}"
        )
        first = last = None
    try:
        Schedule.parse(expression, timezone, first, last)
    except ValueError as exc:
        add((*at, "Schedule"), str(exc))
