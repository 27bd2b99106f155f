"""Builders for the CloudWatch tests: stores filled from compact patterns."""

from __future__ import annotations

from collections.abc import Sequence

from fargasim.cloudwatch import Alarm, AlarmConfig, Datapoint, MetricKey, MetricStore, Stats

KEY = MetricKey.of("AWS/ECS", "CPUUtilization", {"ClusterName": "c", "ServiceName": "web"})
LOW, HIGH = 10.0, 90.0  # "0" (not breaching) and "X" (breaching) for a threshold of 50


def point(t: float, value: float, period: float = 60.0, delay: float = 0.0) -> Datapoint:
    """A one-sample datapoint for ``[t, t + period)``, visible ``delay`` after its end."""
    return Datapoint(t, period, Stats(1.0, value, value, value), t + period + delay)


def fill(
    store: MetricStore,
    values: Sequence[float | None],
    *,
    start: float = 0.0,
    period: float = 60.0,
    delay: float = 0.0,
    key: MetricKey = KEY,
) -> None:
    """One datapoint per period from ``start``; None leaves the period missing."""
    for i, v in enumerate(values):
        if v is not None:
            store.put(key, point(start + i * period, v, period, delay))


def pattern(text: str) -> list[float | None]:
    """The CloudWatch guide's notation: ``0`` not breaching, ``X`` breaching, ``-`` missing."""
    symbols = {"0": LOW, "O": LOW, "X": HIGH, "-": None}
    return [symbols[s] for s in text.split()]


def config(
    *,
    n: int = 3,
    m: int | None = None,
    period: float = 60.0,
    threshold: float = 50.0,
    comparison: str = "GreaterThanThreshold",
    treat: str = "missing",
    statistic: str = "Average",
    alarm_actions: tuple[str, ...] = ("scale-out",),
    ok_actions: tuple[str, ...] = (),
) -> AlarmConfig:
    return AlarmConfig(
        name="cpu-high",
        metric=KEY,
        statistic=statistic,
        period=period,
        evaluation_periods=n,
        datapoints_to_alarm=n if m is None else m,
        threshold=threshold,
        comparison=comparison,
        treat_missing_data=treat,
        alarm_actions=alarm_actions,
        ok_actions=ok_actions,
    )


def run(alarm: Alarm, times: Sequence[float]) -> dict[float, list[str]]:
    """Evaluate at each time; the actions returned, by time (only non-empty ones)."""
    out: dict[float, list[str]] = {}
    for t in times:
        actions = alarm.evaluate(t)
        if actions:
            out[t] = actions
    return out
