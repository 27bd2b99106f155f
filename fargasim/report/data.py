"""Read a results directory back into a small typed structure for the report.

A run writes ``timeseries.csv``, ``tasks.csv``, ``scaling_activities.csv``,
``service_events.jsonl`` and ``summary.json`` (DESIGN.md §4), and since CloudWatch is simulated
also ``metrics.csv`` (every datapoint), ``alarms.json`` (each alarm's metric and threshold) and
``alarm_history.csv`` (every alarm state change). :func:`read_results` reads them with the standard
``csv`` and ``json`` modules only. The first five are required; the three CloudWatch files are
absent from results written by older versions and then read as empty. Anything not in the shape
fargasim writes raises :class:`~fargasim.errors.ResultError` naming the file (and the line, when
there is one), so ``fargasim report`` can tell the user what is wrong instead of drawing a wrong
picture.

Columns and keys that this module does not know are kept (time series) or ignored (summary), so a
newer results directory still renders with an older report.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeGuard

import numpy as np
import numpy.typing as npt

from fargasim.errors import ResultError
from fargasim.result import ACTIVITY_COLUMNS, SERVICE_SERIES, TASK_COLUMNS

FloatArray = npt.NDArray[np.float64]

TIMESERIES_FILE = "timeseries.csv"
TASKS_FILE = "tasks.csv"
ACTIVITIES_FILE = "scaling_activities.csv"
EVENTS_FILE = "service_events.jsonl"
SUMMARY_FILE = "summary.json"
METRICS_FILE = "metrics.csv"
ALARMS_FILE = "alarms.json"
ALARM_HISTORY_FILE = "alarm_history.csv"

#: Columns of metrics.csv that the report needs.
METRIC_COLUMNS = (
    "timestamp",
    "period",
    "visibleAt",
    "namespace",
    "metricName",
    "dimensions",
    "average",
    "minimum",
    "maximum",
    "sum",
    "sampleCount",
)
#: Columns of alarm_history.csv that the report needs.
ALARM_HISTORY_COLUMNS = ("time", "alarm", "oldState", "newState", "reason")
#: The statistics of a CloudWatch statistic set (the only ones fargasim simulates).
STATISTICS = ("Average", "Sum", "Minimum", "Maximum", "SampleCount")
#: ComparisonOperator → the symbol the report shows.
COMPARISON_SYMBOLS: Mapping[str, str] = {
    "GreaterThanThreshold": ">",
    "GreaterThanOrEqualToThreshold": "≥",
    "LessThanThreshold": "<",
    "LessThanOrEqualToThreshold": "≤",
}
ALARM_STATES = ("OK", "ALARM", "INSUFFICIENT_DATA")

#: Per-service time-series metrics, in the order the writer emits them.
SERVICE_METRICS = SERVICE_SERIES


@dataclass(frozen=True)
class Timeseries:
    """Columnar samples: ``time`` plus one float array per column (NaN for an empty cell)."""

    time: FloatArray
    columns: Mapping[str, FloatArray]
    services: tuple[str, ...]

    def service(self, service: str, metric: str) -> FloatArray | None:
        """The ``service.metric`` column, or None when the file does not have it."""
        return self.columns.get(f"{service}.{metric}")

    @property
    def cost_usd(self) -> FloatArray:
        """Cumulative cost in USD at each sample."""
        return self.columns["costUsd"]


@dataclass(frozen=True)
class TaskRecord:
    """One row of ``tasks.csv``; a lifecycle time is None when the task never reached it."""

    task_id: str
    service: str
    capacity_provider: str
    availability_zone: str
    subnet_id: str
    cpu: str
    memory: str
    created_at: float | None
    pull_started_at: float | None
    running_at: float | None
    stopping_at: float | None
    stopped_at: float | None
    stop_code: str
    billed_seconds: float | None
    cost_usd: float | None


@dataclass(frozen=True)
class ScalingActivity:
    """One row of ``scaling_activities.csv``."""

    time: float
    service: str
    policy_name: str
    from_capacity: float
    to_capacity: float
    cause: str

    @property
    def is_scheduled(self) -> bool:
        """Whether a scheduled action (not a scaling policy) made this change."""
        return self.cause.lstrip().lower().startswith("scheduled action")

    @property
    def kind(self) -> str:
        """``scheduled``, ``scale-out`` (capacity up or unchanged) or ``scale-in``."""
        if self.is_scheduled:
            return "scheduled"
        return "scale-out" if self.to_capacity >= self.from_capacity else "scale-in"


#: Metric dimensions as sorted ``(name, value)`` pairs.
Dimensions = tuple[tuple[str, str], ...]


@dataclass(frozen=True, order=True)
class MetricKey:
    """A CloudWatch metric's identity: namespace, name and (sorted) dimensions."""

    namespace: str
    metric_name: str
    dimensions: Dimensions = ()

    @property
    def dimensions_text(self) -> str:
        """``ClusterName=default, ServiceName=web`` (empty without dimensions)."""
        return ", ".join(f"{name}={value}" for name, value in self.dimensions)


@dataclass(frozen=True)
class MetricSeries:
    """The datapoints of one metric (one key of ``metrics.csv``), oldest first.

    Each datapoint covers ``[timestamp, timestamp + period)`` and became visible to alarms at
    ``visible_at``; the five arrays are its CloudWatch statistic set.
    """

    key: MetricKey
    period: float
    timestamp: FloatArray
    visible_at: FloatArray
    average: FloatArray
    minimum: FloatArray
    maximum: FloatArray
    sum: FloatArray
    sample_count: FloatArray

    def __len__(self) -> int:
        return int(self.timestamp.size)

    def values(self, statistic: str) -> FloatArray:
        """The named statistic of every datapoint (``Average``, ``Sum``, … ``SampleCount``)."""
        columns = {
            "Average": self.average,
            "Sum": self.sum,
            "Minimum": self.minimum,
            "Maximum": self.maximum,
            "SampleCount": self.sample_count,
        }
        if statistic not in columns:
            raise ValueError(f"unknown statistic {statistic!r}: expected one of {STATISTICS}")
        return columns[statistic]

    def with_period(self, period: float) -> MetricSeries:
        """The datapoints merged into ``period``-long periods, as an alarm with that period sees
        them (a merged datapoint is visible once its last part is); unchanged when ``period`` is
        the stored one or not a multiple of it."""
        ratio = period / self.period
        if math.isclose(ratio, 1.0) or ratio < 1 or not math.isclose(ratio, round(ratio)):
            return self
        if not len(self):
            return MetricSeries(self.key, period, *([self.timestamp] * 7))
        bucket = np.floor(self.timestamp / period + 1e-9)
        starts = np.flatnonzero(np.r_[True, np.diff(bucket) != 0])
        total = np.add.reduceat(self.sum, starts)
        count = np.add.reduceat(self.sample_count, starts)
        return MetricSeries(
            key=self.key,
            period=period,
            timestamp=bucket[starts] * period,
            visible_at=np.maximum.reduceat(self.visible_at, starts),
            average=total / count,
            minimum=np.minimum.reduceat(self.minimum, starts),
            maximum=np.maximum.reduceat(self.maximum, starts),
            sum=total,
            sample_count=count,
        )


@dataclass(frozen=True)
class Alarm:
    """One entry of ``alarms.json``: a CloudWatch metric alarm and the policy it drives.

    ``kind`` is ``AlarmHigh`` / ``AlarmLow`` for the alarms a target-tracking policy manages
    (AlarmHigh's threshold is the policy's target value) and ``user`` for the scenario's own.
    ``service`` is None for an alarm that drives no service's scaling.
    """

    name: str
    metric: MetricKey
    statistic: str
    period: float
    threshold: float
    comparison_operator: str
    service: str | None
    policy_name: str | None
    kind: str

    @property
    def symbol(self) -> str:
        """``>``, ``≥``, ``<`` or ``≤``."""
        return COMPARISON_SYMBOLS[self.comparison_operator]

    @property
    def is_high(self) -> bool:
        """Whether the alarm fires on values above the threshold (a scale-out alarm, usually)."""
        return self.comparison_operator.startswith("Greater")

    @property
    def is_target_tracking(self) -> bool:
        return self.kind in ("AlarmHigh", "AlarmLow")


@dataclass(frozen=True)
class AlarmStateChange:
    """One row of ``alarm_history.csv``."""

    time: float
    alarm: str
    old_state: str
    new_state: str
    reason: str


@dataclass(frozen=True)
class ServiceEvent:
    """One line of ``service_events.jsonl``."""

    time: float
    service: str
    message: str


@dataclass(frozen=True)
class ReportData:
    """Everything the report shows about one run."""

    timeseries: Timeseries
    tasks: tuple[TaskRecord, ...]
    activities: tuple[ScalingActivity, ...]
    events: tuple[ServiceEvent, ...]
    summary: Mapping[str, Any]
    metrics: Mapping[MetricKey, MetricSeries] = field(default_factory=dict)
    alarms: tuple[Alarm, ...] = ()
    alarm_history: tuple[AlarmStateChange, ...] = ()

    @property
    def services(self) -> tuple[str, ...]:
        """Service names in scenario order (the order of the time-series columns)."""
        return self.timeseries.services

    @property
    def scenario(self) -> str:
        name = self.summary.get("scenario")
        return name if isinstance(name, str) else "(unnamed scenario)"

    @property
    def duration_seconds(self) -> float:
        """Simulated duration: ``summary.json``'s when given, else the last sample time."""
        value = self.summary.get("durationSeconds")
        if _is_number(value):
            return float(value)
        time = self.timeseries.time
        return float(time[-1]) if time.size else 0.0

    def alarm_changes(self, alarm: str) -> tuple[AlarmStateChange, ...]:
        """The state changes of the alarm named ``alarm``, oldest first."""
        return tuple(change for change in self.alarm_history if change.alarm == alarm)

    def alarm_intervals(self, alarm: str) -> tuple[tuple[float, float], ...]:
        """The ``(start, end)`` times the alarm was in ALARM: from each change into ALARM to the
        next change out of it, or to the end of the run."""
        changes = self.alarm_changes(alarm)
        end_of_run = max([self.duration_seconds, *(c.time for c in changes)])
        intervals: list[tuple[float, float]] = []
        since: float | None = None
        for change in changes:
            if change.new_state == "ALARM" and since is None:
                since = change.time
            elif change.new_state != "ALARM" and since is not None:
                intervals.append((since, change.time))
                since = None
        if since is not None:
            intervals.append((since, end_of_run))
        return tuple(intervals)


def read_results(directory: str | Path) -> ReportData:
    """Read a fargasim results directory; raise ResultError if it is missing or malformed."""
    root = Path(directory)
    if not root.is_dir():
        raise ResultError(f"{root}: not a directory — is this a fargasim results directory?")
    return ReportData(
        timeseries=_read_timeseries(_require(root, TIMESERIES_FILE)),
        tasks=_read_tasks(_require(root, TASKS_FILE)),
        activities=_read_activities(_require(root, ACTIVITIES_FILE)),
        events=_read_events(_require(root, EVENTS_FILE)),
        summary=_read_summary(_require(root, SUMMARY_FILE)),
        metrics=_read_metrics(_optional(root, METRICS_FILE)),
        alarms=_read_alarms(_optional(root, ALARMS_FILE)),
        alarm_history=_read_alarm_history(_optional(root, ALARM_HISTORY_FILE)),
    )


def _require(root: Path, name: str) -> Path:
    path = root / name
    if not path.is_file():
        raise ResultError(f"{root}: no {name} here — is this a fargasim results directory?")
    return path


def _optional(root: Path, name: str) -> Path | None:
    """``root / name``, or None when results written before the file existed lack it."""
    path = root / name
    return path if path.is_file() else None


def _is_number(value: object) -> TypeGuard[int | float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ResultError(f"{path}: cannot be read: {exc}") from exc


def _csv_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    """Yield ``(line number, cells)`` for every non-blank row, header included."""
    reader = csv.reader(_read_text(path).splitlines())
    try:
        for cells in reader:
            if cells:
                yield reader.line_num, cells
    except csv.Error as exc:
        raise ResultError(f"{path}:{reader.line_num}: not valid CSV: {exc}") from exc


def _header(
    path: Path, rows: Iterator[tuple[int, list[str]]], required: tuple[str, ...]
) -> list[str]:
    first = next(rows, None)
    if first is None:
        raise ResultError(f"{path}: empty file, expected a header row")
    header = [name.strip() for name in first[1]]
    missing = [name for name in required if name not in header]
    if missing:
        raise ResultError(f"{path}:1: header lacks column(s) {', '.join(missing)}")
    duplicates = sorted({name for name in header if header.count(name) > 1})
    if duplicates:
        raise ResultError(f"{path}:1: duplicate column(s) {', '.join(duplicates)}")
    return header


def _check_width(path: Path, line: int, cells: list[str], header: list[str]) -> None:
    if len(cells) != len(header):
        raise ResultError(
            f"{path}:{line}: {len(cells)} cells, but the header has {len(header)} columns"
        )


def _float(path: Path, line: int, column: str, text: str, *, optional: bool) -> float | None:
    text = text.strip()
    if not text:
        if optional:
            return None
        raise ResultError(f"{path}:{line}: column {column} is empty, expected a number")
    try:
        value = float(text)
    except ValueError:
        raise ResultError(f"{path}:{line}: column {column}: {text!r} is not a number") from None
    if math.isnan(value) and not optional:
        raise ResultError(f"{path}:{line}: column {column} is NaN, expected a number")
    return value


def _required_float(path: Path, line: int, column: str, text: str) -> float:
    value = _float(path, line, column, text, optional=False)
    assert value is not None
    return value


def _read_timeseries(path: Path) -> Timeseries:
    rows = _csv_rows(path)
    header = _header(path, rows, ("time", "costUsd"))
    if header[0] != "time":
        raise ResultError(f"{path}:1: the first column must be 'time', found {header[0]!r}")
    services: list[str] = []
    for name in header[1:]:
        if name == "costUsd":
            continue
        service, dot, metric = name.rpartition(".")
        if not dot or not service or not metric:
            raise ResultError(
                f"{path}:1: column {name!r} is neither 'costUsd' nor 'SERVICE.metric'"
            )
        if service not in services:
            services.append(service)

    values: list[list[float]] = [[] for _ in header]
    for line, cells in rows:
        _check_width(path, line, cells, header)
        for index, (column, text) in enumerate(zip(header, cells, strict=True)):
            value = _float(path, line, column, text, optional=index > 0)
            values[index].append(math.nan if value is None else value)

    arrays = {
        name: np.asarray(column, dtype=np.float64)
        for name, column in zip(header, values, strict=True)
    }
    time = arrays.pop("time")
    if time.size > 1 and bool(np.any(np.diff(time) < 0)):
        bad = int(np.argmax(np.diff(time) < 0)) + 1
        raise ResultError(f"{path}: time goes backwards at data row {bad + 1}")
    return Timeseries(time=time, columns=arrays, services=tuple(services))


def _read_tasks(path: Path) -> tuple[TaskRecord, ...]:
    rows = _csv_rows(path)
    header = _header(path, rows, TASK_COLUMNS)
    tasks = []
    for line, cells in rows:
        _check_width(path, line, cells, header)
        row = dict(zip(header, cells, strict=True))

        def opt(column: str) -> float | None:
            return _float(path, line, column, row[column], optional=True)  # noqa: B023

        tasks.append(
            TaskRecord(
                task_id=row["taskId"],
                service=row["service"],
                capacity_provider=row["capacityProvider"],
                availability_zone=row["availabilityZone"],
                subnet_id=row["subnetId"],
                cpu=row["cpu"],
                memory=row["memory"],
                created_at=opt("createdAt"),
                pull_started_at=opt("pullStartedAt"),
                running_at=opt("runningAt"),
                stopping_at=opt("stoppingAt"),
                stopped_at=opt("stoppedAt"),
                stop_code=row["stopCode"],
                billed_seconds=opt("billedSeconds"),
                cost_usd=opt("costUsd"),
            )
        )
    return tuple(tasks)


def _read_activities(path: Path) -> tuple[ScalingActivity, ...]:
    rows = _csv_rows(path)
    header = _header(path, rows, ACTIVITY_COLUMNS)
    activities = []
    for line, cells in rows:
        _check_width(path, line, cells, header)
        row = dict(zip(header, cells, strict=True))
        activities.append(
            ScalingActivity(
                time=_required_float(path, line, "time", row["time"]),
                service=row["service"],
                policy_name=row["policyName"],
                from_capacity=_required_float(path, line, "fromCapacity", row["fromCapacity"]),
                to_capacity=_required_float(path, line, "toCapacity", row["toCapacity"]),
                cause=row["cause"],
            )
        )
    return tuple(activities)


def _read_events(path: Path) -> tuple[ServiceEvent, ...]:
    events = []
    for line, text in enumerate(_read_text(path).splitlines(), start=1):
        if not text.strip():
            continue
        try:
            record = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ResultError(f"{path}:{line}: not valid JSON: {exc.msg}") from None
        if not isinstance(record, dict):
            raise ResultError(f"{path}:{line}: expected a JSON object")
        time, service, message = record.get("time"), record.get("service"), record.get("message")
        if not _is_number(time):
            raise ResultError(f"{path}:{line}: 'time' must be a number")
        if not isinstance(service, str) or not isinstance(message, str):
            raise ResultError(f"{path}:{line}: 'service' and 'message' must be strings")
        events.append(ServiceEvent(time=float(time), service=service, message=message))
    return tuple(events)


def _read_summary(path: Path) -> dict[str, Any]:
    try:
        summary = json.loads(_read_text(path))
    except json.JSONDecodeError as exc:
        raise ResultError(f"{path}:{exc.lineno}: not valid JSON: {exc.msg}") from None
    if not isinstance(summary, dict):
        raise ResultError(f"{path}: expected a JSON object")
    return summary


def _blank(path: Path) -> bool:
    return not _read_text(path).strip()


def _dimensions(path: Path, line: int, text: str) -> Dimensions:
    """``k=v;k=v`` → sorted pairs."""
    pairs = []
    for item in text.split(";") if text.strip() else []:
        name, equals, value = item.partition("=")
        if not equals or not name.strip():
            raise ResultError(
                f"{path}:{line}: column dimensions: {item!r} is not NAME=VALUE "
                "(expected NAME=VALUE;NAME=VALUE)"
            )
        pairs.append((name.strip(), value.strip()))
    return tuple(sorted(pairs))


def _read_metrics(path: Path | None) -> dict[MetricKey, MetricSeries]:
    if path is None or _blank(path):
        return {}
    rows = _csv_rows(path)
    header = _header(path, rows, METRIC_COLUMNS)
    numeric = ("timestamp", "visibleAt", "average", "minimum", "maximum", "sum", "sampleCount")
    columns: dict[MetricKey, dict[str, list[float]]] = {}
    periods: dict[MetricKey, float] = {}
    for line, cells in rows:
        _check_width(path, line, cells, header)
        row = dict(zip(header, cells, strict=True))
        key = MetricKey(
            row["namespace"], row["metricName"], _dimensions(path, line, row["dimensions"])
        )
        if not key.namespace or not key.metric_name:
            raise ResultError(f"{path}:{line}: namespace and metricName must not be empty")
        period = _required_float(path, line, "period", row["period"])
        if not period > 0 or math.isinf(period):
            raise ResultError(f"{path}:{line}: column period: {period:g} is not a positive number")
        values = {name: _required_float(path, line, name, row[name]) for name in numeric}
        series = columns.get(key)
        if series is None:
            series = columns[key] = {name: [] for name in numeric}
            periods[key] = period
        elif not math.isclose(period, periods[key]):
            raise ResultError(
                f"{path}:{line}: period {period:g} differs from the {periods[key]:g} of the "
                f"earlier datapoints of {key.metric_name}"
            )
        elif values["timestamp"] <= series["timestamp"][-1]:
            raise ResultError(
                f"{path}:{line}: timestamp {values['timestamp']:g} is not after the previous "
                f"datapoint of {key.metric_name} ({series['timestamp'][-1]:g})"
            )
        for name in numeric:
            series[name].append(values[name])

    def array(values: list[float]) -> FloatArray:
        return np.asarray(values, dtype=np.float64)

    return {
        key: MetricSeries(
            key=key,
            period=periods[key],
            timestamp=array(series["timestamp"]),
            visible_at=array(series["visibleAt"]),
            average=array(series["average"]),
            minimum=array(series["minimum"]),
            maximum=array(series["maximum"]),
            sum=array(series["sum"]),
            sample_count=array(series["sampleCount"]),
        )
        for key, series in columns.items()
    }


def _json_array(path: Path) -> list[tuple[int, Any]]:
    """The items of a file holding one JSON array, each with the line it starts on."""
    text = _read_text(path)
    try:
        whole = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ResultError(f"{path}:{exc.lineno}: not valid JSON: {exc.msg}") from None
    if not isinstance(whole, list):
        raise ResultError(f"{path}: expected a JSON array")
    # The text is valid JSON, so walking the top-level array item by item cannot fail.
    decoder = json.JSONDecoder()
    items: list[tuple[int, Any]] = []
    index = text.index("[") + 1

    def skip(index: int, extra: str = "") -> int:
        while index < len(text) and (text[index].isspace() or text[index] in extra):
            index += 1
        return index

    for _ in whole:
        index = skip(index, ",")
        value, end = decoder.raw_decode(text, index)
        items.append((text.count("\n", 0, index) + 1, value))
        index = end
    return items


def _read_alarms(path: Path | None) -> tuple[Alarm, ...]:
    if path is None or _blank(path):
        return ()
    alarms = []
    names: set[str] = set()
    for line, record in _json_array(path):
        where = f"{path}:{line}"
        if not isinstance(record, dict):
            raise ResultError(f"{where}: expected a JSON object for each alarm")

        def optional_text(key: str) -> str | None:
            value = record.get(key)  # noqa: B023
            if value is None:
                return None
            if not isinstance(value, str):
                raise ResultError(f"{where}: {key!r} must be a string or null")  # noqa: B023
            return value or None

        def text(key: str) -> str:
            value = optional_text(key)
            if value is None:
                raise ResultError(f"{where}: {key!r} must be a non-empty string")  # noqa: B023
            return value

        def number(key: str) -> float:
            value = record.get(key)  # noqa: B023
            if not _is_number(value) or not math.isfinite(value):
                raise ResultError(f"{where}: {key!r} must be a number")  # noqa: B023
            return float(value)

        name = text("name")
        if name in names:
            raise ResultError(f"{where}: a second alarm named {name!r}")
        names.add(name)
        where = f"{path}:{line}: alarm {name!r}"
        dimensions = record.get("dimensions", {})
        if not isinstance(dimensions, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in dimensions.items()
        ):
            raise ResultError(f"{where}: 'dimensions' must be an object of strings")
        statistic = text("statistic")
        if statistic not in STATISTICS:
            raise ResultError(
                f"{where}: statistic {statistic!r} is not one of {', '.join(STATISTICS)}"
            )
        operator = text("comparisonOperator")
        if operator not in COMPARISON_SYMBOLS:
            raise ResultError(
                f"{where}: comparisonOperator {operator!r} is not one of "
                f"{', '.join(COMPARISON_SYMBOLS)}"
            )
        period = number("period")
        if period <= 0:
            raise ResultError(f"{where}: 'period' must be positive")
        namespace, metric_name = text("namespace"), text("metricName")
        alarms.append(
            Alarm(
                name=name,
                metric=MetricKey(namespace, metric_name, tuple(sorted(dimensions.items()))),
                statistic=statistic,
                period=period,
                threshold=number("threshold"),
                comparison_operator=operator,
                service=optional_text("service"),
                policy_name=optional_text("policyName"),
                kind=optional_text("kind") or "user",
            )
        )
    return tuple(alarms)


def _read_alarm_history(path: Path | None) -> tuple[AlarmStateChange, ...]:
    if path is None or _blank(path):
        return ()
    rows = _csv_rows(path)
    header = _header(path, rows, ALARM_HISTORY_COLUMNS)
    changes: list[AlarmStateChange] = []
    for line, cells in rows:
        _check_width(path, line, cells, header)
        row = dict(zip(header, cells, strict=True))
        time = _required_float(path, line, "time", row["time"])
        if changes and time < changes[-1].time:
            raise ResultError(f"{path}:{line}: time {time:g} goes backwards")
        for column in ("oldState", "newState"):
            if row[column] not in ALARM_STATES:
                raise ResultError(
                    f"{path}:{line}: column {column}: {row[column]!r} is not one of "
                    f"{', '.join(ALARM_STATES)}"
                )
        if not row["alarm"]:
            raise ResultError(f"{path}:{line}: column alarm is empty")
        changes.append(
            AlarmStateChange(
                time=time,
                alarm=row["alarm"],
                old_state=row["oldState"],
                new_state=row["newState"],
                reason=row["reason"],
            )
        )
    return tuple(changes)
