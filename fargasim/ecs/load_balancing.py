"""ECS's side of a service's load balancer: registering, watching and draining targets (§3.1,
§8.2, §9).

* **Registration** (§3.1: "the target group registration occurs during" ACTIVATING): each task
  is registered as an ``ip`` target in every target group of the service when it enters
  RUNNING (the last instant of ACTIVATING), and answers health checks once its application is
  ready. Only healthy targets get traffic (:meth:`~fargasim.elb.targets.TargetGroup.routable`,
  fail open when none is); the service's traffic follows its first target group.
* **Health** (§8.2): "tasks for services that do use a load balancer are considered healthy if
  they are in the RUNNING state and … reported as healthy by the load balancer" — in every target
  group of the service. A target that turns ``unhealthy`` gets its task stopped ("Task failed ELB
  health checks in (target-group …)", stop code ``ServiceSchedulerInitiated``) unless the task is
  within ``healthCheckGracePeriodSeconds`` of RUNNING ("ignore unhealthy Elastic Load Balancing
  target health checks … after a task enters a RUNNING state"); if it is still unhealthy when
  the grace period ends, it is stopped then.
* **Deregistration** (§3.1: "target group deregistration occurs during" DEACTIVATING, §9): a
  stopping task's targets drain; DEACTIVATING lasts the target group's
  ``deregistration_delay.timeout_seconds`` (``model.loadBalancer.drain: fullDelay``, the
  default) or only the ``model.shutdown.deactivatingSeconds`` draw (``inFlight``). A task whose
  essential container exited drains for that draw too (it has nothing in flight), and a task
  lost with its AZ is removed at once.

Service events, batched per instant: "(service web) registered 2 targets in (target-group
web-tg)", "(service web) has begun draining connections on 2 tasks.", "(service web) deregistered
2 targets in (target-group web-tg)" and, per task, "(service web) (task …) (port 80) is unhealthy
in (target-group web-tg) due to (reason Health checks failed)."
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass
from typing import Any

import simpy

from fargasim.core import Context, Phase
from fargasim.ecs.events import EventLog
from fargasim.ecs.lifecycle import StopCode, StopMode, StopRequest, Task, TaskState
from fargasim.ecs.service import ServiceScheduler
from fargasim.elb.targets import TargetGroup, TargetHealth


@dataclass(frozen=True)
class Attachment:
    """One ``loadBalancers`` entry of a service: a target group and the container port."""

    group: TargetGroup
    port: int | None


class ServiceTargets:
    """The targets of one service's tasks in its target groups."""

    def __init__(
        self,
        ctx: Context,
        scheduler: ServiceScheduler,
        attachments: Sequence[Attachment],
        events: EventLog,
        drain_mode: str,
        routable_changed: Callable[[float], None],
    ) -> None:
        self.ctx = ctx
        self.scheduler = scheduler
        self.attachments = list(attachments)
        self.events = events
        self.drain_mode = drain_mode
        self._routable_changed = routable_changed
        self._tasks: dict[str, Task] = {}
        self._batch: dict[tuple[str, str], int] = {}
        self._flush_pending = False

    @property
    def name(self) -> str:
        return self.scheduler.name

    # -- task lifecycle -----------------------------------------------------------------------

    def running(self, task: Task) -> None:
        """Register the task's targets (its application does not answer yet)."""
        self._tasks[task.task_id] = task
        for attachment in self.attachments:
            attachment.group.register(task.task_id)
            self._count("registered", attachment.group.settings.name)
        self._refresh()

    def ready(self, task: Task) -> None:
        if task.task_id not in self._tasks:
            return
        for attachment in self.attachments:
            attachment.group.set_ready(task.task_id, True)
        self._refresh()

    def drain_seconds(self, task: Task, request: StopRequest, planned: float) -> float:
        """Start draining the task's targets; how long DEACTIVATING lasts (§9)."""
        if task.task_id not in self._tasks:
            return planned
        full = self.drain_mode == "fullDelay" and request.mode != StopMode.EXITED
        longest = 0.0
        for attachment in self.attachments:
            group = attachment.group
            drain = group.settings.deregistration_delay if full else planned
            group.deregister(task.task_id, drain_seconds=drain)
            longest = max(longest, drain)
            self._count("deregistered", group.settings.name)
        self._count("draining", "")
        self._refresh()
        return longest

    def gone(self, task: Task) -> None:
        """The task stopped (or was lost): forget its targets."""
        if self._tasks.pop(task.task_id, None) is None:
            return
        for attachment in self.attachments:
            attachment.group.remove(task.task_id)
        self._refresh()

    def set_failing(self, task: Task, failing: bool) -> None:
        """A fault: the task's health checks fail (or stop failing)."""
        if task.task_id not in self._tasks:
            return
        for attachment in self.attachments:
            group = attachment.group
            if group.state(task.task_id) is not TargetHealth.UNUSED:
                group.set_failing(task.task_id, failing)

    # -- target health -------------------------------------------------------------------------

    def on_change(self, group: TargetGroup, key: str, old: TargetHealth, new: TargetHealth) -> None:
        task = self._tasks.get(key)
        if task is None:
            return
        if new is TargetHealth.HEALTHY and self._healthy_everywhere(key):
            self.scheduler.target_health(task, True)
        elif new is TargetHealth.UNHEALTHY and task.state == TaskState.RUNNING:
            port = next((a.port for a in self.attachments if a.group is group), None)
            self.events.add(
                self.ctx.now,
                self.name,
                f"(service {self.name}) (task {key}) (port {port}) is unhealthy in "
                f"(target-group {group.settings.name}) due to (reason Health checks failed).",
            )
            self.scheduler.target_health(task, False)
            self._enforce(task, group)
        self._refresh()

    def on_weight(self) -> None:
        self._refresh()

    def routing_weights(self) -> dict[str, float]:
        """Task id → share of traffic from the service's first target group (§9)."""
        if not self.attachments:
            return {}
        return self.attachments[0].group.routing_weights(self.ctx.now)

    def _healthy_everywhere(self, key: str) -> bool:
        return all(a.group.state(key) is TargetHealth.HEALTHY for a in self.attachments)

    def _enforce(self, task: Task, group: TargetGroup) -> None:
        """Stop an unhealthy task, after the grace period if it is still in it (§8.2)."""
        grace_end = task.running_at + self.scheduler.grace_seconds
        if self.ctx.now >= grace_end:
            self._stop_unhealthy(task, group)
            return

        def later() -> Generator[simpy.Event, Any, None]:
            # After the health checks of that instant (they run just after the STATE phase): a
            # check at the very end of the grace period still counts.
            yield self.ctx.timeout(grace_end - self.ctx.now, Phase.METRICS)
            if group.state(task.task_id) is TargetHealth.UNHEALTHY:
                self._stop_unhealthy(task, group)

        self.ctx.process(later())

    def _stop_unhealthy(self, task: Task, group: TargetGroup) -> None:
        stopped = self.scheduler.stop_task(
            task,
            StopCode.SERVICE_SCHEDULER_INITIATED,
            f"Task failed ELB health checks in (target-group {group.settings.name})",
        )
        if stopped:
            self.events.stopped(self.ctx.now, self.name, [task.task_id], running=True)

    def _refresh(self) -> None:
        if self.attachments:
            self._routable_changed(self.attachments[0].group.routable(self.ctx.now))

    # -- batched events -------------------------------------------------------------------------

    def _count(self, kind: str, group: str) -> None:
        key = (kind, group)
        self._batch[key] = self._batch.get(key, 0) + 1
        if not self._flush_pending:
            self._flush_pending = True
            self.ctx.process(self._flush())

    def _flush(self) -> Generator[simpy.Event, Any, None]:
        yield self.ctx.timeout(0, Phase.SCHEDULER)
        now = self.ctx.now
        for (kind, group), n in sorted(self._batch.items()):
            if kind == "registered":
                message = f"(service {self.name}) registered {n} targets in (target-group {group})"
            elif kind == "deregistered":
                message = (
                    f"(service {self.name}) deregistered {n} targets in (target-group {group})"
                )
            else:
                message = f"(service {self.name}) has begun draining connections on {n} tasks."
            self.events.add(now, self.name, message)
        self._batch.clear()
        self._flush_pending = False
