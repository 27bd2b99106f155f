"""Plotly figures of one run: pure functions of :class:`~fargasim.report.data.ReportData`.

Two lists of builders decide what the report shows, in order:

* :data:`SERVICE_FIGURES` — ``(data, service) -> Figure | None``, drawn once per service;
* :data:`RUN_FIGURES` — ``(data) -> Figure | None``, drawn once per run.

A builder returns None when the run has nothing for it to draw (e.g. no task ever reached
RUNNING). To add a figure, write a builder and append it to the right tuple; :func:`build_figures`
does the rest. Every series has one colour across all figures (:data:`SERIES_COLOURS`, and
:func:`service_colour` for per-service series), and every axis names its unit.

Text that comes from the results (service names, causes) is HTML-escaped before it reaches plotly,
which renders a subset of HTML in titles and hover labels.
"""

from __future__ import annotations

import html
import math
import textwrap
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

from fargasim.report.data import FloatArray, ReportData

#: One colour per kind of series, the same in every figure.
SERIES_COLOURS: dict[str, str] = {
    "desired": "#3A3A3A",
    "running": "#4C78A8",
    "pending": "#F58518",
    "scaling": "#B279A2",
    "cpu": "#E45756",
    "memory": "#2A9D8F",
    "cost": "#54A24B",
    "FARGATE": "#9D755D",
    "FARGATE_SPOT": "#E0A526",
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


ServiceFigureBuilder = Callable[[ReportData, str], "go.Figure | None"]
RunFigureBuilder = Callable[[ReportData], "go.Figure | None"]


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
    for name, symbol, chosen in (
        ("scale-out", "triangle-up", [a for a in activities if a.to_capacity >= a.from_capacity]),
        ("scale-in", "triangle-down", [a for a in activities if a.to_capacity < a.from_capacity]),
    ):
        if not chosen:
            continue
        peak = max([peak, *(a.to_capacity for a in chosen)])
        fig.add_trace(
            go.Scatter(
                x=[a.time / axis.seconds_per_unit for a in chosen],
                y=[a.to_capacity for a in chosen],
                name=name,
                mode="markers",
                marker={
                    "color": SERIES_COLOURS["scaling"],
                    "size": 11,
                    "symbol": symbol,
                    "line": {"color": "white", "width": 1},
                },
                hovertext=[
                    f"<b>{_text(a.policy_name)}</b>: {a.from_capacity:g} → {a.to_capacity:g}"
                    f"<br>{_wrapped(a.cause)}"
                    for a in chosen
                ],
                hovertemplate="%{hovertext}<extra></extra>",
            )
        )
    if not fig.data:
        return None
    _style(fig, f"{_text(service)} — tasks", axis, "Tasks (count)", data)
    fig.update_yaxes(hoverformat=".0f", dtick=1 if peak <= 8 else None)
    return fig


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


#: Figures drawn once per service, in this order.
SERVICE_FIGURES: tuple[ServiceFigureBuilder, ...] = (task_count_figure, utilization_figure)
#: Figures drawn once per run, after the per-service ones.
RUN_FIGURES: tuple[RunFigureBuilder, ...] = (request_rate_figure, cost_figure, startup_time_figure)

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
            fig = service_builder(data, service)
            if fig is not None:
                figures.append(ReportFigure(section=service, figure=fig, service=service))
    for run_builder in run_figures:
        fig = run_builder(data)
        if fig is not None:
            figures.append(ReportFigure(section=RUN_SECTION, figure=fig))
    return figures
