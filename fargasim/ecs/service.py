"""The ECS service scheduler for a REPLICA service on Fargate (reference §8.1, §7.1, §5.4).

It keeps ``desiredCount`` tasks: "If one of your tasks fails or stops, the Amazon ECS service
scheduler launches another instance of your task definition to replace it" (§8.1). It reacts to
every change (desired count, a task stopping) after ``model.scheduler.reactionSeconds``, in the
SCHEDULER phase of that instant (DESIGN.md §5). New tasks are spread across AZs and take a subnet
IP (:mod:`fargasim.ecs.placement`) and a capacity provider (:mod:`fargasim.ecs.capacity`).
When no subnet has a free IP the task is not launched and a service event says why (the exact ECS
text for this case is UNSOURCED, §5.4); the scheduler retries when an IP is freed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Generator
from typing import Any

import simpy

from fargasim.core import Context, Phase
from fargasim.ecs.capacity import StrategyItem, choose_provider
from fargasim.ecs.events import EventLog
from fargasim.ecs.lifecycle import StopCode, StopRequest, Task, TaskState
from fargasim.ecs.placement import SubnetPool, choose_subnet, choose_tasks_to_stop

Launcher = Callable[["ServiceScheduler", Task], None]


class ServiceScheduler:
    """One service's scheduler: desired count in, task launches and stops out."""

    def __init__(
        self,
        ctx: Context,
        name: str,
        desired: int,
        strategy: list[StrategyItem],
        subnet_ids: list[str],
        pool: SubnetPool,
        cpu_units: int,
        memory_mib: int,
        events: EventLog,
        reaction_seconds: float,
        launch: Launcher,
        id_prefix: str,
    ) -> None:
        self.ctx = ctx
        self.name = name
        self.desired = desired
        self.strategy = strategy
        self.subnet_ids = subnet_ids
        self.pool = pool
        self.cpu_units = cpu_units
        self.memory_mib = memory_mib
        self.events = events
        self.reaction_seconds = reaction_seconds
        self._launch = launch
        self._id_prefix = id_prefix
        self.tasks: list[Task] = []
        self._active: list[Task] = []
        self._wake = ctx.signal(Phase.SCHEDULER)
        self._steady = False
        self._placement_blocked = False
        az_order: list[str] = []
        for sid in subnet_ids:
            az = pool[sid].availability_zone
            if az not in az_order:
                az_order.append(az)
        self.az_order = az_order
        ctx.process(self._run())

    # -- inputs ---------------------------------------------------------------------------

    def set_desired(self, desired: int) -> None:
        self.desired = desired
        self.wake()

    def wake(self) -> None:
        self.ctx.fire(self._wake)

    def task_changed(self, task: Task, previous: TaskState) -> None:
        """Called on every state change of one of this service's tasks."""
        if previous <= TaskState.RUNNING < task.state:
            self._active.remove(task)
        if task.state in (TaskState.RUNNING, TaskState.STOPPED) or task.state.is_stopping:
            self.wake()

    # -- the scheduler loop ---------------------------------------------------------------

    def _run(self) -> Generator[simpy.Event, Any, None]:
        yield self.ctx.timeout(0, Phase.SCHEDULER)
        while True:
            self._reconcile()
            yield self._wake
            if self.reaction_seconds > 0:
                yield self.ctx.timeout(self.reaction_seconds, Phase.SCHEDULER)
            self._wake = self.ctx.signal(Phase.SCHEDULER)

    def _reconcile(self) -> None:
        now = self.ctx.now
        missing = self.desired - len(self._active)
        if missing > 0:
            self._start(missing)
        elif missing < 0:
            self._stop(-missing)
        steady = len(self._active) == self.desired and all(
            t.state == TaskState.RUNNING for t in self._active
        )
        if steady and not self._steady:
            self.events.steady(now, self.name)
        self._steady = steady

    def _start(self, count: int) -> None:
        started: list[str] = []
        for _ in range(count):
            subnet = choose_subnet(self.pool, self.subnet_ids, self._active)
            if subnet is None:
                if not self._placement_blocked:
                    self.events.add(
                        self.ctx.now,
                        self.name,
                        f"(service {self.name}) was unable to place a task because no subnet "
                        f"of the service ({', '.join(self.subnet_ids)}) has a free IP address.",
                    )
                self._placement_blocked = True
                break
            self._placement_blocked = False
            counts: dict[str, int] = {}
            for task in self._active:
                counts[task.capacity_provider] = counts.get(task.capacity_provider, 0) + 1
            provider = choose_provider(self.strategy, counts)
            self.pool.take_ip(subnet.subnet_id)
            task = Task(
                task_id=self._task_id(len(self.tasks)),
                service=self.name,
                capacity_provider=provider,
                availability_zone=subnet.availability_zone,
                subnet_id=subnet.subnet_id,
                cpu_units=self.cpu_units,
                memory_mib=self.memory_mib,
                created_at=self.ctx.now,
            )
            self.tasks.append(task)
            self._active.append(task)
            self._launch(self, task)
            started.append(task.task_id)
        if started:
            self.events.started(self.ctx.now, self.name, started)

    def _stop(self, count: int) -> None:
        victims = choose_tasks_to_stop(self._active, count, self.az_order)
        running = [t.task_id for t in victims if t.state == TaskState.RUNNING]
        starting = [t.task_id for t in victims if t.state != TaskState.RUNNING]
        for task in victims:
            self.stop_task(
                task,
                StopCode.SERVICE_SCHEDULER_INITIATED,
                "Scaling activity initiated by (deployment)",
            )
        if running:
            self.events.stopped(self.ctx.now, self.name, running, running=True)
        if starting:
            self.events.stopped(self.ctx.now, self.name, starting, running=False)

    def stop_task(self, task: Task, code: StopCode, reason: str) -> None:
        """Ask a task to stop (its process leaves the active set on its next state change).
        Only the first request counts: the task is already on its way to STOPPED."""
        if task.process is not None and task.state <= TaskState.RUNNING and not task.stop_requested:
            task.stop_requested = True
            task.process.interrupt(StopRequest(code, reason))

    def _task_id(self, index: int) -> str:
        digest = hashlib.blake2b(f"{self._id_prefix}/{index}".encode(), digest_size=16)
        return digest.hexdigest()

    @property
    def active(self) -> list[Task]:
        """Tasks launched and not yet stopping (what counts towards the desired count)."""
        return list(self._active)
