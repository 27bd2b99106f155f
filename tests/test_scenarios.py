"""Every shipped scenario validates and runs, and its results hold together (DESIGN.md §2:
"ready scenarios, each one validated and run by the tests")."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import numpy as np
import pytest

import fargasim

SCENARIOS = sorted((Path(__file__).resolve().parent.parent / "scenarios").glob("*.yaml"))


def test_there_are_scenarios() -> None:
    names = {p.name for p in SCENARIOS}
    assert {"quickstart.yaml", "sample-fargate-app.yaml"} <= names


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_scenario_runs_and_results_hold_together(path: Path, tmp_path: Path) -> None:
    sc = fargasim.load_scenario(path)
    res = fargasim.simulate(sc)
    out = res.write(tmp_path / "out")
    summary = json.loads((out / "summary.json").read_text())
    with (out / "tasks.csv").open() as fh:
        tasks = list(csv.DictReader(fh))
    # Cost adds up: the total is the sum of the tasks' costs and of the components (§1.1).
    task_total = sum(float(t["costUsd"]) for t in tasks)
    assert summary["costUsd"]["total"] == pytest.approx(task_total, abs=1e-6)
    parts = ("vcpu", "memory", "storage", "osLicense")
    assert summary["costUsd"]["total"] == pytest.approx(
        sum(summary["costUsd"][p] for p in parts), abs=1e-6
    )
    # Every task that pulled its image is billed at least the 1-minute minimum (§1.1).
    for t in tasks:
        if t["pullStartedAt"]:
            assert int(t["billedSeconds"]) >= 60
        else:
            assert int(t["billedSeconds"]) == 0
    # The cumulative cost series ends at the total and never decreases.
    cost = res.timeseries["costUsd"]
    assert np.all(np.diff(cost) >= -1e-12)
    assert cost[-1] == pytest.approx(summary["costUsd"]["total"], abs=1e-6)
    # At the end every service runs its desired count (no faults in the shipped scenarios yet).
    for svc in sc.services:
        name = svc.serviceName
        assert (
            res.timeseries[f"{name}.runningCount"][-1] == res.timeseries[f"{name}.desiredCount"][-1]
        )
        assert summary["services"][name]["tasksLaunched"] == sum(
            t["service"] == name for t in tasks
        )
        util = res.timeseries[f"{name}.cpuUtilization"]
        finite = util[~np.isnan(util)]
        assert np.all((finite >= 0) & (finite <= 100 + 1e-9))  # §11: never above 100 %
    # Times of each task are in lifecycle order (§3.1).
    for t in tasks:
        times = [
            t[k] for k in ("createdAt", "pullStartedAt", "runningAt", "stoppingAt", "stoppedAt")
        ]
        reached = [float(v) for v in times if v]
        assert reached == sorted(reached)
        assert not math.isnan(float(t["createdAt"]))
