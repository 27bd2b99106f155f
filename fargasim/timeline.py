"""The scenario's ``events:`` timeline: operator actions and scripted faults (DESIGN.md §3).

Each event happens at its ``at`` time in the STATE phase (DESIGN.md §5), in file order among
events at the same time:

* ``updateService`` — ``ecs UpdateService`` (§8.2): desired count, deployment configuration,
  grace period; a new task definition or ``forceNewDeployment`` starts a rolling deployment.
* ``runTask`` — ``ecs RunTask`` (§5.1): standalone tasks that run ``runSeconds`` once RUNNING
  (:mod:`fargasim.ecs.standalone`).
* ``azOutage`` — every task in the AZ stops at once (stop code ``InfrastructureHealth``) and
  nothing launches there for ``duration``; the schedulers place replacements in the other AZs.
* ``spotInterruption`` — the two-minute warning for the selected Spot tasks (§7.3).
* ``spotCapacityUnavailable`` — no Fargate Spot capacity for ``duration`` (§7.3).
* ``imagePullFailure`` — image pulls fail for ``duration`` (§8.4).
* ``healthCheckFailure`` — the selected tasks fail their target health checks for ``duration``
  (§9); ECS then stops them once outside their grace period (§8.2).
* ``containerExit`` — the selected tasks' essential container exits (§3.2).
* ``stopTask`` — ``ecs StopTask`` on the selected tasks (``UserInitiated``, §3.2).

A selection (``service``, ``availabilityZone``, ``count`` or ``fraction``) picks among the
matching tasks that are launched and not stopping, at random from the event's own stream
(``events/<index>``), so the same seed picks the same tasks.

The ``batch:`` entries are played here too: each submission of ``count`` tasks is
``ceil(count/10)`` RunTask calls made at the same instant (§5.1), of 10 tasks each and the rest
in the last, served by the RunTask API like ``runTask`` events. At one time, the ``events:``
happen first (in file order), then the batch submissions (in file order).
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Generator, Iterator, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import simpy

from fargasim.core import Context, Phase
from fargasim.ecs.lifecycle import StopCode, Task, TaskState
from fargasim.ecs.standalone import TASKS_PER_CALL, Calls
from fargasim.scenario.schema import (
    AwsVpcConfiguration,
    AzOutageEvent,
    BatchSpec,
    ContainerExitEvent,
    HealthCheckFailureEvent,
    ImagePullFailureEvent,
    NetworkConfiguration,
    RunTaskEvent,
    SpotCapacityEvent,
    SpotInterruptionEvent,
    StopTaskEvent,
    TaskSelection,
    TimelineEvent,
    UpdateServiceEvent,
)

if TYPE_CHECKING:
    from fargasim.engine import Model


class Timeline:
    """Plays the scenario's ``events:`` against the model."""

    def __init__(self, model: Model) -> None:
        self.model = model
        self.ctx: Context = model.ctx
        self._event: TimelineEvent | None = None
        self.ctx.process(self._run())

    def _run(self) -> Generator[simpy.Event, Any, None]:
        scenario = self.model.scenario
        events = sorted(enumerate(scenario.events), key=lambda e: (e[1].at, e[0]))
        streams: list[Iterator[tuple[float, int, int, TimelineEvent | BatchSpec]]] = [
            iter([(event.at, 0, index, event) for index, event in events])
        ]
        streams += [
            _submissions(i, entry, scenario.duration) for i, entry in enumerate(scenario.batch)
        ]
        for at, _, index, item in heapq.merge(*streams, key=lambda entry: entry[:3]):
            if at > scenario.duration:
                break
            yield self.ctx.timeout(at - self.ctx.now, Phase.STATE)
            if isinstance(item, BatchSpec):
                self.submit(index, item)
            else:
                self.apply(index, item)

    def apply(self, index: int, event: TimelineEvent) -> None:
        self._event = event
        for _, action in event.actions:
            handler: Callable[[int, Any], None] = getattr(self, f"_{type(action).__name__}")
            handler(index, action)

    def submit(self, index: int, entry: BatchSpec) -> None:
        """One submission of ``batch[index]``: its tasks in RunTask calls of at most 10, in bulk
        when nothing can disturb them (:meth:`~fargasim.engine.Model.launch_bulk`), else one
        call at a time."""
        name = self.model.scenario.task_definition_arn_name(entry.task_definition)
        network = NetworkConfiguration(
            awsvpcConfiguration=AwsVpcConfiguration(subnets=list(entry.subnets))
        )
        calls = batch_calls(
            entry.count,
            lambda count: RunTaskEvent(
                taskDefinition=entry.task_definition,
                count=count,
                capacityProviderStrategy=list(entry.capacity_provider_strategy),
                networkConfiguration=network,
                group=entry.group,
            ),
        )
        self.model.events.add(
            self.ctx.now,
            entry.group_name,
            f"Batch (group {entry.group_name}) submitted {entry.count} tasks of {name} in "
            f"{len(calls)} RunTask calls.",
        )
        if self.model.launch_bulk(index, calls, name, entry):
            return
        for request in calls:
            self.model.run_task_api.call(index, request, name, entry.run_seconds, announce=False)

    # -- actions --------------------------------------------------------------------------------

    def _UpdateServiceEvent(self, index: int, update: UpdateServiceEvent) -> None:
        scenario = self.model.scenario
        resolved = (
            scenario.task_definition_arn_name(update.taskDefinition)
            if update.taskDefinition is not None
            else None
        )
        self.model.schedulers[update.service].update(update, resolved)

    def _RunTaskEvent(self, index: int, request: RunTaskEvent) -> None:
        assert self._event is not None
        run_seconds = self._event.run_seconds
        assert run_seconds is not None  # the loader requires it with runTask
        name = self.model.scenario.task_definition_arn_name(request.taskDefinition)
        self.model.run_task_api.call(index, request, name, run_seconds)

    def _AzOutageEvent(self, index: int, outage: AzOutageEvent) -> None:
        az = outage.availability_zone
        self.model.platform.az_outage(az, outage.duration)
        reason = f"Task stopped: Availability Zone {az} is impaired (simulated outage)"
        for name, scheduler in self.model.schedulers.items():
            lost = [
                t
                for t in scheduler.tasks
                if t.availability_zone == az
                and scheduler.lose_task(t, StopCode.INFRASTRUCTURE_HEALTH, reason)
            ]
            if lost:
                self.model.events.add(
                    self.ctx.now,
                    name,
                    f"(service {name}) lost {len(lost)} tasks in {az}: the Availability Zone "
                    f"is impaired for {outage.duration:g} s.",
                )
        api = self.model.run_task_api
        for task in list(api.tasks):
            if task.availability_zone == az:
                api.lose_task(task, StopCode.INFRASTRUCTURE_HEALTH, reason)

    def _SpotInterruptionEvent(self, index: int, selection: SpotInterruptionEvent) -> None:
        for task in self._select(index, selection, lambda t: t.capacity_provider == "FARGATE_SPOT"):
            self.model.faults.interrupt(self.model.owner_of(task), task)

    def _SpotCapacityEvent(self, index: int, event: SpotCapacityEvent) -> None:
        self.model.platform.spot_capacity_unavailable(event.availability_zone, event.duration)

    def _ImagePullFailureEvent(self, index: int, event: ImagePullFailureEvent) -> None:
        self.model.platform.image_pull_failure(event.service, event.duration)

    def _HealthCheckFailureEvent(self, index: int, selection: HealthCheckFailureEvent) -> None:
        chosen = self._select(index, selection, lambda t: t.service in self.model.targets)
        for task in chosen:
            self.model.targets[task.service].set_failing(task, True)

        def recover() -> Generator[simpy.Event, Any, None]:
            yield self.ctx.timeout(selection.duration, Phase.STATE)
            for task in chosen:
                self.model.targets[task.service].set_failing(task, False)

        self.ctx.process(recover())

    def _ContainerExitEvent(self, index: int, selection: ContainerExitEvent) -> None:
        for task in self._select(index, selection, lambda t: t.state == TaskState.RUNNING):
            self.model.faults.crash(self.model.owner_of(task), task)

    def _StopTaskEvent(self, index: int, selection: StopTaskEvent) -> None:
        for task in self._select(index, selection, lambda t: True):
            self.model.owner_of(task).stop_task(task, StopCode.USER_INITIATED, selection.reason)

    # -- selection ------------------------------------------------------------------------------

    def _select(
        self, index: int, selection: TaskSelection, eligible: Callable[[Task], bool]
    ) -> list[Task]:
        pools = [
            scheduler.active
            for name, scheduler in self.model.schedulers.items()
            if selection.service is None or name == selection.service
        ]
        if selection.service is None:  # standalone (RunTask) tasks too
            pools.append(self.model.run_task_api.active)
        zone = selection.availability_zone
        candidates = [
            t
            for pool in pools
            for t in pool
            if (zone is None or t.availability_zone == zone) and eligible(t)
        ]
        return pick(candidates, selection, self.ctx.rng(f"events/{index}"))


def batch_calls(count: int, request: Callable[[int], RunTaskEvent]) -> Calls:
    """The RunTask calls of one submission of ``count`` tasks, at most 10 a call (§5.1):
    25 → calls of 10, 10 and 5 tasks; ``request(n)`` makes the request of a call of ``n``."""
    full, rest = divmod(count, TASKS_PER_CALL)
    sizes = ([TASKS_PER_CALL] if full else []) + ([rest] if rest else [])
    repeats = ([full] if full else []) + ([1] if rest else [])
    return Calls(
        [request(n) for n in sizes], np.repeat(np.arange(len(sizes), dtype=np.intp), repeats)
    )


def _submissions(
    index: int, entry: BatchSpec, end: float
) -> Iterator[tuple[float, int, int, BatchSpec]]:
    for at in entry.submission_times(end):
        yield at, 1, index, entry


def pick(candidates: Sequence[Task], selection: TaskSelection, rng: Any) -> list[Task]:
    """``count`` of the candidates, or ``fraction`` of them (rounded half up), or all."""
    n = len(candidates)
    if selection.count is not None:
        k = min(selection.count, n)
    elif selection.fraction is not None:
        k = min(n, math.floor(selection.fraction * n + 0.5))
    else:
        return list(candidates)
    if k == n:
        return list(candidates)
    chosen = sorted(int(i) for i in rng.choice(n, size=k, replace=False))
    return [candidates[i] for i in chosen]
