"""Cooldown bookkeeping for one scaling policy (reference §6.1, §6.2, §6.3).

Times are explicit float seconds; nothing here knows about SimPy.

AWS rules modelled:

- Scale-out cooldown (§6.1): "The scaling policy won't increase the desired capacity again
  unless either a larger scale out is initiated or the cooldown period ends. While the
  scale-out cooldown period is in effect, the capacity added by the initiating scale-out
  activity is calculated as part of the desired capacity for the next scale-out activity."
  For step policies (§6.3): "when an alarm triggers a step scaling policy to increase the
  capacity by 2 … If the alarm triggers again during the cooldown period but at a more
  aggressive step adjustment of 3, the previous increase of 2 is considered part of the current
  capacity. Therefore, only 1 is added to the capacity."
- Scale-in cooldown (§6.1): "scale-in activities are blocked until the cooldown period has
  expired. However, if another alarm initiates a scale-out activity during the scale-in
  cooldown period, Service Auto Scaling scales out the target immediately." The user guide
  adds: "In this case, the cooldown period for the scale-in activity stops and doesn't
  complete."
- Durations: target tracking has ScaleOutCooldown and ScaleInCooldown, 300 s each for ECS
  services (§6.2); a step policy has one ``Cooldown``, "If not specified, the default value is
  300" (API reference, StepScalingPolicyConfiguration.Cooldown), used for both directions.
- Scheduled actions ignore cooldowns (§6.4); they never go through this class.

**Inference** (AWS does not spell these out; each is stated where it is used):

- A scale-out allowed during a scale-out cooldown restarts the cooldown, and the capacity the
  next step is computed from stays the capacity *before the first* scale-out of that chain, so
  that repeating the same step adds nothing ("won't increase … unless a larger scale out").
- A scale-in by the same policy ends its scale-out cooldown (the added capacity is gone).
- A cooldown has expired at exactly ``start + duration``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from fargasim.autoscaling.step import DEFAULT_STEP_COOLDOWN

#: §6.2 (AWS CDK BaseTargetTrackingProps): 300 s for ECS services, both directions.
DEFAULT_ECS_SCALE_OUT_COOLDOWN = 300.0
DEFAULT_ECS_SCALE_IN_COOLDOWN = 300.0


@dataclass
class PolicyCooldown:
    """Cooldown state of one policy. Build with :meth:`target_tracking` or :meth:`step`.

    Typical use by the controller at time ``now`` with ``desired`` the current desired count:

    - scale out: a step policy computes its proposal from :meth:`scale_out_base` (target
      tracking from the running count, §6.1), then :meth:`allow_scale_out` says what to set;
    - scale in: only if :meth:`allow_scale_in`;
    - after any change this policy made: :meth:`record`; after a scale-out by another policy
      or alarm: :meth:`cancel_scale_in_cooldown` on every other policy of the target.
    """

    scale_out_cooldown: float
    scale_in_cooldown: float
    _out_until: float = field(default=-math.inf, repr=False)
    _out_base: int = field(default=0, repr=False)
    _out_level: int = field(default=0, repr=False)
    _in_until: float = field(default=-math.inf, repr=False)

    def __post_init__(self) -> None:
        if self.scale_out_cooldown < 0 or self.scale_in_cooldown < 0:
            raise ValueError("cooldowns must not be negative")

    @classmethod
    def target_tracking(
        cls,
        scale_out_cooldown: float = DEFAULT_ECS_SCALE_OUT_COOLDOWN,
        scale_in_cooldown: float = DEFAULT_ECS_SCALE_IN_COOLDOWN,
    ) -> PolicyCooldown:
        """ScaleOutCooldown / ScaleInCooldown of a target tracking policy (§6.2)."""
        return cls(scale_out_cooldown, scale_in_cooldown)

    @classmethod
    def step(cls, cooldown: float = DEFAULT_STEP_COOLDOWN) -> PolicyCooldown:
        """The single ``Cooldown`` of a step policy, for both directions (§6.3)."""
        return cls(cooldown, cooldown)

    def in_scale_out_cooldown(self, now: float) -> bool:
        return now < self._out_until

    def in_scale_in_cooldown(self, now: float) -> bool:
        return now < self._in_until

    def record(self, now: float, from_capacity: int, to_capacity: int) -> None:
        """A scaling activity this policy made at ``now`` (no change: nothing to record)."""
        if to_capacity > from_capacity:
            if not self.in_scale_out_cooldown(now):
                self._out_base = from_capacity
            self._out_until = now + self.scale_out_cooldown
            self._out_level = to_capacity
            # §6.1: a scale-out during the scale-in cooldown ends it.
            self._in_until = -math.inf
        elif to_capacity < from_capacity:
            self._in_until = now + self.scale_in_cooldown
            self._out_until = -math.inf

    def scale_out_base(self, now: float, current: int) -> int:
        """The capacity a step adjustment is applied to (§6.3).

        During the scale-out cooldown: the capacity before the initiating scale-out, so that
        "the previous increase of 2 is considered part of the current capacity" and a step of
        3 lands 1 above the capacity reached. Otherwise ``current``.
        """
        return self._out_base if self.in_scale_out_cooldown(now) else current

    def allow_scale_out(self, now: float, proposed: int, desired: int) -> int | None:
        """The capacity to set for a scale-out proposal, or None when it adds nothing.

        A scale-out only ever raises the desired count: ``proposed`` is set when it exceeds
        ``desired``. During the scale-out cooldown it must also exceed the capacity the
        initiating activity reached, which "is calculated as part of the desired capacity for
        the next scale-out activity": only a larger scale-out gets through, and it adds only the
        difference (§6.1).
        """
        floor = max(desired, self._out_level) if self.in_scale_out_cooldown(now) else desired
        return proposed if proposed > floor else None

    def allow_scale_in(self, now: float) -> bool:
        """False while the scale-in cooldown runs: "scale-in activities are blocked" (§6.1)."""
        return not self.in_scale_in_cooldown(now)

    def cancel_scale_in_cooldown(self) -> None:
        """Another alarm scaled out: "the cooldown period for the scale-in activity stops"."""
        self._in_until = -math.inf
