"""Loader checks of the platform sections (``fargasim/scenario/platform_checks.py``) and the
``updateService`` event's AWS shape: the ``events:`` timeline, load balancers and target groups,
the Spot model (reference §5.3, §7, §8, §9).

Every malformed case changes :func:`base` (a valid scenario with every event kind), dumps it to
YAML and names where the one problem must point with an *anchor*: a snippet that occurs once in
the dumped text, ``^`` marking the expected position (see ``tests/scenario/test_loader.py``).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from fargasim.errors import Problem
from fargasim.scenario.loader import Note, load_scenario_text, load_scenario_with_notes
from fargasim.scenario.schema import EVENT_ACTIONS
from tests.scenario.test_loader import both, dump, only_problem, position, problems_of

Doc = dict[str, Any]
Change = Callable[[Doc], None]


# ---------------------------------------------------------------------------------- helpers


def base() -> Doc:
    """Two services in two AZs: ``web`` (revision 2 of family web, behind target group web-tg,
    on FARGATE and FARGATE_SPOT) and ``worker`` (on-demand only, no load balancer)."""
    container = {
        "name": "app",
        "image": "nginx",
        "essential": True,
        "portMappings": [{"containerPort": 80, "protocol": "tcp"}],
    }
    taskdef = {
        "family": "web",
        "networkMode": "awsvpc",
        "requiresCompatibilities": ["FARGATE"],
        "cpu": "256",
        "memory": "512",
        "containerDefinitions": [container],
    }
    vpc = {"awsvpcConfiguration": {"subnets": ["subnet-a", "subnet-b"]}}
    return {
        "fargasim": 1,
        "name": "platform-test",
        "duration": "1h",
        "network": {
            "subnets": [
                {"subnetId": "subnet-a", "availabilityZone": "us-east-1a"},
                {"subnetId": "subnet-b", "availabilityZone": "us-east-1b"},
            ]
        },
        "taskDefinitions": [
            copy.deepcopy(taskdef),
            dict(copy.deepcopy(taskdef), cpu="512", memory="1024"),
            dict(copy.deepcopy(taskdef), family="worker"),
        ],
        "services": [
            {
                "serviceName": "web",
                "taskDefinition": "web:2",
                "desiredCount": 4,
                "capacityProviderStrategy": [
                    {"capacityProvider": "FARGATE", "base": 1, "weight": 1},
                    {"capacityProvider": "FARGATE_SPOT", "weight": 3},
                ],
                "networkConfiguration": vpc,
                "loadBalancers": [
                    {"targetGroupArn": "web-tg", "containerName": "app", "containerPort": 80}
                ],
                "deploymentConfiguration": {
                    "maximumPercent": 150,
                    "minimumHealthyPercent": 50,
                    "deploymentCircuitBreaker": {"enable": True, "rollback": True},
                },
                "healthCheckGracePeriodSeconds": 30,
            },
            {
                "serviceName": "worker",
                "cluster": "jobs",
                "taskDefinition": "worker",
                "desiredCount": 2,
                "launchType": "FARGATE",
                "networkConfiguration": copy.deepcopy(vpc),
            },
        ],
        "targetGroups": [
            {
                "Name": "web-tg",
                "TargetType": "ip",
                "Protocol": "HTTP",
                "Port": 80,
                "HealthCheckIntervalSeconds": 10,
                "HealthCheckTimeoutSeconds": 5,
                "HealthyThresholdCount": 2,
                "UnhealthyThresholdCount": 3,
                "Attributes": [
                    {"Key": "deregistration_delay.timeout_seconds", "Value": "30"},
                    {"Key": "slow_start.duration_seconds", "Value": "60"},
                    {"Key": "load_balancing.algorithm.type", "Value": "round_robin"},
                ],
            }
        ],
        "events": [
            {
                "at": "5m",
                "updateService": {
                    "service": "web",
                    "cluster": "default",
                    "taskDefinition": "web:1",
                    "desiredCount": 6,
                    "deploymentConfiguration": {"maximumPercent": 200},
                    "forceNewDeployment": True,
                    "healthCheckGracePeriodSeconds": 60,
                },
            },
            {"at": "10m", "azOutage": {"availabilityZone": "us-east-1b", "duration": "5m"}},
            {"at": "20m", "spotInterruption": {"service": "web", "count": 1}},
            {
                "at": "21m",
                "spotCapacityUnavailable": {"availabilityZone": "us-east-1a", "duration": 300},
            },
            {"at": "25m", "imagePullFailure": {"service": "worker", "duration": "2m"}},
            {
                "at": "30m",
                "healthCheckFailure": {"service": "web", "fraction": 0.5, "duration": "3m"},
            },
            {"at": "40m", "containerExit": {"service": "worker", "availabilityZone": "us-east-1a"}},
            {"at": "50m", "stopTask": {"service": "worker", "count": 1, "reason": "maintenance"}},
            {
                "at": "55m",
                "runTask": {
                    "taskDefinition": "worker",
                    "count": 10,
                    "capacityProviderStrategy": [{"capacityProvider": "FARGATE_SPOT", "weight": 1}],
                    "networkConfiguration": copy.deepcopy(vpc),
                    "group": "nightly",
                    "startedBy": "scheduler",
                },
                "runSeconds": {"distribution": "lognormal", "mean": 300, "cv": 0.2},
            },
        ],
        "model": {
            "spot": {"interruptionsPerTaskHour": 0.1, "availabilityZones": {"us-east-1a": 0.5}}
        },
    }


def changed(change: Change) -> str:
    doc = base()
    change(doc)
    return dump(doc)


def event(index: int, action: str, **fields: Any) -> Change:
    """Replace ``events[index]`` by one ``action`` with ``fields`` (at 1m)."""

    def apply(d: Doc) -> None:
        d["events"][index] = {"at": "1m", action: fields}

    return apply


def web(**fields: Any) -> Change:
    return lambda d: d["services"][0].update(fields)


def target_group(**fields: Any) -> Change:
    return lambda d: d["targetGroups"][0].update(fields)


def attribute(key: str, value: str) -> Change:
    return lambda d: d["targetGroups"][0]["Attributes"].append({"Key": key, "Value": value})


def the_only_problem(tmp_path: Path, change: Change, path: str, anchor: str) -> Problem:
    """Loading the changed base gives exactly one problem, at ``path`` and ``anchor``."""
    return only_problem(tmp_path, changed(change), path, anchor)


def notes_of(tmp_path: Path, change: Change) -> tuple[str, list[Note]]:
    text = changed(change)
    path = tmp_path / "scenario.yaml"
    path.write_text(text, encoding="utf-8")
    return text, load_scenario_with_notes(path)[1]


# ------------------------------------------------------------------------------ valid example


def test_the_full_example_with_every_event_kind_loads() -> None:
    sc = load_scenario_text(dump(base()), "ok.yaml")
    assert [key for e in sc.events for key, _ in e.actions] == list(EVENT_ACTIONS)
    update = sc.events[0].update_service
    assert update is not None and update.forceNewDeployment
    assert sc.task_definition(update.taskDefinition or "").cpu == "256"  # web:1
    assert sc.services[0].deploymentConfiguration.maximumPercent == 150


def test_the_full_example_has_no_notes(tmp_path: Path) -> None:
    """Everything the base uses is simulated: services' deployment configuration and load
    balancers, the target group and its three attributes, every updateService member."""
    _, notes = notes_of(tmp_path, lambda d: None)
    assert notes == []


# --------------------------------------------------------------------------- updateService shape


def test_update_service_misspelt_member_is_a_shape_error(tmp_path: Path) -> None:
    p = the_only_problem(
        tmp_path,
        event(0, "updateService", service="web", desiredcount=3),
        "events[0].updateService.desiredcount",
        "^desiredcount: 3",
    )
    assert "did you mean 'desiredCount'?" in p.message


def test_update_service_without_service_is_reported_once(tmp_path: Path) -> None:
    """AWS's UpdateService requires ``service``; pydantic's own "missing" is not repeated."""
    p = the_only_problem(
        tmp_path,
        event(0, "updateService", desiredCount=3),
        "events[0].updateService",
        "updateService: ^{desiredCount: 3}",
    )
    assert p.message == "missing required field 'service'"


def test_update_service_wrong_type_names_the_aws_type(tmp_path: Path) -> None:
    p = the_only_problem(
        tmp_path,
        event(0, "updateService", service="web", deploymentConfiguration={"maximumPercent": "x"}),
        "events[0].updateService.deploymentConfiguration.maximumPercent",
        "maximumPercent: ^x",
    )
    assert "expected an integer" in p.message


def test_update_service_circuit_breaker_needs_both_members(tmp_path: Path) -> None:
    p = the_only_problem(
        tmp_path,
        event(
            0,
            "updateService",
            service="web",
            deploymentConfiguration={"deploymentCircuitBreaker": {"enable": True}},
        ),
        "events[0].updateService.deploymentConfiguration.deploymentCircuitBreaker",
        "deploymentCircuitBreaker: ^{enable: true}",
    )
    assert "missing required field 'rollback'" in p.message


def test_a_bad_at_is_still_reported_beside_a_shape_error(tmp_path: Path) -> None:
    def change(d: Doc) -> None:
        d["events"][0] = {"at": "soon", "updateService": {"service": "web", "desiredcount": 1}}

    text = changed(change)
    problems = problems_of(tmp_path, text)
    assert [p.path for p in problems] == ["events[0].at", "events[0].updateService.desiredcount"]


# -------------------------------------------------------------------------------- event rules


def test_an_event_without_action(tmp_path: Path) -> None:
    def change(d: Doc) -> None:
        d["events"][0] = {"at": "1m"}

    p = the_only_problem(tmp_path, change, "events[0]", "- ^{at: 1m}")
    assert "exactly one action" in p.message
    assert all(action in p.message for action in EVENT_ACTIONS)


def test_an_event_with_two_actions(tmp_path: Path) -> None:
    def change(d: Doc) -> None:
        d["events"][1]["stopTask"] = {"service": "worker"}

    p = the_only_problem(tmp_path, change, "events[1].stopTask", "stopTask: ^{service: worker}")
    assert "one action per event" in p.message and "azOutage and stopTask" in p.message


@pytest.mark.parametrize(
    ("index", "action", "fields"),
    [
        (0, "updateService", {"service": "wbe", "desiredCount": 1}),
        (2, "spotInterruption", {"service": "wbe"}),
        (4, "imagePullFailure", {"service": "wbe", "duration": 60}),
        (5, "healthCheckFailure", {"service": "wbe", "duration": 60}),
        (6, "containerExit", {"service": "wbe"}),
        (7, "stopTask", {"service": "wbe"}),
    ],
)
def test_an_action_names_an_unknown_service(
    tmp_path: Path, index: int, action: str, fields: dict[str, Any]
) -> None:
    p = the_only_problem(
        tmp_path, event(index, action, **fields), f"events[{index}].{action}.service", "^wbe"
    )
    assert p.message == "no service 'wbe' in services; did you mean 'web'?"


@pytest.mark.parametrize(
    ("index", "action", "fields"),
    [
        (1, "azOutage", {"availabilityZone": "us-east-1c", "duration": 60}),
        (3, "spotCapacityUnavailable", {"availabilityZone": "us-east-1c", "duration": 60}),
        (6, "containerExit", {"availabilityZone": "us-east-1c"}),
        (7, "stopTask", {"availabilityZone": "us-east-1c"}),
    ],
)
def test_an_action_names_an_az_without_subnet(
    tmp_path: Path, index: int, action: str, fields: dict[str, Any]
) -> None:
    p = the_only_problem(
        tmp_path,
        event(index, action, **fields),
        f"events[{index}].{action}.availabilityZone",
        "^us-east-1c",
    )
    assert "not the Availability Zone of any subnet in network.subnets" in p.message
    assert "did you mean 'us-east-1" in p.message


def test_update_service_in_the_wrong_cluster(tmp_path: Path) -> None:
    p = the_only_problem(
        tmp_path,
        event(0, "updateService", service="worker", cluster="default", desiredCount=1),
        "events[0].updateService.cluster",
        "cluster: ^default",
    )
    assert "service 'worker' is in cluster 'jobs', not 'default'" in p.message


def test_update_service_names_a_revision_the_file_does_not_hold(tmp_path: Path) -> None:
    p = the_only_problem(
        tmp_path,
        event(0, "updateService", service="web", taskDefinition="web:3"),
        "events[0].updateService.taskDefinition",
        "taskDefinition: ^'web:3'",
    )
    assert "family web has 2 revisions in taskDefinitions" in p.message


def test_update_service_names_an_unknown_family(tmp_path: Path) -> None:
    p = the_only_problem(
        tmp_path,
        event(0, "updateService", service="web", taskDefinition="wbe"),
        "events[0].updateService.taskDefinition",
        "taskDefinition: ^wbe",
    )
    assert "no family 'wbe' in taskDefinitions; did you mean 'web'?" in p.message


def test_update_service_task_definition_must_keep_the_load_balancer_port(tmp_path: Path) -> None:
    """ECS Developer Guide (updating a service): the container name and port of the load balancer
    configuration "must remain in the task definition"."""

    def change(d: Doc) -> None:
        d["taskDefinitions"][0]["containerDefinitions"][0]["portMappings"] = [
            {"containerPort": 8080}
        ]

    p = the_only_problem(
        tmp_path,
        change,
        "events[0].updateService.taskDefinition",
        "taskDefinition: ^web:1",
    )
    assert "no container 'app' mapping port 80" in p.message
    assert "services[0].loadBalancers[0]" in p.message


def test_a_service_names_a_revision_the_file_does_not_hold(tmp_path: Path) -> None:
    p = the_only_problem(
        tmp_path, web(taskDefinition="web:5"), "services[0].taskDefinition", "^web:5"
    )
    assert "family web has 2 revisions in taskDefinitions" in p.message


@pytest.mark.parametrize("action", ["spotInterruption", "healthCheckFailure", "stopTask"])
def test_count_and_fraction_together(tmp_path: Path, action: str) -> None:
    fields: dict[str, Any] = {"service": "web", "count": 1, "fraction": 0.25}
    if action == "healthCheckFailure":
        fields["duration"] = 60
    p = the_only_problem(
        tmp_path, event(2, action, **fields), f"events[2].{action}.fraction", "fraction: ^0.25"
    )
    assert p.message == "give count or fraction, not both"


def test_health_check_failure_on_a_service_without_load_balancer(tmp_path: Path) -> None:
    p = the_only_problem(
        tmp_path,
        event(5, "healthCheckFailure", service="worker", duration=60),
        "events[5].healthCheckFailure.service",
        "{service: ^worker, duration: 60}",
    )
    assert "no loadBalancers" in p.message and "(§9)" in p.message


def test_health_check_failure_when_no_service_has_a_load_balancer(tmp_path: Path) -> None:
    def change(d: Doc) -> None:
        del d["services"][0]["loadBalancers"]
        d["events"][5] = {"at": "1m", "healthCheckFailure": {"duration": 60}}

    p = the_only_problem(
        tmp_path, change, "events[5].healthCheckFailure", "healthCheckFailure: ^{duration: 60}"
    )
    assert "no service has loadBalancers" in p.message and "(§9)" in p.message


def test_spot_interruption_on_a_service_without_spot(tmp_path: Path) -> None:
    p = the_only_problem(
        tmp_path,
        event(2, "spotInterruption", service="worker"),
        "events[2].spotInterruption.service",
        "{service: ^worker}",
    )
    assert "runs no Fargate Spot tasks" in p.message and "(§7.3)" in p.message


def test_spot_interruption_on_a_spot_weight_of_zero(tmp_path: Path) -> None:
    """§7.1: a provider with weight 0 and base 0 launches nothing."""

    def change(d: Doc) -> None:
        d["services"][0]["capacityProviderStrategy"][1]["weight"] = 0

    p = the_only_problem(
        tmp_path, change, "events[2].spotInterruption.service", "{service: ^web, count: 1}"
    )
    assert "runs no Fargate Spot tasks" in p.message


def test_spot_interruption_when_no_service_uses_spot(tmp_path: Path) -> None:
    def change(d: Doc) -> None:
        d["services"][0]["capacityProviderStrategy"].pop()
        d["events"][2] = {"at": "1m", "spotInterruption": {"fraction": 0.5}}
        d["events"][8]["runTask"]["capacityProviderStrategy"] = [
            {"capacityProvider": "FARGATE", "weight": 1}
        ]

    p = the_only_problem(
        tmp_path, change, "events[2].spotInterruption", "spotInterruption: ^{fraction: 0.5}"
    )
    assert "no service, runTask event or batch entry runs Fargate Spot" in p.message
    assert "(§7.3)" in p.message


def test_an_event_after_the_end_is_a_note_not_an_error(tmp_path: Path) -> None:
    def change(d: Doc) -> None:
        d["events"][7]["at"] = "2h"
        d["events"][6]["at"] = "1h"  # SimPy stops before the end: at the end never happens

    text, notes = notes_of(tmp_path, change)
    assert [(n.path, n.message) for n in notes] == [
        ("events[6].at", "at the end of the run (duration 1h): never happens"),
        ("events[7].at", "after the end of the run (duration 1h): never happens"),
    ]
    assert (notes[1].line, notes[1].column) == position(text, "- ^at: 2h")


# ------------------------------------------------------------------- deployment configuration


@pytest.mark.parametrize(("maximum", "minimum"), [(100, 0), (100, 100), (300, 100), (200, 150)])
def test_deployment_percentages_aws_does_not_bound_load(maximum: int, minimum: int) -> None:
    """API_DeploymentConfiguration documents defaults (200, 100), not ranges: nothing refused."""
    config = {"maximumPercent": maximum, "minimumHealthyPercent": minimum}
    change = both(
        web(deploymentConfiguration=config),
        lambda d: d["events"][0]["updateService"].update(deploymentConfiguration=config),
    )
    load_scenario_text(changed(change), "ok.yaml")


def test_a_negative_percentage_is_refused(tmp_path: Path) -> None:
    p = the_only_problem(
        tmp_path,
        lambda d: d["events"][0]["updateService"].update(
            deploymentConfiguration={"minimumHealthyPercent": -1}
        ),
        "events[0].updateService.deploymentConfiguration.minimumHealthyPercent",
        "minimumHealthyPercent: ^-1",
    )
    assert "greater than or equal to 0" in p.message


# --------------------------------------------------------------------------------- Spot model


def test_spot_model_az_must_be_a_network_az(tmp_path: Path) -> None:
    def change(d: Doc) -> None:
        d["model"]["spot"]["availabilityZones"]["us-east-1z"] = 1.0

    p = the_only_problem(
        tmp_path, change, "model.spot.availabilityZones.us-east-1z", "^us-east-1z: 1.0"
    )
    assert "not the Availability Zone of any subnet" in p.message


# ------------------------------------------------------------------------------ target groups


def test_target_type_instance_is_refused(tmp_path: Path) -> None:
    p = the_only_problem(
        tmp_path, target_group(TargetType="instance"), "targetGroups[0].TargetType", "^instance"
    )
    assert "TargetType must be ip (§9)" in p.message and "'instance'" in p.message


@pytest.mark.parametrize(
    ("field", "value", "fragment"),
    [
        ("HealthCheckIntervalSeconds", 4, "at least 5"),
        ("HealthCheckIntervalSeconds", 301, "at most 300"),
        ("HealthCheckTimeoutSeconds", 1, "at least 2"),
        ("HealthyThresholdCount", 11, "at most 10"),
        ("UnhealthyThresholdCount", 1, "at least 2"),
    ],
)
def test_health_check_ranges(tmp_path: Path, field: str, value: int, fragment: str) -> None:
    """§9's ranges are also the min/max of AWS's CreateTargetGroup input shape, so the shape
    check reports them first (once: the platform check never sees the section)."""
    p = the_only_problem(
        tmp_path, target_group(**{field: value}), f"targetGroups[0].{field}", f"{field}: ^{value}"
    )
    assert fragment in p.message


def test_health_check_timeout_must_be_smaller_than_the_interval(tmp_path: Path) -> None:
    p = the_only_problem(
        tmp_path,
        target_group(HealthCheckTimeoutSeconds=10),
        "targetGroups[0].HealthCheckTimeoutSeconds",
        "HealthCheckTimeoutSeconds: ^10",
    )
    assert "smaller than the interval" in p.message


def test_health_check_timeout_against_the_default_interval(tmp_path: Path) -> None:
    """The default interval (30 s, §9) counts: a timeout of 30 is refused."""

    def change(d: Doc) -> None:
        del d["targetGroups"][0]["HealthCheckIntervalSeconds"]
        d["targetGroups"][0]["HealthCheckTimeoutSeconds"] = 30

    p = the_only_problem(
        tmp_path,
        change,
        "targetGroups[0].HealthCheckTimeoutSeconds",
        "HealthCheckTimeoutSeconds: ^30",
    )
    assert "smaller than the interval" in p.message


@pytest.mark.parametrize(
    ("key", "value", "fragment"),
    [
        ("deregistration_delay.timeout_seconds", "3601", "0–3600"),
        ("deregistration_delay.timeout_seconds", "soon", "integer"),
        ("slow_start.duration_seconds", "10", "0 (off) or in 30–900"),
        ("load_balancing.algorithm.type", "random", "round_robin"),
    ],
)
def test_attribute_values(tmp_path: Path, key: str, value: str, fragment: str) -> None:
    def change(d: Doc) -> None:
        attributes = d["targetGroups"][0]["Attributes"]
        d["targetGroups"][0]["Attributes"] = [a for a in attributes if a["Key"] != key]
        d["targetGroups"][0]["Attributes"].append({"Key": key, "Value": value})

    shown = f"'{value}'" if value.isdigit() else value  # YAML quotes a string of digits
    p = the_only_problem(
        tmp_path, change, "targetGroups[0].Attributes[2].Value", f"{key}, Value: ^{shown}"
    )
    assert fragment in p.message and "(§9)" in p.message


# ---------------------------------------------------------------------- services' load balancers


def test_at_most_five_target_groups_per_service(tmp_path: Path) -> None:
    def change(d: Doc) -> None:
        d["targetGroups"] += [dict(d["targetGroups"][0], Name=f"tg-{k}") for k in range(5)]
        d["services"][0]["loadBalancers"] += [
            {"targetGroupArn": f"tg-{k}", "containerName": "app", "containerPort": 80}
            for k in range(5)
        ]

    p = the_only_problem(
        tmp_path, change, "services[0].loadBalancers", "^- {targetGroupArn: web-tg"
    )
    assert "at most 5 target groups per service (§5.3" in p.message and "got 6" in p.message


def test_load_balancer_container_must_exist(tmp_path: Path) -> None:
    p = the_only_problem(
        tmp_path,
        web(
            loadBalancers=[{"targetGroupArn": "web-tg", "containerName": "ap", "containerPort": 80}]
        ),
        "services[0].loadBalancers[0].containerName",
        "containerName: ^ap,",
    )
    assert "no container 'ap' in task definition 'web:2'" in p.message
    assert "did you mean 'app'?" in p.message


def test_load_balancer_port_must_be_mapped(tmp_path: Path) -> None:
    p = the_only_problem(
        tmp_path,
        web(
            loadBalancers=[
                {"targetGroupArn": "web-tg", "containerName": "app", "containerPort": 8080}
            ]
        ),
        "services[0].loadBalancers[0].containerPort",
        "containerPort: ^8080",
    )
    assert "maps no containerPort 8080 (its portMappings: 80)" in p.message


def test_load_balancer_needs_container_name_and_port(tmp_path: Path) -> None:
    p = the_only_problem(
        tmp_path,
        web(loadBalancers=[{"targetGroupArn": "web-tg"}]),
        "services[0].loadBalancers[0]",
        "- ^{targetGroupArn: web-tg}",
    )
    assert "missing 'containerName' and 'containerPort'" in p.message


# ---------------------------------------------------------------------------------------- notes


def test_update_service_members_not_simulated_are_noted(tmp_path: Path) -> None:
    def change(d: Doc) -> None:
        update = d["events"][0]["updateService"]
        update["platformVersion"] = "1.4.0"
        update["enableExecuteCommand"] = True
        update["deploymentConfiguration"]["alarms"] = {
            "alarmNames": ["high-5xx"],
            "enable": True,
            "rollback": True,
        }

    text, notes = notes_of(tmp_path, change)
    assert [(n.path, n.message) for n in notes] == [
        ("events[0].updateService.deploymentConfiguration.alarms", "accepted, not simulated"),
        ("events[0].updateService.platformVersion", "accepted, not simulated"),
        ("events[0].updateService.enableExecuteCommand", "accepted, not simulated"),
    ]
    assert (notes[1].line, notes[1].column) == position(text, "^platformVersion:")


def test_target_group_attribute_not_simulated_is_noted(tmp_path: Path) -> None:
    change = both(
        attribute("stickiness.enabled", "true"),
        target_group(Tags=[{"Key": "team", "Value": "web"}], Matcher={"HttpCode": "200-299"}),
    )
    text, notes = notes_of(tmp_path, change)
    assert [(n.path, n.message) for n in notes] == [
        ("targetGroups[0].Attributes[3]", "accepted, not simulated"),
        ("targetGroups[0].Tags", "accepted, not simulated"),
    ]
    assert (notes[0].line, notes[0].column) == position(text, "- ^{Key: stickiness.enabled")


def test_account_and_service_deployment_fields_get_no_note(tmp_path: Path) -> None:
    def change(d: Doc) -> None:
        d["account"] = {"fargateOnDemandVcpuQuota": 6}
        d["services"][0]["loadBalancers"][0]["loadBalancerName"] = "classic"
        d["services"][0]["deploymentConfiguration"]["alarms"] = {
            "alarmNames": [],
            "enable": False,
            "rollback": False,
        }

    _, notes = notes_of(tmp_path, change)
    assert [n.path for n in notes] == [
        "services[0].loadBalancers[0].loadBalancerName",
        "services[0].deploymentConfiguration.alarms",
    ]


# --------------------------------------------------------------------------- runTask


def run_task_event(**fields: Any) -> Change:
    def apply(d: Doc) -> None:
        event = next(e for e in d["events"] if "runTask" in e)
        for key, value in fields.items():
            if key == "runSeconds":
                if value is None:
                    del event["runSeconds"]
                else:
                    event["runSeconds"] = value
            else:
                event["runTask"][key] = value

    return apply


def test_run_task_launches_at_most_ten_tasks_per_call(tmp_path: Path) -> None:
    """§5.1: "Each call to this API can, however, launch up to 10 tasks"."""
    problem = the_only_problem(
        tmp_path, run_task_event(count=11), "events[8].runTask.count", "count: ^11"
    )
    assert "at most 10 tasks per call (§5.1)" in problem.message


def test_run_task_needs_run_seconds(tmp_path: Path) -> None:
    problem = the_only_problem(tmp_path, run_task_event(runSeconds=None), "events[8]", "- ^at: 55m")
    assert "needs runSeconds" in problem.message


def test_run_seconds_only_goes_with_run_task(tmp_path: Path) -> None:
    def change(d: Doc) -> None:
        d["events"][2]["runSeconds"] = {"distribution": "constant", "mean": 5}

    problem = the_only_problem(
        tmp_path, change, "events[2].runSeconds", "runSeconds: ^{distribution: constant"
    )
    assert "goes with a runTask event" in problem.message


def test_run_task_subnets_must_exist(tmp_path: Path) -> None:
    vpc = {"awsvpcConfiguration": {"subnets": ["subnet-zz"]}}
    problem = the_only_problem(
        tmp_path,
        run_task_event(networkConfiguration=vpc),
        "events[8].runTask.networkConfiguration.awsvpcConfiguration.subnets[0]",
        "subnets: [^subnet-zz]",
    )
    assert "no subnet 'subnet-zz'" in problem.message


def test_run_task_members_fargasim_ignores_are_noted(tmp_path: Path) -> None:
    _, notes = notes_of(tmp_path, run_task_event(enableExecuteCommand=True))
    assert [n.path for n in notes] == ["events[8].runTask.enableExecuteCommand"]
