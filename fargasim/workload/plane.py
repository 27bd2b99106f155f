"""What the control plane tells a request plane, and what it reads back (DESIGN.md §1, §5).

Two engines implement :class:`RequestPlane`: the vectorized data plane
(:mod:`fargasim.workload.dataplane`, ticks of numpy arrays) and the exact engine
(:mod:`fargasim.workload.exact`, every request a SimPy event). The control plane reports:

* :meth:`~RequestPlane.set_counts` — how many tasks serve and how many are RUNNING (the
  vectorized plane needs only these);
* :meth:`~RequestPlane.set_targets` — which tasks receive requests and with what weight (the load
  balancer's healthy targets and their slow-start weights, or every ready task without a load
  balancer);
* :meth:`~RequestPlane.task_state` — a task is ``running`` (RUNNING: it counts in the service's
  CPU capacity), ``draining`` (stopping: it finishes the requests it holds but gets no new ones)
  or ``gone`` (its containers stopped: requests still in it are dropped).

Each service's :class:`Flow` holds cumulative :class:`~fargasim.workload.dataplane.Totals` and the
cumulative latency histogram of completed requests, up to the time :meth:`~RequestPlane.advance_to`
brought them. Metric publishers read the totals at their period ends, kept for them
(:meth:`~RequestPlane.keep_totals`, :meth:`~RequestPlane.kept_totals`), so that they may read them
later than the period ends (a datapoint is invisible until its publish delay has passed). The sampler hands the
plane its time-series columns once (:meth:`~RequestPlane.record_rows`) and tells it when each
sample time has settled (:meth:`~RequestPlane.row_due`): the exact plane reads its state then,
the vectorized one fills whole windows of rows as it advances (:mod:`fargasim.workload.rows`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal, Protocol

import numpy as np
import numpy.typing as npt

from fargasim.workload.dataplane import Totals
from fargasim.workload.histogram import LatencyHistogram
from fargasim.workload.rows import RowSeries

TaskPhase = Literal["running", "draining", "gone"]


class Flow(Protocol):
    """One service's traffic as the metric publishers and the sampler see it."""

    name: str
    vcpu: float
    memory_mib: float
    idle_fraction: float
    base_memory: float
    totals: Totals

    @property
    def latency(self) -> LatencyHistogram: ...


class RequestPlane(Protocol):
    """The request plane of a run (one of the two engines)."""

    @property
    def flows(self) -> Mapping[str, Flow]: ...

    def set_counts(self, service: str, serving: float, running: int) -> None: ...

    def set_targets(self, service: str, weights: Mapping[str, float]) -> None: ...

    def task_state(self, service: str, task_id: str, phase: TaskPhase) -> None: ...

    def advance_to(self, time: float) -> None: ...

    def keep_totals(self, service: str, period: float) -> None: ...

    def kept_totals(self, service: str, time: float) -> Totals: ...

    def record_rows(
        self, times: npt.NDArray[np.float64], series: Mapping[str, RowSeries]
    ) -> None: ...

    def row_due(self, index: int) -> None: ...
