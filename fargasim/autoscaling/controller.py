"""The Application Auto Scaling controller of one scalable target (an ECS service's desired
count): min/max capacity, arbitration between policies, the activity log (reference §6.1).

Rules (§6.1, §6.2):

* Policies propose a new capacity computed from the service's RUNNING count, "the value that
  Service Auto Scaling uses as its starting point, as opposed to the desired count".
* Proposals made at the same instant are decided together, in the SCALING phase after every
  alarm of that instant was evaluated (DESIGN.md §5): "It will scale out the scalable target if
  any of the target tracking policies are ready for scale out, but will scale in only if all of
  the target tracking policies (with the scale-in portion enabled) are ready to scale in", and
  "Application Auto Scaling scales based on the policy that provides the largest capacity for
  both scale in and scale out" (§6.2). The all-ready rule is applied to every scale-in (an
  assumption for step policies mixed with target tracking).
* Min/max (§6.1): a scale-out from below the minimum goes "up to the minimum capacity value and
  then continues to scale out"; a scale-in does not adjust a desired count already below the
  minimum; nothing goes above the maximum. Scheduled actions (§6.4) move the desired count into
  the new [min, max] at once, ignoring cooldowns.
* "Application Auto Scaling turns off scale-in processes while Amazon ECS deployments are in
  progress" (§6.1): ``scale_in_suspended`` asks the service.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import Any, Protocol

import simpy

from fargasim.core import Context, Phase


@dataclass(frozen=True)
class Activity:
    """One row of ``scaling_activities.csv`` (DescribeScalingActivities)."""

    time: float
    service: str
    policy_name: str
    from_capacity: int
    to_capacity: int
    cause: str


@dataclass(frozen=True)
class Proposal:
    """A policy's wish for a new capacity, made in response to an alarm."""

    policy: PolicyHandle
    capacity: int
    scale_out: bool  # raised by a scale-out alarm (or step), as opposed to a scale-in one
    cause: str  # "monitor alarm X in state ALARM triggered policy P"


class PolicyHandle(Protocol):
    """What the controller needs of a scaling policy."""

    name: str

    def ready_to_scale_in(self) -> bool:
        """For target tracking: its scale-in alarm is in ALARM, or scale-in is disabled."""

    def applied(self, now: float, from_capacity: int, to_capacity: int) -> None:
        """Told when its proposal won, so it can start its cooldown."""

    def other_scaled_out(self) -> None:
        """Another policy scaled the target out: a scale-in cooldown of this one stops (§6.1)."""


class DesiredCount(Protocol):
    """The ECS service the target scales."""

    desired: int

    def set_desired(self, desired: int) -> None: ...

    @property
    def deployment_in_progress(self) -> bool: ...


@dataclass
class ScalableTarget:
    """One ECS service registered with Application Auto Scaling."""

    ctx: Context
    resource_id: str
    service_name: str
    service: DesiredCount
    running_count: Callable[[], int]
    min_capacity: int
    max_capacity: int
    activities: list[Activity]
    scale_in_suspended: Callable[[], bool] = lambda: False
    policies: list[PolicyHandle] = field(default_factory=list)
    _pending: list[Proposal] = field(default_factory=list)

    @property
    def desired(self) -> int:
        return self.service.desired

    def propose(self, proposal: Proposal) -> None:
        """Queue a proposal; all of this instant's proposals are decided in the SCALING phase."""
        if not self._pending:
            self.ctx.process(self._decide_later())
        self._pending.append(proposal)

    def _decide_later(self) -> Generator[simpy.Event, Any, None]:
        yield self.ctx.timeout(0, Phase.SCALING)
        proposals, self._pending = self._pending, []
        self.decide(proposals)

    def decide(self, proposals: list[Proposal]) -> Activity | None:
        """Apply the winning proposal, if any (§6.2 arbitration, §6.1 min/max)."""
        current = self.desired
        outs = [p for p in proposals if p.scale_out and self.clamp_out(p.capacity) > current]
        if outs:
            winner = max(outs, key=lambda p: p.capacity)
            return self._apply(winner, self.clamp_out(winner.capacity))
        ins = [p for p in proposals if not p.scale_out and p.capacity < current]
        if not ins or current <= self.min_capacity or self.scale_in_suspended():
            return None
        if not all(p.ready_to_scale_in() for p in self.policies):
            return None
        winner = max(ins, key=lambda p: p.capacity)
        new = max(self.min_capacity, min(winner.capacity, self.max_capacity))
        if new >= current:
            return None
        return self._apply(winner, new)

    def clamp_out(self, capacity: int) -> int:
        """A scale-out target inside [min, max] (from below min: to min, then on, §6.1)."""
        return min(self.max_capacity, max(self.min_capacity, capacity))

    def _apply(self, winner: Proposal, new: int) -> Activity:
        old = self.desired
        activity = Activity(
            self.ctx.now,
            self.service_name,
            winner.policy.name,
            old,
            new,
            f"{winner.cause} changing the desired capacity from {old} to {new}.",
        )
        self.activities.append(activity)
        self.service.set_desired(new)
        winner.policy.applied(self.ctx.now, old, new)
        if new > old:
            for policy in self.policies:
                if policy is not winner.policy:
                    policy.other_scaled_out()
        return activity

    def scheduled(self, name: str, min_capacity: int | None, max_capacity: int | None) -> Activity:
        """A scheduled action: new min and/or max, desired moved inside at once (§6.4). A change
        that would leave min above max is not applied (an assumption: AWS rejects such a
        capacity change; the activity records the failure)."""
        new_min = self.min_capacity if min_capacity is None else min_capacity
        new_max = self.max_capacity if max_capacity is None else max_capacity
        old = self.desired
        if new_min > new_max:
            activity = Activity(
                self.ctx.now,
                self.service_name,
                name,
                old,
                old,
                f"scheduled action name {name} failed: minimum capacity {new_min} would exceed "
                f"maximum capacity {new_max}.",
            )
            self.activities.append(activity)
            return activity
        self.min_capacity, self.max_capacity = new_min, new_max
        new = min(self.max_capacity, max(self.min_capacity, old))
        parts = []
        if min_capacity is not None:
            parts.append(f"minimum capacity to {min_capacity}")
        if max_capacity is not None:
            parts.append(f"maximum capacity to {max_capacity}")
        cause = f"scheduled action name {name} was triggered setting {' and '.join(parts)}"
        if new != old:
            cause += f", changing the desired capacity from {old} to {new}"
            self.service.set_desired(new)
        activity = Activity(self.ctx.now, self.service_name, name, old, new, cause + ".")
        self.activities.append(activity)
        return activity
