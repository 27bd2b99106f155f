"""The offline HTML report of one run: ``report.html`` beside the results it shows.

The page loads plotly.js from ``plotly.min.js`` written once in the same directory, so it works
without a network and never fetches anything. The output is a pure function of the directory's
contents: figure divs get fixed ids (``fig-0``, ``fig-1``, …) and nothing depends on the clock or
the path, so the same results give a byte-identical page. Everything taken from the results is
HTML-escaped.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from html import escape
from pathlib import Path
from typing import Any

import plotly.offline

from fargasim.report.data import (
    AlarmStateChange,
    ReportData,
    ScalingActivity,
    ServiceEvent,
    read_results,
)
from fargasim.report.figures import (
    ReportFigure,
    alarm_colours,
    alarm_condition,
    alarm_short_name,
    build_figures,
    format_clock,
    format_period,
    format_usd,
    format_value,
)
from fargasim.units import format_duration

REPORT_FILE = "report.html"
PLOTLYJS_FILE = "plotly.min.js"
#: At most this many rows of a log (events, scaling activities) go into the page.
MAX_LOG_ROWS = 500

_PLOTLY_CONFIG = {
    "displaylogo": False,
    "responsive": True,
    "modeBarButtonsToRemove": ["select2d", "lasso2d", "autoScale2d"],
}

_COST_COMPONENTS = (
    ("vcpu", "vCPU"),
    ("memory", "Memory"),
    ("storage", "Ephemeral storage"),
    ("osLicense", "OS licence"),
)

_CSS = """
:root { color-scheme: light; }
* { box-sizing: border-box; }
body {
  margin: 0; background: #f6f7f9; color: #1f2328;
  font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
}
main { max-width: 1200px; margin: 0 auto; padding: 24px 28px 48px; }
header { border-bottom: 1px solid #d8dde3; margin-bottom: 20px; padding-bottom: 12px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h1 .kicker, h2 .kicker { color: #6a737d; font-weight: 400; }
h2 { font-size: 18px; margin: 32px 0 12px; padding-bottom: 4px; border-bottom: 1px solid #e4e7eb; }
h3 { font-size: 14px; margin: 0 0 8px; color: #444; text-transform: uppercase;
     letter-spacing: .04em; }
.meta { color: #57606a; margin: 0; }
.meta b { color: #1f2328; font-weight: 600; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; margin: 16px 0 8px; }
.card { background: #fff; border: 1px solid #e1e4e8; border-radius: 8px; padding: 10px 16px;
        min-width: 150px; }
.card .label { color: #6a737d; font-size: 12px; }
.card .value { font-size: 22px; font-weight: 600; font-variant-numeric: tabular-nums; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(320px, 1fr)); gap: 16px; }
.panel, .figure { background: #fff; border: 1px solid #e1e4e8; border-radius: 8px;
                  padding: 12px 14px; }
.figure { margin: 0 0 16px; padding: 6px; }
table { border-collapse: collapse; width: 100%; }
th, td { padding: 4px 10px; border-bottom: 1px solid #eef0f2; text-align: left;
         vertical-align: top; }
th { font-weight: 600; color: #444; background: #fafbfc; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.total td { font-weight: 600; border-top: 1px solid #c9ced4; }
td.tight, th.tight { width: 1%; white-space: nowrap; }
td.time, th.time { white-space: nowrap; font-variant-numeric: tabular-nums; color: #57606a; }
details { background: #fff; border: 1px solid #e1e4e8; border-radius: 8px; padding: 10px 14px;
          margin: 0 0 12px; }
summary { cursor: pointer; font-weight: 600; }
details table { margin-top: 10px; font-size: 13px; }
.note { color: #6a737d; font-size: 13px; }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px;
          margin-right: 6px; vertical-align: baseline; }
.name { overflow-wrap: anywhere; }
td.wide, th.wide { min-width: 220px; }
.alarms th { white-space: normal; }
.sub { color: #6a737d; font-size: 12px; }
.warning { background: #fff4e5; border: 1px solid #f5c26b; border-radius: 8px; padding: 10px 14px; }
footer { margin-top: 32px; color: #8b949e; font-size: 12px; }
""".strip()

# Shown only when plotly.min.js did not load (e.g. report.html was copied on its own).
_MISSING_PLOTLY_SCRIPT = """
<script>
if (typeof Plotly === "undefined") {
  document.getElementById("plotly-missing").hidden = false;
}
</script>
""".strip()


def write_report(results_dir: Path | str) -> Path:
    """Write ``report.html`` (and ``plotly.min.js``) into ``results_dir``; return the page's path.

    Raises :class:`~fargasim.errors.ResultError` when the directory is not readable results.
    """
    directory = Path(results_dir)
    data = read_results(directory)
    page = render_report(data, build_figures(data))
    _write_plotlyjs(directory / PLOTLYJS_FILE)
    out = directory / REPORT_FILE
    out.write_text(page, encoding="utf-8")
    return out


def render_report(data: ReportData, figures: Sequence[ReportFigure]) -> str:
    """The whole page as a string (a pure function of its inputs)."""
    title = f"fargasim — {data.scenario}"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title>",
        f"<style>\n{_CSS}\n</style>",
        f'<script src="{PLOTLYJS_FILE}" charset="utf-8"></script>',
        "</head>",
        "<body>",
        "<main>",
        _header(data),
        '<p id="plotly-missing" class="warning" hidden>The charts need '
        f"<code>{PLOTLYJS_FILE}</code> in the same directory as this page.</p>",
        _MISSING_PLOTLY_SCRIPT,
        _summary(data),
        _platform(data),
        _alarms(data),
        _figures(figures),
        '<h2 id="logs">Logs</h2>',
        _activities_log(data.activities),
        _alarm_history_log(data),
        _events_log(data.events),
        "<footer>Generated by fargasim from the files in this directory "
        "(summary.json, timeseries.csv, tasks.csv, scaling_activities.csv, "
        "service_events.jsonl, metrics.csv, alarms.json, alarm_history.csv).</footer>",
        "</main>",
        "</body>",
        "</html>",
        "",
    ]
    return "\n".join(parts)


def _write_plotlyjs(path: Path) -> None:
    source = plotly.offline.get_plotlyjs()
    # Leave an identical copy alone: it is several MB and may be shared by a tool watching mtimes.
    if path.is_file() and path.read_text(encoding="utf-8") == source:
        return
    path.write_text(source, encoding="utf-8")


# -- formatting ---------------------------------------------------------------------------------


def _number(value: object) -> float | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return None


def _usd(value: object, scale: object = None) -> str:
    number = _number(value)
    return "—" if number is None else format_usd(number, scale=_number(scale))


def _count(value: object) -> str:
    number = _number(value)
    if number is None:
        return "—"
    return f"{number:,.0f}" if number.is_integer() else f"{number:,.2f}"


def _decimal(value: object, digits: int) -> str:
    number = _number(value)
    return "—" if number is None else f"{number:,.{digits}f}"


def _share(part: object, total: object) -> str:
    p, t = _number(part), _number(total)
    if p is None or t is None or t == 0:
        return ""
    return f"{100 * p / t:.1f}%"


def _drop_share(requests: Mapping[str, Any]) -> str:
    """Dropped requests over all requests, to 0.01 % (drops are usually rare)."""
    dropped, total = _number(requests.get("dropped")), _number(requests.get("total"))
    if dropped is None or total is None or total == 0:
        return "—"
    return f"{100 * dropped / total:.2f}%"


def _duration(seconds: float) -> str:
    if seconds >= 60:
        seconds = float(round(seconds))
    return format_duration(seconds)


_clock = format_clock


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def _table(
    head: Sequence[tuple[str, str]], rows: Iterable[Sequence[str]], *, total: Sequence[str] = ()
) -> str:
    """A table; ``head`` is (label, CSS class) per column; cells are already-escaped HTML."""
    classes = [css for _, css in head]

    def cell(tag: str, text: str, css: str) -> str:
        return f'<{tag} class="{css}">{text}</{tag}>' if css else f"<{tag}>{text}</{tag}>"

    lines = ["<table>", "<thead><tr>"]
    lines.append("".join(cell("th", escape(label), css) for label, css in head))
    lines.append("</tr></thead>")
    lines.append("<tbody>")
    for row in rows:
        lines.append("<tr>" + "".join(map(cell, ["td"] * len(row), row, classes)) + "</tr>")
    if total:
        lines.append(
            '<tr class="total">' + "".join(map(cell, ["td"] * len(total), total, classes)) + "</tr>"
        )
    lines.append("</tbody>")
    lines.append("</table>")
    return "\n".join(lines)


# -- sections -----------------------------------------------------------------------------------


def _header(data: ReportData) -> str:
    summary = data.summary
    meta = [
        ("seed", summary.get("seed")),
        ("engine", summary.get("engine")),
        ("simulated", _duration(data.duration_seconds)),
        ("services", len(data.services)),
    ]
    meta_html = " · ".join(
        f"{escape(label)} <b>{escape(str(value))}</b>" for label, value in meta if value is not None
    )
    return (
        "<header>\n"
        f'<h1><span class="kicker">fargasim report ·</span> {escape(data.scenario)}</h1>\n'
        f'<p class="meta">{meta_html}</p>\n'
        "</header>"
    )


def _services_in_order(data: ReportData) -> list[str]:
    names = list(data.services)
    cost = _mapping(data.summary.get("costUsd"))
    for source in (_mapping(data.summary.get("services")), _mapping(cost.get("byService"))):
        names.extend(name for name in source if name not in names)
    return names


def _summary(data: ReportData) -> str:
    summary = data.summary
    cost = _mapping(summary.get("costUsd"))
    total = cost.get("total")
    services = _mapping(summary.get("services"))
    groups = _mapping(summary.get("runTask"))  # standalone tasks, by RunTask group
    by_service = _mapping(cost.get("byService"))
    by_provider = _mapping(cost.get("byCapacityProvider"))

    launched = [
        _number(_mapping(s).get("tasksLaunched")) for s in (*services.values(), *groups.values())
    ]
    cards = [
        ("Total cost", _usd(total)),
        ("Simulated time", escape(_duration(data.duration_seconds))),
        ("Tasks launched", _count(sum(n for n in launched if n is not None)) if launched else "—"),
        ("Scaling activities", _count(len(data.activities))),
    ]
    cards_html = "\n".join(
        f'<div class="card"><div class="label">{escape(label)}</div>'
        f'<div class="value">{value}</div></div>'
        for label, value in cards
    )

    component_rows = [
        (escape(label), _usd(cost[key], total), _share(cost[key], total))
        for key, label in _COST_COMPONENTS
        if key in cost
    ]
    components = _table(
        [("Component", ""), ("Cost", "num"), ("Share", "num")],
        component_rows,
        total=("Total", _usd(total), ""),
    )
    providers = _table(
        [("Capacity provider", ""), ("Cost", "num"), ("Share", "num")],
        [
            (escape(str(name)), _usd(usd, total), _share(usd, total))
            for name, usd in by_provider.items()
        ],
    )

    service_rows = []
    for name in _services_in_order(data):
        stats = _mapping(services.get(name) or groups.get(name))
        requests = _mapping(stats.get("requests"))
        p99 = _number(requests.get("p99LatencyMs"))
        slo = _mapping(stats.get("slo"))
        p99_text = "—" if p99 is None else f"{_decimal(p99, 0)} ms"
        if slo:
            p99_text += " · SLO met" if slo.get("met") else " · SLO missed"
        service_rows.append(
            (
                escape(name),
                _count(stats.get("tasksLaunched")),
                _count(stats.get("peakRunning")),
                _decimal(stats.get("meanRunning"), 2),
                _decimal(stats.get("taskHours"), 1),
                escape(p99_text),
                _drop_share(requests),
                _usd(by_service.get(name), total),
                _share(by_service.get(name), total),
            )
        )
    service_table = _table(
        [
            ("Service", ""),
            ("Tasks launched", "num"),
            ("Peak running", "num"),
            ("Mean running", "num"),
            ("Task-hours", "num"),
            ("p99 latency", "num"),
            ("Dropped", "num"),
            ("Cost", "num"),
            ("Share of cost", "num"),
        ],
        service_rows,
    )
    return "\n".join(
        [
            '<h2 id="summary">Summary</h2>',
            f'<div class="cards">\n{cards_html}\n</div>',
            '<div class="grid">',
            f'<div class="panel"><h3>Cost by component</h3>\n{components}\n</div>',
            f'<div class="panel"><h3>Cost by capacity provider</h3>\n{providers}\n</div>',
            "</div>",
            f'<div class="panel" style="margin-top:16px"><h3>Services</h3>\n{service_table}\n'
            "</div>",
        ]
    )


def _platform(data: ReportData) -> str:
    """Why tasks stopped, the deployments, and peak vCPU against the account's quotas (§5.2)."""
    services = _mapping(data.summary.get("services"))
    code_rows = []
    deployment_rows = []
    for name in _services_in_order(data):
        stats = _mapping(services.get(name))
        for code, count in _mapping(stats.get("stopCodes")).items():
            code_rows.append((escape(name), escape(str(code)), _count(count)))
        deployments = stats.get("deployments")
        if isinstance(deployments, list) and len(deployments) > 1:
            for d in deployments:
                d = _mapping(d)
                ended = (
                    d.get("completedAt") if d.get("completedAt") is not None else d.get("failedAt")
                )
                deployment_rows.append(
                    (
                        escape(name),
                        escape(str(d.get("id", ""))),
                        escape(str(d.get("taskDefinition", ""))),
                        escape(str(d.get("rolloutState", ""))),
                        escape(_duration(round(_number(d.get("createdAt")) or 0.0))),
                        escape(_duration(round(_number(ended) or 0.0)))
                        if ended is not None
                        else "—",
                        _count(d.get("tasksLaunched")),
                        _count(d.get("tasksFailedToStart")),
                    )
                )
    parts: list[str] = []
    platform = _mapping(data.summary.get("platform"))
    if platform:
        rows = [
            (
                "FARGATE",
                _decimal(platform.get("peakOnDemandVcpu"), 2),
                _decimal(platform.get("onDemandVcpuQuota"), 0),
            ),
            (
                "FARGATE_SPOT",
                _decimal(platform.get("peakSpotVcpu"), 2),
                _decimal(platform.get("spotVcpuQuota"), 0),
            ),
        ]
        table = _table([("Capacity", ""), ("Peak vCPU", "num"), ("Quota", "num")], rows)
        parts.append(f'<div class="panel"><h3>Concurrent vCPU (§5.2)</h3>\n{table}\n</div>')
    if code_rows:
        table = _table([("Service", ""), ("Stop code", ""), ("Tasks", "num")], code_rows)
        parts.append(f'<div class="panel"><h3>Stopped tasks</h3>\n{table}\n</div>')
    html = ""
    if parts:
        html = '<div class="grid" style="margin-top:16px">\n' + "\n".join(parts) + "\n</div>"
    if deployment_rows:
        table = _table(
            [
                ("Service", ""),
                ("Deployment", ""),
                ("Task definition", ""),
                ("Rollout", ""),
                ("Started", "num"),
                ("Ended", "num"),
                ("Tasks launched", "num"),
                ("Failed to start", "num"),
            ],
            deployment_rows,
        )
        html += (
            f'\n<div class="panel" style="margin-top:16px"><h3>Deployments</h3>\n{table}\n</div>'
        )
    return html


def _alarms(data: ReportData) -> str:
    """Each alarm: what it watches, when it fires, and how long it spent in ALARM."""
    if not data.alarms:
        return ""
    colours = alarm_colours(data)
    duration = data.duration_seconds
    rows = []
    for alarm in data.alarms:
        changes = data.alarm_changes(alarm.name)
        in_alarm = sum(
            max(0.0, min(end, duration) - max(start, 0.0))
            for start, end in data.alarm_intervals(alarm.name)
        )
        into_alarm = sum(1 for c in changes if c.new_state == "ALARM")
        owner = " · ".join(escape(part) for part in (alarm.service, alarm.policy_name) if part)
        kind = "target tracking" if alarm.is_target_tracking else "the scenario's alarm"
        condition = escape(alarm_condition(alarm))
        if alarm.kind == "AlarmHigh":
            condition += ' <span class="sub">(the target)</span>'
        metric = (
            f'<span class="name">{escape(alarm.metric.metric_name)}</span>'
            f'<div class="sub">{escape(alarm.statistic)} per {format_period(alarm.period)} · '
            f"{escape(alarm.metric.namespace)}</div>"
        )
        full_name = (
            f'<div class="sub name">{escape(alarm.name)}</div>'
            if alarm.name != alarm_short_name(alarm)
            else ""
        )
        rows.append(
            (
                f'<span class="swatch" style="background:{colours[alarm.name]}"></span>'
                f'<b class="name">{escape(alarm_short_name(alarm))}</b> '
                f'<span class="sub">{escape(kind)}</span>{full_name}',
                owner or "—",
                metric,
                condition,
                escape(_duration(round(in_alarm, 3)) if in_alarm else "never"),
                _share(in_alarm, duration),
                _count(into_alarm),
                _count(len(changes)),
            )
        )
    table = _table(
        [
            ("Alarm", "wide"),
            ("Service · policy", ""),
            ("Metric", ""),
            ("ALARM when", "tight"),
            ("Time in ALARM", "num"),
            ("% of run", "num"),
            ("Into ALARM", "num"),
            ("State changes", "num"),
        ],
        rows,
    )
    return (
        f'<div class="panel alarms" style="margin-top:16px"><h3>Alarms</h3>\n{table}\n'
        '<p class="note">State changes count every transition in '
        "<code>alarm_history.csv</code>, including the first one out of INSUFFICIENT_DATA; "
        "<i>Into ALARM</i> counts those into ALARM. The charts below shade the times in ALARM "
        "and draw each datapoint at the start of its period: an alarm sees a datapoint only once "
        "it is published (after its period ends, plus the publish delay) and usually needs "
        "several in a row, so a band starts some minutes after the line crosses the threshold."
        "</p></div>"
    )


def _figures(figures: Sequence[ReportFigure]) -> str:
    parts: list[str] = []
    section: str | None = None
    for index, item in enumerate(figures):
        if item.section != section:
            section = item.section
            kicker = '<span class="kicker">service ·</span> ' if item.service is not None else ""
            parts.append(f'<h2 id="section-{index}">{kicker}{escape(section)}</h2>')
        snippet = item.figure.to_html(
            full_html=False,
            include_plotlyjs=False,
            div_id=f"fig-{index}",
            config=_PLOTLY_CONFIG,
        )
        parts.append(f'<div class="figure">{snippet}</div>')
    return "\n".join(parts)


def _truncation_note(shown: int, total: int, file: str) -> str:
    if total <= shown:
        return ""
    return (
        f'<p class="note">Showing the first {shown:,} of {total:,}; '
        f"all of them are in <code>{escape(file)}</code>.</p>"
    )


_ACTIVITY_SYMBOLS = {
    "scale-out": '<span title="scale-out">▲</span>',
    "scale-in": '<span title="scale-in">▼</span>',
    "scheduled": '<span title="scheduled action">◆</span>',
}


def _activities_log(activities: Sequence[ScalingActivity]) -> str:
    shown = activities[:MAX_LOG_ROWS]
    rows = [
        (
            _clock(a.time),
            escape(a.service),
            escape(a.policy_name),
            f"{_ACTIVITY_SYMBOLS[a.kind]} {format_value(a.from_capacity)} → "
            f"{format_value(a.to_capacity)}",
            escape(a.cause),
        )
        for a in shown
    ]
    table = (
        _table(
            [
                ("Time", "time tight"),
                ("Service", "tight"),
                ("Policy", "tight"),
                ("Capacity", "tight"),
                ("Cause", ""),
            ],
            rows,
        )
        if rows
        else '<p class="note">No scaling activity in this run.</p>'
    )
    return (
        f"<details>\n<summary>Scaling activities ({len(activities):,})</summary>\n"
        f"{_truncation_note(len(shown), len(activities), 'scaling_activities.csv')}\n"
        f"{table}\n</details>"
    )


def _alarm_history_log(data: ReportData) -> str:
    history: Sequence[AlarmStateChange] = data.alarm_history
    if not history and not data.alarms:
        return ""
    shown = history[:MAX_LOG_ROWS]
    rows = [
        (
            _clock(c.time),
            f'<span class="name">{escape(c.alarm)}</span>',
            f"{escape(c.old_state)} → <b>{escape(c.new_state)}</b>",
            escape(c.reason),
        )
        for c in shown
    ]
    table = (
        _table(
            [("Time", "time tight"), ("Alarm", "wide"), ("Change", "tight"), ("Reason", "")],
            rows,
        )
        if rows
        else '<p class="note">No alarm changed state in this run.</p>'
    )
    return (
        f"<details>\n<summary>Alarm state changes ({len(history):,})</summary>\n"
        f"{_truncation_note(len(shown), len(history), 'alarm_history.csv')}\n"
        f"{table}\n</details>"
    )


def _events_log(events: Sequence[ServiceEvent]) -> str:
    shown = events[:MAX_LOG_ROWS]
    rows = [(_clock(e.time), escape(e.service), escape(e.message)) for e in shown]
    table = (
        _table([("Time", "time tight"), ("Service", "tight"), ("Message", "")], rows)
        if rows
        else '<p class="note">No service events in this run.</p>'
    )
    return (
        f"<details>\n<summary>Service events ({len(events):,})</summary>\n"
        f"{_truncation_note(len(shown), len(events), 'service_events.jsonl')}\n"
        f"{table}\n</details>"
    )
