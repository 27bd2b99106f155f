"""Batch submissions launched in bulk (issue #6) give exactly what launching their tasks one call
at a time gives: the same tasks, state-change times, placements, billed seconds and costs, to
the last bit, for the same seed (the per-task path is the reference: each task a SimPy process,
the RunTask API serving calls one by one). And the gate sends a submission down the per-task
path whenever something could disturb it (:mod:`fargasim.ecs.bulk`)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from fargasim.engine import Model, run_model
from fargasim.result import Result
from fargasim.scenario.schema import Scenario
from tests import builders as b

BATCH_SUBNETS = [
    {"subnetId": "subnet-d", "availabilityZone": "us-east-1a", "freeIps": 4000},
    {"subnetId": "subnet-e", "availabilityZone": "us-east-1b", "freeIps": 4000},
    {"subnetId": "subnet-f", "availabilityZone": "us-east-1c", "freeIps": 4000},
]
RANDOM_MODEL: dict[str, Any] = {
    "startup": {
        "provisioningSeconds": {"mean": 12, "cv": 0.4},
        "pendingSeconds": {"distribution": "exponential", "mean": 2},
        "pullOverheadSeconds": {"mean": 3, "cv": 0.5},
        "containerStartSeconds": {"mean": 1.5, "cv": 0.3},
        "appStartSeconds": {"mean": 4, "cv": 0.5},
    },
    "shutdown": {
        "deactivatingSeconds": {"mean": 2, "cv": 0.5},
        "appExitSeconds": {"mean": 3, "cv": 0.5},
        "deprovisioningSeconds": {"mean": 5, "cv": 0.3},
    },
}


def batch_scenario(**changes: Any) -> Scenario:
    """The ``web`` service on FARGATE in subnets a–c, and a batch of 1,237 tasks (Spot and
    on-demand) in subnets d–f with lognormal run times: 124 calls, the last of 7; the launch
    bucket makes the submission last about a minute, and the run ends while some still run."""
    doc: dict[str, Any] = {
        "duration": "40m",
        "network": {"subnets": b.base_document()["network"]["subnets"] + BATCH_SUBNETS},
        "model": RANDOM_MODEL,
        "batch": [
            {
                "at": 30,
                "taskDefinition": "web",
                "count": 1237,
                "runSeconds": {"mean": 900, "cv": 0.8},
                "subnets": ["subnet-d", "subnet-e", "subnet-f"],
                "capacityProviderStrategy": [
                    {"capacityProvider": "FARGATE_SPOT", "weight": 3},
                ],
            }
        ],
    }
    return b.scenario_from(b.merge(b.merge(b.base_document(), {"model": None}), doc | changes))


def run(sc: Scenario, bulk: bool, seed: int = 7) -> tuple[Model, Result]:
    model = Model(sc, seed, bulk=bulk)
    return model, run_model(model)


def assert_same_result(bulk: Result, per_task: Result) -> None:
    assert bulk.tasks.names == per_task.tasks.names
    for name in bulk.tasks.names:
        a, c = bulk.tasks[name], per_task.tasks[name]
        if isinstance(a, np.ndarray) and a.dtype.kind == "f":
            np.testing.assert_array_equal(a, c, err_msg=name)  # NaN-aware, bit for bit
        else:
            assert list(a) == list(c), name
    assert bulk.summary.model_dump() == per_task.summary.model_dump()
    assert bulk.service_events == per_task.service_events
    np.testing.assert_array_equal(bulk.timeseries["costUsd"], per_task.timeseries["costUsd"])


def test_a_bulk_batch_equals_the_per_task_run() -> None:
    sc = batch_scenario()
    fast, bulk = run(sc, bulk=True)
    slow, per_task = run(sc, bulk=False)
    assert len(fast.cohorts) == 1 and not slow.cohorts  # the paths really differ
    assert len(slow.run_task_api.tasks) == 1237
    assert_same_result(bulk, per_task)
    # The comparison is not vacuous: random draws, tasks cut by the end, all three AZs used.
    t = bulk.tasks
    assert len(set(np.round(t["runningAt"] - t["createdAt"], 9))) > 1000
    assert np.isnan(t["stoppedAt"]).sum() > 50
    assert set(t["availabilityZone"]) == {"us-east-1a", "us-east-1b", "us-east-1c"}
    assert (bulk.summary.run_task["family:web"].calls, len(t)) == (124, 1239)  # + 2 of web


def test_bulk_agrees_with_mixed_providers_repeats_and_another_seed() -> None:
    """Base and weight across both providers (§7.1), a submission every 20 minutes whose tasks
    are done before the next, a 20 s container: launch tokens of both buckets, calls of 10."""
    sc = batch_scenario(
        duration="2h",
        batch=[
            {
                "at": 0,
                "every": "20m",
                "taskDefinition": "web",
                "count": 333,
                "runSeconds": {"distribution": "exponential", "mean": 100},
                "subnets": ["subnet-e", "subnet-d"],
                "capacityProviderStrategy": [
                    {"capacityProvider": "FARGATE_SPOT", "weight": 1, "base": 2},
                ],
                "group": "nightly",
            }
        ],
        services=None,
    )
    fast, bulk = run(sc, bulk=True, seed=11)
    _, per_task = run(sc, bulk=False, seed=11)
    assert len(fast.cohorts) >= 5
    assert_same_result(bulk, per_task)


@pytest.mark.parametrize(
    ("changes", "why"),
    [
        ({"model": {"spot": {"interruptionsPerTaskHour": 0.1}}}, "Spot hazard"),
        ({"model": {"faults": {"containerExitsPerTaskHour": 0.1}}}, "crash rate"),
        (
            {"events": [{"at": 600, "stopTask": {"count": 3}}]},
            "an event could select its tasks",
        ),
        (
            {
                "events": [
                    {"at": 600, "azOutage": {"availabilityZone": "us-east-1b", "duration": 60}}
                ]
            },
            "its AZ fails",
        ),
        ({"account": {"fargateSpotVcpuQuota": 100}}, "the vCPU quota would bind"),
        (
            {
                "network": {
                    "subnets": b.base_document()["network"]["subnets"]
                    + [dict(s, freeIps=100) for s in BATCH_SUBNETS]
                }
            },
            "the subnets would run out of IPs",
        ),
    ],
)
def test_the_gate_keeps_disturbed_submissions_per_task(changes: dict[str, Any], why: str) -> None:
    sc = batch_scenario(**changes)
    model, result = run(sc, bulk=True)
    assert not model.cohorts, why
    _, reference = run(sc, bulk=False)
    assert_same_result(result, reference)


def test_a_service_on_the_same_provider_keeps_the_batch_per_task() -> None:
    sc = batch_scenario(
        batch=[
            dict(
                batch_scenario().batch[0].model_dump(by_alias=True, exclude_none=True),
                capacityProviderStrategy=[],
            )
        ]
    )
    model, _ = run(sc, bulk=True)
    assert not model.cohorts


def test_the_exact_engine_keeps_every_task_a_process() -> None:
    model = Model(batch_scenario(), 7, engine="exact")
    run_model(model)
    assert not model.cohorts and len(model.run_task_api.tasks) == 1237
