"""B2, a week-long web service: ``benchmarks/scenarios/week-web.yaml`` for 7 simulated days at 1 s
data-plane resolution, each run in a fresh process: wall time and peak memory (RSS).

Why: capacity planning asks "what would last week have cost under this policy?", so a week of
a large service has to run in seconds. The scenario swings daily between about 500 and 5,000
tasks of 0.25 vCPU under target tracking on CPU (55 %), with about 1.1 billion requests over the
week; see the scenario file for its sizing. The issue's targets: under 20 s wall, under 1.5 GB
peak memory.

The wall time is that of ``fargasim.simulate`` inside the child; the peak RSS is the child's
``VmHWM`` (interpreter and imports included). The peak and mean task count, the tasks
launched, the requests and the cost are printed so that the scenario's realism is visible.
``--days D`` runs a shorter horizon (the targets are only judged at 7 days).
"""

from __future__ import annotations

from typing import Any

from benchmarks import lifecycle_machinery
from benchmarks.common import (
    MIB,
    ROOT,
    Options,
    Section,
    describe,
    describe_mib,
    median,
    plural,
    run_child,
    target,
)

SCENARIO = ROOT / "benchmarks" / "scenarios" / "week-web.yaml"
SERVICE = "api"
MEMORY_TARGET = 1.5 * 1024 * MIB  # 1.5 GiB


def scenario(days: float) -> Any:
    """The week-web scenario, cut to ``days`` simulated days."""
    import fargasim

    sc = fargasim.load_scenario(SCENARIO)
    return sc.model_copy(update={"duration": days * 86400.0})


def measure(days: float) -> dict[str, Any]:
    """One run (in the child process): what ``benchmarks/child.py week DAYS`` reports."""
    import time

    import fargasim

    sc = scenario(days)
    start = time.perf_counter()
    res = fargasim.simulate(sc)
    wall = time.perf_counter() - start
    svc = res.summary.services[SERVICE]
    return {
        "wall": wall,
        "peak_running": svc.peak_running,
        "mean_running": svc.mean_running,
        "tasks_launched": svc.tasks_launched,
        "requests": svc.requests.total if svc.requests else 0,
        "cost_usd": res.summary.cost_usd.total,
        "scaling_activities": len(res.scaling_activities),
        "state_changes": state_changes(res.tasks),
    }


def state_changes(tasks: Any) -> int:
    """About how many state changes the run's tasks went through: two per recorded time
    (ACTIVATING: PENDING and ACTIVATING; RUNNING and ready; DEACTIVATING and STOPPING;
    DEPROVISIONING and STOPPED)."""
    import numpy as np

    columns = ("pullStartedAt", "runningAt", "stoppingAt", "stoppedAt")
    return 2 * sum(int(np.count_nonzero(~np.isnan(tasks[c]))) for c in columns)


def run(opts: Options) -> Section:
    section = Section()
    days = opts.days
    records = run_child("week", repr(days), opts.runs)
    walls = [r["wall"] for r in records]
    rss = [r["maxrss"] for r in records]
    week = days == 7
    first = records[0]
    label = f"B2 web service, {plural(days, 'simulated day')}"
    section.add(
        f"{label}: wall",
        describe(walls),
        target(median(walls) < 20 if week else None, "< 20 s for 7 days"),
    )
    section.add(
        f"{label}: peak RSS",
        describe_mib(rss),
        target(median(rss) < MEMORY_TARGET if week else None, "< 1.5 GiB for 7 days"),
    )
    section.add(
        f"{label}: what ran",
        f"peak {first['peak_running']:,} tasks, mean {first['mean_running']:,.0f}, "
        f"{first['tasks_launched']:,} launched, {first['scaling_activities']:,} scaling "
        f"activities, {first['requests'] / 1e6:,.0f} M requests, ${first['cost_usd']:,.0f}",
    )
    changes = first["state_changes"]
    cost = lifecycle_machinery.measure(opts.runs)
    saving = (cost["process"] - cost["cohort"]) * 1e-6 * changes
    machinery = cost["process"] * 1e-6 * changes
    section.add(
        f"{label}: SimPy machinery of its task state changes",
        f"{changes:,} state changes; per change, with a no-op hook: a process per task "
        f"{cost['process']:.2f} µs, a process per launch batch walking array times "
        f"{cost['cohort']:.2f} µs, callbacks {cost['callbacks']:.2f} µs "
        f"(benchmarks/lifecycle_machinery.py). All of it: {machinery:.2f} s "
        f"({100 * machinery / median(walls):.1f} % of the wall); what batches as arrays could "
        f"save: {saving:.2f} s ({100 * saving / median(walls):.1f} %)",
    )
    if not week:
        section.notes.append(f"B2 ran {plural(days, 'simulated day')} (--days), not 7.")
    section.notes.append(
        f"B2: each run is a fresh process; peak RSS includes the interpreter and imports "
        f"(an empty run: see B4). {median(walls) / (days * 24):.2f} s per simulated hour."
    )
    return section


def profile_target(opts: Options) -> list[tuple[str, Any]]:
    """What ``--profile B2`` profiles: one ``simulate`` of the scenario."""
    import fargasim

    sc = scenario(opts.days)
    return [
        (
            f"fargasim.simulate of benchmarks/scenarios/week-web.yaml, {opts.days:g} days",
            lambda: fargasim.simulate(sc),
        )
    ]
