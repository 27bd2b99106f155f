"""fargasim benchmarks (``make bench``): medians of repeated runs, ratios measured side by side.

B0  the quickstart scenario (one day, 1 s data-plane ticks): wall time per simulated day.
B0m billing of N tasks: the vectorized meter (``billing.charge``) vs pricing each task with
    ``fargasim.price`` in a Python loop (what a user would write), same inputs, same run.
B5  the request model: the same one-hour scenario at about 300 requests/s (10 tasks of 1 vCPU,
    lognormal work of 20 ms, cv 1, round robin) through the vectorized and the exact engine in
    one run: the speed ratio and the latency differences (mean, p50, p95, p99).

Results are appended to ``benchmarks/RESULTS.md`` with the machine description. Not a test:
nothing here asserts a speed.
"""

from __future__ import annotations

import datetime
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import fargasim  # noqa: E402
from fargasim.billing import PriceTable, PricingSpec, Usage, charge  # noqa: E402

REPEATS = 5


def timed(fn: Callable[[], object], repeats: int = REPEATS) -> list[float]:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def describe(times: list[float]) -> str:
    return f"median {statistics.median(times):.3f} s (min {min(times):.3f}, max {max(times):.3f})"


def bench_quickstart() -> str:
    sc = fargasim.load_scenario(ROOT / "scenarios" / "quickstart.yaml")
    times = timed(lambda: fargasim.simulate(sc, seed=1))
    return f"| B0 quickstart, 1 simulated day | {describe(times)} |"


def bench_meter(n: int) -> str:
    rng = np.random.default_rng(0)
    start = rng.uniform(0, 3600, n)
    usage = Usage(
        cpu_units=np.full(n, 1024, dtype=np.int64),
        memory_mib=np.full(n, 2048, dtype=np.int64),
        ephemeral_gib=np.full(n, 20.0),
        architecture=np.full(n, "X86_64"),
        os_family=np.full(n, "LINUX"),
        capacity_provider=np.where(rng.random(n) < 0.5, "FARGATE", "FARGATE_SPOT"),
        start=start,
        stop=start + rng.exponential(600, n),
    )
    table = PriceTable.load("us-east-1")
    spec = PricingSpec()
    vec = timed(lambda: charge(usage, table, spec))

    def loop() -> None:
        for i in range(n):
            fargasim.price(
                "1024",
                "2048",
                float(usage.stop[i] - usage.start[i]),
                capacity_provider=str(usage.capacity_provider[i]),
            )

    per_task = timed(loop, repeats=3)
    ratio = statistics.median(per_task) / statistics.median(vec)
    return (
        f"| B0m meter, {n:,} tasks: vectorized | {describe(vec)} |\n"
        f"| B0m meter, {n:,} tasks: price() loop | {describe(per_task)}; ratio {ratio:.0f}x |"
    )


REQUEST_SCENARIO = """
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


def bench_request_model(repeats: int = 3) -> str:
    from fargasim.scenario.loader import load_scenario_text

    sc = load_scenario_text(REQUEST_SCENARIO, "bench-requests.yaml")
    results: dict[str, object] = {}

    def run(engine: str) -> None:
        results[engine] = fargasim.simulate(sc, engine=engine)

    vec = timed(lambda: run("vectorized"), repeats=repeats)
    exact = timed(lambda: run("exact"), repeats=repeats)
    ratio = statistics.median(exact) / statistics.median(vec)
    rows = [
        f"| B5 request model, 1 h at 300 req/s: vectorized | {describe(vec)} |",
        f"| B5 request model, 1 h at 300 req/s: exact | {describe(exact)}; ratio {ratio:.0f}x |",
    ]
    summaries = {e: r.summary.services["web"].requests for e, r in results.items()}  # type: ignore[attr-defined]
    v, x = summaries["vectorized"], summaries["exact"]
    assert v is not None and x is not None
    for label, a, b in (
        ("mean", v.mean_latency_ms, x.mean_latency_ms),
        ("p50", v.p50_latency_ms, x.p50_latency_ms),
        ("p95", v.p95_latency_ms, x.p95_latency_ms),
        ("p99", v.p99_latency_ms, x.p99_latency_ms),
    ):
        assert a is not None and b is not None
        rows.append(
            f"| B5 latency {label}: vectorized vs exact | {a:.2f} ms vs {b:.2f} ms "
            f"({100.0 * (a - b) / b:+.1f} %) |"
        )
    rows.append(f"| B5 requests (both engines) | {v.total:,} vs {x.total:,} |")
    return "\n".join(rows)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"numpy {np.__version__}, {platform.system()} {platform.release()}"
    )


def main() -> None:
    only = set(sys.argv[1:])
    benches = {
        "B0": bench_quickstart,
        "B0m": lambda: bench_meter(20_000),
        "B5": bench_request_model,
    }
    rows = [fn() for name, fn in benches.items() if not only or name in only]
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    block = "\n".join(
        [
            f"## {stamp}",
            "",
            f"Machine: {machine()}",
            "",
            "| benchmark | result |",
            "|---|---|",
            *rows,
            "",
        ]
    )
    print(block)
    results = ROOT / "benchmarks" / "RESULTS.md"
    if not results.exists():
        results.write_text(
            "# Benchmark results\n\nAppended by `make bench`; medians of repeated runs.\n\n"
        )
    with results.open("a", encoding="utf-8") as fh:
        fh.write(block + "\n")


if __name__ == "__main__":
    main()
