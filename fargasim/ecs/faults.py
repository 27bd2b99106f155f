"""Fargate Spot interruptions and random faults of running tasks (§7.3, §3.2, §8.4).

* **Spot interruptions** (§7.3): "When tasks using Fargate Spot capacity are stopped due to a
  Spot interruption, a two-minute warning is sent before a task is stopped. The warning is sent
  as a task state change event to Amazon EventBridge and as a SIGTERM signal to the running
  task." Each Spot task is reclaimed after an exponential time with rate
  ``model.spot.interruptionsPerTaskHour`` (per AZ: ``model.spot.availabilityZones``), counted
  from its launch (AWS publishes no frequency: UNSOURCED, §12), or when a ``spotInterruption``
  event picks it. The task leaves the load balancer and stops; whatever is left of it is killed
  two minutes after the warning (stop mode ``deadline``). Its stop code is
  ``model.spot.stopCode`` (default ``TerminationNotice``, AWS's example event, §3.2) with
  "Your Spot Task was interrupted.". The scheduler sees the task stopping and launches a
  replacement on FARGATE_SPOT when there is capacity (§7.3).
* **Essential container exits**: a RUNNING task crashes after an exponential time with rate
  ``model.faults.containerExitsPerTaskHour`` (stop code ``EssentialContainerExited``, §3.2,
  "Essential container in task exited"); the scheduler replaces it (§8.1).
* **Image pull failures**: a task's pull fails with probability
  ``model.faults.imagePullFailureProbability``, or always during an ``imagePullFailure`` window;
  the task stops before RUNNING after ``model.faults.imagePullFailureSeconds`` with
  ``TaskFailedToStart`` / ``CannotPullContainerError``, which feeds the service throttle (§8.4)
  and the deployment circuit breaker (§8.3).

Every draw comes from its own named stream (per service), so faults never change the traffic.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any, Protocol

import simpy

from fargasim.core import Context
from fargasim.core.distributions import sample_one
from fargasim.ecs.events import EventLog
from fargasim.ecs.lifecycle import StopCode, StopMode, Task, TaskState
from fargasim.ecs.platform import FargatePlatform
from fargasim.scenario.schema import FaultsSpec, SpotModelSpec

#: §7.3: "a two-minute warning is sent before a task is stopped".
SPOT_WARNING_SECONDS = 120.0
SPOT_REASON = "Your Spot Task was interrupted."
CRASH_REASON = "Essential container in task exited"


class TaskOwner(Protocol):
    """Who stops a task: its service's scheduler, or the RunTask API for a standalone task."""

    events: EventLog

    def stop_task(
        self,
        task: Task,
        code: StopCode,
        reason: str,
        mode: StopMode = StopMode.GRACEFUL,
        deadline: float | None = None,
    ) -> bool: ...


class Faults:
    """Schedules the random faults of each task and applies scripted ones."""

    def __init__(
        self, ctx: Context, spot: SpotModelSpec, faults: FaultsSpec, platform: FargatePlatform
    ) -> None:
        self.ctx = ctx
        self.spot = spot
        self.faults = faults
        self.platform = platform
        self.interrupted = 0

    # -- per task ---------------------------------------------------------------------------

    def launched(self, scheduler: TaskOwner, task: Task) -> None:
        """A task was launched: draw its Spot interruption time, if any."""
        if task.capacity_provider != "FARGATE_SPOT":
            return
        rate = self.spot.rate(task.availability_zone)
        if rate <= 0:
            return
        rng = self.ctx.rng(f"spot/{task.service}")
        delay = float(rng.exponential(3600.0 / rate))
        if task.created_at + delay < self.ctx.end_time:
            self.ctx.process(self._later(delay, lambda: self.interrupt(scheduler, task)))

    def running(self, scheduler: TaskOwner, task: Task) -> None:
        """A task reached RUNNING: draw its essential-container crash time, if any."""
        rate = self.faults.container_exits_per_task_hour
        if rate <= 0:
            return
        rng = self.ctx.rng(f"crash/{task.service}")
        delay = float(rng.exponential(3600.0 / rate))
        if self.ctx.now + delay < self.ctx.end_time:
            self.ctx.process(self._later(delay, lambda: self.crash(scheduler, task)))

    def pull_failure(self, task: Task) -> float | None:
        """Seconds until the task's image pull fails, or ``None`` when it succeeds."""
        scripted = self.platform.pull_fails(task.service)
        probability = self.faults.image_pull_failure_probability
        rng = self.ctx.rng(f"pull/{task.service}")
        drawn = probability > 0 and float(rng.random()) < probability
        if not (scripted or drawn):
            return None
        return sample_one(self.faults.image_pull_failure_seconds, rng)

    # -- actions ----------------------------------------------------------------------------

    def interrupt(self, scheduler: TaskOwner, task: Task) -> bool:
        """The two-minute warning for one Spot task (§7.3)."""
        if task.state > TaskState.RUNNING or task.stop_requested:
            return False
        code = StopCode(self.spot.stop_code)
        stopped = scheduler.stop_task(
            task, code, SPOT_REASON, StopMode.DEADLINE, deadline=SPOT_WARNING_SECONDS
        )
        if stopped:
            self.interrupted += 1
            scheduler.events.add(
                self.ctx.now,
                task.service,
                f"(service {task.service}) (task {task.task_id}) received a Fargate Spot "
                f"interruption warning in {task.availability_zone}: it stops within "
                f"{SPOT_WARNING_SECONDS:g} s.",
            )
        return stopped

    def crash(self, scheduler: TaskOwner, task: Task) -> bool:
        """The task's essential container exits (§3.2)."""
        if task.state != TaskState.RUNNING or task.stop_requested:
            return False
        return scheduler.stop_task(
            task, StopCode.ESSENTIAL_CONTAINER_EXITED, CRASH_REASON, StopMode.EXITED
        )

    def _later(self, delay: float, action: Any) -> Generator[simpy.Event, Any, None]:
        yield self.ctx.timeout(delay)
        action()
