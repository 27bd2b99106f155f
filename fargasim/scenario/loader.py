"""Load a scenario file: strict YAML → AWS API shapes → schema → Fargate rules → cross-references.

Every problem found is reported with its place in the file, as ``FILE:LINE:COL: path: message``
(:class:`fargasim.errors.ScenarioError`); nothing is run until the whole file is clean. Fields
that AWS accepts but fargasim does not (yet) simulate are reported as notes by
:func:`load_scenario_with_notes` (``fargasim validate`` prints them).
"""

from __future__ import annotations

import os
import types
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from difflib import get_close_matches
from pathlib import Path as FsPath
from typing import Any

from pydantic import BaseModel, ValidationError

from fargasim.errors import FargasimError, Problem, ScenarioError
from fargasim.scenario import workload_checks
from fargasim.scenario.awsshapes import not_simulated, validate_input
from fargasim.scenario.schema import RunTaskEvent, Scenario, task_definition_family
from fargasim.scenario.yamlio import (
    Document,
    format_path,
    load_yaml_file,
    load_yaml_text,
    resolve_from_file,
)
from fargasim.units import format_duration

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class AwsSection:
    """A scenario section that takes an AWS API's input shape."""

    operation: str
    simulated: tuple[str, ...]
    extra_members: Mapping[str, str] | None = None
    later: str = ""


#: The AWS sections, the API input each takes, and which of its fields fargasim simulates now.
AWS_SECTIONS: dict[str, AwsSection] = {
    "taskDefinitions": AwsSection(
        "ecs:RegisterTaskDefinition",
        (
            "family",
            "networkMode",
            "requiresCompatibilities",
            "cpu",
            "memory",
            "containerDefinitions[].name",
            "containerDefinitions[].image",
            "containerDefinitions[].essential",
            "containerDefinitions[].stopTimeout",
            "containerDefinitions[].portMappings.*",
            "runtimePlatform.*",
            "ephemeralStorage.*",
        ),
    ),
    "services": AwsSection(
        "ecs:CreateService",
        (
            "serviceName",
            "cluster",
            "taskDefinition",
            "desiredCount",
            "launchType",
            "capacityProviderStrategy.*",
            "networkConfiguration.awsvpcConfiguration.subnets",
            "schedulingStrategy",
            "deploymentConfiguration.maximumPercent",
            "deploymentConfiguration.minimumHealthyPercent",
            "deploymentConfiguration.deploymentCircuitBreaker.*",
            "healthCheckGracePeriodSeconds",
            "loadBalancers[].targetGroupArn",
            "loadBalancers[].containerName",
            "loadBalancers[].containerPort",
        ),
    ),
    "targetGroups": AwsSection(
        "elbv2:CreateTargetGroup",
        (
            "Name",
            "TargetType",
            "Protocol",
            "Port",
            "VpcId",
            "HealthCheckIntervalSeconds",
            "HealthCheckTimeoutSeconds",
            "HealthyThresholdCount",
            "UnhealthyThresholdCount",
            "HealthCheckPath",
            "HealthCheckProtocol",
            "HealthCheckPort",
            "Matcher.*",
            "Attributes[].Key",
            "Attributes[].Value",
        ),
        {"Attributes": "elbv2:TargetGroupAttributes"},
    ),
    "scalableTargets": AwsSection(
        "application-autoscaling:RegisterScalableTarget",
        ("ServiceNamespace", "ResourceId", "ScalableDimension", "MinCapacity", "MaxCapacity"),
    ),
    "scalingPolicies": AwsSection(
        "application-autoscaling:PutScalingPolicy",
        (
            "PolicyName",
            "ServiceNamespace",
            "ResourceId",
            "ScalableDimension",
            "PolicyType",
            "TargetTrackingScalingPolicyConfiguration.*",
            "StepScalingPolicyConfiguration.*",
        ),
    ),
    "alarms": AwsSection(
        "cloudwatch:PutMetricAlarm",
        (
            "AlarmName",
            "MetricName",
            "Namespace",
            "Dimensions.*",
            "Statistic",
            "Period",
            "EvaluationPeriods",
            "DatapointsToAlarm",
            "Threshold",
            "ComparisonOperator",
            "TreatMissingData",
            "AlarmActions",
            "OKActions",
            "ActionsEnabled",
        ),
    ),
    "scheduledActions": AwsSection(
        "application-autoscaling:PutScheduledAction",
        (
            "ScheduledActionName",
            "ServiceNamespace",
            "ResourceId",
            "ScalableDimension",
            "Schedule",
            "Timezone",
            "StartTime",
            "EndTime",
            "ScalableTargetAction.*",
        ),
    ),
}

#: ``events[].updateService`` takes ``ecs UpdateService`` input; the members simulated now.
UPDATE_SERVICE = AwsSection(
    "ecs:UpdateService",
    (
        "service",
        "cluster",
        "desiredCount",
        "taskDefinition",
        "deploymentConfiguration.maximumPercent",
        "deploymentConfiguration.minimumHealthyPercent",
        "deploymentConfiguration.deploymentCircuitBreaker.*",
        "forceNewDeployment",
        "healthCheckGracePeriodSeconds",
    ),
)

#: ``events[].runTask`` takes ``ecs RunTask`` input; the members simulated now.
RUN_TASK = AwsSection(
    "ecs:RunTask",
    (
        "taskDefinition",
        "cluster",
        "count",
        "capacityProviderStrategy.*",
        "launchType",
        "networkConfiguration.awsvpcConfiguration.subnets",
        "group",
        "startedBy",
    ),
)

#: The AWS-shaped actions of ``events:`` entries, by key.
EVENT_SHAPES = {"updateService": UPDATE_SERVICE, "runTask": RUN_TASK}

#: The target group attributes fargasim simulates (§9); any other key is only accepted.
SIMULATED_TARGET_GROUP_ATTRIBUTES = frozenset(
    {
        "deregistration_delay.timeout_seconds",
        "slow_start.duration_seconds",
        "load_balancing.algorithm.type",
    }
)

#: Read-only fields of ``describe-*`` output that are dropped from ``fromFile`` items.
READ_ONLY_FIELDS: dict[str, frozenset[str]] = {
    "taskDefinitions": frozenset(
        {
            "taskDefinitionArn",
            "revision",
            "status",
            "requiresAttributes",
            "compatibilities",
            "registeredAt",
            "registeredBy",
            "deregisteredAt",
        }
    ),
    "services": frozenset(),
    "targetGroups": frozenset(),
    "scalableTargets": frozenset(),
    "scalingPolicies": frozenset(),
    "alarms": frozenset(),
    "scheduledActions": frozenset(),
}


@dataclass(frozen=True)
class Note:
    """Something accepted but not simulated (yet), with its place in the file."""

    file: str
    line: int
    column: int
    path: str
    message: str

    def render(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.path}: {self.message}"


def load_scenario(path: str | os.PathLike[str]) -> Scenario:
    """Load and validate a scenario file (raises :class:`~fargasim.errors.ScenarioError`)."""
    return load_scenario_with_notes(path)[0]


def load_scenario_with_notes(path: str | os.PathLike[str]) -> tuple[Scenario, list[Note]]:
    """Like :func:`load_scenario`, also returning what was accepted but is not simulated."""
    doc = load_yaml_file(path)
    return _validate(doc, FsPath(path).resolve().parent)


def load_scenario_text(
    text: str, name: str = "<scenario>", base_dir: str | None = None
) -> Scenario:
    """Load a scenario from a string (``fromFile`` paths are relative to ``base_dir``)."""
    doc = load_yaml_text(text, name)
    return _validate(doc, FsPath(base_dir or ".").resolve())[0]


def _validate(doc: Document, base_dir: FsPath) -> tuple[Scenario, list[Note]]:
    if not isinstance(doc.data, dict):
        raise ScenarioError(
            [doc.problem((), "a scenario is a mapping of sections (fargasim: 1, name: …)")]
        )
    doc = resolve_from_file(doc, base_dir, READ_ONLY_FIELDS)
    data: dict[str, Any] = doc.data
    problems: list[Problem] = _inline_metric_files(doc, base_dir)
    problems += workload_checks.inline_trace_files(doc, base_dir)
    shape_broken: set[Path] = set()
    for section, spec in AWS_SECTIONS.items():
        items = data.get(section)
        if not isinstance(items, list):
            continue
        for i, item in enumerate(items):
            issues = validate_input(
                item, spec.operation, prefix=(section, i), extra_members=spec.extra_members
            )
            for issue in issues:
                problems.append(doc.problem(issue.path, issue.message, key=issue.key))
            if issues:
                shape_broken.add((section, i))
    events = data.get("events")
    for i, event in enumerate(events if isinstance(events, list) else []):
        if not isinstance(event, dict):
            continue
        for key, shape in EVENT_SHAPES.items():
            if key not in event:
                continue
            at: Path = ("events", i, key)
            issues = validate_input(event[key], shape.operation, prefix=at)
            for issue in issues:
                problems.append(doc.problem(issue.path, issue.message, key=issue.key))
            if issues:
                shape_broken.add(at)
    scenario: Scenario | None = None
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        problems.extend(_pydantic_problems(doc, exc, shape_broken))
    if problems or scenario is None:
        raise ScenarioError(_dedupe(problems) or [doc.problem((), "invalid scenario")])
    problems = _semantic_problems(doc, scenario)
    if problems:
        raise ScenarioError(problems)
    return scenario, _notes(doc, scenario)


def _inline_metric_files(doc: Document, base_dir: FsPath) -> list[Problem]:
    """Replace each ``customMetrics[i].file`` (a CSV of ``at,value``) by the ``series`` it holds,
    so the resolved scenario carries the data it ran with."""
    import csv

    from fargasim.units import parse_duration

    problems: list[Problem] = []
    metrics = doc.data.get("customMetrics")
    if not isinstance(metrics, list):
        return problems
    for i, metric in enumerate(metrics):
        if not isinstance(metric, dict) or not isinstance(metric.get("file"), str):
            continue
        at: Path = ("customMetrics", i, "file")
        if "series" in metric:
            problems.append(doc.problem(at, "give 'series' or 'file', not both"))
            continue
        path = base_dir / metric["file"]
        try:
            with path.open(encoding="utf-8", newline="") as fh:
                rows = list(csv.DictReader(fh))
            series = [{"at": parse_duration(r["at"]), "value": float(r["value"])} for r in rows]
        except OSError as exc:
            problems.append(doc.problem(at, f"cannot read {metric['file']!r}: {exc.strerror}"))
            continue
        except (KeyError, TypeError, ValueError) as exc:
            problems.append(
                doc.problem(at, f"{metric['file']!r} needs columns 'at' and 'value' ({exc})")
            )
            continue
        if not series:
            problems.append(doc.problem(at, f"{metric['file']!r} has no rows"))
            continue
        del metric["file"]
        metric["series"] = series
    return problems


def _dedupe(problems: list[Problem]) -> list[Problem]:
    seen: set[tuple[str, int, int, str, str]] = set()
    out = []
    for p in problems:
        key = (p.file, p.line, p.column, p.path, p.message)
        if key not in seen:
            seen.add(key)
            out.append(p)
    return out


# ---------------------------------------------------------------------------------------------
# pydantic errors → located problems


def _data_path(data: Any, loc: Sequence[str | int]) -> tuple[Path, bool]:
    """The part of a pydantic ``loc`` that exists in the data (tags of unions are skipped);
    also whether the whole loc was found."""
    path: list[str | int] = []
    node = data
    complete = True
    for element in loc:
        if (isinstance(node, dict) and isinstance(element, str) and element in node) or (
            isinstance(node, list) and isinstance(element, int) and 0 <= element < len(node)
        ):
            node = node[element]  # type: ignore[index]
            path.append(element)
        else:
            complete = False
    return tuple(path), complete


def _pydantic_problems(doc: Document, exc: ValidationError, skip: set[Path]) -> list[Problem]:
    problems = []
    errors = [e for e in exc.errors(include_url=False) if not _under(tuple(e["loc"]), skip)]
    # A misspelt key already says "did you mean '<name>'?": no "missing '<name>'" beside it.
    guessed: set[tuple[Path, str]] = set()
    for error in errors:
        if error["type"] == "extra_forbidden":
            path, _ = _data_path(doc.data, tuple(error["loc"]))
            guess = _guess(str(error["loc"][-1]), _expected_keys(doc.data, path[:-1]))
            if guess is not None:
                guessed.add((path[:-1], guess))
    for error in errors:
        loc = tuple(error["loc"])
        path, _ = _data_path(doc.data, loc)
        kind = error["type"]
        message = str(error["msg"])
        if message.startswith("Value error, "):
            message = message[len("Value error, ") :]
        if kind == "literal_error" and loc == ("fargasim",):
            problems.append(
                doc.problem(
                    path, f"this fargasim reads scenario format 1, not {error.get('input')!r}"
                )
            )
            continue
        if kind == "missing":
            field = loc[-1]
            if (path, str(field)) not in guessed:
                where = path or (str(field),)  # a missing top-level section: name it
                problems.append(doc.problem(where, f"missing required field '{field}'"))
            continue
        if kind in ("union_tag_invalid", "union_tag_not_found"):
            # A tagged union such as workload arrivals: name the tag field, not pydantic's terms.
            ctx = error.get("ctx") or {}
            tag_field = str(ctx.get("discriminator", "")).strip("'")
            if kind == "union_tag_not_found":
                problems.append(doc.problem(path, f"missing required field '{tag_field}'"))
                continue
            options = [t.strip(" '") for t in str(ctx.get("expected_tags", "")).split(",")]
            tag = str(ctx.get("tag"))
            hint = _hint(tag, options)
            problems.append(
                doc.problem(
                    (*path, tag_field),
                    f"unknown {tag_field} {tag!r}: choose one of {', '.join(options)}{hint}",
                )
            )
            continue
        if kind == "extra_forbidden":
            key = loc[-1]
            expected = _expected_keys(doc.data, path[:-1])
            hint = _did_you_mean(str(key), expected)
            problems.append(doc.problem(path, f"unknown field '{key}'{hint}", key=True))
            continue
        value = error.get("input")
        shown = ""
        quoted = f"got {value!r}" in message or (isinstance(value, str) and repr(value) in message)
        if isinstance(value, (str, int, float, bool)) and not quoted:
            shown = f" (got {value!r})"  # unless the message already quotes the value
        problems.append(doc.problem(path, f"{message}{shown}"))
    return problems


def _under(loc: Path, prefixes: set[Path]) -> bool:
    """Whether ``loc`` is inside one of ``prefixes`` (an item whose AWS shape was reported)."""
    return any(loc[:n] in prefixes for n in range(1, len(loc) + 1))


def _guess(key: str, expected: list[str]) -> str | None:
    """The expected field ``key`` most likely misspells, if any."""
    lowered = {e.lower(): e for e in expected}
    if key.lower() in lowered:
        return lowered[key.lower()]
    close = get_close_matches(key, expected, n=1, cutoff=0.6)
    return close[0] if close else None


def _did_you_mean(key: str, expected: list[str]) -> str:
    if not expected:
        return ""
    guess = _guess(key, expected)
    if guess is not None:
        return f"; did you mean '{guess}'?"
    return f"; valid fields here: {', '.join(expected[:12])}"


def _expected_keys(data: Any, path: Path) -> list[str]:
    """The field names the schema accepts at ``path`` (for did-you-mean hints)."""
    annotation: Any = Scenario
    node = data
    for element in path:
        annotation = _pick(annotation, node)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            field = _field_by_alias(annotation, str(element))
            if field is None:
                return []
            annotation = field
        else:
            args = typing.get_args(annotation)
            origin = typing.get_origin(annotation)
            if origin in (list, dict) and args:
                annotation = args[-1]
            else:
                return []
        if isinstance(node, dict) and isinstance(element, str):
            node = node.get(element)
        elif isinstance(node, list) and isinstance(element, int) and element < len(node):
            node = node[element]
        else:
            node = None
    annotation = _pick(annotation, node)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [f.alias or name for name, f in annotation.model_fields.items()]
    return []


def _field_by_alias(model: type[BaseModel], key: str) -> Any:
    for name, field in model.model_fields.items():
        if key in (name, field.alias):
            return field.annotation
    return None


def _pick(annotation: Any, node: Any) -> Any:
    """Unwrap Annotated / Optional / unions (choosing the member whose tag the data names)."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
            continue
        if origin is typing.Union or origin is types.UnionType:
            members = [a for a in typing.get_args(annotation) if a is not type(None)]
            models = [m for m in members if isinstance(m, type) and issubclass(m, BaseModel)]
            if models and isinstance(node, dict) and "pattern" in node:
                for m in models:
                    field = m.model_fields.get("pattern")
                    if field is not None and node["pattern"] in typing.get_args(field.annotation):
                        return m
            annotation = models[0] if models else members[0]
            continue
        return annotation


# ---------------------------------------------------------------------------------------------
# Fargate rules and cross-references


def _semantic_problems(doc: Document, sc: Scenario) -> list[Problem]:
    from fargasim.billing import PriceTable
    from fargasim.ecs.sizes import SizeRules
    from fargasim.ecs.taskdef import fargate_problems

    found: list[Problem] = []

    def add(path: Path, message: str, key: bool = False) -> None:
        found.append(doc.problem(path, message, key=key))

    data = doc.data
    rules = SizeRules(allow_32_vcpu=sc.model.allow_32_vcpu)
    for i, raw in enumerate(data.get("taskDefinitions", [])):
        for rel, message in fargate_problems(raw, rules):
            add(("taskDefinitions", i, *rel), message)

    subnet_ids: dict[str, str] = {}
    for i, subnet in enumerate(sc.network.subnets):
        if subnet.subnet_id in subnet_ids:
            add(
                ("network", "subnets", i, "subnetId"),
                f"subnet {subnet.subnet_id!r} is listed twice",
            )
        subnet_ids[subnet.subnet_id] = subnet.availability_zone

    run_tasks = any(a for e in sc.events for _, a in e.actions if isinstance(a, RunTaskEvent))
    if not sc.services and not sc.batch and not run_tasks:
        add(("services",), "nothing to simulate: give a service, a batch entry or a runTask event")

    families = [td.family for td in sc.task_definitions]
    names: set[str] = set()
    target_groups = [tg.Name for tg in sc.target_groups]
    for i, svc in enumerate(sc.services):
        at: Path = ("services", i)
        if svc.serviceName in names:
            add((*at, "serviceName"), f"service {svc.serviceName!r} is defined twice")
        names.add(svc.serviceName)
        raw_service = data["services"][i]
        if "desiredCount" not in raw_service:
            add(at, "missing required field 'desiredCount' (CreateService requires it for REPLICA)")
        family = task_definition_family(svc.taskDefinition)
        if family not in families:
            add(
                (*at, "taskDefinition"),
                f"no task definition with family {family!r}{_hint(family, families)}",
            )
        else:
            _service_platform_checks(sc, svc, i, add)
        if svc.launchType is not None and svc.launchType != "FARGATE":
            add(
                (*at, "launchType"),
                f"fargasim simulates Fargate: launchType must be FARGATE, got {svc.launchType!r}",
            )
        if svc.launchType is not None and svc.capacityProviderStrategy:
            add(
                (*at, "launchType"),
                "give a launchType or a capacityProviderStrategy, not both (ECS refuses both)",
            )
        _strategy_checks(svc.capacityProviderStrategy, (*at, "capacityProviderStrategy"), add)
        if svc.schedulingStrategy != "REPLICA":
            add(
                (*at, "schedulingStrategy"),
                "Fargate tasks do not support the DAEMON scheduling strategy (§2.3)",
            )
        config = svc.networkConfiguration
        if config is None or config.awsvpcConfiguration is None:
            add(
                at,
                "Fargate services need networkConfiguration.awsvpcConfiguration with subnets (§2.3)",
            )
        else:
            vpc = (*at, "networkConfiguration", "awsvpcConfiguration")
            subnets = config.awsvpcConfiguration.subnets
            if not subnets:
                add((*vpc, "subnets"), "give at least one subnet")
            if len(subnets) > 16:
                add((*vpc, "subnets"), "at most 16 subnets per awsvpcConfiguration (§2.4)")
            if len(config.awsvpcConfiguration.securityGroups) > 5:
                add(
                    (*vpc, "securityGroups"),
                    "at most 5 security groups per awsvpcConfiguration (§2.4)",
                )
            for j, sid in enumerate(subnets):
                if sid not in subnet_ids:
                    add(
                        (*vpc, "subnets", j),
                        f"subnet {sid!r} is not in network.subnets{_hint(sid, list(subnet_ids))}",
                    )
        for j, lb in enumerate(svc.loadBalancers):
            if (
                lb.targetGroupArn is not None
                and _target_group(lb.targetGroupArn, target_groups) is None
            ):
                add(
                    (*at, "loadBalancers", j, "targetGroupArn"),
                    f"no target group {lb.targetGroupArn!r} in targetGroups{_hint(lb.targetGroupArn, target_groups)}",
                )

    service_ids = {f"service/{s.cluster}/{s.serviceName}": s.serviceName for s in sc.services}
    registered: set[str] = set()
    for i, target in enumerate(sc.scalable_targets):
        if target.ResourceId not in service_ids:
            add(
                ("scalableTargets", i, "ResourceId"),
                f"{target.ResourceId!r} names no service (write service/<cluster>/<serviceName>)"
                + _hint(target.ResourceId, list(service_ids)),
            )
        registered.add(target.ResourceId)
        if target.ServiceNamespace != "ecs":
            add(
                ("scalableTargets", i, "ServiceNamespace"),
                "fargasim scales ECS services: ServiceNamespace must be ecs",
            )
        if target.ScalableDimension != "ecs:service:DesiredCount":
            add(
                ("scalableTargets", i, "ScalableDimension"),
                "must be ecs:service:DesiredCount for an ECS service",
            )
    resource_ids = {
        "scalingPolicies": [p.ResourceId for p in sc.scaling_policies],
        "scheduledActions": [a.ResourceId for a in sc.scheduled_actions],
    }
    for section, ids in resource_ids.items():
        for i, resource_id in enumerate(ids):
            if resource_id not in registered:
                add(
                    (section, i, "ResourceId"),
                    f"{resource_id!r} is not a registered scalable target (scalableTargets)",
                )

    seen_workloads: set[str] = set()
    for i, w in enumerate(sc.workload):
        if w.service not in names:
            add(
                ("workload", i, "service"),
                f"no service {w.service!r}{_hint(w.service, sorted(names))}",
            )
        if w.service in seen_workloads:
            add(("workload", i, "service"), f"service {w.service!r} already has a workload entry")
        seen_workloads.add(w.service)
        arrivals = w.arrivals
        if arrivals.pattern == "piecewise":
            ats = [p.at for p in arrivals.points]
            if ats != sorted(ats):
                add(("workload", i, "arrivals", "points"), "points must be in time order")

    for name in sc.model.startup.services:
        if name not in names:
            add(("model", "startup", "services", name), f"no service {name!r}", key=True)
    from fargasim.scenario import platform_checks, scaling_checks

    scaling_checks.check(sc, add)
    platform_checks.check(sc, add)
    workload_checks.check(sc, add)
    tick = sc.model.tick
    interval = sc.output.sample_interval
    if abs(interval / tick - round(interval / tick)) > 1e-9:
        add(("output", "sampleInterval"), f"must be a whole number of model.tick ({tick:g} s)")
    try:
        PriceTable.resolve(sc.region, sc.pricing.rates)
    except FargasimError as exc:
        add(("region",), str(exc))
    return found


def _service_platform_checks(sc: Scenario, svc: Any, i: int, add: Any) -> None:
    try:
        td = sc.task_definition(svc.taskDefinition)
    except KeyError:
        return  # a revision the file does not hold: platform_checks reports it
    providers = {
        item.capacityProvider
        for item in svc.capacityProviderStrategy
        if item.weight > 0 or item.base > 0
    }
    if "FARGATE_SPOT" in providers:
        if td.runtimePlatform.operatingSystemFamily != "LINUX":
            add(
                ("services", i, "capacityProviderStrategy"),
                "Windows containers on Fargate don't support FARGATE_SPOT (§7.2)",
            )
        elif td.runtimePlatform.cpuArchitecture == "ARM64" and not sc.pricing.arm_spot_supported:
            add(
                ("services", i, "capacityProviderStrategy"),
                "ARM64 tasks can't use FARGATE_SPOT with pricing.armSpotSupported: false (§7.2)",
            )


def _strategy_checks(strategy: Sequence[Any], at: Path, add: Any) -> None:
    """§7.1: FARGATE / FARGATE_SPOT only, each once, one base at most, some weight > 0."""
    if not strategy:
        return
    seen: set[str] = set()
    for j, item in enumerate(strategy):
        if item.capacityProvider not in ("FARGATE", "FARGATE_SPOT"):
            add(
                (*at, j, "capacityProvider"),
                f"Fargate services use FARGATE or FARGATE_SPOT, got {item.capacityProvider!r}",
            )
        if item.capacityProvider in seen:
            add((*at, j, "capacityProvider"), f"{item.capacityProvider} is listed twice")
        seen.add(item.capacityProvider)
    bases = [j for j, item in enumerate(strategy) if item.base > 0]
    if len(bases) > 1:
        add(
            (*at, bases[1], "base"),
            "only one capacity provider in a strategy can have a base (§7.1)",
        )
    if all(item.weight == 0 for item in strategy):
        add(
            at,
            "at least one capacity provider needs a weight above 0 (§7.1: the API default weight is 0)",
        )


def _target_group(reference: str, names: list[str]) -> str | None:
    for name in names:
        if reference == name or f":targetgroup/{name}/" in reference:
            return name
    return None


def _hint(value: str, options: list[str]) -> str:
    close = get_close_matches(value, options, n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


# ---------------------------------------------------------------------------------------------
# Accepted, not simulated


def _notes(doc: Document, sc: Scenario) -> list[Note]:
    notes: list[Note] = []

    def note(path: Path, message: str) -> None:
        mark = doc.mark_for(path, key=True)
        notes.append(Note(mark.file, mark.line, mark.column, format_path(path), message))

    data = doc.data
    for section, spec in AWS_SECTIONS.items():
        for i, item in enumerate(data.get(section) or []):
            if not spec.simulated:
                note(
                    (section, i),
                    f"accepted, not simulated yet ({spec.later}: a later release)",
                )
                continue
            for dotted in not_simulated(
                item, spec.operation, spec.simulated, extra_members=spec.extra_members
            ):
                note(_first_path(item, (section, i), dotted), "accepted, not simulated")
    for i, tg in enumerate(sc.target_groups):
        for j, attribute in enumerate(tg.Attributes):
            if attribute.Key not in SIMULATED_TARGET_GROUP_ATTRIBUTES:
                note(("targetGroups", i, "Attributes", j), "accepted, not simulated")
    for i, policy in enumerate(sc.scaling_policies):
        if policy.PolicyType == "PredictiveScaling":
            note(("scalingPolicies", i), "accepted, not simulated yet (predictive scaling)")
    raw_events = data.get("events") or []
    for i, event in enumerate(sc.events):
        for key, shape in EVENT_SHAPES.items():
            if key not in raw_events[i]:
                continue
            item = raw_events[i][key]
            at: Path = ("events", i, key)
            for dotted in not_simulated(item, shape.operation, shape.simulated):
                note(_first_path(item, at, dotted), "accepted, not simulated")
        if event.at >= sc.duration:
            when = "at" if event.at == sc.duration else "after"
            note(
                ("events", i, "at"),
                f"{when} the end of the run (duration {format_duration(sc.duration)}): "
                "never happens",
            )
    for i, entry in enumerate(sc.batch):
        if entry.at >= sc.duration:
            when = "at" if entry.at == sc.duration else "after"
            note(
                ("batch", i, "at"),
                f"{when} the end of the run (duration {format_duration(sc.duration)}): "
                "never happens",
            )
    return sorted(notes, key=lambda n: (n.file, n.line, n.column, n.path))


def _first_path(item: Any, prefix: Path, dotted: str) -> Path:
    """The first concrete path in ``item`` that the dotted ``a[].b`` pattern names."""
    path: list[str | int] = list(prefix)
    node = item
    for part in dotted.split("."):
        listed = part.endswith("[]")
        name = part[:-2] if listed else part
        if not isinstance(node, dict) or name not in node:
            break
        node = node[name]
        path.append(name)
        if listed and isinstance(node, list) and node:
            node = node[0]
            path.append(0)
    return tuple(path)
