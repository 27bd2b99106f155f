"""Metric keys, statistic sets and the metric store (reference §11).

§11: "When Amazon ECS collects metrics, it collects multiple data points every minute. It then
aggregates them to one data point before sending the data to CloudWatch." A datapoint keeps the
statistic set (SampleCount, Sum, Minimum, Maximum); a longer period merges the datapoints in it.
§11: metrics are reported "only for resources with RUNNING tasks" — a period without a datapoint
is missing (None). The publish delay is UNSOURCED (§11): a datapoint is invisible until
``visible_at``.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fargasim.cloudwatch import CloudWatchError, Datapoint, MetricKey, MetricStore, Stats
from fargasim.errors import FargasimError
from tests.cloudwatch.support import KEY, fill, point


def test_metric_key_sorts_dimensions_from_either_shape() -> None:
    """A mapping and AWS's ``[{"Name", "Value"}]`` list in any order name the same metric."""
    a = MetricKey.of("AWS/ECS", "CPUUtilization", {"ServiceName": "web", "ClusterName": "c"})
    b = MetricKey.of(
        "AWS/ECS",
        "CPUUtilization",
        [{"Name": "ClusterName", "Value": "c"}, {"Name": "ServiceName", "Value": "web"}],
    )
    assert a == b == KEY
    assert a.dimensions == (("ClusterName", "c"), ("ServiceName", "web"))
    assert MetricKey.of("NS", "M", None).dimensions == ()
    assert str(a) == "AWS/ECS/CPUUtilization[ClusterName=c,ServiceName=web]"


def test_metric_key_refuses_duplicate_or_malformed_dimensions() -> None:
    with pytest.raises(CloudWatchError, match="duplicate"):
        MetricKey.of("NS", "M", [{"Name": "A", "Value": "1"}, {"Name": "A", "Value": "2"}])
    with pytest.raises(CloudWatchError, match="Name and Value"):
        MetricKey.of("NS", "M", [{"Name": "A"}])


def test_stats_values() -> None:
    s = Stats(sample_count=4, sum=100.0, minimum=10.0, maximum=40.0)
    assert s.average == 25.0
    assert [s.value(x) for x in ("Average", "Sum", "Minimum", "Maximum", "SampleCount")] == [
        25.0,
        100.0,
        10.0,
        40.0,
        4,
    ]


def test_stats_refuses_percentiles_and_bad_sets() -> None:
    s = Stats(1, 1.0, 1.0, 1.0)
    with pytest.raises(CloudWatchError, match="percentiles are not simulated"):
        s.value("p99")
    with pytest.raises(CloudWatchError, match="unknown statistic"):
        s.value("Mean")
    with pytest.raises(CloudWatchError, match="positive"):
        Stats(0, 0.0, 0.0, 0.0)
    with pytest.raises(CloudWatchError, match="minimum above maximum"):
        Stats(1, 1.0, 2.0, 1.0)
    with pytest.raises(CloudWatchError, match="non-finite"):
        Stats(1, float("nan"), 1.0, 1.0)
    with pytest.raises(CloudWatchError, match="empty"):
        Stats.merge([])


def test_errors_are_fargasim_value_errors() -> None:
    assert issubclass(CloudWatchError, FargasimError)
    assert issubclass(CloudWatchError, ValueError)


samples = st.lists(
    st.lists(
        st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False),
        min_size=1,
        max_size=20,
    ),
    min_size=1,
    max_size=6,
)


@settings(max_examples=100, deadline=None)
@given(samples)
def test_merge_agrees_with_numpy_on_the_raw_samples(groups: list[list[float]]) -> None:
    """Merging per-datapoint statistic sets equals the statistics of all samples at once."""
    sets = [Stats(len(g), float(np.sum(g)), min(g), max(g)) for g in groups]
    merged = Stats.merge(sets)
    raw = np.concatenate([np.asarray(g) for g in groups])
    assert merged.sample_count == raw.size
    assert merged.minimum == raw.min()
    assert merged.maximum == raw.max()
    assert merged.sum == pytest.approx(raw.sum(), rel=1e-9, abs=1e-6)
    assert merged.average == pytest.approx(raw.mean(), rel=1e-9, abs=1e-6)


def test_datapoint_cannot_be_visible_before_its_period_ends() -> None:
    with pytest.raises(CloudWatchError, match="before its period ends"):
        Datapoint(0.0, 60.0, Stats(1, 1.0, 1.0, 1.0), 59.0)
    with pytest.raises(CloudWatchError, match="positive"):
        Datapoint(0.0, 0.0, Stats(1, 1.0, 1.0, 1.0), 1.0)
    assert point(60.0, 5.0, delay=30.0).visible_at == 150.0
    assert point(60.0, 5.0).end == 120.0


def test_put_requires_increasing_timestamps_and_one_period() -> None:
    store = MetricStore()
    store.put(KEY, point(60.0, 1.0))
    with pytest.raises(CloudWatchError, match="not after"):
        store.put(KEY, point(60.0, 1.0))
    with pytest.raises(CloudWatchError, match="not after"):
        store.put(KEY, point(0.0, 1.0))
    with pytest.raises(CloudWatchError, match="period"):
        store.put(KEY, point(120.0, 1.0, period=20.0))
    other = MetricKey.of("AWS/ECS", "MemoryUtilization", None)
    store.put(other, point(0.0, 2.0, period=20.0))
    assert store.keys() == sorted([KEY, other])
    assert [d.timestamp for d in store.datapoints(KEY)] == [60.0]
    assert store.datapoints(MetricKey.of("X", "Y", None)) == []
    assert store.resolution(other) == 20.0


def test_query_120_over_60_second_datapoints_merges_pairs() -> None:
    """A 120 s period holds two 60 s datapoints; every statistic is of their merge."""
    store = MetricStore()
    sets = [Stats(2, 20.0, 5.0, 15.0), Stats(3, 90.0, 20.0, 40.0), Stats(1, 7.0, 7.0, 7.0)]
    for i, s in enumerate(sets):
        store.put(KEY, Datapoint(60.0 * i, 60.0, s, 60.0 * (i + 1)))

    def q(statistic: str) -> list[tuple[float, float | None]]:
        return store.query(KEY, period=120, statistic=statistic, start=0, end=360, now=1e9)

    assert q("Sum") == [(0.0, 110.0), (120.0, 7.0), (240.0, None)]
    assert q("SampleCount") == [(0.0, 5.0), (120.0, 1.0), (240.0, None)]
    assert q("Minimum") == [(0.0, 5.0), (120.0, 7.0), (240.0, None)]
    assert q("Maximum") == [(0.0, 40.0), (120.0, 7.0), (240.0, None)]
    assert q("Average") == [(0.0, 22.0), (120.0, 7.0), (240.0, None)]


def test_query_periods_are_multiples_of_the_period_within_start_end() -> None:
    store = MetricStore()
    fill(store, [1.0, 2.0, 3.0, 4.0])
    got = store.query(KEY, period=60, statistic="Sum", start=30, end=180, now=1e9)
    assert got == [(60.0, 2.0), (120.0, 3.0)]
    # before the first datapoint: missing, not an error
    got = store.query(KEY, period=60, statistic="Sum", start=-120, end=60, now=1e9)
    assert got == [(-120.0, None), (-60.0, None), (0.0, 1.0)]


def test_query_sees_only_visible_datapoints() -> None:
    """A datapoint not visible at ``now`` is missing; a partly visible period merges what is."""
    store = MetricStore()
    fill(store, [10.0, 20.0, 30.0], delay=45.0)  # visible at 105, 165, 225
    q = store.query
    assert q(KEY, period=60, statistic="Sum", start=0, end=180, now=165) == [
        (0.0, 10.0),
        (60.0, 20.0),
        (120.0, None),
    ]
    assert q(KEY, period=180, statistic="Sum", start=0, end=180, now=165) == [(0.0, 30.0)]
    assert q(KEY, period=180, statistic="Sum", start=0, end=180, now=104) == [(0.0, None)]


def test_query_refuses_a_period_that_is_not_a_multiple() -> None:
    store = MetricStore()
    fill(store, [1.0])
    for period in (90.0, 30.0):
        with pytest.raises(CloudWatchError, match="not a multiple"):
            store.query(KEY, period=period, statistic="Sum", start=0, end=180, now=1e9)
    with pytest.raises(CloudWatchError, match="positive"):
        store.query(KEY, period=0, statistic="Sum", start=0, end=180, now=1e9)
    # an unknown metric has no resolution yet: every period is missing
    unknown = MetricKey.of("X", "Y", None)
    assert store.query(unknown, period=90, statistic="Sum", start=0, end=180, now=0) == [
        (0.0, None),
        (90.0, None),
    ]


def test_latest_visible_end() -> None:
    store = MetricStore()
    assert store.latest_visible_end(KEY, 1e9) is None
    fill(store, [1.0, None, 3.0], delay=30.0)  # [0,60) visible 90; [120,180) visible 210
    assert store.latest_visible_end(KEY, 89.0) is None
    assert store.latest_visible_end(KEY, 90.0) == 60.0
    assert store.latest_visible_end(KEY, 209.0) == 60.0
    assert store.latest_visible_end(KEY, 210.0) == 180.0
