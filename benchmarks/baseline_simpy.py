"""The per-task SimPy baseline of benchmark B1: a batch of Fargate tasks, written as a user would.

This is what someone would write to answer "what does a batch of N Fargate tasks cost?" with
SimPy and no fargasim: one SimPy process per task that walks through the task's states with one
``timeout`` each, and a bill added up task by task. B1 compares ``fargasim.simulate`` on the same
batch with it, so it is kept plain on purpose: no vectorization, no tricks.

What it models (the same rules as fargasim, from the same reference sections):

* **Launch rate** (§5.1): the account's launch token bucket holds 100 tokens refilled at 20 per
  second. A launcher process takes one token per task, waiting when the bucket is empty, and
  starts that task's process (tasks are submitted at t = 0 and start in order).
* **Start-up** (§4), the default means of fargasim's ``model.startup`` (``StartupSpec``):
  PROVISIONING ~14 s, PENDING ~2 s, image pull 2 s + 100 MiB at 40 MiB/s, extraction 100 MiB at
  30 MiB/s per vCPU, container start ~2 s; lognormal with cv 0.3.
* **Run and stop** (§3.1, §3.2): the essential container exits ``run_seconds`` after RUNNING;
  DEACTIVATING ~1 s, then DEPROVISIONING ~5 s (``model.shutdown`` defaults).
* **Billing** (§1.1): per second, from the start of the image pull until the containers have
  exited (the end of DEACTIVATING), rounded up to the second, with a 1-minute minimum, at
  us-east-1's Linux/x86 rates per vCPU-second and per GB-second (GB = GiB).

The defaults are copied from fargasim (``tests/test_benchmarks_smoke.py`` checks they still
match); the random draws are Python's ``random``, so the numbers agree with fargasim's only in
distribution, not draw by draw.
"""

from __future__ import annotations

import math
import random
from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Any

import simpy


@dataclass(frozen=True)
class Lognormal:
    """A positive random duration of this mean and coefficient of variation (cv 0: constant)."""

    mean: float
    cv: float = 0.0

    def draw(self, rng: random.Random) -> float:
        if self.cv == 0:
            return self.mean
        sigma2 = math.log1p(self.cv * self.cv)
        return rng.lognormvariate(math.log(self.mean) - sigma2 / 2, math.sqrt(sigma2))


@dataclass(frozen=True)
class FargateModel:
    """Start-up, stop, launch-rate and price parameters (defaults: fargasim's)."""

    provisioning: Lognormal = field(default_factory=lambda: Lognormal(14.0, 0.3))
    pending: Lognormal = field(default_factory=lambda: Lognormal(2.0, 0.3))
    pull_overhead: Lognormal = field(default_factory=lambda: Lognormal(2.0, 0.3))
    image_mib: float = 100.0
    pull_mibps: float = 40.0
    extract_mibps_per_vcpu: float = 30.0
    extract_max_vcpu: float = 4.0
    container_start: Lognormal = field(default_factory=lambda: Lognormal(2.0, 0.3))
    deactivating: Lognormal = field(default_factory=lambda: Lognormal(1.0, 0.3))
    deprovisioning: Lognormal = field(default_factory=lambda: Lognormal(5.0, 0.3))
    launch_burst: float = 100.0
    launch_rate: float = 20.0
    vcpu_usd_per_second: float = 0.000011244  # us-east-1 Linux/x86, per vCPU-second (§1.2)
    gb_usd_per_second: float = 0.000001235  # us-east-1 Linux/x86, per GB-second (§1.2)
    minimum_seconds: int = 60


@dataclass
class BatchResult:
    """What the batch did: tasks run, task-seconds billable (unrounded), seconds billed, cost,
    and when the last task was STOPPED."""

    tasks: int = 0
    billable_seconds: float = 0.0
    billed_seconds: int = 0
    cost_usd: float = 0.0
    finished_at: float = 0.0

    @property
    def task_hours(self) -> float:
        return self.billable_seconds / 3600.0


class TokenBucket:
    """A token bucket: ``capacity`` tokens, refilled continuously at ``rate`` per second."""

    def __init__(self, env: simpy.Environment, capacity: float, rate: float) -> None:
        self.env = env
        self.capacity = capacity
        self.rate = rate
        self.tokens = capacity
        self.updated = 0.0

    def take(self) -> Generator[simpy.Event, Any, None]:
        """Wait until a token is there, then take it (``yield from bucket.take()``)."""
        now = self.env.now
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens < 1:
            yield self.env.timeout((1 - self.tokens) / self.rate)
            self.tokens = 1.0
            self.updated = self.env.now
        self.tokens -= 1


def simulate_batch(
    n: int,
    *,
    vcpu: float = 0.25,
    memory_gib: float = 0.5,
    run_seconds: Lognormal | None = None,
    model: FargateModel | None = None,
    seed: int = 0,
) -> BatchResult:
    """Run ``n`` tasks of ``vcpu`` / ``memory_gib`` submitted at t = 0 until all have stopped."""
    run_seconds = run_seconds or Lognormal(300.0, 0.3)
    m = model or FargateModel()
    rng = random.Random(seed)
    env = simpy.Environment()
    bucket = TokenBucket(env, m.launch_burst, m.launch_rate)
    result = BatchResult()
    usd_per_second = vcpu * m.vcpu_usd_per_second + memory_gib * m.gb_usd_per_second

    def task() -> Generator[simpy.Event, Any, None]:
        yield env.timeout(m.provisioning.draw(rng))  # PROVISIONING
        yield env.timeout(m.pending.draw(rng))  # PENDING
        pull_started = env.now  # ACTIVATING: billing starts with the image pull
        yield env.timeout(m.pull_overhead.draw(rng) + m.image_mib / m.pull_mibps)
        yield env.timeout(m.image_mib / (m.extract_mibps_per_vcpu * min(vcpu, m.extract_max_vcpu)))
        yield env.timeout(m.container_start.draw(rng))
        yield env.timeout(run_seconds.draw(rng))  # RUNNING until the essential container exits
        yield env.timeout(m.deactivating.draw(rng))  # DEACTIVATING
        seconds = env.now - pull_started  # the containers have exited: billing stops
        billed = max(m.minimum_seconds, math.ceil(seconds))
        result.tasks += 1
        result.billable_seconds += seconds
        result.billed_seconds += billed
        result.cost_usd += billed * usd_per_second
        yield env.timeout(m.deprovisioning.draw(rng))  # DEPROVISIONING, then STOPPED

    def launcher() -> Generator[simpy.Event, Any, None]:
        for _ in range(n):
            yield from bucket.take()
            env.process(task())

    env.process(launcher())
    env.run()
    result.finished_at = env.now
    return result


if __name__ == "__main__":
    import sys
    import time

    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    start = time.perf_counter()
    out = simulate_batch(count)
    print(
        f"{out.tasks:,} tasks, {out.task_hours:,.1f} task-hours, {out.billed_seconds:,} s billed, "
        f"${out.cost_usd:,.2f} in {time.perf_counter() - start:.2f} s"
    )
