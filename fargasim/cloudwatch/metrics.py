"""CloudWatch metric datapoints: keys, statistic sets, the store and its period queries (§11).

A metric is identified by namespace, name and dimensions (:class:`MetricKey`). ECS sends one
datapoint per metric per minute (20 s for the high-resolution variants, §6.2): "When Amazon ECS
collects metrics, it collects multiple data points every minute. It then aggregates them to one
data point before sending the data to CloudWatch" (§11). A datapoint keeps the CloudWatch
"statistic set" (SampleCount, Sum, Minimum, Maximum, :class:`Stats`), which is enough to compute
every statistic an alarm may use except percentiles, and to merge datapoints into longer periods.

**Publish delay (assumption).** A datapoint is visible to alarms and policies only from
``visible_at`` = period end + delay. AWS does not publish the delay (§11 **UNSOURCED**); the
engine passes ``model.cloudwatch.publishDelaySeconds``.

**Missing data.** A period with no datapoint is *missing*: "Metrics are reported only for
resources with RUNNING tasks" (§11), so a service without RUNNING tasks has gaps, and a datapoint
not visible yet is missing too.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from fargasim.errors import FargasimError

#: The statistics of a statistic set ("Statistic" in PutMetricAlarm; percentiles are
#: ExtendedStatistic and cannot be computed from a statistic set).
STATISTICS = ("Average", "Sum", "Minimum", "Maximum", "SampleCount")

#: Time tolerance (seconds) for comparing period boundaries computed in floating point.
TIME_EPS = 1e-6


class CloudWatchError(FargasimError, ValueError):
    """A metric, datapoint, query or alarm that CloudWatch would refuse (or fargasim cannot model)."""


def check_statistic(statistic: str) -> None:
    """Refuse anything but the five statistics of a statistic set."""
    if statistic not in STATISTICS:
        hint = (
            " (percentiles are not simulated: a datapoint keeps only a statistic set)"
            if statistic[:1] in ("p", "P") or statistic.startswith(("tm", "wm", "tc", "ts"))
            else ""
        )
        raise CloudWatchError(
            f"unknown statistic {statistic!r}: expected one of {', '.join(STATISTICS)}{hint}"
        )


@dataclass(frozen=True, order=True)
class MetricKey:
    """A metric's identity: namespace, name and dimensions (sorted ``(Name, Value)`` pairs)."""

    namespace: str
    name: str
    dimensions: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(
        cls,
        namespace: str,
        name: str,
        dimensions: Mapping[str, str] | Sequence[Mapping[str, str]] | None = None,
    ) -> MetricKey:
        """Build a key from a ``{Name: Value}`` mapping or AWS's ``[{"Name":…, "Value":…}]`` list.

        Dimensions are sorted by name, so the order a user writes them in does not matter.
        """
        pairs: list[tuple[str, str]]
        if dimensions is None:
            pairs = []
        elif isinstance(dimensions, Mapping):
            pairs = [(str(k), str(v)) for k, v in dimensions.items()]
        else:
            pairs = []
            for item in dimensions:
                if "Name" not in item or "Value" not in item:
                    raise CloudWatchError(f"a dimension needs Name and Value, got {dict(item)!r}")
                pairs.append((str(item["Name"]), str(item["Value"])))
        names = [n for n, _ in pairs]
        if len(set(names)) != len(names):
            raise CloudWatchError(f"duplicate dimension names in {names}")
        return cls(namespace, name, tuple(sorted(pairs)))

    def __str__(self) -> str:
        dims = ",".join(f"{n}={v}" for n, v in self.dimensions)
        return f"{self.namespace}/{self.name}" + (f"[{dims}]" if dims else "")


@dataclass(frozen=True)
class Stats:
    """The statistic set of one datapoint (CloudWatch ``StatisticValues``)."""

    sample_count: float
    sum: float
    minimum: float
    maximum: float

    def __post_init__(self) -> None:
        values = (self.sample_count, self.sum, self.minimum, self.maximum)
        if not all(math.isfinite(v) for v in values):
            raise CloudWatchError(f"statistic set with a non-finite value: {self}")
        if self.sample_count <= 0:
            raise CloudWatchError(
                f"sample_count must be positive (no samples = no datapoint): {self}"
            )
        if self.minimum > self.maximum:
            raise CloudWatchError(f"minimum above maximum: {self}")

    @property
    def average(self) -> float:
        return self.sum / self.sample_count

    def value(self, statistic: str) -> float:
        """The named statistic: ``Average``, ``Sum``, ``Minimum``, ``Maximum`` or ``SampleCount``."""
        check_statistic(statistic)
        if statistic == "Average":
            return self.average
        if statistic == "Sum":
            return self.sum
        if statistic == "Minimum":
            return self.minimum
        if statistic == "Maximum":
            return self.maximum
        return self.sample_count

    @staticmethod
    def merge(items: Sequence[Stats]) -> Stats:
        """One statistic set for several datapoints (e.g. five 60 s datapoints → a 300 s period)."""
        if not items:
            raise CloudWatchError("cannot merge an empty list of statistic sets")
        if len(items) == 1:
            return items[0]
        return Stats(
            sample_count=math.fsum(s.sample_count for s in items),
            sum=math.fsum(s.sum for s in items),
            minimum=min(s.minimum for s in items),
            maximum=max(s.maximum for s in items),
        )


@dataclass(frozen=True)
class Datapoint:
    """One published datapoint: the period ``[timestamp, timestamp + period)`` and its statistics."""

    timestamp: float
    period: float
    stats: Stats
    visible_at: float

    def __post_init__(self) -> None:
        if not self.period > 0:
            raise CloudWatchError(f"datapoint period must be positive, got {self.period}")
        if self.visible_at < self.end - TIME_EPS:
            raise CloudWatchError(
                f"datapoint for [{self.timestamp}, {self.end}) visible at {self.visible_at}, "
                "before its period ends"
            )

    @property
    def end(self) -> float:
        return self.timestamp + self.period


class _Series:
    """The datapoints of one metric, in increasing timestamp order."""

    __slots__ = ("datapoints", "period", "timestamps")

    def __init__(self, period: float) -> None:
        self.period = period
        self.timestamps: list[float] = []
        self.datapoints: list[Datapoint] = []


class MetricStore:
    """Every datapoint of every metric, queried by alarms and policies with an explicit ``now``."""

    def __init__(self) -> None:
        self._series: dict[MetricKey, _Series] = {}

    def put(self, key: MetricKey, datapoint: Datapoint) -> None:
        """Append a datapoint; per key, timestamps must increase and the period must not change."""
        series = self._series.get(key)
        if series is None:
            series = self._series[key] = _Series(datapoint.period)
        if not math.isclose(datapoint.period, series.period):
            raise CloudWatchError(
                f"{key}: datapoint period {datapoint.period} differs from the metric's "
                f"{series.period}"
            )
        if series.timestamps and datapoint.timestamp <= series.timestamps[-1]:
            raise CloudWatchError(
                f"{key}: datapoint at {datapoint.timestamp} is not after the previous one at "
                f"{series.timestamps[-1]}"
            )
        series.timestamps.append(datapoint.timestamp)
        series.datapoints.append(datapoint)

    def datapoints(self, key: MetricKey) -> list[Datapoint]:
        """All datapoints of ``key`` (visible or not), oldest first."""
        series = self._series.get(key)
        return list(series.datapoints) if series else []

    def keys(self) -> list[MetricKey]:
        return sorted(self._series)

    def resolution(self, key: MetricKey) -> float | None:
        """The period of the stored datapoints of ``key`` (None before the first one)."""
        series = self._series.get(key)
        return series.period if series else None

    def query(
        self,
        key: MetricKey,
        *,
        period: float,
        statistic: str,
        start: float,
        end: float,
        now: float,
    ) -> list[tuple[float, float | None]]:
        """The statistic per period ``[t, t + period)``, ``t`` a multiple of ``period`` in
        ``[start, end)``: the merge of the datapoints visible at ``now`` whose timestamp falls in
        the period, or None when there is none (missing data).

        ``period`` must be a multiple of the stored datapoints' period (as CloudWatch, which cannot
        split a datapoint into shorter periods).
        """
        check_statistic(statistic)
        if not period > 0:
            raise CloudWatchError(f"query period must be positive, got {period}")
        first = math.ceil(start / period - TIME_EPS / period)
        starts: list[float] = []
        k = first
        while k * period < end - TIME_EPS:
            starts.append(k * period)
            k += 1
        series = self._series.get(key)
        if series is None:
            return [(t, None) for t in starts]
        ratio = period / series.period
        if ratio < 1 - 1e-9 or abs(ratio - round(ratio)) > 1e-9:
            raise CloudWatchError(
                f"{key}: query period {period} is not a multiple of the datapoints' period "
                f"{series.period}"
            )
        out: list[tuple[float, float | None]] = []
        for t in starts:
            lo = bisect_left(series.timestamps, t - TIME_EPS)
            hi = bisect_left(series.timestamps, t + period - TIME_EPS)
            visible = [
                dp.stats for dp in series.datapoints[lo:hi] if dp.visible_at <= now + TIME_EPS
            ]
            out.append((t, Stats.merge(visible).value(statistic) if visible else None))
        return out

    def latest_visible_end(self, key: MetricKey, now: float) -> float | None:
        """End time of the newest datapoint of ``key`` visible at ``now`` (None if none is)."""
        series = self._series.get(key)
        if series is None:
            return None
        for dp in reversed(series.datapoints):
            if dp.visible_at <= now + TIME_EPS:
                return dp.end
        return None
