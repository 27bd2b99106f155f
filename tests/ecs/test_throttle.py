"""Service throttle of tasks that fail to start (reference §8.4).

§8.4: "If tasks for a service repeatedly fail to enter the RUNNING state (progressing directly
from a PENDING to a STOPPED status), then the time between subsequent restart attempts is
incrementally increased up to a maximum of 15 minutes." The curve itself is UNSOURCED (§12);
these tests check the simulator's parametric curve ``min(max, base × factor^(failures − 1))``.
"""

from __future__ import annotations

import pytest

from fargasim.ecs.throttle import MAX_THROTTLE_SECONDS, ServiceThrottle


def test_no_failure_no_delay() -> None:
    """No task has failed to start: restart at once."""
    throttle = ServiceThrottle(10.0, 2.0)
    assert throttle.failures == 0
    assert throttle.delay() == 0.0


def test_delay_grows_and_is_capped_at_15_minutes() -> None:
    """§8.4: "incrementally increased up to a maximum of 15 minutes". base 10 s, factor 2:
    failures 1..7 → 10, 20, 40, 80, 160, 320, 640; the 8th would be 1280 → capped at 900."""
    throttle = ServiceThrottle(10.0, 2.0)
    delays = []
    for _ in range(9):
        throttle.task_failed_to_start()
        delays.append(throttle.delay())
    assert delays == [10.0, 20.0, 40.0, 80.0, 160.0, 320.0, 640.0, 900.0, 900.0]
    assert MAX_THROTTLE_SECONDS == 900.0


def test_cap_holds_after_many_failures() -> None:
    """§8.4: "Amazon ECS doesn't ever stop a failing service from retrying": after 5000 failures
    the wait is still 15 minutes (2^4999 overflows a float; the cap still applies)."""
    throttle = ServiceThrottle(10.0, 2.0)
    for _ in range(5000):
        throttle.task_failed_to_start()
    assert throttle.failures == 5000
    assert throttle.delay() == 900.0


def test_reaching_running_resets() -> None:
    """§8.4: "Tasks that are stopped after they reach the RUNNING state don't start the throttle
    logic" — assumption: a task reaching RUNNING resets the count."""
    throttle = ServiceThrottle(5.0, 3.0)
    for _ in range(3):
        throttle.task_failed_to_start()
    assert throttle.delay() == 45.0  # 5 × 3^2
    throttle.task_reached_running()
    assert throttle.failures == 0
    assert throttle.delay() == 0.0
    throttle.task_failed_to_start()
    assert throttle.delay() == 5.0


def test_new_task_definition_resets() -> None:
    """§8.4: a new task definition resets the throttle."""
    throttle = ServiceThrottle(5.0, 2.0)
    throttle.task_failed_to_start()
    throttle.task_failed_to_start()
    throttle.reset()
    assert throttle.failures == 0
    assert throttle.delay() == 0.0


def test_custom_cap_and_constant_curve() -> None:
    """Parameters: factor 1 gives a constant wait; a lower cap applies."""
    throttle = ServiceThrottle(30.0, 1.0, max_seconds=60.0)
    for _ in range(4):
        throttle.task_failed_to_start()
    assert throttle.delay() == 30.0
    capped = ServiceThrottle(50.0, 2.0, max_seconds=60.0)
    capped.task_failed_to_start()
    capped.task_failed_to_start()
    assert capped.delay() == 60.0  # 100 → 60


@pytest.mark.parametrize(("base", "factor", "cap"), [(-1.0, 2.0, 900.0), (1.0, 0.5, 900.0)])
def test_bad_parameters(base: float, factor: float, cap: float) -> None:
    with pytest.raises(ValueError):
        ServiceThrottle(base, factor, cap)
