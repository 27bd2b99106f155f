"""Amazon CloudWatch as fargasim needs it: metric datapoints and metric alarms (§6, §11).

Pure, engine-independent classes driven by explicit ``now`` arguments; the engine calls them from
SimPy processes (metric publication in ``Phase.METRICS``, alarm evaluation in ``Phase.ALARMS``).

The model and its assumptions:

* **Datapoints** (:mod:`~fargasim.cloudwatch.metrics`). One statistic set (SampleCount, Sum,
  Minimum, Maximum) per metric per period — 60 s, or 20 s for high resolution (§6.2, §11). A
  period without a datapoint is *missing* (ECS reports metrics "only for resources with RUNNING
  tasks", §11). Longer alarm periods merge the datapoints they contain.
* **Publishing delay** — a parameter (§11 **UNSOURCED**): a datapoint is visible from
  ``visible_at`` = period end + delay, and an :class:`Alarm` built with the same delay looks only
  at periods ending at or before ``floor((now − delay) / Period) · Period``.
* **Evaluation range** — N + 2 periods by default (assumption; the CloudWatch guide's examples
  retrieve 5 datapoints for 3 evaluation periods and the rule is not published). M out of N and
  the four TreatMissingData options follow the guide's "How alarm state is evaluated when data is
  missing", including its tables and the "premature transition" rule
  (:mod:`~fargasim.cloudwatch.evaluation`).
* **Action repetition** — alarm actions are Application Auto Scaling policies, invoked on the
  transition into ALARM (OKActions into OK) and then "once each minute when the alarm remains in a
  new state, regardless of the configured time period" (AWS Knowledge Center); non-scaling actions
  are not modelled.
* Not simulated: percentiles (ExtendedStatistic), metric math, anomaly detection, composite
  alarms, InsufficientDataActions.
"""

from fargasim.cloudwatch.alarms import Alarm, AlarmConfig, StateChange
from fargasim.cloudwatch.evaluation import TREAT_MISSING_DATA, AlarmState, Verdict, judge
from fargasim.cloudwatch.metrics import (
    STATISTICS,
    CloudWatchError,
    Datapoint,
    MetricKey,
    MetricStore,
    Stats,
)

__all__ = [
    "STATISTICS",
    "TREAT_MISSING_DATA",
    "Alarm",
    "AlarmConfig",
    "AlarmState",
    "CloudWatchError",
    "Datapoint",
    "MetricKey",
    "MetricStore",
    "StateChange",
    "Stats",
    "Verdict",
    "judge",
]
