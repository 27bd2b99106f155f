"""The time series of a run: one row per sample time (``output.sampleInterval``, DESIGN.md §4).

The control-plane columns (desired, running and pending counts) are read at each sample time,
after that instant settles (:attr:`~fargasim.core.Phase.SAMPLE`). The request-plane columns
(utilization, request and dropped rates, latency percentiles) are the request plane's to fill
(:mod:`fargasim.workload.rows`): the sampler hands it views of its column arrays once and tells
it when each sample time has come; the vectorized plane fills them in whole windows as the metric
publishers advance it, so sampling never makes it advance in smaller steps.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

import numpy as np
import simpy

from fargasim.core import Phase
from fargasim.result import SERVICE_SERIES
from fargasim.workload.rows import RowSeries

if TYPE_CHECKING:
    from fargasim.engine import Model


class Sampler:
    """Takes one row of every time series at each sample time (the last one after the run)."""

    def __init__(self, model: Model, times: np.ndarray) -> None:
        self.model = model
        self.times = times
        self.rows = 0
        services = [s.serviceName for s in model.scenario.services]
        self.columns: dict[str, np.ndarray] = {"time": times.copy()}
        for name in services:
            for series in SERVICE_SERIES:
                counts = series.endswith("Count")
                self.columns[f"{name}.{series}"] = (
                    np.zeros(times.size, dtype=np.int64) if counts else np.full(times.size, np.nan)
                )
        model.dataplane.record_rows(times, {name: self._series(name) for name in services})

    def _series(self, name: str) -> RowSeries:
        """Views of a service's request-plane columns."""
        cols = self.columns
        return RowSeries(
            self.times,
            cols[f"{name}.cpuUtilization"],
            cols[f"{name}.memoryUtilization"],
            cols[f"{name}.requestRate"],
            cols[f"{name}.droppedRate"],
            cols[f"{name}.p50LatencyMs"],
            cols[f"{name}.p95LatencyMs"],
            cols[f"{name}.p99LatencyMs"],
        )

    def run(self) -> Generator[simpy.Event, Any, None]:
        ctx = self.model.ctx
        for t in self.times:
            if t >= self.model.scenario.duration:
                return  # the final row is taken after the run (SimPy stops before `until`)
            yield ctx.timeout(float(t) - ctx.now, Phase.SAMPLE)
            self.take()

    def finish(self) -> None:
        """Take the final row and bring the request plane to the end of the run."""
        self.model.dataplane.advance_to(float(self.times[-1]))
        if self.rows < self.times.size:
            self.take()

    def take(self) -> None:
        model = self.model
        i = self.rows
        cols = self.columns
        for name, scheduler in model.schedulers.items():
            state = model.state[name]
            cols[f"{name}.desiredCount"][i] = scheduler.desired
            cols[f"{name}.runningCount"][i] = state.running
            cols[f"{name}.pendingCount"][i] = state.starting
        model.dataplane.row_due(i)
        self.rows += 1
