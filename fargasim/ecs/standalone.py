"""Standalone tasks started with ``ecs RunTask`` (reference §5.1, §5.2, §5.4, §7).

AWS (§5.1): "The rate quota for calls to the Amazon ECS RunTask API is 20 calls per second (burst
and sustained). Each call to this API can, however, launch up to 10 tasks." Tasks started by
RunTask also draw on the account's Fargate launch token bucket of their capacity provider and
count towards its concurrent vCPU quota (§5.1, §5.2).

Model, one ``runTask`` event = one call, calls served first come first served:

* **Throttling** is retried by the caller: a call waits for a RunTask call token and then for
  as many launch tokens as it has tasks (AWS answers ``ThrottlingException: Rate exceeded``; an
  SDK retries it). The wait is an assumption about the client, not an AWS rule.
* **Failures** are not retried: a task that would exceed the vCPU quota, or finds no subnet
  with a free IP in a healthy AZ, or (Spot) no Spot capacity, is not started; RunTask lists it
  under ``failures`` with the reason (the vCPU text is ECS's; the others are fargasim's).
* Placement spreads the call's tasks over the AZs of its subnets (§8.1); the capacity provider
  strategy splits them by base and weight (§7.1).
* A task's essential container exits ``runSeconds`` after RUNNING (``EssentialContainerExited``,
  "Essential container in task exited", §3.2); a Spot task may be interrupted first (§7.3).

Each task's ``service`` field holds its RunTask ``group`` (default ``family:<family>``, as ECS
sets it), so tasks.csv and the cost breakdown show standalone work beside the services.
"""

from __future__ import annotations

import hashlib
from collections import deque
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import Any

import simpy

from fargasim.core import Context, Phase
from fargasim.core.distributions import sample_one
from fargasim.ecs.capacity import StrategyItem, choose_provider
from fargasim.ecs.events import EventLog
from fargasim.ecs.lifecycle import StopCode, StopMode, Task, TaskState, lose, request_stop
from fargasim.ecs.limits import VCPU_QUOTA_REASON, Provider
from fargasim.ecs.placement import Subnet, choose_subnet
from fargasim.ecs.platform import FargatePlatform
from fargasim.scenario.schema import Distribution, RunTaskEvent

#: §5.1: "Each call to this API can, however, launch up to 10 tasks" (not adjustable, §5.3).
TASKS_PER_CALL = 10
EXIT_REASON = "Essential container in task exited"
RATE_REASON = "Rate exceeded."

Launcher = Callable[["RunTaskApi", Task], None]
TaskSize = Callable[[str], tuple[int, int]]


@dataclass
class _Call:
    index: int
    request: RunTaskEvent
    task_definition: str  # family:revision
    run_seconds: Distribution
    strategy: list[StrategyItem]
    subnet_ids: list[str]


@dataclass
class GroupStats:
    """What happened to one RunTask group."""

    calls: int = 0
    tasks_launched: int = 0
    failures: dict[str, int] = field(default_factory=dict)  # reason → tasks not started


class RunTaskApi:
    """The RunTask API of the account: a queue of calls and the standalone tasks they start."""

    def __init__(
        self,
        ctx: Context,
        platform: FargatePlatform,
        events: EventLog,
        size_of: TaskSize,
        launch: Launcher,
        id_prefix: str,
    ) -> None:
        self.ctx = ctx
        self.platform = platform
        self.events = events
        self._size_of = size_of
        self._launch = launch
        self._id_prefix = id_prefix
        self.tasks: list[Task] = []
        self.groups: dict[str, GroupStats] = {}
        self._run_seconds: dict[str, Distribution] = {}  # task id → its call's run time
        self._queue: deque[_Call] = deque()
        self._busy = False

    # -- the API ----------------------------------------------------------------------------

    def call(
        self,
        index: int,
        request: RunTaskEvent,
        task_definition: str,
        run_seconds: Distribution,
    ) -> None:
        """Queue one RunTask call (``task_definition`` resolved to ``family:revision``)."""
        strategy = [
            StrategyItem(i.capacityProvider, i.weight, i.base)
            for i in request.capacityProviderStrategy
        ] or [StrategyItem("FARGATE", 1, 0)]
        config = request.networkConfiguration
        subnets = (
            list(config.awsvpcConfiguration.subnets)
            if config and config.awsvpcConfiguration
            else []
        )
        self._queue.append(_Call(index, request, task_definition, run_seconds, strategy, subnets))
        self.groups.setdefault(request.group_name, GroupStats())
        if not self._busy:
            self._busy = True
            self.ctx.process(self._serve())

    def _serve(self) -> Generator[simpy.Event, Any, None]:
        limits = self.platform.limits
        while self._queue:
            call = self._queue[0]
            now = self.ctx.now
            ready = limits.run_task_call_ready_at(now)
            if ready > now:
                yield self.ctx.timeout(ready - now, Phase.STATE)
                continue
            if not self._launch_tokens_ready(call):
                continue_at = self._launch_tokens_at(call)
                yield self.ctx.timeout(max(0.0, continue_at - now), Phase.STATE)
                continue
            limits.take_run_task_call(now)
            self._queue.popleft()
            self._start(call)
        self._busy = False

    def _tokens_needed(self, call: _Call) -> dict[Provider, int]:
        counts: dict[str, int] = {}
        needed: dict[Provider, int] = {}
        for _ in range(call.request.count):
            provider = choose_provider(call.strategy, counts)
            counts[provider] = counts.get(provider, 0) + 1
            key: Provider = "FARGATE_SPOT" if provider == "FARGATE_SPOT" else "FARGATE"
            needed[key] = needed.get(key, 0) + 1
        return needed

    def _needed(self, call: _Call) -> dict[Provider, float]:
        """Launch tokens the call waits for, per bucket (at most a bucket's capacity: a call
        larger than a bucket takes what a full bucket holds, and its other tasks fail)."""
        limits = self.platform.limits
        return {
            p: min(float(n), limits.bucket(p).capacity)
            for p, n in self._tokens_needed(call).items()
        }

    def _launch_tokens_ready(self, call: _Call) -> bool:
        now = self.ctx.now
        return all(
            self.platform.limits.bucket(p).available(now) >= n - 1e-9
            for p, n in self._needed(call).items()
        )

    def _launch_tokens_at(self, call: _Call) -> float:
        now = self.ctx.now
        return max(
            self.platform.limits.bucket(p).ready_at(now, n) for p, n in self._needed(call).items()
        )

    # -- one call ---------------------------------------------------------------------------

    def _start(self, call: _Call) -> None:
        now = self.ctx.now
        group = call.request.group_name
        stats = self.groups[group]
        stats.calls += 1
        cpu, memory = self._size_of(call.task_definition)
        mine = [t for t in self.tasks if t.service == group and t.state < TaskState.STOPPED]
        counts: dict[str, int] = {}
        started: list[str] = []
        failed: dict[str, int] = {}
        for _ in range(call.request.count):
            name = choose_provider(call.strategy, counts)
            counts[name] = counts.get(name, 0) + 1
            provider: Provider = "FARGATE_SPOT" if name == "FARGATE_SPOT" else "FARGATE"
            reason = self._refusal(provider, cpu, call.subnet_ids, mine)
            if reason is not None:
                failed[reason] = failed.get(reason, 0) + 1
                continue
            subnet = self._subnet(provider, call.subnet_ids, mine)
            assert subnet is not None
            limits = self.platform.limits
            if not limits.bucket(provider).take(now):
                failed[RATE_REASON] = failed.get(RATE_REASON, 0) + 1
                continue
            limits.quota(provider).acquire(cpu)
            self.platform.pool.take_ip(subnet.subnet_id)
            task = Task(
                task_id=self._task_id(len(self.tasks)),
                service=group,
                capacity_provider=provider,
                availability_zone=subnet.availability_zone,
                subnet_id=subnet.subnet_id,
                cpu_units=cpu,
                memory_mib=memory,
                created_at=now,
                task_definition=call.task_definition,
                started_by=call.request.startedBy or "",
            )
            self.tasks.append(task)
            self._run_seconds[task.task_id] = call.run_seconds
            mine.append(task)
            stats.tasks_launched += 1
            started.append(task.task_id)
            self._launch(self, task)
        if started:
            self.events.add(
                now,
                group,
                f"RunTask (group {group}) started {len(started)} tasks of {call.task_definition}.",
            )
        for reason, n in failed.items():
            stats.failures[reason] = stats.failures.get(reason, 0) + n
            self.events.add(
                now,
                group,
                f"RunTask (group {group}) failed to start {n} of {call.request.count} tasks: "
                f"{reason}",
            )

    def _subnet(self, provider: Provider, subnet_ids: list[str], mine: list[Task]) -> Subnet | None:
        return choose_subnet(
            self.platform.pool, subnet_ids, mine, lambda s: self.platform.can_place(s, provider)
        )

    def _refusal(
        self, provider: Provider, cpu: int, subnet_ids: list[str], mine: list[Task]
    ) -> str | None:
        """Why RunTask cannot start one more task now, or ``None``."""
        if not self.platform.limits.quota(provider).can_hold(cpu):
            return VCPU_QUOTA_REASON + "."
        if self._subnet(provider, subnet_ids, mine) is not None:
            return None
        return self.platform.unplaceable_reason(subnet_ids, "the call")

    # -- the tasks' owner -------------------------------------------------------------------

    def running(self, task: Task) -> None:
        """The task is RUNNING: its essential container exits after its run time."""
        rng = self.ctx.rng(f"runtask/{task.service}")
        run = sample_one(self._run_seconds.pop(task.task_id), rng)

        def exit_later() -> Generator[simpy.Event, Any, None]:
            yield self.ctx.timeout(run)
            if task.state == TaskState.RUNNING:
                self.stop_task(
                    task, StopCode.ESSENTIAL_CONTAINER_EXITED, EXIT_REASON, StopMode.EXITED
                )

        self.ctx.process(exit_later())

    def stop_task(
        self,
        task: Task,
        code: StopCode,
        reason: str,
        mode: StopMode = StopMode.GRACEFUL,
        deadline: float | None = None,
    ) -> bool:
        """Stop a standalone task (its first stop request counts)."""
        return request_stop(task, code, reason, mode, deadline)

    def lose_task(self, task: Task, code: StopCode, reason: str) -> bool:
        return lose(task, code, reason)

    @property
    def active(self) -> list[Task]:
        return [t for t in self.tasks if t.state <= TaskState.RUNNING and not t.stop_requested]

    def _task_id(self, index: int) -> str:
        digest = hashlib.blake2b(f"{self._id_prefix}/runtask/{index}".encode(), digest_size=16)
        return digest.hexdigest()
