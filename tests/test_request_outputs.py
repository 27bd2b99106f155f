"""Request outputs: summary.json ``requests`` and ``slo``, the latency and drop columns of
timeseries.csv (issue: "timeseries.csv gains per service .p50LatencyMs, .p95LatencyMs,
.p99LatencyMs, .droppedRate; summary.json gains per service requests: {total, completed, dropped,
meanLatencyMs, …} and an SLO section when the scenario states slo: {p99LatencyMs, maxDropRate}").

Hand numbers (tests/builders.py CONSTANT_MODEL): tasks serve from t = 11; constant arrivals of
20 per second with ``poisson: false`` put exactly 20 requests in every second, so the 220 requests
of [0, 11) find no healthy target (503) in both engines.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from fargasim.engine import simulate
from tests import builders as b


def workload(**changes: Any) -> list[dict[str, Any]]:
    entry = {
        "service": "web",
        "arrivals": {"pattern": "constant", "rps": 20},
        "request": {"cpuSeconds": {"distribution": "constant", "mean": 0.01}},
    }
    entry.update(changes)
    return [entry]


@pytest.mark.parametrize("engine", ["vectorized", "exact"])
def test_requests_before_the_first_serving_task_are_503_drops(engine: str) -> None:
    res = simulate(b.scenario(duration=120, workload=workload()), engine=engine)
    requests = res.summary.services["web"].requests
    assert requests is not None
    assert requests.total == 20 * 120
    assert requests.dropped_by_reason == {"noTarget": 220}
    # Light load (0.2 vCPU of 1 over two 0.5-vCPU tasks): everything else completes, at least
    # in its service time 0.01 s / 0.5 vCPU = 20 ms.
    in_flight = requests.total - requests.completed - requests.dropped
    assert 0 <= in_flight <= 2
    assert requests.p50_latency_ms is not None and requests.p50_latency_ms >= 20.0 * (1 - 0.0116)
    ts = res.timeseries
    time = np.asarray(ts["time"])
    dropped = np.asarray(ts["web.droppedRate"])
    assert dropped[time == 10.0][0] == 1.0  # (0, 10]: every request dropped
    assert np.all(dropped[time >= 30.0] == 0.0)
    p99 = np.asarray(ts["web.p99LatencyMs"])
    assert math.isnan(p99[time == 10.0][0])  # nothing completed yet
    assert np.all(p99[time >= 30.0] >= 20.0 * (1 - 0.0116))


@pytest.mark.parametrize("engine", ["vectorized", "exact"])
def test_slo_is_met_or_missed_by_its_parts(engine: str) -> None:
    loose = simulate(
        b.scenario(duration=120, workload=workload(slo={"p99LatencyMs": 10_000})), engine=engine
    )
    slo = loose.summary.services["web"].slo
    assert slo is not None and slo.met and slo.achieved_p99_latency_ms is not None
    # p99 can't beat the 20 ms service time; and 220 of 2400 requests were dropped.
    tight = simulate(
        b.scenario(duration=120, workload=workload(slo={"p99LatencyMs": 5, "maxDropRate": 0.5})),
        engine=engine,
    )
    slo = tight.summary.services["web"].slo
    assert slo is not None and not slo.met
    assert slo.achieved_drop_rate == pytest.approx(220 / 2400, abs=2 / 2400)
    drops = simulate(
        b.scenario(duration=120, workload=workload(slo={"maxDropRate": 0.05})), engine=engine
    )
    slo = drops.summary.services["web"].slo
    assert slo is not None and not slo.met and slo.p99_latency_ms is None


def test_no_slo_section_without_slo_and_no_requests_without_workload() -> None:
    res = simulate(b.scenario(duration=60, workload=workload()))
    assert res.summary.services["web"].slo is None
    plain = simulate(b.scenario(duration=60))
    assert plain.summary.services["web"].requests is None


@pytest.mark.parametrize("engine", ["vectorized", "exact"])
def test_heavy_overload_with_workers_and_a_timeout_drops_and_stays_finite(engine: str) -> None:
    """Four times more CPU work than one 0.5-vCPU task does (100 req/s × 20 ms = 2 vCPU), 16
    workers, a 30 s timeout: the queue grows until requests time out. Every latency is finite
    (the vectorized M/M/k+D formulas once overflowed here) and none exceeds the timeout plus the
    longest CPU phase a worker can have."""
    res = simulate(
        b.scenario(
            duration=300,
            services=b.service(desiredCount=1),
            workload=[
                {
                    "service": "web",
                    "arrivals": {"pattern": "poisson", "rps": 100},
                    "request": {
                        "cpuSeconds": {"distribution": "constant", "mean": 0.02},
                        "timeoutSeconds": 30,
                    },
                    "workersPerTask": 16,
                }
            ],
        ),
        engine=engine,
    )
    requests = res.summary.services["web"].requests
    assert requests is not None
    assert requests.dropped_by_reason.get("timeout", 0) > 0.5 * requests.total
    assert requests.p99_latency_ms is not None and math.isfinite(requests.p99_latency_ms)
    # Waiting ≤ 30 s, then 16 sharing 0.5 vCPU: 0.02 × 16 / 0.5 = 0.64 s (+1.2 % binning).
    assert requests.p99_latency_ms <= (30_000 + 640 + 1) * 1.0116
