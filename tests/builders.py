"""Small scenarios for the engine, scheduler and data-plane tests, with hand-computable times.

:func:`scenario` returns a validated :class:`~fargasim.scenario.schema.Scenario` built from a
base document (one service ``web`` of 0.5 vCPU / 1 GB, desiredCount 2, three subnets in three
AZs) deep-merged with the caller's changes, written as YAML and loaded with
:func:`~fargasim.scenario.loader.load_scenario_text` like a user's file.

With :data:`CONSTANT_MODEL` every start-up and stop step is constant, so a task created at
``t`` has (reference §3.1, §4; StartupSpec formula)::

    PROVISIONING  t .. t+3             provisioningSeconds 3
    PENDING       t+3 .. t+4           pendingSeconds 1           pullStartedAt = t+4
    ACTIVATING    t+4 .. t+9           pull 2 + 40 MiB / 40 MiB/s = 3, extract 40 MiB /
                                       (80 MiB/s/vCPU · 0.5 vCPU) = 1, containerStart 1
    RUNNING       t+9                  runningAt = t+9; app ready at t+11 (appStart 2)

and a task asked to stop at ``s`` while RUNNING goes DEACTIVATING s .. s+1, STOPPING s+1 ..
s+1+min(appExit 4, stopTimeout), DEPROVISIONING for 5 s, then STOPPED (§3.1, §3.2).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import yaml

from fargasim.ecs.lifecycle import Task, TaskState
from fargasim.engine import Model
from fargasim.scenario.loader import load_scenario_text
from fargasim.scenario.schema import Scenario

# Hand-computed milestones of CONSTANT_MODEL, relative to createdAt (see the module docstring).
PULL = 4.0
RUNNING = 9.0
READY = 11.0
DEACTIVATING = 1.0
APP_EXIT = 4.0
DEPROVISIONING = 5.0
REACTION = 1.0  # model.scheduler.reactionSeconds default


def const(mean: float) -> dict[str, Any]:
    return {"distribution": "constant", "mean": mean}


CONSTANT_MODEL: dict[str, Any] = {
    "startup": {
        "provisioningSeconds": const(3),
        "pendingSeconds": const(1),
        "pullOverheadSeconds": const(2),
        "pullBandwidthMiBps": 40,
        "extractMiBpsPerVcpu": 80,
        "containerStartSeconds": const(1),
        "appStartSeconds": const(2),
    },
    "shutdown": {
        "deactivatingSeconds": const(DEACTIVATING),
        "appExitSeconds": const(APP_EXIT),
        "deprovisioningSeconds": const(DEPROVISIONING),
    },
}


def base_document() -> dict[str, Any]:
    return {
        "fargasim": 1,
        "name": "unit",
        "duration": 600,
        "seed": 3,
        "region": "us-east-1",
        "network": {
            "subnets": [
                {"subnetId": "subnet-a", "availabilityZone": "us-east-1a", "freeIps": 250},
                {"subnetId": "subnet-b", "availabilityZone": "us-east-1b", "freeIps": 250},
                {"subnetId": "subnet-c", "availabilityZone": "us-east-1c", "freeIps": 250},
            ]
        },
        "images": {"registry.example/app:1": {"sizeMiB": 40}},
        "taskDefinitions": [
            {
                "family": "web",
                "networkMode": "awsvpc",
                "requiresCompatibilities": ["FARGATE"],
                "cpu": "512",
                "memory": "1024",
                "containerDefinitions": [
                    {
                        "name": "app",
                        "image": "registry.example/app:1",
                        "essential": True,
                        "portMappings": [{"containerPort": 80}],
                    }
                ],
            }
        ],
        "services": [
            {
                "serviceName": "web",
                "cluster": "default",
                "taskDefinition": "web",
                "desiredCount": 2,
                "launchType": "FARGATE",
                "networkConfiguration": {
                    "awsvpcConfiguration": {"subnets": ["subnet-a", "subnet-b", "subnet-c"]}
                },
            }
        ],
        "model": copy.deepcopy(CONSTANT_MODEL),
    }


def merge(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """Deep-merge ``changes`` into a copy of ``base`` (mappings merge, everything else replaces;
    a value of ``None`` deletes the key)."""
    out = copy.deepcopy(base)
    for key, value in changes.items():
        if value is None:
            out.pop(key, None)
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def document(**changes: Any) -> dict[str, Any]:
    return merge(base_document(), changes)


def scenario_from(doc: dict[str, Any]) -> Scenario:
    return load_scenario_text(yaml.safe_dump(doc, sort_keys=False), name="<test>")


def scenario(**changes: Any) -> Scenario:
    """The base scenario with ``changes`` deep-merged (see :func:`merge`)."""
    return scenario_from(document(**changes))


def service(**changes: Any) -> list[dict[str, Any]]:
    """The ``services:`` list with the one service ``web`` changed."""
    return [merge(base_document()["services"][0], changes)]


def task_definition(**changes: Any) -> list[dict[str, Any]]:
    """The ``taskDefinitions:`` list with the one family ``web`` changed."""
    return [merge(base_document()["taskDefinitions"][0], changes)]


def desired_events(*pairs: tuple[float, int]) -> list[dict[str, Any]]:
    """``events:`` entries that set web's desiredCount at the given times."""
    return [{"at": at, "updateService": {"service": "web", "desiredCount": n}} for at, n in pairs]


Transition = tuple[float, str, TaskState, TaskState]


def recorded_model(sc: Scenario, seed: int | None = None) -> tuple[Model, list[Transition]]:
    """A :class:`Model` whose task state changes are also recorded as
    ``(time, task_id, previous, new)`` (the observer wraps the model's own)."""
    model = Model(sc, sc.seed if seed is None else seed)
    log: list[Transition] = []
    inner: Callable[[Task, TaskState], None] = model.observe

    def observe(task: Task, previous: TaskState) -> None:
        log.append((model.ctx.now, task.task_id, previous, task.state))
        inner(task, previous)

    model.observe = observe  # type: ignore[method-assign]
    return model, log


def run(model: Model, until: float) -> None:
    model.ctx.env.run(until=until)


def states_of(log: list[Transition], task_id: str) -> list[TaskState]:
    """The states a task went through, in order, starting with its first."""
    mine = [entry for entry in log if entry[1] == task_id]
    if not mine:
        return []
    return [mine[0][2], *(entry[3] for entry in mine)]


# -- Application Auto Scaling sections for the one service "web" ---------------------------------

RESOURCE = "service/default/web"


def scalable_target(min_capacity: int, max_capacity: int) -> list[dict[str, Any]]:
    """``scalableTargets`` registering the web service with these bounds."""
    return [
        {
            "ServiceNamespace": "ecs",
            "ResourceId": RESOURCE,
            "ScalableDimension": "ecs:service:DesiredCount",
            "MinCapacity": min_capacity,
            "MaxCapacity": max_capacity,
        }
    ]


def scaling_policy(name: str, kind: str, config: dict[str, Any]) -> dict[str, Any]:
    """A PutScalingPolicy entry of ``kind`` (StepScaling or TargetTrackingScaling) for web."""
    key = (
        "StepScalingPolicyConfiguration"
        if kind == "StepScaling"
        else "TargetTrackingScalingPolicyConfiguration"
    )
    return {
        "PolicyName": name,
        "ServiceNamespace": "ecs",
        "ResourceId": RESOURCE,
        "ScalableDimension": "ecs:service:DesiredCount",
        "PolicyType": kind,
        key: config,
    }


def exact_cpu_load(*points: tuple[float, float]) -> list[dict[str, Any]]:
    """Exactly ``rps`` requests each second from each ``at`` on, 0.1 vCPU-s each."""
    return [
        {
            "service": "web",
            "arrivals": {
                "pattern": "piecewise",
                "poisson": False,
                "points": [{"at": at, "rps": rps} for at, rps in points],
            },
            "request": {"cpuSeconds": const(0.1)},
        }
    ]


def activities(res: Any) -> list[tuple[float, int, int]]:
    """``(time, fromCapacity, toCapacity)`` of every scaling activity of a Result."""
    a = res.scaling_activities
    return [
        (float(a["time"][i]), int(a["fromCapacity"][i]), int(a["toCapacity"][i]))
        for i in range(len(a))
    ]


# -- Deployments and load balancers (tests/ecs/test_deployments.py, test_load_balancing.py) -------

TARGET_GROUP = "web-tg"


def two_revisions(**second: Any) -> list[dict[str, Any]]:
    """``taskDefinitions`` with two revisions of family ``web``: ``web:1`` (the base one) and
    ``web:2`` (the same, with ``second`` deep-merged). Name ``web:1`` in the service: plain
    ``web`` means the latest revision, ``web:2``."""
    first = base_document()["taskDefinitions"][0]
    return [first, merge(first, second)]


def deploy(at: float, task_definition: str = "web:2", **update: Any) -> dict[str, Any]:
    """An ``events:`` entry: ``updateService`` of web to ``task_definition`` at ``at``."""
    return {
        "at": at,
        "updateService": {"service": "web", "taskDefinition": task_definition, **update},
    }


def pull_failures(at: float, duration: float) -> dict[str, Any]:
    """An ``events:`` entry: every image pull of web fails during ``[at, at + duration)``."""
    return {"at": at, "imagePullFailure": {"service": "web", "duration": duration}}


def target_group(
    interval: int = 10,
    unhealthy: int = 2,
    healthy: int = 5,
    attributes: dict[str, str] | None = None,
) -> list[dict[str, Any]]:
    """``targetGroups`` with one ip target group :data:`TARGET_GROUP` (timeout 2 s, below every
    interval) and the given ``Attributes``."""
    return [
        {
            "Name": TARGET_GROUP,
            "TargetType": "ip",
            "HealthCheckIntervalSeconds": interval,
            "HealthCheckTimeoutSeconds": 2,
            "HealthyThresholdCount": healthy,
            "UnhealthyThresholdCount": unhealthy,
            "Attributes": [{"Key": k, "Value": v} for k, v in (attributes or {}).items()],
        }
    ]


def container_on_port_80() -> list[dict[str, Any]]:
    """The ``containerDefinitions`` of web with ``portMappings: [{containerPort: 80}]``."""
    container = base_document()["taskDefinitions"][0]["containerDefinitions"][0]
    return [merge(container, {"portMappings": [{"containerPort": 80}]})]


def behind_target_group(
    *,
    target_groups: list[dict[str, Any]] | None = None,
    revisions: int = 1,
    **service_changes: Any,
) -> dict[str, Any]:
    """Scenario sections for web behind :data:`TARGET_GROUP` (port 80): ``targetGroups``,
    ``taskDefinitions`` (``revisions`` of them, all listening on 80) and ``services``; pass them
    on with ``b.scenario(**sections, ...)``."""
    containers = container_on_port_80()
    plain = two_revisions() if revisions == 2 else task_definition()
    definitions = [merge(definition, {"containerDefinitions": containers}) for definition in plain]
    lb = {"targetGroupArn": TARGET_GROUP, "containerName": "app", "containerPort": 80}
    return {
        "targetGroups": target_groups if target_groups is not None else target_group(),
        "taskDefinitions": definitions,
        "services": service(loadBalancers=[lb], **service_changes),
    }
