"""Loader checks of the auto-scaling sections (``fargasim/scenario/scaling_checks.py``):
scalable targets, scaling policies, alarms, scheduled actions and custom metrics (reference §6,
§11). Every problem is reported at the path of the offending field, with a readable message.

The rules come from the AWS APIs the sections take (RegisterScalableTarget, PutScalingPolicy,
PutMetricAlarm, PutScheduledAction) and from what fargasim simulates: §6.2 lists the predefined
ECS metrics and "ALBRequestCountPerTarget … requires ResourceLabel"; §6.3: step bounds "No
overlaps or gaps", MinAdjustmentMagnitude "(PercentChangeInCapacity only)"; PutMetricAlarm
Period: "Valid values are 10, 20, 30, and any multiple of 60", DatapointsToAlarm ≤
EvaluationPeriods; §6.4 schedules, time zones and start/end times.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from fargasim.errors import Problem, ScenarioError
from fargasim.scenario.loader import load_scenario_text
from fargasim.scenario.schema import Scenario
from tests import builders as b

RESOURCE = "service/default/web"
ECS_DIMENSIONS = [
    {"Name": "ClusterName", "Value": "default"},
    {"Name": "ServiceName", "Value": "web"},
]
POLICY_ARN = (
    "arn:aws:autoscaling:us-east-1:123456789012:scalingPolicy:4c2e6f1a-0000-4000-8000-"
    "000000000001:resource/ecs/service/default/web:policyName/step-out"
)
LABEL = "app/web-alb/50dc6c495c0c9188/targetgroup/{}/6d0ecf831eec9f09"


# ---------------------------------------------------------------------------------- helpers


def target(**changes: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "ServiceNamespace": "ecs",
        "ResourceId": RESOURCE,
        "ScalableDimension": "ecs:service:DesiredCount",
        "MinCapacity": 1,
        "MaxCapacity": 10,
    }
    return b.merge(item, changes)


def policy(name: str = "cpu", **changes: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "PolicyName": name,
        "ServiceNamespace": "ecs",
        "ResourceId": RESOURCE,
        "ScalableDimension": "ecs:service:DesiredCount",
    }
    return b.merge(item, changes)


def tt(**config: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "TargetValue": 50,
        "PredefinedMetricSpecification": {
            "PredefinedMetricType": "ECSServiceAverageCPUUtilization"
        },
    }
    return policy(
        "cpu",
        PolicyType="TargetTrackingScaling",
        TargetTrackingScalingPolicyConfiguration=b.merge(base, config),
    )


def step(name: str = "step-out", **config: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "AdjustmentType": "ChangeInCapacity",
        "StepAdjustments": [{"MetricIntervalLowerBound": 0, "ScalingAdjustment": 1}],
    }
    return policy(
        name, PolicyType="StepScaling", StepScalingPolicyConfiguration=b.merge(base, config)
    )


def alarm(**changes: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "AlarmName": "cpu-high",
        "Namespace": "AWS/ECS",
        "MetricName": "CPUUtilization",
        "Dimensions": ECS_DIMENSIONS,
        "Statistic": "Average",
        "Period": 60,
        "EvaluationPeriods": 2,
        "Threshold": 70,
        "ComparisonOperator": "GreaterThanThreshold",
        "AlarmActions": ["step-out"],
    }
    return b.merge(item, changes)


def scheduled(**changes: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "ScheduledActionName": "morning",
        "ServiceNamespace": "ecs",
        "ResourceId": RESOURCE,
        "ScalableDimension": "ecs:service:DesiredCount",
        "Schedule": "cron(30 7 ? * MON-FRI *)",
        "ScalableTargetAction": {"MinCapacity": 4},
    }
    return b.merge(item, changes)


def with_alb(**changes: Any) -> dict[str, Any]:
    """A service behind target group ``web-tg`` (a second group ``spare-tg`` is unattached)."""
    return {
        "targetGroups": [{"Name": "web-tg"}, {"Name": "spare-tg"}],
        "services": b.service(
            loadBalancers=[
                {"targetGroupArn": "web-tg", "containerName": "app", "containerPort": 80}
            ]
        ),
        **changes,
    }


def load(doc: dict[str, Any], base_dir: Path | None = None) -> Scenario:
    text = yaml.safe_dump(doc, sort_keys=False)
    return load_scenario_text(
        text, name="scaling.yaml", base_dir=str(base_dir) if base_dir else None
    )


def problems(doc: dict[str, Any], base_dir: Path | None = None) -> list[Problem]:
    with pytest.raises(ScenarioError) as info:
        load(doc, base_dir)
    found = info.value.problems
    for p in found:
        assert p.line > 0 and p.column > 0, p.render()  # located in the file
        assert "\n" not in p.message and "Traceback" not in p.message
    return found


def the_problem(found: list[Problem], path: str) -> Problem:
    at = [p for p in found if p.path == path]
    assert len(at) == 1, [p.render() for p in found]
    return at[0]


# ----------------------------------------------------------------------------- error table

ST = ("scalableTargets[0]",)
TTC = "scalingPolicies[0].TargetTrackingScalingPolicyConfiguration"
SSC = "scalingPolicies[0].StepScalingPolicyConfiguration"

CASES: list[Any] = [
    # Scalable targets: "Min and max capacity are required when a target is first registered".
    pytest.param(
        {"scalableTargets": [target(MinCapacity=None)]},
        "scalableTargets[0]",
        "MinCapacity and MaxCapacity are required",
        id="target-without-min",
    ),
    pytest.param(
        {"scalableTargets": [target(MaxCapacity=None)]},
        "scalableTargets[0]",
        "MinCapacity and MaxCapacity are required",
        id="target-without-max",
    ),
    pytest.param(
        {"scalableTargets": [target(MinCapacity=5, MaxCapacity=2)]},
        "scalableTargets[0].MinCapacity",
        "MinCapacity must not exceed MaxCapacity",
        id="target-min-above-max",
    ),
    # Policies.
    pytest.param(
        {
            "scalableTargets": [target()],
            "scalingPolicies": [
                policy(
                    TargetTrackingScalingPolicyConfiguration=tt()[
                        "TargetTrackingScalingPolicyConfiguration"
                    ]
                )
            ],
        },
        "scalingPolicies[0]",
        "missing required field 'PolicyType'",
        id="policy-without-type",
    ),
    pytest.param(
        {
            "scalableTargets": [target()],
            "scalingPolicies": [policy(PolicyType="TargetTrackingScaling")],
        },
        "scalingPolicies[0]",
        "needs TargetTrackingScalingPolicyConfiguration",
        id="target-tracking-without-configuration",
    ),
    pytest.param(
        {
            "scalableTargets": [target()],
            "scalingPolicies": [policy("step-out", PolicyType="StepScaling")],
        },
        "scalingPolicies[0]",
        "needs StepScalingPolicyConfiguration",
        id="step-without-configuration",
    ),
    pytest.param(
        {
            "scalableTargets": [target()],
            "scalingPolicies": [
                tt(
                    CustomizedMetricSpecification={
                        "MetricName": "CPUUtilization",
                        "Namespace": "AWS/ECS",
                        "Dimensions": ECS_DIMENSIONS,
                        "Statistic": "Average",
                    }
                )
            ],
        },
        TTC,
        "exactly one of PredefinedMetricSpecification and CustomizedMetricSpecification",
        id="both-metric-specifications",
    ),
    pytest.param(
        {
            "scalableTargets": [target()],
            "scalingPolicies": [tt(PredefinedMetricSpecification=None)],
        },
        TTC,
        "exactly one of PredefinedMetricSpecification and CustomizedMetricSpecification",
        id="neither-metric-specification",
    ),
    pytest.param(
        {
            "scalableTargets": [target()],
            "scalingPolicies": [
                tt(
                    PredefinedMetricSpecification={
                        "PredefinedMetricType": "EC2SpotFleetRequestAverageCPUUtilization"
                    }
                )
            ],
        },
        f"{TTC}.PredefinedMetricSpecification.PredefinedMetricType",
        "not an ECS service metric",
        id="predefined-metric-of-another-service",
    ),
    pytest.param(
        {
            "scalableTargets": [target()],
            "scalingPolicies": [
                tt(PredefinedMetricSpecification={"PredefinedMetricType": "ECSServiceAverageCPU"})
            ],
        },
        f"{TTC}.PredefinedMetricSpecification.PredefinedMetricType",
        "'ECSServiceAverageCPU' is not one of",
        id="predefined-metric-unknown",
    ),
    pytest.param(
        with_alb(
            scalableTargets=[target()],
            scalingPolicies=[
                tt(
                    PredefinedMetricSpecification={
                        "PredefinedMetricType": "ALBRequestCountPerTarget"
                    }
                )
            ],
        ),
        f"{TTC}.PredefinedMetricSpecification",
        "ALBRequestCountPerTarget needs ResourceLabel",
        id="alb-without-resource-label",
    ),
    pytest.param(
        with_alb(
            scalableTargets=[target()],
            scalingPolicies=[
                tt(
                    PredefinedMetricSpecification={
                        "PredefinedMetricType": "ALBRequestCountPerTarget",
                        "ResourceLabel": LABEL.format("spare-tg"),
                    }
                )
            ],
        ),
        f"{TTC}.PredefinedMetricSpecification.ResourceLabel",
        "target group 'spare-tg' is not attached to a service",
        id="alb-target-group-not-attached",
    ),
    pytest.param(
        {
            "scalableTargets": [target()],
            "scalingPolicies": [
                tt(
                    PredefinedMetricSpecification=None,
                    CustomizedMetricSpecification={
                        "MetricName": "QueueDepth",
                        "Namespace": "App",
                        "Statistic": "Average",
                    },
                )
            ],
        },
        f"{TTC}.CustomizedMetricSpecification",
        "no such metric in this scenario; known: AWS/ECS CPUUtilization",
        id="customized-metric-unknown",
    ),
    pytest.param(
        {
            "scalableTargets": [target()],
            "scalingPolicies": [
                tt(
                    PredefinedMetricSpecification=None,
                    CustomizedMetricSpecification={
                        "Metrics": [
                            {"Id": "e1", "Expression": "m1 / m2", "ReturnData": True},
                        ]
                    },
                )
            ],
        },
        f"{TTC}.CustomizedMetricSpecification.Metrics",
        "metric math is not simulated",
        id="customized-metric-math",
    ),
    pytest.param(
        {
            "scalableTargets": [target()],
            "scalingPolicies": [
                step(
                    StepAdjustments=[
                        {
                            "MetricIntervalLowerBound": 0,
                            "MetricIntervalUpperBound": 20,
                            "ScalingAdjustment": 1,
                        },
                        {"MetricIntervalLowerBound": 10, "ScalingAdjustment": 2},
                    ]
                )
            ],
        },
        f"{SSC}.StepAdjustments",
        "[0] (0, 20) and [1] (10, null) overlap: step ranges can't overlap",
        id="step-overlap",
    ),
    pytest.param(
        {
            "scalableTargets": [target()],
            "scalingPolicies": [
                step(
                    StepAdjustments=[
                        {
                            "MetricIntervalLowerBound": 0,
                            "MetricIntervalUpperBound": 10,
                            "ScalingAdjustment": 1,
                        },
                        {"MetricIntervalLowerBound": 20, "ScalingAdjustment": 2},
                    ]
                )
            ],
        },
        f"{SSC}.StepAdjustments",
        "gap between [0] (upper 10) and [1] (lower 20): step ranges can't have a gap",
        id="step-gap",
    ),
    pytest.param(
        {
            "scalableTargets": [target()],
            "scalingPolicies": [step(MinAdjustmentMagnitude=2)],
        },
        f"{SSC}.MinAdjustmentMagnitude",
        "only valid with AdjustmentType PercentChangeInCapacity",
        id="min-adjustment-magnitude-without-percent",
    ),
    # Alarms.
    pytest.param(
        {
            "scalableTargets": [target()],
            "scalingPolicies": [step()],
            "alarms": [alarm(Statistic=None, ExtendedStatistic="p99")],
        },
        "alarms[0].ExtendedStatistic",
        "percentile statistics are not simulated",
        id="alarm-extended-statistic",
    ),
    pytest.param(
        {
            "scalableTargets": [target()],
            "scalingPolicies": [step()],
            "alarms": [alarm(ComparisonOperator="LessThanLowerOrGreaterThanUpperThreshold")],
        },
        "alarms[0].ComparisonOperator",
        "anomaly-detection operators are not simulated",
        id="alarm-anomaly-operator",
    ),
    pytest.param(
        {
            "scalableTargets": [target()],
            "scalingPolicies": [step()],
            "alarms": [alarm(Period=45)],
        },
        "alarms[0].Period",
        "10, 20, 30 or a multiple of 60",
        id="alarm-period-45",
    ),
    pytest.param(
        {
            "scalableTargets": [target()],
            "scalingPolicies": [step()],
            "alarms": [alarm(EvaluationPeriods=2, DatapointsToAlarm=3)],
        },
        "alarms[0].DatapointsToAlarm",
        "must not exceed EvaluationPeriods",
        id="alarm-datapoints-above-evaluation-periods",
    ),
    pytest.param(
        {
            "scalableTargets": [target()],
            "scalingPolicies": [step()],
            "alarms": [alarm(MetricName="CPUUtilisation")],
        },
        "alarms[0]",
        "no such metric in this scenario; known: AWS/ECS CPUUtilization",
        id="alarm-unknown-metric",
    ),
    pytest.param(
        {
            "scalableTargets": [target()],
            "scalingPolicies": [step()],
            "alarms": [alarm(AlarmActions=["step-up"])],
        },
        "alarms[0].AlarmActions[0]",
        "'step-up' names no StepScaling policy in scalingPolicies",
        id="alarm-action-names-no-policy",
    ),
    pytest.param(
        {
            "scalableTargets": [target()],
            "scalingPolicies": [step()],
            "alarms": [alarm(AlarmActions=[POLICY_ARN.replace("step-out", "step-up")])],
        },
        "alarms[0].AlarmActions[0]",
        "names no StepScaling policy in scalingPolicies",
        id="alarm-action-arn-names-no-policy",
    ),
    pytest.param(
        {
            "scalableTargets": [target()],
            "scalingPolicies": [step(), tt()],
            "alarms": [alarm(AlarmActions=["step-out"], OKActions=["cpu"])],
        },
        "alarms[0].OKActions[0]",
        "'cpu' names no StepScaling policy",  # a target tracking policy owns its alarms
        id="alarm-action-names-a-target-tracking-policy",
    ),
    # Scheduled actions (§6.4).
    pytest.param(
        {
            "scalableTargets": [target()],
            "scheduledActions": [scheduled(Schedule="cron(61 7 ? * MON-FRI *)")],
        },
        "scheduledActions[0].Schedule",
        "Minutes field: 61 is out of range 0-59",
        id="scheduled-bad-cron",
    ),
    pytest.param(
        {
            "scalableTargets": [target()],
            "scheduledActions": [scheduled(Schedule="every day at 7")],
        },
        "scheduledActions[0].Schedule",
        "unknown schedule expression",
        id="scheduled-not-an-expression",
    ),
    pytest.param(
        {
            "scalableTargets": [target()],
            "scheduledActions": [scheduled(Timezone="America/Gotham")],
        },
        "scheduledActions[0].Timezone",
        "unknown Timezone 'America/Gotham'",
        id="scheduled-bad-timezone",
    ),
    pytest.param(
        {
            "scalableTargets": [target()],
            "scheduledActions": [
                scheduled(StartTime="2026-03-01T00:00:00Z", EndTime="2026-02-01T00:00:00Z")
            ],
        },
        "scheduledActions[0].StartTime",
        "is after EndTime",
        id="scheduled-start-after-end",
    ),
    pytest.param(
        {
            "scalableTargets": [target()],
            "scheduledActions": [scheduled(StartTime="next monday")],
        },
        "scheduledActions[0].StartTime",
        "expected a timestamp (ISO 8601",  # the API shape check (a Timestamp member)
        id="scheduled-start-not-iso",
    ),
    pytest.param(
        {
            "scalableTargets": [target()],
            "scheduledActions": [scheduled(ScalableTargetAction=None)],
        },
        "scheduledActions[0]",
        "needs ScalableTargetAction with MinCapacity and/or MaxCapacity",
        id="scheduled-without-target-action",
    ),
    pytest.param(
        {
            "scalableTargets": [target()],
            "scheduledActions": [scheduled(ScalableTargetAction={"MinCapacity": None})],
        },
        "scheduledActions[0]",
        "needs ScalableTargetAction with MinCapacity and/or MaxCapacity",
        id="scheduled-with-empty-target-action",
    ),
    # The scenario's own fields.
    pytest.param(
        {"startTime": "Monday 5 January"},
        "startTime",
        "'Monday 5 January' is not an ISO 8601 time",
        id="start-time-not-iso",
    ),
]


@pytest.mark.parametrize(("changes", "path", "message"), CASES)
def test_auto_scaling_problem_is_reported_at_its_path(
    changes: dict[str, Any], path: str, message: str
) -> None:
    found = problems(b.document(**changes))
    assert message in the_problem(found, path).message


def test_the_unknown_metric_hint_lists_the_known_ones() -> None:
    found = problems(
        b.document(
            customMetrics=[
                {"MetricName": "QueueDepth", "Namespace": "App", "series": [{"at": 0, "value": 1}]}
            ],
            scalableTargets=[target()],
            scalingPolicies=[step()],
            alarms=[alarm(Namespace="App", MetricName="QueueDept", Dimensions=[])],
        )
    )
    message = the_problem(found, "alarms[0]").message
    assert "AWS/ECS CPUUtilization {'ClusterName': 'default', 'ServiceName': 'web'}" in message
    assert "AWS/ECS MemoryUtilization" in message
    assert "App QueueDepth {}" in message


def test_bad_timezone_and_bad_cron_are_both_reported() -> None:
    found = problems(
        b.document(
            scalableTargets=[target()],
            scheduledActions=[scheduled(Timezone="Nowhere/Else", Schedule="cron(0 25 * * ? *)")],
        )
    )
    assert the_problem(found, "scheduledActions[0].Timezone")
    assert "Hours field" in the_problem(found, "scheduledActions[0].Schedule").message


# ----------------------------------------------------------------------- valid variants


def test_alarm_actions_by_name_and_by_arn_are_both_accepted() -> None:
    sc = load(
        b.document(
            scalableTargets=[target()],
            scalingPolicies=[step()],
            alarms=[
                alarm(AlarmName="by-name", AlarmActions=["step-out"]),
                alarm(AlarmName="by-arn", AlarmActions=[POLICY_ARN]),
            ],
        )
    )
    assert [a.AlarmActions for a in sc.alarms] == [["step-out"], [POLICY_ARN]]


def test_alb_request_count_on_an_attached_target_group_loads() -> None:
    sc = load(
        b.document(
            **with_alb(
                scalableTargets=[target(MinCapacity=0)],
                scalingPolicies=[
                    tt(
                        TargetValue=600,
                        PredefinedMetricSpecification={
                            "PredefinedMetricType": "ALBRequestCountPerTarget",
                            "ResourceLabel": LABEL.format("web-tg"),
                        },
                    )
                ],
            )
        )
    )
    assert sc.scaling_policies[0].PolicyName == "cpu"


def test_every_high_resolution_and_memory_metric_loads() -> None:
    for kind in (
        "ECSServiceAverageCPUUtilizationHighResolution",
        "ECSServiceAverageMemoryUtilization",
        "ECSServiceAverageMemoryUtilizationHighResolution",
    ):
        sc = load(
            b.document(
                scalableTargets=[target()],
                scalingPolicies=[tt(PredefinedMetricSpecification={"PredefinedMetricType": kind})],
            )
        )
        spec = sc.scaling_policies[0].TargetTrackingScalingPolicyConfiguration
        assert spec is not None and spec.PredefinedMetricSpecification is not None
        assert spec.PredefinedMetricSpecification.PredefinedMetricType == kind


def test_a_sub_minute_alarm_period_is_accepted() -> None:
    sc = load(
        b.document(scalableTargets=[target()], scalingPolicies=[step()], alarms=[alarm(Period=20)])
    )
    assert sc.alarms[0].Period == 20


# ------------------------------------------------------------------------ custom metrics


def queue_metric(**fields: Any) -> list[dict[str, Any]]:
    return [
        {
            "MetricName": "QueueDepth",
            "Namespace": "App",
            "Dimensions": [{"Name": "QueueName", "Value": "jobs"}],
            **fields,
        }
    ]


def test_custom_metric_file_loads_into_series(tmp_path: Path) -> None:
    (tmp_path / "depth.csv").write_text("at,value\n0,5\n30m,250\n1h10m,120.5\n", encoding="utf-8")
    sc = load(b.document(customMetrics=queue_metric(file="depth.csv")), base_dir=tmp_path)
    metric = sc.custom_metrics[0]
    assert metric.file is None
    assert metric.series is not None
    assert [(p.at, p.value) for p in metric.series] == [
        (0.0, 5.0),
        (1800.0, 250.0),
        (4200.0, 120.5),
    ]


def test_custom_metric_file_feeds_an_alarm(tmp_path: Path) -> None:
    (tmp_path / "depth.csv").write_text("at,value\n0,5\n", encoding="utf-8")
    sc = load(
        b.document(
            customMetrics=queue_metric(file="depth.csv"),
            scalableTargets=[target()],
            scalingPolicies=[step()],
            alarms=[
                alarm(
                    Namespace="App",
                    MetricName="QueueDepth",
                    Dimensions=[{"Name": "QueueName", "Value": "jobs"}],
                )
            ],
        ),
        base_dir=tmp_path,
    )
    assert sc.alarms[0].MetricName == "QueueDepth"


def test_custom_metric_missing_file_is_reported_at_file(tmp_path: Path) -> None:
    found = problems(b.document(customMetrics=queue_metric(file="nope.csv")), base_dir=tmp_path)
    message = the_problem(found, "customMetrics[0].file").message
    assert message.startswith("cannot read 'nope.csv'")


def test_custom_metric_file_without_the_columns_is_reported_at_file(tmp_path: Path) -> None:
    (tmp_path / "depth.csv").write_text("time,depth\n0,5\n", encoding="utf-8")
    found = problems(b.document(customMetrics=queue_metric(file="depth.csv")), base_dir=tmp_path)
    assert "needs columns 'at' and 'value'" in the_problem(found, "customMetrics[0].file").message


def test_custom_metric_with_file_and_series_is_refused(tmp_path: Path) -> None:
    (tmp_path / "depth.csv").write_text("at,value\n0,5\n", encoding="utf-8")
    found = problems(
        b.document(customMetrics=queue_metric(file="depth.csv", series=[{"at": 0, "value": 1}])),
        base_dir=tmp_path,
    )
    assert "not both" in the_problem(found, "customMetrics[0].file").message


def test_custom_metric_without_data_is_refused() -> None:
    found = problems(b.document(customMetrics=queue_metric()))
    assert "give 'series'" in the_problem(found, "customMetrics[0]").message


def test_a_custom_metric_with_a_repeated_dimension_name_is_refused_at_load() -> None:
    """CloudWatch keys a metric by its dimension names: a name given twice is an error at the
    metric's Dimensions, not a failure in the middle of a run."""
    found = problems(
        b.document(
            customMetrics=[
                {
                    "MetricName": "QueueDepth",
                    "Namespace": "App",
                    "Dimensions": [
                        {"Name": "QueueName", "Value": "a"},
                        {"Name": "QueueName", "Value": "b"},
                    ],
                    "series": [{"at": 0, "value": 1}],
                }
            ]
        )
    )
    assert "duplicate dimension names" in the_problem(found, "customMetrics[0].Dimensions").message
