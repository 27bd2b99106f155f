"""CloudWatch metric alarms (PutMetricAlarm): evaluation range, state, history and actions.

An :class:`Alarm` is engine-independent: the engine calls :meth:`Alarm.evaluate` with the
current time (every 60 s, or every ``Period`` when it is shorter, :attr:`Alarm.evaluation_interval`)
and invokes the scaling policies it returns. State rules: :mod:`fargasim.cloudwatch.evaluation`.

**Evaluation range (model).** The alarm looks at whole periods aligned to multiples of
``Period`` since the simulation start, ending at ``last_end = floor((now − publish_delay) /
Period) · Period``: a period whose datapoint is not published yet is not looked at, rather than
counted as missing. AWS does not publish the delay (§11 **UNSOURCED**), so the caller passes the
same ``publish_delay`` it gives the metric publishers; a datapoint later than that is missing.
The range holds ``EvaluationPeriods + extra_range_periods`` periods: "CloudWatch attempts to
retrieve a higher number of data points than the number specified as Evaluation Periods. The
exact number … depends on the length of the alarm period and whether it is based on a metric with
standard resolution or high resolution" (CloudWatch User Guide, alarms-and-missing-data); the
guide's examples use 5 for 3 evaluation periods, whence the default of 2 extra (**assumption**;
awsdocs/amazon-cloudwatch-user-guide issue #102 asked for the rule and got none).

**Actions.** "Except for Auto Scaling actions, the actions happen only on state transitions, and
are not performed again if the condition persists for hours or days" (CloudWatch User Guide,
"Alarm actions"). Alarm actions here are Application Auto Scaling policies, and "an alarm invokes
an Auto Scaling action once each minute when the alarm remains in a new state, regardless of the
configured time period" (AWS Knowledge Center, repost.aws/knowledge-center/
autoscaling-policy-cloudwatch-alarm). So :meth:`Alarm.evaluate` returns ``AlarmActions`` on the
transition into ALARM and again whenever ``action_interval`` (60 s) has passed since the last
invocation while the alarm stays in ALARM; ``OKActions`` likewise for OK. There are no
``InsufficientDataActions`` (scaling policies cannot be one).

**State reasons** follow CloudWatch's wording, e.g. "Threshold Crossed: 3 out of the last 3
datapoints [72.1 (00:12:00), 70.0 (00:11:00), 65.2 (00:10:00)] were greater than the threshold
(60.0) (minimum 3 datapoints for OK -> ALARM transition).", newest datapoint first, with times as
``[Nd ]HH:MM:SS`` since the simulation start. A new alarm is INSUFFICIENT_DATA with the reason
"Unchecked: Initial alarm creation".
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from fargasim.cloudwatch.evaluation import (
    TREAT_MISSING_DATA,
    AlarmState,
    Rule,
    Slot,
    Verdict,
    judge,
)
from fargasim.cloudwatch.metrics import (
    TIME_EPS,
    CloudWatchError,
    MetricKey,
    MetricStore,
    check_statistic,
)

__all__ = ["COMPARISONS", "Alarm", "AlarmConfig", "AlarmState", "StateChange"]

#: ComparisonOperator → the words CloudWatch uses in a state reason.
COMPARISONS: dict[str, str] = {
    "GreaterThanOrEqualToThreshold": "greater than or equal to",
    "GreaterThanThreshold": "greater than",
    "LessThanThreshold": "less than",
    "LessThanOrEqualToThreshold": "less than or equal to",
}
#: Operators of anomaly-detection alarms (a band, not a threshold): refused.
ANOMALY_COMPARISONS = (
    "LessThanLowerOrGreaterThanUpperThreshold",
    "LessThanLowerThreshold",
    "GreaterThanUpperThreshold",
)
#: PutMetricAlarm Period: "Valid values are 10, 20, 30, and any multiple of 60."
HIGH_RESOLUTION_PERIODS = (10.0, 20.0, 30.0)

INITIAL_REASON = "Unchecked: Initial alarm creation"


@dataclass(frozen=True)
class AlarmConfig:
    """A metric alarm's PutMetricAlarm fields (the single-metric, static-threshold form).

    ``datapoints_to_alarm`` is M and ``evaluation_periods`` N of an "M out of N" alarm; the
    scenario loader passes N when DatapointsToAlarm is omitted. ``alarm_actions`` and
    ``ok_actions`` are scaling policy names (the caller resolves ARNs).
    """

    name: str
    metric: MetricKey
    statistic: str
    period: float
    evaluation_periods: int
    datapoints_to_alarm: int
    threshold: float
    comparison: str
    treat_missing_data: str = "missing"
    alarm_actions: tuple[str, ...] = ()
    ok_actions: tuple[str, ...] = ()
    actions_enabled: bool = True

    def __post_init__(self) -> None:
        where = f"alarm {self.name!r}"
        if not self.name:
            raise CloudWatchError("an alarm needs a name")
        try:
            check_statistic(self.statistic)
        except CloudWatchError as e:
            raise CloudWatchError(f"{where}: {e}") from None
        if self.comparison in ANOMALY_COMPARISONS:
            raise CloudWatchError(
                f"{where}: ComparisonOperator {self.comparison} compares with an anomaly "
                "detection band; anomaly detection is not simulated"
            )
        if self.comparison not in COMPARISONS:
            raise CloudWatchError(
                f"{where}: unknown ComparisonOperator {self.comparison!r}: expected one of "
                f"{', '.join(COMPARISONS)}"
            )
        if self.treat_missing_data not in TREAT_MISSING_DATA:
            raise CloudWatchError(
                f"{where}: unknown TreatMissingData {self.treat_missing_data!r}: expected one of "
                f"{', '.join(TREAT_MISSING_DATA)}"
            )
        if not (
            self.period in HIGH_RESOLUTION_PERIODS
            or (self.period >= 60 and math.isclose(self.period / 60, round(self.period / 60)))
        ):
            raise CloudWatchError(
                f"{where}: Period {self.period:g}: valid values are 10, 20, 30 and any multiple of 60"
            )
        if self.evaluation_periods < 1:
            raise CloudWatchError(f"{where}: EvaluationPeriods must be at least 1")
        if not 1 <= self.datapoints_to_alarm <= self.evaluation_periods:
            raise CloudWatchError(
                f"{where}: DatapointsToAlarm must be at least 1 and less than or equal to "
                "EvaluationPeriods"
            )
        # PutMetricAlarm: "Period multiplied by EvaluationPeriods can't be more than 604,800
        # seconds. For alarms with a period of less than one hour (3,600 seconds), the total
        # evaluation period can't be longer than one day (86,400 seconds)."
        limit = 86_400 if self.period < 3_600 else 604_800
        if self.period * self.evaluation_periods > limit:
            raise CloudWatchError(
                f"{where}: Period × EvaluationPeriods = {self.period * self.evaluation_periods:g} s "
                f"exceeds {limit} s"
            )
        if not math.isfinite(self.threshold):
            raise CloudWatchError(f"{where}: Threshold must be a finite number")

    def breaches(self, value: float) -> bool:
        """Whether a datapoint's value is on the ALARM side of the threshold."""
        t = self.threshold
        if self.comparison == "GreaterThanOrEqualToThreshold":
            return value >= t
        if self.comparison == "GreaterThanThreshold":
            return value > t
        if self.comparison == "LessThanThreshold":
            return value < t
        return value <= t


@dataclass(frozen=True)
class StateChange:
    """One alarm history item of type StateUpdate."""

    time: float
    alarm: str
    old_state: AlarmState
    new_state: AlarmState
    reason: str


class Alarm:
    """A metric alarm evaluated at explicit times against a :class:`MetricStore`.

    ``publish_delay`` — seconds from a period's end until its datapoint is visible (§11, a model
    parameter). ``extra_range_periods`` — how many periods the evaluation range holds beyond N
    (assumption, default 2). ``action_interval`` — how often scaling actions repeat while the
    alarm stays in ALARM or OK (60 s, Knowledge Center).
    """

    def __init__(
        self,
        config: AlarmConfig,
        store: MetricStore,
        publish_delay: float,
        *,
        extra_range_periods: int = 2,
        action_interval: float = 60.0,
    ) -> None:
        if publish_delay < 0:
            raise CloudWatchError(f"publish_delay must not be negative, got {publish_delay}")
        if extra_range_periods < 0:
            raise CloudWatchError("extra_range_periods must not be negative")
        if not action_interval > 0:
            raise CloudWatchError("action_interval must be positive")
        self.config = config
        self.store = store
        self.publish_delay = publish_delay
        self.extra_range_periods = extra_range_periods
        self.action_interval = action_interval
        self.state = AlarmState.INSUFFICIENT_DATA
        self.state_reason = INITIAL_REASON
        self.history: list[StateChange] = []
        self._last_action: float | None = None
        self._last_evaluation: float | None = None

    @property
    def name(self) -> str:
        return self.config.name

    @property
    def evaluation_interval(self) -> float:
        """How often the engine should evaluate: every minute, or every period if shorter."""
        return min(60.0, self.config.period)

    def last_end(self, now: float) -> float:
        """End of the newest period the alarm looks at: ``floor((now − delay) / Period) · Period``."""
        p = self.config.period
        return math.floor((now - self.publish_delay) / p + TIME_EPS / p) * p

    def evaluation_range(self, now: float) -> list[Slot]:
        """The periods retrieved at ``now`` (N + extra), oldest first; None = missing."""
        c = self.config
        end = self.last_end(now)
        start = end - (c.evaluation_periods + self.extra_range_periods) * c.period
        return self.store.query(
            c.metric, period=c.period, statistic=c.statistic, start=start, end=end, now=now
        )

    def verdict(self, now: float) -> Verdict:
        """What an evaluation at ``now`` decides (without changing the alarm)."""
        c = self.config
        return judge(
            self.evaluation_range(now),
            evaluation_periods=c.evaluation_periods,
            datapoints_to_alarm=c.datapoints_to_alarm,
            treat_missing_data=c.treat_missing_data,
            breaches=c.breaches,
        )

    def evaluation_window(self, now: float) -> list[Slot]:
        """The N datapoints an evaluation at ``now`` uses, oldest first: the real ones, and None
        for missing periods filled by TreatMissingData (for step scaling's aggregation)."""
        return list(self.verdict(now).window)

    def evaluate(self, now: float) -> list[str]:
        """Evaluate at ``now``; return the actions (policy names) to invoke now."""
        if self._last_evaluation is not None and now < self._last_evaluation - TIME_EPS:
            raise CloudWatchError(
                f"alarm {self.name!r} evaluated at {now} after {self._last_evaluation}"
            )
        self._last_evaluation = now
        verdict = self.verdict(now)
        if verdict.state is not None and verdict.state is not self.state:
            return self._transition(now, verdict.state, self._reason(verdict))
        if self._last_action is not None and now - self._last_action >= (
            self.action_interval - TIME_EPS
        ):
            return self._invoke(now)
        return []

    def set_state(self, now: float, state: AlarmState, reason: str) -> list[str]:
        """SetAlarmState: force a state until the next evaluation; return the actions to invoke."""
        if state is self.state:
            return []
        return self._transition(now, state, reason)

    def _transition(self, now: float, new: AlarmState, reason: str) -> list[str]:
        self.history.append(StateChange(now, self.name, self.state, new, reason))
        self.state = new
        self.state_reason = reason
        self._last_action = None
        return self._invoke(now)

    def _invoke(self, now: float) -> list[str]:
        c = self.config
        if not c.actions_enabled:
            return []
        if self.state is AlarmState.ALARM:
            actions = c.alarm_actions
        elif self.state is AlarmState.OK:
            actions = c.ok_actions
        else:
            actions = ()
        if actions:
            self._last_action = now
        return list(actions)

    def _reason(self, v: Verdict) -> str:
        c = self.config
        n, m = c.evaluation_periods, c.datapoints_to_alarm
        op = COMPARISONS[c.comparison]
        thr = repr(float(c.threshold))
        if v.rule is Rule.NO_DATA:
            return f"Insufficient Data: {_count(n, 'datapoint')} {_was(n)} unknown."
        if v.rule is Rule.TOO_RECENT:
            return (
                f"Insufficient Data: {_count(len(v.breaching), 'datapoint')} "
                f"[{_values(v.breaching)}] {_was(len(v.breaching))} {op} the threshold ({thr}) "
                f"and the rest missing; the oldest is {_count(v.age, 'period')} old, under the "
                f"{m} needed to alarm on missing data (avoiding premature transitions)."
            )
        if v.rule is Rule.PREMATURE:
            return (
                f"Threshold Crossed: {_count(len(v.breaching), 'datapoint')} "
                f"[{_values(v.breaching)}] {_was(len(v.breaching))} {op} the threshold ({thr}) "
                f"and the more recent periods were missing; the oldest breaching datapoint is "
                f"{_count(v.age, 'period')} old (minimum {_count(m, 'datapoint')} for "
                "OK -> ALARM transition)."
            )
        label = "Breaching" if c.treat_missing_data == "breaching" else "NonBreaching"
        k = v.filled
        real = len(v.breaching) + len(v.not_breaching)
        if v.rule is Rule.FILLED and real == 0:
            return (
                f"Threshold Crossed: no datapoints were received for {_count(k, 'period')} and "
                f"{_count(k, 'missing datapoint')} {_was(k)} treated as [{label}]."
            )
        if v.state is AlarmState.ALARM:
            listed, verb = v.breaching, op
            minimum = f"(minimum {_count(m, 'datapoint')} for OK -> ALARM transition)"
        else:
            listed, verb = v.not_breaching, f"not {op}"
            minimum = f"(minimum {_count(n - m + 1, 'datapoint')} for ALARM -> OK transition)"
        total = real if v.rule is Rule.REAL_ONLY else n
        if v.rule is Rule.COUNTED and n == 1:
            return f"Threshold Crossed: 1 datapoint [{_values(listed)}] was {verb} the threshold ({thr})."
        text = (
            f"Threshold Crossed: {len(listed)} out of the last {total} datapoints "
            f"[{_values(listed)}] {_was(len(listed))} {verb} the threshold ({thr})"
        )
        if v.rule is Rule.FILLED:
            text += f" and {_count(k, 'missing datapoint')} {_was(k)} treated as [{label}]"
        return f"{text} {minimum}."


def clock(t: float) -> str:
    """A time since the simulation start as ``[Nd ]HH:MM:SS[.mmm]`` (CloudWatch shows wall times)."""
    sign = "-" if t < 0 else ""
    ms = round(abs(t) * 1000)
    days, ms = divmod(ms, 86_400_000)
    hours, ms = divmod(ms, 3_600_000)
    minutes, ms = divmod(ms, 60_000)
    seconds, ms = divmod(ms, 1000)
    text = f"{hours:02d}:{minutes:02d}:{seconds:02d}" + (f".{ms:03d}" if ms else "")
    return f"{sign}{days}d {text}" if days else f"{sign}{text}"


def _values(slots: Sequence[Slot]) -> str:
    """Datapoints as CloudWatch lists them: newest first, ``value (time)``."""
    return ", ".join(f"{float(v)!r} ({clock(t)})" for t, v in reversed(slots) if v is not None)


def _count(k: int, noun: str) -> str:
    return f"{k} {noun}" if k == 1 else f"{k} {noun}s"


def _was(k: int) -> str:
    return "was" if k == 1 else "were"
