"""Scenario sections are checked against AWS's own API input shapes (DESIGN.md §3)."""

from __future__ import annotations

import importlib.util
import json
from importlib import resources
from pathlib import Path as FsPath
from types import ModuleType
from typing import Any

import pytest

from fargasim.scenario.awsshapes import (
    ShapeIssue,
    member_doc,
    not_simulated,
    present_paths,
    validate_input,
)

REPO = FsPath(__file__).resolve().parents[2]
TG_EXTRA = {"Attributes": "elbv2:TargetGroupAttributes"}


def sample_task_definition() -> dict[str, Any]:
    """The input of ``aws ecs register-task-definition`` for AWS's sample Fargate app."""
    return {
        "family": "sample-fargate-app",
        "networkMode": "awsvpc",
        "requiresCompatibilities": ["FARGATE"],
        "cpu": "256",
        "memory": "512",
        "containerDefinitions": [
            {
                "name": "fargate-app",
                "image": "public.ecr.aws/docker/library/nginx:latest",
                "portMappings": [{"containerPort": 80, "hostPort": 80, "protocol": "tcp"}],
                "essential": True,
            }
        ],
    }


def sample_service() -> dict[str, Any]:
    return {
        "cluster": "default",
        "serviceName": "web",
        "taskDefinition": "sample-fargate-app",
        "desiredCount": 2,
        "capacityProviderStrategy": [
            {"capacityProvider": "FARGATE", "base": 2, "weight": 1},
            {"capacityProvider": "FARGATE_SPOT", "weight": 1},
        ],
        "networkConfiguration": {
            "awsvpcConfiguration": {
                "subnets": ["subnet-a", "subnet-b"],
                "securityGroups": ["sg-1"],
                "assignPublicIp": "ENABLED",
            }
        },
        "loadBalancers": [
            {"targetGroupArn": "web-tg", "containerName": "fargate-app", "containerPort": 80}
        ],
        "deploymentConfiguration": {"maximumPercent": 200, "minimumHealthyPercent": 100},
    }


def messages(issues: list[ShapeIssue]) -> list[tuple[tuple[str | int, ...], str, bool]]:
    return [(i.path, i.message, i.key) for i in issues]


# ---------------------------------------------------------------------------------- valid inputs


def test_sample_fargate_task_definition_is_valid() -> None:
    assert validate_input(sample_task_definition(), "ecs:RegisterTaskDefinition") == []


def test_create_service_with_capacity_providers_and_awsvpc_is_valid() -> None:
    assert validate_input(sample_service(), "ecs:CreateService") == []


def test_target_tracking_scaling_policy_is_valid() -> None:
    policy = {
        "PolicyName": "cpu-60",
        "ServiceNamespace": "ecs",
        "ResourceId": "service/default/web",
        "ScalableDimension": "ecs:service:DesiredCount",
        "PolicyType": "TargetTrackingScaling",
        "TargetTrackingScalingPolicyConfiguration": {
            "TargetValue": 60,  # a double: an integer is accepted, as by botocore
            "PredefinedMetricSpecification": {
                "PredefinedMetricType": "ECSServiceAverageCPUUtilization"
            },
            "ScaleOutCooldown": 60,
            "ScaleInCooldown": 300,
            "DisableScaleIn": False,
        },
    }
    assert validate_input(policy, "application-autoscaling:PutScalingPolicy") == []


def test_step_scaling_policy_and_its_alarm_are_valid() -> None:
    policy = {
        "PolicyName": "step-out",
        "ServiceNamespace": "ecs",
        "ResourceId": "service/default/web",
        "ScalableDimension": "ecs:service:DesiredCount",
        "PolicyType": "StepScaling",
        "StepScalingPolicyConfiguration": {
            "AdjustmentType": "ChangeInCapacity",
            "StepAdjustments": [
                {
                    "MetricIntervalLowerBound": 0,
                    "MetricIntervalUpperBound": 20.5,
                    "ScalingAdjustment": 1,
                },
                {"MetricIntervalLowerBound": 20.5, "ScalingAdjustment": 3},
            ],
            "Cooldown": 60,
            "MetricAggregationType": "Average",
        },
    }
    alarm = {
        "AlarmName": "web-cpu-high",
        "MetricName": "CPUUtilization",
        "Namespace": "AWS/ECS",
        "Statistic": "Average",
        "Dimensions": [
            {"Name": "ClusterName", "Value": "default"},
            {"Name": "ServiceName", "Value": "web"},
        ],
        "Period": 60,
        "EvaluationPeriods": 3,
        "DatapointsToAlarm": 2,
        "Threshold": 70.0,
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "TreatMissingData": "missing",
        "AlarmActions": ["step-out"],
    }
    assert validate_input(policy, "application-autoscaling:PutScalingPolicy") == []
    assert validate_input(alarm, "cloudwatch:PutMetricAlarm") == []


def test_scalable_target_and_scheduled_action_are_valid() -> None:
    target = {
        "ServiceNamespace": "ecs",
        "ResourceId": "service/default/web",
        "ScalableDimension": "ecs:service:DesiredCount",
        "MinCapacity": 2,
        "MaxCapacity": 50,
    }
    action = {
        "ServiceNamespace": "ecs",
        "ScheduledActionName": "morning",
        "ResourceId": "service/default/web",
        "ScalableDimension": "ecs:service:DesiredCount",
        "Schedule": "cron(0 8 * * ? *)",
        "Timezone": "Europe/Paris",
        "StartTime": "2024-05-01T00:00:00Z",
        "EndTime": 1735689600,
        "ScalableTargetAction": {"MinCapacity": 10, "MaxCapacity": 60},
    }
    assert validate_input(target, "application-autoscaling:RegisterScalableTarget") == []
    assert validate_input(action, "application-autoscaling:PutScheduledAction") == []


def test_target_group_with_attributes_beside_it_is_valid() -> None:
    group = {
        "Name": "web-tg",
        "TargetType": "ip",
        "Protocol": "HTTP",
        "Port": 80,
        "HealthCheckIntervalSeconds": 10,
        "HealthyThresholdCount": 2,
        "Matcher": {"HttpCode": "200-299"},
        "Attributes": [{"Key": "deregistration_delay.timeout_seconds", "Value": "30"}],
    }
    assert validate_input(group, "elbv2:CreateTargetGroup", extra_members=TG_EXTRA) == []
    # Without the extra member, Attributes is not part of AWS's CreateTargetGroup input.
    assert messages(validate_input(group, "elbv2:CreateTargetGroup")) == [
        (
            ("Attributes",),
            "unknown field 'Attributes'; valid fields: HealthCheckEnabled, "
            "HealthCheckIntervalSeconds, HealthCheckPath, HealthCheckPort, HealthCheckProtocol, "
            "HealthCheckTimeoutSeconds, HealthyThresholdCount, IpAddressType, ... (10 more)",
            True,
        )
    ]


def test_design_md_example_sections_are_valid() -> None:
    """The AWS sections of DESIGN.md §3's example scenario, as written there."""
    checks: list[tuple[str, dict[str, Any]]] = [
        (
            "ecs:RegisterTaskDefinition",
            {
                "family": "web",
                "networkMode": "awsvpc",
                "requiresCompatibilities": ["FARGATE"],
                "cpu": "512",
                "memory": "1024",
                "containerDefinitions": [
                    {
                        "name": "app",
                        "image": "public.ecr.aws/nginx/nginx:latest",
                        "portMappings": [{"containerPort": 80, "protocol": "tcp"}],
                    }
                ],
            },
        ),
        (
            "ecs:CreateService",
            {
                "serviceName": "web",
                "cluster": "default",
                "taskDefinition": "web",
                "desiredCount": 2,
                "capacityProviderStrategy": [
                    {"capacityProvider": "FARGATE", "base": 2, "weight": 1},
                    {"capacityProvider": "FARGATE_SPOT", "weight": 1},
                ],
                "networkConfiguration": {
                    "awsvpcConfiguration": {"subnets": ["subnet-a", "subnet-b"]}
                },
                "loadBalancers": [
                    {"targetGroupArn": "web-tg", "containerName": "app", "containerPort": 80}
                ],
            },
        ),
        (
            "application-autoscaling:RegisterScalableTarget",
            {
                "ServiceNamespace": "ecs",
                "ResourceId": "service/default/web",
                "ScalableDimension": "ecs:service:DesiredCount",
                "MinCapacity": 2,
                "MaxCapacity": 50,
            },
        ),
    ]
    for operation, value in checks:
        assert validate_input(value, operation) == [], operation


# ---------------------------------------------------------------------------------- refusals


def test_misspelt_keys_get_did_you_mean() -> None:
    service = sample_service()
    service["desiredcount"] = service.pop("desiredCount")
    assert messages(validate_input(service, "ecs:CreateService", prefix=("services", 0))) == [
        (
            ("services", 0, "desiredcount"),
            "unknown field 'desiredcount'; did you mean 'desiredCount'?",
            True,
        )
    ]
    taskdef = sample_task_definition()
    taskdef["contanerDefinitions"] = taskdef.pop("containerDefinitions")
    assert messages(validate_input(taskdef, "ecs:RegisterTaskDefinition")) == [
        (
            ("contanerDefinitions",),
            "unknown field 'contanerDefinitions'; did you mean 'containerDefinitions'?",
            True,
        )
    ]


def test_case_only_difference_is_suggested_before_close_matches() -> None:
    issues = validate_input({"serviceName": "s", "DesiredCount": 1}, "ecs:CreateService")
    assert messages(issues) == [
        (("DesiredCount",), "unknown field 'DesiredCount'; did you mean 'desiredCount'?", True)
    ]


def test_a_misspelt_required_key_is_one_issue_and_a_stray_key_lists_valid_names() -> None:
    taskdef = sample_task_definition()
    taskdef["Family"] = taskdef.pop("family")
    taskdef["xyzzy"] = 1
    assert messages(validate_input(taskdef, "ecs:RegisterTaskDefinition")) == [
        (("Family",), "unknown field 'Family'; did you mean 'family'?", True),
        (
            ("xyzzy",),
            "unknown field 'xyzzy'; valid fields: containerDefinitions, cpu, "
            "enableFaultInjection, ephemeralStorage, executionRoleArn, family, "
            "inferenceAccelerators, ipcMode, ... (11 more)",
            True,
        ),
    ]


def test_task_cpu_as_integer_is_refused_with_a_quoting_hint() -> None:
    taskdef = sample_task_definition()
    taskdef["cpu"] = 512
    assert messages(validate_input(taskdef, "ecs:RegisterTaskDefinition")) == [
        (
            ("cpu",),
            'expected a string, got integer 512 (write "512" in quotes: '
            "ECS takes this as a string)",
            False,
        )
    ]


def test_invalid_enum_lists_the_values_and_the_closest() -> None:
    taskdef = sample_task_definition()
    taskdef["requiresCompatibilities"] = ["FARGATEE"]
    assert messages(validate_input(taskdef, "ecs:RegisterTaskDefinition")) == [
        (
            ("requiresCompatibilities", 0),
            "'FARGATEE' is not one of EC2, FARGATE, EXTERNAL, MANAGED_INSTANCES; "
            "did you mean 'FARGATE'?",
            False,
        )
    ]


def test_container_memory_is_an_integer_unlike_task_memory() -> None:
    # Task-level memory is a string ("512"), a container's memory is an integer (512).
    taskdef = sample_task_definition()
    taskdef["containerDefinitions"][0]["memory"] = "512"
    assert messages(validate_input(taskdef, "ecs:RegisterTaskDefinition")) == [
        (
            ("containerDefinitions", 0, "memory"),
            "expected an integer, got string '512' (write 512 without quotes)",
            False,
        )
    ]


def test_memory_given_to_a_list_member_is_refused() -> None:
    taskdef = sample_task_definition()
    taskdef["requiresCompatibilities"] = [{"memory": "512"}]
    taskdef["containerDefinitions"] = {"memory": 512}
    assert messages(validate_input(taskdef, "ecs:RegisterTaskDefinition")) == [
        (("requiresCompatibilities", 0), "expected a string, got a mapping", False),
        (("containerDefinitions",), "expected a list, got a mapping", False),
    ]


def test_missing_required_family_is_reported_at_the_structure() -> None:
    taskdef = sample_task_definition()
    del taskdef["family"]
    assert messages(
        validate_input(taskdef, "ecs:RegisterTaskDefinition", prefix=("taskDefinitions", 3))
    ) == [(("taskDefinitions", 3), "missing required field 'family'", False)]


def test_all_issues_are_reported_in_document_order() -> None:
    taskdef = {
        "family": "x",
        "cpu": 256,
        "containerDefinitions": [
            {"name": "a", "essential": "yes", "portMappings": [{"containerPort": "80"}]},
            None,
        ],
        "networkMode": "awsvpcc",
    }
    assert messages(validate_input(taskdef, "ecs:RegisterTaskDefinition")) == [
        (
            ("cpu",),
            'expected a string, got integer 256 (write "256" in quotes: '
            "ECS takes this as a string)",
            False,
        ),
        (
            ("containerDefinitions", 0, "essential"),
            "expected true or false, got string 'yes' (write true or false)",
            False,
        ),
        (
            ("containerDefinitions", 0, "portMappings", 0, "containerPort"),
            "expected an integer, got string '80' (write 80 without quotes)",
            False,
        ),
        (
            ("containerDefinitions", 1),
            "expected a mapping of fields (ContainerDefinition), got null (an empty value)",
            False,
        ),
        (
            ("networkMode",),
            "'awsvpcc' is not one of bridge, host, awsvpc, none; did you mean 'awsvpc'?",
            False,
        ),
    ]


def test_scalar_types_and_ranges() -> None:
    group = {
        "Name": "tg",
        "Port": True,  # a boolean is not an integer (botocore would let it through)
        "HealthCheckIntervalSeconds": 1,
        "HealthCheckEnabled": "on",
        "Attributes": [{"Key": "stickiness.enabled", "Value": True}],
    }
    issues = validate_input(group, "elbv2:CreateTargetGroup", extra_members=TG_EXTRA)
    assert messages(issues) == [
        (("Port",), "expected an integer, got boolean true", False),
        (("HealthCheckIntervalSeconds",), "must be at least 5, got 1", False),
        (
            ("HealthCheckEnabled",),
            "expected true or false, got string 'on' (write true or false)",
            False,
        ),
        (
            ("Attributes", 0, "Value"),
            'expected a string, got boolean true (write "true" in '
            "quotes: Elastic Load Balancing takes this as a string)",
            False,
        ),
    ]


def test_timestamps_doubles_and_list_lengths() -> None:
    action = {
        "ServiceNamespace": "ecs",
        "ScheduledActionName": "",
        "ResourceId": "service/default/web",
        "ScalableDimension": "ecs:service:DesiredCount",
        "StartTime": "tomorrow",
        "EndTime": "2024-05-01T08:00:00+02:00",
    }
    assert messages(validate_input(action, "application-autoscaling:PutScheduledAction")) == [
        (("ScheduledActionName",), "must have at least 1 character(s), got 0", False),
        (
            ("StartTime",),
            'expected a timestamp (ISO 8601 like "2024-05-01T12:00:00Z", or epoch '
            "seconds), got string 'tomorrow'",
            False,
        ),
    ]
    policy_config = {
        "TargetValue": "60",
        "PredefinedMetricSpecification": {
            "PredefinedMetricType": "ECSServiceAverageCPUUtilization"
        },
    }
    policy = {
        "PolicyName": "p",
        "ServiceNamespace": "ecs",
        "ResourceId": "service/d/w",
        "ScalableDimension": "ecs:service:DesiredCount",
        "TargetTrackingScalingPolicyConfiguration": policy_config,
    }
    assert messages(validate_input(policy, "application-autoscaling:PutScalingPolicy")) == [
        (
            ("TargetTrackingScalingPolicyConfiguration", "TargetValue"),
            "expected a number, got string '60' (write 60 without quotes)",
            False,
        ),
    ]
    alarm = {
        "AlarmName": "a",
        "EvaluationPeriods": 1,
        "ComparisonOperator": "LessThanThreshold",
        "AlarmActions": ["x"] * 6,
    }
    assert messages(validate_input(alarm, "cloudwatch:PutMetricAlarm")) == [
        (("AlarmActions",), "must have at most 5 item(s), got 6", False),
    ]


def test_tagged_union_needs_exactly_one_member() -> None:
    alarm = {"AlarmName": "a", "EvaluationPeriods": 1, "EvaluationCriteria": {}}
    assert messages(validate_input(alarm, "cloudwatch:PutMetricAlarm")) == [
        (("EvaluationCriteria",), "set exactly one of PromQLCriteria (got none)", False),
    ]


def test_map_values_and_keys_are_checked() -> None:
    taskdef = sample_task_definition()
    taskdef["containerDefinitions"][0]["dockerLabels"] = {"team": "web", 7: "x", "n": 3}
    assert messages(validate_input(taskdef, "ecs:RegisterTaskDefinition")) == [
        (
            ("containerDefinitions", 0, "dockerLabels", 7),
            'map key: expected a string, got integer 7 (write "7" in quotes: '
            "ECS takes this as a string)",
            True,
        ),
        (
            ("containerDefinitions", 0, "dockerLabels", "n"),
            'expected a string, got integer 3 (write "3" in quotes: ECS takes this as a string)',
            False,
        ),
    ]


def test_unknown_operation_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="ecs:CreateService"):
        validate_input({}, "ecs:CreateCluster")
    with pytest.raises(ValueError, match="no AWS API model"):
        validate_input({}, "lambda:CreateFunction")


# ---------------------------------------------------------------------------------- coverage


def test_present_paths_lists_members_parents_first() -> None:
    value = {
        "family": "f",
        "containerDefinitions": [{"name": "a", "portMappings": [{"containerPort": 80}]}],
        "bogus": 1,
    }
    assert present_paths(value, "ecs:RegisterTaskDefinition") == [
        ("family",),
        ("containerDefinitions",),
        ("containerDefinitions", 0, "name"),
        ("containerDefinitions", 0, "portMappings"),
        ("containerDefinitions", 0, "portMappings", 0, "containerPort"),
    ]


def test_not_simulated_lists_the_topmost_uncovered_members() -> None:
    taskdef = sample_task_definition()
    taskdef["tags"] = [{"key": "team", "value": "web"}]
    taskdef["containerDefinitions"].append(
        {
            "name": "sidecar",
            "image": "busybox",
            "environment": [{"name": "A", "value": "1"}],
            "dockerLabels": {"a": "b"},
            "healthCheck": {"command": ["CMD", "true"], "interval": 10},
        }
    )
    simulated = [
        "family",
        "cpu",
        "memory",
        "networkMode",
        "requiresCompatibilities",
        "containerDefinitions[].name",
        "containerDefinitions[].image",
        "containerDefinitions[].essential",
        "containerDefinitions[].portMappings.*",
        "containerDefinitions[].healthCheck.interval",
    ]
    assert not_simulated(taskdef, "ecs:RegisterTaskDefinition", simulated) == [
        "containerDefinitions[].dockerLabels",
        "containerDefinitions[].environment",
        "containerDefinitions[].healthCheck.command",
        "tags",
    ]
    everything = [*simulated, "tags.*", "containerDefinitions.*"]  # "[]" is optional
    assert not_simulated(taskdef, "ecs:RegisterTaskDefinition", everything) == []


def test_not_simulated_with_extra_members_and_bad_patterns() -> None:
    group = {
        "Name": "tg",
        "Port": 80,
        "Tags": [{"Key": "a"}],
        "Attributes": [{"Key": "deregistration_delay.timeout_seconds", "Value": "5"}],
    }
    assert not_simulated(
        group, "elbv2:CreateTargetGroup", ["Name", "Port", "Attributes.*"], extra_members=TG_EXTRA
    ) == ["Tags"]
    with pytest.raises(ValueError, match="containerDefinition"):
        not_simulated({}, "ecs:RegisterTaskDefinition", ["containerDefinition[].image"])


def test_member_doc_is_awss_first_sentence() -> None:
    assert member_doc("ecs:RegisterTaskDefinition", "containerDefinitions[].image") == (
        "The image used to start a container."
    )
    assert member_doc("ecs:CreateService", "networkConfiguration.awsvpcConfiguration.subnets") == (
        "The IDs of the subnets associated with the task or service."
    )
    assert member_doc("ecs:CreateService", "noSuchMember") is None


# ---------------------------------------------------------------------------------- data files

OPERATIONS = {
    "ecs": {"RegisterTaskDefinition", "CreateService", "UpdateService", "RunTask"},
    "application-autoscaling": {"RegisterScalableTarget", "PutScalingPolicy", "PutScheduledAction"},
    "elbv2": {"CreateTargetGroup", "ModifyTargetGroupAttributes"},
    "cloudwatch": {"PutMetricAlarm"},
}


def test_shipped_shapes_record_their_source_and_hold_the_ten_operations() -> None:
    found = 0
    for service, operations in OPERATIONS.items():
        text = (
            resources.files("fargasim.scenario.awsapi")
            .joinpath(f"{service}.json")
            .read_text(encoding="utf-8")
        )
        data = json.loads(text)
        assert data["service"] == service
        assert data["generatedBy"] == "tools/gen_aws_shapes.py"
        assert data["botocoreVersion"].count(".") == 2
        assert set(data["operations"]) == operations
        for shape_name in data["operations"].values():
            assert data["shapes"][shape_name]["type"] == "structure"
        found += len(data["operations"])
    assert found == 10


def _load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "gen_aws_shapes", REPO / "tools" / "gen_aws_shapes.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generator_is_deterministic() -> None:
    botocore = pytest.importorskip("botocore")
    gen = _load_generator()
    first = gen.generate_all()
    assert first == gen.generate_all()
    shipped = REPO / "fargasim" / "scenario" / "awsapi"
    if all(
        json.loads((shipped / name).read_text(encoding="utf-8"))["botocoreVersion"]
        == botocore.__version__
        for name in first
    ):  # same botocore: regenerating must not change a byte
        for name, text in first.items():
            assert (shipped / name).read_text(encoding="utf-8") == text, name
