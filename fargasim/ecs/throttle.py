"""Service throttle: the growing wait between restarts of tasks that never reach RUNNING (§8.4).

AWS (§8.4): "If tasks for a service repeatedly fail to enter the RUNNING state (progressing
directly from a PENDING to a STOPPED status), then the time between subsequent restart attempts
is incrementally increased up to a maximum of 15 minutes." "Amazon ECS doesn't ever stop a
failing service from retrying." A new task definition resets the throttle. "Tasks that are
stopped after they reach the RUNNING state don't start the throttle logic."

Model: after ``k >= 1`` consecutive failures to start, the next restart waits
``min(max_seconds, base_seconds * factor ** (k - 1))``; with no failure it waits 0.

* The curve is **UNSOURCED**: AWS does not publish it (§12: "Service throttle backoff curve:
  parameter, capped at 15 min"); ``base_seconds`` and ``factor`` are parameters, only the 900 s
  cap is AWS's.
* A task reaching RUNNING resets the count (**assumption**: AWS only says such tasks "don't
  start the throttle logic"); a new task definition resets it (:meth:`ServiceThrottle.reset`).
"""

from __future__ import annotations

from typing import Final

# §8.4: "up to a maximum of 15 minutes".
MAX_THROTTLE_SECONDS: Final = 900.0


class ServiceThrottle:
    """Consecutive start failures of one service and the restart delay they imply (§8.4)."""

    def __init__(
        self, base_seconds: float, factor: float, max_seconds: float = MAX_THROTTLE_SECONDS
    ) -> None:
        if base_seconds < 0:
            raise ValueError(f"base_seconds must be >= 0, got {base_seconds}")
        if factor < 1:
            raise ValueError(f"factor must be >= 1 (the wait never shrinks), got {factor}")
        if max_seconds < 0:
            raise ValueError(f"max_seconds must be >= 0, got {max_seconds}")
        self.base_seconds = float(base_seconds)
        self.factor = float(factor)
        self.max_seconds = float(max_seconds)
        self._failures = 0

    @property
    def failures(self) -> int:
        """Consecutive tasks that went from PENDING to STOPPED without reaching RUNNING."""
        return self._failures

    def task_failed_to_start(self) -> None:
        """A task of the service stopped without ever reaching RUNNING."""
        self._failures += 1

    def task_reached_running(self) -> None:
        """A task reached RUNNING: the throttle resets (assumption, see the module docstring)."""
        self._failures = 0

    def reset(self) -> None:
        """A new task definition (a new deployment) resets the throttle (§8.4)."""
        self._failures = 0

    def delay(self) -> float:
        """Seconds to wait before the next restart attempt: 0 with no failure, else
        ``min(max_seconds, base_seconds * factor ** (failures - 1))``."""
        if self._failures == 0:
            return 0.0
        try:
            wait = self.base_seconds * self.factor ** (self._failures - 1)
        except OverflowError:
            return self.max_seconds if self.base_seconds > 0 else 0.0
        return min(self.max_seconds, wait)
