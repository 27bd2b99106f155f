"""Build Application Auto Scaling and CloudWatch alarms from a scenario and run them on SimPy.

* Every alarm (the user's ``alarms:`` and each target tracking policy's managed pair) is
  evaluated every ``min(60 s, Period)`` in the ALARMS phase; the actions it returns invoke the
  named policies, whose proposals the :class:`~fargasim.autoscaling.controller.ScalableTarget`
  decides in the SCALING phase of the same instant (DESIGN.md §5).
* Scheduled actions (§6.4) fire at their next times in wall-clock terms (the scenario's
  ``startTime`` is t = 0), ``model.autoscaling.scheduledActionDelaySeconds`` later ("the delay
  between the time the scheduled action is triggered and the time the target service honors
  the scaling action might be a few seconds").
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import Any

import simpy

from fargasim.autoscaling.controller import Activity, ScalableTarget
from fargasim.autoscaling.cooldown import PolicyCooldown
from fargasim.autoscaling.policies import StepPolicy, TargetTrackingPolicy, managed_alarm_name
from fargasim.autoscaling.schedule import Schedule
from fargasim.autoscaling.step import StepAdjustment, StepPolicyConfig
from fargasim.autoscaling.target_tracking import (
    PREDEFINED_METRICS,
    ManagedAlarmSpec,
    ProportionalCapacity,
    managed_alarm_thresholds,
)
from fargasim.cloudwatch import Alarm, AlarmConfig, MetricKey, MetricStore
from fargasim.cloudwatch.names import (
    ECS_NAMESPACE,
    ECS_SERVICE_METRICS,
    ecs_service_metric,
    request_count_per_target,
)
from fargasim.core import Context, Phase
from fargasim.scenario.scaling_checks import metric_key, parse_time, policy_name_of
from fargasim.scenario.schema import ScalingPolicySpec, Scenario

Policy = TargetTrackingPolicy | StepPolicy


@dataclass
class AlarmInfo:
    """What the report needs to draw an alarm: its metric, threshold and owner."""

    name: str
    metric: MetricKey
    statistic: str
    period: float
    threshold: float
    comparison: str
    service: str
    policy: str
    kind: str  # "AlarmHigh" | "AlarmLow" | "user"


@dataclass
class AutoScaling:
    """Everything Application Auto Scaling and CloudWatch alarms added to the model."""

    targets: dict[str, ScalableTarget] = field(default_factory=dict)
    policies: dict[str, Policy] = field(default_factory=dict)
    alarms: list[Alarm] = field(default_factory=list)
    alarm_info: list[AlarmInfo] = field(default_factory=list)
    activities: list[Activity] = field(default_factory=list)


def ecs_period_needed(scenario: Scenario, cluster: str, service: str) -> float:
    """20 s when a high-resolution policy or a sub-minute alarm watches this service's ECS
    metrics (§6.2), else 60 s."""
    resource = f"service/{cluster}/{service}"
    for policy in scenario.scaling_policies:
        tt = policy.TargetTrackingScalingPolicyConfiguration
        if policy.ResourceId == resource and tt and tt.PredefinedMetricSpecification:
            metric = PREDEFINED_METRICS.get(tt.PredefinedMetricSpecification.PredefinedMetricType)
            if metric is not None and metric.namespace == ECS_NAMESPACE and metric.period < 60:
                return 20.0
    for alarm in scenario.alarms:
        if (
            alarm.Namespace == ECS_NAMESPACE
            and alarm.MetricName in ECS_SERVICE_METRICS
            and metric_key(alarm.Namespace, alarm.MetricName, alarm.Dimensions)
            == ecs_service_metric(alarm.MetricName, cluster, service)
            and alarm.Period is not None
            and alarm.Period < 60
        ):
            return 20.0
    return 60.0


def build(
    ctx: Context,
    scenario: Scenario,
    store: MetricStore,
    services: dict[str, Any],
    running_count: Callable[[str], int],
) -> AutoScaling:
    """Wire targets, policies, alarms and scheduled actions; start their processes."""
    auto = AutoScaling()
    model = scenario.model
    delay = model.cloudwatch.publish_delay_seconds
    by_resource = {f"service/{s.cluster}/{s.serviceName}": s for s in scenario.services}
    for registered in scenario.scalable_targets:
        svc = by_resource[registered.ResourceId]
        name = svc.serviceName
        assert registered.MinCapacity is not None and registered.MaxCapacity is not None
        auto.targets[registered.ResourceId] = ScalableTarget(
            ctx,
            registered.ResourceId,
            name,
            services[name],
            lambda name=name: running_count(name),  # type: ignore[misc]
            registered.MinCapacity,
            registered.MaxCapacity,
            auto.activities,
            scale_in_suspended=lambda service=services[name]: service.deployment_in_progress,  # type: ignore[misc]
        )
    for policy_spec in scenario.scaling_policies:
        target = auto.targets[policy_spec.ResourceId]
        if policy_spec.PolicyType == "TargetTrackingScaling":
            policy: Policy = _target_tracking(
                ctx, scenario, policy_spec, target, store, delay, auto
            )
        elif policy_spec.PolicyType == "StepScaling":
            policy = _step(scenario, policy_spec, target)
        else:
            continue  # PredictiveScaling: accepted, not simulated
        auto.policies[policy_spec.PolicyName] = policy
        target.policies.append(policy)
    for spec in scenario.alarms:
        assert spec.MetricName and spec.Namespace and spec.Period and spec.Threshold is not None
        config = AlarmConfig(
            name=spec.AlarmName,
            metric=metric_key(spec.Namespace, spec.MetricName, spec.Dimensions),
            statistic=spec.Statistic or "Average",
            period=float(spec.Period),
            evaluation_periods=spec.EvaluationPeriods,
            datapoints_to_alarm=spec.DatapointsToAlarm or spec.EvaluationPeriods,
            threshold=spec.Threshold,
            comparison=spec.ComparisonOperator,
            treat_missing_data=spec.TreatMissingData,
            alarm_actions=tuple(policy_name_of(a) for a in spec.AlarmActions),
            ok_actions=tuple(policy_name_of(a) for a in spec.OKActions),
            actions_enabled=spec.ActionsEnabled,
        )
        alarm = Alarm(config, store, delay)
        auto.alarms.append(alarm)
        owner = config.alarm_actions[0] if config.alarm_actions else ""
        service = auto.policies[owner].target.service_name if owner in auto.policies else ""
        auto.alarm_info.append(
            AlarmInfo(
                alarm.name,
                config.metric,
                config.statistic,
                config.period,
                config.threshold,
                config.comparison,
                service,
                owner,
                "user",
            )
        )
    for alarm in auto.alarms:
        ctx.process(_evaluate(ctx, alarm, auto.policies))
    start = parse_time(scenario.start_time)
    for action in scenario.scheduled_actions:
        ctx.process(_scheduled(ctx, scenario, action, auto.targets[action.ResourceId], start))
    return auto


def _target_tracking(
    ctx: Context,
    scenario: Scenario,
    spec: ScalingPolicySpec,
    target: ScalableTarget,
    store: MetricStore,
    delay: float,
    auto: AutoScaling,
) -> TargetTrackingPolicy:
    tt = spec.TargetTrackingScalingPolicyConfiguration
    assert tt is not None
    params = scenario.model.autoscaling
    svc = scenario.service(target.service_name)
    if tt.PredefinedMetricSpecification is not None:
        kind = tt.PredefinedMetricSpecification.PredefinedMetricType
        metric = PREDEFINED_METRICS[kind]
        if metric.namespace == ECS_NAMESPACE:
            key = ecs_service_metric(metric.metric_name, svc.cluster, svc.serviceName)
        else:
            key = request_count_per_target(tt.PredefinedMetricSpecification.ResourceLabel or "")
        statistic, period = metric.statistic, metric.period
    else:
        custom = tt.CustomizedMetricSpecification
        assert custom is not None and custom.Namespace and custom.MetricName and custom.Statistic
        key = metric_key(custom.Namespace, custom.MetricName, custom.Dimensions)
        statistic, period = custom.Statistic, 60.0
    if period < 60:
        alarm_spec = ManagedAlarmSpec(
            params.high_resolution_high_datapoints, params.high_resolution_low_datapoints, period
        )
    else:
        alarm_spec = ManagedAlarmSpec(params.high_datapoints, params.low_datapoints, period)
    high_threshold, low_threshold = managed_alarm_thresholds(
        tt.TargetValue, params.scale_in_threshold_ratio
    )

    def managed(kind: str, points: int, threshold: float, comparison: str) -> Alarm:
        config = AlarmConfig(
            name=managed_alarm_name(target.resource_id, spec.PolicyName, kind),
            metric=key,
            statistic=statistic,
            period=period,
            evaluation_periods=points,
            datapoints_to_alarm=points,
            threshold=threshold,
            comparison=comparison,
            alarm_actions=(spec.PolicyName,),
        )
        alarm = Alarm(config, store, delay)
        auto.alarms.append(alarm)
        auto.alarm_info.append(
            AlarmInfo(
                alarm.name,
                key,
                statistic,
                period,
                threshold,
                comparison,
                target.service_name,
                spec.PolicyName,
                kind,
            )
        )
        return alarm

    high = managed("AlarmHigh", alarm_spec.datapoints_high, high_threshold, "GreaterThanThreshold")
    low = (
        None
        if tt.DisableScaleIn
        else managed("AlarmLow", alarm_spec.datapoints_low, low_threshold, "LessThanThreshold")
    )
    return TargetTrackingPolicy(
        spec.PolicyName,
        target,
        tt.TargetValue,
        ProportionalCapacity(),
        PolicyCooldown.target_tracking(float(tt.ScaleOutCooldown), float(tt.ScaleInCooldown)),
        high,
        low,
        params.scale_out_base_in_cooldown,
    )


def _step(scenario: Scenario, spec: ScalingPolicySpec, target: ScalableTarget) -> StepPolicy:
    step = spec.StepScalingPolicyConfiguration
    assert step is not None and step.AdjustmentType is not None
    cooldown = (
        float(step.Cooldown)
        if step.Cooldown is not None
        else scenario.model.autoscaling.step_cooldown_seconds
    )
    config = StepPolicyConfig(
        adjustment_type=step.AdjustmentType,
        steps=tuple(
            StepAdjustment(
                s.MetricIntervalLowerBound, s.MetricIntervalUpperBound, s.ScalingAdjustment
            )
            for s in step.StepAdjustments
        ),
        min_adjustment_magnitude=step.MinAdjustmentMagnitude,
        cooldown=cooldown,
        metric_aggregation_type=step.MetricAggregationType,
    )
    return StepPolicy(spec.PolicyName, target, config, PolicyCooldown.step(cooldown))


def _evaluate(
    ctx: Context, alarm: Alarm, policies: dict[str, Policy]
) -> Generator[simpy.Event, Any, None]:
    for event in ctx.every(alarm.evaluation_interval, Phase.ALARMS):
        yield event
        for action in alarm.evaluate(ctx.now):
            policy = policies.get(action)
            if policy is not None:
                policy.on_action(alarm, ctx.now)
        for name in alarm.config.alarm_actions:
            owner = policies.get(name)
            if owner is not None:
                owner.on_evaluated(alarm, ctx.now)


def _scheduled(
    ctx: Context, scenario: Scenario, action: Any, target: ScalableTarget, start: datetime.datetime
) -> Generator[simpy.Event, Any, None]:
    times = {
        name: parse_time(text) if text else None
        for name, text in (("start", action.StartTime), ("end", action.EndTime))
    }
    schedule = Schedule.parse(
        action.Schedule, action.Timezone, times["start"], times["end"], created_at=start
    )
    delay = scenario.model.autoscaling.scheduled_action_delay_seconds
    fire = schedule.next_at_or_after(start)
    change = action.ScalableTargetAction
    while fire is not None:
        at = (fire - start).total_seconds() + delay
        if at > ctx.end_time:
            return
        yield ctx.timeout(at - ctx.now, Phase.SCALING)
        target.scheduled(action.ScheduledActionName, change.MinCapacity, change.MaxCapacity)
        fire = schedule.next_after(fire)
