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
from fargasim.ecs.startup import ShutdownArrays, StartupArrays

FloatArray = npt.NDArray[np.float64]
StrArray = npt.NDArray[np.str_]
ObjArray = npt.NDArray[np.object_]  # str values: repeated strings are shared, not copied


@dataclass(frozen=True)
class Cohort:
    """The tasks of one bulk submission: one entry per task in every array."""

    group: str
    task_definition: str
    started_by: str
    cpu_units: int
    memory_mib: int
    task_id: StrArray
    capacity_provider: ObjArray
    availability_zone: ObjArray
    subnet_id: ObjArray
    created_at: FloatArray
    pull_started_at: FloatArray
    running_at: FloatArray
    stopping_at: FloatArray
    execution_stopped_at: FloatArray
    stopped_at: FloatArray
    stop_code: ObjArray
    stopped_reason: ObjArray

    @property
    def count(self) -> int:
        return int(self.created_at.size)

    @property
    def last_change(self) -> float:
        """When its last task is STOPPED (``inf`` if one is still there at the end)."""
        if self.count == 0:
            return float("-inf")
        if np.isnan(self.stopped_at).any():
            return float("inf")
        return float(self.stopped_at.max())


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
    pending = created + startup.provisioning
    pull = pending + startup.pending
    running = pull + (startup.pull + startup.extract + startup.container_start)
    stopping = running + run
    executed = stopping + np.maximum(0.0, shutdown.deactivating)
    stopped = executed + shutdown.deprovisioning

    def happened(times: FloatArray) -> FloatArray:
        return np.where(times < end, times, np.nan)

    return ExitTimes(
        pull_started_at=happened(pull),
        running_at=happened(running),
        stopping_at=happened(stopping),
        execution_stopped_at=happened(executed),
        stopped_at=happened(stopped),
    )


EXIT_CODE = StopCode.ESSENTIAL_CONTAINER_EXITED.value
