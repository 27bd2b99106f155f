"""What SimPy costs per task state change, in three designs (part of B2): the measurement behind
keeping service tasks one SimPy process each (issue #6).

Issue #6 asks for scale-outs and deployments "handled as arrays … rather than N SimPy
processes". A service task's state changes must each reach the control plane at their own time
(target registration and health checks, the scheduler's counts, the data plane's serving
weight, faults, the metrics), so an array design still fires one event per state change; what
it can save is only the per-change machinery of a process per task. This measures that
machinery with a hook that does nothing, on B2's scale (32,000 tasks launched in batches of 25,
8 state changes each at lognormal intervals), in three designs that make the same hook calls in
the same time order (:func:`hook_order` is checked by ``tests/test_benchmarks_smoke.py``):

``process``   one SimPy process per task, a timeout per state change (fargasim today);
``cohort``    one process per launch batch: the batch's state-change times computed together
              with numpy, then walked in time order (what "as arrays" can be for services);
``callbacks`` no process: each state change's timeout carries a callback that schedules the
              next (the cheapest per-event form SimPy offers).

Multiplying the difference per change by the number of state changes of B2's week bounds what
the array design could save there.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any

import numpy as np
import simpy

from benchmarks.common import median

TASKS, CHANGES, BATCH = 32_000, 8, 25
Hook = Callable[[int, int], None]


def durations(tasks: int, seed: int = 1) -> np.ndarray:
    """Seconds between a task's state changes, ``(tasks, CHANGES)`` (lognormal, median 2.7 s)."""
    return np.random.default_rng(seed).lognormal(1.0, 0.5, (tasks, CHANGES))


def _launcher(env: simpy.Environment, tasks: int, start: Callable[[int], None]) -> Any:
    """Launch batches of :data:`BATCH` tasks 20 s apart."""
    for first in range(0, tasks, BATCH):
        yield env.timeout(first / BATCH * 20.0 - env.now)
        start(first)


def process_per_task(gaps: np.ndarray, hook: Hook) -> None:
    env = simpy.Environment()

    def task(i: int) -> Generator[simpy.Event, Any, None]:
        for k in range(CHANGES):
            yield env.timeout(gaps[i, k])
            hook(i, k)

    def start(first: int) -> None:
        for i in range(first, min(first + BATCH, len(gaps))):
            env.process(task(i))

    env.process(_launcher(env, len(gaps), start))
    env.run()


def process_per_batch(gaps: np.ndarray, hook: Hook) -> None:
    env = simpy.Environment()

    def batch(first: int) -> Generator[simpy.Event, Any, None]:
        block = gaps[first : first + BATCH]
        times = (env.now + np.cumsum(block, axis=1)).ravel()
        order = np.argsort(times, kind="stable")
        for t, which in zip(times[order].tolist(), order.tolist(), strict=True):
            if t > env.now:
                yield env.timeout(t - env.now)
            hook(first + which // CHANGES, which % CHANGES)

    env.process(_launcher(env, len(gaps), lambda first: env.process(batch(first)) and None))
    env.run()


def callbacks(gaps: np.ndarray, hook: Hook) -> None:
    env = simpy.Environment()

    def begin(i: int) -> None:
        def change(k: int) -> Callable[[simpy.Event], None]:
            def fire(_: simpy.Event) -> None:
                hook(i, k)
                if k + 1 < CHANGES:
                    env.timeout(gaps[i, k + 1]).callbacks.append(change(k + 1))

            return fire

        env.timeout(gaps[i, 0]).callbacks.append(change(0))

    def start(first: int) -> None:
        for i in range(first, min(first + BATCH, len(gaps))):
            begin(i)

    env.process(_launcher(env, len(gaps), start))
    env.run()


DESIGNS: dict[str, Callable[[np.ndarray, Hook], None]] = {
    "process": process_per_task,
    "cohort": process_per_batch,
    "callbacks": callbacks,
}


def hook_order(design: str, gaps: np.ndarray) -> list[tuple[int, int]]:
    """The (task, change) calls a design makes, in order (for the smoke test)."""
    calls: list[tuple[int, int]] = []
    DESIGNS[design](gaps, lambda i, k: calls.append((i, k)))
    return calls


def measure(runs: int, tasks: int = TASKS) -> dict[str, float]:
    """Median microseconds per state change of each design (runs interleaved)."""
    import time

    gaps = durations(tasks)
    walls: dict[str, list[float]] = {name: [] for name in DESIGNS}

    def nothing(i: int, k: int) -> None:
        pass

    for _ in range(runs):
        for name, design in DESIGNS.items():
            start = time.perf_counter()
            design(gaps, nothing)
            walls[name].append(time.perf_counter() - start)
    return {name: median(w) / (tasks * CHANGES) * 1e6 for name, w in walls.items()}
