"""Read a results directory back into a small typed structure for the report.

A run writes ``timeseries.csv``, ``tasks.csv``, ``scaling_activities.csv``,
``service_events.jsonl`` and ``summary.json`` (DESIGN.md §4). :func:`read_results` reads all five
with the standard ``csv`` and ``json`` modules only. Anything missing or not in the shape fargasim
writes raises :class:`~fargasim.errors.ResultError` naming the file (and the line, when there is
one), so ``fargasim report`` can tell the user what is wrong instead of drawing a wrong picture.

Columns and keys that this module does not know are kept (time series) or ignored (summary), so a
newer results directory still renders with an older report.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
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
    )


def _require(root: Path, name: str) -> Path:
    path = root / name
    if not path.is_file():
        raise ResultError(f"{root}: no {name} here — is this a fargasim results directory?")
    return path


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
