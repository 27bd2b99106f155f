"""The HTML report: offline, deterministic, escaped, and strict about what it reads."""

from __future__ import annotations

import csv
import json
import math
import re
from pathlib import Path

import pytest

from fargasim.errors import ResultError
from fargasim.report import read_results, write_report
from fargasim.report.figures import build_figures, time_axis

SERVICES = ("web", "worker")
METRICS = (
    "desiredCount",
    "runningCount",
    "pendingCount",
    "cpuUtilization",
    "memoryUtilization",
    "requestRate",
)
TASK_HEADER = (
    "taskId,service,capacityProvider,availabilityZone,subnetId,taskDefinition,startedBy,cpu,"
    "memory,createdAt,pullStartedAt,runningAt,stoppingAt,stoppedAt,stopCode,stoppedReason,"
    "billedSeconds,costUsd"
)
EVIL = "<script>alert('pwned')</script>"


def make_results(root: Path, *, duration: float = 600.0) -> Path:
    """A small hand-made results directory: 2 services, a few samples, 2 tasks."""
    root.mkdir(parents=True, exist_ok=True)
    header = ["time", *(f"{s}.{m}" for s in SERVICES for m in METRICS), "costUsd"]
    # (desired, running) per sample; pending = desired - running; one scale-out at t=150.
    web_counts = [(2, 0), (3, 2), (3, 3), (3, 3), (3, 3)]
    worker_counts = [(1, 0), (1, 1), (1, 1), (1, 1), (1, 1)]
    rows = []
    for i, t in enumerate((0.0, 150.0, 300.0, 450.0, 600.0)):
        per_service = []
        for (desired, running), rate in ((web_counts[i], 12.5), (worker_counts[i], 0.0)):
            cpu, memory = ("", "") if running == 0 else (40 + i, 30)
            per_service += [desired, running, desired - running, cpu, memory, rate]
        rows.append([t, *per_service, round(1234.5678 * i / 4, 6)])
    with (root / "timeseries.csv").open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    (root / "tasks.csv").write_text(
        TASK_HEADER + "\n"
        "1,web,FARGATE,us-east-1a,subnet-a,web:1,ecs-svc/1,512,1024,0.0,2.0,18.5,,,,,600.0,0.0041\n"
        "2,worker,FARGATE_SPOT,us-east-1b,subnet-b,worker:1,ecs-svc/2,256,512,0.0,1.5,15.0,,,,,"
        "600.0,0.0012\n",
        encoding="utf-8",
    )
    (root / "scaling_activities.csv").write_text(
        "time,service,policyName,fromCapacity,toCapacity,cause\n"
        '150.0,web,cpu-60,2,3,"monitor alarm TargetTracking-web-AlarmHigh in state ALARM '
        'triggered policy cpu-60"\n',
        encoding="utf-8",
    )
    events = [
        {"time": 0.0, "service": "web", "message": "(service web) has started 2 tasks: (task 1)."},
        {"time": 12.0, "service": "worker", "message": f"(service worker) says {EVIL}"},
    ]
    (root / "service_events.jsonl").write_text(
        "".join(json.dumps(e) + "\n" for e in events), encoding="utf-8"
    )
    summary = {
        "scenario": "tiny-two-services",
        "seed": 7,
        "engine": "vectorized",
        "durationSeconds": duration,
        "costUsd": {
            "total": 1234.5678,
            "vcpu": 1000.0,
            "memory": 200.0,
            "storage": 34.5678,
            "osLicense": 0.0,
            "byService": {"web": 1000.0, "worker": 234.5678},
            "byCapacityProvider": {"FARGATE": 1100.0, "FARGATE_SPOT": 134.5678},
        },
        "services": {
            "web": {"tasksLaunched": 3, "peakRunning": 2, "meanRunning": 1.6, "taskHours": 0.3},
            "worker": {"tasksLaunched": 1, "peakRunning": 1, "meanRunning": 0.6, "taskHours": 0.1},
        },
        "aKeyFromTheFuture": {"ignored": True},
    }
    (root / "summary.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
    return root


def test_read_results_parses_columns_and_empty_cells(tmp_path: Path) -> None:
    data = read_results(make_results(tmp_path / "r"))
    assert data.services == SERVICES
    assert data.scenario == "tiny-two-services"
    cpu = data.timeseries.service("web", "cpuUtilization")
    assert cpu is not None and math.isnan(cpu[0]) and cpu[1] == 41.0
    assert data.timeseries.cost_usd[-1] == pytest.approx(1234.5678)
    assert data.tasks[1].capacity_provider == "FARGATE_SPOT"
    assert data.tasks[0].running_at == 18.5 and data.tasks[0].stopped_at is None
    assert data.activities[0].to_capacity == 3.0
    assert data.events[1].service == "worker"


def test_write_report_is_offline_and_complete(tmp_path: Path) -> None:
    out = write_report(make_results(tmp_path / "r"))
    assert out == tmp_path / "r" / "report.html"
    assert (tmp_path / "r" / "plotly.min.js").stat().st_size > 1_000_000
    page = out.read_text(encoding="utf-8")

    srcs = re.findall(r"<script[^>]*\bsrc\s*=\s*[\"']?([^\"' >]+)", page, flags=re.I)
    assert srcs == ["plotly.min.js"]
    assert "http://" not in page and "https://" not in page
    assert "cdn" not in page.lower()

    assert "tiny-two-services" in page
    assert "$1,234.57" in page
    for service in SERVICES:
        assert service in page
    assert "10m" in page  # human-readable simulated duration
    assert page.count('class="plotly-graph-div"') == len(build_figures(read_results(out.parent)))


def test_report_is_deterministic(tmp_path: Path) -> None:
    results = make_results(tmp_path / "r")
    first = write_report(results).read_bytes()
    second = write_report(results).read_bytes()
    assert first == second
    elsewhere = write_report(make_results(tmp_path / "copy")).read_bytes()
    assert elsewhere == first


def test_event_messages_are_escaped(tmp_path: Path) -> None:
    page = write_report(make_results(tmp_path / "r")).read_text(encoding="utf-8")
    assert EVIL not in page
    assert "&lt;script&gt;alert(&#x27;pwned&#x27;)&lt;/script&gt;" in page


def test_missing_timeseries_raises(tmp_path: Path) -> None:
    results = make_results(tmp_path / "r")
    (results / "timeseries.csv").unlink()
    with pytest.raises(ResultError, match=r"no timeseries\.csv here"):
        write_report(results)
    assert not (results / "report.html").exists()


@pytest.mark.parametrize(
    ("file", "content", "message"),
    [
        ("timeseries.csv", "time,web.runningCount,costUsd\n0,abc,0\n", r"timeseries\.csv:2: .*abc"),
        ("timeseries.csv", "costUsd,time\n0,0\n", r"timeseries\.csv:1: the first column"),
        ("timeseries.csv", "time,costUsd\n0,0,9\n", r"timeseries\.csv:2: 3 cells"),
        ("tasks.csv", "taskId,service\n", r"tasks\.csv:1: header lacks column"),
        ("service_events.jsonl", "{not json\n", r"service_events\.jsonl:1: not valid JSON"),
        ("summary.json", "[1, 2]", r"summary\.json: expected a JSON object"),
    ],
)
def test_malformed_files_raise_naming_the_file(
    tmp_path: Path, file: str, content: str, message: str
) -> None:
    results = make_results(tmp_path / "r")
    (results / file).write_text(content, encoding="utf-8")
    with pytest.raises(ResultError, match=message):
        read_results(results)


def test_time_axis_switches_to_hours_past_three_hours(tmp_path: Path) -> None:
    short = read_results(make_results(tmp_path / "short", duration=3 * 3600.0))
    long = read_results(make_results(tmp_path / "long", duration=86400.0))
    assert time_axis(short).unit == "min"
    assert time_axis(long).unit == "h"


def test_series_keep_their_colour_across_services(tmp_path: Path) -> None:
    data = read_results(make_results(tmp_path / "r"))
    figures = [f.figure for f in build_figures(data)]
    colours: dict[str, set[str]] = {}
    for fig in figures:
        for trace in fig.data:
            if trace.type == "scatter" and trace.mode == "lines":
                colours.setdefault(trace.name, set()).add(trace.line.color)
    assert all(len(c) == 1 for c in colours.values()), colours
    assert {"desired", "running", "pending", "CPU", "memory"} <= set(colours)


def test_platform_panels_show_stop_codes_deployments_and_peak_vcpu(tmp_path: Path) -> None:
    """summary.json's stopCodes, deployments (shown when a service had more than its first) and
    platform peaks against the vCPU quotas (§5.2) appear on the page; a service with only its
    initial deployment gets no deployment rows."""
    root = make_results(tmp_path / "r")
    summary = json.loads((root / "summary.json").read_text(encoding="utf-8"))
    summary["services"]["web"]["stopCodes"] = {"TerminationNotice": 3, "UserInitiated": 1}
    summary["services"]["web"]["deployments"] = [
        {"id": "ecs-svc/1", "taskDefinition": "web:1", "rolloutState": "COMPLETED",
         "createdAt": 0.0, "completedAt": 40.2, "tasksLaunched": 2, "tasksFailedToStart": 0},
        {"id": "ecs-svc/2", "taskDefinition": "web:2", "rolloutState": "FAILED",
         "createdAt": 300.0, "failedAt": 420.0, "tasksLaunched": 5, "tasksFailedToStart": 3},
    ]  # fmt: skip
    summary["services"]["worker"]["deployments"] = [
        {"id": "ecs-svc/9", "taskDefinition": "worker:1", "rolloutState": "COMPLETED",
         "createdAt": 0.0, "completedAt": 30.0, "tasksLaunched": 1, "tasksFailedToStart": 0},
    ]  # fmt: skip
    summary["platform"] = {
        "peakOnDemandVcpu": 6.0,
        "peakSpotVcpu": 1.5,
        "onDemandVcpuQuota": 6,
        "spotVcpuQuota": 4000,
    }
    (root / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    page = write_report(root).read_text(encoding="utf-8")
    assert "Concurrent vCPU" in page and "6.00" in page and "4,000" in page
    assert '<td class="">TerminationNotice</td>' in page or ">TerminationNotice<" in page
    assert ">ecs-svc/2<" in page and ">FAILED<" in page and ">5m<" in page and ">7m<" in page
    assert ">ecs-svc/9<" not in page  # worker only had its first deployment


def test_services_table_shows_p99_drops_and_the_slo_verdict(tmp_path: Path) -> None:
    """summary.json's per-service requests and slo reach the Services table: p99 rounded to the
    millisecond, the dropped share to 0.01 % (3 of 20 000 = 0.015 % → 0.01 % or 0.02 %)."""
    root = make_results(tmp_path / "r")
    summary = json.loads((root / "summary.json").read_text(encoding="utf-8"))
    summary["services"]["web"]["requests"] = {
        "total": 20000, "completed": 19997, "dropped": 3, "p99LatencyMs": 123.4,
    }  # fmt: skip
    summary["services"]["web"]["slo"] = {"p99LatencyMs": 100, "met": False}
    (root / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    page = write_report(root).read_text(encoding="utf-8")
    assert "p99 latency" in page and "123 ms · SLO missed" in page
    assert ">0.01%<" in page or ">0.02%<" in page
