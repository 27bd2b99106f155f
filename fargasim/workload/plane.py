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

Metric publishers and the sampler read each service's :class:`Flow`: cumulative
:class:`~fargasim.workload.dataplane.Totals` and the cumulative latency histogram of completed
requests, after :meth:`~RequestPlane.advance_to` brings them up to a time.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal, Protocol

from fargasim.workload.dataplane import Totals
from fargasim.workload.histogram import LatencyHistogram

TaskPhase = Literal["running", "draining", "gone"]


class Flow(Protocol):
    """One service's traffic as the metric publishers and the sampler see it."""

    name: str
    vcpu: float
    memory_mib: float
    idle_fraction: float
    base_memory: float
    totals: Totals
    latency: LatencyHistogram


class RequestPlane(Protocol):
    """The request plane of a run (one of the two engines)."""

    @property
    def flows(self) -> Mapping[str, Flow]: ...

    def set_counts(self, service: str, serving: float, running: int) -> None: ...

    def set_targets(self, service: str, weights: Mapping[str, float]) -> None: ...

    def task_state(self, service: str, task_id: str, phase: TaskPhase) -> None: ...

    def advance_to(self, time: float) -> None: ...
