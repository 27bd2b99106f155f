"""Target-group settings and their validation (reference §9).

§9 table (ALB User Guide, target-group-health-checks (2023)): HealthCheckIntervalSeconds 5–300
(default 30), HealthCheckTimeoutSeconds 2–120 (5), HealthyThresholdCount 2–10 (5),
UnhealthyThresholdCount 2–10 (2). Deregistration delay: "The range is 0–3600 seconds. The
default value is 300 seconds." Slow start: "range is 30–900 seconds … default is 0 seconds
(disabled)". Routing: "default round_robin; least_outstanding_requests optional".
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from fargasim.elb import settings as settings_module
from fargasim.elb.settings import (
    ALGORITHMS,
    TargetGroupSettings,
    attribute_problems,
    health_check_problems,
    settings_from_spec,
)
from fargasim.scenario.schema import TargetGroupAttribute, TargetGroupSpec

DELAY = "deregistration_delay.timeout_seconds"
SLOW = "slow_start.duration_seconds"
ALGO = "load_balancing.algorithm.type"


def spec(attributes: dict[str, str] | None = None, **fields: int) -> TargetGroupSpec:
    return TargetGroupSpec(
        Name="web-tg",
        Attributes=[TargetGroupAttribute(Key=k, Value=v) for k, v in (attributes or {}).items()],
        **fields,  # type: ignore[arg-type]
    )


def test_defaults_from_a_bare_spec() -> None:
    """§9 table defaults: interval 30, timeout 5, healthy 5, unhealthy 2; deregistration delay
    300; slow start 0 (off); round_robin."""
    assert settings_from_spec(spec()) == TargetGroupSettings(
        name="web-tg",
        interval=30,
        timeout=5,
        healthy_threshold=5,
        unhealthy_threshold=2,
        deregistration_delay=300,
        slow_start=0,
        algorithm="round_robin",
    )


def test_fields_and_attributes_are_resolved() -> None:
    """Health-check fields come from CreateTargetGroup, the rest from Attributes; unknown
    attribute keys are ignored."""
    settings = settings_from_spec(
        spec(
            {DELAY: "5", SLOW: "60", ALGO: "round_robin", "stickiness.enabled": "true"},
            HealthCheckIntervalSeconds=10,
            HealthCheckTimeoutSeconds=6,
            HealthyThresholdCount=3,
            UnhealthyThresholdCount=4,
        )
    )
    assert (settings.interval, settings.timeout) == (10, 6)
    assert (settings.healthy_threshold, settings.unhealthy_threshold) == (3, 4)
    assert (settings.deregistration_delay, settings.slow_start) == (5, 60)
    assert settings.algorithm == "round_robin"
    assert settings_from_spec(spec({ALGO: "least_outstanding_requests"})).algorithm == (
        "least_outstanding_requests"
    )


def test_invalid_spec_raises_with_every_problem() -> None:
    with pytest.raises(ValueError) as error:
        settings_from_spec(spec({DELAY: "4000"}, HealthCheckIntervalSeconds=400))
    text = str(error.value)
    assert "web-tg" in text and "HealthCheckIntervalSeconds" in text and "Attributes[0]" in text


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("0", True),
        ("300", True),
        ("3600", True),
        ("3601", False),
        ("-1", False),
        ("abc", False),
        ("1.5", False),
        ("", False),
    ],
)
def test_deregistration_delay_range(value: str, ok: bool) -> None:
    """§9: deregistration delay "The range is 0–3600 seconds", an integer."""
    problems = attribute_problems([("stickiness.enabled", "true"), (DELAY, value)])
    assert (problems == []) is ok
    if not ok:
        assert [index for index, _ in problems] == [1]
        assert DELAY in problems[0][1]


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("0", True),
        ("30", True),
        ("900", True),
        ("29", False),
        ("1", False),
        ("901", False),
        ("x", False),
    ],
)
def test_slow_start_range(value: str, ok: bool) -> None:
    """§9: slow start "range is 30–900 seconds … default is 0 seconds (disabled)"."""
    problems = attribute_problems([(SLOW, value)])
    assert (problems == []) is ok
    if not ok:
        assert problems[0][0] == 0 and SLOW in problems[0][1]


def test_unknown_algorithm_lists_the_valid_ones() -> None:
    """§9: "Routing: default round_robin; least_outstanding_requests optional"."""
    for algorithm in ALGORITHMS:
        assert attribute_problems([(ALGO, algorithm)]) == []
    [(index, message)] = attribute_problems([(DELAY, "10"), (ALGO, "random")])
    assert index == 1
    assert all(name in message for name in ALGORITHMS) and "'random'" in message


def test_slow_start_needs_round_robin() -> None:
    """ALB User Guide: "You can't enable slow start mode when using the least outstanding
    requests or weighted random routing algorithms"; reported at the slow-start attribute."""
    [(index, message)] = attribute_problems([(SLOW, "30"), (ALGO, "least_outstanding_requests")])
    assert index == 0 and "least_outstanding_requests" in message
    [(index, message)] = attribute_problems([(ALGO, "weighted_random"), (SLOW, "30")])
    assert index == 1 and "round_robin" in message
    assert attribute_problems([(SLOW, "0"), (ALGO, "weighted_random")]) == []
    assert attribute_problems([(SLOW, "30"), (ALGO, "round_robin")]) == []


@pytest.mark.parametrize(
    ("name", "field", "bad", "good"),
    [
        ("interval", "HealthCheckIntervalSeconds", (4, 301), (5, 300)),
        ("timeout", "HealthCheckTimeoutSeconds", (1, 121), (2, 120)),
        ("healthy", "HealthyThresholdCount", (1, 11), (2, 10)),
        ("unhealthy", "UnhealthyThresholdCount", (1, 11), (2, 10)),
    ],
)
def test_health_check_ranges(
    name: str, field: str, bad: tuple[int, int], good: tuple[int, int]
) -> None:
    """§9 table: interval 5–300, timeout 2–120, thresholds 2–10 (bounds included)."""
    base = {"interval": 300, "timeout": 2, "healthy": 5, "unhealthy": 2}
    for value in bad:
        assert field in [f for f, _ in health_check_problems(**{**base, name: value})]
    for value in good:
        assert health_check_problems(**{**base, name: value}) == []


def test_timeout_must_be_smaller_than_interval() -> None:
    """ALB: "The timeout must be smaller than the interval"."""
    assert health_check_problems(10, 9, 5, 2) == []
    [(field, message)] = health_check_problems(10, 10, 5, 2)
    assert field == "HealthCheckTimeoutSeconds"
    assert message.startswith("The timeout must be smaller than the interval")
    assert health_check_problems(30, 5, 5, 2) == []  # the defaults


def test_elb_does_not_import_the_scenario_schema() -> None:
    """No import cycle: fargasim.elb takes any spec-shaped object (a Protocol) and never imports
    fargasim.scenario, so the schema can never need fargasim.elb to load."""
    package = Path(settings_module.__file__).parent
    for source in package.glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            assert not any(name.startswith("fargasim.scenario") for name in names), source
