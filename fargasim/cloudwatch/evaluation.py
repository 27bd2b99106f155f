"""How a metric alarm turns its evaluation range into a state: M out of N and missing data.

Pure logic, no time and no store: :func:`judge` takes the datapoints of the *evaluation range*
(oldest first, ``None`` for a missing period) and returns a :class:`Verdict`. The rules are those
of the CloudWatch User Guide, "Configuring how CloudWatch alarms treat missing data" →
"How alarm state is evaluated when data is missing"
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarms-and-missing-data.html):

* "CloudWatch attempts to retrieve a higher number of data points than the number specified as
  **Evaluation Periods** … The time frame of the data points that it attempts to retrieve is the
  *evaluation range*." (Its length is not published; fargasim's default is N + 2, the documented
  example's "5" for N = 3. See :class:`~fargasim.cloudwatch.alarms.Alarm`.)
* "If no data points in the evaluation range are missing, CloudWatch evaluates the alarm based on
  the most recent data points collected."
* "If some data points … are missing, but the total number of existing data points … is equal to
  or more than the alarm's **Evaluation Periods**, CloudWatch evaluates the alarm state based on
  the most recent real data points …  the value you set for how to treat missing data is not
  needed and is ignored."
* Otherwise "CloudWatch fills in the missing data points with the result you specified for how to
  treat missing data … all real data points in the evaluation range are included in the
  evaluation. CloudWatch uses missing data points only as few times as possible." The filled
  periods are the most recent missing ones (the guide: "the two most recent missing data points
  are both treated as breaching").
* "If fewer than the value of **Datapoints to Alarm** are breaching, the alarm state is set to
  OK. Otherwise, the state is set to ALARM." ("Evaluating an alarm"; the breaching datapoints
  "do not have to be consecutive".)
* ``notBreaching``: "Missing data points are treated as 'good'"; ``breaching``: "as 'bad'";
  ``ignore``: "The current alarm state is maintained"; ``missing``: "If all data points in the
  alarm evaluation range are missing, the alarm transitions to INSUFFICIENT_DATA."
* "Avoiding premature transitions to alarm state": "alarms are designed to always go into ALARM
  state when the oldest available breaching datapoint … is at least as old as the value of
  **Datapoints to Alarm**, and all other more recent data points are breaching or missing", while
  ``- - - - X`` (too recent) does not alarm "because the next data point may be non-breaching".

**Interpretation (documented, tested).** With ``missing`` and ``ignore``, when the range holds
fewer real datapoints than N, the real ones are counted alone: M or more breaching → ALARM; a
non-breaching one among them → OK (the guide's table: ``0 - X - -`` with 2 of 3 is OK, although
the premature-transition sentence read literally would give ALARM — awsdocs issue #129 reports
that contradiction); all breaching but fewer than M → the premature-transition rule: ALARM when
the oldest is at least M periods old (``missing``), else INSUFFICIENT_DATA (the archived guide's
row ``- - - - X`` → "Insufficient data"). ``ignore`` keeps the current state wherever ``missing``
would need the premature-transition rule or have no data at all (the table's "Retain current
state" cells).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum

#: The four TreatMissingData values (PutMetricAlarm; the default is ``missing``).
TREAT_MISSING_DATA = ("missing", "notBreaching", "breaching", "ignore")

Slot = tuple[float, float | None]
"""One period of the evaluation range: its start time and value (None = missing)."""


class AlarmState(str, Enum):
    """A metric alarm's state ("The alarm has just started … INSUFFICIENT_DATA")."""

    OK = "OK"
    ALARM = "ALARM"
    INSUFFICIENT_DATA = "INSUFFICIENT_DATA"


class Rule(str, Enum):
    """Which rule of the guide decided a :class:`Verdict` (drives the state reason's wording)."""

    COUNTED = "counted"  # at least N real datapoints: the most recent N are counted
    FILLED = "filled"  # breaching / notBreaching filled the missing ones
    REAL_ONLY = "real-only"  # missing / ignore, fewer than N real: the real ones decide
    PREMATURE = "premature"  # all real breaching, fewer than M, the oldest old enough
    TOO_RECENT = "too-recent"  # all real breaching, fewer than M, the oldest too recent
    NO_DATA = "no-data"  # nothing real in the evaluation range


@dataclass(frozen=True)
class Verdict:
    """The outcome of one evaluation.

    ``state`` is None when the alarm keeps its current state (``ignore``). ``window`` is the N
    datapoints evaluated, oldest first: the real ones used plus the filled (None) periods.
    ``age`` is, for the premature-transition rules, how many periods old the oldest real datapoint
    is (1 = the newest period of the range).
    """

    state: AlarmState | None
    rule: Rule
    window: tuple[Slot, ...]
    breaching: tuple[Slot, ...]
    not_breaching: tuple[Slot, ...]
    filled: int
    age: int = 0


def judge(
    evaluation_range: Sequence[Slot],
    *,
    evaluation_periods: int,
    datapoints_to_alarm: int,
    treat_missing_data: str,
    breaches: Callable[[float], bool],
) -> Verdict:
    """Decide an alarm's state from its evaluation range (oldest first; see the module doc)."""
    n, m = evaluation_periods, datapoints_to_alarm
    if len(evaluation_range) < n:
        raise ValueError(
            f"evaluation range of {len(evaluation_range)} periods is shorter than N={n}"
        )
    if treat_missing_data not in TREAT_MISSING_DATA:
        raise ValueError(f"unknown TreatMissingData {treat_missing_data!r}")
    real: list[Slot] = [(t, v) for t, v in evaluation_range if v is not None]

    def split(slots: Sequence[Slot]) -> tuple[tuple[Slot, ...], tuple[Slot, ...]]:
        bad = tuple(s for s in slots if s[1] is not None and breaches(s[1]))
        good = tuple(s for s in slots if s[1] is not None and not breaches(s[1]))
        return bad, good

    if len(real) >= n:
        window = tuple(real[-n:])
        bad, good = split(window)
        state = AlarmState.ALARM if len(bad) >= m else AlarmState.OK
        return Verdict(state, Rule.COUNTED, window, bad, good, 0)

    to_fill = n - len(real)
    missing = [s for s in evaluation_range if s[1] is None][-to_fill:]
    window = tuple(sorted(real + missing, key=lambda s: s[0]))
    bad, good = split(real)

    if treat_missing_data in ("breaching", "notBreaching"):
        count = len(bad) + (to_fill if treat_missing_data == "breaching" else 0)
        state = AlarmState.ALARM if count >= m else AlarmState.OK
        return Verdict(state, Rule.FILLED, window, bad, good, to_fill)

    keep = treat_missing_data == "ignore"
    if not real:
        state_none = None if keep else AlarmState.INSUFFICIENT_DATA
        return Verdict(state_none, Rule.NO_DATA, window, bad, good, to_fill)
    if len(bad) >= m:
        return Verdict(AlarmState.ALARM, Rule.REAL_ONLY, window, bad, good, to_fill)
    if good:
        return Verdict(AlarmState.OK, Rule.REAL_ONLY, window, bad, good, to_fill)
    # Every real datapoint breaches, but fewer than M of them: "Avoiding premature transitions".
    oldest_index = next(i for i, (_, v) in enumerate(evaluation_range) if v is not None)
    age = len(evaluation_range) - oldest_index
    if age >= m:
        state_p = None if keep else AlarmState.ALARM
        return Verdict(state_p, Rule.PREMATURE, window, bad, good, to_fill, age)
    state_r = None if keep else AlarmState.INSUFFICIENT_DATA
    return Verdict(state_r, Rule.TOO_RECENT, window, bad, good, to_fill, age)
