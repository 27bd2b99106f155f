"""Target-group settings: health checks and attributes of an ALB target group (reference §9).

:class:`TargetGroupSettings` is resolved from an ``elbv2 CreateTargetGroup`` input plus its
``Attributes`` list (the scenario's ``TargetGroupSpec``). This module does not import the
scenario schema: :func:`settings_from_spec` accepts any object of the right shape
(:class:`TargetGroupSpecLike`), so :mod:`fargasim.scenario.schema` never needs ``fargasim.elb``.

Ranges (§9, ALB User Guide, target-group-health-checks and load-balancer-target-groups (2023)):

=============================  ========================  =========================
Setting                        Range                     Default
=============================  ========================  =========================
HealthCheckIntervalSeconds     5–300                     30
HealthCheckTimeoutSeconds      2–120                     5
HealthyThresholdCount          2–10                      5
UnhealthyThresholdCount        2–10                      2
deregistration_delay.timeout   0–3600                    300
slow_start.duration_seconds    0 (off) or 30–900         0
load_balancing.algorithm.type  see :data:`ALGORITHMS`    ``round_robin``
=============================  ========================  =========================

ALB also requires "The timeout must be smaller than the interval", and does not allow slow start
with the ``least_outstanding_requests`` or ``weighted_random`` algorithms (ALB User Guide,
slow start considerations: "You can't enable slow start mode when using the least outstanding
requests or weighted random routing algorithms").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

DEREGISTRATION_DELAY_KEY = "deregistration_delay.timeout_seconds"
SLOW_START_KEY = "slow_start.duration_seconds"
ALGORITHM_KEY = "load_balancing.algorithm.type"

#: ``load_balancing.algorithm.type`` values (§9: "default round_robin").
ALGORITHMS: tuple[str, ...] = ("round_robin", "least_outstanding_requests", "weighted_random")

DEFAULT_INTERVAL = 30
DEFAULT_TIMEOUT = 5
DEFAULT_HEALTHY_THRESHOLD = 5
DEFAULT_UNHEALTHY_THRESHOLD = 2
DEFAULT_DEREGISTRATION_DELAY = 300
DEFAULT_SLOW_START = 0
DEFAULT_ALGORITHM = "round_robin"

INTERVAL_RANGE = (5, 300)
TIMEOUT_RANGE = (2, 120)
THRESHOLD_RANGE = (2, 10)
DEREGISTRATION_DELAY_RANGE = (0, 3600)
SLOW_START_RANGE = (30, 900)  # or 0: off


@dataclass(frozen=True)
class TargetGroupSettings:
    """The health-check and attribute values of one target group, in seconds and counts (§9)."""

    name: str
    interval: float = DEFAULT_INTERVAL
    timeout: float = DEFAULT_TIMEOUT
    healthy_threshold: int = DEFAULT_HEALTHY_THRESHOLD
    unhealthy_threshold: int = DEFAULT_UNHEALTHY_THRESHOLD
    deregistration_delay: float = DEFAULT_DEREGISTRATION_DELAY
    slow_start: float = DEFAULT_SLOW_START  # 0: off
    algorithm: str = DEFAULT_ALGORITHM


class AttributeLike(Protocol):
    """One ``{Key, Value}`` target-group attribute."""

    @property
    def Key(self) -> str: ...

    @property
    def Value(self) -> str: ...


class TargetGroupSpecLike(Protocol):
    """The fields of an ``elbv2 CreateTargetGroup`` input that the simulator uses."""

    @property
    def Name(self) -> str: ...

    @property
    def HealthCheckIntervalSeconds(self) -> int: ...

    @property
    def HealthCheckTimeoutSeconds(self) -> int: ...

    @property
    def HealthyThresholdCount(self) -> int: ...

    @property
    def UnhealthyThresholdCount(self) -> int: ...

    @property
    def Attributes(self) -> Sequence[AttributeLike]: ...


def _as_int(value: str) -> int | None:
    text = value.strip()
    digits = text[1:] if text[:1] in "+-" else text
    if not digits.isdigit() or not digits.isascii():
        return None
    return int(text)


def _range_text(low: int, high: int) -> str:
    return f"{low}–{high}"


def health_check_problems(
    interval: float, timeout: float, healthy: int, unhealthy: int
) -> list[tuple[str, str]]:
    """Problems of the health-check settings, as ``(field name, message)`` (§9 table).

    Field names are the ``CreateTargetGroup`` parameter names.
    """
    problems: list[tuple[str, str]] = []
    checks: list[tuple[str, float, tuple[int, int]]] = [
        ("HealthCheckIntervalSeconds", interval, INTERVAL_RANGE),
        ("HealthCheckTimeoutSeconds", timeout, TIMEOUT_RANGE),
        ("HealthyThresholdCount", healthy, THRESHOLD_RANGE),
        ("UnhealthyThresholdCount", unhealthy, THRESHOLD_RANGE),
    ]
    for name, value, (low, high) in checks:
        if not low <= value <= high:
            problems.append((name, f"{name} must be in {_range_text(low, high)} (got {value:g})"))
    if timeout >= interval:
        problems.append(
            (
                "HealthCheckTimeoutSeconds",
                "The timeout must be smaller than the interval "
                f"(HealthCheckTimeoutSeconds {timeout:g} ≥ HealthCheckIntervalSeconds "
                f"{interval:g})",
            )
        )
    return problems


def attribute_problems(attributes: Sequence[tuple[str, str]]) -> list[tuple[int, str]]:
    """Problems of a target group's ``Attributes``, as ``(index in the list, message)`` (§9).

    Keys fargasim does not simulate are ignored (no problem). Checked: the two numeric
    attributes are integers in range, the algorithm is known, and slow start is not combined
    with an algorithm other than ``round_robin``. When a key repeats, the last value wins (and
    is the one the slow-start/algorithm combination is checked against).
    """
    problems: list[tuple[int, str]] = []
    slow_start_at: int | None = None
    slow_start_on = False
    algorithm_at: int | None = None
    algorithm = DEFAULT_ALGORITHM
    for index, (key, value) in enumerate(attributes):
        if key == DEREGISTRATION_DELAY_KEY:
            number = _as_int(value)
            low, high = DEREGISTRATION_DELAY_RANGE
            if number is None:
                problems.append((index, f"{key} must be an integer number of seconds: {value!r}"))
            elif not low <= number <= high:
                problems.append(
                    (index, f"{key} must be in {_range_text(low, high)} seconds (got {number})")
                )
        elif key == SLOW_START_KEY:
            number = _as_int(value)
            low, high = SLOW_START_RANGE
            slow_start_at, slow_start_on = index, False
            if number is None:
                problems.append((index, f"{key} must be an integer number of seconds: {value!r}"))
            elif number != 0 and not low <= number <= high:
                problems.append(
                    (
                        index,
                        f"{key} must be 0 (off) or in {_range_text(low, high)} seconds "
                        f"(got {number})",
                    )
                )
            else:
                slow_start_on = number != 0
        elif key == ALGORITHM_KEY:
            algorithm_at, algorithm = index, value
            if value not in ALGORITHMS:
                problems.append((index, f"{key} {value!r} is not one of {', '.join(ALGORITHMS)}"))
    if slow_start_on and algorithm != DEFAULT_ALGORITHM and algorithm in ALGORITHMS:
        assert slow_start_at is not None and algorithm_at is not None
        problems.append(
            (
                slow_start_at,
                f"{SLOW_START_KEY} cannot be enabled with {ALGORITHM_KEY} {algorithm!r} "
                "(slow start needs round_robin)",
            )
        )
    return problems


def settings_from_spec(spec: TargetGroupSpecLike) -> TargetGroupSettings:
    """Resolve a target group's settings; ``ValueError`` listing every problem if invalid."""
    pairs = [(attribute.Key, attribute.Value) for attribute in spec.Attributes]
    problems = [
        f"{field}: {message}"
        for field, message in health_check_problems(
            spec.HealthCheckIntervalSeconds,
            spec.HealthCheckTimeoutSeconds,
            spec.HealthyThresholdCount,
            spec.UnhealthyThresholdCount,
        )
    ]
    problems += [f"Attributes[{index}]: {message}" for index, message in attribute_problems(pairs)]
    if problems:
        raise ValueError(f"target group {spec.Name!r}: " + "; ".join(problems))
    values = dict(pairs)  # the last of a repeated key wins
    return TargetGroupSettings(
        name=spec.Name,
        interval=spec.HealthCheckIntervalSeconds,
        timeout=spec.HealthCheckTimeoutSeconds,
        healthy_threshold=spec.HealthyThresholdCount,
        unhealthy_threshold=spec.UnhealthyThresholdCount,
        deregistration_delay=int(
            values.get(DEREGISTRATION_DELAY_KEY, str(DEFAULT_DEREGISTRATION_DELAY))
        ),
        slow_start=int(values.get(SLOW_START_KEY, str(DEFAULT_SLOW_START))),
        algorithm=values.get(ALGORITHM_KEY, DEFAULT_ALGORITHM),
    )
