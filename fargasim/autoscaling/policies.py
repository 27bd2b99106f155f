"""Scaling policies as the controller sees them: they turn an alarm's action into a proposal.

* :class:`TargetTrackingPolicy` (§6.2) owns two managed alarms, ``TargetTracking-<resource>-
  AlarmHigh-<id>`` (metric > target for ``highDatapoints`` of as many periods) and ``…-AlarmLow-…``
  (metric < ``scaleInThresholdRatio`` × target for ``lowDatapoints``); no AlarmLow with
  ``DisableScaleIn``. The new capacity comes from the running count and the newest datapoint the
  alarm evaluated, through a replaceable :class:`~fargasim.autoscaling.target_tracking.
  CapacityRule`. A target tracking policy "does not perform scaling when the specified metric
  has insufficient data" (§6.2): the alarms stay in INSUFFICIENT_DATA and invoke nothing.
* :class:`StepPolicy` (§6.3) is invoked by user alarms (``AlarmActions``): it aggregates the
  alarm's evaluated datapoints (``MetricAggregationType``), picks the step for the breach size
  relative to the alarm threshold, and applies it to the running count — during its scale-out
  cooldown to the capacity before the initiating scale-out (§6.3 "the previous increase of 2 is
  considered part of the current capacity").
"""

from __future__ import annotations

import hashlib
import uuid

from fargasim.autoscaling.controller import Proposal, ScalableTarget
from fargasim.autoscaling.cooldown import PolicyCooldown
from fargasim.autoscaling.step import StepPolicyConfig, aggregate, select_step, step_capacity
from fargasim.autoscaling.target_tracking import CapacityRule
from fargasim.cloudwatch import Alarm, AlarmState


def managed_alarm_name(resource_id: str, policy: str, kind: str) -> str:
    """AWS's naming of target tracking alarms, with a stable id (``TargetTracking-service/default/
    web-AlarmHigh-1b3c…``)."""
    digest = hashlib.blake2b(f"{resource_id}/{policy}".encode(), digest_size=16).digest()
    return f"TargetTracking-{resource_id}-{kind}-{uuid.UUID(bytes=digest)}"


def _latest(alarm: Alarm, now: float) -> float | None:
    values = [v for _, v in alarm.evaluation_window(now) if v is not None]
    return values[-1] if values else None


def _cause(alarm: Alarm, policy: str) -> str:
    return f"monitor alarm {alarm.name} in state {alarm.state.value} triggered policy {policy}"


class TargetTrackingPolicy:
    """A ``TargetTrackingScaling`` policy of one scalable target (§6.2)."""

    def __init__(
        self,
        name: str,
        target: ScalableTarget,
        value: float,
        rule: CapacityRule,
        cooldown: PolicyCooldown,
        high: Alarm,
        low: Alarm | None,
        base_in_cooldown: str = "runningCount",
    ) -> None:
        self.base_in_cooldown = base_in_cooldown
        self.name = name
        self.target = target
        self.value = value
        self.rule = rule
        self.cooldown = cooldown
        self.high = high
        self.low = low

    def on_evaluated(self, alarm: Alarm, now: float) -> None:
        """Scale from zero (§6.1): "when actual capacity is 0 and the metric indicates that there
        is workload demand, Service Auto Scaling waits for one data point to be sent before
        scaling out. In this case, it scales out by the minimum possible amount" — so one
        datapoint above 0 is enough, without waiting for AlarmHigh's datapoints."""
        if alarm is not self.high or self.target.desired != 0 or self.target.running_count() != 0:
            return
        metric = _latest(alarm, now)
        if metric is not None and metric > 0:
            cause = f"{_cause(alarm, self.name)} (scale out from zero after one datapoint)"
            self.target.propose(Proposal(self, 1, True, cause))

    def on_action(self, alarm: Alarm, now: float) -> None:
        metric = _latest(alarm, now)
        if metric is None:
            return
        running = self.target.running_count()
        desired = self.target.desired
        if alarm is self.high:
            # §6.1: "While the scale-out cooldown period is in effect, the capacity added by the
            # initiating scale-out activity is calculated as part of the desired capacity for
            # the next scale-out activity": only a proposal above the desired count goes
            # through. What the metric multiplies is model.autoscaling.scaleOutBaseInCooldown:
            # the RUNNING count (§6.1's "starting point", the default) or the capacity before
            # the initiating scale-out (which the datapoints still describe).
            base = (
                self.cooldown.scale_out_base(now, running)
                if self.base_in_cooldown == "capacityBeforeScaleOut"
                else running
            )
            proposed = self.rule.scale_out(base, metric, self.value)
            allowed = self.cooldown.allow_scale_out(now, proposed, desired)
            if allowed is not None:
                self.target.propose(Proposal(self, allowed, True, _cause(alarm, self.name)))
        elif alarm is self.low and self.cooldown.allow_scale_in(now) and running > 0:
            proposed = self.rule.scale_in(running, metric, self.value)
            if proposed < desired:
                self.target.propose(Proposal(self, proposed, False, _cause(alarm, self.name)))

    def ready_to_scale_in(self) -> bool:
        return self.low is None or self.low.state == AlarmState.ALARM

    def applied(self, now: float, from_capacity: int, to_capacity: int) -> None:
        self.cooldown.record(now, from_capacity, to_capacity)

    def other_scaled_out(self) -> None:
        self.cooldown.cancel_scale_in_cooldown()


class StepPolicy:
    """A ``StepScaling`` policy invoked by user alarms (§6.3)."""

    def __init__(
        self, name: str, target: ScalableTarget, config: StepPolicyConfig, cooldown: PolicyCooldown
    ) -> None:
        self.name = name
        self.target = target
        self.config = config
        self.cooldown = cooldown

    def on_evaluated(self, alarm: Alarm, now: float) -> None:
        """Nothing between actions: a step policy acts only when its alarm invokes it."""

    def on_action(self, alarm: Alarm, now: float) -> None:
        values = [v for _, v in alarm.evaluation_window(now) if v is not None]
        if not values:
            return
        metric = aggregate(values, self.config.metric_aggregation_type)
        step = select_step(self.config, metric, alarm.config.threshold)
        if step is None:
            return
        running = self.target.running_count()
        desired = self.target.desired
        outward = (
            step.adjustment > desired
            if self.config.adjustment_type == "ExactCapacity"
            else step.adjustment > 0
        )
        cause = _cause(alarm, self.name)
        if outward:
            base = self.cooldown.scale_out_base(now, running)
            proposed = step_capacity(self.config, step, base)
            allowed = self.cooldown.allow_scale_out(now, proposed, desired)
            if allowed is not None:
                self.target.propose(Proposal(self, allowed, True, cause))
        elif (
            step.adjustment != 0 or self.config.adjustment_type == "ExactCapacity"
        ) and self.cooldown.allow_scale_in(now):  # ExactCapacity 0 is a scale-in to 0
            proposed = step_capacity(self.config, step, running)
            if proposed < desired:
                self.target.propose(Proposal(self, max(proposed, 0), False, cause))

    def ready_to_scale_in(self) -> bool:
        return True

    def applied(self, now: float, from_capacity: int, to_capacity: int) -> None:
        self.cooldown.record(now, from_capacity, to_capacity)

    def other_scaled_out(self) -> None:
        self.cooldown.cancel_scale_in_cooldown()
