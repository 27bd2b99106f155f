"""Build the model of a scenario and run it (DESIGN.md §1).

``simulate`` wires the control plane (one :class:`~fargasim.ecs.service.ServiceScheduler` per
service, one SimPy process per task) to the data plane (:class:`~fargasim.workload.dataplane.
DataPlane`), runs the clock to the scenario's duration, then meters billing
(:mod:`fargasim.billing`) and assembles the :class:`~fargasim.result.Result`.
"""

from __future__ import annotations

import functools
import math
from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from fargasim.autoscaling.build import build as build_autoscaling
from fargasim.autoscaling.build import ecs_period_needed
from fargasim.billing import PriceTable, Usage, charge, cumulative_cost
from fargasim.cloudwatch import MetricKey, MetricStore
from fargasim.core import Context
from fargasim.core.distributions import quantile
from fargasim.ecs.bulk import BulkGate
from fargasim.ecs.capacity import StrategyItem
from fargasim.ecs.cohort import EXIT_CODE, Cohort, exit_times
from fargasim.ecs.concurrency import peak_held
from fargasim.ecs.deployment import Deployment
from fargasim.ecs.events import EventLog
from fargasim.ecs.faults import Faults, TaskOwner
from fargasim.ecs.lifecycle import StopRequest, Task, TaskState, run_task
from fargasim.ecs.load_balancing import Attachment, ServiceTargets
from fargasim.ecs.placement import Subnet, SubnetPool
from fargasim.ecs.platform import FargatePlatform
from fargasim.ecs.service import ServiceScheduler, ServiceSettings
from fargasim.ecs.sizes import SizeRules
from fargasim.ecs.standalone import EXIT_REASON, Calls, RunTaskApi
from fargasim.ecs.startup import (
    LifecycleDraws,
    image_size_mib,
    stop_timeout,
)
from fargasim.elb.settings import settings_from_spec
from fargasim.elb.targets import TargetGroup, TargetHealth
from fargasim.errors import SimulationError
from fargasim.monitoring import CustomMetric, ServiceMetrics
from fargasim.result import (
    ACTIVITY_COLUMNS,
    TASK_COLUMNS,
    Columns,
    CostSummary,
    DeploymentSummary,
    PlatformSummary,
    RequestSummary,
    Result,
    RunTaskSummary,
    ServiceSummary,
    SloSummary,
    Summary,
)
from fargasim.sampler import Sampler as _Sampler
from fargasim.scenario.schema import (
    BatchSpec,
    Scenario,
    ServiceSpec,
    TargetGroupSpec,
    TaskDefinitionSpec,
    WorkloadSpec,
)
from fargasim.timeline import Timeline
from fargasim.units import cpu_units_to_vcpu, parse_cpu_units, parse_memory_mib
from fargasim.workload.dataplane import DataPlane, ServiceFlow
from fargasim.workload.plane import Flow, RequestPlane

ENGINES = ("vectorized", "exact")
Progress = Callable[[float], None]


class _ServiceState:
    """Live counts of one service, kept by the observer (entities never count themselves)."""

    def __init__(self) -> None:
        self.starting = 0
        self.running = 0
        self.serving = 0  # RUNNING with the application started
        self.routable = 0.0  # the load balancer's routable weight (services behind one)
        self.peak_running = 0
        self.running_integral = 0.0
        self.last_change = 0.0

    def add_running(self, now: float, delta: int) -> None:
        self.running_integral += self.running * (now - self.last_change)
        self.last_change = now
        self.running += delta
        self.peak_running = max(self.peak_running, self.running)


class Model:
    """The simulated account: services, their tasks, the platform, the data plane."""

    def __init__(
        self,
        scenario: Scenario,
        seed: int,
        engine: str = "vectorized",
        record_requests: bool = False,
        bulk: bool = True,
    ) -> None:
        self.scenario = scenario
        self.engine = engine
        # Batch submissions in bulk (issue #6): the vectorized engine's; the exact engine keeps
        # every task a process, as the reference.
        self.bulk_gate = BulkGate(scenario) if bulk and engine == "vectorized" else None
        self.cohorts: list[Cohort] = []
        self.ctx = Context(seed=seed, end_time=scenario.duration)
        self.events = EventLog()
        self.pool = SubnetPool(
            [Subnet(s.subnet_id, s.availability_zone, s.free_ips) for s in scenario.network.subnets]
        )
        self.platform = FargatePlatform(self.ctx, scenario.account, self.pool)
        self.faults = Faults(self.ctx, scenario.model.spot, scenario.model.faults, self.platform)
        self.dataplane: RequestPlane
        if engine == "exact":
            from fargasim.workload.exact import ExactPlane

            self.exact: ExactPlane | None = ExactPlane(
                self.ctx, scenario.model.tick, record_requests=record_requests
            )
            self.dataplane = self.exact
        else:
            self.exact = None
            self.vectorized = DataPlane(self.ctx, scenario.model.tick)
            self.dataplane = self.vectorized
        self.tasks: list[Task] = []
        self._launched: dict[str, int] = {}
        self.draws = LifecycleDraws(self.ctx, scenario.model.startup, scenario.model.shutdown)
        self.state: dict[str, _ServiceState] = {}
        self.schedulers: dict[str, ServiceScheduler] = {}
        self.targets: dict[str, ServiceTargets] = {}
        self._taskdefs: dict[str, TaskDefinitionSpec] = {}
        self._target_groups: dict[str, tuple[TargetGroup, list[ServiceTargets]]] = {}
        for group_spec in scenario.target_groups:
            self._add_target_group(group_spec)
        workloads = {w.service: w for w in scenario.workload}
        for spec in scenario.services:
            self._add_service(spec, workloads.get(spec.serviceName))
        self.run_task_api = RunTaskApi(
            self.ctx,
            self.platform,
            self.events,
            self._size_of,
            self._launch,
            id_prefix=scenario.name,
        )
        self.timeline = Timeline(self)
        self.store = MetricStore()
        self._publish_metrics(workloads)
        self.autoscaling = build_autoscaling(
            self.ctx,
            scenario,
            self.store,
            dict(self.schedulers),
            lambda name: self.state[name].running,
        )

    def _add_target_group(self, spec: TargetGroupSpec) -> None:
        users: list[ServiceTargets] = []

        def on_change(key: str, old: TargetHealth, new: TargetHealth) -> None:
            for targets in users:
                targets.on_change(group, key, old, new)

        def on_weight() -> None:
            for targets in users:
                targets.on_weight()

        group = TargetGroup(self.ctx, settings_from_spec(spec), on_change, on_weight)
        self._target_groups[spec.Name] = (group, users)

    def _add_service(self, spec: ServiceSpec, workload: WorkloadSpec | None) -> None:
        scenario = self.scenario
        name = spec.serviceName
        taskdef_name = scenario.task_definition_arn_name(spec.taskDefinition)
        taskdef = self.task_definition(taskdef_name)
        self.state[name] = _ServiceState()
        attachments = [
            Attachment(self._target_groups[group][0], lb.containerPort)
            for lb in spec.loadBalancers
            if lb.targetGroupArn is not None
            and (group := _target_group_name(lb.targetGroupArn, self._target_groups)) is not None
        ]
        vcpu = cpu_units_to_vcpu(parse_cpu_units(taskdef.cpu))
        memory = float(parse_memory_mib(taskdef.memory))
        algorithm = attachments[0].group.settings.algorithm if attachments else "round_robin"
        idle = scenario.model.idle_cpu_percent
        if self.exact is not None:
            self.exact.add_service(name, vcpu, memory, workload, idle, algorithm)
        else:
            self.vectorized.add(
                ServiceFlow(self.ctx, name, vcpu, memory, workload, idle, algorithm)
            )
        model = scenario.model
        scheduler = ServiceScheduler(
            self.ctx,
            ServiceSettings(
                name=name,
                strategy=_strategy(spec),
                subnet_ids=_subnets(spec),
                reaction_seconds=model.scheduler.reaction_seconds,
                has_load_balancer=bool(attachments),
                id_prefix=f"{scenario.name}/{spec.cluster}/{name}",
                throttle_base_seconds=model.scheduler.throttle_base_seconds,
                throttle_factor=model.scheduler.throttle_factor,
                throttle_max_seconds=model.scheduler.throttle_max_seconds,
                breaker_minimum=model.deployments.circuit_breaker_minimum_threshold,
            ),
            spec.desiredCount,
            taskdef_name,
            spec.deploymentConfiguration,
            float(spec.healthCheckGracePeriodSeconds),
            self.platform,
            self.events,
            self._size_of,
            self._launch,
        )
        self.schedulers[name] = scheduler
        if attachments:
            targets = ServiceTargets(
                self.ctx,
                scheduler,
                attachments,
                self.events,
                model.load_balancer.drain,
                functools.partial(self._set_serving, name),
            )
            self.targets[name] = targets
            for attachment in attachments:
                for tg, users in self._target_groups.values():
                    if tg is attachment.group:
                        users.append(targets)

    def owner_of(self, task: Task) -> TaskOwner:
        """Who stops ``task``: its service's scheduler, or the RunTask API."""
        return self.schedulers.get(task.service) or self.run_task_api

    def task_definition(self, name: str) -> TaskDefinitionSpec:
        """The task definition ``family:revision`` names (cached)."""
        found = self._taskdefs.get(name)
        if found is None:
            found = self._taskdefs[name] = self.scenario.task_definition(name)
        return found

    def _size_of(self, name: str) -> tuple[int, int]:
        taskdef = self.task_definition(name)
        return parse_cpu_units(taskdef.cpu), parse_memory_mib(taskdef.memory)

    def _publish_metrics(self, workloads: dict[str, Any]) -> None:
        """ECS service metrics, target-group request counts and custom metrics (§11)."""
        scenario = self.scenario
        delay = scenario.model.cloudwatch.publish_delay_seconds
        for spec in scenario.services:
            groups = [lb.targetGroupArn for lb in spec.loadBalancers if lb.targetGroupArn]
            ServiceMetrics(
                self.ctx,
                self.dataplane,
                self.store,
                self.dataplane.flows[spec.serviceName],
                spec.cluster,
                ecs_period_needed(scenario, spec.cluster, spec.serviceName),
                delay,
                groups[0] if groups else None,
            )
        for metric in scenario.custom_metrics:
            points = sorted((p.at, p.value) for p in metric.series or [])
            CustomMetric(
                self.ctx,
                self.store,
                MetricKey.of(metric.Namespace, metric.MetricName, metric.Dimensions),
                np.array([p[0] for p in points], dtype=np.float64),
                np.array([p[1] for p in points], dtype=np.float64),
                scenario.model.cloudwatch.custom_metric_interval_seconds,
                delay,
            )

    # -- control plane wiring (the task hooks of :func:`~fargasim.ecs.lifecycle.run_task`) ---

    def _launch(self, scheduler: TaskOwner, task: Task) -> float:
        """Start ``task``'s process (its plans drawn by its launch ordinal); returns the uniform
        of its run time (RunTask's tasks use it)."""
        taskdef = self.task_definition(task.task_definition)
        task.image = taskdef.containerDefinitions[0].image
        task.ordinal = self._next_ordinals(task.service, 1)
        startup, shutdown, u_run = self.draws.plans(
            task.service, *self._draw_shape(taskdef, task.cpu_units), task.ordinal
        )
        self.tasks.append(task)
        if task.service in self.state:
            self.state[task.service].starting += 1
        task.process = self.ctx.process(run_task(self.ctx, task, startup, shutdown, self))
        self.faults.launched(scheduler, task)
        return u_run

    def launch_bulk(self, index: int, calls: Calls, task_definition: str, entry: BatchSpec) -> bool:
        """Launch the calls of one batch submission in bulk, as arrays (:mod:`fargasim.ecs.
        cohort`), if :class:`~fargasim.ecs.bulk.BulkGate` allows it; ``False``: launch them one
        call at a time."""
        if self.bulk_gate is None:
            return False
        api = self.run_task_api
        plan = api.plan_bulk(calls, index, task_definition, entry.run_seconds)
        startup, shutdown, u_run = self.draws.arrays(
            plan.group,
            *self._draw_shape(self.task_definition(task_definition), plan.cpu_units),
            plan.first_ordinal,
            plan.count,
        )
        run = quantile(entry.run_seconds, u_run)
        end = self.scenario.duration
        cohort = Cohort(plan, exit_times(plan.created_at, startup, run, shutdown, end))
        now = self.ctx.now
        live = [c for c in self.cohorts if c.last_change > now]
        refusal = self.bulk_gate.refusal(
            cohort, index, now, entry.subnets, api, self.platform, live
        )
        if refusal is not None:
            return False
        api.commit_bulk(plan)
        first = self._next_ordinals(plan.group, plan.count)
        assert first == plan.first_ordinal
        self.cohorts.append(cohort)
        return True

    def _draw_shape(
        self, taskdef: TaskDefinitionSpec, cpu_units: int
    ) -> tuple[float, float, float]:
        """What a task's lifecycle draws depend on besides its owner and ordinal: its images'
        size, its vCPU and its stop timeout (:class:`~fargasim.ecs.startup.LifecycleDraws`)."""
        return (
            image_size_mib(self.scenario, taskdef),
            cpu_units_to_vcpu(cpu_units),
            stop_timeout(taskdef),
        )

    def _next_ordinals(self, owner: str, count: int) -> int:
        """The first of ``count`` launch ordinals of ``owner`` (a service or a RunTask group):
        its tasks are numbered in launch order, which keys their random draws."""
        first = self._launched.get(owner, 0)
        self._launched[owner] = first + count
        return first

    def observe(self, task: Task, previous: TaskState) -> None:
        if task.service not in self.schedulers:
            self._observe_standalone(task, previous)
            return
        state = self.state[task.service]
        now = self.ctx.now
        targets = self.targets.get(task.service)
        scheduler = self.schedulers[task.service]
        if previous.is_starting and not task.state.is_starting:
            state.starting -= 1
        if task.state == TaskState.RUNNING:
            state.add_running(now, +1)
            if targets is not None:
                targets.running(task)
            self.faults.running(scheduler, task)
        if previous == TaskState.RUNNING:
            state.add_running(now, -1)
            if not math.isnan(task.ready_at):
                state.serving -= 1
        if task.state == TaskState.RUNNING:
            self.dataplane.task_state(task.service, task.task_id, "running")
        elif previous == TaskState.RUNNING and task.state != TaskState.STOPPED:
            self.dataplane.task_state(task.service, task.task_id, "draining")
        if task.reached_running and (
            task.state == TaskState.DEPROVISIONING
            or (task.state == TaskState.STOPPED and previous != TaskState.DEPROVISIONING)
        ):
            self.dataplane.task_state(task.service, task.task_id, "gone")
        if previous == TaskState.RUNNING or task.state == TaskState.RUNNING:
            self._update_counts(task.service)
        if task.state == TaskState.STOPPED:
            if targets is not None:
                targets.gone(task)
            self._release(task)
        scheduler.task_changed(task, previous)

    def _observe_standalone(self, task: Task, previous: TaskState) -> None:
        """A RunTask task: it runs until its essential container exits (§5.1)."""
        if task.state == TaskState.RUNNING:
            self.run_task_api.running(task)
            self.faults.running(self.run_task_api, task)
        if task.state == TaskState.STOPPED:
            self._release(task)

    def _release(self, task: Task) -> None:
        """A STOPPED task gives back its subnet IP and its vCPU (§5.2, §5.4)."""
        self.pool.release_ip(task.subnet_id)
        self.platform.limits.release(
            "FARGATE_SPOT" if task.capacity_provider == "FARGATE_SPOT" else "FARGATE",
            task.cpu_units,
        )
        self.platform.changed()

    def ready(self, task: Task) -> None:
        if task.service not in self.state:
            return
        self.state[task.service].serving += 1
        targets = self.targets.get(task.service)
        if targets is not None:
            targets.ready(task)
        self._update_counts(task.service)

    def pull_failure(self, task: Task) -> float | None:
        return self.faults.pull_failure(task)

    def drain_seconds(self, task: Task, request: StopRequest, planned: float) -> float:
        targets = self.targets.get(task.service)
        if targets is None:
            return planned
        return targets.drain_seconds(task, request, planned)

    def _set_serving(self, service: str, weight: float) -> None:
        self.state[service].routable = weight
        self._update_counts(service)

    def _update_counts(self, service: str) -> None:
        """Tell the data plane how many tasks serve traffic: the load balancer's routable
        weight behind a target group (§9), else the ready tasks."""
        state = self.state[service]
        targets = self.targets.get(service)
        serving = state.routable if targets is not None else float(state.serving)
        self.dataplane.set_counts(service, serving, state.running)
        if self.exact is not None:  # the exact engine routes to tasks, not to a count
            if targets is not None:
                weights = targets.routing_weights()
            else:
                weights = {t.task_id: 1.0 for t in self.schedulers[service].active if t.ready}
            self.exact.set_targets(service, weights)

    # -- sampling -------------------------------------------------------------------------------

    def sample_times(self) -> np.ndarray:
        interval = self.scenario.output.sample_interval
        count = math.floor(self.scenario.duration / interval + 1e-9) + 1
        times = np.arange(count, dtype=np.float64) * interval
        if times[-1] < self.scenario.duration - 1e-9:
            times = np.append(times, self.scenario.duration)  # the last row is the end of the run
        return times


def simulate(
    scenario: Scenario,
    seed: int | None = None,
    engine: str = "vectorized",
    progress: Progress | None = None,
    record_requests: bool = False,
) -> Result:
    """Run ``scenario`` once; the same scenario and seed give the same result, byte for byte.

    ``engine``: ``"vectorized"`` (the default: traffic advances as numpy arrays in ticks) or
    ``"exact"`` (every request is a SimPy event). ``record_requests`` keeps one record per
    request (exact engine only): ``Result.requests``, written as requests.csv.
    """
    if engine not in ENGINES:
        raise SimulationError(f"unknown engine {engine!r}: use 'vectorized' or 'exact'")
    if record_requests and engine != "exact":
        raise SimulationError(
            "per-request records come from the exact engine: use engine 'exact' with them"
        )
    run_seed = scenario.seed if seed is None else seed
    model = Model(scenario, run_seed, engine=engine, record_requests=record_requests)
    return run_model(model, progress)


def run_model(model: Model, progress: Progress | None = None) -> Result:
    """Run a built model to the end of its scenario and assemble its result."""
    times = model.sample_times()
    series = _Sampler(model, times)
    model.ctx.process(series.run())
    _run(model, progress)
    series.finish()
    return _assemble(model, model.ctx.seed, model.engine, series)


def _run(model: Model, progress: Progress | None) -> None:
    end = model.scenario.duration
    steps = 100 if progress is not None else 1
    for i in range(1, steps + 1):
        model.ctx.env.run(until=end * i / steps)
        if progress is not None:
            progress(i / steps)


_STRING_FIELDS = (
    "task_id",
    "service",
    "capacity_provider",
    "availability_zone",
    "subnet_id",
    "task_definition",
    "started_by",
    "stop_code",
    "stopped_reason",
)
_TIME_FIELDS = (
    "created_at",
    "pull_started_at",
    "running_at",
    "stopping_at",
    "execution_stopped_at",
    "stopped_at",
)


def _where_else(condition: np.ndarray, yes: str, no: str) -> np.ndarray:
    """``yes`` where ``condition`` holds, else ``no``, as shared str objects."""
    out = _repeated(no, condition.size)
    out[condition] = yes
    return out


def _repeated(value: str, n: int) -> np.ndarray:
    """``n`` references to one str (``np.full`` with ``dtype=object`` is ~40× slower)."""
    out = np.empty(n, dtype=object)
    out.fill(value)
    return out


def _task_records(model: Model) -> dict[str, np.ndarray]:
    """Every task of the run as columns: those run one at a time (:class:`Task` objects) and
    those launched in bulk (:class:`~fargasim.ecs.cohort.Cohort`), ordered by launch time
    (stable: launch order among equal times). Strings are object arrays (a cohort's repeated
    values share one str), except those that billing and the summary compare with a handful
    of values (owner, capacity provider, architecture, OS family): numpy str arrays, which
    compare ~3× faster. The task definition's billing attributes come along."""
    tasks = model.tasks

    def billing(name: str) -> tuple[float, str, str]:
        taskdef = model.task_definition(name)
        platform = taskdef.runtimePlatform
        return (
            _ephemeral_gib(taskdef),
            str(platform.cpuArchitecture),
            str(platform.operatingSystemFamily),
        )

    def objects(values: list[Any]) -> np.ndarray:
        out = np.empty(len(values), dtype=object)
        out[:] = values
        return out

    per_task = [billing(t.task_definition) for t in tasks]
    parts: list[dict[str, np.ndarray]] = [
        {
            "task_id": np.array([t.task_id for t in tasks], dtype="U32"),
            **{
                f: objects([getattr(t, f) for t in tasks])
                for f in _STRING_FIELDS[1:]
                if f not in ("service", "capacity_provider")
            },
            "service": np.array([t.service for t in tasks], dtype=str),
            "capacity_provider": np.array([t.capacity_provider for t in tasks], dtype=str),
            **{f: np.array([getattr(t, f) for t in tasks], dtype=np.float64) for f in _TIME_FIELDS},
            "cpu_units": np.array([t.cpu_units for t in tasks], dtype=np.int64),
            "memory_mib": np.array([t.memory_mib for t in tasks], dtype=np.int64),
            "ephemeral_gib": np.array([b[0] for b in per_task], dtype=np.float64),
            "architecture": np.array([b[1] for b in per_task], dtype=str),
            "os_family": np.array([b[2] for b in per_task], dtype=str),
        }
    ]
    for cohort in model.cohorts:
        launch, n = cohort.launch, cohort.count
        ephemeral, architecture, os_family = billing(launch.task_definition)
        parts.append(
            {
                "task_id": launch.task_id,
                "service": np.full(n, launch.group),
                "capacity_provider": launch.capacity_provider,
                "availability_zone": launch.availability_zone,
                "subnet_id": launch.subnet_id,
                "task_definition": _repeated(launch.task_definition, n),
                "started_by": _repeated(launch.started_by, n),
                "stop_code": _where_else(cohort.exited, EXIT_CODE, ""),
                "stopped_reason": _where_else(cohort.exited, EXIT_REASON, ""),
                "created_at": launch.created_at,
                **{f: getattr(cohort.times, f) for f in _TIME_FIELDS[1:]},
                "cpu_units": np.full(n, launch.cpu_units, dtype=np.int64),
                "memory_mib": np.full(n, launch.memory_mib, dtype=np.int64),
                "ephemeral_gib": np.full(n, ephemeral),
                "architecture": np.full(n, architecture),
                "os_family": np.full(n, os_family),
            }
        )
    parts = [p for p in parts if p["created_at"].size] or parts[:1]
    if len(parts) == 1:
        return parts[0]
    merged = {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}
    created = merged["created_at"]
    if bool(np.all(created[1:] >= created[:-1])):
        return merged
    order = np.argsort(created, kind="stable")
    return {key: values[order] for key, values in merged.items()}


def _assemble(model: Model, seed: int, engine: str, series: _Sampler) -> Result:
    scenario = model.scenario
    end = scenario.duration
    records = _task_records(model)
    owners = records["service"]
    start = records["pull_started_at"]
    stop = np.where(np.isnan(records["execution_stopped_at"]), end, records["execution_stopped_at"])
    usage = Usage(
        cpu_units=records["cpu_units"],
        memory_mib=records["memory_mib"],
        ephemeral_gib=records["ephemeral_gib"],
        architecture=records["architecture"],
        os_family=records["os_family"],
        capacity_provider=records["capacity_provider"],
        start=start,
        stop=stop,
    )
    table = PriceTable.resolve(scenario.region, scenario.pricing.rates)
    charges = charge(
        usage,
        table,
        scenario.pricing,
        size_rules=SizeRules(allow_32_vcpu=scenario.model.allow_32_vcpu),
    )
    series.columns["costUsd"] = cumulative_cost(usage, charges, series.times)

    tasks_table = Columns(
        {
            "taskId": records["task_id"],
            "service": owners,
            "capacityProvider": records["capacity_provider"],
            "availabilityZone": records["availability_zone"],
            "subnetId": records["subnet_id"],
            "taskDefinition": records["task_definition"],
            "startedBy": records["started_by"],
            "cpu": _labels(records["cpu_units"]),
            "memory": _labels(records["memory_mib"]),
            "createdAt": records["created_at"],
            "pullStartedAt": start,
            "runningAt": records["running_at"],
            "stoppingAt": records["stopping_at"],
            "stoppedAt": records["stopped_at"],
            "stopCode": records["stop_code"],
            "stoppedReason": records["stopped_reason"],
            "billedSeconds": charges.billed_seconds,
            "costUsd": charges.total_usd,
        }
    )
    assert tuple(tasks_table.names) == TASK_COLUMNS
    by_service = {s.serviceName: 0.0 for s in scenario.services}
    by_provider = {"FARGATE": 0.0, "FARGATE_SPOT": 0.0}
    owner_masks = {
        name: owners == name for name in [*by_service, *sorted(model.run_task_api.groups)]
    }
    for name, mask in owner_masks.items():
        by_service[name] = float(charges.total_usd[mask].sum())
    on_demand = records["capacity_provider"] == "FARGATE"  # else FARGATE_SPOT (charge checks)
    by_provider["FARGATE"] = float(charges.total_usd[on_demand].sum())
    by_provider["FARGATE_SPOT"] = float(charges.total_usd[~on_demand].sum())
    cost = CostSummary(
        total=_money(charges.total_usd.sum()),
        vcpu=_money(charges.vcpu_usd.sum()),
        memory=_money(charges.memory_usd.sum()),
        storage=_money(charges.storage_usd.sum()),
        os_license=_money(charges.os_license_usd.sum()),
        by_service={k: _money(v) for k, v in by_service.items()},
        by_capacity_provider={k: _money(v) for k, v in by_provider.items()},
    )
    billable = np.where(np.isnan(start), 0.0, stop - start)
    services: dict[str, ServiceSummary] = {}
    workloads = {w.service: w for w in scenario.workload}
    for spec in scenario.services:
        name = spec.serviceName
        state = model.state[name]
        state.add_running(end, 0)
        mine = owner_masks[name]
        codes = Counter(records["stop_code"][mine & ~np.isnan(records["stopped_at"])].tolist())
        services[name] = ServiceSummary(
            tasks_launched=int(mine.sum()),
            peak_running=state.peak_running,
            mean_running=round(state.running_integral / end, 6),
            task_hours=round(float(billable[mine].sum()) / 3600.0, 6),
            stop_codes=dict(sorted(codes.items())),
            deployments=[_deployment_summary(d) for d in model.schedulers[name].deployments],
            requests=_request_summary(model.dataplane.flows[name]) if name in workloads else None,
            slo=_slo_summary(workloads[name], model.dataplane.flows[name])
            if name in workloads and workloads[name].slo is not None
            else None,
        )
    summary = Summary(
        scenario=scenario.name,
        seed=seed,
        engine=engine,
        duration_seconds=end,
        cost_usd=cost,
        services=services,
        run_task={
            group: RunTaskSummary(
                calls=stats.calls,
                tasks_launched=stats.tasks_launched,
                tasks_failed=sum(stats.failures.values()),
                failures=dict(sorted(stats.failures.items())),
                task_hours=round(float(billable[owner_masks[group]].sum()) / 3600.0, 6),
            )
            for group, stats in sorted(model.run_task_api.groups.items())
        },
        platform=PlatformSummary(
            peak_on_demand_vcpu=_peak_vcpu(records, on_demand),
            peak_spot_vcpu=_peak_vcpu(records, ~on_demand),
            on_demand_vcpu_quota=scenario.account.fargate_on_demand_vcpu_quota,
            spot_vcpu_quota=scenario.account.fargate_spot_vcpu_quota,
        ),
    )
    events = [
        {"time": round(e.time, 6), "service": e.service, "message": e.message}
        for e in model.events.events
    ]
    return Result(
        scenario=scenario,
        seed=seed,
        engine=engine,
        summary=summary,
        timeseries=Columns(series.columns),
        tasks=tasks_table,
        scaling_activities=_activities(model),
        alarm_history=_alarm_history(model),
        metrics=_metrics(model),
        alarms=[_alarm_record(info) for info in model.autoscaling.alarm_info],
        service_events=events,
        cost=cost,
        digits={"costUsd": 9},
        requests=(
            Columns(model.exact.request_columns())
            if model.exact is not None and model.exact.record_requests
            else None
        ),
    )


def _activities(model: Model) -> Columns:
    rows = model.autoscaling.activities
    table = Columns(
        {
            "time": np.array([a.time for a in rows], dtype=np.float64),
            "service": [a.service for a in rows],
            "policyName": [a.policy_name for a in rows],
            "fromCapacity": np.array([a.from_capacity for a in rows], dtype=np.int64),
            "toCapacity": np.array([a.to_capacity for a in rows], dtype=np.int64),
            "cause": [a.cause for a in rows],
        }
    )
    assert tuple(table.names) == ACTIVITY_COLUMNS
    return table


def _alarm_history(model: Model) -> Columns:
    changes = sorted(
        (c for alarm in model.autoscaling.alarms for c in alarm.history),
        key=lambda c: (c.time, c.alarm),
    )
    return Columns(
        {
            "time": np.array([c.time for c in changes], dtype=np.float64),
            "alarm": [c.alarm for c in changes],
            "oldState": [c.old_state.value for c in changes],
            "newState": [c.new_state.value for c in changes],
            "reason": [c.reason for c in changes],
        }
    )


def _metrics(model: Model) -> Columns:
    """Every datapoint published, one row each (metrics.csv)."""
    rows = [(key, dp) for key in sorted(model.store.keys()) for dp in model.store.datapoints(key)]
    return Columns(
        {
            "timestamp": np.array([dp.timestamp for _, dp in rows], dtype=np.float64),
            "period": np.array([dp.period for _, dp in rows], dtype=np.float64),
            "visibleAt": np.array([dp.visible_at for _, dp in rows], dtype=np.float64),
            "namespace": [key.namespace for key, _ in rows],
            "metricName": [key.name for key, _ in rows],
            "dimensions": [";".join(f"{k}={v}" for k, v in key.dimensions) for key, _ in rows],
            "average": np.array([dp.stats.average for _, dp in rows], dtype=np.float64),
            "minimum": np.array([dp.stats.minimum for _, dp in rows], dtype=np.float64),
            "maximum": np.array([dp.stats.maximum for _, dp in rows], dtype=np.float64),
            "sum": np.array([dp.stats.sum for _, dp in rows], dtype=np.float64),
            "sampleCount": np.array([dp.stats.sample_count for _, dp in rows], dtype=np.float64),
        }
    )


def _alarm_record(info: Any) -> dict[str, Any]:
    return {
        "name": info.name,
        "namespace": info.metric.namespace,
        "metricName": info.metric.name,
        "dimensions": dict(info.metric.dimensions),
        "statistic": info.statistic,
        "period": info.period,
        "threshold": info.threshold,
        "comparisonOperator": info.comparison,
        "service": info.service,
        "policyName": info.policy,
        "kind": info.kind,
    }


def _ms(seconds: float) -> float | None:
    return None if math.isnan(seconds) else round(1000.0 * seconds, 6)


def _request_summary(flow: Flow) -> RequestSummary:
    totals = flow.totals
    reasons = {
        "noTarget": totals.dropped_no_target,
        "queueFull": totals.dropped_queue_full,
        "timeout": totals.dropped_timeout,
        "taskStopped": totals.dropped_task_stopped,
    }
    latency = flow.latency
    return RequestSummary(
        total=round(totals.arrivals),
        completed=round(totals.completed),
        dropped=round(totals.dropped),
        dropped_by_reason={k: round(v) for k, v in reasons.items() if v > 0},
        mean_latency_ms=_ms(latency.mean),
        p50_latency_ms=_ms(latency.percentile(50)),
        p95_latency_ms=_ms(latency.percentile(95)),
        p99_latency_ms=_ms(latency.percentile(99)),
    )


def _slo_summary(workload: WorkloadSpec, flow: Flow) -> SloSummary:
    slo = workload.slo
    assert slo is not None
    p99 = _ms(flow.latency.percentile(99))
    finished = flow.totals.completed + flow.totals.dropped
    drop_rate = round(flow.totals.dropped / finished, 9) if finished > 0 else None
    met = True
    if slo.p99_latency_ms is not None:
        met = met and p99 is not None and p99 <= slo.p99_latency_ms
    if slo.max_drop_rate is not None:
        met = met and (drop_rate or 0.0) <= slo.max_drop_rate
    return SloSummary(
        p99_latency_ms=slo.p99_latency_ms,
        achieved_p99_latency_ms=p99,
        max_drop_rate=slo.max_drop_rate,
        achieved_drop_rate=drop_rate,
        met=met,
    )


def _deployment_summary(deployment: Deployment) -> DeploymentSummary:
    def time(value: float) -> float | None:
        return None if math.isnan(value) else round(value, 6)

    return DeploymentSummary(
        id=deployment.deployment_id,
        task_definition=deployment.task_definition,
        status=deployment.status,
        rollout_state=deployment.rollout_state,
        created_at=round(deployment.created_at, 6),
        completed_at=time(deployment.completed_at),
        failed_at=time(deployment.failed_at),
        rolled_back_from=deployment.rolled_back_from or None,
        tasks_launched=deployment.launched,
        tasks_failed_to_start=deployment.failed_to_start,
        failed_health_checks=deployment.failed_health_checks,
    )


def _labels(values: np.ndarray) -> np.ndarray:
    """Integers as text (task CPU and memory, as ECS writes them), converting each distinct
    value once."""
    if values.size and bool((values == values[0]).all()):  # one size (a batch): no sort
        return _repeated(str(values[0]), values.size)
    distinct, which = np.unique(values, return_inverse=True)
    labels = np.array([str(v) for v in distinct.tolist()], dtype=object)
    out: np.ndarray = labels[which]
    return out


def _peak_vcpu(records: dict[str, np.ndarray], mine: np.ndarray) -> float:
    """Most vCPU held at once by the tasks ``mine`` selects (those of one capacity provider),
    each counted from launch to STOPPED (what the concurrent vCPU quota of §5.2 counts)."""
    columns = (records["created_at"], records["stopped_at"], records["cpu_units"])
    if not mine.all():  # (a run on one provider needs no copies)
        columns = tuple(c[mine] for c in columns)
    return round(peak_held(*columns) / 1024.0, 6)


def _ephemeral_gib(taskdef: TaskDefinitionSpec) -> float:
    """The task's ephemeral storage: 20 GiB unless the task definition asks for more (§2.2)."""
    storage = taskdef.ephemeralStorage
    return float(storage.sizeInGiB) if storage is not None else 20.0


def _money(value: float) -> float:
    return round(float(value), 9)


def _strategy(spec: ServiceSpec) -> list[StrategyItem]:
    if spec.capacityProviderStrategy:
        return [
            StrategyItem(i.capacityProvider, i.weight, i.base)
            for i in spec.capacityProviderStrategy
        ]
    return [StrategyItem("FARGATE", 1, 0)]


def _target_group_name(reference: str, groups: Mapping[str, object]) -> str | None:
    """The target group a ``loadBalancers`` entry names (its Name or an ARN with that name)."""
    for name in groups:
        if reference == name or f":targetgroup/{name}/" in reference:
            return name
    return None


def _subnets(spec: ServiceSpec) -> list[str]:
    config = spec.networkConfiguration
    assert config is not None and config.awsvpcConfiguration is not None  # checked by the loader
    return list(config.awsvpcConfiguration.subnets)
