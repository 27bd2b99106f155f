"""Smoke test of the benchmark suite (benchmarks/, issue #6): the modules import, the per-task
SimPy baseline of B1 bills as hand-computed, its defaults are still fargasim's, and it agrees
exactly with ``fargasim.simulate`` when every duration is constant.

Constant durations (reference §1.1 billing from pull start to the containers' exit, rounded up,
1-minute minimum; §4 start-up; §5.1 launch bucket of 100 tokens at 20/s), for a 0.25 vCPU task
and a 60 MiB image::

    PROVISIONING 3, PENDING 1, pull 2 + 60/40 = 3.5, extract 60/(30 · 0.25) = 8, start 1,
    RUNNING run, DEACTIVATING 1, DEPROVISIONING 5
    billed = max(60, ceil(3.5 + 8 + 1 + run + 1))   → run 100: 114 s; run 10: 23.5 → 60 s
    200 tasks: the last starts at (200 − 100)/20 = 5 s and stops 122.5 s later (run 100).
"""

from __future__ import annotations

import json
import math

import pytest

import fargasim
from benchmarks import b1_bulk, b2_week, b3_requests, b4_memory, run
from benchmarks.baseline_simpy import FargateModel, Lognormal, simulate_batch
from fargasim.billing import PriceTable
from fargasim.scenario.loader import load_scenario_text
from fargasim.scenario.schema import AccountSpec, ShutdownSpec, StartupSpec

VCPU, GIB = 0.25, 0.5
RATE = PriceTable.load("us-east-1").rates
USD_PER_SECOND = VCPU * RATE.linux_x86_vcpu_per_second + GIB * RATE.linux_x86_gb_per_second


def constant_model() -> FargateModel:
    return FargateModel(
        provisioning=Lognormal(3),
        pending=Lognormal(1),
        pull_overhead=Lognormal(2),
        image_mib=60,
        container_start=Lognormal(1),
        deactivating=Lognormal(1),
        deprovisioning=Lognormal(5),
    )


def const(mean: float) -> dict[str, object]:
    return {"distribution": "constant", "mean": mean}


@pytest.mark.parametrize(("run_seconds", "billed"), [(100.0, 114), (10.0, 60)])
def test_baseline_bills_per_second_with_a_minute_minimum(run_seconds: float, billed: int) -> None:
    out = simulate_batch(200, run_seconds=Lognormal(run_seconds), model=constant_model())
    assert out.tasks == 200
    assert out.billed_seconds == 200 * billed
    assert out.billable_seconds == pytest.approx(200 * (3.5 + 8 + 1 + run_seconds + 1))
    assert out.cost_usd == pytest.approx(200 * billed * USD_PER_SECOND, rel=1e-12)
    # §5.1: 100 tasks at once, then 20 per second.
    lifetime = 3 + 1 + 3.5 + 8 + 1 + run_seconds + 1 + 5
    assert out.finished_at == pytest.approx(100 / 20 + lifetime)


def test_baseline_defaults_are_fargasims() -> None:
    model, startup, shutdown = FargateModel(), StartupSpec(), ShutdownSpec()
    pairs = [
        (model.provisioning, startup.provisioning_seconds),
        (model.pending, startup.pending_seconds),
        (model.pull_overhead, startup.pull_overhead_seconds),
        (model.container_start, startup.container_start_seconds),
        (model.deactivating, shutdown.deactivating_seconds),
        (model.deprovisioning, shutdown.deprovisioning_seconds),
    ]
    for mine, theirs in pairs:
        assert theirs.distribution == "lognormal"
        assert (mine.mean, mine.cv) == (theirs.mean, theirs.cv)
    assert model.image_mib == startup.default_image_size_mib
    assert model.pull_mibps == startup.pull_bandwidth_mibps
    assert model.extract_mibps_per_vcpu == startup.extract_mibps_per_vcpu
    assert model.extract_max_vcpu == startup.extract_max_vcpu
    account = AccountSpec()
    assert (model.launch_burst, model.launch_rate) == (
        account.fargate_task_launch_burst,
        account.fargate_task_launch_rate,
    )
    assert model.vcpu_usd_per_second == RATE.linux_x86_vcpu_per_second
    assert model.gb_usd_per_second == RATE.linux_x86_gb_per_second


def test_baseline_matches_fargasim_with_constant_durations() -> None:
    doc = b1_bulk.scenario_doc(200)
    doc["batch"][0]["runSeconds"] = const(100)
    doc["model"] = {
        "startup": {
            "provisioningSeconds": const(3),
            "pendingSeconds": const(1),
            "pullOverheadSeconds": const(2),
            "containerStartSeconds": const(1),
            "defaultImageSizeMiB": 60,
        },
        "shutdown": {"deactivatingSeconds": const(1), "deprovisioningSeconds": const(5)},
    }
    res = fargasim.simulate(load_scenario_text(json.dumps(doc), "bulk.json"))
    out = simulate_batch(200, run_seconds=Lognormal(100), model=constant_model())
    assert res.summary.run_task[b1_bulk.GROUP].tasks_launched == 200
    assert int(res.tasks["billedSeconds"].sum()) == out.billed_seconds == 200 * 114
    assert res.summary.cost_usd.total == pytest.approx(out.cost_usd, rel=1e-9)
    assert float(res.tasks["stoppedAt"].max()) == pytest.approx(out.finished_at)


def test_benchmark_scenarios_load() -> None:
    sc = b2_week.scenario(7)
    assert sc.duration == 7 * 86400
    assert b3_requests.scenario().duration == 3600
    assert b1_bulk.scenario(1000).batch[0].count == 1000
    assert math.isclose(b1_bulk._noise(10**4) * 10, b1_bulk._noise(100), rel_tol=1e-12)
    assert callable(b4_memory.run)
    args = run.parse(["B1", "B5", "--runs", "2", "--max-tasks", "1000", "--no-append"])
    assert args.suites == ["B1", "B3"]
    assert (args.runs, args.max_tasks, args.no_append) == (2, 1000, True)


def test_lifecycle_designs_make_the_same_calls_in_the_same_order() -> None:
    """The three designs B2 compares do the same work: every task's state changes, in time
    order, and nothing else (else their per-change costs would not compare)."""
    from benchmarks import lifecycle_machinery as lm

    gaps = lm.durations(3 * lm.BATCH + 7)
    expected = lm.hook_order("process", gaps)
    assert len(expected) == gaps.size
    finish = {(i, k): gaps[i, : k + 1].sum() + i // lm.BATCH * 20.0 for i, k in expected}
    assert [finish[c] for c in expected] == sorted(finish.values())
    assert lm.hook_order("cohort", gaps) == expected
    assert lm.hook_order("callbacks", gaps) == expected
