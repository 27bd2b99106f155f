"""Target tracking (reference §6.2, §6.1, §9): the capacity rule (an assumption), the managed
alarms and the predefined metrics.

§6.2: "scales out proportionally to the metric as fast as it can, but scales in more gradually";
"removing capacity only when utilization passes a threshold that is far enough below the target
value (usually more than 10% lower)"; "acts conservatively by rounding up or down"; current
page: it does not scale in if removing the minimum capacity unit would likely push the metric
above the target. §6.1: at capacity 0 with demand, "it scales out by the minimum possible amount
as a starting point". The formula itself is UNSOURCED: ceil(current × metric / target).
"""

from __future__ import annotations

import math

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from fargasim.autoscaling.target_tracking import (
    CAPACITY_RULES,
    PREDEFINED_METRICS,
    CapacityRule,
    ManagedAlarmSpec,
    ProportionalCapacity,
    alarm_spec_for,
    high_resolution_alarm_spec,
    managed_alarm_thresholds,
)

RULE: CapacityRule = ProportionalCapacity()


class TestProportionalScaleOut:
    @pytest.mark.parametrize(
        ("current", "metric", "target", "expected"),
        [
            (4, 90.0, 60.0, 6),  # 4 × 90 / 60 = 6 exactly
            (3, 61.0, 60.0, 4),  # 3.05 → 4: rounding up adds capacity
            (10, 100.0, 50.0, 20),  # proportional: twice the target, twice the tasks
            (2, 1000.0, 100.0, 20),  # ALBRequestCountPerTarget: 1000 per target, 100 wanted
            (3, 0.7, 0.35, 6),  # 6.000000000000001 in floating point: still 6
        ],
    )
    def test_hand_calculations(
        self, current: int, metric: float, target: float, expected: int
    ) -> None:
        assert RULE.scale_out(current, metric, target) == expected

    def test_scale_from_zero_adds_the_minimum(self) -> None:
        # §6.1: "when actual capacity is 0 and the metric indicates that there is workload
        # demand … it scales out by the minimum possible amount as a starting point"
        assert RULE.scale_out(0, 500.0, 100.0) == 1
        assert RULE.scale_out(0, 0.0, 100.0) == 0

    def test_never_below_current(self) -> None:
        assert RULE.scale_out(5, 10.0, 60.0) == 5

    @given(
        st.integers(0, 10_000),
        st.floats(0.01, 1e6, allow_nan=False),
        st.floats(0.01, 1e6, allow_nan=False),
    )
    def test_property_at_least_current_when_metric_above_target(
        self, current: int, metric: float, target: float
    ) -> None:
        assume(metric > target)
        new = RULE.scale_out(current, metric, target)
        assert new >= current
        if current > 0:
            # enough capacity for the projected metric to reach the target (up to float noise)
            assert current * metric / new <= target * (1 + 1e-9)
        else:
            assert new == 1


class TestProportionalScaleIn:
    @pytest.mark.parametrize(
        ("current", "metric", "target", "expected"),
        [
            (10, 50.0, 60.0, 9),  # 8.33 → 9; projected 10 × 50 / 9 = 55.6 ≤ 60
            (10, 30.0, 60.0, 5),  # exactly half: 5 tasks at 60
            (10, 55.0, 60.0, 10),  # 9 tasks would run at 61.1 > 60: keep 10
            (3, 1.0, 60.0, 1),  # never below 1 here (MinCapacity clamping is the controller's)
            (1, 10.0, 60.0, 1),
        ],
    )
    def test_hand_calculations(
        self, current: int, metric: float, target: float, expected: int
    ) -> None:
        assert RULE.scale_in(current, metric, target) == expected

    def test_a_real_zero_metric_may_reach_zero(self) -> None:
        # §6.2: "When a metric emits real 0 values … Application Auto Scaling can scale in to 0
        # … minimum capacity must be set to 0."
        assert RULE.scale_in(4, 0.0, 100.0) == 0
        assert ProportionalCapacity(zero_metric_scales_to_zero=False).scale_in(4, 0.0, 100.0) == 1
        assert RULE.scale_in(0, 0.0, 100.0) == 0

    @given(
        st.integers(1, 10_000),
        st.floats(0.001, 1e6, allow_nan=False),
        st.floats(0.01, 1e6, allow_nan=False),
    )
    def test_property_conservative(self, current: int, metric: float, target: float) -> None:
        assume(metric <= target)
        new = RULE.scale_in(current, metric, target)
        assert 1 <= new <= current
        # the projected metric stays at or below the target …
        assert current * metric / new <= target * (1 + 1e-9)
        # … and one task fewer would push it above (the rule removes as much as it safely can)
        if 1 < new < current:
            assert current * metric / (new - 1) > target * (1 - 1e-9)

    def test_invalid_arguments(self) -> None:
        with pytest.raises(ValueError, match="target above 0"):
            RULE.scale_in(3, 1.0, 0.0)
        with pytest.raises(ValueError, match="negative"):
            RULE.scale_out(-1, 1.0, 1.0)


def test_registry() -> None:
    assert CAPACITY_RULES["proportional"] is ProportionalCapacity


class TestManagedAlarms:
    def test_thresholds(self) -> None:
        # AlarmHigh > target; AlarmLow < 0.9 × target (§6.2 UNSOURCED 0.9)
        high, low = managed_alarm_thresholds(60.0)
        assert high == 60.0
        assert low == pytest.approx(54.0)
        assert managed_alarm_thresholds(1000.0, 0.8) == (1000.0, 800.0)
        with pytest.raises(ValueError):
            managed_alarm_thresholds(60.0, 0.0)
        with pytest.raises(ValueError):
            managed_alarm_thresholds(60.0, 1.1)

    def test_one_minute_alarms(self) -> None:
        # "the Autoscaling Alarm TargetTracking-…-AlarmLow … has 15 data points configured.
        # This means the scale-in activity will need at least 15 consecutive minutes … The
        # Autoscaling Alarm for High Value (scale-out) has only 3 data points configured." (§6.2)
        spec = ManagedAlarmSpec()
        assert (spec.datapoints_high, spec.datapoints_low, spec.period) == (3, 15, 60.0)
        assert (spec.high_window, spec.low_window) == (180.0, 900.0)

    def test_high_resolution_alarms_are_an_assumption(self) -> None:
        spec = high_resolution_alarm_spec()
        assert (spec.datapoints_high, spec.datapoints_low, spec.period) == (3, 45, 20.0)
        assert (spec.high_window, spec.low_window) == (60.0, 900.0)
        assert high_resolution_alarm_spec(6, 30).low_window == 600.0
        with pytest.raises(ValueError):
            ManagedAlarmSpec(0, 15)

    def test_spec_per_metric(self) -> None:
        assert alarm_spec_for("ECSServiceAverageCPUUtilization") == ManagedAlarmSpec()
        assert alarm_spec_for("ECSServiceAverageCPUUtilizationHighResolution").period == 20.0
        custom = ManagedAlarmSpec(2, 10)
        assert alarm_spec_for("ALBRequestCountPerTarget", standard=custom) is custom
        with pytest.raises(ValueError, match="unknown PredefinedMetricType"):
            alarm_spec_for("ECSServiceAverageNetworkIn")


class TestPredefinedMetrics:
    def test_ecs_metrics(self) -> None:
        cpu = PREDEFINED_METRICS["ECSServiceAverageCPUUtilization"]
        assert (cpu.namespace, cpu.metric_name, cpu.statistic, cpu.period) == (
            "AWS/ECS",
            "CPUUtilization",
            "Average",
            60.0,
        )
        assert cpu.dimensions == ("ClusterName", "ServiceName")
        memory = PREDEFINED_METRICS["ECSServiceAverageMemoryUtilization"]
        assert memory.metric_name == "MemoryUtilization"

    def test_high_resolution_variants_are_the_same_metrics_at_20_seconds(self) -> None:
        # "By default, Amazon ECS publishes CPUUtilization and MemoryUtilization metrics at
        # 60-second resolution. You can configure 20-second resolution." (§6.2)
        for name in ("CPU", "Memory"):
            low = PREDEFINED_METRICS[f"ECSServiceAverage{name}Utilization"]
            high = PREDEFINED_METRICS[f"ECSServiceAverage{name}UtilizationHighResolution"]
            assert (high.namespace, high.metric_name, high.statistic) == (
                low.namespace,
                low.metric_name,
                low.statistic,
            )
            assert high.period == 20.0

    def test_alb_request_count_per_target(self) -> None:
        # §9: "The only valid statistic is Sum. This represents the average not the sum."
        alb = PREDEFINED_METRICS["ALBRequestCountPerTarget"]
        assert (alb.namespace, alb.metric_name, alb.statistic, alb.period) == (
            "AWS/ApplicationELB",
            "RequestCountPerTarget",
            "Sum",
            60.0,
        )
        assert alb.dimensions == ("TargetGroup",)

    def test_exactly_the_five_ecs_types(self) -> None:
        assert len(PREDEFINED_METRICS) == 5
        assert all(math.isfinite(m.period) for m in PREDEFINED_METRICS.values())
