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
* Placement spreads a group's tasks over the AZs of its subnets (§8.1: "Fargate tasks are spread
  across Availability Zones"): the group's n-th task goes to the n-th AZ in turn (AZs in the
  order the subnets list them), or the next AZ that can take it; in an AZ, the first listed
  subnet that can. AWS does not say how standalone tasks are balanced: spreading by launch order
  (an **assumption**) keeps a task's place independent of when other tasks stop, which lets a
  batch of tasks be placed at once. The capacity provider strategy splits a call's tasks by base
  and weight (§7.1).
* Launch tokens are taken for a call's tasks together, after its quota and placement checks.
* A task's essential container exits ``runSeconds`` after RUNNING (``EssentialContainerExited``,
  "Essential container in task exited", §3.2); a Spot task may be interrupted first (§7.3).

Batch submissions that nothing else can disturb are launched in bulk (:meth:`RunTaskApi.plan_bulk`,
:mod:`fargasim.ecs.bulk`): the same calls, tokens, placement and draws as one call at a time,
computed as arrays.

Each task's ``service`` field holds its RunTask ``group`` (default ``family:<family>``, as ECS
sets it), so tasks.csv and the cost breakdown show standalone work beside the services.
"""

from __future__ import annotations

import copy
from collections import deque
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import simpy

from fargasim.core import Context, Phase
from fargasim.core.context import stream_key
from fargasim.core.distributions import quantile
from fargasim.core.keyed import KeyedStream, hex_ids
from fargasim.ecs.capacity import StrategyItem, choose_provider
from fargasim.ecs.events import EventLog
from fargasim.ecs.lifecycle import StopCode, StopMode, Task, TaskState, lose, request_stop
from fargasim.ecs.limits import VCPU_QUOTA_REASON, AccountLimits, Provider
from fargasim.ecs.placement import Subnet, zones_of
from fargasim.ecs.platform import FargatePlatform
from fargasim.ecs.token_bucket import BucketState, TokenBucket, serve_calls
from fargasim.scenario.schema import Distribution, RunTaskEvent

#: §5.1: "Each call to this API can, however, launch up to 10 tasks" (not adjustable, §5.3).
TASKS_PER_CALL = 10
EXIT_REASON = "Essential container in task exited"
RATE_REASON = "Rate exceeded."

FloatArray = npt.NDArray[np.float64]
Launcher = Callable[["RunTaskApi", Task], float]
"""Starts a task's process; returns the uniform of its run time (its keyed lifecycle row)."""
TaskSize = Callable[[str], tuple[int, int]]


@dataclass
class _Call:
    index: int
    request: RunTaskEvent
    task_definition: str  # family:revision
    run_seconds: Distribution
    strategy: list[StrategyItem]
    subnet_ids: list[str]
    providers: list[Provider]  # each task's provider, by the strategy (§7.1)
    announce: bool = True
    providers_needed: dict[Provider, int] = field(init=False)  # launch tokens per bucket

    def __post_init__(self) -> None:
        needed: dict[Provider, int] = {}
        for p in self.providers:
            needed[p] = needed.get(p, 0) + 1
        self.providers_needed = needed


@dataclass
class GroupStats:
    """What happened to one RunTask group."""

    calls: int = 0
    tasks_launched: int = 0
    failures: dict[str, int] = field(default_factory=dict)  # reason → tasks not started


@dataclass(frozen=True)
class Calls:
    """The RunTask calls of one batch submission, call ``k`` being
    ``requests[sequence[k]]``: a submission's calls repeat two requests (calls of 10 tasks and
    the rest, §5.1), so 10⁵ tasks need two request objects and an index array, not 10⁴."""

    requests: list[RunTaskEvent]
    sequence: npt.NDArray[np.intp]

    def __len__(self) -> int:
        return int(self.sequence.size)

    def __iter__(self) -> Iterator[RunTaskEvent]:
        requests = self.requests
        return (requests[i] for i in self.sequence.tolist())


@dataclass(frozen=True)
class BulkLaunch:
    """When, where and as what each task of a bulk submission starts (arrays, one per task)."""

    group: str
    task_definition: str
    started_by: str
    run_seconds: Distribution
    cpu_units: int
    memory_mib: int
    first_ordinal: int  # the group's launch ordinal of the first task
    task_id: npt.NDArray[np.str_]
    created_at: FloatArray
    capacity_provider: npt.NDArray[np.str_]
    availability_zone: npt.NDArray[np.object_]
    subnet_id: npt.NDArray[np.object_]
    calls: int
    buckets: dict[str, BucketState]  # the token buckets' state after the calls
    providers: frozenset[str]  # the capacity providers and AZs of its tasks
    zones: frozenset[str]

    @property
    def count(self) -> int:
        return int(self.created_at.size)


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
        # Task ids depend on the scenario, not on the seed (as the services' do).
        self._ids = KeyedStream(0, stream_key(f"taskid/{id_prefix}/runtask"), 2)
        self.tasks: list[Task] = []
        self.launched = 0  # tasks started by every call so far (per task and in bulk)
        self.groups: dict[str, GroupStats] = {}
        self._run_seconds: dict[str, float] = {}  # task id → its run time (drawn at launch)
        self._queue: deque[_Call] = deque()
        self._busy = False
        self.free_at = 0.0  # when the calls already made have all been served

    # -- the API ----------------------------------------------------------------------------

    def call(
        self,
        index: int,
        request: RunTaskEvent,
        task_definition: str,
        run_seconds: Distribution,
        announce: bool = True,
    ) -> None:
        """Queue one RunTask call (``task_definition`` resolved to ``family:revision``);
        ``announce``: log a service event for the tasks it starts (a batch submission logs one
        for all its calls instead)."""
        self._queue.append(_make_call(index, request, task_definition, run_seconds, announce))
        self.groups.setdefault(request.group_name, GroupStats())
        if not self._busy:
            self._busy = True
            self.ctx.process(self._serve())

    @property
    def queued(self) -> int:
        """Calls waiting to be served."""
        return len(self._queue)

    def _serve(self) -> Generator[simpy.Event, Any, None]:
        limits = self.platform.limits
        if self.free_at > self.ctx.now:  # calls of a bulk submission are ahead in the queue
            yield self.ctx.timeout(self.free_at - self.ctx.now, Phase.STATE)
        while self._queue:
            call = self._queue[0]
            now = self.ctx.now
            ready = _ready_at(limits, call, now)
            if ready > now:
                yield self.ctx.timeout(ready - now, Phase.STATE)
                continue
            limits.take_run_task_call(now)
            self._queue.popleft()
            self.free_at = now
            self._start(call)
        self._busy = False

    # -- one call ---------------------------------------------------------------------------

    def _start(self, call: _Call) -> None:
        now = self.ctx.now
        group = call.request.group_name
        stats = self.groups[group]
        stats.calls += 1
        cpu, memory = self._size_of(call.task_definition)
        limits = self.platform.limits
        grants = {
            p: limits.bucket(p).whole_tokens(now, n) for p, n in call.providers_needed.items()
        }
        taken: dict[Provider, int] = {}
        started: list[str] = []
        failed: dict[str, int] = {}
        for provider in call.providers:
            reason = self._refusal(provider, cpu, call.subnet_ids, stats.tasks_launched)
            if reason is None and taken.get(provider, 0) >= grants[provider]:
                reason = RATE_REASON
            if reason is not None:
                failed[reason] = failed.get(reason, 0) + 1
                continue
            subnet = self._subnet(provider, call.subnet_ids, stats.tasks_launched)
            assert subnet is not None
            taken[provider] = taken.get(provider, 0) + 1
            limits.quota(provider).acquire(cpu)
            self.platform.pool.take_ip(subnet.subnet_id)
            task = Task(
                task_id=str(hex_ids(self._ids.words(self.launched, 1))[0]),
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
            self.launched += 1
            self.tasks.append(task)
            stats.tasks_launched += 1
            started.append(task.task_id)
            u_run = self._launch(self, task)
            assert isinstance(u_run, float), "the launcher returns the run time's uniform"
            self._run_seconds[task.task_id] = float(quantile(call.run_seconds, u_run))
        for provider, n in taken.items():
            limits.bucket(provider).take(now, n)
        if started and call.announce:
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

    def _subnet(self, provider: Provider, subnet_ids: list[str], ordinal: int) -> Subnet | None:
        """Where the group's task number ``ordinal`` goes: its AZ in turn, else the next AZ
        that can take it; in an AZ, the first listed subnet that can."""
        pool = self.platform.pool
        zones = zones_of(pool, subnet_ids)
        for step in range(len(zones)):
            zone = zones[(ordinal + step) % len(zones)]
            for sid in subnet_ids:
                subnet = pool[sid]
                if subnet.availability_zone == zone and self.platform.can_place(subnet, provider):
                    return subnet
        return None

    def _refusal(
        self, provider: Provider, cpu: int, subnet_ids: list[str], ordinal: int
    ) -> str | None:
        """Why RunTask cannot start one more task now, or ``None``."""
        if not self.platform.limits.quota(provider).can_hold(cpu):
            return VCPU_QUOTA_REASON + "."
        if self._subnet(provider, subnet_ids, ordinal) is not None:
            return None
        return self.platform.unplaceable_reason(subnet_ids, "the call")

    # -- a batch in bulk ----------------------------------------------------------------------

    def plan_bulk(
        self,
        calls: Calls,
        index: int,
        task_definition: str,
        run_seconds: Distribution,
    ) -> BulkLaunch:
        """The calls of one batch submission made now, served as :meth:`_serve` would serve
        them one at a time (the same token arithmetic, in the same order) on copies of the
        token buckets, with every task started (the caller has checked that none can fail:
        :mod:`fargasim.ecs.bulk`). Nothing is committed until :meth:`commit_bulk`."""
        limits = self.platform.limits
        requests, sequence = calls.requests, calls.sequence
        unique = [_make_call(index, r, task_definition, run_seconds, False) for r in requests]
        group = requests[0].group_name
        stats = self.groups.get(group, GroupStats())
        shadow = _ShadowLimits(limits)
        patterns = [
            tuple(
                (shadow.bucket(p), float(min(n, int(shadow.bucket(p).capacity))))
                for p, n in c.providers_needed.items()
            )
            for c in unique
        ]
        start = max(self.ctx.now, self.free_at)
        times = serve_calls(shadow.run_task_bucket, patterns, sequence, start)
        counts = np.array([c.request.count for c in unique], dtype=np.int64)
        sizes = counts[sequence]
        created = np.repeat(times, sizes)
        # Each task's provider: its place in its call's pattern (calls start at ``firsts``).
        pattern_providers = np.concatenate([np.array(c.providers, dtype=str) for c in unique])
        pattern_starts = np.cumsum(counts) - counts
        firsts = np.cumsum(sizes) - sizes
        place = np.arange(created.size) - np.repeat(firsts, sizes)
        providers = pattern_providers[np.repeat(pattern_starts[sequence], sizes) + place]
        count = created.size
        first = stats.tasks_launched
        pool = self.platform.pool
        subnet_ids = unique[0].subnet_ids
        zones = zones_of(pool, subnet_ids)
        first_subnet = {
            zone: next(sid for sid in subnet_ids if pool[sid].availability_zone == zone)
            for zone in zones
        }
        turn = (first + np.arange(count)) % len(zones)
        zone_of = np.array(zones, dtype=object)[turn]
        subnet_of = np.array([first_subnet[z] for z in zones], dtype=object)[turn]
        cpu, memory = self._size_of(task_definition)
        return BulkLaunch(
            group=group,
            task_definition=task_definition,
            started_by=requests[0].startedBy or "",
            run_seconds=run_seconds,
            cpu_units=cpu,
            memory_mib=memory,
            first_ordinal=first,
            task_id=hex_ids(self._ids.words(self.launched, count)),
            created_at=created,
            capacity_provider=providers,
            availability_zone=zone_of,
            subnet_id=subnet_of,
            calls=len(calls),
            providers=frozenset(p for c in unique for p in c.providers),
            zones=frozenset(zones[(first + i) % len(zones)] for i in range(min(count, len(zones)))),
            buckets=shadow.states(),
        )

    def commit_bulk(self, launch: BulkLaunch) -> None:
        """Make a planned bulk submission happen: spend its tokens and count its tasks."""
        self.platform.limits.restore(launch.buckets)
        stats = self.groups.setdefault(launch.group, GroupStats())
        stats.calls += launch.calls
        stats.tasks_launched += launch.count
        self.launched += launch.count
        self.free_at = float(launch.created_at[-1]) if launch.count else self.free_at

    # -- the tasks' owner -------------------------------------------------------------------

    def run_time(self, task: Task) -> float:
        """The task's run time: its own draw from its call's distribution (keyed by the task's
        place in its group, so the same in bulk), made when it was launched."""
        return self._run_seconds.pop(task.task_id)

    def running(self, task: Task) -> None:
        """The task is RUNNING: its essential container exits after its run time."""
        run = self.run_time(task)

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


def _make_call(
    index: int,
    request: RunTaskEvent,
    task_definition: str,
    run_seconds: Distribution,
    announce: bool,
) -> _Call:
    strategy = [
        StrategyItem(i.capacityProvider, i.weight, i.base) for i in request.capacityProviderStrategy
    ] or [StrategyItem("FARGATE", 1, 0)]
    config = request.networkConfiguration
    subnets = (
        list(config.awsvpcConfiguration.subnets) if config and config.awsvpcConfiguration else []
    )
    counts: dict[str, int] = {}
    providers: list[Provider] = []
    for _ in range(request.count):
        name = choose_provider(strategy, counts)
        counts[name] = counts.get(name, 0) + 1
        providers.append("FARGATE_SPOT" if name == "FARGATE_SPOT" else "FARGATE")
    return _Call(
        index, request, task_definition, run_seconds, strategy, subnets, providers, announce
    )


def _ready_at(limits: AccountLimits, call: _Call, now: float) -> float:
    """When ``call`` can be served: a RunTask call token, and launch tokens for its tasks (at
    most a bucket's capacity: a call larger than a bucket takes what a full bucket holds, and
    its other tasks fail)."""
    ready = limits.run_task_call_ready_at(now)
    for provider, n in call.providers_needed.items():
        bucket = limits.bucket(provider)
        ready = max(ready, bucket.ready_at(now, min(float(n), bucket.capacity)))
    return ready


class _ShadowLimits:
    """Copies of the account's token buckets, to plan a bulk submission without spending."""

    def __init__(self, limits: AccountLimits) -> None:
        self._buckets = {p: copy.copy(limits.bucket(p)) for p in ("FARGATE", "FARGATE_SPOT")}
        self.run_task_bucket = copy.copy(limits.run_task_bucket)

    def bucket(self, provider: Provider) -> TokenBucket:
        return self._buckets[provider]

    def states(self) -> dict[str, BucketState]:
        out = {p: b.state for p, b in self._buckets.items()}
        out["RUN_TASK"] = self.run_task_bucket.state
        return out
