"""The report's CloudWatch part: metrics.csv, alarms.json and alarm_history.csv on the timeline."""

from __future__ import annotations

import html
import json
import math
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import plotly.graph_objects as go
import pytest

from fargasim.errors import ResultError
from fargasim.report import read_results, write_report
from fargasim.report.data import MetricKey
from fargasim.report.figures import (
    ALARM_BAND_OPACITY,
    MAX_DISPLAY_POINTS,
    RUN_SECTION,
    alarm_colours,
    build_figures,
    display_indices,
    task_count_figure,
)
from tests.report.test_report import make_results

HIGH = "TargetTracking-service/default/web-AlarmHigh-0000"
LOW = "TargetTracking-service/default/web-AlarmLow-0000"
BACKLOG = "jobs-backlog-high"
CPU = MetricKey("AWS/ECS", "CPUUtilization", (("ClusterName", "default"), ("ServiceName", "web")))
QUEUE = MetricKey("AWS/SQS", "ApproximateNumberOfMessagesVisible", (("QueueName", "jobs"),))
EVIL_CAUSE = "monitor alarm <b>boom</b> in state ALARM triggered policy cpu-60"

#: CPU average per minute (period starts 0, 60, …, 540 s); minute 6 has no datapoint.
CPU_AVERAGE = [70.0, 65.0, 62.5, 61.0, 58.0, 50.0, None, 45.0, 64.0, 66.0]
#: Queue depth: the alarm on it uses Sum, so its figure must draw this column, not "average".
QUEUE_SUM = [5.0, 150.0, 160.0, 120.0, 40.0, 10.0, 5.0, 5.0, 5.0, 5.0]

METRICS_HEADER = (
    "timestamp,period,visibleAt,namespace,metricName,dimensions,average,minimum,maximum,sum,"
    "sampleCount"
)


def _alarm(name: str, **fields: Any) -> dict[str, Any]:
    record = {
        "name": name,
        "namespace": "AWS/ECS",
        "metricName": "CPUUtilization",
        "dimensions": {"ClusterName": "default", "ServiceName": "web"},
        "statistic": "Average",
        "period": 60.0,
        "threshold": 60.0,
        "comparisonOperator": "GreaterThanThreshold",
        "service": "web",
        "policyName": "cpu-60",
        "kind": "AlarmHigh",
    }
    record.update(fields)
    return record


ALARMS = [
    _alarm(HIGH),
    _alarm(LOW, threshold=54.0, comparisonOperator="LessThanThreshold", kind="AlarmLow"),
    _alarm(
        BACKLOG,
        namespace="AWS/SQS",
        metricName="ApproximateNumberOfMessagesVisible",
        dimensions={"QueueName": "jobs"},
        statistic="Sum",
        threshold=100.0,
        comparisonOperator="GreaterThanOrEqualToThreshold",
        service=None,
        policyName=None,
        kind="user",
    ),
]

HISTORY = [
    (120.0, HIGH, "INSUFFICIENT_DATA", "OK"),
    (120.0, LOW, "INSUFFICIENT_DATA", "OK"),
    (120.0, BACKLOG, "INSUFFICIENT_DATA", "ALARM"),
    (180.0, HIGH, "OK", "ALARM"),
    (240.0, BACKLOG, "ALARM", "INSUFFICIENT_DATA"),
    (300.0, HIGH, "ALARM", "OK"),
    (420.0, HIGH, "OK", "ALARM"),  # still in ALARM when the run ends at 600 s
]
#: In ALARM, by hand from HISTORY: (start, end) in seconds.
HIGH_INTERVALS = ((180.0, 300.0), (420.0, 600.0))
BACKLOG_INTERVALS = ((120.0, 240.0),)


def make_alarm_results(root: Path) -> Path:
    """The two-service results of test_report plus CloudWatch files and varied activities."""
    make_results(root)
    lines = [METRICS_HEADER]
    for minute, average in enumerate(CPU_AVERAGE):
        if average is not None:
            start = 60.0 * minute
            lines.append(
                f"{start},60.0,{start + 120},AWS/ECS,CPUUtilization,"
                f"ClusterName=default;ServiceName=web,{average},{average},{average},"
                f"{3 * average},3.0"
            )
    for minute, total in enumerate(QUEUE_SUM):
        start = 60.0 * minute
        lines.append(
            f"{start},60.0,{start + 120},AWS/SQS,ApproximateNumberOfMessagesVisible,"
            f"QueueName=jobs,{total / 2},{total / 2},{total / 2},{total},2.0"
        )
    (root / "metrics.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (root / "alarms.json").write_text(json.dumps(ALARMS, indent=2) + "\n", encoding="utf-8")
    (root / "alarm_history.csv").write_text(
        "time,alarm,oldState,newState,reason\n"
        + "".join(f'{t},{a},{old},{new},"Threshold Crossed: …"\n' for t, a, old, new in HISTORY),
        encoding="utf-8",
    )
    (root / "scaling_activities.csv").write_text(
        "time,service,policyName,fromCapacity,toCapacity,cause\n"
        f'180.0,web,cpu-60,2,3,"{EVIL_CAUSE}"\n'
        "420.0,web,cpu-60,3,4,monitor alarm x in state ALARM triggered policy cpu-60\n"
        "500.0,web,night,4,2,scheduled action name night was triggered setting maximum "
        "capacity to 2\n"
        "550.0,web,cpu-60,2,1,monitor alarm y in state ALARM triggered policy cpu-60\n",
        encoding="utf-8",
    )
    return root


def _figure(root: Path, title_part: str) -> tuple[str, go.Figure]:
    matches = [
        (item.section, item.figure)
        for item in build_figures(read_results(root))
        if title_part in item.figure.layout.title.text
    ]
    assert len(matches) == 1, [m[1].layout.title.text for m in matches]
    return matches[0]


def _bands(fig: go.Figure) -> list[tuple[float, float, str]]:
    return [(s.x0, s.x1, s.fillcolor) for s in fig.layout.shapes if s.type == "rect"]


def _thresholds(fig: go.Figure) -> dict[str, float]:
    return {html.unescape(s.name): s.y0 for s in fig.layout.shapes if s.type == "line"}


def test_read_results_parses_the_cloudwatch_files(tmp_path: Path) -> None:
    data = read_results(make_alarm_results(tmp_path / "r"))
    assert list(data.metrics) == [CPU, QUEUE]
    cpu = data.metrics[CPU]
    assert cpu.period == 60.0 and len(cpu) == 9
    assert cpu.values("Average")[-1] == 66.0 and cpu.values("Sum")[-1] == 198.0
    assert cpu.visible_at[0] == 120.0
    high, low, backlog = data.alarms
    assert (high.kind, high.threshold, high.symbol, high.is_high) == ("AlarmHigh", 60.0, ">", True)
    assert (low.symbol, low.is_high) == ("<", False)
    assert backlog.metric == QUEUE and backlog.service is None and backlog.policy_name is None
    assert len(data.alarm_history) == len(HISTORY)
    assert data.alarm_intervals(HIGH) == HIGH_INTERVALS
    assert data.alarm_intervals(LOW) == ()
    assert data.alarm_intervals(BACKLOG) == BACKLOG_INTERVALS
    assert [a.kind for a in data.activities] == ["scale-out", "scale-out", "scheduled", "scale-in"]


def test_metric_figure_has_thresholds_and_alarm_bands(tmp_path: Path) -> None:
    section, fig = _figure(make_alarm_results(tmp_path / "r"), "CPUUtilization and its alarms")
    assert section == "web"
    assert _thresholds(fig) == {"target 60 (AlarmHigh > 60)": 60.0, "AlarmLow < 54": 54.0}
    labels = {html.unescape(a.text) for a in fig.layout.annotations}
    assert labels == {"target 60 (AlarmHigh > 60)", "AlarmLow < 54"}

    # A 10-minute run is drawn in minutes: bands at 3–5 min and 7–10 min, AlarmHigh's colour.
    colour = alarm_colours(read_results(tmp_path / "r"))[HIGH]
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    fill = f"rgba({red}, {green}, {blue}, {ALARM_BAND_OPACITY})"
    assert _bands(fig) == [(3.0, 5.0, fill), (7.0, 10.0, fill)]
    assert all(s.layer == "below" for s in fig.layout.shapes if s.type == "rect")

    metric = next(t for t in fig.data if t.name.startswith("CPUUtilization"))
    # Markers at each period start, and a gap where minute 6 has no datapoint.
    assert list(metric.x) == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, None, 7.0, 8.0, 9.0]
    assert list(metric.y) == CPU_AVERAGE
    assert "markers" in metric.mode
    assert "visible to alarms at 00:02:00" in metric.customdata[0]
    assert fig.layout.yaxis.title.text.endswith("(%)")
    assert fig.layout.xaxis.title.text == "Simulated time (min)"


def test_user_alarm_without_a_service_goes_to_the_whole_run(tmp_path: Path) -> None:
    section, fig = _figure(make_alarm_results(tmp_path / "r"), "ApproximateNumberOfMessages")
    assert section == RUN_SECTION
    assert _thresholds(fig) == {"jobs-backlog-high ≥ 100": 100.0}
    assert [(x0, x1) for x0, x1, _ in _bands(fig)] == [(2.0, 4.0)]
    metric = next(t for t in fig.data if t.name.startswith("ApproximateNumberOfMessages"))
    assert list(metric.y) == QUEUE_SUM  # the alarm's statistic (Sum), not the average
    assert fig.layout.yaxis.title.text == "Sum (count)"
    assert not [t for t in fig.data if t.yaxis == "y2"]  # no service: no desired count


def test_activities_are_markers_with_scheduled_actions_apart(tmp_path: Path) -> None:
    root = make_alarm_results(tmp_path / "r")
    _, metric_fig = _figure(root, "CPUUtilization and its alarms")
    task_fig = task_count_figure(read_results(root), "web")
    assert task_fig is not None
    for fig, yaxis in ((metric_fig, "y2"), (task_fig, "y")):
        markers = {t.name: t for t in fig.data if t.mode == "markers"}
        assert set(markers) == {"scale-out", "scale-in", "scheduled action"}
        assert markers["scale-out"].marker.symbol == "triangle-up"
        assert markers["scale-in"].marker.symbol == "triangle-down"
        assert markers["scheduled action"].marker.symbol == "diamond"
        assert markers["scheduled action"].marker.color != markers["scale-out"].marker.color
        assert list(markers["scale-out"].y) == [3.0, 4.0]
        assert all(t.yaxis == yaxis for t in markers.values())
    desired = next(t for t in metric_fig.data if t.name == "desired tasks")
    assert desired.yaxis == "y2" and desired.line.shape == "hv"
    assert metric_fig.layout.yaxis2.title.text == "Desired tasks (count)"


def test_causes_are_escaped(tmp_path: Path) -> None:
    root = make_alarm_results(tmp_path / "r")
    _, fig = _figure(root, "CPUUtilization and its alarms")
    out = next(t for t in fig.data if t.name == "scale-out")
    assert "&lt;b&gt;boom&lt;/b&gt;" in out.hovertext[0]
    assert "<b>boom" not in out.hovertext[0]
    page = write_report(root).read_text(encoding="utf-8")
    assert "<b>boom" not in page and "\\u003cb\\u003eboom" not in page
    assert f"<td>{html.escape(EVIL_CAUSE, quote=False)}</td>" in page  # the log, in full


def test_page_has_an_alarm_table_and_history_log(tmp_path: Path) -> None:
    page = write_report(make_alarm_results(tmp_path / "r")).read_text(encoding="utf-8")
    assert "<h3>Alarms</h3>" in page
    row = page[page.index(html.escape(HIGH)) :]
    row = row[: row.index("</tr>")]
    # 120 s + 180 s in ALARM out of 600 s; into ALARM twice; four state changes.
    cells = [c.split(">", 1)[1] for c in row.split("</td>")[:-1]]
    assert cells[-4:] == ["5m", "50.0%", "2", "4"]
    assert "Alarm state changes (7)" in page
    assert "metrics.csv, alarms.json, alarm_history.csv" in page


def test_results_without_cloudwatch_files_still_render(tmp_path: Path) -> None:
    root = make_results(tmp_path / "old")
    data = read_results(root)
    assert data.metrics == {} and data.alarms == () and data.alarm_history == ()
    page = write_report(root).read_text(encoding="utf-8")
    assert "<h3>Alarms</h3>" not in page
    assert "and its alarms" not in page
    # Files written from empty tables hold a lone newline: read as empty too.
    for name in ("metrics.csv", "alarm_history.csv"):
        (root / name).write_text("\n", encoding="utf-8")
    (root / "alarms.json").write_text("[]\n", encoding="utf-8")
    assert read_results(root).alarms == ()
    write_report(root)


def test_alarm_report_is_deterministic(tmp_path: Path) -> None:
    root = make_alarm_results(tmp_path / "r")
    first = write_report(root).read_bytes()
    assert write_report(root).read_bytes() == first
    copy = tmp_path / "elsewhere" / "copy"
    shutil.copytree(root, copy)
    (copy / "report.html").unlink()
    assert write_report(copy).read_bytes() == first


@pytest.mark.parametrize(
    ("file", "content", "message"),
    [
        ("metrics.csv", "timestamp,period\n", r"metrics\.csv:1: header lacks column"),
        (
            "metrics.csv",
            METRICS_HEADER + "\n0,60,120,AWS/ECS,CPUUtilization,A=b,x,1,1,1,1\n",
            r"metrics\.csv:2: column average: 'x' is not a number",
        ),
        (
            "metrics.csv",
            METRICS_HEADER + "\n0,60,120,AWS/ECS,CPUUtilization,oops,1,1,1,1,1\n",
            r"metrics\.csv:2: column dimensions",
        ),
        (
            "metrics.csv",
            METRICS_HEADER + "\n60,60,180,N,M,,1,1,1,1,1\n0,60,120,N,M,,1,1,1,1,1\n",
            r"metrics\.csv:3: timestamp 0 is not after",
        ),
        ("alarms.json", '[\n  {"name": "a",\n', r"alarms\.json:3: not valid JSON"),
        ("alarms.json", '{"name": "a"}', r"alarms\.json: expected a JSON array"),
        (
            "alarms.json",
            '[\n  {"name": "ok"},\n  {"name": "b", "namespace": "N"}\n]',
            r"alarms\.json:2: alarm 'ok': 'statistic' must be",
        ),
        (
            "alarms.json",
            json.dumps([ALARMS[0], {**ALARMS[1], "comparisonOperator": "Sideways"}], indent=2),
            r"alarms\.json:18: alarm '.*AlarmLow.*': comparisonOperator 'Sideways'",
        ),
        (
            "alarms.json",
            json.dumps([{**ALARMS[0], "threshold": "sixty"}]),
            r"alarms\.json:1: alarm .*'threshold' must be a number",
        ),
        (
            "alarm_history.csv",
            "time,alarm,oldState,newState,reason\n1,a,OK,PANIC,x\n",
            r"alarm_history\.csv:2: column newState: 'PANIC'",
        ),
        (
            "alarm_history.csv",
            "time,alarm,oldState,newState,reason\n9,a,OK,ALARM,x\n3,a,ALARM,OK,x\n",
            r"alarm_history\.csv:3: time 3 goes backwards",
        ),
    ],
)
def test_malformed_cloudwatch_files_raise_naming_file_and_line(
    tmp_path: Path, file: str, content: str, message: str
) -> None:
    results = make_alarm_results(tmp_path / "r")
    (results / file).write_text(content, encoding="utf-8")
    with pytest.raises(ResultError, match=message):
        read_results(results)


def test_alarm_period_longer_than_the_datapoints_merges_them(tmp_path: Path) -> None:
    data = read_results(make_alarm_results(tmp_path / "r"))
    merged = data.metrics[QUEUE].with_period(120.0)
    assert list(merged.timestamp) == [0.0, 120.0, 240.0, 360.0, 480.0]
    assert list(merged.sum) == [155.0, 280.0, 50.0, 10.0, 10.0]
    assert merged.average[0] == pytest.approx(155.0 / 4)
    assert list(merged.visible_at) == [180.0, 300.0, 420.0, 540.0, 660.0]
    assert data.metrics[QUEUE].with_period(90.0) is data.metrics[QUEUE]  # not a multiple


def test_dense_series_are_thinned_for_display_only(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    values = rng.random(50_000)
    values[12_345] = 10.0  # a spike must survive
    keep = display_indices(values)
    assert len(keep) <= MAX_DISPLAY_POINTS
    assert 12_345 in keep and keep[0] == 0 and keep[-1] == values.size - 1
    assert list(keep) == sorted(keep)
    assert list(display_indices(values[:100])) == list(range(100))

    # A day of 10 s datapoints: the figure draws a few thousand, the data keeps them all.
    root = make_alarm_results(tmp_path / "r")
    rows = [METRICS_HEADER]
    for i in range(8640):
        value = 50 + 10 * math.sin(i / 100)
        rows.append(
            f"{10 * i},10.0,{10 * i + 70},AWS/ECS,CPUUtilization,"
            f"ClusterName=default;ServiceName=web,{value},{value},{value},{value},1.0"
        )
    (root / "metrics.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    alarms = [{**a, "period": 10.0} for a in ALARMS[:2]]
    (root / "alarms.json").write_text(json.dumps(alarms), encoding="utf-8")
    data = read_results(root)
    assert len(data.metrics[CPU]) == 8640
    _, fig = _figure(root, "CPUUtilization and its alarms")
    metric = next(t for t in fig.data if t.name.startswith("CPUUtilization"))
    assert len(metric.x) <= MAX_DISPLAY_POINTS
    assert metric.mode == "lines"
