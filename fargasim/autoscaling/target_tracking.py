"""Target tracking: the capacity rule, the managed alarms and the predefined ECS metrics
(reference §6.2, §6.1, §9).

AWS documents the behaviour but not the formula (§6.2): a target tracking policy "scales out
proportionally to the metric as fast as it can, but scales in more gradually"; "it slows down
scaling by removing capacity only when utilization passes a threshold that is far enough below
the target value (usually more than 10% lower)"; it "acts conservatively by rounding up or down
when it determines how much capacity to add or remove"; and (current page) it does not scale in
when removing capacity would likely push the metric above the target. The capacity formula is
therefore an **assumption**, kept behind the :class:`CapacityRule` protocol so that another rule
can replace it (``CAPACITY_RULES`` maps names to classes).

The managed alarms (§6.2): AlarmHigh = 3 of 3 one-minute datapoints above the target,
AlarmLow = 15 of 15 below ``0.9 × target`` (the 0.9 and the 20-second counts are
**UNSOURCED**, model parameters).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Protocol

#: Ratios within this relative distance of an integer count as that integer, so that
#: floating-point noise (3 × 0.7 / 0.35 = 6.000000000000001) does not add a task.
_RELATIVE_TOLERANCE = 1e-9


class CapacityRule(Protocol):
    """How a target tracking policy turns (capacity, metric, target) into a new capacity.

    ``scale_out`` is asked when AlarmHigh fires, ``scale_in`` when AlarmLow fires; both return
    the capacity to ask for, before MinCapacity / MaxCapacity clamping (the controller's).
    """

    def scale_out(self, current: int, metric: float, target: float) -> int: ...

    def scale_in(self, current: int, metric: float, target: float) -> int: ...


def _ceil(x: float) -> int:
    nearest = round(x)
    if abs(x - nearest) <= _RELATIVE_TOLERANCE * max(1.0, abs(x)):
        return int(nearest)
    return math.ceil(x)


@dataclass(frozen=True)
class ProportionalCapacity:
    """The default rule (§6.2 **assumption**; the reference's "capacity formula").

    - Scale out: ``ceil(current × metric / target)``, never below ``current`` ("scales out
      proportionally to the metric as fast as it can").
    - Scale in: ``ceil(current × metric / target)``, never above ``current``: the smallest
      capacity whose projected metric ``current × metric / new`` stays ≤ target, so capacity is
      removed only when that holds (conservative rounding, §6.2 current page). Never below 1,
      except that a metric of exactly 0 gives 0 when ``zero_metric_scales_to_zero`` ("When a
      metric emits real 0 values … Application Auto Scaling can scale in to 0 … minimum
      capacity must be set to 0", §6.2; the controller's MinCapacity clamp still applies).
    - Scale from zero: ``current == 0`` and a metric above 0 gives 1 ("it scales out by the
      minimum possible amount as a starting point", §6.1).

    The metric is assumed to fall as capacity grows (a utilization or per-target metric), as
    target tracking requires.
    """

    zero_metric_scales_to_zero: bool = True

    @staticmethod
    def _check(current: int, target: float) -> None:
        if target <= 0:
            raise ValueError(f"the proportional rule needs a target above 0, got {target}")
        if current < 0:
            raise ValueError(f"capacity must not be negative, got {current}")

    def scale_out(self, current: int, metric: float, target: float) -> int:
        self._check(current, target)
        if current == 0:
            return 1 if metric > 0 else 0
        return max(current, _ceil(current * metric / target))

    def scale_in(self, current: int, metric: float, target: float) -> int:
        self._check(current, target)
        if current == 0:
            return 0
        if metric <= 0:
            return 0 if self.zero_metric_scales_to_zero and metric == 0 else 1
        return max(1, min(current, _ceil(current * metric / target)))


#: The capacity rules a scenario can name (DESIGN §6: one registry maps names to classes).
CAPACITY_RULES: Mapping[str, type[ProportionalCapacity]] = MappingProxyType(
    {"proportional": ProportionalCapacity}
)

#: §6.2 UNSOURCED: AlarmLow threshold / target ("usually more than 10% lower").
DEFAULT_SCALE_IN_RATIO = 0.9


def managed_alarm_thresholds(
    target: float, scale_in_ratio: float = DEFAULT_SCALE_IN_RATIO
) -> tuple[float, float]:
    """(AlarmHigh, AlarmLow) thresholds: high breaches when the metric is > target, low when it
    is < ``scale_in_ratio × target`` (§6.2; the ratio is UNSOURCED)."""
    if not 0 < scale_in_ratio <= 1:
        raise ValueError(f"scale_in_ratio must be in (0, 1], got {scale_in_ratio}")
    return target, scale_in_ratio * target


@dataclass(frozen=True)
class ManagedAlarmSpec:
    """Datapoints of the two managed alarms: each is "M of M" consecutive periods (§6.2).

    Defaults are the documented one-minute ones: "the Autoscaling Alarm TargetTracking-…-AlarmLow
    … has 15 data points configured … The Autoscaling Alarm for High Value (scale-out) has only
    3 data points configured" (AWS staff, §6.2).
    """

    datapoints_high: int = 3
    datapoints_low: int = 15
    period: float = 60.0

    def __post_init__(self) -> None:
        if self.datapoints_high < 1 or self.datapoints_low < 1:
            raise ValueError("alarms need at least one datapoint")
        if self.period <= 0:
            raise ValueError(f"period must be positive, got {self.period}")

    @property
    def high_window(self) -> float:
        """Seconds of breaching datapoints before AlarmHigh fires."""
        return self.datapoints_high * self.period

    @property
    def low_window(self) -> float:
        """Seconds of breaching datapoints before AlarmLow fires."""
        return self.datapoints_low * self.period


def high_resolution_alarm_spec(
    datapoints_high: int = 3, datapoints_low: int = 45, period: float = 20.0
) -> ManagedAlarmSpec:
    """The managed alarms for the ``…HighResolution`` metrics (20 s datapoints, §6.2).

    **Assumption** (AWS publishes no counts for 20 s metrics): 3 datapoints high (one minute
    instead of three) and 45 low (the same 15 minutes as the one-minute alarm).
    """
    return ManagedAlarmSpec(datapoints_high, datapoints_low, period)


@dataclass(frozen=True)
class PredefinedMetric:
    """The CloudWatch metric behind a ``PredefinedMetricType``."""

    namespace: str
    metric_name: str
    statistic: str
    period: float
    dimensions: tuple[str, ...]


_ECS_DIMENSIONS = ("ClusterName", "ServiceName")

#: §6.2 predefined metrics for ECS services; §11 for the ECS metrics. RequestCountPerTarget:
#: "The only valid statistic is Sum. This represents the average not the sum." (§9); its
#: TargetGroup dimension comes from the policy's ResourceLabel.
PREDEFINED_METRICS: Mapping[str, PredefinedMetric] = MappingProxyType(
    {
        "ECSServiceAverageCPUUtilization": PredefinedMetric(
            "AWS/ECS", "CPUUtilization", "Average", 60.0, _ECS_DIMENSIONS
        ),
        "ECSServiceAverageMemoryUtilization": PredefinedMetric(
            "AWS/ECS", "MemoryUtilization", "Average", 60.0, _ECS_DIMENSIONS
        ),
        "ECSServiceAverageCPUUtilizationHighResolution": PredefinedMetric(
            "AWS/ECS", "CPUUtilization", "Average", 20.0, _ECS_DIMENSIONS
        ),
        "ECSServiceAverageMemoryUtilizationHighResolution": PredefinedMetric(
            "AWS/ECS", "MemoryUtilization", "Average", 20.0, _ECS_DIMENSIONS
        ),
        "ALBRequestCountPerTarget": PredefinedMetric(
            "AWS/ApplicationELB", "RequestCountPerTarget", "Sum", 60.0, ("TargetGroup",)
        ),
    }
)


def alarm_spec_for(
    metric_type: str,
    standard: ManagedAlarmSpec | None = None,
    high_resolution: ManagedAlarmSpec | None = None,
) -> ManagedAlarmSpec:
    """The managed-alarm datapoints for a predefined metric: 20 s metrics get
    ``high_resolution`` (default :func:`high_resolution_alarm_spec`), the others ``standard``
    (default :class:`ManagedAlarmSpec`)."""
    metric = PREDEFINED_METRICS.get(metric_type)
    if metric is None:
        known = ", ".join(PREDEFINED_METRICS)
        raise ValueError(f"unknown PredefinedMetricType {metric_type!r}: use one of {known}")
    if metric.period < 60:
        return high_resolution if high_resolution is not None else high_resolution_alarm_spec()
    return standard if standard is not None else ManagedAlarmSpec()
