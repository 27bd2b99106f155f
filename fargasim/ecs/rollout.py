"""Rolling-deployment arithmetic and the deployment circuit breaker (§8.2, §8.3).

AWS (§8.2): maximumPercent is the "upper limit on the number of your service's tasks that are
allowed in the RUNNING, STOPPING, or PENDING state during a deployment"; "The maximum number of
tasks during a deployment is the desiredCount multiplied by the maximumPercent/100, rounded
down." "The minimum number of healthy tasks during a deployment is the desiredCount multiplied by
the minimumHealthyPercent/100, rounded up." Tasks behind a load balancer "are considered healthy
if they are in the RUNNING state and … reported as healthy by the load balancer." Defaults: 200%
and 100% for a REPLICA service.

AWS (§8.3), the circuit breaker threshold: the current API has "minimum threshold of 3 and a
maximum threshold of 200 … 0.5 * desired task count"; the 2023 Developer Guide has "minimum
threshold of 10 and a maximum threshold of 200" ("2023 mode") and its table rounds up (desired
25 → 13, "the value is rounded up"; the current rounding is **UNSOURCED**, ceil assumed). Stage 1
counts tasks that fail to reach RUNNING; stage 2 counts failed ELB, Cloud Map and container health
checks. Newest API, ``resetOnHealthyTask`` (default true): "a task that reaches a healthy state
resets the failure count to 0".

How ECS picks, step by step, which tasks to start and which old ones to stop within those two
bounds is not published; :func:`rolling_step` is the simulator's rule (an **assumption**, see
its docstring).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

# §8.3: "minimum threshold of 3 and a maximum threshold of 200" (current API); 10 in 2023.
CIRCUIT_BREAKER_MINIMUM: Final = 3
CIRCUIT_BREAKER_MINIMUM_2023: Final = 10
CIRCUIT_BREAKER_MAXIMUM: Final = 200


def _check_counts(**counts: int) -> None:
    for name, value in counts.items():
        if value < 0:
            raise ValueError(f"{name} must be >= 0, got {value}")


def max_tasks(desired: int, maximum_percent: int) -> int:
    """§8.2: "the desiredCount multiplied by the maximumPercent/100, rounded down"."""
    _check_counts(desired=desired, maximum_percent=maximum_percent)
    return desired * maximum_percent // 100


def min_healthy(desired: int, minimum_healthy_percent: int) -> int:
    """§8.2: "the desiredCount multiplied by the minimumHealthyPercent/100, rounded up"."""
    _check_counts(desired=desired, minimum_healthy_percent=minimum_healthy_percent)
    if minimum_healthy_percent > 100:
        raise ValueError(f"minimumHealthyPercent is at most 100, got {minimum_healthy_percent}")
    return -(-desired * minimum_healthy_percent // 100)


def circuit_breaker_threshold(
    desired: int,
    minimum: int = CIRCUIT_BREAKER_MINIMUM,
    maximum: int = CIRCUIT_BREAKER_MAXIMUM,
) -> int:
    """§8.3: ``clamp(ceil(0.5 × desired), minimum, maximum)``; pass
    ``minimum=CIRCUIT_BREAKER_MINIMUM_2023`` (10) for the 2023 mode."""
    _check_counts(desired=desired)
    if minimum > maximum:
        raise ValueError(f"minimum {minimum} > maximum {maximum}")
    return min(max((desired + 1) // 2, minimum), maximum)


def rollout_can_progress(desired: int, maximum_percent: int, minimum_healthy_percent: int) -> bool:
    """Whether a rolling deployment from ``desired`` healthy old tasks can finish.

    It can iff ``desired == 0``, or the maximum leaves room above the minimum
    (``max_tasks > min_healthy``: a task can be started or a healthy old one stopped) and the
    new deployment fits under the maximum (``max_tasks >= desired``). E.g. min 100% / max 100%
    can't move; max 50% can never hold the full new deployment.
    """
    if desired == 0:
        return True
    top = max_tasks(desired, maximum_percent)
    return top > min_healthy(desired, minimum_healthy_percent) and top >= desired


@dataclass(frozen=True)
class RollingStep:
    """What the scheduler does now: start ``start`` tasks of the new deployment and stop
    ``stop_old`` tasks of older deployments (the not-healthy ones first)."""

    start: int
    stop_old: int


def rolling_step(
    desired: int,
    maximum_percent: int,
    minimum_healthy_percent: int,
    new_active: int,
    old_active: int,
    healthy: int,
    in_flight: int,
    old_unhealthy: int,
) -> RollingStep:
    """One step of a rolling deployment (§8.2); call it again whenever a task changes state.

    Inputs: ``new_active`` — tasks of the primary (new) deployment launched and not stopping;
    ``old_active`` — tasks of older deployments not yet asked to stop, ``old_unhealthy`` of them
    not healthy (e.g. still starting); ``healthy`` — tasks of any deployment that count as
    healthy (RUNNING, and healthy in the load balancer if there is one); ``in_flight`` — every
    task of the service not yet STOPPED (the count maximumPercent limits: "RUNNING, STOPPING, or
    PENDING"), including tasks already stopping.

    The rule (simulator **assumption**; the bounds are AWS's), with ``M = max_tasks`` and
    ``H = min_healthy``:

    1. ``start = max(0, min(desired - new_active, M - in_flight))``: start new tasks as far as
       the maximum allows.
    2. Stop budget: old tasks that aren't healthy can always go (stopping them doesn't lower the
       healthy count); healthy old ones only down to ``H``:
       ``budget = old_unhealthy + min(old_active - old_unhealthy, max(0, healthy - H))``.
    3. If the new deployment has all its tasks (``new_active + start >= desired``), every old
       task goes as fast as the budget allows: ``stop_old = budget``. Otherwise the maximum left
       no room for the rest; stop just enough old tasks to make that room, counting the slots
       that tasks already stopping will free:
       ``stop_old = min(budget, max(0, (desired - new_active - start) - stopping))`` with
       ``stopping = in_flight - new_active - old_active``.

    The caller stops the old tasks that aren't healthy first; the count assumes so. Guarantees:
    stopping never takes the healthy count below ``H`` (nor lowers it at all while it is below
    ``H``); ``start`` never takes ``in_flight`` above ``M``; and, when
    :func:`rollout_can_progress`, every state in which no task is starting or stopping makes
    progress, so the deployment ends with ``old_active == 0`` and ``new_active == desired``.

    Worked examples (desired 4, all old tasks healthy):

    * min 100% / max 200% (``H = 4``, ``M = 8``): start 4 new at once; stop nothing (healthy 4 =
      ``H``); then stop one old task each time a new one becomes healthy.
    * min 50% / max 100% (``H = 2``, ``M = 4``): no room, so stop 2 old (healthy 4 → 2); when
      they have stopped, start 2 new; when those 2 are healthy (healthy 4), stop the 2 remaining
      old; when they have stopped, start 2 more.
    """
    _check_counts(
        desired=desired,
        new_active=new_active,
        old_active=old_active,
        healthy=healthy,
        in_flight=in_flight,
        old_unhealthy=old_unhealthy,
    )
    if old_unhealthy > old_active:
        raise ValueError(f"old_unhealthy {old_unhealthy} > old_active {old_active}")
    if in_flight < new_active + old_active:
        raise ValueError(f"in_flight {in_flight} < new_active + old_active")
    top = max_tasks(desired, maximum_percent)
    floor = min_healthy(desired, minimum_healthy_percent)
    start = max(0, min(desired - new_active, top - in_flight))
    old_healthy = old_active - old_unhealthy
    budget = old_unhealthy + min(old_healthy, max(0, healthy - floor))
    if new_active + start >= desired:
        return RollingStep(start, budget)
    stopping = in_flight - new_active - old_active
    short = desired - new_active - start
    return RollingStep(start, min(budget, max(0, short - stopping)))


class CircuitBreaker:
    """The deployment circuit breaker of one deployment (§8.3).

    AWS (§8.3): "Stage 1 counts tasks that fail to reach RUNNING; stage 2 counts failed ELB,
    Cloud Map and container health checks." The threshold is "0.5 * desired task count" with a
    "minimum threshold of 3 and a maximum threshold of 200" (2023 mode: "minimum threshold of 10")
    — see :func:`circuit_breaker_threshold`. "If a service deployment has at least one
    successfully running task at the time the service is updated, the circuit breaker logic will
    not start." A FAILED deployment "doesn't launch any new tasks". ``resetOnHealthyTask``
    (default true): "a task that reaches a healthy state resets the failure count to 0".

    Model: stage 1 counts :meth:`task_failed_to_start`; the first :meth:`task_reached_running`
    moves to stage 2 and resets the count to 0; stage 2 counts :meth:`health_check_failed`
    (a task failing to start then no longer counts, as AWS describes the stages). With
    ``reset_on_healthy_task`` :meth:`task_became_healthy` resets the count. Once the count
    reaches the threshold the breaker stays :attr:`tripped`.
    """

    def __init__(self, threshold: int, *, reset_on_healthy_task: bool = True) -> None:
        if threshold < 1:
            raise ValueError(f"threshold must be >= 1, got {threshold}")
        self.threshold = threshold
        self.reset_on_healthy_task = reset_on_healthy_task
        self._stage = 1
        self._failures = 0
        self._tripped = False

    @property
    def stage(self) -> int:
        return self._stage

    @property
    def failures(self) -> int:
        return self._failures

    @property
    def tripped(self) -> bool:
        """The failure count has reached the threshold: the deployment is FAILED."""
        return self._tripped

    def _count(self) -> None:
        if self._tripped:
            return
        self._failures += 1
        if self._failures >= self.threshold:
            self._tripped = True

    def task_failed_to_start(self) -> None:
        """A task of the deployment stopped before RUNNING (counted in stage 1 only)."""
        if self._stage == 1:
            self._count()

    def task_reached_running(self) -> None:
        """A task of the deployment reached RUNNING: stage 1 ends with the count reset to 0."""
        if self._stage == 1 and not self._tripped:
            self._stage = 2
            self._failures = 0

    def health_check_failed(self) -> None:
        """A task of the deployment failed an ELB, Cloud Map or container health check (stage 2).

        A health check runs only on a RUNNING task, so in stage 1 this first moves to stage 2.
        """
        self.task_reached_running()
        if self._stage == 2:
            self._count()

    def task_became_healthy(self) -> None:
        """A task of the deployment became healthy: with ``reset_on_healthy_task``, the count
        goes back to 0 (a tripped breaker stays tripped)."""
        if self.reset_on_healthy_task and not self._tripped:
            self._failures = 0
