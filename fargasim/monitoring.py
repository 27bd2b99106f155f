"""Metric publishers: what ECS, the load balancer and the user's own code send to CloudWatch.

* ``AWS/ECS`` ``CPUUtilization`` and ``MemoryUtilization`` per service (dimensions ``ClusterName``,
  ``ServiceName``), every 60 s, or every 20 s when a high-resolution consumer needs it (§6.2,
  §11). "Amazon ECS sends the following metrics to CloudWatch every minute … it collects multiple
  data points every minute. It then aggregates them to one data point" (§11). A datapoint covers
  one period and is published only if the service had RUNNING tasks in it ("Metrics are reported
  only for resources with RUNNING tasks", §11). Its statistics: ``Average`` = CPU used over the
  CPU of RUNNING tasks (§11 formula), ``Minimum``/``Maximum`` = the least and most loaded task
  (§11), ``SampleCount`` = the mean number of RUNNING tasks in the period.
* ``AWS/ApplicationELB`` ``RequestCountPerTarget`` per target group: requests in the period over
  the mean number of serving targets (at least 1) — "The only valid statistic is Sum. This
  represents the average not the sum" (§9).
* ``customMetrics``: each series is sampled every ``model.cloudwatch.customMetricIntervalSeconds``
  and aggregated into 60 s datapoints.

Every datapoint becomes visible ``model.cloudwatch.publishDelaySeconds`` after its period ends
(§11: the delay is not published; an assumption). Nothing can read it before, so a service's
datapoints are computed at the last wake-up before they become visible (at the run's last, every
period that has ended) from the request plane's totals kept at the period ends
(:meth:`~fargasim.workload.plane.RequestPlane.keep_totals`): the vectorized plane then advances
once per period + delay instead of once per period.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import replace
from typing import Any

import numpy as np
import simpy

from fargasim.cloudwatch import Datapoint, MetricKey, MetricStore, Stats
from fargasim.cloudwatch.names import ecs_service_metric, request_count_per_target
from fargasim.core import Context, Phase
from fargasim.workload.dataplane import Totals
from fargasim.workload.plane import Flow, RequestPlane

STANDARD_PERIOD = 60.0
HIGH_RESOLUTION_PERIOD = 20.0


class ServiceMetrics:
    """Publishes one service's ECS metrics (and its target group's request count)."""

    def __init__(
        self,
        ctx: Context,
        dataplane: RequestPlane,
        store: MetricStore,
        flow: Flow,
        cluster: str,
        period: float,
        delay: float,
        target_group: str | None,  # Name, ARN or ResourceLabel
    ) -> None:
        self.ctx = ctx
        self.dataplane = dataplane
        self.store = store
        self.flow = flow
        self.period = period
        self.delay = delay
        self.cpu_key = ecs_service_metric("CPUUtilization", cluster, flow.name)
        self.memory_key = ecs_service_metric("MemoryUtilization", cluster, flow.name)
        self.alb_key = request_count_per_target(target_group) if target_group else None
        self._last = replace(flow.totals)
        self._published = 0  # periods published
        dataplane.keep_totals(flow.name, period)
        ctx.process(self._run())

    def _run(self) -> Generator[simpy.Event, Any, None]:
        for event in self.ctx.every(self.period, Phase.METRICS):
            yield event
            self._publish_due(self.ctx.now)

    def _publish_due(self, now: float) -> None:
        """Publish the periods that have ended and whose datapoints become visible before the
        next wake-up (at the last wake-up of the run, every period that has ended)."""
        last = now + self.period >= self.ctx.end_time - 1e-9
        while True:
            end = (self._published + 1) * self.period
            if end > now + 1e-9:
                return
            if not last and end + self.delay >= now + self.period - 1e-9:
                return  # still invisible at the next wake-up, which publishes it in time
            self.publish(end)
            self._published += 1

    def publish(self, end: float) -> None:
        now = self.dataplane.kept_totals(self.flow.name, end)
        before, self._last = self._last, now
        start = end - self.period
        visible = end + self.delay
        if self.alb_key is not None:
            targets = max(1.0, (now.serving_seconds - before.serving_seconds) / self.period)
            per_target = (now.arrivals - before.arrivals) / targets
            self.store.put(
                self.alb_key,
                Datapoint(
                    start, self.period, Stats(1.0, per_target, per_target, per_target), visible
                ),
            )
        running = now.running_seconds - before.running_seconds
        if running <= 1e-9:
            return  # no RUNNING task in the period: no datapoint (§11)
        cpu, memory = self._stats(before, now, running)
        self.store.put(self.cpu_key, Datapoint(start, self.period, cpu, visible))
        self.store.put(self.memory_key, Datapoint(start, self.period, memory, visible))

    def _stats(self, before: Totals, now: Totals, running: float) -> tuple[Stats, Stats]:
        flow = self.flow
        serving = now.serving_seconds - before.serving_seconds
        idle_only = running - serving > 1e-9
        count = running / self.period
        cpu_avg = 100.0 * (now.cpu_used - before.cpu_used) / (running * flow.vcpu)
        mem_avg = 100.0 * (now.memory_used - before.memory_used) / (running * flow.memory_mib)
        cpu_values = [100.0 * flow.idle_fraction] if idle_only else []
        mem_values = [100.0 * flow.base_memory / flow.memory_mib] if idle_only else []
        if serving > 1e-9:
            work = (now.work_used - before.work_used) / serving
            cpu_values.append(100.0 * min(1.0, work / flow.vcpu + flow.idle_fraction))
            held = (now.request_memory - before.request_memory) / serving
            mem_values.append(100.0 * min(1.0, (flow.base_memory + held) / flow.memory_mib))
        return (
            Stats(count, cpu_avg * count, min(cpu_values), max(cpu_values)),
            Stats(count, mem_avg * count, min(mem_values), max(mem_values)),
        )


class CustomMetric:
    """A ``customMetrics`` series published as 60 s datapoints."""

    def __init__(
        self,
        ctx: Context,
        store: MetricStore,
        key: MetricKey,
        times: np.ndarray,
        values: np.ndarray,
        interval: float,
        delay: float,
    ) -> None:
        self.ctx = ctx
        self.store = store
        self.key = key
        self.times = times
        self.values = values
        self.interval = interval
        self.delay = delay
        ctx.process(self._run())

    def value_at(self, t: np.ndarray) -> np.ndarray:
        """Piecewise constant: each point's value holds until the next point; none before."""
        i = np.searchsorted(self.times, t, side="right") - 1
        return np.where(i >= 0, self.values[np.clip(i, 0, None)], np.nan)

    def _run(self) -> Generator[simpy.Event, Any, None]:
        for event in self.ctx.every(STANDARD_PERIOD, Phase.METRICS):
            yield event
            end = self.ctx.now
            start = end - STANDARD_PERIOD
            samples = self.value_at(np.arange(start, end - 1e-9, self.interval))
            samples = samples[~np.isnan(samples)]
            if samples.size == 0:
                continue
            stats = Stats(
                float(samples.size),
                float(samples.sum()),
                float(samples.min()),
                float(samples.max()),
            )
            self.store.put(self.key, Datapoint(start, STANDARD_PERIOD, stats, end + self.delay))
