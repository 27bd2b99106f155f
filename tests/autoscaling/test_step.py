"""Step scaling (reference §6.3, §5.5): step selection, adjustment types, rounding and validation.

Sources quoted in the tests:

- Application Auto Scaling User Guide, "Step scaling policies" (2023 edition,
  https://docs.aws.amazon.com/autoscaling/application/userguide/application-auto-scaling-step-scaling-policies.html;
  now "How step scaling for Application Auto Scaling works",
  https://docs.aws.amazon.com/autoscaling/application/userguide/step-scaling-policy-overview.html).
  The worked example: "a scalable target that has both a current capacity and a desired
  capacity of 10 … a CloudWatch alarm with a breach threshold of 50 percent … an adjustment
  type of PercentChangeInCapacity" with scale-out steps [0, 10) → 0, [10, 20) → +10,
  [20, null) → +30 and scale-in steps (-10, 0] → 0, (-20, -10] → -10, (null, -20] → -30.
  (The EC2 Auto Scaling User Guide, as-scaling-simple-step.html, has the same example.)
- API reference, StepAdjustment (https://docs.aws.amazon.com/autoscaling/application/APIReference/API_StepAdjustment.html)
  and StepScalingPolicyConfiguration (…/API_StepScalingPolicyConfiguration.html).
"""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fargasim.autoscaling.step import (
    DEFAULT_STEP_COOLDOWN,
    MAX_STEP_ADJUSTMENTS,
    StepAdjustment,
    StepPolicyConfig,
    aggregate,
    percent_change,
    select_step,
    step_capacity,
    validate_steps,
)

THRESHOLD = 50.0
SCALE_OUT = StepPolicyConfig(
    "PercentChangeInCapacity",
    (StepAdjustment(0, 10, 0), StepAdjustment(10, 20, 10), StepAdjustment(20, None, 30)),
)
SCALE_IN = StepPolicyConfig(
    "PercentChangeInCapacity",
    (StepAdjustment(-10, 0, 0), StepAdjustment(-20, -10, -10), StepAdjustment(None, -20, -30)),
)


def _apply(config: StepPolicyConfig, metric: float, capacity: int) -> int:
    step = select_step(config, metric, THRESHOLD)
    assert step is not None
    return step_capacity(config, step, capacity)


class TestUserGuideWorkedExample:
    """The user guide's step-adjustment example, step by step, with its numbers."""

    def test_the_example_steps_are_valid(self) -> None:
        assert validate_steps(SCALE_OUT.steps, "above") == []
        assert validate_steps(SCALE_IN.steps, "below") == []

    def test_capacity_is_maintained_between_40_and_60(self) -> None:
        # "The current and desired capacity is maintained while the aggregated metric value is
        # greater than 40 and less than 60."
        for metric in (40.01, 45.0, 50.0, 55.0, 59.99):
            config = SCALE_OUT if metric >= THRESHOLD else SCALE_IN
            assert _apply(config, metric, 10) == 10

    def test_the_full_sequence(self) -> None:
        # "If the metric value gets to 60, Application Auto Scaling increases the desired
        # capacity of the scalable target by 1, to 11 … (add 10 percent of 10)."
        capacity = _apply(SCALE_OUT, 60, 10)
        assert capacity == 11
        # "If the metric value rises to 70 even after this increase in capacity, Application
        # Auto Scaling increases the target capacity by 3, to 14 … (add 30 percent of 11, 3.3,
        # rounded down to 3)."
        capacity = _apply(SCALE_OUT, 70, capacity)
        assert capacity == 14
        # "If the metric value gets to 40, Application Auto Scaling decreases the target
        # capacity by 1, to 13 … (remove 10 percent of 14, 1.4, rounded down to 1)."
        capacity = _apply(SCALE_IN, 40, capacity)
        assert capacity == 13
        # "If the metric value falls to 30 even after this decrease in capacity, Application
        # Auto Scaling decreases the target capacity by 3, to 10 … (remove 30 percent of 13,
        # 3.9, rounded down to 3)."
        capacity = _apply(SCALE_IN, 30, capacity)
        assert capacity == 10

    def test_the_configuration_diagram(self) -> None:
        # "-infinity 30% 40% 60% 70% infinity / -30% | -10% | Unchanged | +10% | +30%"
        assert select_step(SCALE_IN, 29.9, THRESHOLD) == SCALE_IN.steps[2]
        assert select_step(SCALE_IN, 30, THRESHOLD) == SCALE_IN.steps[2]
        assert select_step(SCALE_IN, 30.1, THRESHOLD) == SCALE_IN.steps[1]
        assert select_step(SCALE_IN, 40, THRESHOLD) == SCALE_IN.steps[1]
        assert select_step(SCALE_OUT, 60, THRESHOLD) == SCALE_OUT.steps[1]
        assert select_step(SCALE_OUT, 69.9, THRESHOLD) == SCALE_OUT.steps[1]
        assert select_step(SCALE_OUT, 70, THRESHOLD) == SCALE_OUT.steps[2]
        assert select_step(SCALE_OUT, 1e9, THRESHOLD) == SCALE_OUT.steps[2]


class TestBoundInclusivity:
    """ "If the metric value is above the breach threshold, the lower bound is inclusive and the
    upper bound is exclusive. If the metric value is below the breach threshold, the lower bound
    is exclusive and the upper bound is inclusive." (§6.3)"""

    def test_api_reference_example_above(self) -> None:
        # "To initiate the adjustment when the metric is greater than or equal to 50 and less
        # than 60, specify a lower bound of 0 and an upper bound of 10."
        config = StepPolicyConfig("ChangeInCapacity", (StepAdjustment(0, 10, 1),))
        assert select_step(config, 50, THRESHOLD) is not None
        assert select_step(config, 59.999, THRESHOLD) is not None
        assert select_step(config, 60, THRESHOLD) is None
        assert select_step(config, 49.999, THRESHOLD) is None

    def test_api_reference_example_below(self) -> None:
        # "To initiate the adjustment when the metric is greater than 40 and less than or equal
        # to 50, specify a lower bound of -10 and an upper bound of 0."
        config = StepPolicyConfig("ChangeInCapacity", (StepAdjustment(-10, 0, -1),))
        assert select_step(config, 50, THRESHOLD) is not None
        assert select_step(config, 40.001, THRESHOLD) is not None
        assert select_step(config, 40, THRESHOLD) is None
        assert select_step(config, 50.001, THRESHOLD) is None

    def test_shared_bound_goes_to_the_step_farther_from_the_threshold(self) -> None:
        # Above: 60 is in [10, 20), not [0, 10). Below: 40 is in (-20, -10], not (-10, 0].
        assert select_step(SCALE_OUT, 60, THRESHOLD) == StepAdjustment(10, 20, 10)
        assert select_step(SCALE_IN, 40, THRESHOLD) == StepAdjustment(-20, -10, -10)

    def test_no_step_covers_the_metric(self) -> None:
        config = StepPolicyConfig("ChangeInCapacity", (StepAdjustment(10, None, 2),))
        assert select_step(config, 55, THRESHOLD) is None


class TestAdjustmentTypes:
    def test_change_in_capacity(self) -> None:
        # "If the current capacity is 3 and the adjustment is 5, then Application Auto Scaling
        # adds 5 to the capacity for a total of 8."
        config = StepPolicyConfig("ChangeInCapacity", (StepAdjustment(0, None, 5),))
        assert step_capacity(config, config.steps[0], 3) == 8

    def test_exact_capacity(self) -> None:
        # "If the current capacity is 3 and the adjustment is 5, then Application Auto Scaling
        # changes the capacity to 5."
        config = StepPolicyConfig("ExactCapacity", (StepAdjustment(0, None, 5),))
        assert step_capacity(config, config.steps[0], 3) == 5

    def test_percent_change_in_capacity(self) -> None:
        # "If the current capacity is 10 and the adjustment is 10 percent, then Application
        # Auto Scaling adds 1 to the capacity for a total of 11."
        config = StepPolicyConfig("PercentChangeInCapacity", (StepAdjustment(0, None, 10),))
        assert step_capacity(config, config.steps[0], 10) == 11


class TestPercentRounding:
    """ "Values greater than 1 are rounded down. For example, 12.7 is rounded to 12. Values
    between 0 and 1 are rounded to 1. For example, .67 is rounded to 1. Values between 0 and -1
    are rounded to -1. For example, -.58 is rounded to -1. Values less than -1 are rounded up.
    For example, -6.67 is rounded to -6." (§6.3)"""

    @pytest.mark.parametrize(
        ("current", "percent", "raw", "expected"),
        [
            (127, 10, 12.7, 12),
            (67, 1, 0.67, 1),
            (58, -1, -0.58, -1),
            (667, -1, -6.67, -6),
            (10, 10, 1.0, 1),
            (10, -10, -1.0, -1),
            (11, 30, 3.3, 3),
            (14, -10, -1.4, -1),
            (13, -30, -3.9, -3),
            (0, 50, 0.0, 0),
            (10, 0, 0.0, 0),
        ],
    )
    def test_documented_rounding(
        self, current: int, percent: int, raw: float, expected: int
    ) -> None:
        assert current * percent / 100 == pytest.approx(raw)
        assert percent_change(current, percent) == expected

    @given(st.integers(0, 10_000), st.integers(-100, 1000))
    def test_rounding_is_truncation_that_never_reaches_zero(
        self, current: int, percent: int
    ) -> None:
        raw = Fraction(current * percent, 100)
        change = percent_change(current, percent)
        if raw == 0:
            assert change == 0
        elif abs(raw) < 1:
            assert change == (1 if raw > 0 else -1)
        else:
            assert change == math.trunc(raw)
            assert abs(change) <= abs(raw) < abs(change) + 1


class TestMinAdjustmentMagnitude:
    def test_user_guide_example(self) -> None:
        # "suppose that you create a policy that adds 25 percent and you specify a minimum
        # amount of 2. If the scalable target has a capacity of 4 and the scaling policy is
        # performed, 25 percent of 4 is 1. However, because you specified a minimum increment
        # of 2, Application Auto Scaling adds 2."
        config = StepPolicyConfig(
            "PercentChangeInCapacity", (StepAdjustment(0, None, 25),), min_adjustment_magnitude=2
        )
        assert step_capacity(config, config.steps[0], 4) == 6

    def test_a_larger_change_is_kept(self) -> None:
        config = StepPolicyConfig(
            "PercentChangeInCapacity", (StepAdjustment(0, None, 25),), min_adjustment_magnitude=2
        )
        assert step_capacity(config, config.steps[0], 40) == 50

    def test_applies_to_scale_in_too(self) -> None:
        config = StepPolicyConfig(
            "PercentChangeInCapacity", (StepAdjustment(None, 0, -25),), min_adjustment_magnitude=2
        )
        assert step_capacity(config, config.steps[0], 4) == 2

    def test_only_valid_with_percent_change(self) -> None:
        with pytest.raises(ValueError, match="PercentChangeInCapacity"):
            StepPolicyConfig("ChangeInCapacity", (), min_adjustment_magnitude=2)


class TestConfig:
    def test_defaults(self) -> None:
        # StepScalingPolicyConfiguration.Cooldown: "If not specified, the default value is 300."
        # MetricAggregationType: "If the aggregation type is null, the value is treated as
        # Average."
        config = StepPolicyConfig("ChangeInCapacity", ())
        assert config.cooldown == DEFAULT_STEP_COOLDOWN == 300.0
        assert config.metric_aggregation_type == "Average"

    @pytest.mark.parametrize(
        "kwargs",
        [
            {"adjustment_type": "Percent"},
            {"adjustment_type": "ChangeInCapacity", "metric_aggregation_type": "Sum"},
            {"adjustment_type": "ChangeInCapacity", "cooldown": -1},
        ],
    )
    def test_invalid(self, kwargs: dict[str, object]) -> None:
        with pytest.raises(ValueError):
            StepPolicyConfig(steps=(), **kwargs)  # type: ignore[arg-type]


class TestAggregate:
    """ "Application Auto Scaling applies your specified aggregation type to the most recent
    metric data points" (§6.3)."""

    def test_types(self) -> None:
        values = [70.0, 90.0, 80.0]
        assert aggregate(values, "Average") == 80.0
        assert aggregate(values, "Minimum") == 70.0
        assert aggregate(values, "Maximum") == 90.0
        assert aggregate(values) == 80.0

    def test_errors(self) -> None:
        with pytest.raises(ValueError, match="no datapoints"):
            aggregate([], "Average")
        with pytest.raises(ValueError, match="MetricAggregationType"):
            aggregate([1.0], "Sum")


class TestValidateSteps:
    """ "The ranges of your step adjustments can't overlap or have a gap. Only one step
    adjustment can have a null lower bound (negative infinity). If one step adjustment has a
    negative lower bound, then there must be a step adjustment with a null lower bound. Only one
    step adjustment can have a null upper bound (positive infinity). If one step adjustment has
    a positive upper bound, then there must be a step adjustment with a null upper bound. The
    upper and lower bound can't be null in the same step adjustment." (§6.3); "20 step
    adjustments per step policy" (§5.5)."""

    def test_valid_sets(self) -> None:
        assert validate_steps([StepAdjustment(0, None, 1)]) == []
        assert validate_steps([StepAdjustment(None, 0, -1)]) == []
        assert validate_steps([StepAdjustment(None, 0, -1), StepAdjustment(0, None, 1)]) == []
        # order does not matter
        assert validate_steps(list(reversed(SCALE_OUT.steps))) == []
        assert validate_steps([]) == []

    @pytest.mark.parametrize(
        ("steps", "fragment"),
        [
            ([StepAdjustment(0, 20, 1), StepAdjustment(10, None, 2)], "overlap"),
            ([StepAdjustment(0, 10, 1), StepAdjustment(20, None, 2)], "gap"),
            ([StepAdjustment(None, None, 1)], "can't be null in the same step"),
            ([StepAdjustment(10, 10, 1), StepAdjustment(10, None, 1)], "greater than the lower"),
            ([StepAdjustment(20, 10, 1), StepAdjustment(20, None, 1)], "greater than the lower"),
            (
                [
                    StepAdjustment(None, -10, 1),
                    StepAdjustment(None, 0, 1),
                    StepAdjustment(0, None, 1),
                ],
                "only one step adjustment can have a null lower bound",
            ),
            (
                [StepAdjustment(0, None, 1), StepAdjustment(10, None, 1)],
                "only one step adjustment can have a null upper bound",
            ),
            ([StepAdjustment(-10, 0, -1)], "negative lower bound, so one must have a null lower"),
            ([StepAdjustment(0, 10, 1)], "positive upper bound, so one must have a null upper"),
        ],
    )
    def test_problems(self, steps: list[StepAdjustment], fragment: str) -> None:
        problems = validate_steps(steps)
        assert any(fragment in p for p in problems), problems

    def test_quota_of_20(self) -> None:
        steps = [StepAdjustment(float(i), float(i + 1), 1) for i in range(MAX_STEP_ADJUSTMENTS)]
        steps[-1] = StepAdjustment(float(MAX_STEP_ADJUSTMENTS - 1), None, 1)
        assert validate_steps(steps) == []
        steps.append(StepAdjustment(None, 0, -1))
        assert validate_steps(steps) == ["at most 20 step adjustments per policy (§5.5), got 21"]

    def test_threshold_side(self) -> None:
        assert validate_steps(SCALE_IN.steps, "above") != []
        assert validate_steps(SCALE_OUT.steps, "below") != []
        mixed = [StepAdjustment(None, 0, -1), StepAdjustment(0, None, 1)]
        assert validate_steps(mixed) == []
        assert len(validate_steps(mixed, "above")) == 1
        assert len(validate_steps(mixed, "below")) == 1

    def test_messages_name_the_adjustments(self) -> None:
        (message,) = validate_steps([StepAdjustment(0, 20, 1), StepAdjustment(10, None, 2)])
        assert message == "[0] (0, 20) and [1] (10, null) overlap: step ranges can't overlap"
