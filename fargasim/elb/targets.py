"""ALB target health of one target group, event-driven (reference §9, §8.2).

**Cost.** There is no SimPy process and no event per health check. Each target keeps the index
of the first check not yet accounted for, its current streak (consecutive passes or failures)
and its current condition; the module schedules only the target's next *transition*, computed
in closed form, and re-plans when the condition changes. Stale plans are recognised by a
per-target plan version and do nothing when they fire. A target that stays healthy costs no
event at all.

**States** (:class:`TargetHealth`, the ``TargetHealth.State`` values of DescribeTargetHealth):
``initial`` (registered, no check passed yet), ``healthy``, ``unhealthy``, ``draining`` and
``unused`` (deregistration finished: the target is forgotten).

**Checks** (§9). A target registered at ``r`` is checked at ``r + k·interval`` for k = 0, 1, 2, …
(the first check right at registration) until it starts draining. A check passes iff the target
*answers*: its application is ready (:meth:`TargetGroup.set_ready`) and it is not forced to fail
(:meth:`TargetGroup.set_failing`, a fault injection). A check is instantaneous: its result is
known at the check time (``HealthCheckTimeoutSeconds`` is only validated, not simulated).

* "After your target is registered, it must pass one health check to be considered healthy":
  ``initial`` → ``healthy`` after one passing check; the healthy threshold "only applies when a
  target recovers from unhealthy".
* ``initial`` or ``healthy`` → ``unhealthy`` after ``UnhealthyThresholdCount`` consecutive
  failures; ``unhealthy`` → ``healthy`` after ``HealthyThresholdCount`` consecutive passes.

**Same-instant order.** Transitions fire at priority :data:`CHECK_PRIORITY` (= ``Phase.STATE``
+ ½): after every ``Phase.STATE`` event of the instant, before ``Phase.METRICS``. Hence a check
at time *t* sees every condition change made at *t* in the STATE phase (task processes and
timeline events, including a :meth:`~TargetGroup.set_ready` right after
:meth:`~TargetGroup.register`): **a condition change at exactly a check instant happens before
the check**. A change made later in the same instant (METRICS phase or after) counts as after
the check if that check already caused a transition, and as before it otherwise (a check that
changes nothing is not observable, so it is evaluated as late as possible). Likewise a target
deregistered at a check instant is not checked at that instant.

**Draining** (§9). :meth:`~TargetGroup.deregister` moves a target to ``draining`` (also from
``initial``) for ``deregistration_delay.timeout_seconds`` (default 300 s) or the given
``drain_seconds`` ("If a deregistering target has no in-flight requests and no active
connections, Elastic Load Balancing immediately completes the deregistration process"); it then
becomes ``unused`` and is forgotten. :meth:`~TargetGroup.remove` forgets a target at once (task
killed). Draining targets get no traffic.

**Slow start** (§9: "a linearly increasing share of the traffic"). A target that becomes healthy
enters slow start when ``slow_start.duration_seconds`` S > 0 and, by the ALB User Guide rule,
"Newly registered targets enter slow start mode only when there is at least one healthy target
that is not in slow start mode" — here: another target that was healthy before this instant and
whose own slow start is over (so targets that become healthy together, e.g. a first batch, do
not slow-start). "If a target in slow start mode becomes unhealthy, the target exits slow start
mode. When the target becomes healthy, it enters slow start mode again."

The linear ramp 0 → 1 over [a, a+S] is approximated by a **10-step staircase**
(:data:`SLOW_START_STEPS`): on [a + i·S/10, a + (i+1)·S/10) the weight is the ramp's value at
the step's midpoint, (i + ½)/10, so the staircase's integral over the window equals the ramp's,
S/2, exactly; from a+S on the weight is 1. The ``on_weight`` callback fires at the 10 instants
a + i·S/10, i = 1 … 10, so a caller keeping a step function of the routable weight can refresh it
(the start of the ramp is announced by ``on_change``).

**Fail open** (§9): "If a target group contains only unhealthy registered targets, the load
balancer routes requests to all those targets, regardless of their health status."
:meth:`~TargetGroup.routable` is the total healthy weight if any target is healthy, otherwise the
number of ``unhealthy`` targets that answer (those that do not would only return errors);
targets still in ``initial`` get no traffic.

**Grace period** (§8.2) is the ECS side's business: the service ignores ``unhealthy`` for
``healthCheckGracePeriodSeconds`` after RUNNING; the load balancer itself checks as above.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

import simpy

from fargasim.core import Context, Phase
from fargasim.elb.settings import TargetGroupSettings

#: Same-time priority of health-check transitions: after every STATE-phase event, before METRICS.
CHECK_PRIORITY = float(Phase.STATE) + 0.5

#: Steps of the staircase that approximates the linear slow-start ramp.
SLOW_START_STEPS = 10

#: Tolerance when comparing a check time with the clock (check times are computed as
#: ``registered_at + k·interval``, the clock by adding delays).
_EPS = 1e-7


class TargetHealth(str, enum.Enum):
    """``TargetHealth.State`` values of elbv2 DescribeTargetHealth that fargasim models (§9)."""

    INITIAL = "initial"
    HEALTHY = "healthy"
    UNHEALTHY = "unhealthy"
    DRAINING = "draining"
    UNUSED = "unused"


#: ``TargetHealth.Description`` for each state (DescribeTargetHealth wording).
REASONS: dict[TargetHealth, str] = {
    TargetHealth.INITIAL: "Initial health checks in progress",
    TargetHealth.HEALTHY: "",
    TargetHealth.UNHEALTHY: "Health checks failed",
    TargetHealth.DRAINING: "Target deregistration is in progress",
    TargetHealth.UNUSED: "Target is not registered to the target group",
}

ChangeCallback = Callable[[str, TargetHealth, TargetHealth], None]
"""Called after every state change with (key, old state, new state)."""


@dataclass(eq=False)
class _Target:
    key: str
    registered_at: float
    state: TargetHealth = TargetHealth.INITIAL
    ready: bool = False
    failing: bool = False
    next_check: int = 0  # index k of the first check not yet accounted for
    streak: int = 0  # consecutive checks with outcome ``streak_passing``
    streak_passing: bool = False
    version: int = 0  # bumped on every re-plan, deregistration and removal
    healthy_since: float = math.nan
    ramp_start: float = math.nan  # slow-start window [ramp_start, ramp_start + S); NaN: none
    ramp_version: int = 0
    drain_until: float = math.nan
    removed: bool = False

    @property
    def answers(self) -> bool:
        return self.ready and not self.failing


class TargetGroup:
    """Health of the targets of one ALB target group (module docstring; §9)."""

    def __init__(
        self,
        ctx: Context,
        settings: TargetGroupSettings,
        on_change: ChangeCallback | None = None,
        on_weight: Callable[[], None] | None = None,
    ) -> None:
        if settings.interval <= 0:
            raise ValueError(f"health-check interval must be positive: {settings.interval}")
        if settings.healthy_threshold < 1 or settings.unhealthy_threshold < 1:
            raise ValueError("health-check thresholds must be at least 1")
        self.ctx = ctx
        self.settings = settings
        self._on_change = on_change
        self._on_weight = on_weight
        self._targets: dict[str, _Target] = {}
        self._healthy: dict[str, _Target] = {}  # insertion order: oldest healthy first
        self._ramping: dict[str, _Target] = {}  # healthy targets in slow start
        self._counts: dict[TargetHealth, int] = dict.fromkeys(TargetHealth, 0)
        self._answering = 0  # registered, not draining, answering checks (fail open)

    # ------------------------------------------------------------------ queries

    def state(self, key: str) -> TargetHealth:
        """The target's state; ``unused`` for a key that is not registered (any more)."""
        target = self._targets.get(key)
        return TargetHealth.UNUSED if target is None else target.state

    def reason(self, key: str) -> str:
        """``TargetHealth.Description`` of the target ("Health checks failed" when unhealthy)."""
        return REASONS[self.state(key)]

    def count(self, state: TargetHealth) -> int:
        """Number of targets in ``state`` (always 0 for ``unused``: those are forgotten)."""
        return self._counts[state]

    def healthy_count(self) -> int:
        return self._counts[TargetHealth.HEALTHY]

    def keys(self) -> list[str]:
        """Keys of the registered targets (including draining ones), in registration order."""
        return list(self._targets)

    def in_slow_start(self, key: str) -> bool:
        return key in self._ramping

    def weight(self, key: str, now: float) -> float:
        """Traffic weight of a target at ``now``: 0 unless healthy, the slow-start staircase
        value during slow start, else 1."""
        target = self._targets.get(key)
        if target is None or target.state is not TargetHealth.HEALTHY:
            return 0.0
        return self._ramp_weight(target, now)

    def total_weight(self, now: float) -> float:
        """Sum of :meth:`weight` over the healthy targets."""
        deficit = sum(1.0 - self._ramp_weight(target, now) for target in self._ramping.values())
        return len(self._healthy) - deficit

    def weight_breakpoints(self, now: float) -> list[float]:
        """The future instants (after ``now``) at which a slow-start staircase steps up: the
        times ``on_weight`` will fire, if nothing else changes."""
        times: list[float] = []
        step_length = self.settings.slow_start / SLOW_START_STEPS
        for target in self._ramping.values():
            for step in range(1, SLOW_START_STEPS + 1):
                at = target.ramp_start + step * step_length
                if at > now + _EPS:
                    times.append(at)
        return sorted(times)

    def routable(self, now: float) -> float:
        """Effective number of targets receiving traffic: the total healthy weight over the
        heaviest target's weight (a fluid model's capacity when traffic is split by weight), or,
        when no
        target is healthy, the number of ``unhealthy`` targets that answer (fail open, §9: "If a
        target group contains only unhealthy registered targets, the load balancer routes
        requests to all those targets"; those that do not answer would only return errors).
        Targets still in ``initial`` get no traffic: they are not unhealthy, and ALB "routes
        requests only to the healthy targets"."""
        if self._healthy:
            # The ALB splits traffic in proportion to the weights, so the busiest target per unit
            # of capacity is the heaviest one: the group serves like total / heaviest full
            # targets (Σw when some target is out of slow start; n when n targets ramp together).
            heaviest = (
                1.0
                if len(self._ramping) < len(self._healthy)
                else max(self._ramp_weight(t, now) for t in self._ramping.values())
            )
            return self.total_weight(now) / heaviest
        if self._counts[TargetHealth.UNHEALTHY] == 0:
            return 0.0
        return float(
            sum(
                1
                for target in self._targets.values()
                if target.state is TargetHealth.UNHEALTHY and target.answers
            )
        )

    def routing_weights(self, now: float) -> dict[str, float]:
        """Key → traffic weight, for a request-level router: the healthy targets' weights, or,
        when none is healthy, 1 for each unhealthy target that answers (fail open, §9). The sum
        of the weights is not :meth:`routable` (that one is a capacity, for a fluid model)."""
        if self._healthy:
            return {key: self._ramp_weight(t, now) for key, t in self._healthy.items()}
        return {
            key: 1.0
            for key, t in self._targets.items()
            if t.state is TargetHealth.UNHEALTHY and t.answers
        }

    # ------------------------------------------------------------------ commands

    def register(self, key: str) -> None:
        """Register a target now: state ``initial``, first check now (at :data:`CHECK_PRIORITY`,
        so a :meth:`set_ready` in the same STATE-phase instant counts for it)."""
        if key in self._targets:
            raise ValueError(f"target {key!r} is already registered")
        target = _Target(key, self.ctx.now)
        self._targets[key] = target
        self._counts[TargetHealth.INITIAL] += 1
        self._plan(target)
        self._notify(key, TargetHealth.UNUSED, TargetHealth.INITIAL)

    def set_ready(self, key: str, ready: bool) -> None:
        """The target's application starts (True) or stops (False) answering."""
        target = self._target(key)
        self._set_condition(target, ready, target.failing)

    def set_failing(self, key: str, failing: bool) -> None:
        """Force the target's health checks to fail (fault injection) or stop forcing."""
        target = self._target(key)
        self._set_condition(target, target.ready, failing)

    def deregister(self, key: str, drain_seconds: float | None = None) -> None:
        """Start draining the target now, for ``drain_seconds`` (default: the deregistration
        delay); it then becomes ``unused``. Deregistering a draining target again can only
        shorten its drain."""
        target = self._target(key)
        delay = self.settings.deregistration_delay if drain_seconds is None else drain_seconds
        if delay < 0:
            raise ValueError(f"negative drain time {delay}")
        until = self.ctx.now + delay
        old = target.state
        if old is TargetHealth.DRAINING:
            if until >= target.drain_until:
                return
        else:
            if target.answers:
                self._answering -= 1
            self._move(target, TargetHealth.DRAINING)
        target.version += 1  # cancels a planned transition or an earlier drain end
        target.drain_until = until
        version = target.version
        self._schedule(delay, Phase.STATE, lambda: self._drained(target, version))
        self._notify(key, old, TargetHealth.DRAINING)

    def remove(self, key: str) -> None:
        """Forget a target now (task killed); ``on_change`` reports it ``unused``. No-op for a
        key that is not registered."""
        target = self._targets.get(key)
        if target is None:
            return
        old = target.state
        self._forget(target)
        self._notify(key, old, TargetHealth.UNUSED)

    # ------------------------------------------------------------------ internals

    def _target(self, key: str) -> _Target:
        target = self._targets.get(key)
        if target is None:
            raise KeyError(f"target {key!r} is not registered")
        return target

    def _notify(self, key: str, old: TargetHealth, new: TargetHealth) -> None:
        if self._on_change is not None and old is not new:
            self._on_change(key, old, new)

    def _schedule(self, delay: float, priority: float, action: Callable[[], None]) -> None:
        event = simpy.Event(self.ctx.env)
        event._ok = True
        event._value = None
        event.callbacks.append(lambda _event: action())
        self.ctx.env.schedule(event, cast(Any, priority), max(0.0, delay))

    def _check_time(self, target: _Target, k: int) -> float:
        return target.registered_at + k * self.settings.interval

    def _checks_before(self, target: _Target, now: float) -> int:
        """Number of checks strictly before ``now`` (k with r + k·interval < now)."""
        x = (now - _EPS - target.registered_at) / self.settings.interval
        return max(0, math.ceil(x))

    @staticmethod
    def _record(target: _Target, passing: bool, n: int) -> None:
        """Account for ``n`` more checks with outcome ``passing``."""
        if n <= 0:
            return
        if target.streak_passing == passing:
            target.streak += n
        else:
            target.streak_passing = passing
            target.streak = n
        target.next_check += n

    def _set_condition(self, target: _Target, ready: bool, failing: bool) -> None:
        was = target.answers
        if target.state is TargetHealth.DRAINING:
            target.ready, target.failing = ready, failing
            return
        # Checks strictly before now ran under the old condition and caused no transition
        # (a transition would have fired already and moved next_check past them).
        self._record(target, was, self._checks_before(target, self.ctx.now) - target.next_check)
        target.ready, target.failing = ready, failing
        if target.answers != was:
            self._answering += 1 if target.answers else -1
            self._plan(target)

    def _plan(self, target: _Target) -> None:
        """Schedule the target's next transition under its current condition, if any."""
        target.version += 1
        passing = target.answers
        same = target.streak if target.streak_passing == passing else 0
        state = target.state
        new: TargetHealth
        if state is TargetHealth.INITIAL:
            if passing:
                need, new = 1, TargetHealth.HEALTHY
            else:
                need, new = self.settings.unhealthy_threshold - same, TargetHealth.UNHEALTHY
        elif state is TargetHealth.HEALTHY and not passing:
            need, new = self.settings.unhealthy_threshold - same, TargetHealth.UNHEALTHY
        elif state is TargetHealth.UNHEALTHY and passing:
            need, new = self.settings.healthy_threshold - same, TargetHealth.HEALTHY
        else:
            return
        k = target.next_check + max(1, need) - 1
        version = target.version
        self._schedule(
            self._check_time(target, k) - self.ctx.now,
            CHECK_PRIORITY,
            lambda: self._transition(target, version, k, passing, new),
        )

    def _transition(
        self, target: _Target, version: int, k: int, passing: bool, new: TargetHealth
    ) -> None:
        if target.removed or target.version != version:
            return
        self._record(target, passing, k + 1 - target.next_check)
        old = target.state
        now = self.ctx.now
        if new is TargetHealth.HEALTHY:
            slow = self.settings.slow_start > 0 and self._settled_other(target, now)
            target.healthy_since = now
            self._move(target, new)
            if slow:
                self._start_ramp(target, now)
        else:
            self._move(target, new)
        self._plan(target)
        self._notify(target.key, old, new)

    def _move(self, target: _Target, new: TargetHealth) -> None:
        """Change the state and keep the counts, the healthy set and slow start up to date."""
        old = target.state
        self._counts[old] -= 1
        self._counts[new] += 1
        target.state = new
        if old is TargetHealth.HEALTHY:
            self._healthy.pop(target.key, None)
            self._end_ramp(target)
        if new is TargetHealth.HEALTHY:
            self._healthy[target.key] = target

    def _settled_other(self, target: _Target, now: float) -> bool:
        """Is another target healthy since before ``now`` and out of slow start?"""
        for other in self._healthy.values():
            if other is not target and other.healthy_since < now and other.key not in self._ramping:
                return True
        return False

    def _start_ramp(self, target: _Target, now: float) -> None:
        target.ramp_start = now
        target.ramp_version += 1
        self._ramping[target.key] = target
        self._schedule_step(target, target.ramp_version, 1)

    def _schedule_step(self, target: _Target, ramp_version: int, step: int) -> None:
        at = target.ramp_start + step * self.settings.slow_start / SLOW_START_STEPS
        self._schedule(
            at - self.ctx.now, Phase.STATE, lambda: self._step(target, ramp_version, step)
        )

    def _step(self, target: _Target, ramp_version: int, step: int) -> None:
        if target.removed or target.ramp_version != ramp_version:
            return
        if step >= SLOW_START_STEPS:
            self._end_ramp(target)
        else:
            self._schedule_step(target, ramp_version, step + 1)
        if self._on_weight is not None:
            self._on_weight()

    def _end_ramp(self, target: _Target) -> None:
        target.ramp_version += 1
        target.ramp_start = math.nan
        self._ramping.pop(target.key, None)

    def _ramp_weight(self, target: _Target, now: float) -> float:
        start = target.ramp_start
        if start != start:  # NaN: not in slow start
            return 1.0
        x = (now - start) / self.settings.slow_start
        if x >= 1.0 - _EPS / self.settings.slow_start:
            return 1.0
        step = min(SLOW_START_STEPS - 1, max(0, math.floor(x * SLOW_START_STEPS + 1e-9)))
        return (step + 0.5) / SLOW_START_STEPS

    def _drained(self, target: _Target, version: int) -> None:
        if target.removed or target.version != version:
            return
        self._forget(target)
        self._notify(target.key, TargetHealth.DRAINING, TargetHealth.UNUSED)

    def _forget(self, target: _Target) -> None:
        if target.state is not TargetHealth.DRAINING and target.answers:
            self._answering -= 1
        self._counts[target.state] -= 1
        self._healthy.pop(target.key, None)
        self._end_ramp(target)
        target.removed = True
        target.version += 1
        del self._targets[target.key]
