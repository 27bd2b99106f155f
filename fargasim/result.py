"""The result of one run and its writers (DESIGN.md §4).

Files written by :meth:`Result.write` (times are float seconds since the start, money is USD,
JSON keys are camelCase): ``summary.json``, ``timeseries.csv``, ``tasks.csv``,
``scaling_activities.csv``, ``service_events.jsonl``, ``alarm_history.csv`` (every alarm state
change with CloudWatch's reason), ``metrics.csv`` (every CloudWatch datapoint published),
``alarms.json`` (each alarm's metric, threshold and policy), ``scenario.resolved.yaml`` and
``report.html`` (with ``plotly.min.js`` beside it).

Numbers are written with Python's shortest round-trip ``repr`` after rounding (times to the
microsecond, money to 1e-9 USD), so the same scenario and seed give byte-identical files.
Writing goes to a temporary directory that replaces the target only when every file is complete.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from fargasim.scenario.schema import Scenario

#: Columns of timeseries.csv for each service, after ``time`` and before ``costUsd``.
SERVICE_SERIES = (
    "desiredCount",
    "runningCount",
    "pendingCount",
    "cpuUtilization",
    "memoryUtilization",
    "requestRate",
    "p50LatencyMs",
    "p95LatencyMs",
    "p99LatencyMs",
    "droppedRate",
)

#: Columns of tasks.csv, in order.
TASK_COLUMNS = (
    "taskId",
    "service",
    "capacityProvider",
    "availabilityZone",
    "subnetId",
    "taskDefinition",
    "startedBy",
    "cpu",
    "memory",
    "createdAt",
    "pullStartedAt",
    "runningAt",
    "stoppingAt",
    "stoppedAt",
    "stopCode",
    "stoppedReason",
    "billedSeconds",
    "costUsd",
)

#: Columns of scaling_activities.csv, in order.
ACTIVITY_COLUMNS = ("time", "service", "policyName", "fromCapacity", "toCapacity", "cause")


class _Out(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, frozen=True)


class CostSummary(_Out):
    total: float
    vcpu: float
    memory: float
    storage: float
    os_license: float
    by_service: dict[str, float]
    by_capacity_provider: dict[str, float]


class DeploymentSummary(_Out):
    """One deployment of a service (§8.2, §8.3)."""

    id: str
    task_definition: str
    status: str
    rollout_state: str
    created_at: float
    completed_at: float | None
    failed_at: float | None
    rolled_back_from: str | None
    tasks_launched: int
    tasks_failed_to_start: int
    failed_health_checks: int


class RequestSummary(_Out):
    """The requests a service saw over the run (latencies of completed requests)."""

    total: int
    completed: int
    dropped: int
    dropped_by_reason: dict[str, int]
    mean_latency_ms: float | None
    p50_latency_ms: float | None
    p95_latency_ms: float | None
    p99_latency_ms: float | None


class SloSummary(_Out):
    """The workload's ``slo`` against what the run achieved (``met`` when every stated part
    holds)."""

    p99_latency_ms: float | None
    achieved_p99_latency_ms: float | None
    max_drop_rate: float | None
    achieved_drop_rate: float | None
    met: bool


class ServiceSummary(_Out):
    tasks_launched: int
    peak_running: int
    mean_running: float
    task_hours: float = Field(description="billable hours: image pull start to stop, unrounded")
    stop_codes: dict[str, int] = Field(default_factory=dict, description="stopped tasks by code")
    deployments: list[DeploymentSummary] = Field(default_factory=list)
    requests: RequestSummary | None = None
    slo: SloSummary | None = None


class RunTaskSummary(_Out):
    """The standalone tasks of one RunTask group (§5.1)."""

    calls: int
    tasks_launched: int
    tasks_failed: int = Field(description="tasks RunTask could not start (listed as failures)")
    failures: dict[str, int] = Field(default_factory=dict, description="reason → tasks")
    task_hours: float


class PlatformSummary(_Out):
    """Account-level peaks, to compare with the quotas of §5."""

    peak_on_demand_vcpu: float
    peak_spot_vcpu: float
    on_demand_vcpu_quota: float
    spot_vcpu_quota: float


class Summary(_Out):
    """``summary.json``."""

    scenario: str
    seed: int
    engine: str
    duration_seconds: float
    cost_usd: CostSummary
    services: dict[str, ServiceSummary]
    run_task: dict[str, RunTaskSummary] = Field(default_factory=dict)
    platform: PlatformSummary | None = None


@dataclass
class Columns:
    """A columnar table: one numpy array (or list of str) per column, all the same length."""

    columns: dict[str, Any] = field(default_factory=dict)

    def __getitem__(self, name: str) -> Any:
        return self.columns[name]

    def __len__(self) -> int:
        return len(next(iter(self.columns.values()))) if self.columns else 0

    @property
    def names(self) -> list[str]:
        return list(self.columns)

    def to_frame(self) -> Any:
        """A pandas (or else polars) DataFrame of the columns, when either is installed."""
        try:
            import pandas

            return pandas.DataFrame(self.columns)
        except ImportError:
            pass
        try:
            import polars

            return polars.DataFrame(self.columns)
        except ImportError as exc:
            raise ImportError("to_frame() needs pandas or polars installed") from exc


def format_number(value: Any, digits: int = 6) -> str:
    """A CSV cell: empty for NaN/None, integers without a decimal point, floats rounded."""
    if value is None:
        return ""
    if isinstance(value, (str, np.str_)):
        return str(value)
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    number = float(value)
    if math.isnan(number):
        return ""
    if math.isinf(number):
        return "inf" if number > 0 else "-inf"
    return repr(round(number, digits) + 0.0)  # + 0.0 turns -0.0 into 0.0


@dataclass
class Result:
    """Everything a run produced."""

    scenario: Scenario
    seed: int
    engine: str
    summary: Summary
    timeseries: Columns
    tasks: Columns
    scaling_activities: Columns
    service_events: list[dict[str, Any]]
    cost: CostSummary
    alarm_history: Columns = field(default_factory=Columns)
    metrics: Columns = field(default_factory=Columns)
    alarms: list[dict[str, Any]] = field(default_factory=list)
    digits: Mapping[str, int] = field(default_factory=dict)
    requests: Columns | None = None  # one row per request (exact engine, when recorded)

    def write(self, directory: str | os.PathLike[str], *, report: bool = True) -> Path:
        """Write every output file into ``directory`` (replaced whole, never half-written)."""
        target = Path(directory)
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
        umask = os.umask(0)
        os.umask(umask)
        staging.chmod(0o777 & ~umask)  # mkdtemp makes 0700; results are as readable as any folder
        try:
            self._write_files(staging)
            if report:
                from fargasim.report import write_report

                write_report(staging)
            if target.exists():
                backup = Path(tempfile.mkdtemp(prefix=f".{target.name}.old.", dir=target.parent))
                backup.rmdir()
                target.rename(backup)
                staging.rename(target)
                shutil.rmtree(backup)
            else:
                staging.rename(target)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        return target

    def _write_files(self, out: Path) -> None:
        summary = self.summary.model_dump(by_alias=True, mode="json")
        (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
        _write_csv(out / "timeseries.csv", self.timeseries, self.digits)
        _write_csv(out / "tasks.csv", self.tasks, self.digits)
        _write_csv(out / "scaling_activities.csv", self.scaling_activities, self.digits)
        _write_csv(out / "alarm_history.csv", self.alarm_history, self.digits)
        _write_csv(out / "metrics.csv", self.metrics, self.digits)
        (out / "alarms.json").write_text(json.dumps(self.alarms, indent=2) + "\n", encoding="utf-8")
        if self.requests is not None:
            _write_csv(out / "requests.csv", self.requests, self.digits)
        with (out / "service_events.jsonl").open("w", encoding="utf-8", newline="\n") as fh:
            for event in self.service_events:
                fh.write(json.dumps(event) + "\n")
        resolved = self.scenario.model_dump(mode="json", by_alias=True, exclude_none=True)
        (out / "scenario.resolved.yaml").write_text(
            "# The scenario as fargasim ran it, every default filled in.\n"
            + yaml.safe_dump(resolved, sort_keys=False, allow_unicode=True, width=100),
            encoding="utf-8",
        )


def _write_csv(path: Path, table: Columns, digits: Mapping[str, int]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    names = table.names
    writer.writerow(names)
    cols: Sequence[Any] = [table.columns[n] for n in names]
    col_digits = [digits.get(n.rsplit(".", 1)[-1], 6) for n in names]
    for row in range(len(table)):
        writer.writerow(format_number(col[row], d) for col, d in zip(cols, col_digits, strict=True))
    path.write_text(buffer.getvalue(), encoding="utf-8")
