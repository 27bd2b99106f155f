"""The CloudWatch User Guide's missing-data tables, reproduced row by row.

Source: CloudWatch User Guide, "Configuring how CloudWatch alarms treat missing data" →
"How alarm state is evaluated when data is missing",
https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarms-and-missing-data.html

"In the first table, **Datapoints to Alarm** and **Evaluation Periods** are both 3. CloudWatch
retrieves the 5 most recent data points when evaluating the alarm … 5 is the evaluation range
for the alarm. Column 1 shows the 5 most recent data points … with the most recent data point on
the right. 0 is a non-breaching data point, X is a breaching data point, and - is a missing data
point. Column 2 shows how many of the 3 necessary data points are missing … the number of data
points that must be 'filled in'."

| Data points | # of data points that must be filled | MISSING | IGNORE | BREACHING | NOT BREACHING |
| 0 - X - X | 0 | OK | OK | OK | OK |
| 0 - - - - | 2 | OK | OK | OK | OK |
| - - - - - | 3 | INSUFFICIENT_DATA | Retain current state | ALARM | OK |
| 0 X X - X | 0 | ALARM | ALARM | ALARM | ALARM |
| - - X - - | 2 | ALARM | Retain current state | ALARM | OK |

"In the next table, the **Period** is again set to 5 minutes, and **Datapoints to Alarm** is only
2 while **Evaluation Periods** is 3. This is a 2 out of 3, M out of N alarm. The evaluation range
is 5."

| Data points | # of missing data points | MISSING | IGNORE | BREACHING | NOT BREACHING |
| 0 - X - X | 0 | ALARM | ALARM | ALARM | ALARM |
| 0 0 X 0 X | 0 | ALARM | ALARM | ALARM | ALARM |
| 0 - X - - | 1 | OK | OK | ALARM | OK |
| - - - - 0 | 2 | OK | OK | ALARM | OK |
| - - - X - | 2 | ALARM | Retain current state | ALARM | OK |

Earlier editions (awsdocs/amazon-cloudwatch-user-guide, doc_source/AlarmThatSendsEmail.md at
commit 05fd32f63861ca6646c8aa5c94334fd6e0dfdbf5, archived 2023) had rows the current page dropped:
3 of 3 ``- - - - X`` → Insufficient data | Retain current state | ALARM | OK and ``X - - - -`` →
ALARM | Retain current state | ALARM | OK ("the oldest evaluated data point is breaching and there
aren't any non-breaching data points"); 2 of 3 ``- - - - X`` → Insufficient data | Retain current
state | ALARM | OK. They agree with the current page's "Avoiding premature transitions to alarm
state", so they are tested too.

Each row runs end to end: a 300 s alarm over 60 s datapoints (each "0"/"X" period holds five
datapoints), evaluated once the newest period is published, from every prior state.
"""

from __future__ import annotations

import pytest

from fargasim.cloudwatch import Alarm, AlarmState, MetricStore, judge
from tests.cloudwatch.support import HIGH, LOW, config, fill, pattern

RETAIN = "Retain current state"
TREATMENTS = ("missing", "ignore", "breaching", "notBreaching")  # the tables' column order
A, OK, ID = "ALARM", "OK", "INSUFFICIENT_DATA"

# (M, data points, # to fill, MISSING, IGNORE, BREACHING, NOT BREACHING)
CURRENT = [
    (3, "0 - X - X", 0, OK, OK, OK, OK),
    (3, "0 - - - -", 2, OK, OK, OK, OK),
    (3, "- - - - -", 3, ID, RETAIN, A, OK),
    (3, "0 X X - X", 0, A, A, A, A),
    (3, "- - X - -", 2, A, RETAIN, A, OK),
    (2, "0 - X - X", 0, A, A, A, A),
    (2, "0 0 X 0 X", 0, A, A, A, A),
    (2, "0 - X - -", 1, OK, OK, A, OK),
    (2, "- - - - 0", 2, OK, OK, A, OK),
    (2, "- - - X -", 2, A, RETAIN, A, OK),
]
ARCHIVED = [
    (3, "- - - - X", ID, RETAIN, A, OK),
    (3, "X - - - -", A, RETAIN, A, OK),
    (2, "- - - - X", ID, RETAIN, A, OK),
]

PERIOD, DELAY = 300.0, 30.0
RANGE_START = 1500.0  # the five periods 1500 … 2700; the newest ends at 3000
NOW = 3000.0 + DELAY  # the moment the newest period's datapoints become visible


def _cases(
    rows: list[tuple[int, str, str, str, str, str]],
) -> list[tuple[int, str, str, str, str]]:
    return [
        (m, data, treat, expected, prior.value)
        for m, data, *cells in rows
        for treat, expected in zip(TREATMENTS, cells, strict=True)
        for prior in AlarmState
    ]


def _run_row(m: int, data: str, treat: str, prior: str) -> Alarm:
    store = MetricStore()
    per_minute: list[float | None] = []
    for v in pattern(data):
        per_minute += [v] * 5  # five 60 s datapoints per 300 s period
    fill(store, per_minute, start=RANGE_START, delay=DELAY)
    alarm = Alarm(config(n=3, m=m, period=PERIOD, treat=treat), store, DELAY)
    alarm.set_state(0.0, AlarmState(prior), "set for the test")
    alarm.evaluate(NOW)
    return alarm


@pytest.mark.parametrize(
    ("m", "data", "treat", "expected", "prior"),
    _cases([(m, d, a, b, c, e) for m, d, _, a, b, c, e in CURRENT]),
)
def test_current_table(m: int, data: str, treat: str, expected: str, prior: str) -> None:
    alarm = _run_row(m, data, treat, prior)
    want = prior if expected == RETAIN else expected
    assert alarm.state.value == want


@pytest.mark.parametrize(("m", "data", "treat", "expected", "prior"), _cases(ARCHIVED))
def test_archived_rows(m: int, data: str, treat: str, expected: str, prior: str) -> None:
    alarm = _run_row(m, data, treat, prior)
    want = prior if expected == RETAIN else expected
    assert alarm.state.value == want


@pytest.mark.parametrize(("m", "data", "to_fill"), [(m, d, f) for m, d, f, *_ in CURRENT])
@pytest.mark.parametrize("treat", TREATMENTS)
def test_column_two_is_the_number_of_filled_datapoints(
    m: int, data: str, to_fill: int, treat: str
) -> None:
    """Column 2: "the number of data points that must be 'filled in'" — the window holds them as
    None, and the window is always N = 3 datapoints ("the number of datapoints evaluated is
    equal to the value of Evaluation Periods")."""
    alarm = _run_row(m, data, treat, "OK")
    window = alarm.evaluation_window(NOW)
    assert len(window) == 3
    assert sum(v is None for _, v in window) == to_fill


def test_fill_uses_the_most_recent_missing_periods() -> None:
    """2 of 3, ``0 - X - -``, breaching: "the two most recent missing data points are both treated
    as breaching" — here one must be filled: the newest, and the two real ones are kept."""
    alarm = _run_row(2, "0 - X - -", "breaching", "OK")
    assert alarm.evaluation_window(NOW) == [(1500.0, LOW), (2100.0, HIGH), (2700.0, None)]


@pytest.mark.parametrize("data", ["- - - - X", "- - - X -"])
def test_premature_transition_is_avoided(data: str) -> None:
    """ "the alarm does not go immediately into ALARM state when the data is either ``- - - - X``
    or ``- - - X -`` and **Datapoints to Alarm** is 3", with missing data treated as missing."""
    assert _run_row(3, data, "missing", "OK").state is not AlarmState.ALARM


@pytest.mark.parametrize("data", ["- - - X 0", "- - X - 0"])
def test_a_later_good_datapoint_prevents_the_false_positive(data: str) -> None:
    """ "false positives are avoided when the next data point is non-breaching and causes the data
    to be ``- - - X O`` or ``- - X - O``"."""
    assert _run_row(3, data, "missing", "ALARM").state is AlarmState.OK


def test_judge_agrees_with_the_end_to_end_rows() -> None:
    """The pure rule, on the same rows (prior state OK; None = retain)."""
    for m, data, _, *cells in CURRENT:
        slots = [(300.0 * i, v) for i, v in enumerate(pattern(data))]
        for treat, expected in zip(TREATMENTS, cells, strict=True):
            v = judge(
                slots,
                evaluation_periods=3,
                datapoints_to_alarm=m,
                treat_missing_data=treat,
                breaches=lambda x: x > 50.0,
            )
            got = RETAIN if v.state is None else v.state.value
            assert got == expected, (m, data, treat)
