"""Application Auto Scaling for ECS services (reference §6): the decision rules, free of SimPy.

- :mod:`.step` — step scaling: step selection, adjustment types, rounding (§6.3, §5.5)
- :mod:`.cooldown` — scale-out / scale-in cooldowns of one policy (§6.1, §6.2, §6.3)
- :mod:`.target_tracking` — the capacity rule, managed alarms, predefined metrics (§6.2)
- :mod:`.schedule`, :mod:`.cron` — when scheduled actions run (§6.4)

Every function takes explicit arguments (times in seconds or datetimes, capacities, metric
values); the controller (``controller.py``) ties them to the simulation.
"""

from fargasim.autoscaling.cooldown import (
    DEFAULT_ECS_SCALE_IN_COOLDOWN,
    DEFAULT_ECS_SCALE_OUT_COOLDOWN,
    PolicyCooldown,
)
from fargasim.autoscaling.cron import CronExpression
from fargasim.autoscaling.schedule import Schedule
from fargasim.autoscaling.step import (
    DEFAULT_STEP_COOLDOWN,
    StepAdjustment,
    StepPolicyConfig,
    aggregate,
    percent_change,
    select_step,
    step_capacity,
    validate_steps,
)
from fargasim.autoscaling.target_tracking import (
    CAPACITY_RULES,
    PREDEFINED_METRICS,
    CapacityRule,
    ManagedAlarmSpec,
    PredefinedMetric,
    ProportionalCapacity,
    alarm_spec_for,
    high_resolution_alarm_spec,
    managed_alarm_thresholds,
)

__all__ = [
    "CAPACITY_RULES",
    "DEFAULT_ECS_SCALE_IN_COOLDOWN",
    "DEFAULT_ECS_SCALE_OUT_COOLDOWN",
    "DEFAULT_STEP_COOLDOWN",
    "PREDEFINED_METRICS",
    "CapacityRule",
    "CronExpression",
    "ManagedAlarmSpec",
    "PolicyCooldown",
    "PredefinedMetric",
    "ProportionalCapacity",
    "Schedule",
    "StepAdjustment",
    "StepPolicyConfig",
    "aggregate",
    "alarm_spec_for",
    "high_resolution_alarm_spec",
    "managed_alarm_thresholds",
    "percent_change",
    "select_step",
    "step_capacity",
    "validate_steps",
]
