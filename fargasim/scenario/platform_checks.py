"""Cross-checks of the platform sections: the ``events:`` timeline, deployments, load balancers
and target groups, and the Spot model (reference §5.3, §7, §8, §9).

:func:`check` reports every problem through ``add(path, message)``; the loader locates it in the
file. Each message names the rule and, where the reference has one, its section.

AWS documents no numeric range for ``deploymentConfiguration.maximumPercent`` or
``minimumHealthyPercent`` of a REPLICA service (API_DeploymentConfiguration gives only the
defaults, 200 and 100; a too-tight pair is a run-time service event, "unable to stop or start
tasks during a deployment because of the service deployment configuration", not a refused
call), so none is enforced here beyond the schema's "not negative".
"""

from __future__ import annotations

from collections.abc import Sequence
from difflib import get_close_matches
from typing import Any, Protocol

from pydantic import BaseModel

from fargasim.ecs.limits import TASKS_PER_RUN_TASK
from fargasim.elb.settings import attribute_problems, health_check_problems
from fargasim.scenario.schema import (
    EVENT_ACTIONS,
    LoadBalancerRef,
    RunTaskEvent,
    Scenario,
    ServiceSpec,
    TaskDefinitionSpec,
    TaskSelection,
    UpdateServiceEvent,
    task_definition_family,
    task_definition_revision,
)

Path = tuple[str | int, ...]


class Add(Protocol):
    """Reports a problem at ``path`` (``key=True``: at the key of a mapping entry)."""

    def __call__(self, path: Path, message: str, key: bool = False) -> None: ...


#: §5.3 "Target groups per service": 5, not adjustable.
MAX_TARGET_GROUPS_PER_SERVICE = 5


def hint(value: str, options: Sequence[str]) -> str:
    """``; did you mean 'x'?`` for the option closest to ``value``, or nothing."""
    close = get_close_matches(value, list(options), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def resolve_task_definition(sc: Scenario, reference: str) -> tuple[TaskDefinitionSpec | None, str]:
    """The task definition ``reference`` names, or ``None`` and why not."""
    try:
        return sc.task_definition(reference), ""
    except KeyError:
        pass
    family = task_definition_family(reference)
    families = sorted({td.family for td in sc.task_definitions})
    count = sum(1 for td in sc.task_definitions if td.family == family)
    if count == 0:
        return None, (
            f"no task definition {reference!r}: no family {family!r} in taskDefinitions"
            + hint(family, families)
        )
    revision = task_definition_revision(reference)
    noun = "revision" if count == 1 else "revisions"
    return None, (
        f"no task definition {reference!r}: revision {revision} does not exist "
        f"(family {family} has {count} {noun} in taskDefinitions, numbered from 1 in file order)"
    )


def uses_spot(svc: ServiceSpec) -> bool:
    """§7.1: a provider is used when its weight or base is above 0."""
    return any(
        item.capacityProvider == "FARGATE_SPOT" and (item.weight > 0 or item.base > 0)
        for item in svc.capacityProviderStrategy
    )


def check(sc: Scenario, add: Add) -> None:
    """Every platform rule the loader enforces."""
    azs = sorted({subnet.availability_zone for subnet in sc.network.subnets})
    _check_services(sc, add)
    _check_target_groups(sc, add)
    _check_events(sc, azs, add)
    for az in sc.model.spot.availability_zones:
        if az not in azs:
            add(
                ("model", "spot", "availabilityZones", az),
                f"{az!r} is not the Availability Zone of any subnet in network.subnets"
                + hint(az, azs),
                key=True,
            )


# ---------------------------------------------------------------------------------------------
# Services: load balancers


def _check_services(sc: Scenario, add: Add) -> None:
    families = {td.family for td in sc.task_definitions}
    for i, svc in enumerate(sc.services):
        at: Path = ("services", i)
        if task_definition_family(svc.taskDefinition) in families:
            td, why = resolve_task_definition(sc, svc.taskDefinition)
            if td is None:
                add((*at, "taskDefinition"), why)
        else:
            td = None  # the loader reports the unknown family
        if len(svc.loadBalancers) > MAX_TARGET_GROUPS_PER_SERVICE:
            add(
                (*at, "loadBalancers"),
                f"at most {MAX_TARGET_GROUPS_PER_SERVICE} target groups per service "
                f"(§5.3 quota, not adjustable), got {len(svc.loadBalancers)}",
            )
        if td is not None:
            for j, lb in enumerate(svc.loadBalancers):
                _check_container_port(lb, td, svc.taskDefinition, (*at, "loadBalancers", j), add)


def _check_container_port(
    lb: LoadBalancerRef, td: TaskDefinitionSpec, reference: str, at: Path, add: Add
) -> None:
    """ECS registers a task's IP and ``containerPort`` with the target group: the container must
    be in the task definition and map that port (API LoadBalancer: "This port must correspond to
    a containerPort in the task definition the tasks in the service are using")."""
    if lb.containerName is None or lb.containerPort is None:
        missing = [
            name
            for name, value in (
                ("containerName", lb.containerName),
                ("containerPort", lb.containerPort),
            )
            if value is None
        ]
        add(
            at,
            f"missing {' and '.join(repr(m) for m in missing)}: ECS registers the task's "
            "container and port with the target group (CreateService LoadBalancer)",
        )
        return
    names = [c.name for c in td.containerDefinitions]
    container = next((c for c in td.containerDefinitions if c.name == lb.containerName), None)
    if container is None:
        add(
            (*at, "containerName"),
            f"no container {lb.containerName!r} in task definition {reference!r} "
            f"(containers: {', '.join(names)}){hint(lb.containerName, names)}; "
            "ECS refuses the load balancer",
        )
        return
    ports = [p.containerPort for p in container.portMappings if p.containerPort is not None]
    if lb.containerPort not in ports:
        mapped = ", ".join(str(p) for p in ports) if ports else "none"
        add(
            (*at, "containerPort"),
            f"container {lb.containerName!r} of task definition {reference!r} maps no "
            f"containerPort {lb.containerPort} (its portMappings: {mapped}); the port must "
            "correspond to a containerPort in the task definition (ECS refuses the service)",
        )


# ---------------------------------------------------------------------------------------------
# Target groups (§9)


def _check_target_groups(sc: Scenario, add: Add) -> None:
    for i, tg in enumerate(sc.target_groups):
        at: Path = ("targetGroups", i)
        if tg.TargetType != "ip":
            add(
                (*at, "TargetType"),
                f"Fargate tasks use awsvpc networking and register by IP: TargetType must be "
                f"ip (§9), got {tg.TargetType!r}",
            )
        for field, message in health_check_problems(
            tg.HealthCheckIntervalSeconds,
            tg.HealthCheckTimeoutSeconds,
            tg.HealthyThresholdCount,
            tg.UnhealthyThresholdCount,
        ):
            add((*at, field), f"{message} (§9 health check settings)")
        pairs = [(a.Key, a.Value) for a in tg.Attributes]
        for index, message in attribute_problems(pairs):
            add((*at, "Attributes", index, "Value"), f"{message} (§9)")


# ---------------------------------------------------------------------------------------------
# Events


def _check_events(sc: Scenario, azs: list[str], add: Add) -> None:
    services = {svc.serviceName: svc for svc in sc.services}
    names = list(services)
    for i, event in enumerate(sc.events):
        at: Path = ("events", i)
        actions = event.actions
        if not actions:
            add(at, f"each event has 'at' and exactly one action: {', '.join(EVENT_ACTIONS)}")
        elif len(actions) > 1:
            given = [key for key, _ in actions]
            add(
                (*at, given[1]),
                f"one action per event: this event gives {' and '.join(given)} "
                "(write one event for each)",
            )
        for key, action in actions:
            where: Path = (*at, key)
            service = _named_service(action, services, names, where, add)
            zone = getattr(action, "availability_zone", None)
            if zone is not None and zone not in azs:
                add(
                    (*where, "availabilityZone"),
                    f"{zone!r} is not the Availability Zone of any subnet in network.subnets"
                    + hint(zone, azs),
                )
            if isinstance(action, TaskSelection) and (
                action.count is not None and action.fraction is not None
            ):
                add((*where, "fraction"), "give count or fraction, not both")
            if key == "updateService":
                assert isinstance(action, UpdateServiceEvent)
                _check_update(sc, action, service, where, add)
            elif key == "healthCheckFailure":
                _check_health_check_failure(sc, service, where, add)
            elif key == "spotInterruption":
                _check_spot_interruption(sc, service, where, add)
            elif key == "runTask":
                assert isinstance(action, RunTaskEvent)
                _check_run_task(sc, action, where, add)
        if event.run_seconds is not None and event.run_task is None:
            add((*at, "runSeconds"), "runSeconds goes with a runTask event")
        if event.run_task is not None and event.run_seconds is None:
            add(
                at,
                "a runTask event needs runSeconds: how long each task runs once RUNNING "
                "(a distribution, e.g. {distribution: lognormal, mean: 600, cv: 0.3})",
            )


def _check_run_task(sc: Scenario, call: RunTaskEvent, where: Path, add: Add) -> None:
    """ECS RunTask input rules that fargasim relies on (§5.1, §7.1, §2.3)."""
    if call.count > TASKS_PER_RUN_TASK:
        add(
            (*where, "count"),
            f"RunTask launches at most {TASKS_PER_RUN_TASK} tasks per call (§5.1); "
            "write one event per batch of 10",
        )
    td, why = resolve_task_definition(sc, call.taskDefinition)
    if td is None:
        add((*where, "taskDefinition"), why)
    if call.launchType is not None and call.launchType != "FARGATE":
        add(
            (*where, "launchType"),
            f"fargasim runs Fargate tasks: launchType FARGATE, not {call.launchType!r}",
        )
    if call.launchType is not None and call.capacityProviderStrategy:
        add((*where, "launchType"), "give launchType or capacityProviderStrategy, not both")
    strategy = call.capacityProviderStrategy
    for j, item in enumerate(strategy):
        if item.capacityProvider not in ("FARGATE", "FARGATE_SPOT"):
            add(
                (*where, "capacityProviderStrategy", j, "capacityProvider"),
                f"Fargate tasks use FARGATE or FARGATE_SPOT, got {item.capacityProvider!r}",
            )
    if strategy and all(item.weight == 0 for item in strategy):
        add(
            (*where, "capacityProviderStrategy"),
            "at least one capacity provider needs a weight above 0 (§7.1: the API default "
            "weight is 0)",
        )
    config = call.networkConfiguration
    subnets = config.awsvpcConfiguration.subnets if config and config.awsvpcConfiguration else []
    if not subnets:
        add(
            (*where, "networkConfiguration"),
            "Fargate tasks use awsvpc: give networkConfiguration.awsvpcConfiguration.subnets (§2.3)",
        )
    known = [s.subnet_id for s in sc.network.subnets]
    for j, subnet in enumerate(subnets):
        if subnet not in known:
            add(
                (*where, "networkConfiguration", "awsvpcConfiguration", "subnets", j),
                f"no subnet {subnet!r} in network.subnets{hint(subnet, known)}",
            )


def _named_service(
    action: BaseModel, services: dict[str, ServiceSpec], names: list[str], where: Path, add: Add
) -> ServiceSpec | None:
    """The service an action names (None if it names none or an unknown one, reported)."""
    name = getattr(action, "service", None)
    if name is None:
        return None
    if name not in services:
        add((*where, "service"), f"no service {name!r} in services{hint(name, names)}")
        return None
    return services[name]


def _check_update(
    sc: Scenario, update: UpdateServiceEvent, svc: ServiceSpec | None, where: Path, add: Add
) -> None:
    if svc is not None and update.cluster is not None and update.cluster != svc.cluster:
        add(
            (*where, "cluster"),
            f"service {svc.serviceName!r} is in cluster {svc.cluster!r}, not {update.cluster!r} "
            "(UpdateService finds the service in the cluster it names)",
        )
    if update.taskDefinition is None:
        return
    td, why = resolve_task_definition(sc, update.taskDefinition)
    if td is None:
        add((*where, "taskDefinition"), why)
    elif svc is not None:
        # "If you update the task definition for the service, the container name and container
        # port that are specified in the load balancer configuration must remain in the task
        # definition" (ECS Developer Guide, update-service-console-v2).
        current, _ = resolve_task_definition(sc, svc.taskDefinition)
        for j, lb in enumerate(svc.loadBalancers):
            if current is None or not _maps(current, lb):
                continue  # the service's own load balancer is reported at the service
            if not _maps(td, lb):
                add(
                    (*where, "taskDefinition"),
                    f"{update.taskDefinition!r} has no container {lb.containerName!r} mapping "
                    f"port {lb.containerPort}, which services[{sc.services.index(svc)}]"
                    f".loadBalancers[{j}] registers: the container name and port of the load "
                    "balancer configuration must remain in the new task definition",
                )


def _maps(td: TaskDefinitionSpec, lb: LoadBalancerRef) -> bool:
    """Whether ``td`` has the load balancer's container and it maps the load balancer's port."""
    return any(
        c.name == lb.containerName
        and any(p.containerPort == lb.containerPort for p in c.portMappings)
        for c in td.containerDefinitions
    )


def _check_health_check_failure(
    sc: Scenario, svc: ServiceSpec | None, where: Path, add: Add
) -> None:
    """§9: only tasks behind a target group have load balancer health checks."""
    if svc is not None:
        if not svc.loadBalancers:
            add(
                (*where, "service"),
                f"service {svc.serviceName!r} has no loadBalancers: its tasks have no load "
                "balancer health checks to fail (§9)",
            )
    elif not any(s.loadBalancers for s in sc.services):
        add(
            where,
            "no service has loadBalancers: no task has load balancer health checks to fail (§9)",
        )


def _spot_strategy(strategy: Sequence[Any]) -> bool:
    return any(
        i.capacityProvider == "FARGATE_SPOT" and (i.weight > 0 or i.base > 0) for i in strategy
    )


def _check_spot_interruption(sc: Scenario, svc: ServiceSpec | None, where: Path, add: Add) -> None:
    """§7.3: only tasks on Fargate Spot capacity are interrupted."""
    if svc is not None:
        if not uses_spot(svc):
            add(
                (*where, "service"),
                f"service {svc.serviceName!r} runs no Fargate Spot tasks (no FARGATE_SPOT with "
                "weight or base above 0 in its capacityProviderStrategy): only Spot tasks are "
                "interrupted (§7.3)",
            )
    elif (
        not any(uses_spot(s) for s in sc.services)
        and not any(
            e.run_task is not None and _spot_strategy(e.run_task.capacityProviderStrategy)
            for e in sc.events
        )
        and not any(_spot_strategy(b.capacity_provider_strategy) for b in sc.batch)
    ):
        add(
            where,
            "no service, runTask event or batch entry runs Fargate Spot tasks (FARGATE_SPOT with weight or "
            "base above 0): only Spot tasks are interrupted (§7.3)",
        )
