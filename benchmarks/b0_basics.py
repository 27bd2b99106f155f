"""B0 and B0m, the first benchmarks (kept so that their history in RESULTS.md continues).

B0  the quickstart scenario (one day, 1 s data-plane ticks, about 10 M requests): wall time per
    simulated day of a small service, the everyday case.
B0m billing of 20,000 tasks: the vectorized meter (``billing.charge``) against pricing each task
    with ``fargasim.price`` in a Python loop (what a user would write), same inputs, same run.
"""

from __future__ import annotations

import numpy as np

from benchmarks.common import ROOT, Options, Section, describe, median, timed

METER_TASKS = 20_000


def run_quickstart(opts: Options) -> Section:
    import fargasim

    section = Section()
    sc = fargasim.load_scenario(ROOT / "scenarios" / "quickstart.yaml")
    times = timed(lambda: fargasim.simulate(sc, seed=1), opts.runs)
    section.add("B0 quickstart, 1 simulated day", describe(times))
    return section


def run_meter(opts: Options) -> Section:
    import fargasim
    from fargasim.billing import PriceTable, PricingSpec, Usage, charge

    n = METER_TASKS
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
    vec = timed(lambda: charge(usage, table, spec), opts.runs)

    def loop() -> None:
        for i in range(n):
            fargasim.price(
                "1024",
                "2048",
                float(usage.stop[i] - usage.start[i]),
                capacity_provider=str(usage.capacity_provider[i]),
            )

    per_task = timed(loop, opts.runs)
    ratio = median(per_task) / median(vec)
    section = Section()
    section.add(f"B0m meter, {n:,} tasks: vectorized", describe(vec))
    section.add(
        f"B0m meter, {n:,} tasks: price() loop", f"{describe(per_task)}; ratio {ratio:.0f}×"
    )
    return section
