"""Step scaling: which step adjustment an alarm breach selects and the capacity it asks for
(reference §6.3; quotas §5.5).

Pure functions of explicit arguments; the controller supplies the alarm threshold, the
aggregated metric and the capacity to start from (§6.1: the running task count), and clamps the
result to MinCapacity / MaxCapacity.

AWS rules modelled (Application Auto Scaling User Guide, "Step scaling policies",
https://docs.aws.amazon.com/autoscaling/application/userguide/application-auto-scaling-step-scaling-policies.html,
and the API reference for ``StepAdjustment`` / ``StepScalingPolicyConfiguration``):

- Bounds are relative to the alarm threshold. "If the metric value is above the breach
  threshold, the lower bound is inclusive and the upper bound is exclusive. If the metric value
  is below the breach threshold, the lower bound is exclusive and the upper bound is inclusive."
- "The ranges of your step adjustments can't overlap or have a gap." "Only one step adjustment
  can have a null lower bound (negative infinity). If one step adjustment has a negative lower
  bound, then there must be a step adjustment with a null lower bound." (and symmetrically for
  the upper bound); "The upper and lower bound can't be null in the same step adjustment."
- "Application Auto Scaling applies your specified aggregation type to the most recent metric
  data points"; "If the aggregation type is null, the value is treated as Average."
- PercentChangeInCapacity rounding: "Values greater than 1 are rounded down. For example,
  12.7 is rounded to 12. Values between 0 and 1 are rounded to 1. … Values between 0 and -1 are
  rounded to -1. … Values less than -1 are rounded up. For example, -6.67 is rounded to -6."
- MinAdjustmentMagnitude: "suppose that you create a policy that adds 25 percent and you
  specify a minimum amount of 2. If the scalable target has a capacity of 4 … 25 percent of 4
  is 1. However, because you specified a minimum increment of 2, Application Auto Scaling
  adds 2."
- Cooldown: "If not specified, the default value is 300" (API reference,
  StepScalingPolicyConfiguration.Cooldown); its bookkeeping is :mod:`.cooldown`.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

ADJUSTMENT_TYPES = ("ChangeInCapacity", "PercentChangeInCapacity", "ExactCapacity")
AGGREGATION_TYPES = ("Average", "Minimum", "Maximum")
#: §5.5: "20 step adjustments per step policy".
MAX_STEP_ADJUSTMENTS = 20
#: API reference, StepScalingPolicyConfiguration.Cooldown: "If not specified, the default value
#: is 300." (older editions: "a default value of 300 for … ECS services").
DEFAULT_STEP_COOLDOWN = 300.0


@dataclass(frozen=True)
class StepAdjustment:
    """One ``StepAdjustment``: bounds relative to the alarm threshold (None = ∓infinity)."""

    lower: float | None
    upper: float | None
    adjustment: int


@dataclass(frozen=True)
class StepPolicyConfig:
    """``StepScalingPolicyConfiguration`` with AWS's defaults (§6.3).

    ``cooldown`` defaults to the documented 300 s. ``min_adjustment_magnitude`` is only valid
    with ``PercentChangeInCapacity``.
    """

    adjustment_type: str
    steps: tuple[StepAdjustment, ...]
    min_adjustment_magnitude: int | None = None
    cooldown: float = DEFAULT_STEP_COOLDOWN
    metric_aggregation_type: str = "Average"

    def __post_init__(self) -> None:
        if self.adjustment_type not in ADJUSTMENT_TYPES:
            raise ValueError(
                f"AdjustmentType {self.adjustment_type!r}: use one of {', '.join(ADJUSTMENT_TYPES)}"
            )
        if self.metric_aggregation_type not in AGGREGATION_TYPES:
            raise ValueError(
                f"MetricAggregationType {self.metric_aggregation_type!r}: "
                f"use one of {', '.join(AGGREGATION_TYPES)}"
            )
        if self.cooldown < 0:
            raise ValueError(f"Cooldown must not be negative, got {self.cooldown}")
        if self.min_adjustment_magnitude is not None:
            if self.adjustment_type != "PercentChangeInCapacity":
                raise ValueError(
                    "MinAdjustmentMagnitude is only valid with PercentChangeInCapacity"
                )
            if self.min_adjustment_magnitude < 0:
                raise ValueError("MinAdjustmentMagnitude must not be negative")


def _fmt(bound: float | None) -> str:
    return "null" if bound is None else f"{bound:g}"


def validate_steps(
    steps: Sequence[StepAdjustment],
    threshold_side: Literal["above", "below"] | None = None,
) -> list[str]:
    """Problems with a policy's step adjustments, one readable message each (empty: valid).

    Checks the AWS rules quoted in the module docstring and the §5.5 quota of 20 adjustments.
    ``threshold_side`` is fargasim's extra consistency check: for an alarm that fires "above"
    its threshold, a step lying wholly below it can never be selected (and vice versa).
    An empty list is not reported here (PutScalingPolicy: "At least one step adjustment is
    required"), so that the scenario loader's own message stays the only one.
    """
    problems: list[str] = []
    if len(steps) > MAX_STEP_ADJUSTMENTS:
        problems.append(
            f"at most {MAX_STEP_ADJUSTMENTS} step adjustments per policy (§5.5), got {len(steps)}"
        )
    valid: list[tuple[int, StepAdjustment]] = []
    for i, s in enumerate(steps):
        if s.lower is None and s.upper is None:
            problems.append(
                f"[{i}]: the upper and lower bound can't be null in the same step adjustment"
            )
        elif s.lower is not None and s.upper is not None and s.upper <= s.lower:
            problems.append(
                f"[{i}]: the upper bound ({_fmt(s.upper)}) must be greater than "
                f"the lower bound ({_fmt(s.lower)})"
            )
        else:
            valid.append((i, s))
    null_lower = [i for i, s in enumerate(steps) if s.lower is None]
    null_upper = [i for i, s in enumerate(steps) if s.upper is None]
    if len(null_lower) > 1:
        problems.append(
            f"only one step adjustment can have a null lower bound, got {len(null_lower)} "
            f"({', '.join(f'[{i}]' for i in null_lower)})"
        )
    if len(null_upper) > 1:
        problems.append(
            f"only one step adjustment can have a null upper bound, got {len(null_upper)} "
            f"({', '.join(f'[{i}]' for i in null_upper)})"
        )
    if not null_lower and any(s.lower is not None and s.lower < 0 for s in steps):
        problems.append(
            "a step adjustment has a negative lower bound, so one must have a null lower bound"
        )
    if not null_upper and any(s.upper is not None and s.upper > 0 for s in steps):
        problems.append(
            "a step adjustment has a positive upper bound, so one must have a null upper bound"
        )
    ordered = sorted(valid, key=lambda item: -math.inf if item[1].lower is None else item[1].lower)
    for (i, a), (j, b) in itertools.pairwise(ordered):
        a_hi = math.inf if a.upper is None else a.upper
        b_lo = -math.inf if b.lower is None else b.lower
        if b_lo < a_hi:
            problems.append(
                f"[{i}] ({_fmt(a.lower)}, {_fmt(a.upper)}) and [{j}] ({_fmt(b.lower)}, "
                f"{_fmt(b.upper)}) overlap: step ranges can't overlap"
            )
        elif b_lo > a_hi:
            problems.append(
                f"gap between [{i}] (upper {_fmt(a.upper)}) and [{j}] (lower {_fmt(b.lower)}): "
                "step ranges can't have a gap"
            )
    if threshold_side == "above":
        for i, s in valid:
            if s.lower is None or s.lower < 0:
                problems.append(
                    f"[{i}] reaches below the alarm threshold, but the alarm breaches above it"
                )
    elif threshold_side == "below":
        for i, s in valid:
            if s.upper is None or s.upper > 0:
                problems.append(
                    f"[{i}] reaches above the alarm threshold, but the alarm breaches below it"
                )
    return problems


def aggregate(values: Sequence[float], how: str = "Average") -> float:
    """``MetricAggregationType`` over the alarm's most recent datapoints (§6.3)."""
    if not values:
        raise ValueError("no datapoints to aggregate")
    if how == "Average":
        return math.fsum(values) / len(values)
    if how == "Minimum":
        return min(values)
    if how == "Maximum":
        return max(values)
    raise ValueError(f"MetricAggregationType {how!r}: use one of {', '.join(AGGREGATION_TYPES)}")


def _matches(step: StepAdjustment, metric: float, threshold: float, above: bool) -> bool:
    lo = -math.inf if step.lower is None else threshold + step.lower
    hi = math.inf if step.upper is None else threshold + step.upper
    if above:
        return lo <= metric < hi
    return lo < metric <= hi


def select_step(config: StepPolicyConfig, metric: float, threshold: float) -> StepAdjustment | None:
    """The step adjustment for an aggregated metric value, or None when no step covers it.

    Above the threshold the lower bound is inclusive and the upper exclusive; below it the
    lower bound is exclusive and the upper inclusive (§6.3). A metric exactly at the threshold
    is "above" for a step that starts at it (``[0, 10)``: "greater than or equal to 50") and
    otherwise "below" (``(-10, 0]``: "less than or equal to 50"), as the API reference's two
    examples say.
    """
    sides: tuple[bool, ...]
    if metric > threshold:
        sides = (True,)
    elif metric < threshold:
        sides = (False,)
    else:
        sides = (True, False)
    for above in sides:
        for step in config.steps:
            if _matches(step, metric, threshold, above):
                return step
    return None


def percent_change(current: int, percent: float) -> int:
    """The capacity change for a ``PercentChangeInCapacity`` adjustment, rounded as §6.3 says.

    ``current × percent / 100``: greater than 1 is rounded down (12.7 → 12), in (0, 1] gives 1,
    in [-1, 0) gives -1 and below -1 is rounded up (-6.67 → -6): truncation toward zero, never
    to zero. Computed exactly (no floating-point noise at integer results).
    """
    raw = Fraction(current) * Fraction(percent) / 100
    if raw == 0:
        return 0
    if -1 < raw < 1:
        return 1 if raw > 0 else -1
    return math.trunc(raw)


def step_capacity(config: StepPolicyConfig, step: StepAdjustment, current: int) -> int:
    """The new capacity a step asks for, before MinCapacity / MaxCapacity clamping (§6.3).

    ``ChangeInCapacity``: current + adjustment. ``ExactCapacity``: the adjustment.
    ``PercentChangeInCapacity``: current + :func:`percent_change`, raised to
    ``MinAdjustmentMagnitude`` (in the adjustment's direction) when smaller than it.
    """
    if config.adjustment_type == "ChangeInCapacity":
        return current + step.adjustment
    if config.adjustment_type == "ExactCapacity":
        return step.adjustment
    change = percent_change(current, step.adjustment)
    magnitude = config.min_adjustment_magnitude
    if magnitude is not None and step.adjustment != 0 and abs(change) < magnitude:
        change = magnitude if step.adjustment > 0 else -magnitude
    return current + change
