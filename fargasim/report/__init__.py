"""The offline HTML report of one fargasim run.

``write_report(results_dir)`` reads a results directory (``summary.json``, ``timeseries.csv``,
``tasks.csv``, ``scaling_activities.csv``, ``service_events.jsonl`` and, when the run wrote them,
``metrics.csv``, ``alarms.json``, ``alarm_history.csv``; DESIGN.md §4) and writes
``report.html`` into it, with plotly.js beside it as ``plotly.min.js`` so the page works offline.

* :mod:`fargasim.report.data` reads the directory into a typed :class:`ReportData`
  (a malformed or missing file raises :class:`fargasim.errors.ResultError`);
* :mod:`fargasim.report.figures` holds the figure builders, pure functions of ``ReportData``;
* :mod:`fargasim.report.html` lays out the page (deterministic: same files, same bytes).
"""

from __future__ import annotations

from fargasim.report.data import ReportData, read_results
from fargasim.report.html import write_report

__all__ = ["ReportData", "read_results", "write_report"]
