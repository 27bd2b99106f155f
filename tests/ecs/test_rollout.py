"""Rolling-deployment arithmetic and the deployment circuit breaker (reference §8.2, §8.3).

§8.2: "The maximum number of tasks during a deployment is the desiredCount multiplied by the
maximumPercent/100, rounded down." "The minimum number of healthy tasks during a deployment is
the desiredCount multiplied by the minimumHealthyPercent/100, rounded up." §8.3: threshold
"0.5 * desired task count", "minimum threshold of 3 and a maximum threshold of 200" (2023: 10),
rounded up per the 2023 table.

Expected values are hand calculations, shown in comments.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from fargasim.ecs.rollout import (
    CIRCUIT_BREAKER_MINIMUM_2023,
    CircuitBreaker,
    RollingStep,
    circuit_breaker_threshold,
    max_tasks,
    min_healthy,
    rolling_step,
    rollout_can_progress,
)

# --- max_tasks / min_healthy --------------------------------------------------------------


def test_max_tasks_rounds_down() -> None:
    """§8.2: "desiredCount multiplied by the maximumPercent/100, rounded down"."""
    assert max_tasks(7, 150) == 10  # 7 × 1.5 = 10.5 → 10
    assert max_tasks(7, 200) == 14  # 7 × 2 = 14, integer arithmetic (no 13.999…)
    assert max_tasks(3, 133) == 3  # 3.99 → 3
    assert max_tasks(4, 100) == 4
    assert max_tasks(0, 200) == 0


def test_min_healthy_rounds_up() -> None:
    """§8.2: "desiredCount multiplied by the minimumHealthyPercent/100, rounded up"."""
    assert min_healthy(7, 75) == 6  # 7 × 0.75 = 5.25 → 6
    assert min_healthy(7, 100) == 7
    assert min_healthy(4, 50) == 2  # exactly 2
    assert min_healthy(3, 34) == 2  # 1.02 → 2
    assert min_healthy(3, 0) == 0
    with pytest.raises(ValueError):
        min_healthy(3, 101)


# --- circuit breaker threshold ------------------------------------------------------------


def test_circuit_breaker_threshold() -> None:
    """§8.3: "minimum threshold of 3 and a maximum threshold of 200 … 0.5 * desired task count",
    rounded up ("the value is rounded up", 2023 table)."""
    assert circuit_breaker_threshold(25) == 13  # 12.5 → 13
    assert circuit_breaker_threshold(1) == 3  # 0.5 → 1 → below the minimum → 3
    assert circuit_breaker_threshold(0) == 3
    assert circuit_breaker_threshold(10) == 5  # exactly 5
    assert circuit_breaker_threshold(400) == 200  # exactly 200
    assert circuit_breaker_threshold(401) == 200  # 200.5 → 201 → capped at 200
    assert circuit_breaker_threshold(1000) == 200  # 500 → 200


def test_circuit_breaker_threshold_2023_mode() -> None:
    """§8.3 (2023): "minimum threshold of 10 … When the result … is less than the minimum of 10,
    the failure threshold is set to 10"."""
    assert CIRCUIT_BREAKER_MINIMUM_2023 == 10
    assert circuit_breaker_threshold(1, minimum=10) == 10
    assert circuit_breaker_threshold(19, minimum=10) == 10  # 9.5 → 10
    assert circuit_breaker_threshold(25, minimum=10) == 13  # the 2023 table's row
    assert circuit_breaker_threshold(1000, minimum=10) == 200


# --- rollout_can_progress -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("desired", "maximum", "minimum", "expected"),
    [
        (4, 200, 100, True),  # M 8 > H 4
        (4, 100, 50, True),  # M 4 > H 2
        (4, 150, 100, True),  # M 6 > H 4
        (4, 100, 100, False),  # M 4 = H 4: nothing can start, nothing healthy can stop
        (1, 150, 100, False),  # M floor(1.5) = 1 = H 1
        (3, 133, 100, False),  # M floor(3.99) = 3 = H 3
        (4, 50, 0, False),  # M 2 < desired 4: the new deployment never fits
        (0, 100, 100, True),  # nothing to deploy
    ],
)
def test_rollout_can_progress(desired: int, maximum: int, minimum: int, expected: bool) -> None:
    """§8.2 bounds: a rollout moves iff max_tasks > min_healthy (room to start a task or stop a
    healthy one) and max_tasks >= desired (the new deployment fits), or desired == 0."""
    assert rollout_can_progress(desired, maximum, minimum) is expected


# --- rolling_step: worked examples --------------------------------------------------------


def test_min_100_max_200_start_all_then_stop_as_new_become_healthy() -> None:
    """§8.2 defaults (min 100%, max 200%), desired 4: H = 4, M = 8. Start 4 new at once; stop
    no old task while healthy = 4 = H; each new task becoming healthy lets one old task go."""
    step = rolling_step(
        4, 200, 100, new_active=0, old_active=4, healthy=4, in_flight=4, old_unhealthy=0
    )
    assert step == RollingStep(start=4, stop_old=0)
    # 4 new launched, none healthy: in_flight 8 = M.
    assert rolling_step(4, 200, 100, 4, 4, 4, 8, 0) == RollingStep(0, 0)
    # One new healthy: healthy 5 → one old may go (5 - 4 = 1).
    assert rolling_step(4, 200, 100, 4, 4, 5, 8, 0) == RollingStep(0, 1)
    # That old task is stopping: old 3, healthy 4 (3 old + 1 new), in_flight still 8.
    assert rolling_step(4, 200, 100, 4, 3, 4, 8, 0) == RollingStep(0, 0)
    # The other 3 new become healthy: healthy 7 → the 3 old go.
    assert rolling_step(4, 200, 100, 4, 3, 7, 8, 0) == RollingStep(0, 3)
    # Done.
    assert rolling_step(4, 200, 100, 4, 0, 4, 4, 0) == RollingStep(0, 0)


def test_min_50_max_100_stop_two_start_two() -> None:
    """min 50%, max 100%, desired 4: H = 2, M = 4. No room: stop 2 old (healthy 4 → 2 = H),
    start 2 new once they have stopped, stop the other 2 old when the 2 new are healthy, then
    start 2 more."""
    assert rolling_step(4, 100, 50, 0, 4, 4, 4, 0) == RollingStep(0, 2)
    # 2 old stopping (in_flight 4): they will free the room; nothing else to do.
    assert rolling_step(4, 100, 50, 0, 2, 2, 4, 0) == RollingStep(0, 0)
    # Stopped: in_flight 2 → start 2 (M - 2); no more old may stop (healthy 2 = H).
    assert rolling_step(4, 100, 50, 0, 2, 2, 2, 0) == RollingStep(2, 0)
    # 2 new starting: wait.
    assert rolling_step(4, 100, 50, 2, 2, 2, 4, 0) == RollingStep(0, 0)
    # 2 new healthy: healthy 4 → stop the 2 remaining old (4 - 2 = 2).
    assert rolling_step(4, 100, 50, 2, 2, 4, 4, 0) == RollingStep(0, 2)
    # They are stopping: wait; then start 2 more.
    assert rolling_step(4, 100, 50, 2, 0, 2, 4, 0) == RollingStep(0, 0)
    assert rolling_step(4, 100, 50, 2, 0, 2, 2, 0) == RollingStep(2, 0)
    assert rolling_step(4, 100, 50, 4, 0, 4, 4, 0) == RollingStep(0, 0)


def test_min_100_max_100_is_stuck() -> None:
    """min 100% / max 100%: no task can start (in_flight = M) and no healthy task can stop
    (healthy = H): the rollout does not move (rollout_can_progress is False)."""
    assert rolling_step(4, 100, 100, 0, 4, 4, 4, 0) == RollingStep(0, 0)


def test_unhealthy_old_tasks_can_always_stop() -> None:
    """Stopping an old task that isn't healthy doesn't lower the healthy count, so it can go
    even at min 100% / max 100%: 4 old, 1 still starting → stop it (healthy stays 3), then the
    freed slot starts a new task."""
    assert rolling_step(4, 100, 100, 0, 4, 3, 4, 1) == RollingStep(0, 1)
    assert rolling_step(4, 100, 100, 0, 3, 3, 3, 0) == RollingStep(1, 0)


def test_once_new_deployment_is_complete_all_unhealthy_old_go() -> None:
    """New deployment launched in full: every old task goes, the unhealthy ones regardless of
    min healthy: H 4, healthy 4, 2 old unhealthy + 2 old healthy → stop the 2 unhealthy only."""
    assert rolling_step(4, 200, 100, 4, 4, 4, 8, 2) == RollingStep(0, 2)


def test_desired_lowered_below_running_new_tasks() -> None:
    """desired lowered to 2 with 3 new tasks healthy: start nothing, stop the old ones."""
    assert rolling_step(2, 200, 100, 3, 2, 5, 5, 0) == RollingStep(0, 2)


def test_rolling_step_checks_its_inputs() -> None:
    with pytest.raises(ValueError):
        rolling_step(4, 200, 100, 0, 2, 2, 2, 3)  # old_unhealthy > old_active
    with pytest.raises(ValueError):
        rolling_step(4, 200, 100, 2, 2, 2, 3, 0)  # in_flight < new + old


# --- rolling_step: property ---------------------------------------------------------------


@dataclass
class _Task:
    new: bool
    countdown: int  # active: rounds until healthy (0 = healthy); stopping: rounds until gone
    stopping: bool = False


def _run(
    desired: int,
    maximum: int,
    minimum: int,
    tasks: list[_Task],
    delay: Callable[[], int],
    max_rounds: int,
) -> int | None:
    """Drive rolling_step round by round; check the invariants each round. Returns the round
    at which old_active == 0 and new_active == desired, or None if not within max_rounds."""
    top, floor = max_tasks(desired, maximum), min_healthy(desired, minimum)
    for round_no in range(max_rounds + 1):
        active = [t for t in tasks if not t.stopping]
        old = [t for t in active if not t.new]
        new_active = len(active) - len(old)
        if not old and new_active == desired:
            return round_no
        healthy = sum(t.countdown == 0 for t in active)
        in_flight = len(tasks)
        old_unhealthy = sum(t.countdown > 0 for t in old)
        step = rolling_step(
            desired, maximum, minimum, new_active, len(old), healthy, in_flight, old_unhealthy
        )
        assert 0 <= step.stop_old <= len(old)
        # (b) a start never takes in_flight above max_tasks.
        assert step.start == 0 or in_flight + step.start <= top
        assert new_active + step.start <= max(desired, new_active)
        # Stop the old tasks that aren't healthy first.
        for task in sorted(old, key=lambda t: t.countdown == 0)[: step.stop_old]:
            task.stopping, task.countdown = True, delay()
        healthy_after = sum(t.countdown == 0 for t in tasks if not t.stopping)
        # (a) stopping never takes healthy below min healthy (nor lowers it while below).
        assert healthy_after >= min(healthy, floor)
        tasks.extend(_Task(new=True, countdown=delay()) for _ in range(step.start))
        for task in tasks:
            task.countdown = max(0, task.countdown - 1)
        tasks[:] = [t for t in tasks if not (t.stopping and t.countdown == 0)]
    return None


_MAX_DELAY = 3
_maximum = st.one_of(st.sampled_from([100, 125, 150, 200, 300]), st.integers(0, 300))


@settings(max_examples=400, deadline=None)
@given(
    desired=st.integers(0, 10),
    maximum=_maximum,
    minimum=st.integers(0, 100),
    initial=st.lists(st.integers(0, _MAX_DELAY), max_size=12),
    data=st.data(),
)
def test_rollout_terminates_when_it_can_progress(
    desired: int, maximum: int, minimum: int, initial: list[int], data: st.DataObject
) -> None:
    """(a) healthy never drops below min healthy through stops, (b) never more than max_tasks,
    (d) the rollout ends with old_active == 0 and new_active == desired when
    rollout_can_progress. Old tasks start in any state (healthy or still starting, any number);
    started tasks become healthy, and stopped tasks leave, after 1..3 random rounds. Each
    round with no task in transition must start or stop something (c), so at most
    (old + desired + 1) × (max delay + 1) rounds."""
    assume(rollout_can_progress(desired, maximum, minimum))
    tasks = [_Task(new=False, countdown=c) for c in initial]

    def delay() -> int:
        return data.draw(st.integers(1, _MAX_DELAY))

    bound = (len(initial) + desired + 1) * (_MAX_DELAY + 1)
    assert _run(desired, maximum, minimum, tasks, delay, bound) is not None


@settings(max_examples=300, deadline=None)
@given(
    desired=st.integers(1, 10),
    maximum=_maximum,
    minimum=st.integers(0, 100),
    data=st.data(),
)
def test_rollout_from_steady_state_finishes_iff_it_can_progress(
    desired: int, maximum: int, minimum: int, data: st.DataObject
) -> None:
    """From the steady state (desired healthy old tasks) the rollout finishes exactly when
    rollout_can_progress says so; invariants (a), (b) hold either way."""

    def delay() -> int:
        return data.draw(st.integers(1, _MAX_DELAY))

    tasks = [_Task(new=False, countdown=0) for _ in range(desired)]
    bound = (2 * desired + 1) * (_MAX_DELAY + 1)
    finished = _run(desired, maximum, minimum, tasks, delay, bound) is not None
    assert finished is rollout_can_progress(desired, maximum, minimum)


# --- CircuitBreaker -----------------------------------------------------------------------


def test_stage_1_trips_on_tasks_failing_to_start() -> None:
    """§8.3: "Stage 1 counts tasks that fail to reach RUNNING". desired 4 → threshold
    max(ceil(2), 3) = 3: the 3rd failure trips the breaker."""
    breaker = CircuitBreaker(circuit_breaker_threshold(4))
    assert breaker.threshold == 3
    assert breaker.stage == 1
    breaker.task_failed_to_start()
    breaker.task_failed_to_start()
    assert not breaker.tripped
    breaker.task_failed_to_start()
    assert breaker.tripped
    assert breaker.failures == 3


def test_running_task_moves_to_stage_2_and_resets() -> None:
    """§8.3: stage 1 ends when a task reaches RUNNING; stage 2 "counts failed ELB, Cloud Map and
    container health checks". Threshold 3: 2 start failures, then RUNNING → stage 2, count 0;
    start failures no longer count; 3 failed health checks trip it."""
    breaker = CircuitBreaker(3)
    breaker.task_failed_to_start()
    breaker.task_failed_to_start()
    breaker.task_reached_running()
    assert (breaker.stage, breaker.failures) == (2, 0)
    breaker.task_failed_to_start()
    assert breaker.failures == 0
    breaker.task_reached_running()  # another task RUNNING: still stage 2, no reset
    breaker.health_check_failed()
    breaker.health_check_failed()
    breaker.task_reached_running()
    assert breaker.failures == 2
    breaker.health_check_failed()
    assert breaker.tripped


def test_healthy_task_resets_count() -> None:
    """§8.3, newest API resetOnHealthyTask (default true): "a task that reaches a healthy state
    resets the failure count to 0"; with false it doesn't."""
    breaker = CircuitBreaker(3)
    breaker.task_reached_running()
    breaker.health_check_failed()
    breaker.health_check_failed()
    breaker.task_became_healthy()
    assert breaker.failures == 0
    keep = CircuitBreaker(3, reset_on_healthy_task=False)
    keep.task_reached_running()
    keep.health_check_failed()
    keep.health_check_failed()
    keep.task_became_healthy()
    assert keep.failures == 2


def test_tripped_breaker_stays_tripped() -> None:
    """§8.3: a FAILED deployment "doesn't launch any new tasks": once tripped, later events
    don't undo it."""
    breaker = CircuitBreaker(1)
    breaker.task_failed_to_start()
    assert breaker.tripped
    breaker.task_reached_running()
    breaker.task_became_healthy()
    assert breaker.tripped
    assert breaker.stage == 1


def test_health_check_failure_implies_running() -> None:
    """A health check runs on a RUNNING task: a failed one in stage 1 first ends stage 1
    (count reset), then counts: 1 start failure + 1 health-check failure → stage 2, count 1."""
    breaker = CircuitBreaker(5)
    breaker.task_failed_to_start()
    breaker.health_check_failed()
    assert (breaker.stage, breaker.failures) == (2, 1)


def test_breaker_threshold_must_be_positive() -> None:
    with pytest.raises(ValueError):
        CircuitBreaker(0)
