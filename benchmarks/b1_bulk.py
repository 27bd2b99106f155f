"""B1, bulk task lifecycle and billing: N batch tasks through ``fargasim.simulate`` against the
per-task SimPy baseline (``benchmarks/baseline_simpy.py``), side by side in one run.

Why: most of fargasim's users' tasks are batch tasks, and a plain per-task SimPy model is what
they would write without it; the simulator has to be much faster than that to be worth using at
scale. The issue's targets: ≥ 50× the baseline at 10^5 tasks, 10^6 tasks in under 3 s, and a
run time that grows no faster than N^1.1 from 10^4 to 10^6.

The batch (:func:`scenario`): one ``batch:`` entry of N tasks of 0.25 vCPU / 0.5 GB submitted at
t = 0 on FARGATE, each running a lognormal 300 s (cv 0.3), in three subnets of three AZs with an
IP for every task; the account's vCPU quotas are raised so that only the launch rate (20 tasks
per second, §5.1) paces the batch. The run lasts until every task has stopped (N/20 s of
launches plus 15 minutes), sampled every 10 minutes so the time series stays small. Only the
``simulate`` call is timed (the scenario is built and validated before).

Both sides draw their own random durations, so their task-hours and costs agree only within
sampling noise; the table shows the relative difference and that noise (2σ).
"""

from __future__ import annotations

import json
import math
import time
from typing import Any

from benchmarks.baseline_simpy import Lognormal, simulate_batch
from benchmarks.common import (
    Options,
    Section,
    describe,
    median,
    progress,
    relative,
    scaling_exponent,
    target,
)

SIZES = (10**3, 10**4, 10**5, 10**6)
#: The baseline at 10^6 takes about 45 s a run (10^7 SimPy events): 3 runs only, not --runs.
BIG_BASELINE_RUNS = 3
#: Up to 10^5 tasks both sides run at least this often: fargasim's wall at 10^5 moves between
#: 40 and 75 ms from run to run with the state of the heap the baseline leaves (0 to 7,000
#: page faults a run on the reference VM), so five runs give an unsteady median.
SMALL_RUNS = 9
RUN_MEAN, RUN_CV = 300.0, 0.3
GROUP = "bulk"


def scenario_doc(n: int, seed: int = 1) -> dict[str, Any]:
    """The B1 batch scenario of ``n`` tasks as a document (JSON is YAML)."""
    subnets = [
        {"subnetId": f"subnet-{z}", "availabilityZone": f"us-east-1{z}", "freeIps": n}
        for z in "abc"
    ]
    return {
        "fargasim": 1,
        "name": f"bench-bulk-{n}",
        "duration": math.ceil(n / 20) + 900,
        "seed": seed,
        "account": {"fargateOnDemandVcpuQuota": 1e6, "fargateSpotVcpuQuota": 1e6},
        "network": {"subnets": subnets},
        "taskDefinitions": [
            {
                "family": "job",
                "networkMode": "awsvpc",
                "requiresCompatibilities": ["FARGATE"],
                "cpu": "256",
                "memory": "512",
                "containerDefinitions": [{"name": "job", "image": "job:1", "essential": True}],
            }
        ],
        "batch": [
            {
                "at": 0,
                "taskDefinition": "job",
                "count": n,
                "runSeconds": {"distribution": "lognormal", "mean": RUN_MEAN, "cv": RUN_CV},
                "capacityProviderStrategy": [{"capacityProvider": "FARGATE", "weight": 1}],
                "subnets": [s["subnetId"] for s in subnets],
                "group": GROUP,
            }
        ],
        "output": {"sampleInterval": 600},
    }


def scenario(n: int, seed: int = 1) -> Any:
    """The B1 batch scenario of ``n`` tasks, validated like a user's file."""
    from fargasim.scenario.loader import load_scenario_text

    return load_scenario_text(json.dumps(scenario_doc(n, seed)), f"bench-bulk-{n}.json")


def _noise(n: int) -> float:
    """2σ of the relative difference of two independent batches' mean billable time."""
    # pull 2 + 100 MiB at 40 MiB/s, extract 100 MiB at 30 MiB/s·vCPU × 0.25 vCPU, start 2,
    # run, deactivating 1 (the start-up and stop steps add a little variance of their own)
    mean = 2 + 2.5 + 100 / 7.5 + 2 + RUN_MEAN + 1
    sd = math.hypot(RUN_MEAN * RUN_CV, 1.0)
    return 2 * math.sqrt(2) * sd / (mean * math.sqrt(n))


def _side_by_side(n: int, runs: int, base_runs: int) -> tuple[list[float], list[float], Any, Any]:
    """Walls of ``fargasim.simulate`` and of the baseline on ``n`` tasks, run alternately so
    that both see the same machine state, and the last result of each."""
    import fargasim

    sc = scenario(n)
    vec: list[float] = []
    base: list[float] = []
    res = ref = None
    for i in range(max(runs, base_runs)):
        if i < base_runs:
            start = time.perf_counter()
            ref = simulate_batch(n, run_seconds=Lognormal(RUN_MEAN, RUN_CV))
            base.append(time.perf_counter() - start)
        if i < runs:
            start = time.perf_counter()
            res = fargasim.simulate(sc)
            vec.append(time.perf_counter() - start)
        progress(f"B1 n={n:,} run {i + 1}: baseline {base[-1]:.2f} s, fargasim {vec[-1]:.2f} s")
    return vec, base, res, ref


def run(opts: Options) -> Section:
    import fargasim

    section = Section()
    sizes = [n for n in SIZES if n <= opts.max_tasks]
    skipped = [n for n in SIZES if n > opts.max_tasks]
    fargasim.simulate(scenario(100))  # warm up: imports, price tables
    simulate_batch(100)
    walls: dict[str, dict[int, float]] = {"fargasim": {}, "baseline": {}}
    for n in sizes:
        runs = opts.runs if n >= 10**6 else max(opts.runs, SMALL_RUNS)
        base_runs = min(opts.runs, BIG_BASELINE_RUNS) if n >= 10**6 else runs
        vec, base, res, ref = _side_by_side(n, runs, base_runs)
        walls["fargasim"][n] = median(vec)
        walls["baseline"][n] = median(base)
        summary = res.summary.run_task[GROUP]
        assert summary.tasks_launched == n == ref.tasks, (summary.tasks_launched, ref.tasks)
        speedup = median(base) / median(vec)
        section.add(
            f"B1 {n:,} tasks: fargasim.simulate",
            f"{describe(vec)}; {n / median(vec):,.0f} tasks/s",
            target(median(vec) < 3.0, "< 3 s") if n == 10**6 else "",
        )
        section.add(
            f"B1 {n:,} tasks: per-task SimPy baseline",
            f"{describe(base)}; {n / median(base):,.0f} tasks/s; "
            f"fargasim's speed-up over it: {speedup:.2f}×",
            target(speedup >= 50, "fargasim ≥ 50× baseline") if n == 10**5 else "",
        )
        section.add(
            f"B1 {n:,} tasks: task-hours, cost (fargasim vs baseline)",
            f"{summary.task_hours:,.1f} vs {ref.task_hours:,.1f} h "
            f"({100 * relative(summary.task_hours, ref.task_hours):+.2f} %); "
            f"${res.summary.cost_usd.total:,.2f} vs ${ref.cost_usd:,.2f} "
            f"({100 * relative(res.summary.cost_usd.total, ref.cost_usd):+.2f} %); "
            f"sampling noise ±{100 * _noise(n):.2f} % (2σ)",
        )
    goal = "≤ 1.1 over 10^4..10^6"
    for who, by_size in walls.items():
        big = {n: w for n, w in by_size.items() if n >= 10**4}
        if len(big) < 2:
            if who == "fargasim":
                section.add(
                    "B1 scaling exponent, fargasim", "needs two sizes ≥ 10^4", target(None, goal)
                )
            continue
        k = scaling_exponent(list(big), list(big.values()))
        span = f"10^{round(math.log10(min(big)))}..10^{round(math.log10(max(big)))}"
        full = min(big) == 10**4 and max(big) == 10**6
        section.add(
            f"B1 scaling exponent, {who}",
            f"{k:.2f} (slope of log wall vs log N over {span})",
            target(k <= 1.1 if full else None, goal) if who == "fargasim" else "",
        )
    for n, goal in ((10**5, "fargasim ≥ 50× baseline"), (10**6, "< 3 s")):
        if n in skipped:
            section.add(f"B1 {n:,} tasks", "not run (--max-tasks)", target(None, goal))
    if skipped:
        section.notes.append(
            f"B1 ran up to --max-tasks {opts.max_tasks:,}: sizes "
            f"{', '.join(f'{n:,}' for n in skipped)} not run."
        )
    if any(n >= 10**6 for n in sizes):
        section.notes.append(
            f"B1: the baseline ran {min(opts.runs, BIG_BASELINE_RUNS)} times at 10^6 tasks "
            f"(about 45 s a run), fargasim {opts.runs} times."
        )
    return section


def profile_target(opts: Options) -> list[tuple[str, Any]]:
    """What ``--profile B1`` profiles: one ``simulate`` of the largest batch allowed."""
    import fargasim

    n = max([n for n in SIZES if n <= opts.max_tasks], default=opts.max_tasks)
    sc = scenario(n)
    return [(f"fargasim.simulate of the B1 batch of {n:,} tasks", lambda: fargasim.simulate(sc))]
