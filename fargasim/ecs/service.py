"""The ECS service scheduler for a REPLICA service on Fargate (reference §5, §7, §8).

It keeps ``desiredCount`` tasks: "If one of your tasks fails or stops, the Amazon ECS service
scheduler launches another instance of your task definition to replace it" (§8.1). It reacts to
every change (desired count, a task starting, stopping or changing health) after
``model.scheduler.reactionSeconds``, in the SCHEDULER phase of that instant (DESIGN.md §5).

**Launching a task** (one at a time, each check in this order):

1. the service throttle (§8.4): after tasks in a row failed to reach RUNNING, the next launch
   waits (:class:`~fargasim.ecs.throttle.ServiceThrottle`); ECS says "is unable to consistently
   start tasks successfully";
2. the capacity provider from the strategy (§7.1, :mod:`fargasim.ecs.capacity`); a task meant for
   FARGATE_SPOT waits while Spot has no capacity, it is never moved to FARGATE (§7.3);
3. the subnet (§8.1, §5.4): AZ spread over the subnets that have a free IP, whose AZ is not
   impaired and, for Spot, has Spot capacity; when the AZ the spread prefers is ruled out, the
   task goes to another AZ and a service event says so;
4. the account (§5): tasks per service, the provider's vCPU quota, the service's launch rate,
   the provider's launch token bucket (:class:`~fargasim.ecs.limits.AccountLimits`).

A task that cannot launch waits; a service event says why ("was unable to place a task. Reason:
…", repeated only after six hours or once the cause is resolved), and the scheduler looks again
when the cause can have gone (a token refill time, a task stopping, a window ending).

**Deployments** (§8.2, §8.3): a new task definition or ``forceNewDeployment`` starts a rolling
deployment. While old tasks remain, each reconciliation takes one
:func:`~fargasim.ecs.rollout.rolling_step`: start new tasks within ``maximumPercent`` of the
desired count (every task not yet STOPPED or deprovisioning counts) and stop old ones while at
least ``minimumHealthyPercent`` stay healthy (RUNNING and, behind a load balancer, healthy in
it). Old tasks that are not healthy go first. The deployment completes when the new tasks are
the desired count, all healthy, with no old task left. With the circuit breaker on, tasks that
fail to start (stage 1) or fail health checks (stage 2) count towards
``clamp(⌈desired/2⌉, model.deployments.circuitBreakerMinimumThreshold, 200)``; a tripped
deployment is FAILED and launches nothing more, and with ``rollback`` a new deployment returns to
the last completed task definition. maximumPercent also caps launches outside deployments (a
replacement for a task that is still stopping, §7.3 "uses the minimumHealthyPercent and
maximumPercent values").

**Scale-in** stops tasks from the fullest AZ (§8.1, :mod:`fargasim.ecs.placement`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass
from typing import Any

import simpy

from fargasim.core import Context, Phase
from fargasim.ecs.active import ActiveTasks
from fargasim.ecs.capacity import StrategyItem, choose_provider
from fargasim.ecs.deployment import Deployment, deployment_id
from fargasim.ecs.events import EventLog
from fargasim.ecs.lifecycle import StopCode, StopMode, Task, TaskState, lose, request_stop
from fargasim.ecs.limits import Provider
from fargasim.ecs.placement import Subnet, choose_subnet, choose_tasks_to_stop, zones_of
from fargasim.ecs.platform import FargatePlatform
from fargasim.ecs.rollout import (
    CircuitBreaker,
    circuit_breaker_threshold,
    max_tasks,
    rolling_step,
    rollout_can_progress,
)
from fargasim.ecs.throttle import ServiceThrottle
from fargasim.scenario.schema import DeploymentConfiguration, UpdateServiceEvent

Launcher = Callable[["ServiceScheduler", Task], object]  # (returns what a service ignores)
TaskSize = Callable[[str], tuple[int, int]]
"""CPU units and memory MiB of a task definition (``family:revision``)."""


@dataclass(frozen=True)
class ServiceSettings:
    """What a scheduler needs to know about its service, fixed for the run."""

    name: str
    strategy: list[StrategyItem]
    subnet_ids: list[str]
    reaction_seconds: float
    has_load_balancer: bool
    id_prefix: str
    throttle_base_seconds: float = 10.0
    throttle_factor: float = 2.0
    throttle_max_seconds: float = 900.0
    breaker_minimum: int = 3


class ServiceScheduler:
    """One service's scheduler: desired count and deployments in, task launches and stops out."""

    def __init__(
        self,
        ctx: Context,
        settings: ServiceSettings,
        desired: int,
        task_definition: str,
        config: DeploymentConfiguration,
        grace_seconds: float,
        platform: FargatePlatform,
        events: EventLog,
        size_of: TaskSize,
        launch: Launcher,
    ) -> None:
        self.ctx = ctx
        self.settings = settings
        self.name = settings.name
        self.desired = desired
        self.config = config
        self.grace_seconds = grace_seconds
        self.platform = platform
        self.pool = platform.pool
        self.events = events
        self._size_of = size_of
        self._launch = launch
        self.subnet_ids = settings.subnet_ids
        self.tasks: list[Task] = []
        self._active = ActiveTasks()
        self._in_flight = ActiveTasks()  # every task not yet deprovisioning (maximumPercent)
        self._healthy: set[str] = set()
        self.deployments: list[Deployment] = []
        self.throttle = ServiceThrottle(
            settings.throttle_base_seconds, settings.throttle_factor, settings.throttle_max_seconds
        )
        self._throttled_until = 0.0
        self._wake = ctx.signal(Phase.SCHEDULER)
        self._timers: set[float] = set()
        self._steady = False
        self.az_order = zones_of(self.pool, settings.subnet_ids)
        self._new_deployment(task_definition)
        platform.on_change(self.wake)
        ctx.process(self._run())

    # -- inputs ---------------------------------------------------------------------------

    def set_desired(self, desired: int) -> None:
        self.desired = desired
        self.wake()

    def update(self, update: UpdateServiceEvent, task_definition: str | None) -> None:
        """An ``UpdateService`` call (§8.2); ``task_definition`` is the resolved
        ``family:revision`` of ``update.taskDefinition``, if given."""
        if update.deploymentConfiguration is not None:
            self.config = update.deploymentConfiguration.applied_to(self.config)
        if update.healthCheckGracePeriodSeconds is not None:
            self.grace_seconds = float(update.healthCheckGracePeriodSeconds)
        if update.desiredCount is not None:
            self.desired = update.desiredCount
        new_definition = (
            task_definition is not None and task_definition != self.primary.task_definition
        )
        if new_definition or update.forceNewDeployment:
            self.throttle.reset()  # §8.4: "A new task definition resets the throttle"
            self._throttled_until = 0.0
            deployment = self._new_deployment(task_definition or self.primary.task_definition)
            self.events.add(
                self.ctx.now,
                self.name,
                f"(service {self.name}) (deployment {deployment.deployment_id}) deployment "
                f"started: task definition {deployment.task_definition}.",
            )
        self.wake()

    def wake(self) -> None:
        self.ctx.fire(self._wake)

    def task_changed(self, task: Task, previous: TaskState) -> None:
        """Called on every state change of one of this service's tasks."""
        now = self.ctx.now
        if previous <= TaskState.RUNNING < task.state:
            self._active.remove(task)
            self._healthy.discard(task.task_id)
        if previous < TaskState.DEPROVISIONING <= task.state:
            self._in_flight.remove(task)
        deployment = self._deployment_of(task)
        if task.state == TaskState.RUNNING:
            self.throttle.task_reached_running()
            if deployment is not None and deployment.breaker is not None:
                deployment.breaker.task_reached_running()
            if not self.settings.has_load_balancer:
                self._became_healthy(task)
        failed_to_start = (
            previous <= TaskState.RUNNING < task.state
            and task.stop_code == StopCode.TASK_FAILED_TO_START
        )
        if failed_to_start:
            # Counted when the task starts stopping, before its slot frees up, so the
            # replacement waits for the throttle. Only the primary deployment's failures throttle
            # (leftovers of a FAILED deployment must not delay its rollback).
            if deployment is self.primary:
                self.throttle.task_failed_to_start()
                self._throttled_until = now + self.throttle.delay()
            if deployment is not None:
                deployment.failed_to_start += 1
                if deployment.breaker is not None:
                    deployment.breaker.task_failed_to_start()
                    self._check_breaker(deployment, "tasks failed to start")
        if task.state in (TaskState.RUNNING, TaskState.STOPPED) or task.state.is_stopping:
            self.wake()

    def target_health(self, task: Task, healthy: bool) -> None:
        """The load balancer reports a task's target healthy or unhealthy (§8.2, §9)."""
        if healthy:
            self._became_healthy(task)
        else:
            self._healthy.discard(task.task_id)
            deployment = self._deployment_of(task)
            if deployment is not None:
                deployment.failed_health_checks += 1
                if deployment.breaker is not None:
                    deployment.breaker.health_check_failed()
                    self._check_breaker(deployment, "tasks failed health checks")
        self.wake()

    def _became_healthy(self, task: Task) -> None:
        if task.state != TaskState.RUNNING:
            return
        self._healthy.add(task.task_id)
        deployment = self._deployment_of(task)
        if deployment is not None and deployment.breaker is not None:
            deployment.breaker.task_became_healthy()

    # -- queries ---------------------------------------------------------------------------

    @property
    def primary(self) -> Deployment:
        return self.deployments[-1]

    @property
    def deployment_in_progress(self) -> bool:
        """§6.1: scale-in is suspended while a deployment is in progress."""
        return len(self.deployments) > 1 and self.primary.in_progress

    @property
    def active(self) -> list[Task]:
        """Tasks launched and not yet stopping (what counts towards the desired count)."""
        return list(self._active)

    def is_healthy(self, task: Task) -> bool:
        return task.state == TaskState.RUNNING and task.task_id in self._healthy

    @property
    def _all_healthy(self) -> bool:
        """Every active task is healthy: ``_healthy`` only ever holds active RUNNING tasks (a
        task leaves it when it stops being RUNNING), so counting is enough."""
        return len(self._healthy) == len(self._active)

    # -- the scheduler loop ---------------------------------------------------------------

    def _run(self) -> Generator[simpy.Event, Any, None]:
        yield self.ctx.timeout(0, Phase.SCHEDULER)
        while True:
            self._reconcile()
            yield self._wake
            if self.settings.reaction_seconds > 0:
                yield self.ctx.timeout(self.settings.reaction_seconds, Phase.SCHEDULER)
            self._wake = self.ctx.signal(Phase.SCHEDULER)

    def _reconcile(self) -> None:
        primary = self.primary
        active = self._active
        new_count = active.per_deployment[primary.deployment_id]
        if new_count > self.desired:
            new = active.of_deployment(primary.deployment_id)
            self._stop(new, new_count - self.desired, self._scaling_reason())
        old_count = active.others(primary.deployment_id)
        if old_count and primary.failed:
            pass  # §8.3: a FAILED deployment "doesn't launch any new tasks"; the old ones stay
        elif old_count:
            old = active.not_of_deployment(primary.deployment_id)
            healthy = len(self._healthy)
            old_unhealthy = [t for t in old if not self.is_healthy(t)]
            step = rolling_step(
                self.desired,
                self.config.maximumPercent,
                self.config.minimumHealthyPercent,
                new_active=new_count,
                old_active=old_count,
                healthy=healthy,
                in_flight=len(self._in_flight),
                old_unhealthy=len(old_unhealthy),
            )
            if step.stop_old:
                first = choose_tasks_to_stop(
                    old_unhealthy, min(step.stop_old, len(old_unhealthy)), self.az_order
                )
                chosen = {id(t) for t in first}
                rest = [t for t in old if id(t) not in chosen]
                victims = first + choose_tasks_to_stop(
                    rest, step.stop_old - len(first), self.az_order
                )
                self._stop_tasks(victims, self._scaling_reason())
            if step.start and not primary.failed:
                self._start(step.start)
            if (
                not step.start
                and not step.stop_old
                and not rollout_can_progress(
                    self.desired, self.config.maximumPercent, self.config.minimumHealthyPercent
                )
            ):
                self.events.once(
                    self.ctx.now,
                    self.name,
                    "deploymentConfiguration",
                    f"(service {self.name}) was unable to stop or start tasks during a "
                    "deployment because of the service deployment configuration. Update the "
                    "minimumHealthyPercent or maximumPercent value and try again.",
                )
        else:
            room = max_tasks(self.desired, self.config.maximumPercent) - len(self._in_flight)
            missing = min(self.desired - new_count, max(0, room))
            if missing > 0 and not primary.failed:
                self._start(missing)
        self._check_completion()
        steady = (
            len(self._active) == self.desired
            and self._all_healthy
            and not self.deployment_in_progress
        )
        if steady and not self._steady:
            self.events.steady(self.ctx.now, self.name)
        self._steady = steady

    # -- deployments ----------------------------------------------------------------------

    def _new_deployment(self, task_definition: str) -> Deployment:
        breaker_config = self.config.deploymentCircuitBreaker
        breaker = None
        if breaker_config is not None and breaker_config.enable:
            breaker = CircuitBreaker(
                circuit_breaker_threshold(self.desired, self.settings.breaker_minimum)
            )
        for previous in self.deployments:
            if previous.status == "PRIMARY":
                previous.status = "ACTIVE"
        deployment = Deployment(
            deployment_id=deployment_id(self.settings.id_prefix, len(self.deployments)),
            task_definition=task_definition,
            config=self.config,
            created_at=self.ctx.now,
            breaker=breaker,
        )
        self.deployments.append(deployment)
        return deployment

    def _check_completion(self) -> None:
        primary = self.primary
        if not primary.in_progress:
            return
        mine = self._active.per_deployment[primary.deployment_id]
        others_left = self._in_flight.others(primary.deployment_id) > 0
        if (
            mine == self.desired
            and len(self._active) == mine  # so every active task is the primary's
            and self._all_healthy
            and not others_left
        ):
            primary.rollout_state = "COMPLETED"
            primary.completed_at = self.ctx.now
            for deployment in self.deployments[:-1]:
                deployment.status = "INACTIVE"
            if len(self.deployments) > 1:
                self.events.add(
                    self.ctx.now,
                    self.name,
                    f"(service {self.name}) (deployment {primary.deployment_id}) deployment "
                    "completed.",
                )

    def _check_breaker(self, deployment: Deployment, why: str) -> None:
        """§8.3: a tripped breaker fails the deployment; with rollback, go back to the last
        completed deployment's task definition."""
        if deployment.breaker is None or not deployment.breaker.tripped:
            return
        if not deployment.in_progress or deployment is not self.primary:
            return
        deployment.rollout_state = "FAILED"
        deployment.failed_at = self.ctx.now
        self.events.add(
            self.ctx.now,
            self.name,
            f"(service {self.name}) (deployment {deployment.deployment_id}) deployment failed: "
            f"{why}.",
        )
        breaker = self.config.deploymentCircuitBreaker
        completed = [d for d in self.deployments if d.rollout_state == "COMPLETED"]
        # A rollback that fails too is not rolled back again (it would loop): it stays FAILED.
        if (
            breaker is not None
            and breaker.rollback
            and completed
            and not deployment.rolled_back_from
        ):
            target = completed[-1]
            self.throttle.reset()
            self._throttled_until = 0.0
            rollback = self._new_deployment(target.task_definition)
            rollback.rolled_back_from = deployment.deployment_id
            self.events.add(
                self.ctx.now,
                self.name,
                f"(service {self.name}) (deployment {rollback.deployment_id}) rolling back to "
                f"deployment {target.deployment_id}.",
            )
        self.wake()

    def _deployment_of(self, task: Task) -> Deployment | None:
        for deployment in self.deployments:
            if deployment.deployment_id == task.started_by:
                return deployment
        return None

    def _scaling_reason(self) -> str:
        return f"Scaling activity initiated by (deployment {self.primary.deployment_id})"

    # -- launching ------------------------------------------------------------------------

    def _start(self, count: int) -> None:
        now = self.ctx.now
        if now < self._throttled_until:
            self.events.once(
                now,
                self.name,
                "throttle",
                f"(service {self.name}) is unable to consistently start tasks successfully.",
            )
            self._wake_at(self._throttled_until)
            return
        self.events.resolved(self.name, "throttle")
        counts: dict[str, int] = dict(self._active.per_provider)
        planned: list[str] = []
        for _ in range(count):
            provider = choose_provider(self.settings.strategy, counts)
            counts[provider] = counts.get(provider, 0) + 1
            planned.append(provider)
        started: list[str] = []
        blocked: set[str] = set()
        for provider in planned:
            if provider in blocked:
                continue
            launched = self._launch_one("FARGATE_SPOT" if provider == "FARGATE_SPOT" else "FARGATE")
            if launched is None:
                blocked.add(provider)
            else:
                started.append(launched.task_id)
        if started:
            self.events.started(now, self.name, started)

    def _launch_one(self, provider: Provider) -> Task | None:
        now = self.ctx.now
        spot = provider == "FARGATE_SPOT"
        per_az = self._active.per_az
        subnet = choose_subnet(
            self.pool, self.subnet_ids, per_az, lambda s: self.platform.can_place(s, provider)
        )
        if subnet is None:
            reason = self.platform.unplaceable_reason(
                self.subnet_ids, f"the service ({', '.join(self.subnet_ids)})"
            )
            self.events.unable_to_place(now, self.name, f"placement:{provider}", reason)
            return None
        preferred = choose_subnet(self.pool, self.subnet_ids, per_az, lambda s: True)
        if preferred is not None and preferred.availability_zone != subnet.availability_zone:
            self._say_moved(preferred, spot)
        else:
            self.events.resolved(self.name, "moved")
        cpu, memory = self._size_of(self.primary.task_definition)
        service_tasks = len(self._in_flight)
        block = self.platform.limits.check(self.name, provider, cpu, service_tasks, now)
        if block is not None:
            self.events.unable_to_place(
                now, self.name, f"{block.kind}:{provider}", block.reason + "."
            )
            if block.retry_at is not None:
                self._wake_at(block.retry_at)
            return None
        # This provider's causes are resolved; the other provider's may still hold.
        for cause in (
            "placement",
            "vcpuQuota",
            "launchRate",
            "serviceLaunchRate",
            "tasksPerService",
        ):
            self.events.resolved(self.name, f"{cause}:{provider}")
        self.platform.limits.launch(self.name, provider, cpu, now)
        self.pool.take_ip(subnet.subnet_id)
        primary = self.primary
        task = Task(
            task_id=self._task_id(len(self.tasks)),
            service=self.name,
            capacity_provider=provider,
            availability_zone=subnet.availability_zone,
            subnet_id=subnet.subnet_id,
            cpu_units=cpu,
            memory_mib=memory,
            created_at=now,
            task_definition=primary.task_definition,
            started_by=primary.deployment_id,
        )
        primary.launched += 1
        self.tasks.append(task)
        self._active.add(task)
        self._in_flight.add(task)
        self._launch(self, task)
        return task

    def _say_moved(self, preferred: Subnet, spot: bool) -> None:
        az = preferred.availability_zone
        if preferred.free_ips <= 0 and all(
            self.pool[sid].free_ips <= 0
            for sid in self.subnet_ids
            if self.pool[sid].availability_zone == az
        ):
            why = "its subnets have no free IP address"
        elif not self.platform.az_available(az):
            why = "the Availability Zone is impaired"
        elif spot and not self.platform.spot_available(az):
            why = "Fargate Spot has no capacity there"
        else:
            return  # another subnet of the same AZ took it: no AZ change to report
        self.events.once(
            self.ctx.now,
            self.name,
            "moved",
            f"(service {self.name}) was unable to place a task in {az} because {why}; "
            "placing tasks in the service's other Availability Zones.",
        )

    def _wake_at(self, time: float) -> None:
        if time in self._timers:
            return
        self._timers.add(time)

        def timer() -> Generator[simpy.Event, Any, None]:
            yield self.ctx.timeout(max(0.0, time - self.ctx.now), Phase.STATE)
            self._timers.discard(time)
            self.wake()

        self.ctx.process(timer())

    # -- stopping -------------------------------------------------------------------------

    def _stop(self, pool: Sequence[Task], count: int, reason: str) -> None:
        self._stop_tasks(choose_tasks_to_stop(pool, count, self.az_order), reason)

    def _stop_tasks(self, victims: Sequence[Task], reason: str) -> None:
        running = [t.task_id for t in victims if t.state == TaskState.RUNNING]
        starting = [t.task_id for t in victims if t.state != TaskState.RUNNING]
        for task in victims:
            self.stop_task(task, StopCode.SERVICE_SCHEDULER_INITIATED, reason)
        if running:
            self.events.stopped(self.ctx.now, self.name, running, running=True)
        if starting:
            self.events.stopped(self.ctx.now, self.name, starting, running=False)

    def stop_task(
        self,
        task: Task,
        code: StopCode,
        reason: str,
        mode: StopMode = StopMode.GRACEFUL,
        deadline: float | None = None,
    ) -> bool:
        """Ask a task to stop (it leaves the active set on its next state change)."""
        return request_stop(task, code, reason, mode, deadline)

    def lose_task(self, task: Task, code: StopCode, reason: str) -> bool:
        return lose(task, code, reason)

    def _task_id(self, index: int) -> str:
        digest = hashlib.blake2b(f"{self.settings.id_prefix}/{index}".encode(), digest_size=16)
        return digest.hexdigest()
