"""fargasim benchmarks (``make bench``): medians of repeated runs, ratios measured side by side.

B0  the quickstart scenario (one day, 1 s data-plane ticks): wall time per simulated day.
B0m billing of N tasks: the vectorized meter (``billing.charge``) vs pricing each task with
    ``fargasim.price`` in a Python loop (what a user would write), same inputs, same run.

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
    rows = [bench_quickstart(), bench_meter(20_000)]
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
