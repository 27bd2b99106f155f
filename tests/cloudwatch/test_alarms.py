"""Metric alarms: M out of N, comparison operators, the publish delay, actions, history.

Sources are quoted in each test: the CloudWatch User Guide ("Evaluating an alarm", "Alarm
actions"), the PutMetricAlarm API reference, the AWS Knowledge Center and reference §6, §11.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fargasim.cloudwatch import Alarm, AlarmConfig, AlarmState, CloudWatchError, MetricStore, judge
from fargasim.cloudwatch.alarms import clock
from tests.cloudwatch.support import HIGH, KEY, LOW, config, fill, pattern, run

# ---------------------------------------------------------------------------------------------
# Configuration (PutMetricAlarm)


def test_anomaly_detection_operators_are_refused() -> None:
    for op in (
        "LessThanLowerOrGreaterThanUpperThreshold",
        "LessThanLowerThreshold",
        "GreaterThanUpperThreshold",
    ):
        with pytest.raises(ValueError, match="anomaly detection is not simulated"):
            config(comparison=op)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"comparison": "Bigger"}, "unknown ComparisonOperator"),
        ({"treat": "zero"}, "unknown TreatMissingData"),
        ({"statistic": "p90"}, "percentiles are not simulated"),
        ({"n": 0}, "EvaluationPeriods must be at least 1"),
        # terraform#24070 quotes AWS: "DatapointsToAlarm must be less than or equal to
        # EvaluationPeriods"
        ({"n": 1, "m": 15}, "less than or equal to EvaluationPeriods"),
        ({"n": 3, "m": 0}, "DatapointsToAlarm must be at least 1"),
        # PutMetricAlarm: "Valid values are 10, 20, 30, and any multiple of 60."
        ({"period": 45.0}, "valid values are 10, 20, 30"),
        ({"period": 90.0}, "valid values are 10, 20, 30"),
        # "For alarms with a period of less than one hour (3,600 seconds), the total evaluation
        # period can't be longer than one day (86,400 seconds)."
        ({"period": 60.0, "n": 1441}, "exceeds 86400"),
        # "Period multiplied by EvaluationPeriods can't be more than 604,800 seconds."
        ({"period": 3600.0, "n": 169}, "exceeds 604800"),
        ({"threshold": float("inf")}, "finite"),
    ],
)
def test_invalid_alarm_configurations(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(CloudWatchError, match=message):
        config(**kwargs)  # type: ignore[arg-type]


def test_valid_periods() -> None:
    for period in (10.0, 20.0, 30.0, 60.0, 300.0, 3600.0):
        assert config(period=period).period == period
    assert config(period=3600.0, n=168).evaluation_periods == 168
    assert config(period=60.0, n=1440).evaluation_periods == 1440


@pytest.mark.parametrize(
    ("comparison", "below", "at", "above"),
    [
        ("GreaterThanOrEqualToThreshold", False, True, True),
        ("GreaterThanThreshold", False, False, True),
        ("LessThanThreshold", True, False, False),
        ("LessThanOrEqualToThreshold", True, True, False),
    ],
)
def test_each_operator_at_the_threshold(
    comparison: str, below: bool, at: bool, above: bool
) -> None:
    """``…OrEqualTo…`` breaches at the threshold itself; the strict operators do not."""
    c = config(comparison=comparison, threshold=60.0)
    assert (c.breaches(59.9), c.breaches(60.0), c.breaches(60.1)) == (below, at, above)
    # and end to end: one 1-of-1 alarm fed exactly the threshold
    store = MetricStore()
    fill(store, [60.0])
    alarm = Alarm(config(comparison=comparison, threshold=60.0, n=1), store, 0.0)
    alarm.evaluate(60.0)
    assert alarm.state is (AlarmState.ALARM if at else AlarmState.OK)


# ---------------------------------------------------------------------------------------------
# State


def test_a_new_alarm_is_insufficient_data() -> None:
    """PutCompositeAlarm/PutMetricAlarm: "When this operation creates an alarm, the alarm state is
    immediately set to INSUFFICIENT_DATA"; StateReason "Unchecked: Initial alarm creation"."""
    alarm = Alarm(config(), MetricStore(), 0.0)
    assert alarm.state is AlarmState.INSUFFICIENT_DATA
    assert alarm.state_reason == "Unchecked: Initial alarm creation"
    assert alarm.evaluate(600.0) == []
    assert alarm.state is AlarmState.INSUFFICIENT_DATA
    assert alarm.history == []


def test_m_out_of_n_need_not_be_consecutive() -> None:
    """ "Datapoints to Alarm is the number of data points within the evaluation period that must be
    breaching … The breaching data points do not have to be consecutive, they just must all be
    within the last number of data points equal to Evaluation Period.\""""
    for data, expected in [
        ("0 0 X 0 X", AlarmState.ALARM),
        ("0 0 X X 0", AlarmState.ALARM),
        ("0 0 X 0 0", AlarmState.OK),
        ("X X 0 0 X", AlarmState.OK),  # the older breaches are outside the last 3
    ]:
        store = MetricStore()
        fill(store, pattern(data))
        alarm = Alarm(config(n=3, m=2), store, 0.0)
        alarm.evaluate(300.0)
        assert alarm.state is expected, data


def test_the_guides_evaluation_figure() -> None:
    """ "Evaluating an alarm": threshold 3 units, Evaluation Period = Datapoints to Alarm = 3.
    "when all three datapoints in the most recent three consecutive periods are above the
    threshold, the alarm goes to the ALARM state. In the figure, this happens in the third through
    fifth time periods. At period six, the value dips below the threshold … and the alarm state
    changes to OK. During the ninth time period, the threshold is breached again, but for only one
    period. Consequently, the alarm state remains OK.\""""
    values = [4.0, 4.0, 4.0, 4.0, 4.0, 2.0, 2.0, 2.0, 4.0]
    store = MetricStore()
    fill(store, values)
    alarm = Alarm(config(n=3, threshold=3.0), store, 0.0)
    states = {}
    for k in range(1, 10):
        alarm.evaluate(60.0 * k)
        states[k] = alarm.state
    assert [states[k] for k in (3, 4, 5)] == [AlarmState.ALARM] * 3
    assert [states[k] for k in (6, 7, 8, 9)] == [AlarmState.OK] * 4


def test_knowledge_center_example() -> None:
    """AWS Knowledge Center, cloudwatch-alarms-trigger-actions: "threshold that's greater than 45
    and a period of 5 minutes. Both Evaluation Period and Datapoints to Alarm are 3" over
    05:25 61.123, 05:30 57.847, 05:35 60.503, 05:40 55.473, 05:45 41.685, 05:50 58.390 … "result
    in the following alarm states: 05:35 ALARM, 05:40 ALARM, 05:45 ALARM to OK, 05:50 OK"."""
    values = [61.123, 57.847, 60.503, 55.473, 41.685, 58.390, 57.846, 61.123]
    store = MetricStore()
    fill(store, values, period=300.0)  # t = 0 is 05:25
    alarm = Alarm(config(n=3, period=300.0, threshold=45.0), store, 0.0)
    state_after = {}
    for i, label in enumerate(["05:25", "05:30", "05:35", "05:40", "05:45", "05:50"]):
        alarm.evaluate(300.0 * (i + 1))  # once the datapoint of ``label`` is complete
        state_after[label] = alarm.state
    assert state_after["05:35"] is AlarmState.ALARM
    assert state_after["05:40"] is AlarmState.ALARM
    assert state_after["05:45"] is AlarmState.OK
    assert state_after["05:50"] is AlarmState.OK


def test_ignore_keeps_the_state_when_data_stops() -> None:
    """``ignore``: "The current alarm state is maintained" — an ALARM with no more data stays ALARM."""
    store = MetricStore()
    fill(store, pattern("X X X"))
    alarm = Alarm(config(n=3, treat="ignore"), store, 0.0)
    for k in range(3, 30):
        alarm.evaluate(60.0 * k)
    assert alarm.state is AlarmState.ALARM
    assert len(alarm.history) == 1


def test_metric_stopping_re_evaluates_the_last_datapoints_then_insufficient() -> None:
    """Note in the guide: "CloudWatch alarms might repeatedly re-evaluate the last set of data
    points for a period of time after the metric has stopped flowing." With ``missing``, 3 of 3
    and a range of 5, the alarm stays in ALARM while a breaching datapoint is in the range, then
    "If all data points in the alarm evaluation range are missing, the alarm transitions to
    INSUFFICIENT_DATA"."""
    store = MetricStore()
    fill(store, pattern("X X X"))  # [0, 180)
    alarm = Alarm(config(n=3), store, 0.0)
    states = []
    for k in range(3, 9):
        alarm.evaluate(60.0 * k)
        states.append(alarm.state)
    A, I = AlarmState.ALARM, AlarmState.INSUFFICIENT_DATA  # noqa: E741
    # ends 180: X X X; 240: X X X -; 300: X X X - -; 360: X X - - - (premature rule);
    # 420: X - - - - ; 480: - - - - -
    assert states == [A, A, A, A, A, I]


# ---------------------------------------------------------------------------------------------
# Publish delay (§11 UNSOURCED: a parameter) and the evaluation range


def _step_store(delay: float) -> MetricStore:
    """CPU 10 % until 600 s, 90 % from 600 s: the first high datapoint is [600, 660)."""
    store = MetricStore()
    fill(store, [10.0] * 10 + [90.0] * 10, delay=delay)
    return store


def test_publish_delay_shifts_when_the_alarm_sees_a_step() -> None:
    """Hand computation, 3 of 3 > 60, 60 s periods, evaluated every minute on the minute.

    The third high datapoint covers [720, 780). With no delay it is visible at 780 and
    ``last_end = floor(780 / 60)·60 = 780``: ALARM at 780. With a 30 s delay it is visible at 810;
    at 780 ``last_end = floor(750 / 60)·60 = 720`` (window 540, 600, 660: one low) and at 840
    ``last_end = floor(810 / 60)·60 = 780``: ALARM at 840. Evaluated at 810 exactly: ALARM at 810.
    """
    times = [60.0 * k for k in range(1, 21)]

    def first_alarm(delay: float, when: list[float]) -> float:
        alarm = Alarm(config(n=3, threshold=60.0), _step_store(delay), delay)
        for t in when:
            alarm.evaluate(t)
            if alarm.state is AlarmState.ALARM:
                return t
        raise AssertionError("never alarmed")

    assert first_alarm(0.0, times) == 780.0
    assert first_alarm(30.0, times) == 840.0
    assert first_alarm(30.0, [780.0, 809.0, 810.0]) == 810.0
    assert first_alarm(90.0, times) == 900.0  # visible at 870; last_end(900) = 780


def test_last_end_formula() -> None:
    alarm = Alarm(config(period=300.0), MetricStore(), 45.0)
    assert alarm.last_end(344.9) == 0.0
    assert alarm.last_end(345.0) == 300.0
    assert alarm.last_end(644.0) == 300.0
    # floating error in ``now`` does not lose a period
    assert Alarm(config(), MetricStore(), 0.1).last_end(60.0 + 60.0 + 0.1) == 120.0


def test_unpublished_periods_are_not_counted_as_missing() -> None:
    """A period whose datapoint is still in flight lies beyond ``last_end``: even with
    ``breaching`` it is not filled as a breach. Low data evaluated every second from the first
    publication (before it, the whole range is missing, which ``breaching`` rightly calls ALARM)
    never alarms."""
    delay = 30.0
    store = MetricStore()
    fill(store, [10.0] * 20, delay=delay)
    alarm = Alarm(config(n=3, treat="breaching", threshold=60.0), store, delay)
    alarm.evaluate(59.0)
    assert alarm.state is AlarmState.ALARM  # "- - - - -" with breaching
    for t in np.arange(60.0 + delay, 1200.0 + delay, 1.0):
        alarm.evaluate(float(t))
        assert alarm.state is not AlarmState.ALARM, t
    assert alarm.evaluation_range(1200.0 + delay)[-1] == (1140.0, 10.0)


def test_a_datapoint_later_than_the_alarm_assumes_is_missing() -> None:
    """The store's datapoint arrives after the alarm's ``publish_delay``: it is missing then."""
    store = MetricStore()
    fill(store, [10.0] * 5, delay=100.0)
    alarm = Alarm(config(n=3), store, 0.0)
    # [240, 300) is published at 400: at 340 its period is looked at but counts as missing
    assert alarm.evaluation_range(340.0)[-2:] == [(180.0, 10.0), (240.0, None)]
    assert alarm.evaluation_range(400.0)[-2:] == [(240.0, 10.0), (300.0, None)]


def test_evaluation_range_is_n_plus_two_by_default() -> None:
    """The guide's examples: 3 evaluation periods, "5 is the evaluation range"."""
    store = MetricStore()
    assert len(Alarm(config(n=3), store, 0.0).evaluation_range(600.0)) == 5
    assert len(Alarm(config(n=15), store, 0.0).evaluation_range(6000.0)) == 17
    wider = Alarm(config(n=3), store, 0.0, extra_range_periods=4)
    assert len(wider.evaluation_range(600.0)) == 7


def test_evaluation_window_for_step_scaling() -> None:
    """The N datapoints evaluated, oldest first (for MetricAggregationType, §6.3: "applies your
    specified aggregation type to the most recent metric data points")."""
    store = MetricStore()
    fill(store, [70.0, 80.0, None, 95.0, 85.0])
    alarm = Alarm(config(n=3, threshold=60.0), store, 0.0)
    # range [0, 300): 70 80 - 95 85 → the most recent 3 real ones
    assert alarm.evaluation_window(300.0) == [(60.0, 80.0), (180.0, 95.0), (240.0, 85.0)]


def test_evaluation_interval() -> None:
    """The engine evaluates every 60 s, or every period when it is shorter."""
    assert Alarm(config(period=300.0), MetricStore(), 0.0).evaluation_interval == 60.0
    assert Alarm(config(period=20.0), MetricStore(), 0.0).evaluation_interval == 20.0


def test_time_must_not_go_backwards() -> None:
    alarm = Alarm(config(), MetricStore(), 0.0)
    alarm.evaluate(120.0)
    alarm.evaluate(120.0)  # the same instant is fine
    with pytest.raises(CloudWatchError, match="evaluated at"):
        alarm.evaluate(60.0)


def test_model_parameters_are_checked() -> None:
    with pytest.raises(CloudWatchError, match="publish_delay"):
        Alarm(config(), MetricStore(), -1.0)
    with pytest.raises(CloudWatchError, match="extra_range_periods"):
        Alarm(config(), MetricStore(), 0.0, extra_range_periods=-1)
    with pytest.raises(CloudWatchError, match="action_interval"):
        Alarm(config(), MetricStore(), 0.0, action_interval=0.0)


# ---------------------------------------------------------------------------------------------
# Actions


def test_scaling_actions_repeat_every_minute_regardless_of_period() -> None:
    """Knowledge Center (autoscaling-policy-cloudwatch-alarm): "an alarm invokes an Auto Scaling
    action once each minute when the alarm remains in a new state, regardless of the configured
    time period." A 300 s alarm evaluated every minute invokes its action every minute."""
    store = MetricStore()
    fill(store, [HIGH] * 20)
    alarm = Alarm(config(n=1, period=300.0), store, 0.0)
    got = run(alarm, [60.0 * k for k in range(1, 21)])
    assert sorted(got) == [60.0 * k for k in range(5, 21)]  # from 300 s, every minute
    assert set(map(tuple, got.values())) == {("scale-out",)}
    assert len(alarm.history) == 1


def test_high_resolution_alarm_repeats_once_a_minute_not_every_evaluation() -> None:
    """A 20 s alarm evaluated every 20 s: actions at the transition, then every 60 s only."""
    store = MetricStore()
    fill(store, [HIGH] * 30, period=20.0)
    alarm = Alarm(config(n=3, period=20.0), store, 0.0)
    got = run(alarm, [20.0 * k for k in range(1, 31)])
    assert sorted(got) == [60.0, 120.0, 180.0, 240.0, 300.0, 360.0, 420.0, 480.0, 540.0, 600.0]


def test_actions_do_not_double_at_one_instant() -> None:
    store = MetricStore()
    fill(store, [HIGH] * 5)
    alarm = Alarm(config(n=1), store, 0.0)
    assert alarm.evaluate(60.0) == ["scale-out"]
    assert alarm.evaluate(60.0) == []
    assert alarm.evaluate(119.0) == []
    assert alarm.evaluate(120.0) == ["scale-out"]


def test_ok_actions_on_transition_and_every_minute() -> None:
    """OKActions are scaling actions too (e.g. a scale-in policy): same rule as ALARM."""
    store = MetricStore()
    fill(store, [HIGH, LOW, LOW, LOW, HIGH])
    c = config(n=1, alarm_actions=("out",), ok_actions=("in",))
    alarm = Alarm(c, store, 0.0)
    got = run(alarm, [60.0, 90.0, 120.0, 150.0, 180.0, 240.0, 300.0])
    assert got == {60.0: ["out"], 120.0: ["in"], 180.0: ["in"], 240.0: ["in"], 300.0: ["out"]}


def test_no_actions_in_insufficient_data_and_repetition_stops() -> None:
    """Scaling policies are AlarmActions/OKActions only; INSUFFICIENT_DATA invokes nothing."""
    store = MetricStore()
    fill(store, [HIGH])
    alarm = Alarm(config(n=1), store, 0.0)
    got = run(alarm, [60.0 * k for k in range(1, 12)])
    # [0,60) is in the range (3 periods for N = 1) until 240; premature rule keeps ALARM
    assert sorted(got) == [60.0, 120.0, 180.0]
    assert alarm.state is AlarmState.INSUFFICIENT_DATA


def test_actions_disabled() -> None:
    """PutMetricAlarm ActionsEnabled=false: state changes, no actions."""
    store = MetricStore()
    fill(store, [HIGH] * 3)
    c = AlarmConfig(
        name="quiet",
        metric=KEY,
        statistic="Average",
        period=60.0,
        evaluation_periods=1,
        datapoints_to_alarm=1,
        threshold=50.0,
        comparison="GreaterThanThreshold",
        alarm_actions=("out",),
        actions_enabled=False,
    )
    alarm = Alarm(c, store, 0.0)
    assert run(alarm, [60.0, 120.0, 180.0]) == {}
    assert alarm.state is AlarmState.ALARM


def test_set_alarm_state_lasts_until_the_next_evaluation() -> None:
    """Guide: SetAlarmState — "This temporary state change lasts only until the next alarm
    comparison occurs." The forced ALARM invokes the alarm actions like any transition."""
    store = MetricStore()
    fill(store, [LOW] * 3)
    alarm = Alarm(config(n=1), store, 0.0)
    alarm.evaluate(60.0)
    assert alarm.set_state(70.0, AlarmState.ALARM, "test") == ["scale-out"]
    assert alarm.set_state(70.0, AlarmState.ALARM, "test") == []
    alarm.evaluate(120.0)
    assert alarm.state is AlarmState.OK
    assert [h.new_state for h in alarm.history] == [
        AlarmState.OK,
        AlarmState.ALARM,
        AlarmState.OK,
    ]


# ---------------------------------------------------------------------------------------------
# History and reasons


def test_history_records_every_transition_with_cloudwatch_reasons() -> None:
    """INSUFFICIENT_DATA → OK (first datapoint) → ALARM (3 of 3) → INSUFFICIENT_DATA (no data in
    the range), each with CloudWatch's reason wording, newest datapoint first."""
    store = MetricStore()
    fill(store, [10.0, 10.0, 10.0, 65.2, 70.0, 72.1])
    alarm = Alarm(config(n=3), store, 0.0)
    for k in range(1, 16):
        alarm.evaluate(60.0 * k)
    assert [(h.time, h.old_state, h.new_state) for h in alarm.history] == [
        (60.0, AlarmState.INSUFFICIENT_DATA, AlarmState.OK),
        (360.0, AlarmState.OK, AlarmState.ALARM),
        (660.0, AlarmState.ALARM, AlarmState.INSUFFICIENT_DATA),
    ]
    assert all(h.alarm == "cpu-high" for h in alarm.history)
    assert [h.reason for h in alarm.history] == [
        "Threshold Crossed: 1 out of the last 1 datapoints [10.0 (00:00:00)] was not greater than "
        "the threshold (50.0) (minimum 1 datapoint for ALARM -> OK transition).",
        "Threshold Crossed: 3 out of the last 3 datapoints [72.1 (00:05:00), 70.0 (00:04:00), "
        "65.2 (00:03:00)] were greater than the threshold (50.0) (minimum 3 datapoints for "
        "OK -> ALARM transition).",
        "Insufficient Data: 3 datapoints were unknown.",
    ]
    assert alarm.state_reason == alarm.history[-1].reason


def test_reasons_for_filled_missing_data() -> None:
    """CloudWatch's own wording (seen in StateReason values): "Threshold Crossed: no datapoints were
    received for 1 period and 1 missing datapoint was treated as [NonBreaching].\""""
    alarm = Alarm(config(n=1, treat="notBreaching"), MetricStore(), 0.0)
    alarm.evaluate(60.0)
    assert alarm.state_reason == (
        "Threshold Crossed: no datapoints were received for 1 period and 1 missing datapoint was "
        "treated as [NonBreaching]."
    )
    alarm = Alarm(config(n=1, treat="breaching"), MetricStore(), 0.0)
    alarm.evaluate(60.0)
    assert alarm.state_reason.endswith("1 missing datapoint was treated as [Breaching].")
    store = MetricStore()
    fill(store, pattern("- - X - -"))
    alarm = Alarm(config(n=3, treat="breaching"), store, 0.0)
    alarm.evaluate(300.0)
    assert alarm.state_reason == (
        "Threshold Crossed: 1 out of the last 3 datapoints [90.0 (00:02:00)] was greater than the "
        "threshold (50.0) and 2 missing datapoints were treated as [Breaching] (minimum 3 "
        "datapoints for OK -> ALARM transition)."
    )


def test_single_datapoint_reason() -> None:
    """CloudWatch: "Threshold Crossed: 1 datapoint [1.0 (05/02/18 06:28:00)] was greater than the
    threshold (1.0).\""""
    store = MetricStore()
    fill(store, [HIGH])
    alarm = Alarm(config(n=1), store, 0.0)
    alarm.evaluate(60.0)
    assert alarm.state_reason == (
        "Threshold Crossed: 1 datapoint [90.0 (00:00:00)] was greater than the threshold (50.0)."
    )


def test_premature_and_too_recent_reasons() -> None:
    store = MetricStore()
    fill(store, pattern("- - - - X"))
    alarm = Alarm(config(n=3), store, 0.0)
    alarm.set_state(0.0, AlarmState.OK, "test")
    alarm.evaluate(300.0)
    assert alarm.state is AlarmState.INSUFFICIENT_DATA
    assert alarm.state_reason.startswith("Insufficient Data: 1 datapoint [90.0 (00:04:00)] was")
    assert "premature" in alarm.state_reason
    store = MetricStore()
    fill(store, pattern("- - X - -"))
    alarm = Alarm(config(n=3), store, 0.0)
    alarm.evaluate(300.0)
    assert alarm.state is AlarmState.ALARM
    assert "3 periods old" in alarm.state_reason
    assert alarm.state_reason.endswith("(minimum 3 datapoints for OK -> ALARM transition).")


def test_clock() -> None:
    assert clock(0.0) == "00:00:00"
    assert clock(3723.0) == "01:02:03"
    assert clock(86_400.0 + 60.0) == "1d 00:01:00"
    assert clock(59.9999999) == "00:01:00"
    assert clock(20.5) == "00:00:20.500"
    assert clock(-60.0) == "-00:01:00"


# ---------------------------------------------------------------------------------------------
# Invariants of the rule


slot_values = st.lists(st.sampled_from([None, LOW, HIGH]), min_size=3, max_size=8)


@settings(max_examples=200, deadline=None)
@given(slot_values, st.integers(1, 3), st.data())
def test_rule_invariants(values: list[float | None], n: int, data: st.DataObject) -> None:
    """Enough real datapoints make TreatMissingData irrelevant ("the value you set for how to treat
    missing data is not needed and is ignored"); filling as breaching never yields fewer ALARMs
    than filling as not breaching; the window always has N datapoints."""
    m = data.draw(st.integers(1, n))
    slots = [(60.0 * i, v) for i, v in enumerate(values)]
    verdicts = {
        t: judge(
            slots,
            evaluation_periods=n,
            datapoints_to_alarm=m,
            treat_missing_data=t,
            breaches=lambda x: x > 50.0,
        )
        for t in ("missing", "ignore", "breaching", "notBreaching")
    }
    assert all(len(v.window) == n for v in verdicts.values())
    if sum(v is not None for v in values) >= n:
        assert len({v.state for v in verdicts.values()}) == 1
    if verdicts["notBreaching"].state is AlarmState.ALARM:
        assert verdicts["breaching"].state is AlarmState.ALARM
    if verdicts["missing"].state is AlarmState.ALARM:
        assert verdicts["breaching"].state is AlarmState.ALARM
    if verdicts["ignore"].state is not None:
        assert verdicts["ignore"].state is verdicts["missing"].state
