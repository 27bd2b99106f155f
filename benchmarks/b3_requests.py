"""B3 (was B5), the request model: one hour of a service at about 300 requests per second through
the vectorized and the exact engine, side by side in one run.

Why: the exact engine follows every request as a SimPy event and is the reference; the
vectorized engine draws latencies from queueing formulas per 1 s tick and is what users run. It
has to be much faster and still give the same answers. The scenario: 10 tasks of 1 vCPU behind
an ALB (round robin), Poisson arrivals at 300 req/s, lognormal work of 20 ms with cv 1, about
1.08 M requests. The issue's targets: vectorized ≥ 100× faster than exact, mean and p99 latency
within 5 % of exact, total cost within 0.5 %.
"""

from __future__ import annotations

import time
from typing import Any

from benchmarks.common import Options, Section, describe, median, progress, relative, target

SCENARIO = """
fargasim: 1
name: bench-requests
duration: 1h
seed: 11
network:
  subnets:
    - {subnetId: subnet-a, availabilityZone: us-east-1a}
    - {subnetId: subnet-b, availabilityZone: us-east-1b}
taskDefinitions:
  - family: web
    networkMode: awsvpc
    requiresCompatibilities: [FARGATE]
    cpu: "1024"
    memory: "2048"
    containerDefinitions:
      - {name: app, image: "app:1", portMappings: [{containerPort: 80}]}
services:
  - serviceName: web
    taskDefinition: web
    desiredCount: 10
    launchType: FARGATE
    networkConfiguration: {awsvpcConfiguration: {subnets: [subnet-a, subnet-b]}}
    loadBalancers: [{targetGroupArn: web-tg, containerName: app, containerPort: 80}]
targetGroups:
  - {Name: web-tg, TargetType: ip, Protocol: HTTP, Port: 80, HealthCheckIntervalSeconds: 10,
     HealthyThresholdCount: 2}
workload:
  - service: web
    arrivals: {pattern: poisson, rps: 300}
    request: {cpuSeconds: {distribution: lognormal, mean: 0.02, cv: 1.0}}
output: {sampleInterval: 60}
"""


def scenario() -> Any:
    from fargasim.scenario.loader import load_scenario_text

    return load_scenario_text(SCENARIO, "bench-requests.yaml")


def run(opts: Options) -> Section:
    import fargasim

    sc = scenario()
    for engine in ("vectorized", "exact"):  # warm up: lazy imports, price tables
        fargasim.simulate(sc.model_copy(update={"duration": 60.0}), engine=engine)
    results: dict[str, Any] = {}
    walls: dict[str, list[float]] = {"vectorized": [], "exact": []}
    for i in range(opts.runs):  # alternate the engines: same machine state
        for engine in walls:
            start = time.perf_counter()
            results[engine] = fargasim.simulate(sc, engine=engine)
            walls[engine].append(time.perf_counter() - start)
        progress(
            f"B3 run {i + 1}: vectorized {walls['vectorized'][-1]:.2f} s, "
            f"exact {walls['exact'][-1]:.2f} s"
        )
    vec, exact = walls["vectorized"], walls["exact"]
    ratio = median(exact) / median(vec)
    section = Section()
    section.add("B3 request model, 1 h at 300 req/s: vectorized", describe(vec))
    section.add(
        "B3 request model, 1 h at 300 req/s: exact",
        f"{describe(exact)}; vectorized is {ratio:.0f}× faster",
        target(ratio >= 100, "≥ 100×"),
    )
    v = results["vectorized"].summary.services["web"].requests
    x = results["exact"].summary.services["web"].requests
    for label, a, b, goal in (
        ("mean", v.mean_latency_ms, x.mean_latency_ms, 0.05),
        ("p50", v.p50_latency_ms, x.p50_latency_ms, None),
        ("p95", v.p95_latency_ms, x.p95_latency_ms, None),
        ("p99", v.p99_latency_ms, x.p99_latency_ms, 0.05),
    ):
        diff = relative(a, b)
        section.add(
            f"B3 latency {label}: vectorized vs exact",
            f"{a:.2f} ms vs {b:.2f} ms ({100 * diff:+.1f} %)",
            target(abs(diff) <= goal, f"within {100 * goal:g} %") if goal else "",
        )
    cv = results["vectorized"].summary.cost_usd.total
    cx = results["exact"].summary.cost_usd.total
    diff = relative(cv, cx)
    section.add(
        "B3 total cost: vectorized vs exact",
        f"${cv:.4f} vs ${cx:.4f} ({100 * diff:+.2f} %)",
        target(abs(diff) <= 0.005, "within 0.5 %"),
    )
    section.add("B3 requests (both engines)", f"{v.total:,} vs {x.total:,}")
    return section


def profile_target(opts: Options) -> list[tuple[str, Any]]:
    """What ``--profile B3`` profiles: one ``simulate`` with each engine."""
    import fargasim

    sc = scenario()
    return [
        (
            f"fargasim.simulate of the B3 hour, engine={engine}",
            lambda engine=engine: fargasim.simulate(sc, engine=engine),
        )
        for engine in ("vectorized", "exact")
    ]
