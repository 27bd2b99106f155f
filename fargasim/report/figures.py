"""Plotly figures of one run: pure functions of :class:`~fargasim.report.data.ReportData`.

Two lists of builders decide what the report shows, in order:

* :data:`SERVICE_FIGURES` — ``(data, service) -> Figure | [Figure, …] | None``, drawn once per
  service;
* :data:`RUN_FIGURES` — ``(data) -> Figure | [Figure, …] | None``, drawn once per run.

A builder returns None (or an empty list) when the run has nothing for it to draw (e.g. no task
ever reached RUNNING), and a list when it draws one figure per something (e.g. per metric watched by
an alarm). To add a figure, write a builder and append it to the right tuple;
:func:`build_figures` does the rest. Every series has one colour across all figures
(:data:`SERIES_COLOURS`, :func:`service_colour` for per-service series, :func:`alarm_colours` for
alarms), and every axis names its unit.

Only what is drawn is thinned, never the files: dense series are reduced to at most a few thousand
points per trace (keeping each bucket's minimum and maximum, so spikes survive) and step lines to
their changes.

Text that comes from the results (service names, causes) is HTML-escaped before it reaches plotly,
which renders a subset of HTML in titles and hover labels.
"""

from __future__ import annotations

import html
import itertools
import math
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt
import plotly.graph_objects as go

from fargasim.report.data import (
    Alarm,
    FloatArray,
    MetricKey,
    MetricSeries,
    ReportData,
    ScalingActivity,
)

#: One colour per kind of series, the same in every figure.
SERIES_COLOURS: dict[str, str] = {
    "desired": "#3A3A3A",
    "running": "#4C78A8",
    "pending": "#F58518",
    "scaling": "#B279A2",
    "scheduled": "#F2C14E",
    "metric": "#5B5EA6",
    "cpu": "#E45756",
    "memory": "#2A9D8F",
    "cost": "#54A24B",
    "FARGATE": "#9D755D",
    "FARGATE_SPOT": "#E0A526",
    "p50": "#72B7B2",
    "p95": "#4C78A8",
    "p99": "#1F3A5F",
    "dropped": "#E45756",
}

#: Per-service colours (ColorBrewer Dark2), assigned in scenario order.
SERVICE_PALETTE: tuple[str, ...] = (
    "#1B9E77",
    "#D95F02",
    "#7570B3",
    "#E7298A",
    "#66A61E",
    "#E6AB02",
    "#A6761D",
    "#666666",
)

#: Alarm colours (threshold line and ALARM band), assigned in alarms.json order: warm for alarms
#: that fire above their threshold (scale-out, usually), cool for those that fire below it.
HIGH_ALARM_PALETTE: tuple[str, ...] = ("#D95F02", "#A6761D", "#E7298A", "#8C2D04")
LOW_ALARM_PALETTE: tuple[str, ...] = ("#1F78B4", "#6A3D9A", "#01665E", "#4D4D4D")
#: Opacity of the band drawn where an alarm is in ALARM.
ALARM_BAND_OPACITY = 0.13

#: Metrics measured in percent; every other metric's axis says "count".
PERCENT_METRICS = frozenset({"CPUUtilization", "MemoryUtilization"})
#: At most this many points per drawn trace (the data files keep every point).
MAX_DISPLAY_POINTS = 4000
#: Metric datapoints get markers only up to this many per trace (beyond, they would merge).
MAX_MARKERS = 800

FONT_FAMILY = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif'
FIGURE_HEIGHT = 340
#: Runs longer than this are drawn with an hours axis, shorter ones with minutes.
HOURS_AXIS_ABOVE_SECONDS = 3 * 3600.0


@dataclass(frozen=True)
class ReportFigure:
    """A figure and the report section it belongs to: one service's, or the whole run's."""

    section: str
    figure: go.Figure
    service: str | None = None


@dataclass(frozen=True)
class TimeAxis:
    """How simulated seconds are shown on an x axis."""

    seconds_per_unit: float
    unit: str

    @property
    def title(self) -> str:
        return f"Simulated time ({self.unit})"

    def scale(self, seconds: FloatArray) -> FloatArray:
        return seconds / self.seconds_per_unit

    def tick_spacing(self, span: float) -> float:
        """A clock-friendly tick step giving at most about 12 ticks over ``span`` units."""
        steps = _HOUR_STEPS if self.unit == "h" else _MINUTE_STEPS
        for step in steps:
            if span / step <= 12:
                return step
        return _nice_bin_size(span / 12)


_HOUR_STEPS = (0.25, 0.5, 1.0, 2.0, 3.0, 6.0, 12.0, 24.0, 48.0, 168.0)
_MINUTE_STEPS = (1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0)


FigureOrFigures: TypeAlias = "go.Figure | Sequence[go.Figure] | None"
ServiceFigureBuilder = Callable[[ReportData, str], FigureOrFigures]
RunFigureBuilder = Callable[[ReportData], FigureOrFigures]


def time_axis(data: ReportData) -> TimeAxis:
    """Hours when the run is longer than 3 h, else minutes."""
    if data.duration_seconds > HOURS_AXIS_ABOVE_SECONDS:
        return TimeAxis(3600.0, "h")
    return TimeAxis(60.0, "min")


def service_colour(data: ReportData, service: str) -> str:
    """The colour of ``service`` in every per-service series."""
    services = data.services
    index = services.index(service) if service in services else len(services)
    return SERVICE_PALETTE[index % len(SERVICE_PALETTE)]


def format_usd(value: float, *, scale: float | None = None) -> str:
    """``$1,234.56``; four decimals when ``scale`` (default: the value) is under a dollar.

    Pass the table's total as ``scale`` so that every amount in it has the same decimals.
    """
    reference = abs(value if scale is None else scale)
    if 0 < reference < 1:
        return f"${value:,.4f}"
    return f"${value:,.2f}"


def format_clock(seconds: float) -> str:
    """Simulated time as ``HH:MM:SS`` (``1d 02:03:04`` past a day; tenths when fractional)."""
    days, rest = divmod(seconds, 86400.0)
    hours, rest = divmod(rest, 3600.0)
    minutes, secs = divmod(rest, 60.0)
    sec_text = f"{int(secs):02d}" if float(secs).is_integer() else f"{secs:04.1f}"
    clock = f"{int(hours):02d}:{int(minutes):02d}:{sec_text}"
    return f"{int(days)}d {clock}" if days else clock


def format_value(value: float) -> str:
    """A threshold or capacity: ``60``, ``1,500``, ``0.25``."""
    if value.is_integer() and abs(value) < 1e15:
        return f"{int(value):,}"
    return f"{value:,.6g}"


def format_period(seconds: float) -> str:
    """``1 min``, ``5 min``, ``1 h``, ``10 s``."""
    if seconds >= 3600 and seconds % 3600 == 0:
        return f"{seconds / 3600:g} h"
    if seconds >= 60 and seconds % 60 == 0:
        return f"{seconds / 60:g} min"
    return f"{seconds:g} s"


def _text(value: str) -> str:
    return html.escape(value, quote=False)


def _wrapped(value: str, width: int = 60) -> str:
    return "<br>".join(_text(line) for line in textwrap.wrap(value, width) or [""])


def _style(
    fig: go.Figure, title: str, axis: TimeAxis | None, y_title: str, data: ReportData | None = None
) -> go.Figure:
    fig.update_layout(
        template="plotly_white",
        title={"text": title, "x": 0.0, "xanchor": "left", "font": {"size": 16}},
        height=FIGURE_HEIGHT,
        margin={"l": 70, "r": 20, "t": 60, "b": 55},
        font={"family": FONT_FAMILY, "size": 12, "color": "#222"},
        legend={"orientation": "h", "x": 1.0, "xanchor": "right", "y": 1.02, "yanchor": "bottom"},
        hovermode="x unified" if axis is not None else "closest",
    )
    if axis is not None:
        fig.update_xaxes(title_text=axis.title, hoverformat=".2f")
        if data is not None and data.duration_seconds > 0:
            span = data.duration_seconds / axis.seconds_per_unit
            fig.update_xaxes(range=[0, span], tick0=0, dtick=axis.tick_spacing(span))
    fig.update_yaxes(title_text=y_title, rangemode="tozero")
    return fig


def _has_values(values: FloatArray | None) -> bool:
    return values is not None and bool(np.any(~np.isnan(values)))


def task_count_figure(data: ReportData, service: str) -> go.Figure | None:
    """Desired, running and pending task counts as step lines, with scaling activities."""
    if data.timeseries.time.size == 0:
        return None
    axis = time_axis(data)
    x = axis.scale(data.timeseries.time)
    fig = go.Figure()
    peak = 0.0
    # Desired is drawn last so its dashes stay visible where running equals it; legendrank
    # still lists it first.
    for metric, name, dash, rank in (
        ("runningCount", "running", "solid", 2),
        ("pendingCount", "pending", "solid", 3),
        ("desiredCount", "desired", "dash", 1),
    ):
        values = data.timeseries.service(service, metric)
        if values is None:
            continue
        if _has_values(values):
            peak = max(peak, float(np.nanmax(values)))
        fig.add_trace(
            go.Scatter(
                x=x,
                y=values,
                name=name,
                mode="lines",
                line={"color": SERIES_COLOURS[name], "dash": dash, "width": 2},
                line_shape="hv",
                legendrank=rank,
            )
        )
    activities = [a for a in data.activities if a.service == service]
    for trace in activity_traces(activities, axis):
        fig.add_trace(trace)
    peak = max([peak, *(a.to_capacity for a in activities)])
    if not fig.data:
        return None
    _style(fig, f"{_text(service)} — tasks", axis, "Tasks (count)", data)
    fig.update_yaxes(hoverformat=".0f", dtick=1 if peak <= 8 else None)
    return fig


#: How each kind of scaling activity is drawn: legend name, marker symbol, colour key.
ACTIVITY_MARKERS: dict[str, tuple[str, str, str]] = {
    "scale-out": ("scale-out", "triangle-up", "scaling"),
    "scale-in": ("scale-in", "triangle-down", "scaling"),
    "scheduled": ("scheduled action", "diamond", "scheduled"),
}


def activity_hover(activity: ScalingActivity) -> str:
    """Hover text of a scaling activity: policy, capacity change, time and the full cause."""
    what = "scheduled action" if activity.is_scheduled else "policy"
    return (
        f"<b>{_text(activity.policy_name)}</b> ({what}): "
        f"{format_value(activity.from_capacity)} → {format_value(activity.to_capacity)} tasks"
        f"<br>at {format_clock(activity.time)}<br>{_wrapped(activity.cause)}"
    )


def activity_traces(
    activities: Sequence[ScalingActivity], axis: TimeAxis, *, yaxis: str = "y"
) -> list[go.Scatter]:
    """One marker trace per kind of activity (scale-out ▲, scale-in ▼, scheduled action ◆),
    each marker at the new desired count, the cause on hover."""
    traces = []
    for kind, (name, symbol, colour) in ACTIVITY_MARKERS.items():
        chosen = [a for a in activities if a.kind == kind]
        if not chosen:
            continue
        scheduled = kind == "scheduled"
        traces.append(
            go.Scatter(
                x=[a.time / axis.seconds_per_unit for a in chosen],
                y=[a.to_capacity for a in chosen],
                name=name,
                mode="markers",
                yaxis=yaxis,
                marker={
                    "color": SERIES_COLOURS[colour],
                    "size": 12 if scheduled else 11,
                    "symbol": symbol,
                    "line": {"color": "#5C4300" if scheduled else "white", "width": 1},
                },
                hovertext=[activity_hover(a) for a in chosen],
                hovertemplate="%{hovertext}<extra></extra>",
            )
        )
    return traces


def utilization_figure(data: ReportData, service: str) -> go.Figure | None:
    """Service-average CPU and memory utilization in percent (gaps when no task runs)."""
    if data.timeseries.time.size == 0:
        return None
    axis = time_axis(data)
    x = axis.scale(data.timeseries.time)
    fig = go.Figure()
    top = 100.0
    for metric, name, key in (
        ("cpuUtilization", "CPU", "cpu"),
        ("memoryUtilization", "memory", "memory"),
    ):
        values = data.timeseries.service(service, metric)
        if values is None:
            continue
        if _has_values(values):
            top = max(top, float(np.nanmax(values)))
        fig.add_trace(
            go.Scatter(
                x=x,
                y=values,
                name=name,
                mode="lines",
                line={"color": SERIES_COLOURS[key], "width": 2},
            )
        )
    if not fig.data:
        return None
    _style(fig, f"{_text(service)} — CPU and memory utilization", axis, "Utilization (%)", data)
    fig.update_yaxes(range=[0, top * 1.05], hoverformat=".1f", ticksuffix="%")
    return fig


def latency_figure(data: ReportData, service: str) -> go.Figure | None:
    """Latency percentiles of the requests completed in each sample interval (left axis, ms)
    and the share of requests dropped (right axis, %)."""
    if data.timeseries.time.size == 0:
        return None
    axis = time_axis(data)
    x = axis.scale(data.timeseries.time)
    fig = go.Figure()
    for q in ("p50", "p95", "p99"):
        values = data.timeseries.service(service, f"{q}LatencyMs")
        if values is None or not _has_values(values):
            continue
        fig.add_trace(
            go.Scatter(
                x=x,
                y=values,
                name=q,
                mode="lines",
                line={"color": SERIES_COLOURS[q], "width": 2 if q == "p99" else 1.5},
            )
        )
    if not fig.data:
        return None
    _style(fig, f"{_text(service)} — request latency and drops", axis, "Latency (ms)", data)
    fig.update_yaxes(rangemode="tozero", hoverformat=".1f")
    dropped = data.timeseries.service(service, "droppedRate")
    if dropped is not None and _has_values(dropped) and float(np.nanmax(dropped)) > 0:
        fig.add_trace(
            go.Scatter(
                x=x,
                y=100.0 * dropped,
                name="dropped",
                mode="lines",
                yaxis="y2",
                line={"color": SERIES_COLOURS["dropped"], "width": 1.5, "dash": "dot"},
            )
        )
        fig.update_layout(
            yaxis2={
                "title": "Dropped (%)",
                "overlaying": "y",
                "side": "right",
                "rangemode": "tozero",
                "tickmode": "auto",  # not aligned to the latency axis: round percentages
                "ticksuffix": "%",
                "showgrid": False,
            }
        )
    return fig


def request_rate_figure(data: ReportData) -> go.Figure | None:
    """Requests per second arriving at each service."""
    if data.timeseries.time.size == 0:
        return None
    axis = time_axis(data)
    x = axis.scale(data.timeseries.time)
    fig = go.Figure()
    for service in data.services:
        values = data.timeseries.service(service, "requestRate")
        if values is None:
            continue
        fig.add_trace(
            go.Scatter(
                x=x,
                y=values,
                name=_text(service),
                mode="lines",
                line={"color": service_colour(data, service), "width": 2},
            )
        )
    if not fig.data:
        return None
    _style(fig, "Request rate", axis, "Requests (req/s)", data)
    fig.update_layout(showlegend=True)
    fig.update_yaxes(hoverformat=",.1f")
    return fig


def cost_figure(data: ReportData) -> go.Figure | None:
    """Cumulative cost of the run in USD, with the total in the title."""
    if data.timeseries.time.size == 0:
        return None
    axis = time_axis(data)
    cost = data.timeseries.cost_usd
    cost_summary = data.summary.get("costUsd")
    total = cost_summary.get("total") if isinstance(cost_summary, dict) else None
    if not isinstance(total, (int, float)) or isinstance(total, bool):
        total = float(np.nanmax(cost)) if _has_values(cost) else math.nan
    fig = go.Figure(
        go.Scatter(
            x=axis.scale(data.timeseries.time),
            y=cost,
            name="cumulative cost",
            mode="lines",
            line={"color": SERIES_COLOURS["cost"], "width": 2},
            fill="tozeroy",
            fillcolor="rgba(84, 162, 75, 0.15)",
        )
    )
    title = (
        "Cumulative cost" if math.isnan(total) else f"Cumulative cost — total {format_usd(total)}"
    )
    _style(fig, title, axis, "Cost (USD)", data)
    fig.update_yaxes(tickprefix="$", tickformat=",", hoverformat=",.4f")
    return fig


def startup_time_figure(data: ReportData) -> go.Figure | None:
    """Histogram of task start-up time (created → running) per capacity provider."""
    by_provider: dict[str, list[float]] = {}
    for task in data.tasks:
        if task.created_at is not None and task.running_at is not None:
            by_provider.setdefault(task.capacity_provider, []).append(
                task.running_at - task.created_at
            )
    if not by_provider:
        return None
    # One set of bins for every provider, so the stacked bars line up.
    low = min(min(values) for values in by_provider.values())
    high = max(max(values) for values in by_provider.values())
    size = _nice_bin_size((high - low) / 30)
    start = math.floor(low / size) * size
    fig = go.Figure()
    for provider in sorted(by_provider):
        fig.add_trace(
            go.Histogram(
                x=by_provider[provider],
                name=_text(provider),
                marker={"color": SERIES_COLOURS.get(provider, "#888888")},
                xbins={"start": start, "end": high + size, "size": size},
            )
        )
    edges = np.arange(start, high + 2 * size, size)
    tallest = int(np.histogram(np.concatenate(list(by_provider.values())), bins=edges)[0].max())
    _style(fig, "Task start-up time (created → running)", None, "Tasks (count)")
    fig.update_yaxes(dtick=1 if tallest <= 8 else None)
    fig.update_layout(barmode="stack", bargap=0.08, legend={"traceorder": "normal"})
    fig.update_xaxes(title_text="Start-up time (s)")
    return fig


def _nice_bin_size(raw: float) -> float:
    """The smallest of 1, 2, 5 × 10^k that is at least ``raw`` (and at least 0.1 s)."""
    raw = max(raw, 0.1)
    magnitude = 10.0 ** math.floor(math.log10(raw))
    for step in (1.0, 2.0, 5.0, 10.0):
        if step * magnitude >= raw:
            return step * magnitude
    return 10.0 * magnitude


# -- CloudWatch metrics and alarms --------------------------------------------------------------


def alarm_colours(data: ReportData) -> dict[str, str]:
    """One colour per alarm (its threshold line, ALARM band and table swatch), by alarms.json
    order: warm for alarms that fire above their threshold, cool for those that fire below."""
    colours: dict[str, str] = {}
    high = low = 0
    for alarm in data.alarms:
        if alarm.is_high:
            colours[alarm.name] = HIGH_ALARM_PALETTE[high % len(HIGH_ALARM_PALETTE)]
            high += 1
        else:
            colours[alarm.name] = LOW_ALARM_PALETTE[low % len(LOW_ALARM_PALETTE)]
            low += 1
    return colours


def alarm_short_name(alarm: Alarm) -> str:
    """``AlarmHigh`` / ``AlarmLow`` for a target-tracking policy's alarms, else the alarm name."""
    return alarm.kind if alarm.is_target_tracking else alarm.name


def alarm_condition(alarm: Alarm) -> str:
    """``> 60``: when the alarm's datapoints breach."""
    return f"{alarm.symbol} {format_value(alarm.threshold)}"


def alarm_label(alarm: Alarm, *, with_policy: bool = False) -> str:
    """The label of an alarm's threshold line: ``target 60 (AlarmHigh > 60)`` for the alarm whose
    threshold is a target-tracking policy's target value, else ``AlarmLow < 54`` or
    ``jobs-backlog-high ≥ 100``; a target-tracking alarm's is prefixed by its policy when one
    figure shows several policies' alarms."""
    condition = f"{alarm_short_name(alarm)} {alarm_condition(alarm)}"
    if alarm.kind == "AlarmHigh":
        label = f"target {format_value(alarm.threshold)} ({condition})"
    else:
        label = condition
    if with_policy and alarm.is_target_tracking and alarm.policy_name:
        label = f"{alarm.policy_name}: {label}"
    return label


def metric_unit(metric_name: str, statistic: str) -> str:
    """``%`` for CPU and memory utilization (except their SampleCount), else ``count``."""
    return "%" if metric_name in PERCENT_METRICS and statistic != "SampleCount" else "count"


def _metric_axis_title(key: MetricKey, statistic: str) -> str:
    unit = metric_unit(key.metric_name, statistic)
    if key.metric_name == "CPUUtilization" and unit == "%":
        return f"CPU utilization, {statistic.lower()} (%)"
    if key.metric_name == "MemoryUtilization" and unit == "%":
        return f"Memory utilization, {statistic.lower()} (%)"
    return f"{statistic} ({unit})"


def _metric_colour(key: MetricKey) -> str:
    return SERIES_COLOURS.get(
        {"CPUUtilization": "cpu", "MemoryUtilization": "memory"}.get(key.metric_name, "metric"),
        SERIES_COLOURS["metric"],
    )


def _rgba(colour: str, alpha: float) -> str:
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red}, {green}, {blue}, {alpha})"


def display_indices(values: FloatArray, max_points: int = MAX_DISPLAY_POINTS) -> npt.NDArray[Any]:
    """Indices of the points to draw: all when there are at most ``max_points``, else the first
    and last, and each bucket's minimum and maximum (in time order) so peaks stay visible."""
    n = int(values.size)
    if n <= max_points:
        return np.arange(n)
    buckets = max(1, (max_points - 2) // 2)
    edges = np.linspace(0, n, buckets + 1).astype(np.int64)
    keep = {0, n - 1}
    filled = np.where(np.isnan(values), 0.0, values)
    for lo, hi in itertools.pairwise(edges.tolist()):
        if hi > lo:
            keep.add(lo + int(np.argmin(filled[lo:hi])))
            keep.add(lo + int(np.argmax(filled[lo:hi])))
    return np.array(sorted(keep), dtype=np.int64)


def _step_changes(values: FloatArray) -> npt.NDArray[Any]:
    """Indices where a step line changes value (plus the first and last point)."""
    n = int(values.size)
    if n == 0:
        return np.arange(0)
    same = np.r_[
        False, (values[1:] == values[:-1]) | (np.isnan(values[1:]) & np.isnan(values[:-1]))
    ]
    keep = ~same
    keep[-1] = True
    return np.flatnonzero(keep)


def _merge_intervals(
    intervals: Sequence[tuple[float, float]], min_width: float
) -> list[tuple[float, float]]:
    """Widen intervals to ``min_width`` (so a one-minute ALARM shows on a two-day axis) and merge
    those that then overlap."""
    merged: list[tuple[float, float]] = []
    for start, end in intervals:
        end = max(end, start + min_width)
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _metric_trace(
    series: MetricSeries, statistic: str, axis: TimeAxis, name: str, colour: str, dash: str
) -> go.Scatter:
    """The metric's datapoints at their period starts; a gap where a period has no datapoint."""
    values = series.values(statistic)
    unit = metric_unit(series.key.metric_name, statistic)
    keep = display_indices(values)
    gap_before = np.r_[False, np.diff(series.timestamp) > 1.5 * series.period]
    gaps_so_far = np.cumsum(gap_before)
    xs: list[float | None] = []
    ys: list[float | None] = []
    hover: list[str] = []
    previous: int | None = None
    for index in keep.tolist():
        if previous is not None and gaps_so_far[index] != gaps_so_far[previous]:
            xs.append(None)
            ys.append(None)
            hover.append("")
        previous = index
        start = float(series.timestamp[index])
        visible = float(series.visible_at[index])
        xs.append(start / axis.seconds_per_unit)
        ys.append(float(values[index]))
        hover.append(
            f"period {format_clock(start)}–{format_clock(start + series.period)}"
            f"<br>visible to alarms at {format_clock(visible)}"
            f" (period end + {format_value(round(visible - start - series.period, 3))} s)"
        )
    value_format = ",.2f" if unit == "%" else ",.6~g"
    suffix = "%" if unit == "%" else ""
    markers = len(keep) <= MAX_MARKERS
    return go.Scatter(
        x=xs,
        y=ys,
        name=name,
        mode="lines+markers" if markers else "lines",
        line={"color": colour, "width": 1.8, "dash": dash},
        marker={"size": 5 if len(keep) <= 200 else 3.5, "color": colour},
        customdata=hover,
        hovertemplate=(
            f"<b>%{{y:{value_format}}}{suffix}</b> {_text(statistic.lower())}"
            "<br>%{customdata}<extra></extra>"
        ),
    )


def metric_alarm_figure(
    data: ReportData, key: MetricKey, alarms: Sequence[Alarm], service: str | None
) -> go.Figure:
    """One metric watched by ``alarms``: its datapoints (each alarm's statistic and period), a
    line per alarm threshold, a band per stretch of time an alarm was in ALARM and, for a
    service, its desired count and scaling activities on a second axis."""
    axis = time_axis(data)
    colours = alarm_colours(data)
    fig = go.Figure()
    # The run's length, as in every other figure (the last datapoints' end if it is unknown).
    span_seconds = data.duration_seconds
    if span_seconds <= 0:
        ends = [float(s.timestamp[-1]) + s.period for s in data.metrics.values() if len(s)]
        span_seconds = max([*ends, *(a.time for a in data.alarm_history), 60.0])
    span = span_seconds / axis.seconds_per_unit

    top = 0.0
    views = list(dict.fromkeys((a.statistic, a.period) for a in alarms))
    series = data.metrics.get(key)
    if series is not None and len(series):
        for number, (statistic, period) in enumerate(views):
            view = series.with_period(period)
            name = f"{key.metric_name} ({statistic.lower()} per {format_period(view.period)})"
            dash = ("solid", "dot", "dash")[number % 3]
            fig.add_trace(
                _metric_trace(view, statistic, axis, _text(name), _metric_colour(key), dash)
            )
            values = view.values(statistic)
            if _has_values(values):
                top = max(top, float(np.nanmax(values)))
    for alarm in alarms:
        top = max(top, alarm.threshold)
    unit = metric_unit(key.metric_name, views[0][0])
    if unit == "%":
        top = max(top, 100.0)
    top = top * 1.12 if top > 0 else 1.0

    policies = {a.policy_name for a in alarms}
    number_of = {alarm.name: number for number, alarm in enumerate(alarms)}
    labels: list[tuple[Alarm, str, str]] = []
    for alarm in alarms:
        colour = colours.get(alarm.name, HIGH_ALARM_PALETTE[0])
        label = alarm_label(alarm, with_policy=len(policies) > 1)
        fig.add_shape(
            type="line",
            name=_text(label),
            xref="x domain",
            x0=0,
            x1=1,
            yref="y",
            y0=alarm.threshold,
            y1=alarm.threshold,
            line={"color": colour, "width": 1.5},
            layer="above",
            legendgroup=alarm.name,
            showlegend=True,
            legendrank=2000 + 2 * number_of[alarm.name],
            legend="legend2",
        )
        labels.append((alarm, label, colour))
        band_name = f"{alarm_short_name(alarm)} in ALARM"
        if len(policies) > 1 and alarm.is_target_tracking and alarm.policy_name:
            band_name = f"{alarm.policy_name}: {band_name}"
        intervals = _merge_intervals(data.alarm_intervals(alarm.name), span_seconds / 1000)
        for number, (start, end) in enumerate(intervals):
            fig.add_shape(
                type="rect",
                name=_text(band_name),
                xref="x",
                x0=start / axis.seconds_per_unit,
                x1=end / axis.seconds_per_unit,
                yref="y domain",
                y0=0,
                y1=1,
                fillcolor=_rgba(colour, ALARM_BAND_OPACITY),
                line={"width": 0},
                layer="below",
                legendgroup=alarm.name,
                showlegend=number == 0,
                legendrank=2001 + 2 * number_of[alarm.name],
                legend="legend2",
            )

    capacity_top = 0.0
    if service is not None:
        desired = data.timeseries.service(service, "desiredCount")
        if desired is not None and _has_values(desired):
            keep = _step_changes(desired)
            capacity_top = float(np.nanmax(desired))
            fig.add_trace(
                go.Scatter(
                    x=axis.scale(data.timeseries.time[keep]),
                    y=desired[keep],
                    name="desired tasks",
                    mode="lines",
                    yaxis="y2",
                    line={"color": SERIES_COLOURS["desired"], "dash": "dash", "width": 1.5},
                    line_shape="hv",
                    opacity=0.8,
                    hovertemplate="desired %{y:.0f} tasks<extra></extra>",
                )
            )
        activities = [a for a in data.activities if a.service == service]
        for trace in activity_traces(activities, axis, yaxis="y2"):
            fig.add_trace(trace)
        capacity_top = max([capacity_top, *(a.to_capacity for a in activities)])

    # Each threshold's label on its line: above a line that fires above it and below one that
    # fires below it (so the usual high/low pair never collide), where it covers the fewest
    # datapoints, markers and desired-count steps.
    obstacles = _plotted_points(fig, top, capacity_top * 1.12, span)
    for alarm, label, colour in labels:
        x, above, box = _label_place(obstacles, label, alarm.threshold, alarm.is_high, span, top)
        fig.add_annotation(
            text=_text(label),
            xref="x",
            x=x,
            xanchor="left",
            yref="y",
            y=alarm.threshold,
            yanchor="bottom" if above else "top",
            showarrow=False,
            font={"color": colour, "size": 11},
        )
        obstacles = np.concatenate([obstacles, box])  # the next label keeps off this one

    where = " · ".join(
        part
        for part in (
            key.namespace,
            key.dimensions_text,
            f"{len(alarms)} alarm{'s' if len(alarms) != 1 else ''}",
        )
        if part
    )
    prefix = f"{service} — " if service is not None else ""
    missing = "" if series is not None and len(series) else " (no datapoints)"
    title = _text(f"{prefix}{key.metric_name}{missing} and its alarms")
    _style(fig, title, axis, _metric_axis_title(key, views[0][0]), data)
    fig.update_layout(
        title={"subtitle": {"text": _text(where), "font": {"size": 12, "color": "#6a737d"}}},
        height=FIGURE_HEIGHT + 90,
        margin={"t": 70, "r": 70 if capacity_top > 0 else 20, "b": 110},
        hovermode="closest",
        showlegend=True,
        # Below the plot: a metric figure has more legend entries than fit beside its title.
        legend={
            "orientation": "h",
            "x": 0.0,
            "xanchor": "left",
            "y": -0.19,
            "yanchor": "top",
            "traceorder": "normal",
        },
        # The alarms (threshold line, ALARM band) on a row of their own.
        legend2={
            "orientation": "h",
            "x": 0.0,
            "xanchor": "left",
            "y": -0.28,
            "yanchor": "top",
            "traceorder": "normal",
        },
    )
    fig.update_xaxes(
        range=[0, span],
        showspikes=True,
        spikemode="across",
        spikesnap="cursor",
        spikethickness=1,
        spikedash="dot",
        spikecolor="#999",
    )
    fig.update_yaxes(range=[0, top], ticksuffix="%" if unit == "%" else None)
    if capacity_top > 0:
        fig.update_layout(
            yaxis2={
                "title": {"text": "Desired tasks (count)"},
                "overlaying": "y",
                "side": "right",
                "range": [0, capacity_top * 1.12],
                "showgrid": False,
                "zeroline": False,
                # Whole tasks: a 1-2-5 step giving at most about six ticks.
                "tick0": 0,
                "dtick": max(1.0, _nice_bin_size(capacity_top / 6)),
                "rangemode": "tozero",
            }
        )
    return fig


#: Approximate size of the plotting area of a metric figure in the page, in pixels, and of one
#: character of an 11 px label: enough to keep labels off the data, not a layout engine.
_PLOT_PX = (1000.0, 250.0)
_LABEL_CHAR_PX = 6.4
_LABEL_HEIGHT_PX = 16.0
_MARKER_RADIUS_PX = 6.0


def _plotted_points(fig: go.Figure, top: float, capacity_top: float, span: float) -> FloatArray:
    """``(x, y, weight)`` of everything drawn, second-axis values rescaled to the first axis,
    step lines sampled along their length, and each marker spread over its size with a weight
    that makes a label avoid it more than a line."""
    points: list[FloatArray] = []
    radius_x = _MARKER_RADIUS_PX / _PLOT_PX[0] * span
    radius_y = _MARKER_RADIUS_PX / _PLOT_PX[1] * top
    for trace in fig.data:
        if trace.x is None or trace.y is None:
            continue
        x = np.asarray([np.nan if v is None else v for v in trace.x], dtype=np.float64)
        y = np.asarray([np.nan if v is None else v for v in trace.y], dtype=np.float64)
        if trace.yaxis == "y2":
            if capacity_top <= 0:
                continue
            y = y * top / capacity_top
        if trace.line.shape == "hv" and x.size:
            grid = np.linspace(0.0, span, 600)
            index = np.clip(np.searchsorted(x, grid, side="right") - 1, 0, x.size - 1)
            x, y = grid, y[index]
        weight = 1.0
        if trace.mode == "markers":
            dx, dy = (g.ravel() for g in np.meshgrid([-1.0, 0.0, 1.0], [-1.0, 0.0, 1.0]))
            x = (x[:, None] + dx * radius_x).ravel()
            y = (y[:, None] + dy * radius_y).ravel()
            weight = 5.0
        points.append(np.column_stack([x, y, np.full(x.size, weight)]))
    if not points:
        return np.empty((0, 3))
    return np.concatenate(points)


def _label_place(
    points: FloatArray, label: str, threshold: float, above: bool, span: float, top: float
) -> tuple[float, bool, FloatArray]:
    """Where a label on a threshold line covers the fewest of ``points``: its left edge
    (x units), whether it sits above the line (as asked, unless that leaves the plot), and a grid
    of points filling its box for the labels placed after it. The right end wins ties."""
    width = (len(label) * _LABEL_CHAR_PX + 8) / _PLOT_PX[0] * span
    height = _LABEL_HEIGHT_PX / _PLOT_PX[1] * top
    if above and threshold + height > top:
        above = False
    elif not above and threshold - height < 0 and threshold + height <= top:
        above = True
    low, high = (threshold, threshold + height) if above else (threshold - height, threshold)
    room = max(span - width, 0.0)
    best_x, best_score = room, math.inf
    in_band = points[(points[:, 1] >= low) & (points[:, 1] <= high)]
    for x in np.linspace(room, 0.0, 41).tolist():
        inside = (in_band[:, 0] >= x - 0.01 * span) & (in_band[:, 0] <= x + width)
        score = float(in_band[inside, 2].sum())
        if score < best_score:
            best_x, best_score = x, score
    grid_x, grid_y = np.meshgrid(
        np.linspace(best_x, best_x + width, 12), np.linspace(low, high, 3), indexing="ij"
    )
    box = np.column_stack([grid_x.ravel(), grid_y.ravel(), np.full(grid_x.size, 50.0)])
    return best_x + 0.004 * span, above, box


def _alarms_by_metric(alarms: Sequence[Alarm]) -> dict[MetricKey, list[Alarm]]:
    groups: dict[MetricKey, list[Alarm]] = {}
    for alarm in alarms:
        groups.setdefault(alarm.metric, []).append(alarm)
    return groups


def alarm_figures(data: ReportData, service: str) -> list[go.Figure]:
    """One figure per metric watched by the service's alarms."""
    mine = [a for a in data.alarms if a.service == service]
    return [
        metric_alarm_figure(data, key, alarms, service)
        for key, alarms in _alarms_by_metric(mine).items()
    ]


def unassigned_alarm_figures(data: ReportData) -> list[go.Figure]:
    """One figure per metric watched by alarms of no service of the run (e.g. a user alarm with
    no scaling action)."""
    services = set(data.services)
    others = [a for a in data.alarms if a.service is None or a.service not in services]
    figures = []
    for key, alarms in _alarms_by_metric(others).items():
        owners = {a.service for a in alarms}
        owner = next(iter(owners)) if len(owners) == 1 else None
        figures.append(metric_alarm_figure(data, key, alarms, owner))
    return figures


#: Figures drawn once per service, in this order.
SERVICE_FIGURES: tuple[ServiceFigureBuilder, ...] = (
    task_count_figure,
    latency_figure,
    alarm_figures,
    utilization_figure,
)
#: Figures drawn once per run, after the per-service ones.
RUN_FIGURES: tuple[RunFigureBuilder, ...] = (
    request_rate_figure,
    unassigned_alarm_figures,
    cost_figure,
    startup_time_figure,
)

RUN_SECTION = "Whole run"


def build_figures(
    data: ReportData,
    service_figures: tuple[ServiceFigureBuilder, ...] = SERVICE_FIGURES,
    run_figures: tuple[RunFigureBuilder, ...] = RUN_FIGURES,
) -> list[ReportFigure]:
    """Every figure of the report, grouped by section, in display order."""
    figures = []
    for service in data.services:
        for service_builder in service_figures:
            for fig in _as_list(service_builder(data, service)):
                figures.append(ReportFigure(section=service, figure=fig, service=service))
    for run_builder in run_figures:
        for fig in _as_list(run_builder(data)):
            figures.append(ReportFigure(section=RUN_SECTION, figure=fig))
    return figures


def _as_list(built: FigureOrFigures) -> list[go.Figure]:
    if built is None:
        return []
    if isinstance(built, go.Figure):
        return [built]
    return list(built)
