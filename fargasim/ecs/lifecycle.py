"""The ECS task lifecycle on Fargate (reference §3.1, §3.2, §4).

States, in order (§3.1, simulator line)::

    PROVISIONING → PENDING → ACTIVATING → RUNNING → DEACTIVATING → STOPPING → DEPROVISIONING → STOPPED

* PROVISIONING: Fargate readies the task's compute and attaches its ENI; the ENI takes an IP of
  the task's subnet (§5.4), returned when the task is STOPPED.
* PENDING: hand-off to the agent.
* ACTIVATING: the image is pulled with no cache (§4, current AWS text puts the pull here), layers
  are extracted, containers created and started. **Billing starts when the pull starts** (§1.1).
* RUNNING: containers run; the application needs ``appStartSeconds`` before it serves traffic.
* DEACTIVATING: load-balancer deregistration (§3.1).
* STOPPING: SIGTERM, then SIGKILL after ``stopTimeout`` (default 30 s, at most 120 s, §3.2).
  **Billing ends when the containers have exited** (the end of STOPPING; inference from §1.1
  "until the task terminates", symmetric with PROVISIONING not being billed).
* DEPROVISIONING: the ENI is detached and deleted (§3.1).

A stop requested before RUNNING skips to STOPPING (nothing to deregister) and is billed only if
the image pull had started.

How a stop unfolds depends on its cause (:class:`StopMode`):

* ``graceful`` (the scheduler, a user, a failed health check): DEACTIVATING for the drain the
  caller sets (the target group's deregistration delay, §9), then SIGTERM and STOPPING until the
  app exits or ``stopTimeout`` kills it (§3.2).
* ``deadline`` (a Fargate Spot interruption, §7.3): the same steps, cut short so the containers
  are gone ``deadline`` seconds after the warning ("a two-minute warning is sent before a task is
  stopped"); a drain longer than that does not finish.
* ``exited`` (the essential container exited, §3.2): the containers are already gone, so there
  is no STOPPING wait; DEACTIVATING lasts the drain the caller sets.
* ``lost`` (the task's Availability Zone failed): nothing is left to stop; the task goes
  straight to STOPPED.

A task whose image pull fails stops from ACTIVATING with ``TaskFailedToStart`` (§8.4).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import Any, Protocol

import simpy

from fargasim.core import Context


class TaskState(enum.IntEnum):
    PROVISIONING = 0
    PENDING = 1
    ACTIVATING = 2
    RUNNING = 3
    DEACTIVATING = 4
    STOPPING = 5
    DEPROVISIONING = 6
    STOPPED = 7

    @property
    def is_starting(self) -> bool:
        """Launched but not yet RUNNING: what ECS counts as a service's pending tasks."""
        return self < TaskState.RUNNING

    @property
    def is_stopping(self) -> bool:
        return self > TaskState.RUNNING


class StopCode(str, enum.Enum):
    """ECS ``TaskStopCode`` values (§3.2)."""

    SERVICE_SCHEDULER_INITIATED = "ServiceSchedulerInitiated"
    USER_INITIATED = "UserInitiated"
    ESSENTIAL_CONTAINER_EXITED = "EssentialContainerExited"
    TASK_FAILED_TO_START = "TaskFailedToStart"
    SPOT_INTERRUPTION = "SpotInterruption"
    TERMINATION_NOTICE = "TerminationNotice"
    INFRASTRUCTURE_HEALTH = "InfrastructureHealth"


class StopMode(str, enum.Enum):
    """How a stop unfolds (see the module docstring)."""

    GRACEFUL = "graceful"
    DEADLINE = "deadline"
    EXITED = "exited"
    LOST = "lost"


@dataclass(frozen=True)
class StartupPlan:
    """Durations of each start-up step of one task, drawn when it is launched (§4)."""

    provisioning: float
    pending: float
    pull: float
    extract: float
    container_start: float
    app_start: float

    @property
    def to_running(self) -> float:
        return self.provisioning + self.pending + self.pull + self.extract + self.container_start

    @property
    def to_ready(self) -> float:
        return self.to_running + self.app_start


@dataclass(frozen=True)
class ShutdownPlan:
    """Durations of each stop step of one task (§3.1, §3.2). ``app_exit`` is already capped at
    the task's stopTimeout (SIGKILL)."""

    deactivating: float
    app_exit: float
    deprovisioning: float


@dataclass(eq=False)
class Task:
    """One Fargate task and the times of its state changes (NaN: never reached). An entity:
    two tasks are equal only if they are the same task (identity, not field values)."""

    task_id: str
    service: str
    capacity_provider: str
    availability_zone: str
    subnet_id: str
    cpu_units: int
    memory_mib: int
    created_at: float
    state: TaskState = TaskState.PROVISIONING
    pull_started_at: float = float("nan")
    running_at: float = float("nan")
    ready_at: float = float("nan")
    stopping_at: float = float("nan")
    execution_stopped_at: float = float("nan")
    stopped_at: float = float("nan")
    stop_code: str = ""
    stopped_reason: str = ""
    stop_requested: bool = False  # a stop was sent; a second would crash the stopping process
    lost: bool = False  # its infrastructure failed (only one such interrupt is sent)
    task_definition: str = ""  # family:revision
    image: str = ""  # the first container's image (named in pull errors)
    started_by: str = ""  # the deployment that launched it (ecs-svc/…), as ECS's startedBy
    ordinal: int = -1  # its place in its owner's launches (keys its random draws)
    process: simpy.Process | None = field(default=None, repr=False)

    @property
    def reached_running(self) -> bool:
        return self.running_at == self.running_at

    @property
    def ready(self) -> bool:
        """RUNNING and the application has started: the task serves traffic."""
        return self.state == TaskState.RUNNING and self.ready_at == self.ready_at


Observer = Callable[[Task, TaskState], None]
"""Called after every state change with the task and its previous state."""


class StopRequest(Exception):
    """The cause carried by the SimPy interrupt that stops a task.

    ``drain`` is how long DEACTIVATING lasts (``None``: the shutdown plan's draw); ``deadline``
    (mode ``deadline``) is the seconds from the request until the containers are killed.
    """

    def __init__(
        self,
        code: StopCode,
        reason: str,
        mode: StopMode = StopMode.GRACEFUL,
        drain: float | None = None,
        deadline: float | None = None,
    ) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason
        self.mode = mode
        self.drain = drain
        self.deadline = deadline


def request_stop(
    task: Task,
    code: StopCode,
    reason: str,
    mode: StopMode = StopMode.GRACEFUL,
    deadline: float | None = None,
) -> bool:
    """Ask a task to stop; only the first request counts (the task is already on its way to
    STOPPED). Returns whether this request was sent."""
    if task.process is not None and task.state <= TaskState.RUNNING and not task.stop_requested:
        task.stop_requested = True
        task.process.interrupt(StopRequest(code, reason, mode, deadline=deadline))
        return True
    return False


def lose(task: Task, code: StopCode, reason: str) -> bool:
    """The task's infrastructure is gone (an AZ outage): it stops at once, whatever its state,
    unless it is already deprovisioning. A task already stopping keeps its stop code."""
    if task.process is None or task.state >= TaskState.DEPROVISIONING or task.lost:
        return False
    task.lost = True
    task.stop_requested = True
    task.process.interrupt(StopRequest(code, reason, StopMode.LOST))
    return True


class TaskHooks(Protocol):
    """What a task's process asks of the rest of the model."""

    def observe(self, task: Task, previous: TaskState) -> None:
        """Called after every state change with the task and its previous state."""

    def ready(self, task: Task) -> None:
        """The application has started: it can answer requests and health checks."""

    def pull_failure(self, task: Task) -> float | None:
        """Asked when the image pull starts: seconds until it fails, or ``None`` if it works."""

    def drain_seconds(self, task: Task, request: StopRequest, planned: float) -> float:
        """How long DEACTIVATING lasts for this stop (load balancer deregistration, §9);
        ``planned`` is the shutdown plan's draw, for a task with no load balancer."""


def run_task(
    ctx: Context,
    task: Task,
    startup: StartupPlan,
    shutdown: ShutdownPlan,
    hooks: TaskHooks,
) -> Generator[simpy.Event, Any, None]:
    """The SimPy process of one task: start-up, run until interrupted, stop (§3.1)."""

    def enter(state: TaskState) -> None:
        previous = task.state
        task.state = state
        hooks.observe(task, previous)

    request: StopRequest | None = None
    try:
        yield ctx.timeout(startup.provisioning)
        enter(TaskState.PENDING)
        yield ctx.timeout(startup.pending)
        task.pull_started_at = ctx.now
        enter(TaskState.ACTIVATING)
        fails_after = hooks.pull_failure(task)
        if fails_after is not None:
            yield ctx.timeout(fails_after)
            raise _PullFailed()
        yield ctx.timeout(startup.pull + startup.extract + startup.container_start)
        task.running_at = ctx.now
        enter(TaskState.RUNNING)
        yield ctx.timeout(startup.app_start)
        task.ready_at = ctx.now
        hooks.ready(task)
        yield ctx.env.event()  # run until a stop request interrupts
    except simpy.Interrupt as interrupt:
        cause = interrupt.cause
        request = (
            cause
            if isinstance(cause, StopRequest)
            else StopRequest(StopCode.USER_INITIATED, "Task stopped by user")
        )
    except _PullFailed:
        request = StopRequest(
            StopCode.TASK_FAILED_TO_START,
            f"CannotPullContainerError: pull image manifest has been retried 5 time(s): "
            f"failed to resolve ref {task.image}: failed to do request (simulated fault)",
            StopMode.EXITED,
            drain=0.0,
        )
    assert request is not None
    task.stop_code = request.code.value
    task.stopped_reason = request.reason
    task.stopping_at = ctx.now
    task.stop_requested = True
    cutoff = ctx.now + request.deadline if request.deadline is not None else float("inf")
    was_running = task.state == TaskState.RUNNING
    try:
        if request.mode != StopMode.LOST:
            if was_running:
                enter(TaskState.DEACTIVATING)
                drain = hooks.drain_seconds(task, request, shutdown.deactivating)
                yield ctx.timeout(max(0.0, min(drain, cutoff - ctx.now)))
            enter(TaskState.STOPPING)
            if was_running and request.mode != StopMode.EXITED:
                yield ctx.timeout(max(0.0, min(shutdown.app_exit, cutoff - ctx.now)))
        task.execution_stopped_at = ctx.now
        if request.mode != StopMode.LOST:
            enter(TaskState.DEPROVISIONING)
            yield ctx.timeout(shutdown.deprovisioning)
    except simpy.Interrupt:  # lost while stopping (an AZ outage): nothing is left to stop
        if task.execution_stopped_at != task.execution_stopped_at:
            task.execution_stopped_at = ctx.now
    task.stopped_at = ctx.now
    enter(TaskState.STOPPED)


class _PullFailed(Exception):
    """The image pull failed: the task stops before RUNNING."""
