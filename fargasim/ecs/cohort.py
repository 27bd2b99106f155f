"""Standalone tasks launched in bulk, as columns (issue #6): one batch submission's tasks, their
state-change times computed together from their start-up, run and stop draws.

The times are those the per-task process (:func:`fargasim.ecs.lifecycle.run_task`) gives a
standalone task whose essential container exits after its run time (§3.1, §3.2), with the same
floating-point operations in the same order, so both paths agree to the last bit:

* PROVISIONING at launch; PENDING after ``provisioning``; the pull starts (ACTIVATING, billing
  starts, §1.1) after ``pending``; RUNNING after ``pull + extract + containerStart``;
* the essential container exits ``runSeconds`` after RUNNING: ``stoppingAt``, stop code
  ``EssentialContainerExited``; DEACTIVATING for ``deactivating`` (no load balancer), no
  STOPPING wait (the containers are gone), so the execution stops (billing ends) then;
  DEPROVISIONING for ``deprovisioning``, then STOPPED.

A change at or after the end of the run does not happen (SimPy stops before the events of its
``until`` time): its time is NaN, as in the per-task path.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from fargasim.ecs.lifecycle import StopCode
from fargasim.ecs.standalone import BulkLaunch
from fargasim.ecs.startup import ShutdownArrays, StartupArrays

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class ExitTimes:
    """State-change times of standalone tasks that run until their container exits."""

    pull_started_at: FloatArray
    running_at: FloatArray
    stopping_at: FloatArray
    execution_stopped_at: FloatArray
    stopped_at: FloatArray


def exit_times(
    created: FloatArray,
    startup: StartupArrays,
    run: FloatArray,
    shutdown: ShutdownArrays,
    end: float,
) -> ExitTimes:
    """The state-change times (see the module docstring); NaN for those at or after ``end``."""
    # (In place where a sum needs no temporary: a + b is b + a, to the bit.)
    pull = created + startup.provisioning  # PENDING …
    pull += startup.pending  # … then ACTIVATING
    running = startup.pull + startup.extract
    running += startup.container_start
    running += pull
    stopping = running + run
    executed = np.maximum(0.0, shutdown.deactivating)
    executed += stopping
    stopped = executed + shutdown.deprovisioning

    everything_happened = not stopped.size or bool(stopped.max() < end)  # the latest change

    def happened(times: FloatArray) -> FloatArray:
        return times if everything_happened else np.where(times < end, times, np.nan)

    return ExitTimes(
        pull_started_at=happened(pull),
        running_at=happened(running),
        stopping_at=happened(stopping),
        execution_stopped_at=happened(executed),
        stopped_at=happened(stopped),
    )


@dataclass(frozen=True)
class Cohort:
    """The tasks of one bulk submission: how RunTask launched them and when each changed state
    (one entry per task in every array); a task that exited has stop code ``EXIT_CODE``."""

    launch: BulkLaunch
    times: ExitTimes

    @property
    def count(self) -> int:
        return self.launch.count

    @property
    def exited(self) -> npt.NDArray[np.bool_]:
        """The tasks whose essential container exited before the end of the run."""
        exited: npt.NDArray[np.bool_] = ~np.isnan(self.times.stopping_at)
        return exited

    @property
    def last_change(self) -> float:
        """When its last task is STOPPED (``inf`` if one is still there at the end)."""
        stopped = self.times.stopped_at
        if self.count == 0:
            return float("-inf")
        if np.isnan(stopped).any():
            return float("inf")
        return float(stopped.max())


EXIT_CODE = StopCode.ESSENTIAL_CONTAINER_EXITED.value
