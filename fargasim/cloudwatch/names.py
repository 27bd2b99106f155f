"""The CloudWatch names AWS gives the metrics fargasim publishes (reference §9, §11).

* ``AWS/ECS`` ``CPUUtilization`` / ``MemoryUtilization`` of a service: dimensions
  ``ClusterName`` and ``ServiceName`` (§11).
* ``AWS/ApplicationELB`` ``RequestCountPerTarget`` of a target group (§9), keyed here by the
  target group's Name (from a Name, a target group ARN or a ``ResourceLabel``).
"""

from __future__ import annotations

from fargasim.cloudwatch.metrics import MetricKey

ECS_NAMESPACE = "AWS/ECS"
ALB_NAMESPACE = "AWS/ApplicationELB"
ECS_SERVICE_METRICS = ("CPUUtilization", "MemoryUtilization")


def ecs_service_metric(metric: str, cluster: str, service: str) -> MetricKey:
    return MetricKey.of(ECS_NAMESPACE, metric, {"ClusterName": cluster, "ServiceName": service})


def target_group_name(reference: str) -> str:
    """``web-tg``, or the name inside ``arn:…:targetgroup/web-tg/…`` or a ResourceLabel."""
    if "targetgroup/" in reference:
        return reference.split("targetgroup/", 1)[1].split("/", 1)[0]
    return reference


def request_count_per_target(target_group: str) -> MetricKey:
    """``RequestCountPerTarget`` of a target group, given by Name, ARN or ResourceLabel."""
    return MetricKey.of(
        ALB_NAMESPACE, "RequestCountPerTarget", {"TargetGroup": target_group_name(target_group)}
    )
