"""The request plane's columns of the time series: one row per sample time (DESIGN.md §4).

Row ``i`` at sample time ``t_i`` covers ``(t_{i−1}, t_i]`` (the data plane's whole ticks that end
in it): CPU and memory utilization (used over the capacity of RUNNING tasks), the request rate
(arrivals over ``t_i − t_{i−1}``), the dropped rate (dropped over answered or dropped) and the
50th, 95th and 99th percentiles of the latency of the requests completed in it. Row 0 (time 0)
covers nothing and stays NaN. A row without capacity, without finished requests or without
completed requests has NaN in the columns that divide by them.

The sampler (:mod:`fargasim.sampler`) owns the column arrays and gives each request plane a
:class:`RowSeries` of views into them (:meth:`~fargasim.workload.plane.RequestPlane.record_rows`).
The vectorized plane fills whole windows of rows as it advances (:class:`WindowRows`); the exact
plane reads its state at each sample time (:class:`SnapshotRows`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from fargasim.workload.histogram import N_BINS, LatencyHistogram, row_percentiles

if TYPE_CHECKING:
    from fargasim.workload.plane import Flow

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: The per-row sums :meth:`RowSeries.write` takes, in this order (a row's change of the
#: cumulative :class:`~fargasim.workload.dataplane.Totals`; ``dropped``: every reason).
ROW_FIELDS = (
    "cpu_used",
    "cpu_capacity",
    "memory_used",
    "memory_capacity",
    "arrivals",
    "completed",
    "dropped",
)
#: The latency percentiles of the ``p50LatencyMs``, ``p95LatencyMs`` and ``p99LatencyMs`` columns.
PERCENTILES = (50.0, 95.0, 99.0)
#: Closed rows a :class:`WindowRows` holds before it writes them (bounds its memory: a row's
#: latency bin counts take 8 KB).
FLUSH_ROWS = 64


@dataclass
class RowSeries:
    """One service's request-plane columns at the sample ``times`` (views of the sampler's)."""

    times: FloatArray
    cpu_utilization: FloatArray
    memory_utilization: FloatArray
    request_rate: FloatArray
    dropped_rate: FloatArray
    p50_ms: FloatArray
    p95_ms: FloatArray
    p99_ms: FloatArray

    def write(self, rows: IntArray, sums: FloatArray, latency: FloatArray) -> None:
        """Fill ``rows`` (indices ≥ 1) from their sums of :data:`ROW_FIELDS` (fields × rows) and
        their latency percentiles (rows × :data:`PERCENTILES`, seconds; NaN: no request
        completed)."""
        if rows.size == 0:
            return
        cpu, capacity, memory, memory_capacity, arrivals, completed, dropped = sums
        elapsed = self.times[rows] - self.times[rows - 1]
        finished = completed + dropped
        with np.errstate(divide="ignore", invalid="ignore"):
            self.cpu_utilization[rows] = np.where(capacity > 0, 100.0 * cpu / capacity, np.nan)
            self.memory_utilization[rows] = np.where(
                memory_capacity > 0, 100.0 * memory / memory_capacity, np.nan
            )
            self.request_rate[rows] = arrivals / elapsed
            self.dropped_rate[rows] = np.where(finished > 0, dropped / finished, np.nan)
        ms = 1000.0 * latency
        self.p50_ms[rows] = ms[:, 0]
        self.p95_ms[rows] = ms[:, 1]
        self.p99_ms[rows] = ms[:, 2]


class SnapshotRows:
    """Fills a :class:`RowSeries` from a flow's cumulative totals and latency histogram read at
    each sample time (the exact plane's rows): a row is the change since the previous reading,
    its percentiles those of the histogram's difference (extremes bounded by bin edges)."""

    def __init__(self, flow: Flow, series: RowSeries) -> None:
        self.flow = flow
        self.series = series
        self._totals = replace(flow.totals)
        self._latency = LatencyHistogram()

    def take(self, index: int) -> None:
        """Read row ``index`` now (row 0 only starts the readings)."""
        totals, latency = self.flow.totals, self.flow.latency
        before = self._totals
        if index > 0:
            sums = np.array(
                [[getattr(totals, name) - getattr(before, name)] for name in ROW_FIELDS]
            )
            percentiles = np.full((1, len(PERCENTILES)), np.nan)
            if latency.total > self._latency.total:
                percentiles[0] = (latency - self._latency).percentiles(PERCENTILES)
            self.series.write(np.array([index]), sums, percentiles)
        self._totals = replace(totals)
        if latency.total != self._latency.total:
            self._latency = latency.copy()


class WindowRows:
    """Fills a :class:`RowSeries` from whole windows of ticks (the vectorized plane): each window
    gives the cumulative :data:`ROW_FIELDS` at the ends of the rows it closes and the latency bin
    counts of its part of those rows and of the row it leaves open, which is carried into the
    next window. Closed rows are written :data:`FLUSH_ROWS` at a time (one percentile search for
    all of them) and by :meth:`flush`. As for a difference of histogram snapshots, a row's
    extremes are bounded by the edges of its lowest and highest non-empty bins, narrowed to the
    extremes of every draw so far."""

    def __init__(self, series: RowSeries) -> None:
        self.series = series
        self._start = np.zeros(len(ROW_FIELDS))  # ROW_FIELDS at the end of the last closed row
        self._open = np.zeros(N_BINS, dtype=np.int64)  # the open row's latency bin counts
        self._closed: list[tuple[IntArray, FloatArray, IntArray]] = []
        self._held = 0
        self._low = np.inf
        self._high = -np.inf

    def add(
        self, rows: IntArray, at_ends: FloatArray, counts: IntArray, low: float, high: float
    ) -> None:
        """A window closed ``rows`` (indices), with ``at_ends`` the cumulative
        :data:`ROW_FIELDS` at their ends (fields × rows); ``counts`` are the latency bin counts
        of the window's part of each closed row and, last, of the row left open (modified in
        place); ``low`` and ``high`` the extremes of every latency so far."""
        counts[0] += self._open
        self._open = counts[-1].copy()
        self._low, self._high = low, high
        if rows.size == 0:
            return
        sums = np.diff(np.concatenate((self._start[:, None], at_ends), axis=1))
        self._start = at_ends[:, -1]
        self._closed.append((rows, sums, counts[:-1]))
        self._held += rows.size
        if self._held >= FLUSH_ROWS:
            self.flush()

    def flush(self) -> None:
        """Write the closed rows held."""
        if not self._closed:
            return
        rows = np.concatenate([part[0] for part in self._closed])
        sums = np.concatenate([part[1] for part in self._closed], axis=1)
        counts = np.concatenate([part[2] for part in self._closed])
        low = np.full(rows.size, self._low)
        high = np.full(rows.size, self._high)
        latency = row_percentiles(counts, low, high, PERCENTILES, extremes_exact=False)
        self.series.write(rows, sums, latency)
        self._closed.clear()
        self._held = 0
